"""The database: Flask-SQLAlchemy, its settings, `init-db`, the health check, and the
optional read replica that `reader()` sends the read-only views to."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, Response, current_app, g, has_request_context, request
from flask.cli import with_appcontext
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as PrimarySession
from sqlalchemy import MetaData, event, text
from sqlalchemy.exc import (
    DBAPIError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session
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


# Flask-Migrate manages the schema (`flask db upgrade`); else `flask init-db` does.
MIGRATIONS = {{ cookiecutter.use_migrate }}
# What creates the tables; a development page that finds none says so.
SCHEMA_COMMAND = f"flask --app {__name__.split('.')[0]} " + (
    "db upgrade" if MIGRATIONS else "init-db"
)


def migrations_directory() -> str:
    """migrations/ at the project root, or inside the package where the wheel puts it.

    An absolute path, so `flask db` works from any directory, installed or not.
    """
    here = Path(__file__).resolve().parent
    bundled = here / "migrations"
    return str(bundled if bundled.is_dir() else here.parent / "migrations")


# A client that wrote reads from the primary for this long (a cookie says until when),
# so it sees its own write even while the replica lags behind. REPLICA_LAG_SECONDS
# overrides it.
READ_YOUR_WRITES_SECONDS = 10
PRIMARY_COOKIE = "read_primary_until"
# After the replica fails, reads skip it for this long instead of waiting on it anew.
REPLICA_RETRY_SECONDS = 5
REPLICA_BIND = "replica"


class ReplicaReader:
    """Reads on the replica; any database error there repeats the read on the primary.

    Only the read views use it, so repeating a statement can never write twice.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def _run(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.session, method)(*args, **kwargs)
        except DBAPIError:
            discard(self.session)
            current_app.extensions["replica_down_until"] = (
                time.monotonic() + REPLICA_RETRY_SECONDS
            )
            current_app.logger.warning("read replica unreachable; reading the primary")
            return getattr(db.session, method)(*args, **kwargs)

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("execute", *args, **kwargs)

    def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("scalars", *args, **kwargs)

    def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("scalar", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._run("get", *args, **kwargs)


def reads_from_primary() -> bool:
    """Whether this request must read its own writes: it wrote, or its client did lately."""
    if g.get("wrote_to_primary"):
        return True
    until = request.cookies.get(PRIMARY_COOKIE, "") if has_request_context() else ""
    return until.isdigit() and int(until) > time.time()


def reader() -> Any:
    """The session that read-only views query: the replica when DATABASE_REPLICA_URL
    is set and this client has not just written, else the primary's ``db.session``."""
    app = current_app
    if REPLICA_BIND not in app.config.get("SQLALCHEMY_BINDS", {}):
        return db.session
    replica_down = app.extensions.get("replica_down_until", 0) > time.monotonic()
    if replica_down or reads_from_primary():
        return db.session
    if "replica_session" not in g:
        g.replica_session = Session(db.engines[REPLICA_BIND])
    return ReplicaReader(g.replica_session)


@event.listens_for(PrimarySession, "after_flush")
def note_flush(session: Session, flush_context: Any) -> None:
    if has_request_context():
        g.wrote_to_primary = True


@event.listens_for(PrimarySession, "do_orm_execute")
def note_write(state: ORMExecuteState) -> None:
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and has_request_context():
        g.wrote_to_primary = True


def remember_write(response: Response) -> Response:
    """Tell a client that wrote to read from the primary for a while."""
    if g.get("wrote_to_primary"):
        config = current_app.config
        seconds = config.get("REPLICA_LAG_SECONDS", READ_YOUR_WRITES_SECONDS)
        response.set_cookie(
            PRIMARY_COOKIE,
            str(int(time.time() + seconds)),
            max_age=seconds,
            secure=config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response


def discard(session: Session) -> None:
    """End the replica session's transaction; a replica gone away ends it by dropping
    its connection, since a rollback there would fail the request (after its reads
    had their answer) with the replica's error."""
    try:
        session.rollback()
    except DBAPIError:
        session.invalidate()


def close_replica_session(exception: BaseException | None) -> None:
    session = g.pop("replica_session", None)
    if session is not None:
        discard(session)
        session.close()


def init_replica(app: Flask, timeout: int) -> None:
    """Add the replica as a bind when DATABASE_REPLICA_URL (or the setting) names one."""
    name = "DATABASE_REPLICA_URL"
    url = app.config.get(name) or os.environ.get(name)
    if not url:
        return
    url = normalise_database_url(url)
    primary = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if not (url.startswith("postgresql") and primary.startswith("postgresql")):
        raise ConfigError(f"{name} needs PostgreSQL, for it and for DATABASE_URL")
    # A replica that does not answer must not hold a read up for long: the primary can.
    options = engine_options(url, min(timeout, 2))
    binds = app.config.setdefault("SQLALCHEMY_BINDS", {})
    binds[REPLICA_BIND] = {"url": url, **options}
    app.after_request(remember_write)
    app.teardown_appcontext(close_replica_session)


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


def is_missing_table(error: DBAPIError) -> bool:
    """Whether ``error`` is a query on a table that the database does not have yet."""
    # SQLite says "no such table"; PostgreSQL sends SQLSTATE 42P01, undefined_table.
    orig = error.orig
    return "no such table" in str(orig) or getattr(orig, "sqlstate", None) == "42P01"


def explain_missing_tables(error: DBAPIError) -> Response:
    """Development only: a database without its tables names the command that makes them.

    Every other database error goes on as without this handler: 503 while the
    database is busy or unreachable, else unhandled (the debugger, or a 500 page).
    """
    if not is_missing_table(error):
        if isinstance(error, OperationalError):
            return database_unavailable(error)
        raise error  # re-raised from a handler, Flask treats it as unhandled
    db.session.rollback()
    hint = f"The database has no tables yet: run `{SCHEMA_COMMAND}`."
    return handle_http_error(ServiceUnavailable(hint))


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database tables that do not exist yet (projects without migrations)."""
    if MIGRATIONS:
        raise click.UsageError("this project has migrations: run `flask db upgrade`")
    db.create_all()
    click.echo("Initialised the database.")


def migrations_wanted() -> bool:
    """Whether to set up Flask-Migrate, which imports Alembic: not in a web worker.

    Its `flask db` commands exist only in Flask's CLI, which creates the app inside a
    click context; a script or test that calls its functions has imported it first.
    A Gunicorn worker does neither, so it starts without loading Alembic at all.
    """
    if not MIGRATIONS:
        return False
    return (
        "flask_migrate" in sys.modules
        or click.get_current_context(silent=True) is not None
    )


def init_app(app: Flask) -> None:
    if "SQLALCHEMY_DATABASE_URI" not in app.config:
        url = database_url(app.config["CONFIG_NAME"])
        app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    timeout = app.config.get("DATABASE_TIMEOUT", TIMEOUT_SECONDS)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(url, timeout))
    init_replica(app, timeout)
    db.init_app(app)
    app.cli.add_command(init_db_command)
    if app.config["CONFIG_NAME"] == "development":
        # Forgetting to create the tables is the first hour's likeliest mistake.
        app.register_error_handler(OperationalError, explain_missing_tables)
        app.register_error_handler(ProgrammingError, explain_missing_tables)
    else:
        app.register_error_handler(OperationalError, database_unavailable)
    app.extensions.setdefault("health_checks", {})["database"] = database_problem
    if migrations_wanted():
        # Imported here: only projects with migrations install Flask-Migrate. Batch
        # mode lets later migrations ALTER tables on SQLite, which cannot in place.
        from flask_migrate import Migrate

        Migrate(app, db, directory=migrations_directory(), render_as_batch=True)
