"""Views of the ``main`` blueprint: HTML pages and /healthz."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, render_template

bp = Blueprint("main", __name__)

# A health check returns None when its part works, else a short reason; each feature
# that depends on a service registers one at set-up (see orm.py).
HealthCheck = Callable[[], "str | None"]


@bp.get("/")
def index() -> str:
    # Every other blueprint with a page of its own gets a link, added ones included.
    features = [
        name
        for name in current_app.blueprints
        if name != "main" and f"{name}.index" in current_app.view_functions
    ]
    # The welcome page names the module to edit: the package's, or the single module.
    module = index.__module__
    app_module = module.split(".")[0]
    return render_template(
        "index.html", features=features, index_module=module, app_module=app_module
    )


@bp.get("/hello/<name>")
def hello(name: str) -> str:
    # Jinja autoescapes ``name``, so markup in the URL is shown, never run.
    return render_template("hello.html", name=name)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    checks: dict[str, HealthCheck] = current_app.extensions.get("health_checks", {})
    problems = {name: reason for name, check in checks.items() if (reason := check())}
    if problems:
        return {"status": "unavailable", **problems}, 503
    # A part the app works on without (the cache, see cache.py) degrades, not fails.
    warnings: dict[str, HealthCheck] = current_app.extensions.get("health_warnings", {})
    degraded = {name: reason for name, check in warnings.items() if (reason := check())}
    if degraded:
        return {"status": "degraded", **degraded}, 200
    return {"status": "ok"}, 200
