"""The cache: Flask-Caching on Redis (REDIS_URL), the cached notes lists, and the rate
limits that servers share. Redis going away slows reads down; it never fails them."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_caching import Cache
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from .config import ConfigError

# Import it to cache more: app_cache.get(key), app_cache.set(key, value, timeout), ...
app_cache = Cache()

# A Redis that stops answering costs a request at most this long (connect, or read),
# and one immediate retry reconnects a pooled connection that a restart has closed.
REDIS_TIMEOUT_SECONDS = 0.25
REDIS_OPTIONS: dict[str, Any] = {
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "retry": Retry(NoBackoff(), 1),
}
# After Redis fails, this process reads the database for this long, then tries again.
CACHE_RETRY_SECONDS = 2
# A cached list lives at most this long, however it was missed by an invalidation.
LIST_TIMEOUT_SECONDS = 60
# Every cached list's key holds the current generation; a write sets a new one, so
# each list cached before it is unreachable at once (and expires later).
GENERATION_KEY = "notes-generation"


def redis_url(app: Flask) -> str:
    """REDIS_URL (the setting, else the variable); production requires one."""
    url = str(app.config.get("REDIS_URL") or os.environ.get("REDIS_URL", ""))
    if not url and app.config["CONFIG_NAME"] == "production":
        raise ConfigError(
            "REDIS_URL must be set in production (e.g. redis://localhost:6379/0)"
        )
    return url


class ListCache:
    """Lists of notes in the cache, per user with accounts; the database without it.

    A list is filled from the primary database, never the replica, so a cached list
    is never older than the last write it has seen; a write commits, then moves the
    generation on, so the writer's next read cannot hit a list from before it.
    """

    def __init__(self) -> None:
        self.down_until = 0.0
        self.outage = False

    def rows(self, name: str, load: Callable[[bool], Sequence[Any]]) -> Sequence[Any]:
        """The list ``name`` of this client; ``load(fresh)`` reads it from the
        database (``fresh``: from the primary)."""
        scope = list_scope()
        if scope is None or not self.available():
            return load(False)
        loaded: Sequence[Any] | None = None
        try:
            key = f"notes:{self.generation()}:{scope}:{name}"
            cached = app_cache.get(key)
            if cached is not None:
                return list(cached)
            loaded = load(True)
            app_cache.set(key, [snapshot(row) for row in loaded], LIST_TIMEOUT_SECONDS)
        except RedisError as error:
            self.failed(error)
        return load(False) if loaded is None else loaded

    def invalidate(self) -> None:
        """Make every cached list stale (after a write has committed)."""
        if not self.available():
            # No write waits on a Redis known to be down; the generation moves on
            # when it answers again (see generation()).
            self.outage = True
            return
        try:
            app_cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=0)
        except RedisError as error:
            # Lists cached before the write may outlive the outage: this process
            # moves the generation on as soon as Redis answers again.
            self.failed(error)

    def generation(self) -> str:
        if self.outage:
            # Writes of the outage could not invalidate: drop every list first.
            self.outage = False
            app_cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=0)
            current_app.logger.warning("cache reachable again; caching resumes")
        value = app_cache.get(GENERATION_KEY)
        if value is None:
            value = uuid.uuid4().hex
            if not app_cache.add(GENERATION_KEY, value, timeout=0):
                value = app_cache.get(GENERATION_KEY) or value
        return str(value)

    def available(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self, error: RedisError) -> None:
        self.down_until = time.monotonic() + CACHE_RETRY_SECONDS
        if not self.outage:
            current_app.logger.warning(
                "cache unreachable (%s); reading the database until it returns", error
            )
        self.outage = True

    def problem(self) -> str | None:
        """/healthz: None while the cache answers, else why it is degraded."""
        if not self.available():
            return "unreachable"
        try:
            app_cache.get(GENERATION_KEY)
        except RedisError as error:
            self.failed(error)
            return "unreachable"
        return None


def list_scope() -> str | None:
    """Whose list this is: everyone's, or (with accounts) the user's; None: no user."""
    owners = current_app.extensions.get("note_owners")
    if owners is None:
        return "all"
    user = owners.user()
    return None if user is None else f"user{user.id}"


def snapshot(row: Any) -> SimpleNamespace:
    """The column values of a row, which the page and the API read as attributes."""
    return SimpleNamespace(
        **{column.key: getattr(row, column.key) for column in row.__table__.columns}
    )


@event.listens_for(Session, "after_flush")
def note_changes(session: Session, flush_context: UOWTransaction) -> None:
    session.info["lists_stale"] = True


@event.listens_for(Session, "do_orm_execute")
def note_bulk_changes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["lists_stale"] = True


@event.listens_for(Session, "after_commit")
def invalidate_lists(session: Session) -> None:
    stale = session.info.pop("lists_stale", False)
    if stale and has_app_context():
        lists = current_app.extensions.get("list_cache")
        if lists is not None:
            lists.invalidate()


@event.listens_for(Session, "after_rollback")
def forget_changes(session: Session) -> None:
    session.info.pop("lists_stale", None)


def init_app(app: Flask) -> None:
    url = redis_url(app)
    if url:
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_URL", url)
        app.config.setdefault("CACHE_OPTIONS", REDIS_OPTIONS)
        # Accounts' rate limits count in the same Redis, so they hold across servers
        # (RATELIMIT_STORAGE_URI overrides it); without Redis they count in memory.
        storage = os.environ.get("RATELIMIT_STORAGE_URI") or url
        app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", REDIS_OPTIONS)
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    else:
        # One process's cache: enough to develop and test the invalidation with.
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
        app.logger.warning("REDIS_URL is not set: caching in this process only")
    app.config.setdefault("CACHE_KEY_PREFIX", f"{app.name}:")
    app_cache.init_app(app)
    lists = ListCache()
    app.extensions["list_cache"] = lists
    # Reported by /healthz without failing it: the app works on without a cache.
    app.extensions.setdefault("health_warnings", {})["cache"] = lists.problem
