"""The database: Flask-SQLAlchemy, its settings, `init-db` and the health check."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, Response, current_app
from flask.cli import with_appcontext
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase
from werkzeug.exceptions import ServiceUnavailable

from .config import ConfigError
from .errors import handle_http_error

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

# The base class of the models. db.Model is made at run time from Base, which type
# checkers cannot follow, so they are shown Base itself (Flask-SQLAlchemy's advice).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def normalise_database_url(url: str) -> str:
    """Point every PostgreSQL URL at the psycopg 3 driver that the project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def database_url(config_name: str) -> str:
    """TEST_DATABASE_URL under testing, else DATABASE_URL, else a local SQLite file."""
    if config_name == "testing":
        return os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    url = os.environ.get("DATABASE_URL", "")
    if not url and config_name == "production":
        raise ConfigError("DATABASE_URL must be set in production")
    # Relative SQLite paths live in the instance folder (Flask-SQLAlchemy 3).
    return url or "sqlite:///{{ cookiecutter.package_name }}.sqlite"


# How long a connection attempt or a statement may take before it fails: a database
# that accepts connections and never answers must not hang /healthz or the workers.
# The DATABASE_TIMEOUT setting overrides it.
TIMEOUT_SECONDS = 5


def engine_options(url: str, timeout: int = TIMEOUT_SECONDS) -> dict[str, Any]:
    """Pool and driver settings for the database at ``url``."""
    if url.startswith("postgresql"):
        ms = timeout * 1000
        return {
            # pre_ping replaces connections that a PostgreSQL restart has closed.
            "pool_pre_ping": True,
            "pool_timeout": timeout,
            "connect_args": {
                "connect_timeout": timeout,
                # Server side, then client side for a peer that stops answering.
                "options": f"-c statement_timeout={ms}",
                "tcp_user_timeout": ms,
            },
        }
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": timeout}}
    return {}


def migrations_directory() -> str:
    """migrations/ at the project root, or inside the package where the wheel puts it.

    An absolute path, so `flask db` works from any directory, installed or not.
    """
    here = Path(__file__).resolve().parent
    bundled = here / "migrations"
    return str(bundled if bundled.is_dir() else here.parent / "migrations")


def database_problem() -> str | None:
    """The health check: None when the database answers, else a short reason."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return "unreachable"
    return None


def database_unavailable(error: OperationalError) -> Response:
    """503 and Retry-After while the database is locked (SQLite) or unreachable."""
    db.session.rollback()
    busy = ServiceUnavailable("The database is busy; try again shortly.", retry_after=2)
    return handle_http_error(busy)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database tables that do not exist yet (projects without migrations)."""
    if "migrate" in current_app.extensions:
        raise click.UsageError("this project has migrations: run `flask db upgrade`")
    db.create_all()
    click.echo("Initialised the database.")


def init_app(app: Flask) -> None:
    if "SQLALCHEMY_DATABASE_URI" not in app.config:
        url = database_url(app.config["CONFIG_NAME"])
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    timeout = app.config.get("DATABASE_TIMEOUT", TIMEOUT_SECONDS)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(url, timeout))
    db.init_app(app)
    app.cli.add_command(init_db_command)
    app.register_error_handler(OperationalError, database_unavailable)
    app.extensions.setdefault("health_checks", {})["database"] = database_problem
{%- if cookiecutter.use_migrate %}
    # Imported here: only projects with migrations install Flask-Migrate. Batch mode
    # lets later migrations ALTER tables on SQLite, which cannot do it in place.
    from flask_migrate import Migrate

    Migrate(app, db, directory=migrations_directory(), render_as_batch=True)
{%- endif %}
