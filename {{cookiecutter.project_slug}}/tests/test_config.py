"""Config selection and the production safety checks."""

from __future__ import annotations

import secrets

import pytest

from {{ cookiecutter.package_name }} import ConfigError, create_app

STRONG_SECRET = secrets.token_hex(32)
WEAK_SECRETS = {
    "change-me-to-64-random-hex-characters": "placeholder",
    " " * 32: "variety",
    "a" * 32: "variety",
    "changeme" * 4: "placeholder",
    "0123456789" * 3: "at least 32",
}


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("TRUSTED_HOSTS", "example.com, www.example.com, localhost")
{%- if cookiecutter.use_sqlalchemy %}
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
{%- if cookiecutter.cache == "redis" %}
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
{%- endif %}
{%- endif %}
    return monkeypatch


def test_argument_selects_config() -> None:
    assert create_app("testing").testing is True


def test_flask_config_variable_selects_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_CONFIG", "testing")
    assert create_app().testing is True


def test_development_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLASK_CONFIG", raising=False)
    app = create_app()
    assert app.testing is False
    assert app.debug is False
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_unknown_config_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown config 'staging'"):
        create_app("staging")


def test_development_without_secret_gets_a_random_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app("development").secret_key
    second = create_app("development").secret_key
    assert first and second and first != second


def test_production_refuses_missing_secret(production_env: pytest.MonkeyPatch) -> None:
    production_env.delenv("SECRET_KEY")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app("production")


def test_production_refuses_short_secret(production_env: pytest.MonkeyPatch) -> None:
    production_env.setenv("SECRET_KEY", STRONG_SECRET[:31])
    with pytest.raises(ConfigError, match="at least 32 characters"):
        create_app("production")


def test_production_refuses_placeholders_and_keys_with_little_variety(
    production_env: pytest.MonkeyPatch,
) -> None:
    accepted = []
    for key, reason in WEAK_SECRETS.items():
        production_env.setenv("SECRET_KEY", key)
        try:
            create_app("production")
        except ConfigError as error:
            assert reason in str(error), (key, str(error))
            assert "\n" not in str(error)
        else:
            accepted.append(key)
    assert accepted == []


def test_production_requires_trusted_hosts(production_env: pytest.MonkeyPatch) -> None:
    production_env.delenv("TRUSTED_HOSTS")
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS"):
        create_app("production")


def test_production_refuses_other_host_names(
    production_env: pytest.MonkeyPatch,
) -> None:
    client = create_app("production").test_client()
    for host in ("example.com", "www.example.com"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 200
    for host in ("evil.example", "example.com.evil.example"):
        assert client.get("/healthz", headers={"Host": host}).status_code == 400
        forged = {"Host": "example.com", "X-Forwarded-Host": host}
        response = client.get("/hello/x/", headers=forged)
        assert host not in response.headers.get("Location", "")


def test_production_is_hardened(production_env: pytest.MonkeyPatch) -> None:
    app = create_app("production")
    assert app.secret_key == STRONG_SECRET
    assert app.debug is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_production_error_page_leaks_nothing(
    production_env: pytest.MonkeyPatch,
) -> None:
    app = create_app("production")

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"secret internals" not in response.data


def test_proxy_hops_are_configurable(production_env: pytest.MonkeyPatch) -> None:
    production_env.setenv("PROXY_FIX_HOPS", "2")
    assert create_app("production").config["PROXY_FIX_HOPS"] == 2


def test_bad_proxy_hops_is_a_clear_error(production_env: pytest.MonkeyPatch) -> None:
    for value in ("one", "²", "-1", " 1"):
        production_env.setenv("PROXY_FIX_HOPS", value)
        with pytest.raises(ConfigError, match="PROXY_FIX_HOPS must be a whole number"):
            create_app("production")


def test_production_serves_the_api_docs_page_only_with_api_docs_1(
    production_env: pytest.MonkeyPatch,
) -> None:
    assert create_app("production").test_client().get("/api/docs").status_code == 404
    assert create_app("production").test_client().get("/api/openapi.json").is_json
    production_env.setenv("API_DOCS", "1")
    assert create_app("production").test_client().get("/api/docs").status_code == 200
    production_env.setenv("API_DOCS", "yes")
    with pytest.raises(ConfigError, match="API_DOCS must be 0 or 1, got 'yes'"):
        create_app("production")
