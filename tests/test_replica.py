"""The read replica, proven: a real streaming replica of the local PostgreSQL server.

The fixture makes a second cluster with `pg_basebackup -R` from 127.0.0.1:5432, starts
it as a hot standby on a free loopback port (as the postgres OS user, with the binaries
under /usr/lib/postgresql/*/bin), serves a baked PostgreSQL project with Gunicorn
pointed at both, and removes the cluster afterwards. To copy the primary, its pg_hba
needs a replication entry for 127.0.0.1; allow_replication() adds one (once, with a
comment naming this file) and reloads the server. It changes nothing else.

Replay on the replica is paused while a note is written, so the replica is stale on
purpose: a page without the note was read from the replica, a page with it from the
primary. Nothing is timed.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import BIN, POSTGRES_ADMIN_URL, Bake, missing_service, postgres_reachable, run
from .deploy_support.clients import Reply, request
from .deploy_support.processes import LOOPBACK, Server, free_port, wait_until
from .test_deploy import Project, app_answers, service_env

pytestmark = [pytest.mark.xdist_group("replica"), pytest.mark.postgres, pytest.mark.heavy]

HBA_LINE = "host replication postgres 127.0.0.1/32 trust  # tests/test_replica.py"


def postgres_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        missing_service(f"{name} is not installed under /usr/lib/postgresql/*/bin")
    return str(found[-1])


def as_postgres(*args: str) -> list[str]:
    """Run a command as the postgres OS user (the server refuses to run as root)."""
    if pwd.getpwuid(os.geteuid()).pw_name == "postgres":
        return list(args)
    if os.geteuid() != 0:
        missing_service("the replica must run as the postgres user; this is neither it nor root")
    setpriv = shutil.which("setpriv") or "setpriv"
    # setpriv execs the command, so the server is the process that Server signals.
    return [setpriv, "--reuid=postgres", "--regid=postgres", "--init-groups", *args]


def admin(
    sql: str, url: str = POSTGRES_ADMIN_URL, params: tuple[object, ...] = ()
) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql, params or None)
        return cursor.fetchall() if cursor.description else []


def allow_replication() -> None:
    """Let postgres on 127.0.0.1 open replication connections; idempotent."""
    ((hba_file,),) = admin("SHOW hba_file")
    path = Path(str(hba_file))
    text = path.read_text()
    if re.search(r"^host\s+replication\s+(all|postgres)\s+127\.0\.0\.1/32\s+trust", text, re.M):
        return
    if not os.access(path, os.W_OK):
        missing_service(f"{path} has no replication entry for 127.0.0.1 and is not writable")
    path.write_text(text.rstrip("\n") + "\n" + HBA_LINE + "\n")
    admin("SELECT pg_reload_conf()")


@dataclass
class Replica:
    port: int
    server: Server

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/postgres"

    def sql(self, statement: str) -> list[tuple[object, ...]]:
        return admin(statement, self.url)


@dataclass
class App:
    port: int
    gunicorn: Server
    database: str
    replica: Replica

    def get(self, path: str, cookie: str = "") -> Reply:
        headers = {"Cookie": cookie} if cookie else {}
        return request(self.port, path, host=f"{LOOPBACK}:{self.port}", headers=headers)

    def post_note(self, title: str) -> Reply:
        body = json.dumps({"title": title}).encode()
        headers = {"Content-Type": "application/json"}
        return request(
            self.port,
            "/api/notes",
            host=f"{LOOPBACK}:{self.port}",
            method="POST",
            body=body,
            headers=headers,
        )


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    if not postgres_reachable():
        missing_service("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = f"flaskcutter_replica_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def app(bake: Bake, database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    basebackup, postgres = postgres_bin("pg_basebackup"), postgres_bin("postgres")
    work = tmp_path_factory.mktemp("replica")
    project = Project.copy(bake(database="postgresql"), work / "app")
    env = service_env(work)
    env["DATABASE_URL"] = f"postgresql://postgres@{LOOPBACK}:5432/{database}"
    upgrade = run([str(BIN / "flask"), "--app", project.pkg, "db", "upgrade"], project.root, env)
    assert upgrade.returncode == 0, upgrade.stderr
    allow_replication()
    # The postgres user cannot enter pytest's private directories: its own, in /tmp.
    cluster = Path(tempfile.mkdtemp(prefix="flaskcutter-replica-"))
    try:
        shutil.chown(cluster, "postgres", "postgres")
        data = cluster / "data"
        copy = run(
            as_postgres(basebackup, "-h", LOOPBACK, "-p", "5432", "-U", "postgres",
                        "-D", str(data), "-R", "-X", "stream", "-c", "fast"),
            cluster,
        )  # fmt: skip
        assert copy.returncode == 0, copy.stderr
        # Debian keeps postgresql.conf and pg_hba.conf in /etc, so the copy has neither.
        (data / "postgresql.conf").write_text("")
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        for name in ("postgresql.conf", "pg_hba.conf"):
            shutil.chown(data / name, "postgres", "postgres")
        port = free_port()
        args = as_postgres(postgres, "-D", str(data), "-p", str(port), "-c", "hot_standby=on",
                           "-c", f"listen_addresses={LOOPBACK}",
                           "-c", f"unix_socket_directories={cluster}")  # fmt: skip
        server = Server("replica", args, cluster, os.environ, work)
        replica = Replica(port, server)
        try:
            assert wait_until(lambda: not server.running() or standby(replica), timeout=60), (
                server.output()
            )
            assert server.running(), server.output()
            gunicorn_port = free_port()
            gunicorn_env = {
                **env,
                "DATABASE_REPLICA_URL": f"postgresql://postgres@{LOOPBACK}:{port}/{database}",
                "GUNICORN_BIND": f"{LOOPBACK}:{gunicorn_port}",
                "GUNICORN_WORKERS": "1",
            }
            conf = project.gunicorn_conf
            gunicorn = Server(
                "gunicorn-replica",
                [str(BIN / "gunicorn"), "--config", str(conf)],
                work,
                gunicorn_env,
                work,
            )
            try:
                answered = wait_until(
                    lambda: not gunicorn.running() or app_answers(gunicorn_port), timeout=30
                )
                assert answered and gunicorn.running(), gunicorn.output()
                yield App(gunicorn_port, gunicorn, database, replica)
            finally:
                gunicorn.stop()
        finally:
            server.stop(signal.SIGINT)  # fast shutdown: clients are disconnected
    finally:
        shutil.rmtree(cluster, ignore_errors=True)


def standby(replica: Replica) -> bool:
    try:
        return replica.sql("SELECT pg_is_in_recovery()") == [(True,)]
    except Exception:  # noqa: BLE001 - not accepting connections yet
        return False


def replica_url(app: App) -> str:
    return f"postgresql://postgres@{LOOPBACK}:{app.replica.port}/{app.database}"


def test_reads_go_to_the_replica_writes_to_the_primary_and_a_writer_reads_its_write(
    app: App,
) -> None:
    assert app.replica.sql("SELECT pg_is_in_recovery()") == [(True,)]
    assert app.get("/notes/").status == 200
    # The replica stops applying what the primary sends: from now on it is stale.
    app.replica.sql("SELECT pg_wal_replay_pause()")
    try:
        title = f"note-{uuid.uuid4().hex}"
        created = app.post_note(title)
        assert created.status == 201, created.body
        # The write went to the primary (a hot standby refuses every write).
        primary = f"postgresql://postgres@{LOOPBACK}:5432/{app.database}"
        count = "SELECT count(*) FROM note WHERE title = %s"
        assert admin(count, primary, (title,)) == [(1,)]
        assert admin(count, replica_url(app), (title,)) == [(0,)]
        cookie = created.headers["Set-Cookie"].split(";", 1)[0]
        assert cookie.startswith("read_primary_until="), created.headers
        # Another client reads the replica, which has not seen the note yet...
        elsewhere = app.get("/notes/")
        assert elsewhere.status == 200
        assert title.encode() not in elsewhere.body
        # ...while the writer, with its cookie, reads the primary and sees it.
        own = app.get("/notes/", cookie=cookie)
        assert own.status == 200
        assert title.encode() in own.body
    finally:
        app.replica.sql("SELECT pg_wal_replay_resume()")
    assert wait_until(lambda: title.encode() in app.get("/notes/").body, timeout=30)


def test_stopping_the_replica_loses_no_request(app: App) -> None:
    statuses: list[int] = []
    stop = threading.Event()

    def read_for_ever() -> None:
        while not stop.is_set():
            try:
                statuses.append(app.get("/notes/").status)
            except OSError:
                statuses.append(0)

    reader = threading.Thread(target=read_for_ever)
    reader.start()
    try:
        assert wait_until(lambda: len(statuses) >= 20, timeout=30)
        app.replica.server.stop(signal.SIGINT)  # fast shutdown, clients cut off
        stopped_at = len(statuses)
        assert wait_until(lambda: len(statuses) >= stopped_at + 20, timeout=60)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert not app.replica.server.running()
    assert [status for status in statuses if status != 200] == [], statuses
    assert "read replica unreachable" in app.gunicorn.output()
