"""The deployment option, proven: real Nginx in front of real Gunicorn on loopback.

A baked project is copied as a git clone would deliver it (no .env), given a SQLite
database with `flask db upgrade` as deploy/README.md describes, and served by
Gunicorn with the generated gunicorn.conf.py behind Nginx with the generated site,
which tests/deploy_support/nginx.py moves onto high loopback ports. Every server is
started once per module and stopped, with all its workers, however the tests end.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import time
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import BIN, Bake, missing_service, run
from .deploy_support.clients import SITE_HOST, Certificate, Reply, make_certificate, request
from .deploy_support.nginx import NginxSite, rewrite
from .deploy_support.processes import LOOPBACK, Server, child_pids, free_port, wait_until
from .deploy_support.wrk import finish_load, start_load

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.nginx]

SECRET_KEY = secrets.token_hex(32)
WORKERS = 2
# The client's own loopback address: Nginx reaches Gunicorn from 127.0.0.1, so only
# a different one shows whose address the app really sees.
CLIENT = "127.0.0.2"
FORGED = "203.0.113.66"
# Variables of the developer's shell that would change what the servers do.
SHELL_VARIABLES = (
    "FLASK_",
    "GUNICORN_",
    "SECRET_KEY",
    "DATABASE_URL",
    "PROXY_FIX_HOPS",
    "TRUSTED_HOSTS",
)

# Test-only, written into the test's copy of the project and never into the template:
# the production app plus one route that reports what the app believes about a request.
PROBE = """\
from flask import Flask, request

from {pkg} import create_app as create_production_app


def create_app(config_name: str) -> Flask:
    app = create_production_app(config_name)

    @app.get("/_probe")
    def probe() -> dict[str, str]:
        return {{"remote_addr": request.remote_addr, "scheme": request.scheme,
                "host": request.host}}

    return app
"""


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing_service(f"{name} is not installed")
    return str(path)


@dataclass(frozen=True)
class Project:
    root: Path
    slug: str
    pkg: str

    @classmethod
    def copy(cls, baked: Path, destination: Path) -> Project:
        """Copy a baked project as a git clone would deliver it: no .env, no caches."""
        ignore = shutil.ignore_patterns(".env", "instance", "__pycache__", ".pytest_cache")
        shutil.copytree(baked, destination, ignore=ignore)
        answers = json.loads((destination / ".flaskcutter.json").read_text(encoding="utf-8"))
        return cls(destination, answers["project_slug"], answers["package_name"])

    @property
    def gunicorn_conf(self) -> Path:
        return self.root / "deploy" / "gunicorn.conf.py"


@dataclass(frozen=True)
class Deployment:
    """A project copy with its database, and the environment its env file would hold."""

    project: Project
    work: Path
    env: dict[str, str]

    def gunicorn_env(self, bind: str, **overrides: str) -> dict[str, str]:
        """The service's environment, with Gunicorn moved to a loopback port."""
        gunicorn = {"GUNICORN_BIND": bind, "GUNICORN_WORKERS": str(WORKERS)}
        return {**self.env, **gunicorn, **overrides}

    def gunicorn_args(self, *app: str) -> list[str]:
        return [str(BIN / "gunicorn"), "--config", str(self.project.gunicorn_conf), *app]


@dataclass(frozen=True)
class Stack:
    """Nginx in front of Gunicorn, both running."""

    deployment: Deployment
    site: NginxSite
    gunicorn: Server
    certificate: Certificate

    def https(self, path: str, **options: Any) -> Reply:
        context = self.certificate.client_context()
        return request(self.site.https_port, path, tls=context, **options)


def service_env(work: Path) -> dict[str, str]:
    """The variables deploy/README.md puts in /etc/<slug>/env, on a clean environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SHELL_VARIABLES)}
    (work / "run").mkdir()
    return {
        **env,
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "FLASK_CONFIG": "production",
        "SECRET_KEY": SECRET_KEY,
        "TRUSTED_HOSTS": f"{SITE_HOST},{LOOPBACK}",
        "DATABASE_URL": f"sqlite:///{work / 'app.sqlite'}",
        # What systemd's RuntimeDirectory= would export; Gunicorn's control socket goes here.
        "RUNTIME_DIRECTORY": str(work / "run"),
    }


def app_answers(port: int) -> bool:
    try:
        return request(port, "/healthz", host=f"{LOOPBACK}:{port}").status == 200
    except (OSError, http.client.HTTPException):
        return False


def start_gunicorn(name: str, deployment: Deployment, port: int, *app: str) -> Server:
    """Start Gunicorn from another directory, as systemd would, and wait until it serves."""
    server = Server(
        name,
        deployment.gunicorn_args(*app),
        deployment.work,
        deployment.gunicorn_env(f"{LOOPBACK}:{port}"),
        deployment.work,
    )
    if not wait_until(lambda: not server.running() or app_answers(port), timeout=30):
        server.stop()
        raise AssertionError(f"Gunicorn never answered:\n{server.output()}")
    if not server.running():
        server.stop()
        raise AssertionError(f"Gunicorn exited:\n{server.output()}")
    return server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"), tool("openssl"))


@pytest.fixture(scope="module")
def deployment(bake: Bake, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    work = tmp_path_factory.mktemp("deploy")
    project = Project.copy(bake(), work / "app")
    env = service_env(work)
    upgrade = run([str(BIN / "flask"), "--app", project.pkg, "db", "upgrade"], project.root, env)
    assert upgrade.returncode == 0, upgrade.stderr
    return Deployment(project, work, env)


@pytest.fixture(scope="module")
def stack(deployment: Deployment, certificate: Certificate) -> Iterator[Stack]:
    """Gunicorn with the generated config, serving the app plus the test-only probe,
    behind Nginx with the generated site."""
    project = deployment.project
    (project.root / "deploy_probe.py").write_text(PROBE.format(pkg=project.pkg))
    nginx_binary = tool("nginx")
    port = free_port()
    gunicorn = start_gunicorn("gunicorn", deployment, port, "deploy_probe:create_app('production')")
    try:
        upstream = f"{LOOPBACK}:{port}"
        site = NginxSite.create(
            nginx_binary,
            deployment.work / "nginx",
            project.root,
            project.slug,
            upstream,
            certificate,
        )
        nginx = site.start()
        try:
            yield Stack(deployment, site, gunicorn, certificate)
        finally:
            nginx.stop()
    finally:
        gunicorn.stop()


# The generated files, without servers ---------------------------------------------


def test_deployment_none_has_no_deploy_files_and_no_gunicorn(bake: Bake) -> None:
    def dependencies(project: Path) -> list[str]:
        return tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]

    project = bake(deployment="none")
    assert not (project / "deploy").exists()
    assert not (project / "tests" / "test_deploy_config.py").exists()
    assert not [dep for dep in dependencies(project) if dep.startswith("gunicorn")]
    assert [dep for dep in dependencies(bake()) if dep.startswith("gunicorn")]


def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    if path is None:
        pytest.skip("systemd-analyze is not installed")
    return str(path)


def systemd_unit(project: Path) -> tuple[Path, str]:
    """The generated unit of a baked project, and the project's slug."""
    slug = json.loads((project / ".flaskcutter.json").read_text(encoding="utf-8"))["project_slug"]
    return project / "deploy" / "systemd" / f"{slug}@.service", slug


def test_unit_passes_systemd_analyze_verify(bake: Bake, tmp_path: Path) -> None:
    unit, slug = systemd_unit(bake())
    # verify insists that ExecStart's binary exists, so point it at this venv's real
    # Gunicorn instead of /srv/<slug>/.venv. Nothing else needs to change: verify does
    # not look up User=, and the paths it cannot see are only used at start.
    text = rewrite(
        unit.read_text(),
        rf"^ExecStart=/srv/{slug}/\.venv/bin/gunicorn ",
        f"ExecStart={BIN / 'gunicorn'} ",
    )
    copy = tmp_path / unit.name
    copy.write_text(text)
    # A template is only checked through an instance: verify loads <slug>@1.service
    # from the template beside it, and says nothing at all about the bare template.
    instance = tmp_path / f"{slug}@1.service"
    result = run([systemd_analyze(), "verify", "--man=no", str(instance)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert unit.name not in result.stderr, result.stderr


def test_unit_sandbox_scores_at_most_2(bake: Bake, tmp_path: Path) -> None:
    unit, _ = systemd_unit(bake())
    result = run([systemd_analyze(), "security", "--offline=yes", str(unit)], tmp_path)
    assert result.returncode == 0, result.stderr
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert score, result.stdout
    assert float(score.group(1)) <= 2.0, result.stdout


# Nginx alone, for each layout -----------------------------------------------------


@dataclass(frozen=True)
class LayoutSite:
    layout: str
    project: Project
    site: NginxSite

    def static_folder(self) -> Path:
        """Where each layout keeps static files, stated apart from the site file."""
        if self.layout == "single":
            return self.project.root / "static"
        return self.project.root / self.project.pkg / "static"


@pytest.fixture(scope="module", params=["blueprints", "single"])
def layout_site(
    request: pytest.FixtureRequest,
    bake: Bake,
    certificate: Certificate,
    tmp_path_factory: pytest.TempPathFactory,
) -> LayoutSite:
    layout = request.param
    work = tmp_path_factory.mktemp(f"nginx-{layout}")
    baked = bake() if layout == "blueprints" else bake(layout=layout)
    project = Project.copy(baked, work / "app")
    # Static files never reach the upstream, so it may point at a closed port.
    upstream = f"{LOOPBACK}:{free_port()}"
    site = NginxSite.create(
        tool("nginx"), work / "nginx", project.root, project.slug, upstream, certificate
    )
    return LayoutSite(layout, project, site)


def test_site_passes_nginx_t(layout_site: LayoutSite) -> None:
    result = layout_site.site.test_config()
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_static_alias_serves_the_layouts_static_folder(
    layout_site: LayoutSite, certificate: Certificate
) -> None:
    nginx = layout_site.site.start()
    try:
        reply = request(
            layout_site.site.https_port, "/static/style.css", tls=certificate.client_context()
        )
    finally:
        nginx.stop()
    assert reply.status == 200
    assert reply.body == (layout_site.static_folder() / "style.css").read_bytes()
    assert reply.headers["Content-Type"] == "text/css"


# Gunicorn alone -------------------------------------------------------------------


def test_gunicorn_serves_the_configured_app_on_loopback(deployment: Deployment) -> None:
    # No app argument: this runs wsgi_app exactly as gunicorn.conf.py names it.
    port = free_port()
    server = start_gunicorn("gunicorn-plain", deployment, port)
    try:
        reply = request(port, "/healthz", host=f"{LOOPBACK}:{port}")
    finally:
        server.stop()
    assert reply.status == 200
    assert json.loads(reply.body) == {"status": "ok"}
    assert f"Listening at: http://{LOOPBACK}:{port}" in server.output()


def refused_boot(name: str, deployment: Deployment, env: dict[str, str]) -> tuple[int, str]:
    """Start Gunicorn where it must refuse to run; return its exit code and output."""
    server = Server(name, deployment.gunicorn_args(), deployment.work, env, deployment.work)
    try:
        code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Gunicorn kept running:\n{server.output()}")
    finally:
        server.stop()
    return code, server.output()


def test_gunicorn_refuses_to_boot_without_a_strong_secret(deployment: Deployment) -> None:
    weak = "too-short"
    bind = f"{LOOPBACK}:{free_port()}"
    env = deployment.gunicorn_env(bind, SECRET_KEY=weak, GUNICORN_WORKERS="1")
    code, output = refused_boot("gunicorn-weak-secret", deployment, env)
    assert code != 0
    assert "SECRET_KEY" in output


def test_gunicorn_refuses_a_public_bind(deployment: Deployment) -> None:
    everywhere = ".".join(["0"] * 4)  # spelled out, as ruff's S104 flags the literal
    env = deployment.gunicorn_env(f"{everywhere}:{free_port()}")
    code, output = refused_boot("gunicorn-public-bind", deployment, env)
    assert code != 0
    assert "is refused" in output
    assert "Listening at" not in output


EVERYWHERE = ".".join(["0"] * 4)  # spelled out, as ruff's S104 flags the literal
WIDENINGS = {
    "cmd-args-bind": {"GUNICORN_CMD_ARGS": f"--bind {EVERYWHERE}:{{port}}"},
    "cmd-args-second-bind": {"GUNICORN_CMD_ARGS": "--bind 127.0.0.1:{port} -b [::]:{port}"},
    "cmd-args-forwarded": {"GUNICORN_CMD_ARGS": "--forwarded-allow-ips *"},
    "cmd-args-forwarded-net": {"GUNICORN_CMD_ARGS": "--forwarded-allow-ips 10.0.0.0/8"},
    "cmd-args-no-timeout": {"GUNICORN_CMD_ARGS": "--timeout 0"},
    "superscript-workers": {"GUNICORN_WORKERS": "\u00b2"},
    "arabic-digit-threads": {"GUNICORN_THREADS": "\u0663"},
}


def test_no_source_can_widen_what_gunicorn_trusts(deployment: Deployment) -> None:
    """GUNICORN_CMD_ARGS is applied after the config file; the server hook still refuses."""
    wrong = []
    for name, extra in WIDENINGS.items():
        port = free_port()
        env = deployment.gunicorn_env(f"{LOOPBACK}:{port}")
        env.update({key: value.format(port=port) for key, value in extra.items()})
        code, output = refused_boot(f"gunicorn-{name}", deployment, env)
        refusals = [line for line in output.splitlines() if "is refused" in line]
        if code == 0 or len(refusals) != 1 or "Traceback" in output or "Listening at" in output:
            wrong.append((name, code, output[-500:]))
    assert wrong == []


# Nginx in front of Gunicorn -------------------------------------------------------


def test_healthz_over_https_sends_hsts_and_nosniff(stack: Stack) -> None:
    reply = stack.https("/healthz")
    assert reply.status == 200
    assert json.loads(reply.body) == {"status": "ok"}
    assert reply.headers["Strict-Transport-Security"] == "max-age=63072000"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_plain_http_redirects_to_https(stack: Stack) -> None:
    reply = request(stack.site.http_port, "/healthz?from=http")
    assert reply.status == 301
    assert reply.headers["Location"] == "https://example.com/healthz?from=http"


def test_unknown_host_names_are_dropped(stack: Stack) -> None:
    # HTTP: "return 444" closes the connection without a response.
    with pytest.raises(http.client.RemoteDisconnected):
        request(stack.site.http_port, "/healthz", host="attacker.test")
    # HTTPS with an unknown SNI name: ssl_reject_handshake refuses the handshake.
    with pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME"):
        stack.https("/healthz", host="attacker.test")
    # A known SNI name with another Host header lands in the default server too.
    with pytest.raises(http.client.RemoteDisconnected):
        stack.https("/healthz", host="attacker.test", sni="example.com")


def gunicorn_saw(stack: Stack, marker: str) -> bool:
    """Whether a request carrying ``marker`` reached Gunicorn's access log."""
    # Once a later request is in the log, an earlier one would be there too.
    later = uuid.uuid4().hex
    assert stack.https(f"/healthz?{later}").status == 200
    assert wait_until(lambda: later in stack.gunicorn.stdout(), timeout=10)
    return marker in stack.gunicorn.stdout()


def test_static_files_are_served_by_nginx_not_gunicorn(stack: Stack) -> None:
    marker = uuid.uuid4().hex
    reply = stack.https(f"/static/style.css?{marker}")
    assert reply.status == 200
    assert reply.headers["Cache-Control"] == "public, max-age=3600"
    assert not gunicorn_saw(stack, marker)


def test_app_sees_the_true_client_address_not_forged_headers(stack: Stack) -> None:
    forged = {
        "X-Forwarded-For": FORGED,
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Host": "attacker.test",
        "X-Forwarded-Port": "1",
    }
    reply = stack.https("/_probe", headers=forged, source=CLIENT)
    assert reply.status == 200
    assert json.loads(reply.body) == {
        "remote_addr": CLIENT,
        "scheme": "https",
        "host": f"example.com:{stack.site.https_port}",
    }
    # Gunicorn's access log names the same client, never the forged address.
    assert wait_until(lambda: f'{CLIENT} "GET /_probe' in stack.gunicorn.stdout(), timeout=10)
    assert FORGED not in stack.gunicorn.stdout()


def test_bodies_over_1_mib_are_refused_by_nginx(stack: Stack) -> None:
    marker = uuid.uuid4().hex
    reply = stack.https(f"/api/notes?{marker}", method="POST", body=b"x" * (1024 * 1024 + 1))
    assert reply.status == 413
    assert not gunicorn_saw(stack, marker)


# Under load (wrk counts failures; nothing here is timed) -------------------------


LOAD_SECONDS = 5
# Let the run warm up before disturbing it; the outcome does not depend on this.
DISTURB_AFTER = 1.5


def test_load_through_nginx_fails_no_request(stack: Stack, tmp_path: Path) -> None:
    load = start_load(tool("wrk"), stack.site.https_port, "/healthz", 3, tmp_path)
    result = finish_load(load, 3)
    assert result.requests > 0
    assert result.failures == 0, result


def test_a_killed_worker_is_replaced_and_its_loss_absorbed(stack: Stack, tmp_path: Path) -> None:
    master = stack.gunicorn.pid
    load = start_load(tool("wrk"), stack.site.https_port, "/healthz", LOAD_SECONDS, tmp_path)
    try:
        time.sleep(DISTURB_AFTER)
        # A worker that max_requests is recycling may be missing for a moment.
        assert wait_until(lambda: bool(child_pids(master)), timeout=10)
        victim = min(child_pids(master))
        os.kill(victim, signal.SIGKILL)
    finally:
        result = finish_load(load, LOAD_SECONDS)
    assert result.requests > 0
    assert result.failures * 1000 < result.requests, result
    replaced = wait_until(
        lambda: victim not in child_pids(master) and len(child_pids(master)) == WORKERS,
        timeout=15,
    )
    assert replaced, stack.gunicorn.output()[-2000:]


def test_a_hup_reload_fails_no_request(stack: Stack, tmp_path: Path) -> None:
    master = stack.gunicorn.pid
    load = start_load(tool("wrk"), stack.site.https_port, "/healthz", LOAD_SECONDS, tmp_path)
    try:
        time.sleep(DISTURB_AFTER)
        os.kill(master, signal.SIGHUP)
    finally:
        result = finish_load(load, LOAD_SECONDS)
    assert result.requests > 0
    assert result.failures == 0, result
    assert "Handling signal: hup" in stack.gunicorn.output()
    assert wait_until(lambda: len(child_pids(master)) == WORKERS, timeout=15)
