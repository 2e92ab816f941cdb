"""The hostile-input corpus (tests/corpus/hostile.json) against both entry points.

Every case is tried in every field it lists:

- through ``flaskcutter new``, in-process with click's runner (which also proves no
  exception escapes), plus a few real subprocesses that check for a traceback;
- through plain cookiecutter, in-process through its Python API (the hooks still run
  as real subprocesses), plus one real ``cookiecutter`` command per group.

A refusal must exit non-zero with a message naming the value and the rule, write
nothing anywhere, and run nothing (an injection would create the CANARY file). Where
plain cookiecutter cannot do as well, the corpus says so and names the limitation,
and the test checks that it does exactly what the corpus says, no worse.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flaskcutter.errors import printable

from hooks.pre_gen_project import kind

from .cli_support import Sandbox, assert_refused, invoke, isolate, script, snapshot
from .conftest import SPEC, run, validate
from .hostile_support import (
    CANARY,
    CORPUS_DIR,
    DEFAULTS,
    LIMITATIONS,
    OUTCOMES,
    Attempt,
    Plain,
    assert_valid_project,
    attempts,
    context_for,
    fill,
    legible_failures,
    recorded,
)
from .static_checks import open_redirects

ATTEMPTS = attempts()
FREE_TEXT_KEYS = ["project_name", "description", "author_name", "author_email"]
REFUSED = [a for a in ATTEMPTS if a.cli == "refused"]
# The CLI's base answers: every test below passes NAME "Blog" unless NAME is the field.
CLI_BASE = context_for(DEFAULTS, "project_name", "Blog")


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = isolate(tmp_path, monkeypatch)
    (box.work / "keep.txt").write_text("the user's file\n")
    monkeypatch.setenv("CANARY", str(box.root / CANARY))  # what the payloads would touch
    return box


def params(items: list[Attempt]) -> list[Any]:
    return [pytest.param(item, id=item.id) for item in items]


def cli_args(key: str, value: str) -> list[str]:
    """`flaskcutter new` with one answer; "--" lets a name such as "-rf" through as NAME."""
    if key == "project_name":
        return ["new", "--no-git", "--", value]
    return ["new", "--no-git", "Blog", "--set", f"{key}={value}"]


# The corpus itself ----------------------------------------------------------------


def test_corpus_covers_every_kind_of_hostile_input_in_every_field() -> None:
    groups = {attempt.group for attempt in ATTEMPTS}
    assert {
        "path", "separators", "dots", "leading", "keyword", "stdlib", "dependency",
        "test", "project-dir", "startup", "empty", "long", "unicode", "control", "jinja", "jinja-injection",
        "choice", "boolean", "free-text",
    } <= groups  # fmt: skip
    jinja_fields = {a.field for a in ATTEMPTS if a.group == "jinja"}
    assert jinja_fields == set(DEFAULTS), "Jinja must be tried in every field"
    lengths = {len(a.value(Path("/r"))) for a in ATTEMPTS if a.group == "long"}
    assert {255, 256, 4096} <= lengths


def plain_inconsistency(attempt: Attempt) -> str | None:
    """Why the corpus entry contradicts itself or the hook rules, or None."""
    if attempt.outcome not in OUTCOMES:
        return f"unknown outcome {attempt.outcome!r}"
    stated = attempt.outcome == "cookiecutter" or "rendered" in attempt.plain
    if stated and attempt.plain.get("limitation") not in LIMITATIONS:
        return f"names no documented limitation: {attempt.plain}"
    if attempt.outcome == "cookiecutter":
        return None if attempt.plain.get("needle") else "say what cookiecutter's error contains"
    verdict = validate(context_for(DEFAULTS, attempt.field, attempt.rendered(Path("/r"))))
    if attempt.outcome == "hook" and not verdict:
        return "the corpus says the hook refuses this, but the rules accept it"
    if attempt.outcome == "accepted" and verdict:
        return f"the corpus says accepted, but the rules say {verdict}"
    return None


def test_every_plain_difference_is_a_documented_limitation() -> None:
    """The data is consistent: each stated outcome is what the hook rules decide."""
    with legible_failures():
        wrong = [(a.id, why) for a in ATTEMPTS if (why := plain_inconsistency(a))]
        assert wrong == []


# flaskcutter new ------------------------------------------------------------------


@pytest.mark.parametrize("attempt", params(REFUSED))
def test_cli_refuses_naming_value_and_rule_and_writes_nothing(
    box: Sandbox, attempt: Attempt
) -> None:
    with legible_failures():
        value = attempt.value(box.root)
        before = snapshot(box.root)
        result = invoke(cli_args(attempt.field, value))
        assert_refused(result, 2)  # exit 2, one "error:" line, no exception
        line = result.stderr.strip()
        # A bad name may show as the slug or package derived from it; the message says so.
        derived = {
            "project_name": ("project_slug", "package_name"),
            "project_slug": ("package_name",),
        }
        named = [key for key in (attempt.field, *derived.get(attempt.field, ())) if key in line]
        assert named, line
        assert attempt.rule and attempt.rule in line, line
        if kind(SPEC, attempt.field) == "boolean":  # refused by --set parsing, before the rules
            assert printable(repr(value)) in line
        else:
            (expected, *_) = validate(context_for(CLI_BASE, attempt.field, value))
            # The rules' own message (the pre hook prints the same), then where it came from.
            assert line.startswith(f"error: {expected}"), (line, expected)
        assert snapshot(box.root) == before  # no project, no staging, no replay, no temp file
        assert not (box.root / CANARY).exists()


VERBATIM: dict[str, list[Attempt]] = {}
for _attempt in ATTEMPTS:
    if _attempt.cli == "verbatim":  # one project per value, with it in every such field
        VERBATIM.setdefault(f"{_attempt.group}{_attempt.case}", []).append(_attempt)


def config_app_name(project: Path, package: str) -> str:
    """APP_NAME as the generated config module spells it (blueprints layout)."""
    tree = ast.parse((project / package / "config.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "APP_NAME":
            return str(ast.literal_eval(node.value))
    raise AssertionError("APP_NAME not found")


@pytest.mark.parametrize("fields", [pytest.param(v, id=k) for k, v in VERBATIM.items()])
def test_cli_writes_free_text_verbatim_into_a_valid_project(
    box: Sandbox, fields: list[Attempt]
) -> None:
    """Quotes, backslashes, newlines, non-ASCII and Jinja stay text, in every format."""
    value = fields[0].value(box.root)
    keys = [attempt.field for attempt in fields]
    name = value if "project_name" in keys else "Blog"
    sets = [f"--set={key}={value}" for key in keys if key != "project_name"]
    result = invoke(["new", "--no-git", *sets, "--", name])
    assert result.exit_code == 0, result.output
    context = context_for(CLI_BASE, "project_name", name)
    project = box.work / context["project_slug"]
    answers = recorded(project)
    for key in keys:
        assert answers[key] == value, key
    meta = assert_valid_project(project)
    if "description" in keys:
        assert meta["description"] == value
    if "project_name" in keys:
        assert config_app_name(project, context["package_name"]) == value
    assert not (box.root / CANARY).exists()
    assert sorted(p.name for p in box.work.iterdir()) == sorted(["keep.txt", project.name])


# A few real processes: what a user's terminal shows, tracebacks included.
SUBPROCESS_PICKS = [
    ("path", "project_slug", "../evil"),
    ("long", "project_name", "a" * 4096),
    ("control", "project_slug", "a\nb"),
    # A lone surrogate is what Python makes of argv bytes that are not UTF-8.
    ("control", "project_name", "a\udc85b"),
    ("jinja-injection", "project_name", None),
    ("jinja", "version", "{{ 7*7 }}"),
    ("choice", "layout", "pyramid"),
    ("boolean", "use_sqlalchemy", "maybe"),
]
SUBPROCESS = [
    next(
        a
        for a in REFUSED
        if (a.group, a.field) == (group, key) and value in (None, a.value(Path()))
    )
    for group, key, value in SUBPROCESS_PICKS
]


@pytest.mark.parametrize("attempt", params(SUBPROCESS))
def test_cli_process_prints_one_line_and_no_traceback(box: Sandbox, attempt: Attempt) -> None:
    before = snapshot(box.root)
    result = subprocess.run(
        [script(), *cli_args(attempt.field, attempt.value(box.root))],
        cwd=box.work,
        env={**os.environ, **box.env()},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr + result.stdout.decode("utf-8", "replace")
    (line,) = stderr.strip().splitlines()
    assert line.startswith("error: ") and attempt.field in line and attempt.rule in line
    assert snapshot(box.root) == before
    assert not (box.root / CANARY).exists()


# Plain cookiecutter ---------------------------------------------------------------


def accepted_sample() -> set[str]:
    """One accepted attempt per group is baked for real; the rest only asks the rules.

    An accepted answer means "the hook's validate() returned no error", which the
    consistency test above checks for every attempt; baking each would cost ~0.3 s.
    """
    first: dict[str, str] = {}
    for attempt in ATTEMPTS:
        if attempt.outcome == "accepted":
            first.setdefault(attempt.group, attempt.id)
    return set(first.values())


PLAIN = [a for a in ATTEMPTS if a.outcome != "accepted" or a.id in accepted_sample()]


def plain_snapshot(box: Sandbox) -> dict[str, tuple[str, int, bytes]]:
    """The sandbox as the template leaves it, without cookiecutter's own residue.

    Plain cookiecutter always writes a replay file to the home directory and leaves
    rendered hook scripts in the temp directory (SECURITY.md); those two are left out.
    """
    return {
        path: entry
        for path, entry in snapshot(box.root).items()
        if path.split("/")[0] not in ("home", "systmp")
    }


def check_plain_outcome(
    attempt: Attempt, plain: Plain, error_text: str, stderr: str, before: dict[str, Any]
) -> None:
    """What the corpus says plain cookiecutter does, given its error text and stderr."""
    root = plain.box.root
    if attempt.outcome == "hook":
        (expected, *_) = validate(context_for(DEFAULTS, attempt.field, attempt.rendered(root)))
        # The hook's one line comes first; cookiecutter's own report follows it.
        assert stderr.splitlines()[0] == f"error: {expected}", stderr[-2000:]
        if "rendered" not in attempt.plain:
            assert attempt.rule in expected
    elif attempt.outcome == "cookiecutter":
        assert attempt.plain["needle"] in error_text, error_text[-2000:]
    assert not (root / CANARY).exists()
    if attempt.outcome == "accepted":
        (project,) = plain.output.iterdir()
        assert recorded(project)[attempt.field] == attempt.rendered(root)
        return
    after = plain_snapshot(plain.box)
    # Only the documented residue: empty directories left by a nested slug.
    residue = {os.path.normpath(f"work/out/{path}") for path in attempt.plain.get("residue", [])}
    assert set(after) == set(before) | residue
    assert all(after[path][0].startswith("d") for path in residue)
    changed = {".", "work", "work/out"} | residue  # directory sizes may change
    assert {k: v for k, v in after.items() if k not in changed} == {
        k: v for k, v in before.items() if k not in changed
    }


@pytest.mark.parametrize("attempt", params(PLAIN))
def test_plain_cookiecutter_does_what_the_corpus_says(
    box: Sandbox, capfd: pytest.CaptureFixture[str], attempt: Attempt
) -> None:
    with legible_failures():
        plain = Plain(box)
        plain.output.mkdir()
        before = plain_snapshot(box)
        error = plain.run({attempt.field: attempt.value(box.root)})
        stderr = capfd.readouterr().err
        if attempt.outcome == "accepted":
            assert error is None, error
        else:
            assert error is not None, "plain cookiecutter generated a project"
            if attempt.outcome == "hook":
                assert type(error).__name__ == "FailedHookException", error
        error_text = f"{type(error).__name__}: {error}" if error else ""
        check_plain_outcome(attempt, plain, error_text, stderr, before)


def first_per_group() -> list[Attempt]:
    """The real `cookiecutter` command, once per group (argv cannot carry a NUL)."""
    first: dict[str, Attempt] = {}
    for attempt in PLAIN:
        if "\x00" not in attempt.value(Path()):
            first.setdefault(attempt.group, attempt)
    return list(first.values())


@pytest.mark.parametrize("attempt", params(first_per_group()))
def test_plain_cookiecutter_command_prints_the_hook_line_first(
    box: Sandbox, attempt: Attempt
) -> None:
    """The first line of stderr is ours; the traceback after it is cookiecutter's own."""
    plain = Plain(box)
    plain.output.mkdir()
    before = plain_snapshot(box)
    result = run(
        plain.argv(f"{attempt.field}={attempt.value(box.root)}"),
        cwd=box.work,
        env=box.env(),
        timeout=120,
    )
    if attempt.outcome == "accepted":
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0
    # Cookiecutter prints its own errors ("Error: ... already exists") on stdout.
    check_plain_outcome(attempt, plain, result.stdout + result.stderr, result.stderr, before)


# Each quote ends one kind of Python string literal, after which the rest would run, as
# it does in a hook written as NAME = "{{ cookiecutter.author_name }}". The canary's
# path comes from the environment, so the payload has no "/" (a slug with one makes
# nested directories) and its slug stays under 40 characters.
INJECTION = "x{quote};__import__('os').system('touch${{IFS}}$CANARY')#"
QUOTES = ['"', '"""', "'", "'''", '\\"', "\\"]


@pytest.mark.parametrize("quote", QUOTES)
@pytest.mark.parametrize(
    "keys",
    [FREE_TEXT_KEYS, ["version"], ["project_slug"], ["package_name"]],
    ids=["free-text", "version", "slug", "package"],
)
def test_a_quote_in_any_answer_cannot_change_what_the_hooks_do(
    box: Sandbox,
    capfd: pytest.CaptureFixture[str],
    keys: list[str],
    quote: str,
) -> None:
    """The hooks read answers as JSON, so a quote that could end a literal stays text."""
    plain = Plain(box)
    value = INJECTION.format(quote=quote)
    answers = {key: value + ("@example.com" if key == "author_email" else "") for key in keys}
    error = plain.run(answers)
    stderr = capfd.readouterr().err
    assert not (box.root / CANARY).exists()
    if keys == FREE_TEXT_KEYS:  # free text is welcome, and arrives as it was typed
        assert error is None, stderr
        (project,) = plain.output.iterdir()
        assert {key: recorded(project)[key] for key in keys} == answers
        assert_valid_project(project)
    else:  # a name or a version is refused by the hook's rules, not by a SyntaxError
        assert type(error).__name__ == "FailedHookException", error
        assert stderr.splitlines()[0].startswith(f"error: {keys[0]} "), stderr
        assert list(plain.output.iterdir()) == []


# The open-redirect check that tests/test_bake.py runs on every generated project ------

REDIRECTS = {
    "query-argument": ("def go():\n    return redirect(request.args['next'])\n", 1),
    "referrer-keyword": ("def go():\n    return flask.redirect(location=request.referrer)\n", 1),
    "through-variables": (
        "def go():\n    url = target\n    target = request.args.get('next', '/')\n"
        "    return redirect(url)\n",
        1,
    ),
    "view-parameter": ("@bp.route('/go/<path:url>')\ndef go(url):\n    return redirect(url)\n", 1),
    "endpoint": ("def go():\n    return redirect(url_for('main.index'))\n", 0),
    "helper-argument": ("def helper(url):\n    return redirect(url)\n", 0),
}


@pytest.mark.parametrize(("source", "expected"), REDIRECTS.values(), ids=REDIRECTS.keys())
def test_the_open_redirect_check_finds_client_chosen_targets(source: str, expected: int) -> None:
    assert len(open_redirects(source)) == expected


# Presets (the CLI only: plain cookiecutter has none) ------------------------------

PRESETS = json.loads((CORPUS_DIR / "presets.json").read_text(encoding="utf-8"))["cases"]


def preset_bytes(case: dict[str, Any]) -> bytes:
    pieces = case["toml"] if isinstance(case["toml"], list) else [case["toml"]]
    return "".join(fill(piece, Path()) for piece in pieces).encode(case.get("encoding", "utf-8"))


@pytest.mark.parametrize("case", PRESETS, ids=[case["id"] for case in PRESETS])
def test_a_hostile_preset_is_refused_in_one_short_line(box: Sandbox, case: dict[str, Any]) -> None:
    preset = box.root / "team.toml"
    preset.write_bytes(preset_bytes(case))
    before = snapshot(box.root)
    # No NAME: a name on the command line would override the preset's project_name.
    result = invoke(["new", "--no-git", "--preset", str(preset)])
    assert_refused(result, 2, "team.toml", *case["needles"])
    assert len(result.stderr) < 400  # a 100,000-character value is not echoed back
    assert snapshot(box.root) == before
