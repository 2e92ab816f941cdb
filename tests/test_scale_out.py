"""Several app servers, proven: three Gunicorn instances behind real Nginx on loopback.

The project copy is given three instances in deploy/instances, and its Nginx site is
rewritten from that by deploy/instances.py, as deploy/README.md tells an operator to
do; tests/deploy_support/nginx.py then moves the three unix sockets onto loopback
ports (Gunicorn's access log names the peer port only for TCP). Every request counted
below is counted by wrk or by the instances' own access logs; nothing is timed.
"""

from __future__ import annotations

import os
import re
import runpy
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import BIN, Bake, run
from .deploy_support.clients import Certificate, Reply, make_certificate, request
from .deploy_support.nginx import NginxSite
from .deploy_support.processes import LOOPBACK, Server, free_port, wait_until
from .deploy_support.wrk import LoadResult, finish_load, start_load
from .test_deploy import Project, app_answers, service_env, tool

pytestmark = [pytest.mark.xdist_group("scale-out"), pytest.mark.nginx, pytest.mark.heavy]

INSTANCES = 3
LOAD_SECONDS = 4
DISTURB_AFTER = 1.5
# Each instance: one worker with this many threads (the shipped default), so at most
# this many answers can be under way in an instance when it is killed.
VICTIM_THREADS = 2
# The peer port of each request, so that reused upstream connections can be counted.
ACCESS_LOG = '%(h)s port=%({REMOTE_PORT}e)s "%(r)s" %(s)s'


@dataclass
class Instance:
    """One Gunicorn instance on its own loopback port; restartable on the same port."""

    index: int
    port: int
    root: Path
    env: dict[str, str]
    generation: int = 0
    server: Server | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def start(self) -> None:
        self.generation += 1
        env = {
            **self.env,
            "GUNICORN_BIND": self.address,
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": str(VICTIM_THREADS),
            "GUNICORN_CMD_ARGS": f"--access-logformat '{ACCESS_LOG}'",
        }
        conf = self.root / "app" / "deploy" / "gunicorn.conf.py"
        args = [str(BIN / "gunicorn"), "--config", str(conf)]
        name = f"gunicorn-{self.index}-{self.generation}"
        self.server = Server(name, args, self.root, env, self.root)
        self.logs.append(self.server.stdout_path)
        server = self.server
        answered = wait_until(lambda: not server.running() or app_answers(self.port), 30)
        if not (answered and server.running()):
            server.stop()
            raise AssertionError(f"instance {self.index} never answered:\n{server.output()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.server is not None:
            self.server.stop(sig)

    def kill_9(self) -> None:
        """SIGKILL the master and every worker at once, as a crash or the OOM killer would."""
        assert self.server is not None
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait(timeout=15)

    def access_log(self) -> str:
        """Every generation's access log, oldest first."""
        return "".join(path.read_text(errors="replace") for path in self.logs)


@dataclass
class Cluster:
    project: Project
    instances: list[Instance]
    site: NginxSite
    certificate: Certificate

    def https(self, path: str) -> Reply:
        return request(self.site.https_port, path, tls=self.certificate.client_context())

    def seen_by(self, marker: str) -> list[int]:
        """How many requests carrying ``marker`` each instance logged."""
        return [instance.access_log().count(marker) for instance in self.instances]


def three_instance_site(project: Project) -> str:
    """Set deploy/instances to three and rewrite the site with deploy/instances.py."""
    (project.root / "deploy" / "instances").write_text(f"# test copy\n{INSTANCES}\n")
    script = project.root / "deploy" / "instances.py"
    result = run([str(BIN / "python"), str(script), "site"], project.root)
    assert result.returncode == 0, result.stderr
    sockets = re.findall(rf"server unix:/run/{project.slug}-(\d+)/", result.stdout)
    assert sockets == ["1", "2", "3"], result.stdout
    return result.stdout


@pytest.fixture(scope="module")
def cluster(bake: Bake, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    work = tmp_path_factory.mktemp("scale-out")
    project = Project.copy(bake(), work / "app")
    env = service_env(work)
    upgrade = run([str(BIN / "flask"), "--app", project.pkg, "db", "upgrade"], project.root, env)
    assert upgrade.returncode == 0, upgrade.stderr
    site_file = project.root / "deploy" / "nginx" / f"{project.slug}.conf"
    site_file.write_text(three_instance_site(project))
    certificate = make_certificate(tmp_path_factory.mktemp("tls"), tool("openssl"))
    instances = [Instance(i, free_port(), work, env) for i in range(1, INSTANCES + 1)]
    try:
        for instance in instances:
            instance.start()
        site = NginxSite.create(
            tool("nginx"),
            work / "nginx",
            project.root,
            project.slug,
            [instance.address for instance in instances],
            certificate,
        )
        nginx = site.start()
        try:
            yield Cluster(project, instances, site, certificate)
        finally:
            nginx.stop()
    finally:
        for instance in instances:
            instance.stop()


def all_answer(cluster: Cluster) -> bool:
    return all(app_answers(instance.port) for instance in cluster.instances)


def load(cluster: Cluster, tmp_path: Path, seconds: int = LOAD_SECONDS) -> Server:
    return start_load(tool("wrk"), cluster.site.https_port, "/healthz", seconds, tmp_path)


def test_requests_spread_over_all_three_instances(cluster: Cluster) -> None:
    marker = uuid.uuid4().hex
    replies = [cluster.https(f"/healthz?{marker}").status for _ in range(30)]
    assert replies == [200] * 30
    assert wait_until(lambda: sum(cluster.seen_by(marker)) == 30, timeout=10)
    seen = cluster.seen_by(marker)
    # Round robin: each instance gets its share; none is left idle.
    assert all(count >= 5 for count in seen), seen


def test_nginx_reuses_its_connections_to_the_instances(cluster: Cluster) -> None:
    marker = uuid.uuid4().hex
    total = 60
    for _ in range(total):
        assert cluster.https(f"/healthz?{marker}").status == 200
    assert wait_until(lambda: sum(cluster.seen_by(marker)) == total, timeout=10)
    ports = []
    for instance in cluster.instances:
        ports += re.findall(rf"port=(\d+) \"GET /healthz\?{marker} ", instance.access_log())
    assert len(ports) == total
    # Every client connection here is new, yet the keepalive pool carries the requests
    # to Gunicorn over a few connections: without it, each would come from a new port.
    assert len(set(ports)) <= total // 4, sorted(set(ports))


# Nginx's word for an upstream that died after its answer had begun: the status line
# and headers were already on their way to the client, so no retry can take it back.
CUT_MID_ANSWER = "upstream prematurely closed connection while reading upstream"


def test_kill_9_of_one_instance_loses_no_get(cluster: Cluster, tmp_path: Path) -> None:
    """Every GET the victim had not begun to answer is retried on another instance.

    Gunicorn sends a response's headers and body in two writes, so a kill between
    them cuts an answer that has begun: Nginx has passed the headers on and must drop
    the connection. Such a request is lost to any proxy; each one the client saw must
    be one of those, named in Nginx's log, and never more than the victim's threads.
    """
    victim = cluster.instances[1]
    logged_before = cluster.site.error_log().count(CUT_MID_ANSWER)
    run_ = load(cluster, tmp_path)
    try:
        wait_until(lambda: False, timeout=DISTURB_AFTER)
        victim.kill_9()
    finally:
        result = finish_load(run_, LOAD_SECONDS)
        victim.start()
    cut = cluster.site.error_log().count(CUT_MID_ANSWER) - logged_before
    assert result.requests > 0
    assert result.non2xx == 0, result
    assert result.failures <= cut <= VICTIM_THREADS, (result, cut)


def test_a_rolling_restart_of_all_three_loses_no_request(cluster: Cluster, tmp_path: Path) -> None:
    """Restart one instance at a time, each once the previous one answers again, while
    wrk runs back to back until the last restart is done."""
    done = threading.Event()
    errors: list[BaseException] = []

    script = cluster.project.root / "deploy" / "instances.py"
    instances_py = runpy.run_path(str(script))
    site = (cluster.project.root / "deploy" / "nginx" / f"{cluster.project.slug}.conf").read_text()
    # What `instances.py restart` waits after each instance is back: Nginx may have
    # benched it for fail_timeout while it was down.
    readmit = instances_py["fail_timeout"](site) + 1

    def rolling_restart() -> None:
        try:
            for instance in cluster.instances:
                instance.stop()  # SIGTERM: Gunicorn finishes what it holds, then exits
                instance.start()  # returns once /healthz answers on the same port
                time.sleep(readmit)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            done.set()

    generations = [instance.generation for instance in cluster.instances]
    results: list[LoadResult] = []
    restarter = threading.Thread(target=rolling_restart)
    first = load(cluster, tmp_path, seconds=2)
    restarter.start()
    results.append(finish_load(first, 2))
    while not done.is_set():
        results.append(finish_load(load(cluster, tmp_path, seconds=2), 2))
    restarter.join()
    assert errors == []
    assert [instance.generation for instance in cluster.instances] == [
        generation + 1 for generation in generations
    ]
    assert sum(result.requests for result in results) > 0
    assert [result.failures for result in results] == [0] * len(results), results
    assert all_answer(cluster)


class Dropper:
    """An upstream that reads each request, records it and closes the connection
    without answering: an instance that dies holding the request."""

    def __init__(self) -> None:
        self.listener = socket.create_server((LOOPBACK, 0))
        self.port = self.listener.getsockname()[1]
        self.seen: list[str] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            with connection:
                connection.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = connection.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                if data:
                    self.seen.append(data.split(b"\r\n", 1)[0].decode("latin-1"))

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def dropper() -> Iterator[Dropper]:
    server = Dropper()
    try:
        yield server
    finally:
        server.close()


def test_a_post_that_reached_a_dying_instance_is_not_replayed(
    cluster: Cluster, dropper: Dropper, tmp_path: Path
) -> None:
    """Nginx with the generated retry rules in front of the dropper and one real
    instance: a GET the dropper swallowed is answered by the real one; a POST is not
    sent again, and its client gets 502."""
    real = cluster.instances[0]
    site = NginxSite.create(
        tool("nginx"),
        tmp_path / "nginx",
        cluster.project.root,
        cluster.project.slug,
        [f"{LOOPBACK}:{dropper.port}", real.address],
        cluster.certificate,
    )
    context = cluster.certificate.client_context()
    outcome: dict[str, list[tuple[str, int]]] = {}
    for method in ("GET", "POST"):
        # A fresh Nginx for each method, so the dropper is not yet marked as failed.
        nginx = site.start()
        try:
            markers = [f"{method.lower()}-{uuid.uuid4().hex}" for _ in range(4)]
            outcome[method] = [
                (marker, request(site.https_port, f"/healthz?{marker}", tls=context,
                                 method=method, body=b"{}" if method == "POST" else None).status)
                for marker in markers
            ]  # fmt: skip
        finally:
            nginx.stop()
    swallowed = {line.split("?", 1)[1].split()[0] for line in dropper.seen}
    for method, replies in outcome.items():
        hit = [marker for marker, _ in replies if marker in swallowed]
        assert hit, f"no {method} reached the dropper: {dropper.seen}"
    # A later request, straight to the instance, marks the end of what it has logged.
    later = uuid.uuid4().hex
    assert request(real.port, f"/healthz?{later}", host=real.address).status == 200
    assert wait_until(lambda: later in real.access_log(), timeout=10)
    log = real.access_log()
    for marker, status in outcome["GET"]:
        assert status == 200, (marker, status)  # the dropped ones were retried
    for marker, status in outcome["POST"]:
        if marker in swallowed:
            assert status == 502, (marker, status)
            assert marker not in log, f"POST {marker} was replayed to the real instance"
        else:
            assert status == 405, (marker, status)  # the real instance answered it
            assert marker in log
