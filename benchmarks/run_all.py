"""Run every benchmark, one after the other, and write their tables into RESULTS.md.

Only the part of RESULTS.md between the two markers below is replaced; the findings
written by hand after it are kept. Each benchmark runs as its own process, as a user
would run it, so that one failing does not stop the others.

    .venv/bin/python benchmarks/run_all.py [--only NAME ...] [--quick] [--output FILE]

`--quick` (CI's smoke mode) prints the tables and writes RESULTS.md only when
`--output` is given, since one unwarmed run measures nothing worth keeping.
"""

from __future__ import annotations

import argparse
import datetime
import os
import signal
import subprocess
import sys
from pathlib import Path

from _common import REPO, log, machine

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("bake", "new", "start", "serve", "headers", "api", "scale", "matrix", "install")
START, END = "<!-- results:start -->", "<!-- results:end -->"
NEW_FILE_TAIL = "\n## Findings\n\n(none recorded yet)\n"


def run_benchmark(name: str, quick: bool) -> tuple[str, bool]:
    """Run one script; return its stdout (the table) or its error, and whether it passed."""
    argv = [sys.executable, str(HERE / f"bench_{name}.py"), *(["--quick"] if quick else [])]
    log(f"== {name}")
    # stderr (progress) goes straight to ours, so a long run shows that it is alive.
    with subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, text=True) as process:
        try:
            stdout, _ = process.communicate()
        except BaseException:
            # SIGTERM, not the SIGKILL that leaving Popen would send: the script then
            # stops its servers and removes its temporary directory itself.
            process.terminate()
            process.wait()
            raise
    if process.returncode != 0:
        return (
            f"### {name}\n\n**failed** (exit {process.returncode}); see the run's stderr.\n",
            False,
        )
    return stdout, True


def results_block(sections: list[str], quick: bool, loads: tuple[float, float]) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = " Quick mode: one unwarmed run each, not a measurement." if quick else ""
    header = f"Measured {now} on {machine()} by `benchmarks/run_all.py`, all in one run.{mode}"
    # Other processes share the cores; the ratios hold up under load, the times do not.
    load = f"Load average (1 min): {loads[0]:.1f} at the start, {loads[1]:.1f} at the end.\n"
    return "\n".join([START, header, load, *sections, END])


def write_results(path: Path, block: str) -> None:
    """Replace the marked block of ``path``, keeping everything around it."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if START in text and END in text:
            before, rest = text.split(START, 1)
            after = rest.split(END, 1)[1]
            path.write_text(before + block + after, encoding="utf-8")
            return
    path.write_text(f"# Benchmark results\n\n{block}\n{NEW_FILE_TAIL}", encoding="utf-8")


def main() -> int:
    # As SystemExit, a SIGTERM reaches run_benchmark's handler, which passes it on.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="one run of each, for CI")
    parser.add_argument("--output", type=Path, help="default: benchmarks/RESULTS.md")
    args = parser.parse_args()

    load_at_start = os.getloadavg()[0]
    outcomes = [run_benchmark(name, args.quick) for name in args.only]
    loads = (load_at_start, os.getloadavg()[0])
    block = results_block([text.rstrip() + "\n" for text, _ in outcomes], args.quick, loads)
    print(block)
    output = args.output or (None if args.quick else HERE / "RESULTS.md")
    if output is not None:
        write_results(output, block)
        log(f"wrote {output}")
    return 0 if all(passed for _, passed in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
