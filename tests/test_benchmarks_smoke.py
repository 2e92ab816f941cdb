"""The benchmarks keep working: each runs once in quick mode and prints its table.

These tests never look at a number. A benchmark is a script that prints a table; what
is checked is that it still runs to the end and that the table has its columns.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import REPO, missing_service, run

# Quick mode times nothing that matters, so the benchmarks spread over the workers.
# `install` and `matrix` build venvs or run the suite itself: minutes, not seconds.
# They run where FLASKCUTTER_SLOW_SMOKE is set, which .ci/run does after the README's
# test command, so they stay checked without slowing the everyday suite.
SLOW = ("install", "matrix")
SLOW_SMOKE = os.environ.get("FLASKCUTTER_SLOW_SMOKE") == "1"

TIMING = ["case", "wall ms", "× floor", "CPU ms", "CPU × floor", "runs"]
# The columns of a table of wrk runs (serve, and scale's one and three instances).
LOAD = ["case", "req/s", "× floor", "p50 ms", "p99 ms", "CPU µs/req", "CPU × floor", "runs"]
COLUMNS = {
    "bake": TIMING,
    "new": TIMING,
    "start": TIMING,
    "serve": LOAD,
    "headers": ["case", "CPU µs/call", "added µs", "× floor", "runs"],
    "scale": LOAD,
    "matrix": ["case", "wall s", "× floor", "CPU s", "CPU × floor", "runs"],
    "install": ["step", "CLI s", "floor s", "× floor"],
}
# The fewest data rows each table has: its floors and the cases held to them.
ROWS = {
    "bake": 4,
    "new": 4,
    "start": 5,
    "serve": 8,
    "headers": 4,
    "scale": 6,
    "matrix": 2,
    "install": 5,
}


def table_rows(stdout: str, columns: list[str]) -> list[list[str]]:
    """The cells of the data rows of the table whose header is ``columns``."""
    lines = stdout.splitlines()
    start = lines.index("| " + " | ".join(columns) + " |")
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def run_quick(script: str, *args: str) -> str:
    result = run([sys.executable, f"benchmarks/{script}", "--quick", *args], REPO, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def assert_table(stdout: str, name: str) -> None:
    """The benchmark's table is there, with its columns, its rows and every cell filled."""
    columns = COLUMNS[name]
    rows = table_rows(stdout, columns)
    assert len(rows) >= ROWS[name]
    assert all(len(row) == len(columns) and all(row) for row in rows), rows


# `new` is not listed: the run_all test below runs it (once) and checks its table.
@pytest.mark.parametrize(
    "name",
    [
        "bake",
        "start",
        # Several servers at once (Nginx, Gunicorn, wrk, Redis): heavy proofs.
        pytest.param("serve", marks=[pytest.mark.nginx, pytest.mark.heavy]),
        "headers",
        pytest.param("scale", marks=[pytest.mark.nginx, pytest.mark.heavy]),
        "matrix",
        pytest.param("install", marks=pytest.mark.heavy),
    ],
)
def test_benchmark_prints_its_table_in_quick_mode(name: str) -> None:
    if name in SLOW and not SLOW_SMOKE:
        pytest.skip(f"{name} takes minutes: .ci/run checks it with FLASKCUTTER_SLOW_SMOKE=1")
    if name in ("serve", "scale"):
        for tool in ("wrk", "nginx", *(["redis-server"] if name == "scale" else [])):
            if not shutil.which(tool):
                missing_service(
                    f"{tool} is not installed (apt-get install -y wrk nginx-light redis-server)"
                )
    assert_table(run_quick(f"bench_{name}.py"), name)


def test_run_all_replaces_only_its_block_of_the_results_file(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text(
        "# Results\n\n<!-- results:start -->\nold\n<!-- results:end -->\n\n## Findings\n\nkept\n",
        encoding="utf-8",
    )
    run_quick("run_all.py", "--only", "new", "--output", str(results))
    text = results.read_text(encoding="utf-8")
    assert "old" not in text
    assert text.startswith("# Results\n") and text.endswith("## Findings\n\nkept\n")
    # bench_new.py's own smoke test: run_all ran it in quick mode for this block.
    assert_table(text, "new")
