"""Configuration classes, chosen by name or by the FLASK_CONFIG variable.

Each class reads the environment when it is instantiated, inside ``create_app()``, so
importing the package never fails and tests can set variables before building an app.
"""

from __future__ import annotations

import os
import secrets

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
