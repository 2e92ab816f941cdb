"""The template's own files: what cookiecutter renders, and what stays conditional.

Only Flask's own Jinja files (``templates/``) and static files are copied without
rendering; everything else is rendered, so a new plain file needs no list entry.
Conditional content lives in whole files, declared in the pre hook's PATHS table.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatch

from hooks.pre_gen_project import PATHS

from .conftest import REPO

TEMPLATE = REPO / "{{cookiecutter.project_slug}}"
PACKAGE = TEMPLATE / "{{cookiecutter.package_name}}"
SPEC = json.loads((REPO / "cookiecutter.json").read_text(encoding="utf-8"))


def copied_verbatim(relative: str) -> bool:
    # Cookiecutter matches paths relative to the project template, parents included.
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    patterns = SPEC["_copy_without_render"]
    return any(fnmatch(path, pattern) for path in prefixes for pattern in patterns)


def test_only_flasks_own_files_are_copied_without_rendering() -> None:
    wrong = []
    for path in TEMPLATE.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = str(path.relative_to(TEMPLATE))
        flasks_own = relative.split("/")[1:2] in (["templates"], ["static"])
        if copied_verbatim(relative) != flasks_own:
            wrong.append(relative)
    assert wrong == []


def test_every_conditional_path_exists_in_the_template() -> None:
    # A misspelt row would silently keep what it should remove.
    missing = [
        path
        for path in PATHS
        if not (TEMPLATE / path.replace("{pkg}", "{{cookiecutter.package_name}}")).exists()
    ]
    assert missing == []


def test_python_modules_of_the_package_hold_at_most_ten_block_tags() -> None:
    # Six for the database and accounts, four for the cache (its import and its
    # init_app call in the factory, both inside the database's block).
    counts = {
        str(path.relative_to(PACKAGE)): path.read_text(encoding="utf-8").count("{%")
        for path in PACKAGE.rglob("*.py")
    }
    assert sum(counts.values()) <= 10, counts


def test_the_template_holds_no_second_copy_of_the_app() -> None:
    # The single layout is folded from the package by hooks/single_layout.py.
    modules = list(TEMPLATE.glob("*.py")) + [
        path for path in TEMPLATE.iterdir() if re.search(r"package_name.*\.py", path.name)
    ]
    assert modules == []
