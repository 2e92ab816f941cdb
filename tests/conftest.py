"""Shared fixtures: bake each combination once per session, and reach local services.

Baking goes through pytest-cookies' session fixture with the real cookiecutter. The
generated projects run in this same interpreter's venv, which the `test` extra fills
with every dependency any combination needs.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_ADMIN_URL = f"postgresql://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/postgres"
# The user's uv cache, read before any test points HOME at a sandbox: tests that
# install with uv share it, so a package is downloaded once per machine, not per test.
UV_CACHE = Path(
    os.environ.get("UV_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uv"
)

Bake = Callable[..., Path]
# cookiecutter.json, which types every key for the hooks' validate().
SPEC: dict[str, Any] = json.loads((REPO / "cookiecutter.json").read_text(encoding="utf-8"))


def validate(answers: Mapping[str, Any]) -> list[str]:
    """The pre hook's rules, with the template's own cookiecutter.json."""
    from hooks.pre_gen_project import validate as rules

    return rules(answers, SPEC)


def missing_service(reason: str) -> None:
    """Skip on a laptop without the service; fail under CI, which must run everything."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def run(
    args: list[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run a command with this venv's tools first on PATH; never raises on failure."""
    full_env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    full_env.update(env or {})
    return subprocess.run(
        args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )


def context_key(extra: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(extra.items()))


@pytest.fixture(scope="session")
def bake(cookies_session: Any) -> Bake:
    """Return ``bake(**answers) -> project path``, baking each answer set only once."""
    baked: dict[tuple[tuple[str, Any], ...], Path] = {}

    def _bake(**extra: Any) -> Path:
        key = context_key(extra)
        if key not in baked:
            result = cookies_session.bake(extra_context=extra, template=str(REPO))
            assert result.exit_code == 0, f"bake {extra} failed: {result.exception}"
            baked[key] = Path(result.project_path)
        return baked[key]

    return _bake


def postgres_reachable() -> bool:
    try:
        with socket.create_connection((POSTGRES_HOST, POSTGRES_PORT), timeout=2):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def throwaway_database(prefix: str = "flaskcutter") -> Iterator[str]:
    """A PostgreSQL database on 127.0.0.1, dropped afterwards; yield its URL."""
    if not postgres_reachable():
        missing_service(f"PostgreSQL is not reachable on {POSTGRES_HOST}:{POSTGRES_PORT}")
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for one test."""
    with throwaway_database() as url:
        yield url
