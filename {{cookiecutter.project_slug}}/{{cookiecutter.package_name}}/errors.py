"""Error handlers: JSON under /api and for /healthz, HTML pages everywhere else."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

JSON_PATHS = ("/api/", "/healthz")


def handle_http_error(error: HTTPException) -> tuple[object, int]:
    # Only the status, name and a generic description are shown: never a traceback.
    code = error.code or 500
    if request.path.startswith(JSON_PATHS):
        body = {"error": error.name, "message": error.description, "status": code}
        return body, code
    templates = [f"errors/{code}.html", "errors/error.html"]
    return render_template(templates, error=error), code


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
