"""deploy/ agrees with the app, and keeps Gunicorn off the network."""

from __future__ import annotations

import re
import runpy
import secrets
from pathlib import Path
from typing import Any

import pytest
from gunicorn.util import import_app

from {{ cookiecutter.package_name }} import create_app

SERVICE = "{{ cookiecutter.project_slug }}"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = PROJECT_ROOT / "deploy" / "gunicorn.conf.py"
NGINX_SITE = PROJECT_ROOT / "deploy" / "nginx" / f"{SERVICE}.conf"
SERVER_ROOT = f"/srv/{SERVICE}/"
RUNTIME_DIR = f"/run/{SERVICE}"
GUNICORN_VARIABLES = (
    "GUNICORN_BIND",
    "GUNICORN_WORKERS",
    "GUNICORN_THREADS",
    "RUNTIME_DIRECTORY",
)


def load_gunicorn_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """Run deploy/gunicorn.conf.py as Gunicorn would, with only ``env`` set."""
    for name in GUNICORN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def nginx_value(directive: str) -> str:
    match = re.search(rf"^\s*{directive}\s+([^;]+);", NGINX_SITE.read_text(), re.M)
    assert match, f"{directive} is missing from {NGINX_SITE.name}"
    return match.group(1).strip()


def test_gunicorn_listens_on_a_unix_socket_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = load_gunicorn_conf(monkeypatch)
    assert conf["bind"] == [f"unix:{RUNTIME_DIR}/gunicorn.sock"]
    assert conf["control_socket"] == f"{RUNTIME_DIR}/gunicorn.ctl"


@pytest.mark.parametrize(
    "address", ["127.0.0.1:8000", "127.0.0.2:9000", "[::1]:8000", "unix:/tmp/a.sock"]
)
def test_gunicorn_accepts_a_loopback_bind(
    monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    assert load_gunicorn_conf(monkeypatch, GUNICORN_BIND=address)["bind"] == [address]


@pytest.mark.parametrize(
    "address",
    [
        "0.0.0.0:8000",
        "[::]:8000",
        "192.0.2.10:8000",
        "tcp://0.0.0.0:80",
        ":8000",
        "localhost:8000",
        "fd://3",
    ],
)
def test_gunicorn_refuses_any_other_bind(
    monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    with pytest.raises(SystemExit, match="GUNICORN_BIND=.* is refused"):
        load_gunicorn_conf(monkeypatch, GUNICORN_BIND=address)


def test_gunicorn_workers_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_gunicorn_conf(monkeypatch)["workers"] >= 3
    assert load_gunicorn_conf(monkeypatch, GUNICORN_WORKERS="4")["workers"] == 4
    with pytest.raises(SystemExit, match="GUNICORN_WORKERS"):
        load_gunicorn_conf(monkeypatch, GUNICORN_WORKERS="0")


def test_gunicorn_trusts_forwarded_headers_from_loopback_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    conf = load_gunicorn_conf(monkeypatch)
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert conf["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}
    assert "forwarded" not in conf["access_log_format"].lower()


def test_gunicorn_loads_the_production_app(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load_gunicorn_conf(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("TRUSTED_HOSTS", "example.com")
{%- if cookiecutter.use_sqlalchemy %}
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
{%- if cookiecutter.cache == "redis" %}
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
{%- endif %}
{%- endif %}
    monkeypatch.delenv("PROXY_FIX_HOPS", raising=False)
    app = import_app(conf["wsgi_app"])
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PROXY_FIX_HOPS"] == 1


def load_instances() -> dict[str, Any]:
    """deploy/instances.py's functions, without running its command line."""
    return runpy.run_path(str(PROJECT_ROOT / "deploy" / "instances.py"))


def upstream_sockets(site: str) -> list[str]:
    return re.findall(r"^\s*server (unix:\S+) ", site, re.M)


def test_nginx_lists_the_socket_of_every_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    count = load_instances()["count"]()
    binds = []
    for index in range(1, count + 1):
        # What systemd exports to instance <index> of the template unit.
        runtime = f"/run/{SERVICE}-{index}"
        binds += load_gunicorn_conf(monkeypatch, RUNTIME_DIRECTORY=runtime)["bind"]
    assert upstream_sockets(NGINX_SITE.read_text()) == binds


def test_the_site_is_what_instances_py_writes_for_deploy_instances() -> None:
    instances = load_instances()
    site = NGINX_SITE.read_text()
    assert instances["site"](site, instances["count"]()) == site
    three = instances["site"](site, 3)
    assert upstream_sockets(three) == [
        f"unix:/run/{SERVICE}-{index}/gunicorn.sock" for index in (1, 2, 3)
    ]
    assert (
        three.count("max_fails=3 fail_timeout=3s;")
        == site.count("max_fails=3 fail_timeout=3s;") + 3 - instances["count"]()
    )
    assert instances["units"](2) == [f"{SERVICE}@1.service", f"{SERVICE}@2.service"]
    assert instances["fail_timeout"](site) == 3


def test_the_instance_count_must_be_one_whole_number(tmp_path: Path) -> None:
    count = load_instances()["count"]
    wrong = []
    for text in ["0", "two", "2\n3", "# nothing", "\u00b2", "-1"]:
        path = tmp_path / "instances"
        path.write_text(text, encoding="utf-8")
        try:
            count(path)
        except SystemExit as refusal:
            if "is refused" not in str(refusal):
                wrong.append(text)
        else:
            wrong.append(text)
    assert wrong == []


def test_nginx_retries_only_idempotent_requests_on_another_instance() -> None:
    # Without `non_idempotent`, Nginx never replays a POST that reached an instance.
    assert nginx_value("proxy_next_upstream").split() == [
        "error",
        "timeout",
        "http_502",
        "http_503",
    ]


def test_nginx_body_limit_matches_the_app() -> None:
    megabytes = int(nginx_value("client_max_body_size").removesuffix("m"))
    app_limit = create_app("testing").config["MAX_CONTENT_LENGTH"]
    assert megabytes * 1024 * 1024 == app_limit


def test_nginx_serves_the_apps_static_folder() -> None:
    alias = nginx_value("alias")
    assert alias.startswith(SERVER_ROOT)
    folder = PROJECT_ROOT / alias.removeprefix(SERVER_ROOT)
    assert folder == Path(create_app("testing").static_folder).resolve()
    assert (folder / "style.css").is_file()


def test_nginx_overwrites_the_forwarded_headers() -> None:
    text = NGINX_SITE.read_text()
    for header, value in [
        ("Host", "$host"),
        ("X-Forwarded-For", "$remote_addr"),
        ("X-Forwarded-Proto", "$scheme"),
        ("X-Forwarded-Host", "$host"),
        ("X-Forwarded-Port", "$server_port"),
    ]:
        assert f"proxy_set_header {header} {value};" in text
