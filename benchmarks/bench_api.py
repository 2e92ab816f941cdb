"""The JSON API: `/api/notes` list and create under wrk, schema layer against hand-written.

"before" is the template at BEFORE_REF, the last commit whose notes resource validated
and serialised by hand; "after" is this checkout, where flask-smorest and marshmallow
do it. Each bakes the default project (production config, SQLite migrated with `flask
db upgrade`), and each route gets its own Gunicorn (2 sync workers) and database: the
list reads 20 seeded notes (the hand-written list returned every row, so creates must
not grow it), the create appends. `wrk` loads one target at a time; targets alternate
between rounds.

    .venv/bin/python benchmarks/bench_api.py [--runs N] [--quick]
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import subprocess
import urllib.request
from pathlib import Path

from _common import (
    DEFAULT_PACKAGE,
    REPO,
    BenchError,
    alternate,
    bake,
    emit,
    environment,
    log,
    median,
    parse_args,
    ratio,
    run_checked,
    run_main,
    scratch,
    table,
    tool,
)
from bench_serve import WRK_CONNECTIONS, Load, gunicorn, parse_wrk, workers_cpu

# The last commit of the hand-written notes resource (note_errors, to_dict).
BEFORE_REF = "a1b77f8"
SEEDED_NOTES = 20
POST_SCRIPT = """\
wrk.method = "POST"
wrk.body = '{"title": "benchmark", "body": "a note written by wrk"}'
wrk.headers["Content-Type"] = "application/json"
"""


def export(ref: str, destination: Path) -> Path:
    """The template as it was at ``ref``, from this repository's history."""
    destination.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise BenchError(f"git archive {ref} failed: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive.stdout, check=True)
    return destination


def post(url: str, note: dict[str, str]) -> None:
    request = urllib.request.Request(  # noqa: S310 - loopback
        url, json.dumps(note).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        if response.status != 201:
            raise BenchError(f"seeding {url} answered {response.status}")


def load(url: str, master: int, seconds: int, script: Path | None) -> Load:
    argv = [tool("wrk"), "--latency", "-t", "1", "-c", str(WRK_CONNECTIONS)]
    argv += ["-d", f"{seconds}s", "--timeout", "5s", *(["-s", str(script)] if script else [])]
    before = workers_cpu(master)
    output = run_checked([*argv, url], Path.cwd(), timeout=seconds + 30).stdout
    cpu = workers_cpu(master) - before
    requests, rps, p50, p99 = parse_wrk(output)
    return Load(rps, p50, p99, cpu / requests * 1e6)


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], runs=5, warmup=1)
    seconds = 1 if args.quick else 3
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed: apt-get install -y wrk")
    with scratch("api") as root, contextlib.ExitStack() as stack:
        home = root / "home"
        home.mkdir()
        script = root / "post.lua"
        script.write_text(POST_SCRIPT, encoding="utf-8")
        templates = {"before": export(BEFORE_REF, root / "before-template"), "after": REPO}
        servers = {}
        for version, template in templates.items():
            project = bake(template, root / version, home)
            for route in ("list", "create"):
                env = environment(
                    home,
                    FLASK_CONFIG="production",
                    SECRET_KEY=secrets.token_hex(32),
                    TRUSTED_HOSTS="127.0.0.1",
                    DATABASE_URL=f"sqlite:///{root / f'{version}-{route}.sqlite'}",
                )
                flask = [tool("flask"), "--app", DEFAULT_PACKAGE, "db", "upgrade"]
                run_checked(flask, project, env)
                app = f"{DEFAULT_PACKAGE}:create_app('production')"
                servers[version, route] = stack.enter_context(
                    gunicorn(project, app, env, root, None)
                )
            port = servers[version, "list"][0]
            for number in range(SEEDED_NOTES):
                post(f"http://127.0.0.1:{port}/api/notes", {"title": f"note {number}"})

        cases = {
            (route, version): (
                lambda port=port, pid=pid, route=route: load(
                    f"http://127.0.0.1:{port}/api/notes",
                    pid,
                    seconds,
                    script if route == "create" else None,
                )
            )
            for (version, route), (port, pid) in servers.items()
        }
        log(f"api: {len(cases)} targets × {seconds}s, {args.warmup} warm-up + {args.runs} rounds")
        samples = alternate(cases, args.runs, args.warmup)

    rows = []
    for (route, version), loads in sorted(samples.items(), key=lambda item: item[0][0]):
        floor = samples[(route, "before")]
        cpu = median([x.cpu_us for x in loads])
        rows.append(
            [
                f"`{'GET' if route == 'list' else 'POST'} /api/notes` {version}",
                f"{median([x.rps for x in loads]):.0f}",
                f"{median([x.p50 for x in loads]):.2f}",
                f"{median([x.p99 for x in loads]):.2f}",
                f"{cpu:.0f}",
                ratio(cpu, median([x.cpu_us for x in floor])),
                str(len(loads)),
            ]
        )
    headers = ["case", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "CPU × before", "runs"]
    emit(
        "api: the notes resource, hand-written (before) and schema-driven (after)",
        table(headers, rows),
        f"`wrk --latency -t 1 -c {WRK_CONNECTIONS} -d {seconds}s` per run, medians over runs; "
        f"the list holds {SEEDED_NOTES} notes. Target: after ≤ 1.15× before in CPU per "
        "request (the workers' user + system time, from /proc).",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main(main))
