"""`flaskcutter add blueprint NAME`: a registered, tested blueprint in a blueprints project.

The app factory is the project's own code and may have been edited, so it is read with
``ast``: the new import goes after the last ``from .`` import and the registration after
the last ``app.register_blueprint(...)`` inside ``create_app``, found by line number.
Everything is written into a private copy first and checked there (it must parse, and
pass ruff when ruff is installed); only then are the files moved into the project, so
an error leaves the project as it was.
"""

from __future__ import annotations

import ast
import contextlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from .errors import GenerationError, InputError, printable
from .paths import STAGING_PREFIX
from .provenance import read_record
from .template import load_template


@dataclass(frozen=True)
class Factory:
    """Where the new lines go in ``<pkg>/__init__.py`` (1-based line numbers to insert after)."""

    import_after: int
    register_after: int
    indent: str
    app_name: str


def find_factory(source: str, where: str) -> Factory:
    """Locate the last relative import and the last blueprint registration in create_app."""
    try:
        module = ast.parse(source)
    except SyntaxError as error:
        raise InputError(f"{where} does not parse ({error.msg}, line {error.lineno})") from None
    imports = [node for node in module.body if isinstance(node, ast.ImportFrom) and node.level == 1]
    factory = next(
        (
            node
            for node in module.body
            if isinstance(node, ast.FunctionDef) and node.name == "create_app"
        ),
        None,
    )
    if not imports or factory is None:
        missing = "a `from .` import" if not imports else "a create_app() function"
        raise InputError(f"cannot add a blueprint: {where} has no {missing}")
    registrations = [
        node
        for node in ast.walk(factory)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "register_blueprint"
        and isinstance(node.func.value, ast.Name)
    ]
    if not registrations:
        raise InputError(
            f"cannot add a blueprint: create_app() in {where} has no app.register_blueprint(...) "
            "call to add one after"
        )
    last = max(registrations, key=lambda node: node.end_lineno or node.lineno)
    line = source.splitlines()[last.lineno - 1]
    assert isinstance(last.func, ast.Attribute) and isinstance(last.func.value, ast.Name)  # noqa: S101
    return Factory(
        import_after=max(node.end_lineno or node.lineno for node in imports),
        register_after=last.end_lineno or last.lineno,
        indent=line[: len(line) - len(line.lstrip())],
        app_name=last.func.value.id,
    )


def registered_prefixes(source: str) -> set[str]:
    """The first path segment of every url_prefix given to register_blueprint."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "register_blueprint":
            for keyword in node.keywords:
                if keyword.arg == "url_prefix" and isinstance(keyword.value, ast.Constant):
                    found.add(str(keyword.value.value).strip("/").split("/")[0])
    return found


def existing_blueprints(package: Path) -> tuple[set[str], set[str]]:
    """Blueprint names (``Blueprint("x", ...)``) and first URL segments of routes in the package."""
    names, segments = set(), set()
    for path in package.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            callee = node.func
            if isinstance(callee, ast.Name) and callee.id == "Blueprint":
                names.add(first.value)
            elif isinstance(callee, ast.Attribute) and callee.attr in {
                "route", "get", "post", "put", "patch", "delete",
            }:  # fmt: skip
                segments.add(first.value.strip("/").split("/")[0])
    return names, segments


def check_name(name: str, project: Path, package: Path, factory_source: str) -> None:
    """Refuse a name that is not a valid package name or that the project already uses."""
    problem = load_template().rules.check_package(name)
    if problem:
        raise InputError(problem.replace("package_name", "blueprint name", 1))
    shown = printable(repr(name))
    names, segments = existing_blueprints(package)
    taken = [
        (name in names, f"a blueprint named {shown} exists"),
        (
            os.path.lexists(package / name) or os.path.lexists(package / f"{name}.py"),
            f"{package.name}/{name} exists",
        ),
        (name in registered_prefixes(factory_source), f"the URL prefix /{name} is taken"),
        (name in segments, f"a route already starts with /{name}"),
        (os.path.lexists(package / "templates" / name), f"{package.name}/templates/{name} exists"),
        (
            os.path.lexists(project / "tests" / f"test_{name}.py"),
            f"tests/test_{name}.py exists",
        ),
    ]
    for clash, why in taken:
        if clash:
            raise InputError(f"blueprint name {shown} is taken: {why}")


def new_files(pkg: str, name: str) -> dict[str, str]:
    title = name.replace("_", " ").capitalize()
    return {
        f"{pkg}/{name}/__init__.py": (
            f'"""The ``{name}`` blueprint."""\n\nfrom .views import bp\n\n__all__ = ["bp"]\n'
        ),
        f"{pkg}/{name}/views.py": (
            f'"""Views of the ``{name}`` blueprint."""\n\n'
            "from __future__ import annotations\n\n"
            "from flask import Blueprint, render_template\n\n"
            f'bp = Blueprint("{name}", __name__)\n\n\n'
            '@bp.get("/")\n'
            "def index() -> str:\n"
            f'    return render_template("{name}/index.html")\n'
        ),
        f"{pkg}/templates/{name}/index.html": (
            '{% extends "base.html" %}\n'
            f"{{% block title %}}{title} · {{{{ config.APP_NAME }}}}{{% endblock %}}\n"
            "{% block content %}\n"
            f"  <h1>{title}</h1>\n"
            "{% endblock %}\n"
        ),
        f"tests/test_{name}.py": (
            f'"""The ``{name}`` blueprint: its page, at its own URL prefix."""\n\n'
            "from __future__ import annotations\n\n"
            "from flask import Flask, url_for\n"
            "from flask.testing import FlaskClient\n\n\n"
            f"def test_{name}_index_renders_its_page(client: FlaskClient) -> None:\n"
            f'    response = client.get("/{name}/")\n'
            "    assert response.status_code == 200\n"
            '    assert response.mimetype == "text/html"\n'
            f'    assert b"<h1>{title}</h1>" in response.data\n\n\n'
            f"def test_{name}_index_is_named_in_the_blueprint(app: Flask) -> None:\n"
            "    with app.test_request_context():\n"
            f'        assert url_for("{name}.index") == "/{name}/"\n'
        ),
    }


def register(source: str, factory: Factory, name: str) -> str:
    """``source`` with the import and the registration inserted at the found lines."""
    lines = source.splitlines(keepends=True)
    registration = (
        f'{factory.indent}{factory.app_name}.register_blueprint({name}_bp, url_prefix="/{name}")\n'
    )
    # Insert the later line first, so the earlier line number stays right.
    lines.insert(factory.register_after, registration)
    lines.insert(factory.import_after, f"from .{name} import bp as {name}_bp\n")
    return "".join(lines)


def lint(staging: Path, changed: list[str]) -> None:
    """Sort the factory's imports as the project's ruff would, then require ruff to pass."""
    ruff = shutil.which("ruff")
    if ruff is None:
        return  # the files were parsed already; ruff is the project's dev tool, not ours
    steps = [
        ["check", "--no-cache", "--fix", "--select", "I", *changed],
        ["format", "--no-cache", *changed],
        ["check", "--no-cache", *changed],
        ["format", "--no-cache", "--check", *changed],
    ]
    for step in steps:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [ruff, *step], cwd=staging, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            detail = (done.stdout + done.stderr).strip().splitlines() or ["no output"]
            raise GenerationError(f"ruff {step[0]} refused the new blueprint: {detail[0]}")


def run(project: Path, name: str) -> None:
    project = Path(project).absolute()
    record = read_record(project)
    pkg = str(record.answers.get("package_name", ""))
    if record.answers.get("layout") != "blueprints":
        raise InputError(
            f"add blueprint needs the blueprints layout; {printable(str(project), 200)} uses the "
            f"{printable(str(record.answers.get('layout')))} layout, where views live in "
            f"{pkg}.py: add a Blueprint section there by hand, or grow the project into the "
            "blueprints layout first (its section comments name the modules)"
        )
    package = project / pkg
    factory_path = package / "__init__.py"
    try:
        factory_source = factory_path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read {pkg}/__init__.py: {error.strerror}") from None
    check_name(name, project, package, factory_source)
    factory = find_factory(factory_source, f"{pkg}/__init__.py")
    files = new_files(pkg, name)
    files[f"{pkg}/__init__.py"] = register(factory_source, factory, name)

    # Beside the files it will hold, so that the moves are renames on one file system.
    staging = Path(tempfile.mkdtemp(dir=project, prefix=STAGING_PREFIX))
    moved: list[Path] = []
    try:
        for part in ("pyproject.toml", pkg, "tests"):
            source = project / part
            if source.is_dir():
                shutil.copytree(
                    source, staging / part, ignore=shutil.ignore_patterns("__pycache__")
                )
            elif source.is_file():
                shutil.copy2(source, staging / part)
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        for relative in files:
            if relative.endswith(".py"):
                compile((staging / relative).read_text(encoding="utf-8"), relative, "exec")
        lint(staging, [relative for relative in files if relative.endswith(".py")])
        # Move the new files in, then swap the factory last: until that rename the
        # project does not even import the blueprint.
        for new_dir in (f"{pkg}/{name}", f"{pkg}/templates/{name}"):
            (project / new_dir).parent.mkdir(parents=True, exist_ok=True)
            os.rename(staging / new_dir, project / new_dir)
            moved.append(project / new_dir)
        test = f"tests/test_{name}.py"
        (project / "tests").mkdir(exist_ok=True)
        os.rename(staging / test, project / test)
        moved.append(project / test)
        os.replace(staging / pkg / "__init__.py", factory_path)
    except BaseException as error:
        for path in reversed(moved):
            with contextlib.suppress(OSError):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        if isinstance(error, OSError):
            raise GenerationError(f"cannot add the blueprint: {error.strerror}") from None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    click.echo(
        f"Added blueprint {name}: {pkg}/{name}/, {pkg}/templates/{name}/index.html and "
        f"tests/test_{name}.py, registered at /{name} in create_app()."
    )
