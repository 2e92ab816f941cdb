"""`flaskcutter new` and `flaskcutter --help` against the floors they are held to.

`new` is compared with plain cookiecutter baking a one-file template (the engine's own
cost); `--help` with `python -c pass` (the interpreter's own start-up).

    .venv/bin/python benchmarks/bench_new.py [--runs N] [--quick] [--template DIR ...]
"""

from __future__ import annotations

import itertools
import shutil
import sys
from pathlib import Path

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
    tagged,
    timed,
    timing_table,
    tool,
    write_floor_template,
)

NAME = "My Flask App"


def cli_command(template: Path, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The installed command for this checkout; a copy's own code for another template."""
    if template == REPO:
        return [tool("flaskcutter")], env
    # A checkout's CLI finds the template two levels above its package.
    return [sys.executable, "-m", "flaskcutter"], {**env, "PYTHONPATH": str(template / "cli")}


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], runs=9, warmup=2, templates=True)
    with scratch("new") as root:
        home = root / "home"
        home.mkdir()
        env = environment(home)
        floor_template = write_floor_template(root)
        counter = itertools.count()
        cookiecutter = tool("cookiecutter")

        def into_fresh_dir(argv: list[str], run_env: dict[str, str]) -> Timing:
            output = root / f"out-{next(counter)}"
            output.mkdir()
            timing = timed([*argv, "-o", str(output)], root, run_env)
            shutil.rmtree(output)  # outside the timed part
            return timing

        floor = [cookiecutter, "--no-input", str(floor_template)]
        cases = {
            "floor": lambda: into_fresh_dir(floor, env),
            "python": lambda: timed([sys.executable, "-c", "pass"], root, env),
            # What any click program pays before its first line runs.
            "click": lambda: timed([sys.executable, "-c", "import click"], root, env),
        }
        for template in args.templates:
            argv, run_env = cli_command(template, env)
            new = [*argv, "new", NAME, "--no-input", "--no-git"]
            key = tagged("new", template, args.templates)
            cases[key] = lambda a=new, e=run_env: into_fresh_dir(a, e)
            key = tagged("help", template, args.templates)
            cases[key] = lambda a=argv, e=run_env: timed([*a, "--help"], root, e)
        log(f"new: {len(cases)} cases, {args.warmup} warm-up + {args.runs} rounds")
        samples = alternate(cases, args.runs, args.warmup)

    labels = {
        "floor": "floor: `cookiecutter --no-input` (one file)",
        "python": "floor: `python -c pass`",
        "click": '`python -c "import click"` (for scale)',
    }
    floors = {name: "floor" if name.startswith("new") else "python" for name in samples}
    floors["floor"] = "floor"
    emit(
        "new: `flaskcutter new` and `--help`",
        timing_table(samples, floors, labels),
        f'`new` is `flaskcutter new "{NAME}" --no-input --no-git` (default answers), held '
        "to ≤ 1.0× the cookiecutter floor; `help` is `flaskcutter --help`, against the bare "
        "interpreter.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main(main))
