"""{{ cookiecutter.package_name }}: a Flask app in one module.

The sections below appear in the order of the blueprints layout, each headed by the
module it would become. To grow the project, cut the file along those headings.
"""

from __future__ import annotations

import asyncio
import os
import secrets
{%- if cookiecutter.use_sqlalchemy %}
from datetime import UTC, datetime
from typing import Any
{%- endif %}

import click
from flask import Blueprint, Flask, Response{% if cookiecutter.use_sqlalchemy %}, abort{% endif %}, render_template, request
{%- if cookiecutter.use_sqlalchemy and not cookiecutter.use_migrate %}
from flask.cli import with_appcontext
{%- endif %}
{%- if cookiecutter.use_sqlalchemy %}
{%- if cookiecutter.use_migrate %}
from flask_migrate import Migrate
{%- endif %}
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, String, Text, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
{%- endif %}
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

# config ---------------------------------------------------------------------------

MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The environment cannot produce a safe configuration."""
{%- if cookiecutter.use_sqlalchemy %}


def normalise_database_url(url: str) -> str:
    """Point every PostgreSQL URL at the psycopg 3 driver that the project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url
{%- endif %}


class Config:
    """Settings shared by every environment."""

    APP_NAME = {{ cookiecutter.project_name | python_string }}
    # deploy/nginx enforces the same limit with client_max_body_size 1m.
    MAX_CONTENT_LENGTH = 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # How many proxies in front of the app set X-Forwarded-*; 0 trusts none.
    DEFAULT_PROXY_HOPS = 0
{%- if cookiecutter.use_sqlalchemy %}
    # Relative SQLite paths live in the instance folder (Flask-SQLAlchemy 3).
    DEFAULT_DATABASE_URL = "sqlite:///{{ cookiecutter.package_name }}.sqlite"
{%- endif %}

    def __init__(self) -> None:
        self.SECRET_KEY = self.secret_key()
        self.PROXY_FIX_HOPS = self.proxy_hops()
{%- if cookiecutter.use_sqlalchemy %}
        url = normalise_database_url(self.database_url())
        self.SQLALCHEMY_DATABASE_URI = url
        # pre_ping replaces connections that a PostgreSQL restart has closed.
        self.SQLALCHEMY_ENGINE_OPTIONS = (
            {"pool_pre_ping": True} if url.startswith("postgresql") else {}
        )
{%- endif %}

    def proxy_hops(self) -> int:
        value = os.environ.get("PROXY_FIX_HOPS", str(self.DEFAULT_PROXY_HOPS))
        if not value.isdigit():
            raise ConfigError(f"PROXY_FIX_HOPS must be a whole number, got {value!r}")
        return int(value)

    def secret_key(self) -> str:
        # Without a key (no .env yet) sessions last only as long as the process.
        return os.environ.get("SECRET_KEY") or secrets.token_hex(32)
{%- if cookiecutter.use_sqlalchemy %}

    def database_url(self) -> str:
        return os.environ.get("DATABASE_URL") or self.DEFAULT_DATABASE_URL
{%- endif %}


class DevelopmentConfig(Config):
    """Local work: `flask --app {{ cookiecutter.package_name }} run --debug`."""


class TestingConfig(Config):
    """The test suite: isolated state, exceptions propagate."""

    TESTING = True
{%- if cookiecutter.use_sqlalchemy %}

    def database_url(self) -> str:
        return os.environ.get("TEST_DATABASE_URL") or "sqlite://"
{%- endif %}


class ProductionConfig(Config):
    """Behind Gunicorn and a TLS-terminating proxy; refuses unsafe settings."""

    DEBUG = False
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    DEFAULT_PROXY_HOPS = {{ 0 if cookiecutter.deployment == "none" else 1 }}

    def secret_key(self) -> str:
        key = os.environ.get("SECRET_KEY", "")
        if len(key) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"SECRET_KEY must be set to at least {MIN_SECRET_LENGTH} characters "
                f"in production (got {len(key)}); "
                "generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return key
{%- if cookiecutter.use_sqlalchemy %}

    def database_url(self) -> str:
        url = os.environ.get("DATABASE_URL", "")
        if not url:
            raise ConfigError("DATABASE_URL must be set in production")
        return url
{%- endif %}


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Instantiate the named config, else $FLASK_CONFIG, else development."""
    name = name or os.environ.get("FLASK_CONFIG") or "development"
    if name not in CONFIGS:
        raise ConfigError(
            f"unknown config {name!r}: choose one of {', '.join(CONFIGS)}"
        )
    return CONFIGS[name]()
{%- if cookiecutter.use_sqlalchemy %}


# extensions -----------------------------------------------------------------------

# Named constraints keep migrations deterministic and let SQLite batch mode drop them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
{%- if cookiecutter.use_migrate %}
# Batch mode lets later migrations ALTER tables on SQLite, which cannot do it in place.
migrate = Migrate(render_as_batch=True)
{%- endif %}


def init_extensions(app: Flask) -> None:
    db.init_app(app)
{%- if cookiecutter.use_migrate %}
    migrate.init_app(app, db)
{%- endif %}


# models ---------------------------------------------------------------------------

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000


def utcnow() -> datetime:
    return datetime.now(UTC)


class Note(db.Model):
    """A short titled text, the sample resource served under /api/notes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "created_at": self.created_at.isoformat(),
        }
{%- endif %}


# security -------------------------------------------------------------------------

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
}


def set_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_security(app: Flask) -> None:
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        # Trust exactly as many X-Forwarded-* entries as there are proxies; a client
        # that adds its own entries cannot push the real address out of view.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    app.after_request(set_security_headers)


# errors ---------------------------------------------------------------------------

JSON_PATHS = ("/api/", "/healthz")


def handle_http_error(error: HTTPException) -> tuple[object, int]:
    # Only the status, name and a generic description are shown: never a traceback.
    code = error.code or 500
    if request.path.startswith(JSON_PATHS):
        body = {"error": error.name, "message": error.description, "status": code}
        return body, code
    templates = [f"errors/{code}.html", "errors/error.html"]
    return render_template(templates, error=error), code


def init_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)


# commands -------------------------------------------------------------------------


@click.command("gen-secret")
def gen_secret_command() -> None:
    """Print a random SECRET_KEY for production."""
    click.echo(secrets.token_hex(32))
{%- if cookiecutter.use_sqlalchemy and not cookiecutter.use_migrate %}


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database tables that do not exist yet."""
    db.create_all()
    click.echo("Initialised the database.")
{%- endif %}


def init_commands(app: Flask) -> None:
    app.cli.add_command(gen_secret_command)
{%- if cookiecutter.use_sqlalchemy and not cookiecutter.use_migrate %}
    app.cli.add_command(init_db_command)
{%- endif %}


# main blueprint -------------------------------------------------------------------

main_bp = Blueprint("main", __name__)


@main_bp.get("/")
def index() -> str:
{%- if cookiecutter.use_sqlalchemy %}
    query = select(Note).order_by(Note.created_at.desc(), Note.id.desc()).limit(20)
    return render_template("notes.html", notes=db.session.scalars(query).all())
{%- else %}
    return render_template("index.html")
{%- endif %}


@main_bp.get("/hello/<name>")
def hello(name: str) -> str:
    # Jinja autoescapes ``name``, so markup in the URL is shown, never run.
    return render_template("hello.html", name=name)


@main_bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
{%- if cookiecutter.use_sqlalchemy %}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
{%- endif %}
    return {"status": "ok"}, 200


# api blueprint --------------------------------------------------------------------

api_bp = Blueprint("api", __name__)


@api_bp.get("/ping")
async def ping() -> dict[str, str]:
    # An async view (flask[async]): await I/O such as an HTTP call here.
    await asyncio.sleep(0)
    return {"ping": "pong"}


@api_bp.get("/hello/<name>", endpoint="hello")
def api_hello(name: str) -> dict[str, str]:
    return {"message": f"Hello, {name}!"}
{%- if cookiecutter.use_sqlalchemy %}


def note_errors(payload: dict[str, Any]) -> dict[str, str]:
    """Return a message per invalid field of a new note."""
    errors = {}
    title = payload.get("title")
    if not isinstance(title, str) or not title.strip():
        errors["title"] = "required, a non-empty string"
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"at most {TITLE_MAX_LENGTH} characters"
    body = payload.get("body", "")
    if not isinstance(body, str):
        errors["body"] = "must be a string"
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = f"at most {BODY_MAX_LENGTH} characters"
    return errors


@api_bp.get("/notes")
def list_notes() -> dict[str, list[dict[str, Any]]]:
    query = select(Note).order_by(Note.created_at.desc(), Note.id.desc())
    return {"notes": [note.to_dict() for note in db.session.scalars(query)]}


@api_bp.post("/notes")
def create_note() -> tuple[dict[str, Any], int]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400, description="The body must be a JSON object.")
    errors = note_errors(payload)
    if errors:
        message = "The note is invalid."
        body = {"error": "Unprocessable Content", "message": message, "status": 422}
        return {**body, "fields": errors}, 422
    note = Note(title=payload["title"].strip(), body=payload.get("body", ""))
    db.session.add(note)
    db.session.commit()
    return note.to_dict(), 201


@api_bp.get("/notes/<int:note_id>")
def get_note(note_id: int) -> dict[str, Any]:
    return db.get_or_404(Note, note_id).to_dict()


@api_bp.delete("/notes/<int:note_id>")
def delete_note(note_id: int) -> tuple[str, int]:
    db.session.delete(db.get_or_404(Note, note_id))
    db.session.commit()
    return "", 204
{%- endif %}


# factory --------------------------------------------------------------------------


def create_app(config_name: str | None = None) -> Flask:
    """Build the app for ``config_name``, else $FLASK_CONFIG, else "development"."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(load_config(config_name))
{%- if cookiecutter.use_sqlalchemy %}
    init_extensions(app)
{%- endif %}
    init_security(app)
    init_errors(app)
    init_commands(app)
    app.register_blueprint(main_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    return app
