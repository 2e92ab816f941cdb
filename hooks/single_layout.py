"""Fold the blueprints layout's package into the single layout's one module.

The template holds the app code once, as the package. For ``layout=single`` the post
hook calls :func:`make_single_layout`, which writes ``<pkg>.py`` from the rendered
package modules in :data:`SECTIONS` order (the routes and views first, the
infrastructure after them), each section headed by the module it came from, so that
cutting the file along those headings gives the package back.

The fold is mechanical and small on purpose, so its rules can be listed here:

- module-level imports are gathered into one block at the top, sorted the way ruff's
  isort sorts them; relative imports are dropped, since every name now lives in the
  one module;
- ``bp`` in ``notes/views.py`` becomes ``notes_bp`` (``notes/api.py``: ``notes_api_bp``,
  ``main/views.py``: ``main_bp``), and ``init_app`` in ``security.py`` becomes
  ``init_security``, as the factory already imports them;
- a module docstring becomes the comment under its section heading.

So the package's modules keep their names unique across modules (but ``bp`` and
``init_app``), and a module-level statement may only use names of an earlier section.
Stdlib only: plain cookiecutter runs this inside the post hook.
"""

from __future__ import annotations

import ast
import re
import shutil
import sys
from pathlib import Path

# Fold order: what users edit first comes first.
SECTIONS = (
    "notes/views.py",
    "notes/schemas.py",
    "notes/api.py",
    "main/views.py",
    "auth/views.py",
    "api/views.py",
    "orm.py",
    "notes/models.py",
    "cache.py",
    "auth/models.py",
    "auth/forms.py",
    "auth/accounts.py",
    "errors.py",
    "openapi.py",
    "security.py",
    "commands.py",
    "config.py",
    "__init__.py",
)
# Directories of Flask's own files that sit beside the single module.
ASSET_DIRS = ("templates", "static")
LINE_LENGTH = 88
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}

Imports = dict[str | None, set[tuple[str, str | None]]]


def section_prefix(relative: str) -> str:
    """``notes/views.py`` -> ``notes``; ``notes/api.py`` -> ``notes_api``."""
    parts = relative.removesuffix(".py").split("/")
    if parts[-1] == "views":
        parts.pop()
    return "_".join(parts)


def _member_key(name: str) -> tuple[int, str, str]:
    # ruff's order-by-type: CONSTANTS, then Classes, then everything else.
    rank = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return rank, name.lower(), name


def _from_line(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= LINE_LENGTH:
        return line
    body = "".join(f"    {name},\n" for name in names)
    return f"from {module} import (\n{body})"


def _import_block(imports: Imports) -> list[str]:
    """The sorted import lines, one group per section (stdlib, third party)."""
    groups: dict[bool, list[str]] = {True: [], False: []}
    plain = sorted(imports.get(None, set()), key=lambda item: item[0].lower())
    for module, alias in plain:
        top = module.split(".")[0] in STDLIB
        groups[top].append(f"import {module}" + (f" as {alias}" if alias else ""))
    modules = sorted((m for m in imports if m is not None), key=lambda m: m.lower())
    for module in modules:
        top = module.split(".")[0] in STDLIB
        members = sorted(imports[module], key=lambda item: _member_key(item[0]))
        plain_names = [name for name, alias in members if alias is None]
        if plain_names:
            groups[top].append(_from_line(module, plain_names))
        for name, alias in members:
            if alias is not None:
                groups[top].append(f"from {module} import {name} as {alias}")
    return ["\n".join(lines) for lines in (groups[True], groups[False]) if lines]


def _split(source: str, imports: Imports) -> tuple[str, str]:
    """Return (docstring summary, body without docstring and imports); collect imports."""
    tree = ast.parse(source)
    lines = source.splitlines()
    drop: set[int] = set()
    summary = ""
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        summary = str(body[0].value.value).strip().split("\n\n")[0]
        drop.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                imports.setdefault(None, set()).add((alias.name, alias.asname))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module != "__future__":
                for alias in node.names:
                    imports.setdefault(node.module, set()).add((alias.name, alias.asname))
        else:
            continue
        drop.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    kept = [line for number, line in enumerate(lines, 1) if number not in drop]
    return " ".join(summary.split()), "\n".join(kept).strip("\n")


def _rename(relative: str, body: str) -> str:
    stem = relative.removesuffix(".py").split("/")[-1]
    body = re.sub(r"\bbp\b", f"{section_prefix(relative)}_bp", body)
    if relative == "__init__.py":
        # The factory's `security.init_app(app)` calls the renamed function.
        return re.sub(r"\b(\w+)\.init_app\b", r"init_\1", body)
    return re.sub(r"\bdef init_app\(", f"def init_{stem}(", body)


def fold(package: Path, name: str) -> str:
    """The single module's source, folded from the rendered package at ``package``."""
    imports: Imports = {}
    sections = []
    for relative in SECTIONS:
        path = package / relative
        if not path.is_file():
            continue  # an option removed this part of the app
        summary, body = _split(path.read_text(encoding="utf-8"), imports)
        heading = f"# {relative} " + "-" * max(3, LINE_LENGTH - len(relative) - 3)
        comment = f"\n# {summary}" if summary else ""
        sections.append(f"{heading}{comment}\n{_rename(relative, body)}")
    # Short, so that the first route stays near the top of the file.
    docstring = (
        f'"""{name}: a Flask app in one module, routes first, then what they rely on.\n\n'
        'Each heading names the module it becomes in the blueprints layout.\n"""'
    )
    head = [docstring, "from __future__ import annotations", *_import_block(imports)]
    return "\n\n".join(head) + "\n\n" + "\n\n\n".join(sections) + "\n"


def make_single_layout(root: Path, name: str) -> None:
    """Replace the package ``root/name`` with the module ``root/name.py``."""
    package = root / name
    (root / f"{name}.py").write_text(fold(package, name), encoding="utf-8")
    for folder in ASSET_DIRS:
        if (package / folder).is_dir():
            (package / folder).rename(root / folder)
    shutil.rmtree(package)
