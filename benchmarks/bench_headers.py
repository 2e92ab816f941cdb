"""Security headers: what the generated project's middleware adds to one response.

The default project is baked and its `SecurityHeaders` middleware wraps a WSGI app that
answers with the headers Flask sends for `/healthz`; the same app unwrapped is the
floor, so the difference is the headers' own cost. For scale: updating a dict with the
four headers, and the four `Headers.setdefault` calls of an `after_request` hook that
earlier versions used. In-process, CPU time per call over batches.

    .venv/bin/python benchmarks/bench_headers.py [--runs N] [--quick]
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from typing import Any

from _common import (
    DEFAULT_PACKAGE,
    REPO,
    alternate,
    bake,
    emit,
    log,
    median,
    parse_args,
    ratio,
    run_main,
    scratch,
    table,
)

BATCH = 20_000
# What Flask's response for `/healthz` hands the server before the middleware adds to it.
FLASK_HEADERS = [("Content-Type", "application/json"), ("Content-Length", "16")]
BODY = [b'{"status": "ok"}']


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", list(FLASK_HEADERS))
    return BODY


def ignore(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> None:
    return None


def per_call(call: Callable[[], object], batch: int) -> float:
    """CPU seconds per call, over one batch."""
    started = time.process_time()
    for _ in range(batch):
        call()
    return (time.process_time() - started) / batch


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], runs=15, warmup=2)
    batch = 1_000 if args.quick else BATCH
    with scratch("headers") as root:
        home = root / "home"
        home.mkdir()
        project = bake(REPO, root / "out", home)
        sys.path.insert(0, str(project))
        security = importlib.import_module(f"{DEFAULT_PACKAGE}.security")
        from werkzeug.datastructures import Headers

        wrapped = security.SecurityHeaders(bare_app)
        headers = security.SECURITY_HEADERS
        environ: dict[str, Any] = {}

        def setdefaults() -> None:
            response_headers = Headers(FLASK_HEADERS)
            for name, value in headers.items():
                response_headers.setdefault(name, value)

        calls: dict[str, Callable[[], object]] = {
            "bare": lambda: bare_app(environ, ignore),
            "middleware": lambda: wrapped(environ, ignore),
            "dict": lambda: dict(FLASK_HEADERS).update(headers),
            "setdefault": setdefaults,
        }
        cases = {name: lambda c=call: per_call(c, batch) for name, call in calls.items()}
        log(f"headers: {len(cases)} cases × {batch} calls, {args.warmup} warm-up + {args.runs}")
        samples = alternate(cases, args.runs, args.warmup)

    us = {name: median(values) * 1e6 for name, values in samples.items()}
    added = us["middleware"] - us["bare"]
    runs = str(args.runs)
    rows = [
        ["floor: WSGI app, no headers added", f"{us['bare']:.2f}", "0.00", "1.00×", runs],
        [
            "with the project's `SecurityHeaders`",
            f"{us['middleware']:.2f}",
            f"{added:.2f}",
            ratio(us["middleware"], us["bare"]),
            runs,
        ],
        ["for scale: a dict of the headers, updated", f"{us['dict']:.2f}", "-", "-", runs],
        ["for scale: 4 `Headers.setdefault` (old hook)", f"{us['setdefault']:.2f}", "-", "-", runs],
    ]
    emit(
        "headers: the security headers' cost per response",
        table(["case", "CPU µs/call", "added µs", "× floor", "runs"], rows),
        f"In-process CPU time, medians of batches of {batch} calls; target: added ≤ 5 µs.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main(main))
