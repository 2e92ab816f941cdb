"""The hooks: validation rules, the prune table, and plain cookiecutter refusing bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hooks import pre_gen_project as rules
from hooks.post_gen_project import paths_to_prune, prune
from hooks.pre_gen_project import effective, notices

from .conftest import BIN, REPO, run

pytestmark = pytest.mark.xdist_group("hooks")

SPEC = json.loads((REPO / "cookiecutter.json").read_text(encoding="utf-8"))


def validate(answers: dict[str, Any]) -> list[str]:
    return rules.validate(answers, SPEC)


VALID: dict[str, Any] = {
    "project_name": "My Flask App",
    "project_slug": "my-flask-app",
    "package_name": "my_flask_app",
    "description": "A Flask web application.",
    "author_name": "Your Name",
    "author_email": "you@example.com",
    "version": "0.1.0",
    "python_version": "3.11",
    "layout": "blueprints",
    "use_sqlalchemy": True,
    "database": "sqlite",
    "use_migrate": True,
    "deployment": "gunicorn-nginx",
    "license": "MIT",
    "use_github_actions": True,
}

BAD_SLUGS = {
    "../evil": "lowercase letters",
    "/tmp/evil": "lowercase letters",
    "a/b": "lowercase letters",
    "My App": "lowercase letters",
    "my--app": "single dashes",
    "-app": "starting with a letter",
    "app-": "lowercase letters",
    "1app": "starting with a letter",
    "my_app": "lowercase letters",
    "café": "lowercase letters",
    ".hidden": "lowercase letters",
    "": "lowercase letters",
    "a" * 41: "at most 40",
}
BAD_PACKAGES = {
    "class": "keyword",
    "match": "keyword",
    "json": "standard-library",
    "site": "standard-library",
    "test": "shadows 'test'",
    "tests": "shadows 'tests'",
    "flask": "shadows 'flask'",
    "sqlalchemy": "shadows 'sqlalchemy'",
    "gunicorn": "shadows 'gunicorn'",
    "dotenv": "shadows 'dotenv'",
    "pygments": "shadows 'pygments'",
    "sitecustomize": "at every start-up",
    "build": ".gitignore ignores",
    "con": "reserved file name on Windows",
    "1app": "starting with a letter",
    "my-app": "underscores",
    "a" * 41: "at most 40",
}
BAD_CHOICES = {
    "layout": "pyramid",
    "database": "mysql",
    "deployment": "docker",
    "license": "GPL-3.0",
    "python_version": "3.10",
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**VALID, **changes}


def test_defaults_are_valid() -> None:
    assert validate(VALID) == []


@pytest.mark.parametrize(("slug", "rule"), BAD_SLUGS.items(), ids=repr)
def test_bad_slug_is_refused_naming_value_and_rule(slug: str, rule: str) -> None:
    errors = validate(with_(project_slug=slug))
    assert len(errors) == 1
    assert errors[0].startswith("project_slug ")
    assert rule in errors[0]
    assert json.dumps(slug, ensure_ascii=False)[:40] in errors[0]


@pytest.mark.parametrize(("package", "rule"), BAD_PACKAGES.items(), ids=repr)
def test_bad_package_name_is_refused(package: str, rule: str) -> None:
    errors = validate(with_(package_name=package))
    assert len(errors) == 1
    assert errors[0].startswith(f"package_name {json.dumps(package)[:40]}")
    assert rule in errors[0]


@pytest.mark.parametrize(("key", "value"), BAD_CHOICES.items())
def test_value_outside_choices_is_refused(key: str, value: str) -> None:
    errors = validate(with_(**{key: value}))
    assert errors == [f'{key} "{value}" is invalid: choose one of {", ".join(SPEC[key])}']


@pytest.mark.parametrize("value", ["true", "yes", 1, None])
def test_booleans_must_be_real_booleans(value: object) -> None:
    errors = validate(with_(use_sqlalchemy=value))
    assert len(errors) == 1
    assert "use_sqlalchemy" in errors[0]
    assert "true or false" in errors[0]


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", "non-empty"),
        ("   ", "non-empty"),
        ("Tab\there", "control characters"),
        ("{{ 7*7 }}", "template delimiters"),
        ("{% if x %}", "template delimiters"),
        ("x" * 101, "at most 100"),
    ],
)
def test_bad_project_name_is_refused(name: str, rule: str) -> None:
    errors = validate(with_(project_name=name))
    assert len(errors) == 1
    assert rule in errors[0]


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("description", "nul\x00byte", "NUL"),
        ("author_name", "x" * 501, "at most 500"),
        ("version", "one", "PEP 440"),
        ("author_email", "not-an-address", "address"),
    ],
)
def test_bad_free_text_is_refused(key: str, value: str, rule: str) -> None:
    errors = validate(with_(**{key: value}))
    assert len(errors) == 1
    assert errors[0].startswith(key)
    assert rule in errors[0]


def test_free_text_accepts_quotes_backslashes_newlines_and_unicode() -> None:
    text = 'He said "hi" \\ it\'s\nfine ☕ Zoë 日本'
    # An author signs the first commit, and git allows no line break in a name.
    author = text.replace("\n", " ")
    assert validate(with_(description=text, author_name=author)) == []


def test_long_value_is_shortened_in_message() -> None:
    (error,) = validate(with_(project_slug="a" * 4096))
    assert "(4096 characters)" in error
    assert len(error) < 200


def test_migrate_without_sqlalchemy_is_a_notice_not_an_error() -> None:
    answers = with_(use_sqlalchemy=False, use_migrate=True)
    assert validate(answers) == []
    assert notices(answers) == ["note: use_migrate is off: it needs use_sqlalchemy=true"]
    assert notices(VALID) == []


def test_switched_off_options_take_effect_as_off() -> None:
    lean = effective(with_(use_sqlalchemy=False), SPEC)
    assert (lean["use_migrate"], lean["database"]) == (False, None)
    assert validate(lean) == [], "an answers file records them so; it must stay valid"
    assert effective(VALID, SPEC) == VALID


# The conditional paths -------------------------------------------------------------


def test_default_answers_prune_only_the_files_of_options_that_default_to_off() -> None:
    # An option that is off by default (a JSON false, or a choice whose default is
    # "none") keeps its files out of a default project; every other path is part of it.
    off = {
        key
        for key, value in SPEC.items()
        if value is False or (isinstance(value, list) and value[0] == "none")
    }
    expected = [
        path.format(pkg=VALID["package_name"])
        for path, condition in rules.PATHS.items()
        if set(condition) & off
    ]
    assert paths_to_prune(effective(VALID, SPEC), rules) == expected


def test_each_option_removes_its_own_paths_and_only_those() -> None:
    # option off -> (paths that must go, paths that must stay)
    cases = {
        "use_sqlalchemy": (
            {"use_sqlalchemy": False},
            ["my_flask_app/orm.py", "migrations"],
            ["deploy"],
        ),
        "use_migrate": ({"use_migrate": False}, ["migrations"], ["my_flask_app/orm.py"]),
        "deployment": ({"deployment": "none"}, ["deploy"], ["migrations", "LICENSE"]),
        "license": ({"license": "Proprietary"}, ["LICENSE"], ["deploy", ".github"]),
        "use_github_actions": ({"use_github_actions": False}, [".github"], ["LICENSE"]),
    }
    wrong = {}
    for name, (changes, gone, kept) in cases.items():
        pruned = set(paths_to_prune(effective(with_(**changes), SPEC), rules))
        if not set(gone) <= pruned or pruned & set(kept):
            wrong[name] = sorted(pruned)
    assert wrong == {}


def test_prune_removes_files_and_folders(tmp_path: Path) -> None:
    for path in ("my_flask_app/orm.py", "migrations/env.py", "LICENSE", "README.md"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    prune(tmp_path, ["my_flask_app/orm.py", "migrations", "LICENSE", "no/such/path"])
    remaining = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert remaining == ["README.md", "my_flask_app"]


# Plain cookiecutter ---------------------------------------------------------------


def plain_cookiecutter(output: Path, *answers: str) -> Any:
    # Plain cookiecutter writes a replay file to ~/.cookiecutter_replay; keep it out
    # of both the real home and the directories under inspection.
    home = output.parent / "home"
    home.mkdir(exist_ok=True)
    return run(
        ["cookiecutter", "--no-input", "-o", str(output), str(REPO), *answers],
        cwd=output,
        env={"HOME": str(home)},
    )


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


PLAIN_CASES = (
    [f"project_slug={slug}" for slug in ("../evil", "a/b", "My App", "1app", "a" * 41)]
    + [f"package_name={name}" for name in ("class", "json", "flask", "tests")]
    + [f"{key}={value}" for key, value in BAD_CHOICES.items()]
    + ["use_sqlalchemy=maybe"]
)


@pytest.mark.parametrize("answer", PLAIN_CASES)
def test_plain_cookiecutter_refuses_and_leaves_no_files(tmp_path: Path, answer: str) -> None:
    output = tmp_path / "out"
    output.mkdir()
    result = plain_cookiecutter(output, answer)
    assert result.returncode != 0
    key, value = answer.split("=", 1)
    assert value in result.stderr + result.stdout
    assert files_under(output) == []
    if "/" not in value:
        assert list(output.iterdir()) == []
    # Nested slugs are the one residue plain cookiecutter leaves: it creates a/b, the
    # hook refuses, cookiecutter removes a/b but not the empty a/. The CLI avoids it.
    assert not (tmp_path / "evil").exists()


def test_plain_cookiecutter_hook_prints_one_line_naming_value_and_rule(
    tmp_path: Path,
) -> None:
    result = plain_cookiecutter(tmp_path, "package_name=json")
    assert result.returncode != 0
    first = result.stderr.splitlines()[0]
    assert first == (
        "error: package_name \"json\" is invalid: it shadows the standard-library module 'json'"
    )


def test_quotes_in_answers_cannot_change_what_hooks_do(tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    payload = f'x"""; import pathlib; pathlib.Path({str(canary)!r}).touch() #'
    result = plain_cookiecutter(tmp_path, f"author_name={payload}", f"description='''{payload}\\")
    assert result.returncode == 0, result.stderr
    assert not canary.exists()
    answers = json.loads((tmp_path / "my-flask-app" / ".flaskcutter.json").read_text())
    assert answers["author_name"] == payload


def test_migrate_notice_from_plain_cookiecutter(tmp_path: Path) -> None:
    result = plain_cookiecutter(tmp_path, "use_sqlalchemy=false")
    assert result.returncode == 0, result.stderr
    assert "use_migrate is off: it needs use_sqlalchemy=true" in result.stdout
    assert not (tmp_path / "my-flask-app" / "migrations").exists()


@pytest.mark.parametrize("key", ["description", "author_name", "project_name"])
def test_plain_cookiecutter_cannot_be_made_to_run_code(tmp_path: Path, key: str) -> None:
    canary = tmp_path / "CANARY"
    payload = f"{{{{ cycler.__init__.__globals__.os.popen('touch {canary}').read() }}}}"
    output = tmp_path / "out"
    output.mkdir()
    result = plain_cookiecutter(output, f"{key}={payload}")
    assert result.returncode != 0
    assert "SecurityError" in result.stderr
    assert not canary.exists()
    assert list(output.iterdir()) == []


@pytest.mark.parametrize(
    "entry", ["plain-cookiecutter", "flaskcutter-new"], ids=lambda entry: entry
)
def test_switched_off_options_are_recorded_as_off(tmp_path: Path, entry: str) -> None:
    # database=postgresql is given on purpose: with SQLAlchemy off it takes no effect,
    # so the record must not say "postgresql" (nor "sqlite", the default).
    if entry == "plain-cookiecutter":
        result = plain_cookiecutter(tmp_path, "use_sqlalchemy=false", "database=postgresql")
    else:
        result = run(
            [str(BIN / "flaskcutter"), "new", "My Flask App", "--db", "none", "--no-git"]
            + ["-o", str(tmp_path)],
            cwd=tmp_path,
            env={"HOME": str(tmp_path)},
        )
    assert result.returncode == 0, result.stderr
    answers = json.loads((tmp_path / "my-flask-app" / ".flaskcutter.json").read_text())
    off = {key: answers[key] for key in ("use_sqlalchemy", "database", "use_migrate")}
    assert off == {"use_sqlalchemy": False, "database": None, "use_migrate": False}
