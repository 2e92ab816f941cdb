"""A baked project works from its own README: install, `flask routes`, the db cycle.

These drive the real `flask` command in a subprocess from the project root, the way a
newcomer does, on SQLite and on the PostgreSQL server on 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import Bake, run

LAYOUTS = ("blueprints", "single")


def package_of(project: Path) -> str:
    return json.loads((project / ".flaskcutter.json").read_text())["package_name"]


def flask(project: Path, *args: str, env: dict[str, str]) -> str:
    result = run(["flask", "--app", package_of(project), *args], cwd=project, env=env)
    assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout + result.stderr


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.xdist_group("generated-cli")
def test_flask_routes_lists_every_endpoint(bake: Bake, layout: str) -> None:
    project = bake(layout=layout)
    routes = flask(project, "routes", env={})
    for rule in ("/healthz", "/hello/<name>", "/api/ping", "/api/notes", "/static/"):
        assert rule in routes


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.xdist_group("generated-cli")
def test_migration_cycle_from_the_readme(
    bake: Bake, layout: str, database: str, tmp_path: Path, request
) -> None:
    # Accounts add a second revision: the blueprints run builds and unbuilds both.
    auth = layout == "blueprints"
    project = bake(layout=layout, database=database, use_auth=auth)
    if database == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'dev.sqlite'}"
    env = {"DATABASE_URL": url, "FLASK_CONFIG": "development"}
    flask(project, "db", "upgrade", env=env)
    assert "No new upgrade operations detected" in flask(project, "db", "check", env=env)
    flask(project, "db", "downgrade", "base", env=env)
    flask(project, "db", "upgrade", env=env)
    head = "0002" if auth else "0001"
    assert f"{head} (head)" in flask(project, "db", "current", env=env)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.xdist_group("generated-cli")
def test_init_db_without_migrations_creates_tables(bake: Bake, layout: str, tmp_path: Path) -> None:
    project = bake(layout=layout, use_migrate=False)
    database = tmp_path / "dev.sqlite"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    assert "Initialised the database" in flask(project, "init-db", env=env)
    assert database.stat().st_size > 0


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_database_means_no_trace_of_one(bake: Bake, layout: str) -> None:
    project = bake(layout=layout, use_sqlalchemy=False)
    words = ("sqlalchemy", "migrat", "database", "psycopg", "note")
    for path in project.rglob("*"):
        if path.is_file() and path.name != ".flaskcutter.json":
            text = path.read_text(encoding="utf-8").lower()
            assert [w for w in words if w in text] == [], path


@pytest.mark.heavy
def test_readme_install_command_then_pytest(bake: Bake, tmp_path: Path) -> None:
    """The README's one install command, in a fresh venv, then its test command.

    One layout: the command is the same text in both READMEs, and pip's half a
    minute buys nothing the single layout would add. Its editable install (the same
    hatchling PEP 660 build) and its suite in a fresh environment with only its
    declared dependencies run in tests/test_ecosystem.py (`uv sync` and the
    lowest-direct install pick the single layout as the smallest dependency set);
    its ruff run is tests/test_bake.py's, on every combination.
    """
    project = tmp_path / "project"
    shutil.copytree(bake(), project)
    readme = (project / "README.md").read_text()
    command = next(line for line in readme.splitlines() if "pip install -e" in line)
    installed = run(["bash", "-c", command], cwd=project, timeout=600)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    venv_bin = project / ".venv" / "bin"
    tests = run([str(venv_bin / "python"), "-m", "pytest", "-q"], cwd=project)
    assert tests.returncode == 0, tests.stdout[-3000:]
    lint = run([str(venv_bin / "ruff"), "check", "."], cwd=project)
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_github_workflow_runs_postgresql_only_when_needed(bake: Bake, database: str) -> None:
    project = bake(database=database)
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    job = workflow["jobs"]["test"]
    commands = [step.get("run", "") for step in job["steps"]]
    assert 'pip install -e ".[dev]"' in commands
    assert "python -m pytest" in commands
    if database == "postgresql":
        assert job["services"]["postgres"]["image"].startswith("postgres:")
        assert job["env"]["TEST_DATABASE_URL"].startswith("postgresql://")
    else:
        assert "services" not in job
        assert "TEST_DATABASE_URL" not in job.get("env", {})


# A view reads through reader(), then the replica ends that connection (a replica
# stopped or restarted mid-request) before the request's teardown closes its session.
REPLICA_GONE_AFTER_THE_READ = """
import sys

import psycopg
from sqlalchemy import text

from my_flask_app import create_app
from my_flask_app.orm import reader

url = sys.argv[1]
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "DATABASE_REPLICA_URL": url})
app.config["PROPAGATE_EXCEPTIONS"] = False


@app.get("/probe")
def probe() -> dict[str, int]:
    pid = reader().scalar(text("SELECT pg_backend_pid()"))
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    return {"pid": pid}


client = app.test_client()
print(*(client.get("/probe").status_code for _ in range(3)))
"""


@pytest.mark.postgres
def test_a_replica_gone_after_the_read_still_answers(
    bake: Bake, postgres_url: str, tmp_path: Path
) -> None:
    # The read had its answer: closing the dead replica connection must not make it
    # a 500 (seen once in the heavy replica proof, as AdminShutdown in teardown).
    project = bake(database="postgresql")
    probe = tmp_path / "probe.py"
    probe.write_text(REPLICA_GONE_AFTER_THE_READ, encoding="utf-8")
    result = run(["python", str(probe), postgres_url], project, {"PYTHONPATH": str(project)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["200", "200", "200"], result.stderr[-2000:]
