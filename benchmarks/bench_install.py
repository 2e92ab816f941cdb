"""`flaskcutter new --install` to green, split into its three steps.

The CLI prints each step's time (`✓ Create .venv (6.0s)`); this script reads those.
The floor does the same three steps by hand with the same tools, but without the
project: `python -m venv`, `pip install` of exactly the project's dependencies and dev
extra (read from its pyproject.toml), and pytest on one trivial test. What remains is
what the project itself adds: building it as an editable package, and its tests.

Uses the developer's pip cache (a warm cache is the common case; the warm-up fills it).
`--quick` uses the lightest project, which has the fewest dependencies.

    .venv/bin/python benchmarks/bench_install.py [--runs N] [--quick]
"""

from __future__ import annotations

import itertools
import re
import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from _common import (
    DEFAULT_SLUG,
    LIGHTEST,
    BenchError,
    alternate,
    emit,
    environment,
    log,
    median,
    parse_args,
    ratio,
    run_checked,
    run_main,
    scratch,
    secs,
    table,
    timed,
    timed_run,
    tool,
)

NAME = "My Flask App"
STEPS = ("venv", "install", "tests")
# The CLI's own progress lines, e.g. "✓ Install the project with its dev extra (9.8s)".
STEP_RE = re.compile(r"^✓ (?P<title>.+) \((?P<seconds>[\d.]+)s\)$", re.MULTILINE)
FLOOR_TEST = "def test_nothing():\n    pass\n"
Times = dict[str, float]


def cli_install(root: Path, answers: list[str], counter: Iterator[int]) -> Times:
    """Run the CLI once; return its step times, the rest of its wall time, and the total."""
    output = root / f"cli-{next(counter)}"
    argv = [tool("flaskcutter"), "new", NAME, "--no-input", "--no-git", "--install"]
    argv += [*answers, "-o", str(output)]
    timing, result = timed_run(argv, root, environment(), timeout=1800)
    shutil.rmtree(output)
    steps = [float(match["seconds"]) for match in STEP_RE.finditer(result.stderr)]
    if len(steps) != len(STEPS):
        raise BenchError(
            f"expected {len(STEPS)} '✓ step (Ns)' lines from the CLI:\n{result.stderr}"
        )
    times = dict(zip(STEPS, steps, strict=True))
    return {**times, "generate": timing.wall - sum(steps), "total": timing.wall}


def project_requirements(project: Path) -> list[str]:
    """The dependencies and dev extra that the generated project declares."""
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*data["dependencies"], *data.get("optional-dependencies", {}).get("dev", [])]


def floor_install(root: Path, requirements: list[str], counter: Iterator[int]) -> Times:
    """The same three steps by hand, with the same requirements and no project."""
    work = root / f"floor-{next(counter)}"
    work.mkdir()
    (work / "test_floor.py").write_text(FLOOR_TEST, encoding="utf-8")
    env = environment(PIP_DISABLE_PIP_VERSION_CHECK="1")
    python = str(work / ".venv" / "bin" / "python")
    times = {
        "venv": timed([sys.executable, "-m", "venv", ".venv"], work, env).wall,
        "install": timed([python, "-m", "pip", "install", *requirements], work, env, 1800).wall,
        "tests": timed([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], work, env).wall,
    }
    shutil.rmtree(work)
    return {**times, "generate": 0.0, "total": sum(times.values())}


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], runs=3, warmup=1)
    lightest = [arg for key, value in LIGHTEST.items() for arg in ("--set", f"{key}={value}")]
    answers = lightest if args.quick else []
    with scratch("install") as root:
        # One project (not installed) to read its requirements from.
        sample = root / "sample"
        argv = [tool("flaskcutter"), "new", NAME, "--no-input", "--no-git", *answers]
        run_checked([*argv, "-o", str(sample)], root, environment())
        requirements = project_requirements(sample / DEFAULT_SLUG)
        counter = itertools.count()
        cases = {
            "floor": lambda: floor_install(root, requirements, counter),
            "cli": lambda: cli_install(root, answers, counter),
        }
        log(f"install: {len(cases)} cases, {args.warmup} warm-up + {args.runs} rounds")
        samples = alternate(cases, args.runs, args.warmup)

    rows = []
    for step in (*STEPS, "generate", "total"):
        cli = median([times[step] for times in samples["cli"]])
        floor = median([times[step] for times in samples["floor"]])
        rows.append([step, secs(cli), secs(floor), ratio(cli, floor)])
    runs = len(samples["cli"])
    # The CLI switches to uv when it is on PATH; the floor always uses pip.
    installer = "uv" if shutil.which("uv") else "pip"
    which = "lightest project" if args.quick else "default project"
    emit(
        f"install: `flaskcutter new --install` ({which})",
        table(["step", "CLI s", "floor s", "× floor"], rows),
        f"Medians of {runs} runs; the CLI installs with {installer}. Floor: the same venv, "
        "the same requirements "
        f"({len(requirements)}) installed without the project, one trivial test. "
        "`generate` is the CLI's wall time outside the three steps.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main(main))
