"""SECURITY.md stays honest: every guarantee names tests, and every test it names exists.

A guarantee without a test is a wish; a test reference that no longer resolves (a
rename, a deletion) would make the page claim protection that nothing checks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .conftest import REPO

DOC = (REPO / "SECURITY.md").read_text(encoding="utf-8")
# `tests/test_x.py::test_name`, or a generated project's `{{...}}/tests/test_x.py::...`.
REFERENCE = re.compile(r"`((?:\{\{cookiecutter\.project_slug\}\}/)?tests/[\w/]+\.py)::(\w+)`")


def guarantees() -> dict[str, str]:
    """Each "### " section under "## Guarantees", by its heading."""
    part = DOC.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    sections = re.split(r"^### (.+)$", part, flags=re.MULTILINE)[1:]
    return dict(zip(sections[::2], sections[1::2], strict=True))


def test_the_page_lists_guarantees() -> None:
    assert len(guarantees()) >= 10


def test_every_guarantee_names_a_test() -> None:
    bare = []
    for heading, body in guarantees().items():
        listed = [line for line in body.splitlines() if line.startswith("- `")]
        if not any(REFERENCE.fullmatch(line.removeprefix("- ")) for line in listed):
            bare.append(heading)
    assert bare == [], f"guarantees without a test: {bare}"


def defines(path: Path, name: str) -> bool:
    # A regular expression, not ast: the template's tests are Jinja until rendered.
    pattern = rf"^(async )?def {name}\("
    return re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE) is not None


def test_every_named_test_exists() -> None:
    missing = [
        f"{path}::{name}"
        for path, name in sorted(set(REFERENCE.findall(DOC)))
        if not (REPO / path).is_file() or not defines(REPO / path, name)
    ]
    assert missing == [], f"SECURITY.md names tests that do not exist: {missing}"


def test_every_plain_cookiecutter_limitation_is_documented() -> None:
    corpus = json.loads((REPO / "tests" / "corpus" / "hostile.json").read_text(encoding="utf-8"))
    limitations = list(corpus["limitations"])
    plain = DOC.split("## What plain cookiecutter cannot prevent", 1)[1]
    assert [name for name in limitations if f"(`{name}`)" not in plain] == []
