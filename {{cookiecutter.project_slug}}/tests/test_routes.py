"""Every route of the main and api blueprints, and their error pages."""

from __future__ import annotations

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from {{ cookiecutter.package_name }} import create_app


def test_index_renders_html_page_with_stylesheet(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b"<h1>" in response.data
    assert b"/static/style.css" in response.data


def test_stylesheet_is_served(client: FlaskClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"


def test_hello_greets_by_name(client: FlaskClient) -> None:
    response = client.get("/hello/Ada")
    assert response.status_code == 200
    assert b"Hello, Ada!" in response.data


def test_hello_escapes_markup_in_name(client: FlaskClient) -> None:
    response = client.get("/hello/<img src=x onerror=alert(1)>")
    assert response.status_code == 200
    assert b"<img src=x" not in response.data
    assert b"&lt;img src=x onerror=alert(1)&gt;" in response.data


def test_healthz_reports_ok_as_json(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_api_ping_is_served_by_async_view(client: FlaskClient) -> None:
    response = client.get("/api/ping")
    assert response.status_code == 200
    assert response.get_json() == {"ping": "pong"}


def test_api_hello_returns_json(client: FlaskClient) -> None:
    response = client.get("/api/hello/Ada")
    assert response.get_json() == {"message": "Hello, Ada!"}


def test_unknown_page_gets_html_404(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Page not found" in response.data


def test_unknown_api_path_gets_json_404(client: FlaskClient) -> None:
    for path in ("/api/no-such-thing", "/api"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"] == f"There is no API endpoint at {path}."


def test_wrong_method_on_api_gets_problem_405_with_allow(client: FlaskClient) -> None:
    response = client.put("/api/ping")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Method Not Allowed"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}


def test_openapi_document_describes_the_api(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/ping", "/api/hello/{name}"} <= set(spec["paths"])
    problem = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(problem) == ["application/problem+json"]


def test_docs_page_is_served_locally_in_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASK_CONFIG", "development")
    client = create_app().test_client()
    page = client.get("/api/docs")
    assert page.status_code == 200
    # Swagger UI comes from the app itself, never from a CDN.
    assert b"https://" not in page.data
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/api/docs/assets/{asset}").status_code == 200
    assert client.get("/api/docs/assets/index.html").status_code == 404
    assert client.get("/static/api-docs.js").status_code == 200


def test_docs_page_is_off_in_testing_unless_a_setting_turns_it_on() -> None:
    client = create_app("testing").test_client()
    assert client.get("/api/docs").status_code == 404
    assert client.get("/api/openapi.json").status_code == 200
    docs = create_app("testing", {"API_DOCS": True}).test_client().get("/api/docs")
    assert docs.status_code == 200


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for path in ("/", "/api/ping", "/no-such-page"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_test_config_overrides_settings() -> None:
    app = create_app("testing", {"MAX_CONTENT_LENGTH": 10, "APP_NAME": "Other"})
    assert app.config["MAX_CONTENT_LENGTH"] == 10
    assert b"Other" in app.test_client().get("/").data


def test_a_header_the_view_sets_itself_is_kept(app: Flask) -> None:
    @app.get("/framed")
    def framed() -> tuple[str, int, dict[str, str]]:
        return "ok", 200, {"X-Frame-Options": "SAMEORIGIN"}

    headers = app.test_client().get("/framed").headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_body_over_max_content_length_is_rejected(app: Flask) -> None:
    @app.post("/upload")
    def upload() -> str:
        return str(len(request.get_data()))

    limit = app.config["MAX_CONTENT_LENGTH"]
    client = app.test_client()
    assert client.post("/upload", data=b"x" * limit).data == str(limit).encode()
    assert client.post("/upload", data=b"x" * (limit + 1)).status_code == 413


def test_unhandled_error_shows_page_without_traceback(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data


def test_routes_have_the_same_endpoints_in_every_layout(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    expected = {"main.index", "main.hello", "main.healthz", "api.ping", "api.hello"}
    assert expected <= endpoints


def test_the_welcome_page_says_what_to_edit_and_links_flask_docs(
    client: FlaskClient,
) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "<code>index()</code>" in page
    assert ".py</code>" in page and "templates/index.html" in page
    assert "run --debug" in page
    assert "https://flask.palletsprojects.com/" in page
    # No CDN: every stylesheet and script is served by the app itself.
    assert "//cdn" not in page and 'src="http' not in page
