"""The Jinja filters that write free text into generated TOML and Python files."""

from __future__ import annotations

import ast
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local_extensions import one_line, python_string, toml_string

from .conftest import run

AWKWARD = [
    "plain",
    'double "quotes"',
    "single 'quotes'",
    'both "double" and \'single\' and "more"',
    "back\\slash at end\\",
    "new\nline and\ttab",
    "del \x7f and bell \x07",
    "non-ASCII: Zoë 日本 😀",
    "'\"\\\"'",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_toml_string_round_trips(text: str) -> None:
    assert tomllib.loads(f"value = {toml_string(text)}")["value"] == text


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"])))
def test_toml_string_round_trips_any_text(text: str) -> None:
    assert tomllib.loads(f"value = {toml_string(text)}")["value"] == text


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"])))
def test_python_string_round_trips_any_text(text: str) -> None:
    assert ast.literal_eval(python_string(text)) == text


def test_python_string_is_left_alone_by_ruff_format(tmp_path) -> None:
    source = "".join(f"VALUE_{i} = {python_string(text)}\n" for i, text in enumerate(AWKWARD))
    path = tmp_path / "literals.py"
    path.write_text(source, encoding="utf-8")
    result = run(["ruff", "format", "--no-cache", "--diff", str(path)], cwd=tmp_path)
    assert result.returncode == 0, result.stdout


def test_one_line_collapses_whitespace() -> None:
    assert one_line("  a\nb\t c  ") == "a b c"
