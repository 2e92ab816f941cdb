"""The JSON API as an outside client sees it: Schemathesis against the served document.

Each layout x database variant is baked, migrated and served by Gunicorn on loopback;
Schemathesis reads the app's own /api/openapi.json and runs every check it has
(status codes, content types, response schemas, server errors, unsupported methods,
stateful links, ignored auth) within a fixed seed and a time bound. Half the variants
have accounts (use_auth) and call with a token from `flask create-token`, so each
layout and each database meets both, with no server beyond the four. The hostile
bodies and ids of the hardening audit are sent over real HTTP too, since Gunicorn, not
the test client, decides what a chunked body looks like to the app.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import select
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import (
    BIN,
    Bake,
    run,
    throwaway_database,
)
from tests.deploy_support.processes import (
    LOOPBACK,
    Server,
    accepts_connections,
    free_port,
    wait_until,
)

PACKAGE = "my_flask_app"
VARIANTS = [
    pytest.param(
        (layout, database, auth),
        id=f"{layout}-{database}{'-auth' if auth else ''}",
        marks=[pytest.mark.xdist_group(f"api-{layout}-{database}")]
        + ([pytest.mark.postgres] if database == "postgresql" else []),
    )
    for layout, database, auth in (
        ("blueprints", "sqlite", False),
        ("single", "sqlite", True),
        ("blueprints", "postgresql", True),
        ("single", "postgresql", False),
    )
]
pytestmark = pytest.mark.heavy


@pytest.fixture(scope="module")
def served(
    request: pytest.FixtureRequest, bake: Bake, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, dict[str, str]]]:
    """The variant, migrated and under Gunicorn (2 sync workers); yield (port, env).

    One server per variant, shared by its tests (one xdist group). With accounts,
    env["TOKEN"] is an API token of a user made by the project's own commands.
    """
    layout, database, auth = request.param
    project = bake(layout=layout, database=database, **({"use_auth": True} if auth else {}))
    tmp_path = tmp_path_factory.mktemp(f"api-{layout}-{database}")
    with contextlib.ExitStack() as stack:
        if database == "postgresql":
            url = stack.enter_context(throwaway_database("flaskcutter_api"))
        else:
            url = f"sqlite:///{tmp_path / 'api.sqlite'}"
        yield from serve(project, url, tmp_path, auth)


def serve(
    project: Path, url: str, tmp_path: Path, auth: bool
) -> Iterator[tuple[int, dict[str, str]]]:
    """Migrate ``url``, make a token if ``auth``, and serve until the generator closes."""
    env = {
        "FLASK_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "HOME": str(tmp_path),
        "TRUSTED_HOSTS": LOOPBACK,
    }
    flask = [str(BIN / "flask"), "--app", PACKAGE]
    upgrade = run([*flask, "db", "upgrade"], project, env)
    assert upgrade.returncode == 0, upgrade.stderr
    if auth:
        env["TOKEN"] = make_token(flask, project, env)
    port = free_port()
    argv = [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"{LOOPBACK}:{port}"]
    argv += ["--no-control-socket", f"{PACKAGE}:create_app()"]
    server_env = {**os.environ, **env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    server = Server("gunicorn", argv, project, server_env, tmp_path)
    try:
        assert wait_until(lambda: accepts_connections(port), 30), server.output()
        yield port, {**env, "WORK": str(tmp_path)}
    finally:
        server.stop()


def make_token(flask: list[str], project: Path, env: dict[str, str]) -> str:
    """A user made with `create-user` (password from stdin), and a `create-token` token."""
    full_env = {**os.environ, **env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    user = [*flask, "create-user", "api@example.com", "--password-stdin"]
    made = subprocess.run(
        user,
        cwd=project,
        env=full_env,
        input="a long passphrase\n",
        text=True,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    token = run([*flask, "create-token", "api@example.com"], project, env)
    assert token.returncode == 0, token.stderr
    return token.stdout.splitlines()[-1]


def authorization(env: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {env['TOKEN']}"} if "TOKEN" in env else {}


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, dict]:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    headers = {
        **({"Content-Type": "application/json"} if body is not None else {}),
        **(headers or {}),
    }
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    kind = response.headers.get("Content-Type", "")
    return response.status, kind, json.loads(data) if data else {}


def chunked_post(port: int, path: str, total: int, headers: dict[str, str]) -> bytes:
    """Stream ``total`` bytes as chunks, stopping as soon as the server answers."""
    with socket.create_connection((LOOPBACK, port), timeout=30) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: {LOOPBACK}\r\nContent-Type: application/json\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        sock.sendall(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"[" * 64 * 1024)
        sent = 0
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the answer is there: read it before the server closes
            try:
                sock.sendall(chunk)
            except OSError:
                break
            sent += 64 * 1024
        return sock.recv(4096)


@pytest.mark.parametrize("served", VARIANTS, indirect=True)
def test_schemathesis_finds_no_failure(served: tuple[int, dict[str, str]]) -> None:
    port, env = served
    argv = [str(BIN / "schemathesis"), "run", f"http://{LOOPBACK}:{port}/api/openapi.json"]
    # Bounded: a fixed seed, few examples per operation, and a time budget per run.
    argv += ["--checks", "all", "--max-examples", "8", "--seed", "14", "--max-time", "15"]
    argv += ["--workers", "1", "--no-color"]
    for name, value in authorization(env).items():
        argv += ["--header", f"{name}: {value}"]
    # Run where its .schemathesis/ cache may be left: the test's own directory.
    result = run(argv, Path(env["WORK"]), timeout=120)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout, result.stdout[-6000:]


@pytest.mark.parametrize("served", VARIANTS, indirect=True)
def test_hostile_bodies_and_ids_get_4xx_problems(served: tuple[int, dict[str, str]]) -> None:
    port, env = served
    cases = {
        "nested 10,000 deep": ("POST", "/api/notes", b"[" * 10_000 + b"]" * 10_000),
        "a lone surrogate": ("POST", "/api/notes", b'{"title": "\\ud800"}'),
        "NUL in the title": ("POST", "/api/notes", b'{"title": "a\\u0000b"}'),
        "NUL in the body": ("POST", "/api/notes", b'{"title": "a", "body": "\\u0000"}'),
        "id 2^31": ("GET", f"/api/notes/{2**31}", None),
        "id 2^63": ("GET", f"/api/notes/{2**63}", None),
        "id 2^63 patched": ("PATCH", f"/api/notes/{2**63}", b'{"title": "x"}'),
        "id 2^64 deleted": ("DELETE", f"/api/notes/{2**64}", None),
        "cursor 2^63": ("GET", f"/api/notes?cursor={2**63}", None),
    }
    for name, (method, path, body) in cases.items():
        status, kind, problem = call(port, method, path, body, authorization(env))
        assert 400 <= status < 500, (name, status, problem)
        assert status != 401, (name, "the token was refused", problem)
        assert kind == "application/problem+json", name
        assert problem["status"] == status, name
    answer = chunked_post(port, "/api/notes", 100 * 1024 * 1024, authorization(env))
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"application/problem+json" in answer


@pytest.mark.parametrize("served", VARIANTS[:1], indirect=True)
def test_sqlite_locked_by_another_process_is_503_with_retry_after(
    served: tuple[int, dict[str, str]],
) -> None:
    port, env = served
    other = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"))
    try:
        other.execute("BEGIN EXCLUSIVE")
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        connection.request(
            "POST",
            "/api/notes",
            body=b'{"title": "x"}',
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        assert response.status == 503, response.read()
        assert response.headers["Retry-After"].isdigit()
        assert response.headers["Content-Type"] == "application/problem+json"
    finally:
        other.close()
