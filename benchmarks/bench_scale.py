"""Scale-out: req/s through Nginx with one and three Gunicorn instances, and the notes
list cached in Redis against uncached.

Two projects are baked with plain cookiecutter: the default one (cache=none) and one
with cache=redis, whose Redis is a private redis-server on a free loopback port (never
the machine's own). Each serves the production config from its SQLite file, seeded with
20 notes, under the shipped deploy/gunicorn.conf.py with one worker per instance, so an
instance stands for an app server of one CPU. One Nginx, configured here like the
shipped site's upstream (keepalive, HTTP/1.1), has an upstream of one instance and one
of three, of the default project, and one of one instance of each project for the
cache cases. `wrk` loads one target at a time for a few seconds; targets alternate by
round.

    .venv/bin/python benchmarks/bench_scale.py [--runs N] [--quick]
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import socket
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import (
    DEFAULT_PACKAGE,
    REPO,
    BenchError,
    alternate,
    background,
    bake,
    emit,
    environment,
    free_port,
    log,
    median,
    parse_args,
    ratio,
    run_checked,
    run_main,
    scratch,
    table,
    tool,
    wait_http,
)
from bench_serve import NGINX_CONF, parse_wrk, workers_cpu

NOTES = 20
WRK_CONNECTIONS = 16
UPSTREAM = """\
    upstream {name} {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{listen};
        location / {{
            proxy_pass http://{name};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}"""


@dataclass(frozen=True)
class Load:
    rps: float
    p50: float
    p99: float
    cpu_us: float  # all the instances' workers' CPU per request, microseconds


def load(url: str, masters: Sequence[int], seconds: int) -> Load:
    """``wrk`` against ``url``; CPU is summed over the workers of every master."""
    argv = [tool("wrk"), "--latency", "-t", "1", "-c", str(WRK_CONNECTIONS)]
    argv += ["-d", f"{seconds}s", "--timeout", "5s", url]
    before = sum(workers_cpu(master) for master in masters)
    output = run_checked(argv, Path.cwd(), timeout=seconds + 30).stdout
    cpu = sum(workers_cpu(master) for master in masters) - before
    requests, rps, p50, p99 = parse_wrk(output)
    if not requests:
        raise BenchError(f"no request of {url} was answered in {seconds}s:\n{output}")
    return Load(rps, p50, p99, cpu / requests * 1e6)


def answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A private redis-server without persistence; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise BenchError("redis-server is not installed: apt-get install -y redis-server")
    port = free_port()
    directory.mkdir()
    argv = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(directory)]
    with background(argv, directory, environment(), directory / "redis.log") as process:
        deadline = time.monotonic() + 10
        while not answers_ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"redis-server did not start: {directory / 'redis.log'}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"


@contextlib.contextmanager
def instance(project: Path, env: Mapping[str, str], logs: Path) -> Iterator[tuple[int, int]]:
    """One Gunicorn instance with the shipped config and one worker; (port, master pid)."""
    port = free_port()
    runtime = logs / f"run-{port}"
    runtime.mkdir()
    argv = [tool("gunicorn"), "--config", str(project / "deploy" / "gunicorn.conf.py")]
    argv += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--chdir", str(project)]
    # No recycling: a lone worker restarting after max_requests stalls its instance for
    # the seconds its app takes to import, which would measure the restart, not serving.
    argv += ["--max-requests", "0"]
    argv += [f"{DEFAULT_PACKAGE}:create_app('production')"]
    log_file = logs / f"gunicorn-{port}.log"
    with background(argv, project, {**env, "RUNTIME_DIRECTORY": str(runtime)}, log_file) as p:
        wait_http(f"http://127.0.0.1:{port}/healthz", p, log_file)
        yield port, p.pid


@contextlib.contextmanager
def nginx(prefix: Path, upstreams: Sequence[Sequence[int]]) -> Iterator[list[int]]:
    """One Nginx with an upstream of the given instance ports each; yield their ports."""
    prefix.mkdir()
    ports = [free_port() for _ in upstreams]
    blocks = []
    for index, (listen, members) in enumerate(zip(ports, upstreams, strict=True)):
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in members)
        blocks.append(UPSTREAM.format(name=f"app{index}", servers=servers, listen=listen))
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, servers="\n".join(blocks)), "utf-8")
    argv = [tool("nginx"), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    with background(argv, prefix, environment(), prefix / "stdout.log") as process:
        for port in ports:
            wait_http(f"http://127.0.0.1:{port}/healthz", process, prefix / "error.log")
        yield ports


def seed(port: int) -> None:
    """NOTES notes through the API, as a client would write them."""
    for number in range(NOTES):
        body = json.dumps({"title": f"note {number}", "body": "x" * 200}).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"http://127.0.0.1:{port}/api/notes",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            if response.status != 201:
                raise BenchError(f"seeding answered {response.status}")


def project_env(home: Path, database: Path, **extra: str) -> dict[str, str]:
    return environment(
        home,
        FLASK_CONFIG="production",
        SECRET_KEY=secrets.token_hex(32),
        TRUSTED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{database}",
        **extra,
    )


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], runs=5, warmup=1)
    seconds = 1 if args.quick else 3
    for name in ("wrk", "nginx", "redis-server"):
        if not shutil.which(name):
            raise BenchError(f"{name} is not installed: apt-get install -y {name}")
    with scratch("scale") as root, contextlib.ExitStack() as stack:
        home = root / "home"
        home.mkdir()
        plain = bake(REPO, root / "plain", home)
        cached = bake(REPO, root / "cached", home, {"cache": "redis"})
        url = stack.enter_context(redis_server(root / "redis"))
        envs = {
            plain: project_env(home, root / "plain.sqlite"),
            cached: project_env(home, root / "cached.sqlite", REDIS_URL=url),
        }
        for project, env in envs.items():
            run_checked([tool("flask"), "--app", DEFAULT_PACKAGE, "db", "upgrade"], project, env)
        three = [stack.enter_context(instance(plain, envs[plain], root)) for _ in range(3)]
        redis_one = stack.enter_context(instance(cached, envs[cached], root))
        seed(three[0][0])
        seed(redis_one[0])
        upstreams = [[three[0][0]], [port for port, _ in three], [redis_one[0]]]
        one_port, three_port, cached_port = stack.enter_context(nginx(root / "nginx", upstreams))
        masters = {
            "one": [three[0][1]],
            "three": [pid for _, pid in three],
            "cached": [redis_one[1]],
        }
        targets = {
            ("scale", "/api/notes", "1 instance"): (one_port, masters["one"]),
            ("scale", "/api/notes", "3 instances"): (three_port, masters["three"]),
            ("cache", "/api/notes", "cache=none"): (one_port, masters["one"]),
            ("cache", "/api/notes", "cache=redis"): (cached_port, masters["cached"]),
            ("cache", "/notes/", "cache=none"): (one_port, masters["one"]),
            ("cache", "/notes/", "cache=redis"): (cached_port, masters["cached"]),
        }
        cases = {
            key: (
                lambda port=port, pids=pids, route=key[1]: load(
                    f"http://127.0.0.1:{port}{route}", pids, seconds
                )
            )
            for key, (port, pids) in targets.items()
        }
        log(f"scale: {len(cases)} targets × {seconds}s, {args.warmup} warm-up + {args.runs} rounds")
        samples = alternate(cases, args.runs, args.warmup)

    floors = {"scale": "1 instance", "cache": "cache=none"}
    rows = []
    for (group, route, who), loads in samples.items():
        floor = samples[(group, route, floors[group])]
        rps, cpu = median([x.rps for x in loads]), median([x.cpu_us for x in loads])
        rows.append(
            [
                f"{group} `{route}` {who}{' (floor)' if who == floors[group] else ''}",
                f"{rps:.0f}",
                ratio(rps, median([x.rps for x in floor])),
                f"{median([x.p50 for x in loads]):.2f}",
                f"{median([x.p99 for x in loads]):.2f}",
                f"{cpu:.0f}",
                ratio(cpu, median([x.cpu_us for x in floor])),
                str(len(loads)),
            ]
        )
    headers = ["case", "req/s", "× floor", "p50 ms", "p99 ms", "CPU µs/req", "CPU × floor"]
    emit(
        "scale: one and three Gunicorn instances through Nginx; the notes list cached",
        table([*headers, "runs"], rows),
        f"`wrk --latency -t 1 -c {WRK_CONNECTIONS} -d {seconds}s` through Nginx per run, "
        f"medians over runs; {NOTES} notes; one gthread worker per instance, not recycled. CPU µs/req "
        "is the instances' workers' CPU per request (from /proc); on a shared 2-core "
        "machine it is steadier than req/s, and three instances cannot use more than "
        "its two cores.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main(main))
