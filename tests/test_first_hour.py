"""What a new user meets in the first hour: honest next steps and a fast --install,
one-line configuration errors, and a page that says how to create the tables."""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from hooks.post_gen_project import next_steps

from .conftest import BIN, REPO, Bake, run
from .deploy_support.processes import Server, accepts_connections, free_port, wait_until

pytestmark = pytest.mark.xdist_group("first-hour")
# The tests that run a baked app share that worker's bakes, apart from the rest.
app_group = pytest.mark.xdist_group("first-hour-app")

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


# What a user's shell may export that would change what `flask` or cookiecutter do
# here: the test is about the project's .env, which never overrides the environment.
FOREIGN = ("FLASK_", "COOKIECUTTER_", "PYTHONPATH", "SECRET_KEY", "DATABASE_URL")


def test_env_names_the_app_so_flask_needs_no_app_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in os.environ if name.startswith(FOREIGN)]:
        monkeypatch.delenv(name)
    home = tmp_path / "home"  # the replay file goes here, apart from the project
    home.mkdir()
    result = run(
        ["cookiecutter", "--no-input", "-o", str(tmp_path), str(REPO), "project_name=Blog"],
        cwd=tmp_path,
        env={"HOME": str(home), "PWD": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    routes = run(["flask", "routes"], cwd=tmp_path / "blog")
    assert routes.returncode == 0, routes.stdout + routes.stderr
    assert "main.index" in routes.stdout


@app_group
def test_a_config_error_is_one_line_from_every_flask_command(bake: Bake) -> None:
    # Each command meets a different refused setting; all must end the same way.
    weak = {
        "SECRET_KEY is empty": {"SECRET_KEY": ""},
        "a placeholder": {"SECRET_KEY": "change-me-" + "0123456789abcdef" * 2},
        "too little variety": {"SECRET_KEY": "ab" * 20},
    }
    commands = [
        (["routes"], weak["SECRET_KEY is empty"]),
        (["db", "upgrade"], weak["a placeholder"]),
        (["gen-secret"], weak["too little variety"]),  # the project's own command
        (["run", "--debug", "--port", str(free_port())], weak["SECRET_KEY is empty"]),
    ]
    # The single layout is folded from the same modules: one command proves the fold.
    runs = [("blueprints", *command) for command in commands] + [("single", *commands[0])]
    failures = []
    pkg = "my_flask_app"
    hint = f"make one with: flask --app {pkg} gen-secret"
    for layout, command, env in runs:
        result = run(
            ["flask", "--app", pkg, *command],
            cwd=bake(layout=layout),
            env={"FLASK_CONFIG": "production", "TRUSTED_HOSTS": "example.com", **env},
            timeout=120,
        )
        lines = result.stderr.splitlines()
        one_line = len(lines) == 1 and lines[0].startswith("Error: SECRET_KEY")
        if result.returncode != 1 or not one_line or not lines[0].endswith(hint):
            failures.append((layout, command, result.returncode, result.stderr[-600:]))
    # Not only the secret: every ConfigError, e.g. an unknown FLASK_CONFIG.
    other = run(["flask", "--app", pkg, "routes"], bake(), {"FLASK_CONFIG": "staging"})
    if other.returncode != 1 or other.stderr.splitlines() != [
        "Error: unknown config 'staging': choose one of development, testing, production"
    ]:
        failures.append(("blueprints", "FLASK_CONFIG=staging", other.returncode, other.stderr))
    assert not failures, failures


@app_group
def test_the_suggested_gen_secret_works_where_the_secret_is_refused(
    bake: Bake, tmp_path: Path
) -> None:
    """Installed, `gen-secret` needs no app, so the error's own advice can be followed."""
    for layout in ("blueprints", "single"):
        site = tmp_path / layout
        installed = run(
            [str(BIN / "python"), "-m", "pip", "install", "-q", "--no-deps",
             "--no-build-isolation", "--target", str(site), str(bake(layout=layout))],
            cwd=tmp_path,
        )  # fmt: skip
        assert installed.returncode == 0, installed.stderr
        # From another directory, with a production environment that has no key yet.
        env = {"PYTHONPATH": str(site), "FLASK_CONFIG": "production", "SECRET_KEY": ""}
        if layout == "blueprints":  # the environment really refuses the app
            refused = run(["flask", "--app", "my_flask_app", "routes"], tmp_path, env)
            assert refused.returncode == 1, refused.stderr
            assert "gen-secret" in refused.stderr
        made = run(["flask", "--app", "my_flask_app", "gen-secret"], tmp_path, env)
        assert made.returncode == 0, (layout, made.stderr)
        assert len(made.stdout.strip()) == 64, made.stdout


def get(port: int, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:  # noqa: S310 - loopback
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def flask_run(project: Path, env: Mapping[str, str], log_dir: Path) -> Iterator[int]:
    """`flask run` on a free loopback port, as a user starts it; stopped afterwards."""
    port = free_port()
    args = [str(BIN / "flask"), "--app", "my_flask_app", "run", "--port", str(port)]
    if env.get("FLASK_CONFIG") == "development":
        args += ["--debug", "--no-reload"]  # the debugger is on: it must not be what shows
    full_env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env}
    server = Server(f"flask-{port}", args, project, full_env, log_dir)
    try:
        started = wait_until(lambda: accepts_connections(port) or not server.running(), 60)
        assert started and server.running(), server.output()
        yield port
    finally:
        server.stop()


def missing_tables_case(project: Path, database_url: str, command: str, tmp_path: Path) -> None:
    """Development names ``command`` on a page and in JSON, and the command works."""
    env = {"FLASK_CONFIG": "development", "DATABASE_URL": database_url}
    hint = f"run `flask --app my_flask_app {command}`"
    with flask_run(project, env, tmp_path) as port:
        status, page = get(port, "/notes/")
        assert status == 503 and hint in page, (status, page[-800:])
        status, body = get(port, "/api/notes")
        assert status == 503 and hint in json.loads(body)["detail"], body
        made = run(["flask", "--app", "my_flask_app", *command.split()], project, env)
        assert made.returncode == 0, made.stderr
        assert get(port, "/api/notes")[0] == 200


@app_group
def test_a_database_without_tables_says_which_command_creates_them(
    bake: Bake, tmp_path: Path
) -> None:
    cases = [
        (bake(), "db upgrade"),
        (bake(layout="single", use_migrate=False), "init-db"),
    ]
    for number, (project, command) in enumerate(cases):
        url = f"sqlite:///{tmp_path / f'dev{number}.sqlite'}"
        missing_tables_case(project, url, command, tmp_path)


@app_group
def test_production_answers_a_database_without_tables_as_before(bake: Bake, tmp_path: Path) -> None:
    env = {
        "FLASK_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "TRUSTED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
    }
    with flask_run(bake(), env, tmp_path) as port:
        status, body = get(port, "/api/notes")
    assert status == 503, body
    assert json.loads(body)["detail"] == "The database is busy; try again shortly."


@app_group
def test_a_postgresql_database_without_tables_says_so_too(
    bake: Bake, postgres_url: str, tmp_path: Path
) -> None:
    missing_tables_case(bake(database="postgresql"), postgres_url, "db upgrade", tmp_path)


def test_proprietary_says_that_no_licence_file_is_written(tmp_path: Path) -> None:
    result = run(
        ["cookiecutter", "--no-input", "-o", str(tmp_path), str(REPO),
         "project_name=Blog", "license=Proprietary"],
        cwd=tmp_path,
        env={"HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    project = tmp_path / "blog"
    assert not (project / "LICENSE").exists()
    assert "no LICENSE file" in result.stdout.split("Next steps:", 1)[1]
    assert "no `LICENSE` file is written" in (project / "README.md").read_text()
