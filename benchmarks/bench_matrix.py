"""The template's own test suite: wall time of the command CI runs.

`python -m pytest -n auto --dist loadgroup` in the repository, against the same command
on a one-test file (what pytest and xdist cost before any test). The benchmark smoke
test is left out: it would time the benchmarks inside the suite being timed. `--quick`
runs only tests/test_hooks.py.

    .venv/bin/python benchmarks/bench_matrix.py [--runs N] [--quick]
"""

from __future__ import annotations

import subprocess
import sys

from _common import (
    REPO,
    Timing,
    alternate,
    emit,
    environment,
    log,
    parse_args,
    run_main,
    scratch,
    timed,
    timed_run,
    timing_table,
)

PYTEST = [sys.executable, "-m", "pytest", "-q", "-n", "auto", "--dist", "loadgroup"]
SMOKE = "tests/test_benchmarks_smoke.py"
FLOOR_TEST = "def test_nothing():\n    pass\n"


def run_suite(argv: list[str], env: dict[str, str], outcomes: list[str]) -> Timing:
    """Time one run of the suite and keep pytest's closing line.

    Failing tests (exit 1) do not stop the measurement: a suite being worked on still
    has a wall time. Any other exit (usage error, nothing collected) does.
    """
    timing, result = timed_run(argv, REPO, env, timeout=1800, ok=(0, 1))
    outcomes.append(result.stdout.strip().splitlines()[-1].strip("= "))
    return timing


def main() -> int:
    # The suite takes minutes; its own first collection is warm-up enough.
    args = parse_args(__doc__.splitlines()[0], runs=3, warmup=0)
    suite = ["tests/test_hooks.py"] if args.quick else [f"--ignore={SMOKE}"]
    # The developer's HOME on purpose: the suite builds a wheel with pip's cache.
    env = environment()
    outcomes: list[str] = []
    with scratch("matrix") as root:
        (root / "test_floor.py").write_text(FLOOR_TEST, encoding="utf-8")
        floor_argv = [*PYTEST, "-p", "no:cacheprovider", f"--rootdir={root}", "test_floor.py"]
        cases = {
            "floor": lambda: timed(floor_argv, root, env),
            "suite": lambda: run_suite([*PYTEST, *suite], env, outcomes),
        }
        log(f"matrix: {len(cases)} cases, {args.warmup} warm-up + {args.runs} rounds")
        samples = alternate(cases, args.runs, args.warmup)

    command = " ".join(["pytest -n auto --dist loadgroup", *suite])
    labels = {"floor": "floor: one trivial test", "suite": f"`{command}`"}
    emit(
        "matrix: the template's test suite",
        timing_table(samples, dict.fromkeys(samples, "floor"), labels, unit="s"),
        f"pytest {pytest_version()}; outcome of each run: {'; '.join(outcomes)}. "
        "The style guide's budget is two minutes on two cores.",
    )
    return 0


def pytest_version() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--version"], capture_output=True, text=True
    )
    return (result.stdout or result.stderr).split()[-1]


if __name__ == "__main__":
    raise SystemExit(run_main(main))
