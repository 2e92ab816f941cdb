"""What every benchmark shares: options, timing, alternating runs, tables, processes.

A benchmark here is a script that prints a markdown table; it never asserts on time.
Each case is measured in rounds that alternate between the cases (and rotate their
order), after a warm-up, so that a noisy neighbour on a shared machine slows every case
alike instead of one of them. Every table gives the ratio to a floor that the same run
measured, because on such a machine only ratios travel between runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, TypeVar

REPO = Path(__file__).resolve().parents[1]
# The interpreter running the benchmark is the venv that holds every tool it drives.
BIN = Path(sys.executable).parent
# The answers of `bench_bake.py`, reused by the benchmarks that need the same projects.
LIGHTEST = {
    "layout": "single",
    "use_sqlalchemy": "false",
    "deployment": "none",
    "use_github_actions": "false",
    "license": "Proprietary",
}
HEAVIEST = {
    "layout": "blueprints",
    "use_sqlalchemy": "true",
    "database": "postgresql",
    "use_migrate": "true",
    "deployment": "gunicorn-nginx",
    "use_github_actions": "true",
    # The longest licence text, so that every file the template can write is written.
    "license": "Apache-2.0",
}
SINGLE_NO_DB = {"layout": "single", "use_sqlalchemy": "false"}
DEFAULT_PACKAGE = "my_flask_app"
DEFAULT_SLUG = "my-flask-app"


class BenchError(RuntimeError):
    """A measured command failed; the numbers would mean nothing."""


def parse_args(
    description: str,
    runs: int,
    warmup: int = 1,
    templates: bool = False,
    extra: Sequence[tuple[str, str]] = (),
) -> argparse.Namespace:
    """The options every script takes; ``--quick`` (or BENCH_QUICK=1) is CI's smoke mode.

    With ``templates``, also ``--template DIR`` (repeatable): the template checkouts to
    measure, this one by default.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("BENCH_QUICK", "") not in {"", "0"},
        help="one run of each case, no warm-up: proves the script works, measures nothing",
    )
    parser.add_argument("--runs", type=int, default=runs, help=f"rounds (default {runs})")
    parser.add_argument(
        "--warmup", type=int, default=warmup, help=f"unmeasured rounds first (default {warmup})"
    )
    for flag, text in extra:  # a script's own switches
        parser.add_argument(flag, action="store_true", help=text)
    if templates:
        parser.add_argument(
            "--template",
            dest="templates",
            type=lambda text: Path(text).resolve(),
            action="append",
            help="a template checkout to measure (default: this one); repeat it to "
            "measure a changed copy in the same rounds as the original",
        )
    args = parser.parse_args()
    if templates:
        args.templates = args.templates or [REPO]
    if args.quick:
        args.runs, args.warmup = 1, 0
    return args


def tagged(name: str, template: Path, templates: Sequence[Path]) -> str:
    """A case name, with the template's directory name when several are measured."""
    return name if len(templates) == 1 else f"{name} [{template.name}]"


def run_main(main: Callable[[], int]) -> int:
    """Run a script's ``main``; a failed measurement is one line on stderr and exit 1.

    SIGTERM becomes SystemExit, so that ``finally`` blocks still stop the servers
    (which run in their own sessions and would not get the signal) and remove the
    temporary directories.
    """
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        return main()
    except (BenchError, subprocess.TimeoutExpired) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def log(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the table that run_all.py collects."""
    print(message, file=sys.stderr, flush=True)


def tool(name: str) -> str:
    """The venv's copy of a command if it has one, else the one on PATH."""
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        raise BenchError(f"{name} is not installed (looked in {BIN} and on PATH)")
    return found


def environment(home: Path | None = None, **extra: str) -> dict[str, str]:
    """This process's environment with the venv first on PATH and, if given, a private HOME.

    A private HOME keeps cookiecutter's replay files and any user config out of the
    measurement, and out of the user's home.
    """
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    # Warm runs must find the bytecode caches that the warm-up wrote.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if home is not None:
        env["HOME"] = str(home)
        # Cookiecutter leaves its rendered hook scripts in the temp directory.
        env["TMPDIR"] = str(home / "tmp")
        (home / "tmp").mkdir(exist_ok=True)
    env.update(extra)
    return env


def run_checked(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    ok: Sequence[int] = (0,),
) -> subprocess.CompletedProcess[str]:
    """Run a command to completion; raise with its last output lines unless it exits in ``ok``."""
    result = subprocess.run(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode not in ok:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise BenchError(f"{' '.join(argv)} exited {result.returncode} in {cwd}:\n{tail}")
    return result


class Timing(NamedTuple):
    """One run of a command: wall time, and the CPU time of it and its children.

    CPU time is what a busy neighbour disturbs least, so it shows small effects that
    the wall time of a shared machine hides; wall time is what a user waits for.
    """

    wall: float
    cpu: float


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    ok: Sequence[int] = (0,),
) -> tuple[Timing, subprocess.CompletedProcess[str]]:
    """Time one run of a command, start to exit; return the timing and the result.

    Only processes that have been waited for count as children, and a command waits
    for its own (cookiecutter for its hooks), so the CPU delta is the whole tree's.
    """
    cpu, started = children_cpu(), time.perf_counter()
    result = run_checked(argv, cwd, env, timeout, ok)
    return Timing(time.perf_counter() - started, children_cpu() - cpu), result


def timed(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> Timing:
    """Time one run of a command that must succeed."""
    return timed_run(argv, cwd, env, timeout)[0]


T = TypeVar("T")


def alternate(cases: Mapping[str, Callable[[], T]], runs: int, warmup: int) -> dict[str, list[T]]:
    """Run every case once per round, rotating the order; return each case's samples.

    Rotation matters: on a shared machine the first command of a round often meets
    colder caches or a busier neighbour than the last.
    """
    names = list(cases)
    samples: dict[str, list[T]] = {name: [] for name in names}
    for round_index in range(warmup + runs):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            value = cases[name]()
            if round_index >= warmup:
                samples[name].append(value)
        phase = "warm-up" if round_index < warmup else "run"
        log(f"  {phase} {round_index + 1}/{warmup + runs} done")
    return samples


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def secs(seconds: float) -> str:
    return f"{seconds:.1f}"


def ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}×" if floor else "n/a"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub markdown table, numbers right-aligned."""
    lines = ["| " + " | ".join(headers) + " |"]
    lines.append("|" + "|".join([" --- "] + [" ---: "] * (len(headers) - 1)) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def timing_table(
    samples: Mapping[str, Sequence[Timing]],
    floors: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
    unit: str = "ms",
) -> str:
    """Median wall and CPU time of each case, each with its ratio to the case's floor.

    ``floors`` maps a case to the case it is compared with; a floor maps to itself.
    ``unit`` is "ms" or, for cases that take minutes, "s".
    """
    show = ms if unit == "ms" else secs
    rows = []
    for name, runs in samples.items():
        wall, cpu = median([t.wall for t in runs]), median([t.cpu for t in runs])
        floor = samples[floors[name]]
        floor_wall = median([t.wall for t in floor])
        floor_cpu = median([t.cpu for t in floor])
        label = (labels or {}).get(name, name)
        rows.append(
            [label, show(wall), ratio(wall, floor_wall), show(cpu), ratio(cpu, floor_cpu)]
            + [str(len(runs))]
        )
    headers = ["case", f"wall {unit}", "× floor", f"CPU {unit}", "CPU × floor", "runs"]
    return table(headers, rows)


def emit(title: str, body: str, notes: str = "") -> None:
    """Print one result section: a heading, the table, and how to read it."""
    print(f"### {title}\n")
    print(body)
    if notes:
        print(f"\n{notes}")
    print(flush=True)


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary directory removed afterwards, whatever happens."""
    path = Path(tempfile.mkdtemp(prefix=f"flaskcutter-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def bake(
    template: Path, output: Path, home: Path, answers: Mapping[str, str] | None = None
) -> Path:
    """Bake with plain cookiecutter (as the README shows it) and return the project."""
    before = set(output.iterdir()) if output.exists() else set()
    argv = [tool("cookiecutter"), "--no-input", str(template), "-o", str(output)]
    argv += [f"{key}={value}" for key, value in (answers or {}).items()]
    run_checked(argv, REPO, environment(home))
    (project,) = set(output.iterdir()) - before
    return project


def write_floor_template(root: Path) -> Path:
    """A one-file template: what cookiecutter costs before any template adds to it."""
    template = root / "floor-template"
    (template / "{{cookiecutter.project_slug}}").mkdir(parents=True)
    (template / "cookiecutter.json").write_text('{"project_slug": "floor"}\n', encoding="utf-8")
    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text("# {{ cookiecutter.project_slug }}\n", encoding="utf-8")
    return template


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def background(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], log_file: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server in its own process group and always stop the whole group.

    Its own session means the SIGTERM below reaches the server and every worker it
    forked, and nothing else.
    """
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; its workers may still be finishing in the same group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def wait_http(
    url: str, process: subprocess.Popen[bytes], log_file: Path, timeout: float = 30
) -> None:
    """Wait until ``url`` answers 200, or fail early if the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"server exited {process.returncode}:\n{tail_of(log_file)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise BenchError(f"{url} did not answer within {timeout}s:\n{tail_of(log_file)}")


def tail_of(path: Path, lines: int = 15) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def machine() -> str:
    """One line naming what the numbers were measured on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    version = sys.version.split()[0]
    return f"{cores} cores, Python {version} ({sys.implementation.name}), {sys.platform}"
