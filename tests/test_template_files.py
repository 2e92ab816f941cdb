"""The template's own files: what cookiecutter renders and what it only copies.

Files with no Jinja are listed in ``_copy_without_render`` so that cookiecutter does not
compile them on every bake (benchmarks/RESULTS.md); Flask's HTML templates are listed
because their Jinja belongs to Flask. This keeps that list honest in both directions.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatch

from .conftest import REPO

TEMPLATE = REPO / "{{cookiecutter.project_slug}}"
JINJA = re.compile(r"\{\{|\{%|\{#")


def copied_verbatim(relative: str) -> bool:
    patterns = json.loads((REPO / "cookiecutter.json").read_text())["_copy_without_render"]
    # Cookiecutter matches paths relative to the project template, parents included.
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch(path, pattern) for path in prefixes for pattern in patterns)


FILES = sorted(
    str(path.relative_to(TEMPLATE))
    for path in TEMPLATE.rglob("*")
    if path.is_file() and "__pycache__" not in path.parts
)


def test_a_file_is_copied_verbatim_exactly_when_it_has_no_template_syntax() -> None:
    wrong = []
    for relative in FILES:
        text = (TEMPLATE / relative).read_text(encoding="utf-8")
        if "/templates/" in f"/{relative}":
            if not copied_verbatim(relative):
                wrong.append((relative, "Flask's own templates must never be rendered"))
        elif copied_verbatim(relative) != (JINJA.search(text) is None):
            wrong.append((relative, "in _copy_without_render exactly when it has no Jinja"))
    assert wrong == []
