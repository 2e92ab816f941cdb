"""The cache=redis option, proven against a real Redis that the test starts and stops.

A private redis-server runs on a free loopback port (never the machine's own, which
other work may use); a project baked with cache=redis runs under Gunicorn in its
production config with REDIS_URL pointing there. The cached lists are looked for in
Redis's own keys; the database is changed behind the app's back to tell a cached list
from a fresh one.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import BIN, Bake, missing_service, run
from .deploy_support.clients import request
from .deploy_support.processes import LOOPBACK, Server, free_port, wait_until
from .test_deploy import Project, app_answers, service_env

pytestmark = pytest.mark.xdist_group("cache-redis")

# Bounds of the load while Redis goes away: requests, and seconds.
MAX_REQUESTS = 600
MAX_SECONDS = 30


@dataclass
class Redis:
    """A private redis-server without persistence: a restart empties it, like a new one."""

    binary: str
    port: int
    directory: Path
    server: Server | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> None:
        self.starts += 1
        args = [
            self.binary, "--bind", LOOPBACK, "--port", str(self.port), "--save", "",
            "--appendonly", "no", "--dir", str(self.directory),
        ]  # fmt: skip
        self.server = Server(f"redis-{self.starts}", args, self.directory, {}, self.directory)
        client = self.client()
        if not wait_until(lambda: self.answers(client), timeout=10):
            self.stop()
            raise AssertionError(f"redis-server never answered:\n{self.server.output()}")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def client(self) -> Any:
        # Imported here: without the client the fixture skips (or fails under CI).
        import redis

        return redis.Redis(host=LOOPBACK, port=self.port, socket_timeout=2)

    @staticmethod
    def answers(client: Any) -> bool:
        import redis

        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def keys(self, pattern: str = "*") -> list[str]:
        return sorted(key.decode() for key in self.client().keys(pattern))


@dataclass
class Served:
    project: Project
    port: int
    database: Path
    gunicorn: Server

    def get(self, path: str) -> tuple[int, bytes]:
        reply = request(self.port, path)
        return reply.status, reply.body

    def titles(self) -> list[str]:
        status, body = self.get("/api/notes")
        assert status == 200, body
        return [note["title"] for note in json.loads(body)["notes"]]

    def post(self, title: str) -> int:
        body = json.dumps({"title": title}).encode()
        headers = {"Content-Type": "application/json"}
        return request(self.port, "/api/notes", method="POST", headers=headers, body=body).status

    def rename_behind_the_app(self, title: str) -> None:
        with sqlite3.connect(self.database) as connection:
            connection.execute("UPDATE note SET title = ?", (title,))


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("redis-server is not installed (apt-get install redis-server)")
    try:
        import redis  # noqa: F401
    except ImportError:
        missing_service("the redis client is not installed (the test extra has it)")
    server = Redis(str(binary), free_port(), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def served(
    bake: Bake, redis_server: Redis, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    work = tmp_path_factory.mktemp("cache-redis")
    project = Project.copy(bake(cache="redis"), work / "app")
    env = {**service_env(work), "REDIS_URL": redis_server.url}
    upgrade = run([str(BIN / "flask"), "--app", project.pkg, "db", "upgrade"], project.root, env)
    assert upgrade.returncode == 0, upgrade.stderr
    port = free_port()
    env.update({"GUNICORN_BIND": f"{LOOPBACK}:{port}", "GUNICORN_WORKERS": "2"})
    args = [str(BIN / "gunicorn"), "--config", str(project.gunicorn_conf)]
    gunicorn = Server("gunicorn", args, work, env, work)
    try:
        answered = wait_until(lambda: not gunicorn.running() or app_answers(port), 30)
        assert answered and gunicorn.running(), gunicorn.output()
        yield Served(project, port, work / "app.sqlite", gunicorn)
    finally:
        # SIGINT: Gunicorn's quick shutdown; nothing is left to finish gracefully.
        gunicorn.stop(signal.SIGINT)


def test_a_cached_list_is_served_from_redis_until_a_write(
    served: Served, redis_server: Redis
) -> None:
    assert served.post("first") == 201
    assert served.titles() == ["first"]
    assert served.get("/notes/")[0] == 200
    pkg = served.project.pkg
    lists = redis_server.keys(f"{pkg}:notes:*")
    # One list per view (the page; the API's first page of 20), under one generation.
    assert [key.split(":", 3)[3] for key in lists] == ["all:api:20", "all:page"], lists
    served.rename_behind_the_app("renamed behind")
    assert served.titles() == ["first"], "the list should have come from Redis"
    assert b"renamed behind" not in served.get("/notes/")[1]
    assert served.post("second") == 201
    # The write moved the generation on: both lists are read afresh, with the change.
    assert served.titles() == ["second", "renamed behind"]
    assert b"renamed behind" in served.get("/notes/")[1]
    # Under a new generation; the old lists are unreachable and expire on their own.
    fresh = set(redis_server.keys(f"{pkg}:notes:*")) - set(lists)
    generations = {key.split(":")[2] for key in fresh}
    assert len(fresh) == 2 and len(generations) == 1, fresh
    assert generations.isdisjoint(key.split(":")[2] for key in lists)


def test_redis_stopped_mid_load_fails_no_request_and_caching_resumes(
    served: Served, redis_server: Redis
) -> None:
    statuses: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def load() -> None:
        # Reads of both lists, a write now and then: every one must succeed.
        paths = ["/api/notes", "/notes/", "/api/notes?limit=5"]
        try:
            while not stop.is_set() and len(statuses) < MAX_REQUESTS:
                if len(statuses) % 10 == 9:
                    statuses.append(served.post(f"note {len(statuses)}"))
                else:
                    statuses.append(served.get(paths[len(statuses) % len(paths)])[0])
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    try:
        assert wait_until(lambda: len(statuses) >= 30, timeout=MAX_SECONDS)
        redis_server.stop()
        stopped_at = len(statuses)
        assert wait_until(lambda: len(statuses) >= stopped_at + 60, timeout=MAX_SECONDS)
        status, body = served.get("/healthz")
        assert (status, json.loads(body)) == (200, {"status": "degraded", "cache": "unreachable"})
        redis_server.start()
        restarted_at = len(statuses)
        # The restarted Redis is empty; the lists come back into it within seconds.
        assert wait_until(
            lambda: len(redis_server.keys(f"{served.project.pkg}:notes:*:all:*")) >= 2,
            timeout=MAX_SECONDS,
        ), redis_server.keys()
    finally:
        stop.set()
        loader.join(timeout=MAX_SECONDS)
    assert not errors, errors
    assert len(statuses) > restarted_at > stopped_at > 0
    assert set(statuses) <= {200, 201}, sorted(set(statuses))
    # Each worker retries Redis a moment after its last failure, then reports it well.
    assert wait_until(lambda: served.get("/healthz") == (200, b'{"status":"ok"}\n'), 10)
    log = served.gunicorn.output()
    assert "cache unreachable" in log and "caching resumes" in log, log[-2000:]
    # After the outage the lists again follow the writes.
    assert served.post("after the outage") == 201
    assert served.titles()[0] == "after the outage"
