"""Accounts' set-up: sessions, CSRF, rate limits, API tokens and note ownership."""

from __future__ import annotations

import os
import secrets
import sys
from typing import Any, cast

import click
from apispec import APISpec, BasePlugin
from flask import Flask, abort, current_app, g, request
from flask.blueprints import BlueprintSetupState
from flask.cli import with_appcontext
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Select, false

from ..config import API_PREFIX
from ..notes.api import bp as notes_api_bp
from ..notes.models import Note
from ..orm import db
from .forms import COMMON_PASSWORDS, PASSWORD_MIN_LENGTH, NoteForm
from .models import (
    ApiToken,
    NoteOwner,
    User,
    find_user,
    fold_email,
    token_digest,
    user_for_token,
)
from .views import bp as auth_bp
from .views import limiter

login_manager = LoginManager()
login_manager.login_view = "auth.signin"
# Flask-Login checks the client's address and agent and drops a session that moves.
login_manager.session_protection = "strong"
csrf = CSRFProtect()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


class NoteOwners:
    """What the notes feature asks when accounts exist (app.extensions["note_owners"])."""

    def authenticate_api(self) -> None:
        """401 unless the request carries a valid `Authorization: Bearer` token."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            abort(401, description="Send a token: Authorization: Bearer <token>.")
        g.api_user = user

    def user(self) -> User | None:
        if "api_user" in g:
            api_user: User = g.api_user
            return api_user
        signed_in: User | None = current_user if current_user.is_authenticated else None
        return signed_in

    def visible(self, query: Select[Any]) -> Select[Any]:
        user = self.user()
        if user is None:
            return query.where(false())
        return query.join(NoteOwner, NoteOwner.note_id == Note.id).where(
            NoteOwner.user_id == user.id
        )

    def owns(self, note: Note) -> bool:
        user = self.user()
        owner = db.session.get(NoteOwner, note.id)
        return user is not None and owner is not None and owner.user_id == user.id

    def claim(self, note: Note) -> None:
        user = self.user()
        if user is not None:
            db.session.add(NoteOwner(note=note, user_id=user.id))

    def page_context(self) -> dict[str, Any]:
        """What the notes page shows beside the notes: the form to add one."""
        return {"note_form": NoteForm()}


class TokenDocs(BasePlugin):
    """Documents that a blueprint's API calls need `Authorization: Bearer <token>`.

    Each of its operations gets the security requirement and the 401 problem it answers
    without a valid token. Added before the blueprint registers: its documentation is
    made then.
    """

    SCHEME = "bearerToken"

    def __init__(self, blueprint: str) -> None:
        self.blueprint = blueprint

    def init_spec(self, spec: APISpec) -> None:
        description = "A personal access token, from `flask create-token`."
        scheme = {"type": "http", "scheme": "bearer", "description": description}
        spec.components.security_scheme(self.SCHEME, scheme)

    def operation_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        for operation in (operations or {}).values():
            if self.blueprint in operation.get("tags", ()):
                operation["security"] = [{self.SCHEME: []}]
                # A name refers to flask-smorest's problem response for that status.
                operation.setdefault("responses", {})[401] = "UNAUTHORIZED"


def document_token(app: Flask, blueprint: str) -> None:
    # flask-smorest files each blueprint under its Api as it starts to register it.
    spec = app.extensions["flask-smorest"]["blp_name_to_api"][blueprint].spec
    plugin = TokenDocs(blueprint)
    plugin.init_spec(spec)
    spec.plugins.append(plugin)


def csrf_for_pages() -> None:
    # The JSON API authenticates with tokens, not cookies, so CSRF cannot reach it.
    if current_app.config["WTF_CSRF_ENABLED"] and not request.path.startswith(
        f"{API_PREFIX}/"
    ):
        csrf.protect()


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@with_appcontext
def create_user_command(email: str, password_stdin: bool) -> None:
    """Create an account (the password is read without echo)."""
    if find_user(email) is not None:
        raise click.ClickException(f"an account for {fold_email(email)} exists")
    password = read_password(password_stdin)
    if len(password) < PASSWORD_MIN_LENGTH:
        raise click.ClickException(
            f"the password must be at least {PASSWORD_MIN_LENGTH} characters"
        )
    if password.casefold() in COMMON_PASSWORDS:
        raise click.ClickException("the password is too common")
    user = User(email=fold_email(email))
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created user {user.id} ({user.email}).")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="", help="What the token is for.")
@with_appcontext
def create_token_command(email: str, name: str) -> None:
    """Create an API token for a user and print it (it is shown only this once)."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account for {fold_email(email)}")
    token = secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, name=name[:100], digest=token_digest(token))
    db.session.add(record)
    db.session.commit()
    click.echo(f"Token {record.id} for {user.email} (store it now; it is not kept):")
    click.echo(token)


@click.command("revoke-token")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token_command(token_id: int) -> None:
    """Revoke (delete) the API token with this id."""
    record = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if record is None:
        raise click.ClickException(f"no token {token_id}")
    db.session.delete(record)
    db.session.commit()
    click.echo(f"Revoked token {token_id}.")


# Accounts own notes, so they are set up when the notes API registers: after the
# database, and before the API's document is made, which then asks for a token.
# Importing this module is what switches them on, so create_app needs no line of
# its own for them.
@notes_api_bp.record_once
def set_up_accounts(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    document_token(app, notes_api_bp.name)
    # CSRF everywhere but under testing, where tests post forms without tokens; a
    # test turns it on to show the refusal.
    app.config.setdefault("WTF_CSRF_ENABLED", not app.testing)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # In memory, per process, by default; redis://... shares counts between workers.
    storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    secure = app.config.get("SESSION_COOKIE_SECURE", False)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", secure)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    app.before_request(csrf_for_pages)
    app.register_blueprint(auth_bp)
    app.extensions["note_owners"] = NoteOwners()
    for command in (create_user_command, create_token_command, revoke_token_command):
        app.cli.add_command(command)
