"""Every combination of tests/matrix.py bakes into a clean project whose suite passes.

The matrix comes from cookiecutter.json and the pre hook's REQUIRES table: the layout
crossed with every database mode, every other pair of values in at least one bake.
Each combination is baked once per session and all its checks run in one xdist group.
"""

from __future__ import annotations

import ast
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import Bake, run
from .matrix import changes, combinations
from .static_checks import open_redirects

COMBINATIONS = combinations()


def combination_params() -> list[Any]:
    return [
        pytest.param(name, marks=pytest.mark.xdist_group(name), id=name) for name in COMBINATIONS
    ]


def answers_of(name: str) -> dict[str, Any]:
    return COMBINATIONS[name]


def package_of(project: Path) -> str:
    return json.loads((project / ".flaskcutter.json").read_text())["package_name"]


def expected_paths(answers: dict[str, Any], pkg: str) -> tuple[set[str], set[str]]:
    """(must exist, must not exist), written out independently of the post hook."""
    database = answers["use_sqlalchemy"]
    migrate = database and answers["use_migrate"]
    cache = database and answers["cache"] == "redis"
    blueprints = answers["layout"] == "blueprints"
    wanted = {
        ".env": True,
        ".env.example": True,
        ".gitignore": True,
        ".pre-commit-config.yaml": True,
        ".flaskcutter.json": True,
        "README.md": True,
        "pyproject.toml": True,
        "tests/conftest.py": True,
        "tests/test_routes.py": True,
        f"{pkg}/__init__.py": blueprints,
        f"{pkg}/config.py": blueprints,
        f"{pkg}/errors.py": blueprints,
        f"{pkg}/main/views.py": blueprints,
        f"{pkg}/api/views.py": blueprints,
        f"{pkg}/templates/index.html": blueprints,
        f"{pkg}/templates/errors/404.html": blueprints,
        f"{pkg}/static/style.css": blueprints,
        f"{pkg}/orm.py": blueprints and database,
        f"{pkg}/notes/models.py": blueprints and database,
        f"{pkg}/notes/api.py": blueprints and database,
        f"{pkg}/templates/notes/index.html": blueprints and database,
        "templates/notes/index.html": database and not blueprints,
        f"{pkg}.py": not blueprints,
        "templates/index.html": not blueprints,
        "static/style.css": not blueprints,
        f"{pkg}": blueprints,
        "tests/test_notes.py": database,
        "tests/test_database.py": database,
        "migrations/env.py": migrate,
        "migrations/versions/0001_create_note.py": migrate,
        "tests/test_migrations.py": migrate,
        "deploy": answers["deployment"] != "none",
        "LICENSE": answers["license"] != "Proprietary",
        ".github/workflows/ci.yml": answers["use_github_actions"],
        "Dockerfile": answers["container"],
        ".dockerignore": answers["container"],
        "compose.yaml": answers["container"],
        "container/gunicorn.conf.py": answers["container"],
        f"{pkg}/cache.py": blueprints and cache,
        "tests/test_cache.py": cache,
    }
    present = {path for path, keep in wanted.items() if keep}
    return present, set(wanted) - present


def project_files(project: Path) -> list[Path]:
    return [p for p in project.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


@pytest.fixture
def baked(
    request: pytest.FixtureRequest, bake: Bake, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    claim_combination(request.param, tmp_path_factory)
    return bake(**changes(COMBINATIONS[request.param]))


def claim_combination(name: str, factory: pytest.TempPathFactory) -> None:
    """Fail if another xdist worker already baked this combination.

    Each combination is one xdist group, so one worker runs all its checks on a single
    bake; if grouping silently stops working, every combination is baked twice.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # Under xdist every worker's base temp dir sits in one shared parent.
    shared = factory.getbasetemp().parent / "combination-owners"
    shared.mkdir(exist_ok=True)
    owner = shared / name
    try:
        with owner.open("x") as handle:
            handle.write(worker)
    except FileExistsError:
        first = owner.read_text()
        assert first in ("", worker), f"{name} baked on {first} and {worker}: xdist groups broke"


pytestmark = pytest.mark.parametrize("baked", combination_params(), indirect=True)


def test_expected_files_present_and_pruned_files_absent(baked: Path, request) -> None:
    answers = answers_of(request.node.callspec.id)
    present, absent = expected_paths(answers, package_of(baked))
    assert sorted(p for p in present if not (baked / p).exists()) == []
    assert sorted(p for p in absent if (baked / p).exists()) == []


def recorded_answers(project: Path) -> dict[str, Any]:
    return json.loads((project / ".flaskcutter.json").read_text(encoding="utf-8"))


def test_no_template_syntax_left(baked: Path) -> None:
    leftovers = []
    for path in project_files(baked):
        relative = path.relative_to(baked)
        if path.name == ".flaskcutter.json":
            continue  # the recorded answers name the template on purpose
        text = path.read_text(encoding="utf-8")
        if "cookiecutter" in text:
            leftovers.append(f"{relative}: mentions cookiecutter")
        # Flask's own templates are Jinja on purpose; nothing else may be.
        # GitHub's own ${{ ... }} expressions are meant to stay in a workflow.
        if ".github" in relative.parts:
            text = re.sub(r"\$\{\{[^}]*\}\}", "", text)
        if "templates" not in relative.parts and re.search(r"\{\{|\{%|\{#", text):
            leftovers.append(f"{relative}: Jinja delimiters")
    assert leftovers == []


def test_ruff_lint_and_format_are_clean(baked: Path) -> None:
    lint = run(["ruff", "check", "--no-cache", "."], cwd=baked)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run(["ruff", "format", "--no-cache", "--check", "."], cwd=baked)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_bandit_rules_are_clean_whatever_the_project_configures(baked: Path) -> None:
    # --isolated ignores the project's own ruff settings, so a narrowed selection or a
    # per-file ignore there cannot hide a finding; only pytest's asserts are allowed.
    result = run(
        ["ruff", "check", "--isolated", "--no-cache", "--select", "S"]
        + ["--per-file-ignores", "tests/**:S101", "."],
        cwd=baked,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_view_redirects_to_a_url_the_client_chose(baked: Path) -> None:
    findings = [
        finding
        for path in project_files(baked)
        if path.suffix == ".py" and "tests" not in path.relative_to(baked).parts
        for finding in open_redirects(
            path.read_text(encoding="utf-8"), str(path.relative_to(baked))
        )
    ]
    assert findings == []


def test_toml_and_yaml_files_parse(baked: Path) -> None:
    pyproject = tomllib.loads((baked / "pyproject.toml").read_text(encoding="utf-8"))
    answers = recorded_answers(baked)
    assert pyproject["project"]["name"] == answers["project_slug"]
    assert pyproject["project"]["description"] == answers["description"]
    assert pyproject["project"]["authors"][0]["name"] == answers["author_name"]
    for path in [*baked.rglob("*.yml"), *baked.rglob("*.yaml")]:
        assert yaml.safe_load(path.read_text(encoding="utf-8")), path


def test_generated_test_suite_passes(baked: Path, request: pytest.FixtureRequest) -> None:
    answers = answers_of(request.node.callspec.id)
    env = {}
    if answers["use_sqlalchemy"] and answers["database"] == "postgresql":
        env["TEST_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    result = run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=baked, env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_single_module_opens_with_its_routes(baked: Path, request: pytest.FixtureRequest) -> None:
    answers = answers_of(request.node.callspec.id)
    if answers["layout"] != "single":
        assert not list(baked.glob("*.py")), "a blueprints project has no top-level module"
        return
    source = (baked / f"{package_of(baked)}.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    first_route = next(i for i, line in enumerate(lines, 1) if re.match(r"@\w+_bp\.", line))
    first_section = next(i for i, line in enumerate(lines, 1) if re.match(r"# \S+\.py -", line))
    # Only the docstring and the hoisted imports (which grow with the options) come
    # before the first section, and its routes follow within a few lines.
    before = [node for node in ast.parse(source).body if node.lineno < first_section]
    assert isinstance(before[0], ast.Expr), "the module opens with its docstring"
    assert all(isinstance(node, ast.Import | ast.ImportFrom) for node in before[1:]), [
        ast.unparse(node)[:60] for node in before[1:]
    ]
    assert first_route - first_section <= 10, f"the first route is on line {first_route}"
