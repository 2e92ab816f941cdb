"""Properties of validate(), the one source of truth for both entry points.

For any text in any name or free-text field, validate() gives a clear verdict: either
no error, or one-line messages that name the key and quote the value printably. And
every name it accepts makes a project whose package imports (from the project, not
from somewhere it shadows) and whose own tests pass.
"""

from __future__ import annotations

import ast
import keyword
import re
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from hooks.pre_gen_project import PROJECT_IMPORTS, SOFT_KEYWORDS, free_text_keys
from local_extensions import python_string

from .cli_support import Sandbox, invoke, isolate
from .conftest import SPEC, run, validate
from .hostile_support import DEFAULTS, attempts, context_for

FREE_TEXT = tuple(free_text_keys(SPEC))

NAME_KEYS = ("project_name", "project_slug", "package_name")
# The keys a refusal may name: the one given, or a name derived from it.
MAY_NAME = {"project_name": NAME_KEYS, "project_slug": NAME_KEYS[1:], "package_name": NAME_KEYS[2:]}
# A refusal reads "<key> <value> is invalid: <rule>" (or "is too long: ...").
VERDICT_RE = re.compile(r"(\w+) .+ is (invalid|too long): .+")

# Any text at all, lone surrogates (undecodable argv bytes) and controls included,
# mixed with the corpus values and with text shaped like names, so that accepted
# answers are found as often as refused ones.
ANY_CHAR = st.characters(exclude_categories=())
CORPUS_VALUES = sorted({str(a.value(Path("/r"))) for a in attempts()})
TEXTS = st.one_of(
    st.text(ANY_CHAR, max_size=120),
    st.sampled_from(CORPUS_VALUES),
    st.from_regex(r"[a-z][a-z0-9_ -]{0,45}", fullmatch=True),
    st.text("abcXYZ019 -_.'\"\\/{}%#\t\n\u2028\u202e\x85é日", max_size=50),
)


@settings(max_examples=500, deadline=None)
@given(key=st.sampled_from(NAME_KEYS + FREE_TEXT), text=TEXTS)
@example(key="project_name", text="a\u2028b")  # a line separator that json.dumps keeps
@example(key="project_name", text="x\udc85")  # undecodable argv byte
@example(key="package_name", text="type")  # a soft keyword only from Python 3.12
def test_any_text_gets_a_clear_verdict(key: str, text: str) -> None:
    context = context_for(DEFAULTS, key, text)
    errors = validate(context)
    for error in errors:
        # One line, whatever the value holds, and nothing in it that does not print
        # (so a bidi override cannot reorder the message on a terminal).
        assert error.splitlines() == [error]
        assert error.isprintable(), ascii(error)
        assert len(error) < 250
        match = VERDICT_RE.fullmatch(error)
        assert match, ascii(error)
        # It names the key that was given, or a name derived from it.
        assert match.group(1) in MAY_NAME.get(key, (key,)), (key, error)
    if not errors:
        assert_safe_names(context)


def assert_safe_names(context: dict[str, Any]) -> None:
    """What an accepted answer guarantees, written independently of the rules."""
    name, slug, package = (context[key] for key in NAME_KEYS)
    # A title: one line of real text, no controls, nothing undecodable.
    assert name.strip() and name.splitlines() == [name] and len(name) <= 100
    assert not {unicodedata.category(ch) for ch in name} & {"Cc", "Cs", "Zl", "Zp"}
    assert not any(mark in name for mark in ("{{", "{%", "{#"))
    # A slug is one plain directory name: no separator, no dot, no leading dash.
    assert re.fullmatch(r"[a-z][a-z0-9-]{0,39}", slug) and "--" not in slug
    assert package.isidentifier() and package.isascii() and package.islower()
    assert not keyword.iskeyword(package) and package not in SOFT_KEYWORDS
    assert package not in sys.stdlib_module_names and package not in PROJECT_IMPORTS


@settings(max_examples=200, deadline=None)
@given(text=st.text(ANY_CHAR, max_size=60))
def test_python_literals_of_any_text_round_trip_and_print(text: str) -> None:
    """What the template writes into Python source reads as exactly what it holds."""
    literal = python_string(text)
    assert ast.literal_eval(literal) == text
    assert literal.isprintable(), ascii(literal)


# Accepted names bake ----------------------------------------------------------------

# Names the rules accept, drawn from shapes a person might type.
NAMES = st.one_of(
    st.tuples(
        st.just("project_name"), st.from_regex(r"[A-Za-z][A-Za-z0-9 '&.-]{0,30}", fullmatch=True)
    ),
    st.tuples(
        st.just("project_slug"),
        st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,3}", fullmatch=True),
    ),
    st.tuples(st.just("package_name"), st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)),
)


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    # One sandbox for all of a test's examples (hypothesis runs them in one call);
    # each example bakes into its own fresh output directory inside it.
    return isolate(tmp_path, monkeypatch)


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(name=NAMES, layout=st.sampled_from(["blueprints", "single"]))
def test_every_accepted_name_bakes_into_a_project_that_imports_and_passes(
    box: Sandbox, name: tuple[str, str], layout: str
) -> None:
    key, value = name
    context = context_for(DEFAULTS, key, value)
    assume(not validate(context))  # refusals are the test above's business
    output = Path(tempfile.mkdtemp(dir=box.work))
    args = ["--set", f"{key}={value}"] if key != "project_name" else []
    result = invoke(
        ["new", "--no-git", "-q", "-o", str(output), "--layout", layout, "--db", "none",
         "--no-deploy", *args, "--", context["project_name"]]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    project = output / context["project_slug"]
    # The package must be the project's own, not a module of the same name elsewhere.
    imported = run([sys.executable, "-c", IMPORT_CHECK, context["package_name"]], cwd=project)
    assert imported.returncode == 0, imported.stderr
    tests = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"], cwd=project)
    assert tests.returncode == 0, tests.stdout[-3000:]


IMPORT_CHECK = """\
import importlib, pathlib, sys
module = importlib.import_module(sys.argv[1])
where = pathlib.Path(module.__file__).resolve()
assert where.is_relative_to(pathlib.Path.cwd().resolve()), where
assert callable(module.create_app)
"""
