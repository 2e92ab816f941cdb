"""The OpenAPI document at /api/openapi.json, and its docs page (Swagger UI).

flask-smorest builds the document from the marshmallow schemas that validate each
request and serialise each response, so the description cannot drift from the code.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Flask, Response, abort, render_template, send_from_directory
from flask_smorest import Api
from marshmallow import Schema, fields

from .config import API_PREFIX
from .errors import PROBLEM_JSON


class ProblemSchema(Schema):
    """An RFC 9457 problem: what every JSON error of the API answers."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Not Found"})
    status = fields.Integer(required=True, metadata={"example": 404})
    detail = fields.String(
        required=True, metadata={"example": "There is no API endpoint at /api/nope."}
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "each invalid field's messages (422 only)"},
    )


class ProblemApi(Api):
    """flask-smorest's Api, with errors documented and answered as problems."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        # errors.py answers every error (HTML pages stay HTML), not flask-smorest.
        pass

    def _register_responses(self) -> None:
        # The error responses flask-smorest documents carry the problem media type.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE


def api_docs_page() -> str:
    return render_template("api/docs.html")


def api_docs_asset(filename: str) -> Response:
    # Only the few files the page loads: the bundle also ships source maps and demos.
    if filename not in {"swagger-ui.css", "swagger-ui-bundle.js"}:
        abort(404)
    return send_from_directory(Path(swagger_ui_bundle.swagger_ui_path), filename)


def init_app(app: Flask) -> ProblemApi:
    """Create the Api that resource blueprints register with; add the docs page."""
    app.config.setdefault("API_TITLE", app.config["APP_NAME"])
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = ProblemApi(app)
    if app.config["API_DOCS"]:
        app.add_url_rule(f"{API_PREFIX}/docs", "api_docs", api_docs_page)
        app.add_url_rule(
            f"{API_PREFIX}/docs/assets/<filename>", "api_docs_asset", api_docs_asset
        )
    return api
