"""Configuration classes, chosen by name or by the FLASK_CONFIG variable.

Each class reads the environment when it is instantiated, inside ``create_app()``, so
importing the package never fails and tests can set variables before building an app.
"""

from __future__ import annotations

import os
import re
import secrets

import click

# Every JSON route lives under this prefix; the error handlers answer JSON there too.
API_PREFIX = "/api"
MIN_SECRET_LENGTH = 32
# A random key of 32 characters or more has far more distinct characters than this.
MIN_SECRET_VARIETY = 10
# Words of placeholders (.env.example's among them) that must never sign sessions.
PLACEHOLDER_WORDS = ("change", "placeholder", "example", "secret", "default", "your")
# The package (or the single module), however long its name, without rendering it in.
MAKE_KEY_HINT = f"make one with: flask --app {__name__.split('.')[0]} gen-secret"


class ConfigError(click.ClickException, RuntimeError):
    """The environment cannot produce a safe configuration.

    A ClickException, as Flask's own "could not locate the app" error is, so that every
    `flask` command that loads the app (run, routes, shell, db, the project's own)
    prints it as one line and exits 1, instead of a traceback. Elsewhere (Gunicorn,
    tests, your code) it is an ordinary exception.
    """


class Config:
    """Settings shared by every environment."""

    CONFIG_NAME = "base"
    APP_NAME = {{ cookiecutter.project_name | python_string }}
    # The OpenAPI document's version of the API (/api/openapi.json).
    API_VERSION = {{ cookiecutter.version | python_string }}
    # deploy/nginx enforces the same limit with client_max_body_size 1m.
    MAX_CONTENT_LENGTH = 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # How many proxies in front of the app set X-Forwarded-*; 0 trusts none.
    DEFAULT_PROXY_HOPS = 0
    # The interactive API docs page (/api/docs); API_DOCS=1 or 0 overrides.
    DEFAULT_API_DOCS = False

    def __init__(self) -> None:
        self.SECRET_KEY = self.secret_key()
        self.PROXY_FIX_HOPS = self.proxy_hops()
        self.TRUSTED_HOSTS = self.trusted_hosts()
        self.API_DOCS = self.api_docs()

    def api_docs(self) -> bool:
        value = os.environ.get("API_DOCS", "1" if self.DEFAULT_API_DOCS else "0")
        if value not in {"0", "1"}:
            raise ConfigError(f"API_DOCS must be 0 or 1, got {value!r}")
        return value == "1"

    def proxy_hops(self) -> int:
        value = os.environ.get("PROXY_FIX_HOPS", str(self.DEFAULT_PROXY_HOPS))
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if not re.fullmatch(r"[0-9]{1,2}", value):
            raise ConfigError(f"PROXY_FIX_HOPS must be a whole number, got {value!r}")
        return int(value)

    def trusted_hosts(self) -> list[str] | None:
        # None lets any Host through; production sets a list (see ProductionConfig).
        return None

    def secret_key(self) -> str:
        # Without a key (no .env yet) sessions last only as long as the process.
        return os.environ.get("SECRET_KEY") or secrets.token_hex(32)


class DevelopmentConfig(Config):
    """Local work: `flask --app {{ cookiecutter.package_name }} run --debug`."""

    CONFIG_NAME = "development"
    DEFAULT_API_DOCS = True


class TestingConfig(Config):
    """The test suite: isolated state, exceptions propagate."""

    CONFIG_NAME = "testing"
    TESTING = True


class ProductionConfig(Config):
    """Behind Gunicorn and a TLS-terminating proxy; refuses unsafe settings."""

    CONFIG_NAME = "production"
    DEBUG = False
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    DEFAULT_PROXY_HOPS = {{ 0 if cookiecutter.deployment == "none" else 1 }}

    def secret_key(self) -> str:
        key = os.environ.get("SECRET_KEY", "")
        if problem := weak_secret(key):
            raise ConfigError(f"SECRET_KEY {problem} in production; {MAKE_KEY_HINT}")
        return key

    def trusted_hosts(self) -> list[str]:
        # Absolute URLs (redirects) are built from the Host header: only these names
        # reach the app; Flask answers 400 to any other.
        hosts = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",")]
        if not any(hosts):
            raise ConfigError(
                "TRUSTED_HOSTS must list the host names this app serves in production, "
                "comma-separated (e.g. example.com,www.example.com)"
            )
        return [host for host in hosts if host]


def weak_secret(key: str) -> str | None:
    """Why ``key`` cannot sign production sessions, or None when it can."""
    if len(key) < MIN_SECRET_LENGTH:
        return f"must be at least {MIN_SECRET_LENGTH} characters (got {len(key)})"
    if any(word in key.lower() for word in PLACEHOLDER_WORDS):
        return "looks like a placeholder"
    if len(set(key)) < MIN_SECRET_VARIETY:
        return f"has too little variety (fewer than {MIN_SECRET_VARIETY} distinct characters)"
    return None


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Instantiate the named config, else $FLASK_CONFIG, else development."""
    name = name or os.environ.get("FLASK_CONFIG") or "development"
    if name not in CONFIGS:
        choices = ", ".join(CONFIGS)
        raise ConfigError(f"unknown config {name!r}: choose one of {choices}")
    return CONFIGS[name]()
