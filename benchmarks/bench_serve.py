"""Serving: requests per second and latency under Gunicorn, direct and through Nginx.

The default project (production config, SQLite migrated with `flask db upgrade`) and
the bare app of _apps.py (same stack, same routes, same body, same database file) each
run under Gunicorn with the project's own deploy/gunicorn.conf.py (gthread workers, as
shipped; `--sync` serves both with 2 sync workers instead, as earlier runs did) on a
loopback port. One Nginx, configured by this script under a temporary prefix like the
shipped site (an upstream with keepalive, HTTP/1.1), proxies a port to each. `wrk
--latency` loads one target at a time for a few seconds; targets alternate by round.

    .venv/bin/python benchmarks/bench_serve.py [--runs N] [--quick] [--sync]
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from _apps import BARE_SERVE, write_app
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

ROUTES = ("/healthz", "/")
# Two sync workers each serve one connection at a time; four connections keep both
# busy without measuring a long accept queue. The shipped gthread workers hold more.
WRK_CONNECTIONS = 4
WRK_CONNECTIONS_SHIPPED = 16

NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{servers}
}}
"""
NGINX_SERVER = """\
    upstream app_{upstream} {{
        server 127.0.0.1:{upstream};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{listen};
        location / {{
            proxy_pass http://app_{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}"""

REQUESTS_RE = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
LATENCY_RE = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
RATE_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Load:
    """One wrk run: throughput, latency percentiles, and the workers' CPU per request."""

    rps: float
    p50: float  # milliseconds
    p99: float
    cpu_us: float  # Gunicorn workers' user + system CPU per request, microseconds


def parse_wrk(output: str) -> tuple[int, float, float, float]:
    """(requests, req/s, p50 ms, p99 ms) from `wrk --latency`; refuse any non-2xx."""
    rate, count = RATE_RE.search(output), REQUESTS_RE.search(output)
    latencies = {
        pct: float(value) * UNIT_MS[unit] for pct, value, unit in LATENCY_RE.findall(output)
    }
    if not rate or not count or set(latencies) != {"50", "99"}:
        raise BenchError(f"cannot read wrk's output:\n{output}")
    errors = NON_2XX_RE.search(output)
    if errors:
        raise BenchError(f"{errors.group(1)} responses were not 2xx; the numbers would lie")
    return int(count.group(1)), float(rate.group(1)), latencies["50"], latencies["99"]


def workers_cpu(master: int) -> float:
    """CPU seconds used so far by the children (the workers) of a Gunicorn master."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    ticks = 0
    for pid in children:
        # Fields 14 and 15 (utime, stime) follow the parenthesised command name.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(url: str, master: int, seconds: int, connections: int = WRK_CONNECTIONS) -> Load:
    """Load ``url`` for ``seconds``; the CPU figure is that of the master's workers.

    CPU per request is what a busy neighbour disturbs least: req/s on a shared
    machine moves with the load next door, the work done per request does not.
    """
    argv = [tool("wrk"), "--latency", "-t", "1", "-c", str(connections)]
    argv += ["-d", f"{seconds}s", "--timeout", "5s", url]
    before = workers_cpu(master)
    output = run_checked(argv, Path.cwd(), timeout=seconds + 30).stdout
    cpu = workers_cpu(master) - before
    requests, rps, p50, p99 = parse_wrk(output)
    return Load(rps, p50, p99, cpu / requests * 1e6)


@contextlib.contextmanager
def gunicorn(
    app_dir: Path, app: str, env: Mapping[str, str], logs: Path, conf: Path | None
) -> Iterator[int]:
    """Serve ``app`` on a free loopback port with ``conf``, else 2 sync workers."""
    port = free_port()
    if conf is None:
        argv = [tool("gunicorn"), "--workers", "2", "--worker-class", "sync"]
        # Gunicorn 25+ opens a control socket in $HOME by default; two would clash.
        argv += ["--no-control-socket"]
    else:
        argv = [tool("gunicorn"), "--config", str(conf)]
        runtime = logs / f"run-{port}"
        runtime.mkdir()
        env = {**env, "RUNTIME_DIRECTORY": str(runtime)}
    argv += ["--bind", f"127.0.0.1:{port}", "--chdir", str(app_dir), app]
    log_file = logs / f"gunicorn-{port}.log"
    with background(argv, app_dir, env, log_file) as process:
        wait_http(f"http://127.0.0.1:{port}/healthz", process, log_file)
        yield port, process.pid


@contextlib.contextmanager
def nginx(prefix: Path, upstreams: Sequence[int]) -> Iterator[list[int]]:
    """One Nginx proxying a fresh loopback port to each upstream; yield those ports."""
    prefix.mkdir()
    ports = [free_port() for _ in upstreams]
    servers = "\n".join(
        NGINX_SERVER.format(listen=listen, upstream=upstream)
        for listen, upstream in zip(ports, upstreams, strict=True)
    )
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, servers=servers), encoding="utf-8")
    # -e: the error log before the config is read would otherwise be /var/log/nginx.
    argv = [tool("nginx"), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    log_file = prefix / "stdout.log"
    with background(argv, prefix, environment(), log_file) as process:
        for port in ports:
            wait_http(f"http://127.0.0.1:{port}/healthz", process, prefix / "error.log")
        yield ports


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return response.read().decode("utf-8")


def main() -> int:
    args = parse_args(
        __doc__.splitlines()[0],
        runs=5,
        warmup=1,
        extra=[("--sync", "serve with 2 sync workers instead of the shipped config")],
    )
    seconds = 1 if args.quick else 3
    for name in ("wrk", "nginx"):
        if not shutil.which(name):
            raise BenchError(f"{name} is not installed: apt-get install -y wrk nginx-light")
    with scratch("serve") as root, contextlib.ExitStack() as stack:
        home = root / "home"
        home.mkdir()
        project = bake(REPO, root / "app", home)
        env = environment(
            home,
            FLASK_CONFIG="production",
            SECRET_KEY=secrets.token_hex(32),
            TRUSTED_HOSTS="127.0.0.1,localhost,example.com",
            DATABASE_URL=f"sqlite:///{root / 'serve.sqlite'}",
        )
        run_checked([tool("flask"), "--app", DEFAULT_PACKAGE, "db", "upgrade"], project, env)
        conf = None if args.sync else project / "deploy" / "gunicorn.conf.py"
        connections = WRK_CONNECTIONS if args.sync else WRK_CONNECTIONS_SHIPPED
        app_port, app_pid = stack.enter_context(
            gunicorn(project, f"{DEFAULT_PACKAGE}:create_app('production')", env, root, conf)
        )
        bare = write_app(root / "bare", "bare_serve", BARE_SERVE)
        (bare / "body.html").write_text(fetch(f"http://127.0.0.1:{app_port}/"), encoding="utf-8")
        bare_port, bare_pid = stack.enter_context(
            gunicorn(bare, "bare_serve:create_app()", env, root, conf)
        )
        proxied = stack.enter_context(nginx(root / "nginx", [bare_port, app_port]))

        targets = {
            ("direct", "bare"): (bare_port, bare_pid),
            ("direct", "app"): (app_port, app_pid),
            ("nginx", "bare"): (proxied[0], bare_pid),
            ("nginx", "app"): (proxied[1], app_pid),
        }
        cases = {
            (via, route, who): (
                lambda port=port, pid=pid, route=route: wrk(
                    f"http://127.0.0.1:{port}{route}", pid, seconds, connections
                )
            )
            for route in ROUTES
            for (via, who), (port, pid) in targets.items()
        }
        log(f"serve: {len(cases)} targets × {seconds}s, {args.warmup} warm-up + {args.runs} rounds")
        samples = alternate(cases, args.runs, args.warmup)

    rows = []
    for (via, route, who), loads in samples.items():
        floor = samples[(via, route, "bare")]
        rps, cpu = median([x.rps for x in loads]), median([x.cpu_us for x in loads])
        rows.append(
            [
                f"{via} `{route}` {'bare (floor)' if who == 'bare' else 'default project'}",
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
    workers = "2 sync workers" if args.sync else "the shipped gunicorn.conf.py, gthread"
    emit(
        f"serve: Gunicorn ({workers}), direct and behind Nginx",
        table([*headers, "runs"], rows),
        f"`wrk --latency -t 1 -c {connections} -d {seconds}s` per run, medians over runs; "
        "target ≥ 0.95× the bare app's req/s. CPU µs/req is the Gunicorn workers' CPU "
        "time per request (from /proc), steadier than req/s on a shared machine.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main(main))
