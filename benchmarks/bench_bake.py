"""Bake with plain cookiecutter: this template against a one-file template.

Each case is the `cookiecutter --no-input` command a user types, in a fresh subprocess,
with HOME in a temporary directory; the floor is the same command on a template that
the script writes with a single file, which is what cookiecutter itself costs.

    .venv/bin/python benchmarks/bench_bake.py [--runs N] [--quick] [--template DIR ...]
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Mapping
from pathlib import Path

from _common import (
    HEAVIEST,
    LIGHTEST,
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

CASES: dict[str, Mapping[str, str]] = {
    "default": {},
    "lightest": LIGHTEST,
    "heaviest": HEAVIEST,
}


def answers_text(answers: Mapping[str, str]) -> str:
    return " ".join(f"{key}={value}" for key, value in answers.items())


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], runs=7, warmup=2, templates=True)
    with scratch("bake") as root:
        home = root / "home"
        home.mkdir()
        floor_template = write_floor_template(root)
        counter = itertools.count()

        def bake_case(template: Path, answers: Mapping[str, str]) -> Timing:
            output = root / f"out-{next(counter)}"
            argv = [tool("cookiecutter"), "--no-input", str(template), "-o", str(output)]
            argv += [f"{key}={value}" for key, value in answers.items()]
            timing = timed(argv, root, environment(home))
            shutil.rmtree(output)  # outside the timed part
            return timing

        cases = {"floor": lambda: bake_case(floor_template, {})}
        for template in args.templates:
            for name, answers in CASES.items():
                key = tagged(name, template, args.templates)
                cases[key] = lambda t=template, a=answers: bake_case(t, a)
        log(f"bake: {len(cases)} cases, {args.warmup} warm-up + {args.runs} rounds")
        samples = alternate(cases, args.runs, args.warmup)

    emit(
        "bake: `cookiecutter --no-input`",
        timing_table(samples, dict.fromkeys(samples, "floor"), {"floor": "floor (one file)"}),
        "The whole command in a fresh process, its hooks included; target ≤ 1.4× floor. "
        f"lightest: `{answers_text(LIGHTEST)}`; heaviest: `{answers_text(HEAVIEST)}`.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main(main))
