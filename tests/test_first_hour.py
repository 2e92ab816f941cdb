"""What a new user meets in the first hour: honest next steps and a fast --install."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hooks.post_gen_project import next_steps

from .conftest import BIN, REPO, run

pytestmark = pytest.mark.xdist_group("first-hour")

ANSWERS = {
    "project_slug": "blog",
    "package_name": "blog",
    "python_version": "3.12",
    "use_sqlalchemy": True,
    "database": "sqlite",
    "use_migrate": True,
}


def test_next_steps_name_the_interpreter_the_project_needs() -> None:
    steps = next_steps(ANSWERS)
    assert "python3.12 -m venv .venv" in steps
    assert "createdb" not in steps


def test_next_steps_for_postgresql_create_the_database_and_set_its_url() -> None:
    steps = next_steps({**ANSWERS, "database": "postgresql"}).splitlines()
    created = next(i for i, line in enumerate(steps) if "createdb blog" in line)
    url = next(i for i, line in enumerate(steps) if "DATABASE_URL=postgresql://" in line)
    upgrade = next(i for i, line in enumerate(steps) if "db upgrade" in line)
    assert created < url < upgrade


def test_install_without_a_matching_python_stops_at_once_and_keeps_the_project(
    tmp_path: Path,
) -> None:
    # Only this venv and the system's bin on PATH, and no uv-managed Pythons: a
    # machine where nothing satisfies requires-python >= 3.99.
    env = {
        "PATH": f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "UV_PYTHON_INSTALL_DIR": str(tmp_path / "no-managed-pythons"),
        "HOME": str(tmp_path),
    }
    project = tmp_path / "blog"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.99"\n')
    started = time.monotonic()
    result = run(
        [
            str(BIN / "python"),
            "-c",
            "import sys; from flaskcutter.install import install\n"
            "try:\n    install(__import__('pathlib').Path(sys.argv[1]), 'blog', quiet=True)\n"
            "except Exception as error:\n    print(error); sys.exit(1)",
            str(project),
        ],
        cwd=tmp_path,
        env=env,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    (line,) = result.stdout.splitlines()
    assert "needs Python 3.99 or newer" in line and "kept at blog" in line
    assert not (project / ".venv").exists()
    print(f"stopped after {elapsed:.1f}s")


def test_plain_cookiecutter_next_steps_show_the_path_from_where_it_ran(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        ["cookiecutter", "--no-input", "-o", "out", str(REPO), "project_name=Blog"],
        cwd=tmp_path,
        env={"HOME": str(tmp_path), "PWD": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "cd out/blog" in result.stdout
    assert (out / "blog").is_dir()


def test_env_names_the_app_so_flask_needs_no_app_option(tmp_path: Path) -> None:
    result = run(
        ["cookiecutter", "--no-input", "-o", str(tmp_path), str(REPO), "project_name=Blog"],
        cwd=tmp_path,
        env={"HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    routes = run(["flask", "routes"], cwd=tmp_path / "blog")
    assert routes.returncode == 0, routes.stderr
    assert "main.index" in routes.stdout
