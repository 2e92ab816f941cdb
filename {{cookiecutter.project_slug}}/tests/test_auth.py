"""Accounts: pages, form errors, CSRF, sign-in limits, tokens and note ownership."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.package_name }} import User, create_app, db

from .conftest import make_token

PASSWORD = "a long passphrase"  # noqa: S105 (a test account)


def sign_up(client: FlaskClient, email: str, password: str = PASSWORD) -> object:
    form = {"email": email, "password": password, "confirm": password}
    return client.post("/auth/signup", data=form)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **query: str):
    form = {"email": email, "password": password}
    return client.post("/auth/signin", data=form, query_string=query)


def test_every_page_renders(app: Flask) -> None:
    client = app.test_client()
    for path in ("/auth/signup", "/auth/signin", "/notes/", "/"):
        assert client.get(path).status_code == 200, path
    # The account page needs a signed-in user.
    assert client.get("/auth/account").headers["Location"].startswith("/auth/signin")


def test_sign_up_signs_in_and_folds_the_email(app: Flask) -> None:
    client = app.test_client()
    assert sign_up(client, "  Ada@Example.COM ").status_code == 302
    assert b"ada@example.com" in client.get("/auth/account").data
    with app.app_context():
        user = db.session.scalars(db.select(User)).one()
        assert user.email == "ada@example.com"
        # Werkzeug's scrypt, never the password itself.
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash
    # The same address in another case is the same account.
    assert b"exists" in sign_up(app.test_client(), "ADA@example.com").data


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"email": "not-an-address"}, b"Invalid email address"),
        ({"password": "short", "confirm": "short"}, b"between 12 and"),
        ({"password": "password1234", "confirm": "password1234"}, b"too common"),
        ({"confirm": "something else!"}, b"The passwords differ"),
    ],
)
def test_sign_up_form_shows_field_errors(
    app: Flask, form: dict, message: bytes
) -> None:
    data = {"email": "ada@example.com", "password": PASSWORD, "confirm": PASSWORD}
    response = app.test_client().post("/auth/signup", data={**data, **form})
    assert response.status_code == 200
    assert message in response.data
    with app.app_context():
        assert db.session.scalars(db.select(User)).all() == []


def test_wrong_password_is_refused_and_sign_out_is_post_only(app: Flask) -> None:
    sign_up(app.test_client(), "ada@example.com")
    client = app.test_client()
    response = sign_in(client, "ada@example.com", "the wrong passphrase")
    assert response.status_code == 200
    assert b"Wrong e-mail or password" in response.data
    assert b"Wrong e-mail or password" in sign_in(client, "nobody@example.com").data
    assert sign_in(client, "ada@example.com").status_code == 302
    assert client.get("/auth/account").status_code == 200
    assert client.get("/auth/signout").status_code == 405
    assert client.post("/auth/signout").status_code == 302
    assert client.get("/auth/account").status_code == 302


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/notes/", "/notes/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/\t/evil.example/", "/"),
    ],
)
def test_next_goes_only_to_a_path_on_this_site(
    app: Flask, target: str, landing: str
) -> None:
    sign_up(app.test_client(), "ada@example.com")
    response = sign_in(app.test_client(), "ada@example.com", next=target)
    assert response.headers["Location"] == landing


def test_session_is_renewed_at_sign_in(app: Flask) -> None:
    sign_up(app.test_client(), "ada@example.com")
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, "ada@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


def test_cookies_are_httponly_lax_and_secure_in_production(app: Flask) -> None:
    client = app.test_client()
    sign_up(client, "ada@example.com")
    response = sign_in(client, "ada@example.com", remember="y")
    response = client.post(
        "/auth/signin",
        data={"email": "ada@example.com", "password": PASSWORD, "remember": "y"},
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
    assert any(c.startswith("remember_token=") for c in cookies)
    settings = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "TRUSTED_HOSTS": None}
    prod = create_app("testing", {**settings, "SESSION_COOKIE_SECURE": True})
    assert prod.config["REMEMBER_COOKIE_SECURE"] is True


def test_a_post_without_csrf_token_is_refused_when_csrf_is_on() -> None:
    app = create_app("testing", {"WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    data = {"email": "ada@example.com", "password": PASSWORD, "confirm": PASSWORD}
    assert client.post("/auth/signup", data=data).status_code == 400
    assert client.post("/auth/signout").status_code == 400
    # With the token from the page, the same form goes through.
    page = client.get("/auth/signup").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    data["csrf_token"] = token.group(1)
    assert client.post("/auth/signup", data=data).status_code == 302
    # The API is token-authenticated: no CSRF token there.
    assert client.post("/api/notes", json={"title": "x"}).status_code == 401


def test_csrf_is_on_in_every_config_but_testing() -> None:
    assert create_app("development").config["WTF_CSRF_ENABLED"] is True
    assert create_app("testing").config["WTF_CSRF_ENABLED"] is False


def test_the_eleventh_rapid_sign_in_is_429_per_account(app: Flask) -> None:
    sign_up(app.test_client(), "ada@example.com")
    for n in range(10):
        # Each attempt from another address: only the account's limit applies.
        env = {"REMOTE_ADDR": f"10.0.0.{n}"}
        client = app.test_client()
        client.environ_base.update(env)
        assert (
            sign_in(client, "ada@example.com", "wrong passphrase!").status_code == 200
        )
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    assert sign_in(client, "Ada@example.com").status_code == 429


def test_the_eleventh_rapid_sign_in_is_429_per_address(app: Flask) -> None:
    client = app.test_client()
    for n in range(10):
        assert sign_in(client, f"user{n}@example.com").status_code == 200
    assert sign_in(client, "someone@example.com").status_code == 429


def test_the_notes_page_shows_a_form_and_only_the_users_notes(app: Flask) -> None:
    anonymous = app.test_client()
    assert b"Sign in</a> to see" in anonymous.get("/notes/").data
    ada, bob = app.test_client(), app.test_client()
    sign_up(ada, "ada@example.com")
    sign_up(bob, "bob@example.com")
    page = ada.get("/notes/").data
    assert b'name="csrf_token"' in page and b'name="title"' in page
    response = ada.post("/auth/notes", data={"title": "<b>Ada's</b>", "body": "x"})
    assert response.headers["Location"] == "/notes/"
    assert b"&lt;b&gt;Ada&#39;s&lt;/b&gt;" in ada.get("/notes/").data
    assert b"Ada" not in bob.get("/notes/").data
    assert b"Ada" not in anonymous.get("/notes/").data
    # An empty title is a field error, not a note.
    response = ada.post("/auth/notes", data={"title": ""})
    assert response.status_code == 422 and b"This field is required" in response.data


def test_the_api_needs_a_valid_token(app: Flask) -> None:
    client = app.test_client()
    token = make_token(app)
    note = client.post("/api/notes", json={"title": "x"}, headers=auth(token))
    url = f"/api/notes/{note.get_json()['id']}"
    calls = [("get", "/api/notes"), ("post", "/api/notes"), ("get", url)]
    calls += [("put", url), ("patch", url), ("delete", url)]
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
        for method, path in calls:
            response = getattr(client, method)(
                path, headers=headers, json={"title": "y"}
            )
            assert response.status_code == 401, (method, path, headers)
            assert response.mimetype == "application/problem+json"
    assert client.get(url, headers=auth(token)).get_json()["title"] == "x"
    assert client.get("/api/notes", headers=auth(token)).status_code == 200


def test_openapi_document_declares_the_bearer_token_and_its_401(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").get_json()
    [(scheme_name, scheme)] = spec["components"]["securitySchemes"].items()
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # the path's, not an operation
                continue
            needs_token = path.startswith("/api/notes")
            assert ("security" in operation) == needs_token, (method, path)
            if needs_token:
                assert operation["security"] == [{scheme_name: []}]
                assert "401" in operation["responses"], (method, path)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_revoked_token_is_refused(app: Flask) -> None:
    token = make_token(app)
    client = app.test_client()
    assert client.get("/api/notes", headers=auth(token)).status_code == 200
    result = app.test_cli_runner().invoke(args=["revoke-token", "1"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/notes", headers=auth(token)).status_code == 401
    with app.app_context():
        # Only a digest was stored, never the token.
        assert token not in str(
            db.session.execute(db.text("SELECT * FROM api_token")).all()
        )


def test_another_users_note_is_404(app: Flask) -> None:
    ada, bob = make_token(app, "ada@example.com"), make_token(app, "bob@example.com")
    client = app.test_client()
    note = client.post(
        "/api/notes", json={"title": "mine"}, headers=auth(ada)
    ).get_json()
    url = f"/api/notes/{note['id']}"
    assert client.get(url, headers=auth(ada)).status_code == 200
    for method in ("get", "put", "patch", "delete"):
        response = getattr(client, method)(
            url, json={"title": "theirs"}, headers=auth(bob)
        )
        assert response.status_code == 404, method
        assert response.get_json()["detail"] == f"note {note['id']} not found"
    assert client.get("/api/notes", headers=auth(bob)).get_json()["notes"] == []
    assert client.delete(url, headers=auth(ada)).status_code == 204


def test_create_user_reads_the_password_from_stdin_and_checks_it(app: Flask) -> None:
    runner = app.test_cli_runner()
    args = ["create-user", "Ada@Example.com", "--password-stdin"]
    assert runner.invoke(args=args, input="short\n").exit_code == 1
    result = runner.invoke(args=args, input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "ada@example.com" in result.output
    assert runner.invoke(args=args, input=f"{PASSWORD}\n").exit_code == 1
    # Prompted twice, without echo, when not from stdin.
    result = runner.invoke(
        args=["create-user", "bob@example.com"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0 and PASSWORD not in result.output
    assert sign_in(app.test_client(), "bob@example.com").status_code == 302
    assert runner.invoke(args=["create-token", "nobody@example.com"]).exit_code == 1
    assert runner.invoke(args=["revoke-token", "99"]).exit_code == 1
