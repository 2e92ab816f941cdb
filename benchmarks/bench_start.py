"""Start-up: import the app and call `create_app("production")` in a fresh process.

Two generated projects (the default one, and a single-layout one without a database)
are each compared with a bare Flask app that has the same dependencies set up the
plainest way (see _apps.py). `python -c pass` is shown for scale.

    .venv/bin/python benchmarks/bench_start.py [--runs N] [--quick]
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from _apps import BARE_DB, BARE_FLASK, write_app
from _common import (
    DEFAULT_PACKAGE,
    REPO,
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
    timed,
    timing_table,
)

# What a production process runs first; `-c` puts the working directory on sys.path.
START = "from {module} import create_app; create_app('production')"


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], runs=25, warmup=3)
    with scratch("start") as root:
        home = root / "home"
        home.mkdir()
        default = bake(REPO, root / "default", home)
        single = bake(REPO, root / "single", home, SINGLE_NO_DB)
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
            "default": lambda: start(default, DEFAULT_PACKAGE),
            "bare-flask": lambda: start(bare_flask, "bare_flask"),
            "single": lambda: start(single, DEFAULT_PACKAGE),
        }
        log(f"start: {len(cases)} cases, {args.warmup} warm-up + {args.runs} rounds")
        samples = alternate(cases, args.runs, args.warmup)

    labels = {
        "python": "`python -c pass` (for scale)",
        "bare-db": "floor: bare Flask + SQLAlchemy + Migrate",
        "default": "default project (blueprints, sqlite, migrate)",
        "bare-flask": "floor: bare Flask",
        "single": "single layout, no database",
    }
    floors = {
        "python": "python",
        "bare-db": "bare-db",
        "default": "bare-db",
        "bare-flask": "bare-flask",
        "single": "bare-flask",
    }
    emit(
        'start: import + `create_app("production")`',
        timing_table(samples, floors, labels),
        "Wall time of a fresh `python -c` child; each project against the bare app "
        "above it; target ≤ 1.2×.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main(main))
