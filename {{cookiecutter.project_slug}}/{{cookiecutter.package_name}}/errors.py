"""Error handlers: JSON under the API prefix and for /healthz, HTML pages elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from .config import API_PREFIX


def error_response(
    status: int, message: str, **extra: Any
) -> tuple[dict[str, Any], int]:
    """The one shape of every JSON error: its name, a message and the status."""
    name = HTTP_STATUS_CODES.get(status, "Error")
    return {"error": name, "message": message, "status": status, **extra}, status


def handle_http_error(error: HTTPException) -> tuple[Any, int]:
    # Only the status, name and a generic description are shown: never a traceback.
    code = error.code or 500
    path = request.path
    if path == "/healthz" or path == API_PREFIX or path.startswith(f"{API_PREFIX}/"):
        return error_response(code, error.description or error.name)
    if request_ctx.url_adapter is None:
        # An untrusted Host stops Flask before routing, so no page can build its links.
        return f"{code} {error.name}", code
    templates = [f"errors/{code}.html", "errors/error.html"]
    return render_template(templates, error=error), code


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
