"""`flaskcutter add blueprint`: a registered, tested blueprint, or nothing written at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli_support import Sandbox, assert_refused, invoke, isolate, snapshot
from .conftest import BIN, run
from .update_support import clone_project

pytestmark = pytest.mark.xdist_group("add_blueprint")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A blueprints project and a single-layout one, each made once by the installed CLI."""
    root = tmp_path_factory.mktemp("add")
    env = {"HOME": str(root), "TMPDIR": str(root)}
    for name, layout in (("Blog", "blueprints"), ("Tiny", "single")):
        done = run(
            [str(BIN / "flaskcutter"), "new", name, "--no-input", "--no-git", "-o", str(root)]
            + ["--layout", layout],
            cwd=root,
            env=env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return {"blueprints": root / "blog", "single": root / "tiny"}


@pytest.fixture(autouse=True)
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    return isolate(tmp_path, monkeypatch)


def copy(made: dict[str, Path], layout: str, box: Sandbox) -> Path:
    return clone_project(made[layout], box.work / made[layout].name)


def test_a_new_blueprint_is_registered_routed_tested_and_lint_clean(
    made: dict[str, Path], box: Sandbox
) -> None:
    project = copy(made, "blueprints", box)
    result = invoke(["add", "blueprint", "reports", "--project", str(project)])
    assert result.exit_code == 0, result.output
    views = (project / "blog" / "reports" / "views.py").read_text(encoding="utf-8")
    assert 'bp = Blueprint("reports", __name__)' in views
    assert "from .views import bp" in (project / "blog" / "reports" / "__init__.py").read_text()
    page = (project / "blog" / "templates" / "reports" / "index.html").read_text()
    assert page.startswith('{% extends "base.html" %}')
    factory = (project / "blog" / "__init__.py").read_text(encoding="utf-8").splitlines()
    registration = '    app.register_blueprint(reports_bp, url_prefix="/reports")'
    assert "from .reports import bp as reports_bp" in factory
    # After every other registration, still inside create_app, before its return.
    registrations = [i for i, line in enumerate(factory) if ".register_blueprint(" in line]
    assert factory.index(registration) == registrations[-1]
    assert factory[registrations[-1] + 1].strip() == "return app"

    routes = run(["flask", "--app", "blog", "routes"], cwd=project)
    assert routes.returncode == 0, routes.stderr
    assert "reports.index" in routes.stdout and "/reports/" in routes.stdout
    for args in (
        ["ruff", "check", "--no-cache", "."],
        ["ruff", "format", "--no-cache", "--check", "."],
    ):
        lint = run(args, cwd=project)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    tests = run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "test_reports.py" in run(["python", "-m", "pytest", "--co", "-q"], cwd=project).stdout
    assert not [p for p in project.iterdir() if p.name.startswith(".flaskcutter-")]


def test_bad_or_taken_names_are_refused_with_nothing_written(
    made: dict[str, Path], box: Sandbox
) -> None:
    project = copy(made, "blueprints", box)
    before = snapshot(project)
    refusals = {
        "class": "it is a Python keyword",
        "Reports": "use lowercase letters, digits and underscores",
        "json": "standard-library module",
        "main": "a blueprint named 'main' exists",
        "errors": "blog/errors exists",
        "static": "the project has a 'static' directory of its own",
        "hello": "a route already starts with /hello",
    }
    for name, reason in refusals.items():
        result = invoke(["add", "blueprint", name, "--project", str(project)])
        assert_refused(result, 2, reason)
        assert snapshot(project) == before, name


def test_a_single_layout_project_is_refused_naming_the_alternative(
    made: dict[str, Path], box: Sandbox
) -> None:
    project = copy(made, "single", box)
    before = snapshot(project)
    result = invoke(["add", "blueprint", "reports", "--project", str(project)])
    assert_refused(result, 2, "needs the blueprints layout", "tiny.py", "grow the project")
    assert snapshot(project) == before
