"""Start-up: import the app and call `create_app("production")` in a fresh process.

Two generated projects (the default one, and a single-layout one without a database)
are each compared with a bare Flask app that has the same dependencies set up the
plainest way (see _apps.py). `python -c pass` is shown for scale.

    .venv/bin/python benchmarks/bench_start.py [--runs N] [--quick] [--template DIR ...]
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from _apps import BARE_DB, BARE_FLASK, write_app
from _common import (
    DEFAULT_PACKAGE,
    SINGLE_NO_DB,
    Timing,
    alternate,
    bake,
    emit,
    environment,
    log,
    parse_args,
    run_main,
    scratch,
    tagged,
    timed,
    timing_table,
)

# What a production process runs first; `-c` puts the working directory on sys.path.
START = "from {module} import create_app; create_app('production')"


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], runs=25, warmup=3, templates=True)
    with scratch("start") as root:
        home = root / "home"
        home.mkdir()
        bare_db = write_app(root / "bare-db", "bare_db", BARE_DB)
        bare_flask = write_app(root / "bare-flask", "bare_flask", BARE_FLASK)
        env = environment(
            home,
            SECRET_KEY=secrets.token_hex(32),
            TRUSTED_HOSTS="127.0.0.1,localhost,example.com",
            # Four slashes: an absolute path, outside Flask-SQLAlchemy's instance folder.
            DATABASE_URL=f"sqlite:///{root / 'x.sqlite'}",
        )

        def start(cwd: Path, module: str) -> Timing:
            return timed([sys.executable, "-c", START.format(module=module)], cwd, env)

        cases = {
            "python": lambda: timed([sys.executable, "-c", "pass"], root, env),
            "bare-db": lambda: start(bare_db, "bare_db"),
            "bare-flask": lambda: start(bare_flask, "bare_flask"),
        }
        floors = {"python": "python", "bare-db": "bare-db", "bare-flask": "bare-flask"}
        for index, template in enumerate(args.templates):
            for name, answers, floor in (
                ("default", {}, "bare-db"),
                ("single", SINGLE_NO_DB, "bare-flask"),
            ):
                project = bake(template, root / f"{name}-{index}", home, answers)
                key = tagged(name, template, args.templates)
                cases[key] = lambda p=project: start(p, DEFAULT_PACKAGE)
                floors[key] = floor
        log(f"start: {len(cases)} cases, {args.warmup} warm-up + {args.runs} rounds")
        samples = alternate(cases, args.runs, args.warmup)

    labels = {
        "python": "`python -c pass` (for scale)",
        "bare-db": "floor: bare Flask + SQLAlchemy + Migrate (eager)",
        "default": "default project (blueprints, sqlite, migrate)",
        "bare-flask": "floor: bare Flask",
        "single": "single layout, no database",
    }
    emit(
        'start: import + `create_app("production")`',
        timing_table(samples, floors, labels),
        "A fresh `python -c` child, as a Gunicorn worker starts; each project against "
        "its bare app; target ≤ 1.0× (the default project sets Flask-Migrate up only "
        "for Flask's CLI, the bare app imports it eagerly).",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main(main))
