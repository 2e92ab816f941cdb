"""Error handlers: Problem Details (RFC 9457) under the API prefix, HTML pages elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from .config import API_PREFIX

PROBLEM_JSON = "application/problem+json"


def is_json_path(path: str) -> bool:
    """Whether errors on ``path`` are JSON: the API and /healthz are read by programs."""
    return path == "/healthz" or path == API_PREFIX or path.startswith(f"{API_PREFIX}/")


def error_response(status: int, message: str, **extra: Any) -> Response:
    """The one shape of every JSON error: an RFC 9457 problem, with ``extra`` members."""
    body = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": message,
        **extra,
    }
    return current_app.response_class(
        current_app.json.dumps(body), status=status, mimetype=PROBLEM_JSON
    )


def field_errors(error: HTTPException) -> dict[str, Any]:
    """Each invalid field's messages, from the request parser's 4xx (webargs)."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    errors: dict[str, Any] = {}
    for location, found in messages.items():
        # {"json": {"title": [...]}} names fields; {"json": [...]} is the body as a whole.
        errors.update(found if isinstance(found, dict) else {location: found})
    return errors


def handle_http_error(error: HTTPException) -> Response:
    # Only the status, name and a generic description are shown: never a traceback.
    code = error.code or 500
    if is_json_path(request.path):
        extra = {"errors": errors} if (errors := field_errors(error)) else {}
        detail = "Some fields are invalid; see errors." if errors else error.description
        if type(error) is NotFound and detail == NotFound.description:
            # Werkzeug's stock text speaks to someone typing URLs, not to a client.
            detail = f"There is no API endpoint at {request.path}."
        response = error_response(code, detail or error.name, **extra)
    elif request_ctx.url_adapter is None:
        # An untrusted Host stops Flask before routing, so no page can build its links.
        response = current_app.make_response((f"{code} {error.name}", code))
    else:
        templates = [f"errors/{code}.html", "errors/error.html"]
        response = current_app.make_response(
            (render_template(templates, error=error), code)
        )
    # Allow on 405, Retry-After on 503 and the like belong to the answer too.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
