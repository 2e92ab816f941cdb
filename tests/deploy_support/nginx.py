"""The generated Nginx site, moved onto loopback test ports and run by an unprivileged prefix.

Only what cannot work in a test is rewritten: the listen ports (high ports on
127.0.0.1), the upstream addresses (each Gunicorn instance on a loopback port instead
of its unix socket, with the generated options), the certificate paths
(a throwaway self-signed pair) and the root of the static alias (the test's copy of the
project instead of /srv/<slug>). Every other line is tested exactly as generated.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .clients import Certificate
from .processes import LOOPBACK, Server, accepts_connections, free_port, wait_until

# A minimal nginx.conf around the site, which is a sites-available fragment. Every path
# nginx writes to lives in the test's directory, so it needs no root and leaves no trace.
WRAPPER = """\
{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log notice;
events {{
    worker_connections 512;
}}
http {{
    types {{
        text/html html;
        text/css css;
        application/javascript js;
        application/json json;
    }}
    default_type application/octet-stream;
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
"""


def rewrite(text: str, pattern: str, replacement: str) -> str:
    """Apply one rewrite, insisting that it matched: a silent miss would test nothing."""
    new, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count, f"the site no longer contains {pattern!r}; update the test's rewrites"
    return new


def instance_servers(text: str, slug: str, upstreams: Sequence[str]) -> str:
    """Replace the generated instance ``server`` lines by one per loopback upstream."""
    line = re.compile(
        rf"^(\s*)server unix:/run/{slug}-[0-9]+/gunicorn\.sock([^;\n]*);\n", re.MULTILINE
    )
    found = list(line.finditer(text))
    assert found, "the site no longer lists instance sockets; update the test's rewrites"
    indent, options = found[0].groups()
    servers = "".join(f"{indent}server {upstream}{options};\n" for upstream in upstreams)
    return text[: found[0].start()] + servers + text[found[-1].end() :]


def loopback_site(
    text: str,
    *,
    slug: str,
    project: Path,
    http_port: int,
    https_port: int,
    upstream: str | Sequence[str],
    certificate: Certificate,
) -> str:
    """The generated site with the four test-only rewrites applied."""
    # IPv6 listens are dropped: CI containers often have no ::1.
    text = rewrite(text, r"^\s*listen \[::\]:.*\n", "")
    text = rewrite(text, r"^(\s*listen\s+)80\b", rf"\g<1>{LOOPBACK}:{http_port}")
    text = rewrite(text, r"^(\s*listen\s+)443\b", rf"\g<1>{LOOPBACK}:{https_port}")
    text = instance_servers(text, slug, [upstream] if isinstance(upstream, str) else upstream)
    text = rewrite(text, r"ssl_certificate\s+\S+;", f"ssl_certificate {certificate.cert};")
    text = rewrite(text, r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {certificate.key};")
    return rewrite(text, rf"alias /srv/{slug}/", f"alias {project}/")


@dataclass
class NginxSite:
    """A test directory holding the rewritten site, its wrapper and nginx's own files."""

    binary: str
    directory: Path
    http_port: int
    https_port: int

    @classmethod
    def create(
        cls,
        binary: str,
        directory: Path,
        project: Path,
        slug: str,
        upstream: str | Sequence[str],
        certificate: Certificate,
    ) -> NginxSite:
        directory.mkdir(parents=True)
        site = cls(binary, directory, free_port(), free_port())
        generated = (project / "deploy" / "nginx" / f"{slug}.conf").read_text()
        (directory / "site.conf").write_text(
            loopback_site(
                generated,
                slug=slug,
                project=project,
                http_port=site.http_port,
                https_port=site.https_port,
                upstream=upstream,
                certificate=certificate,
            )
        )
        # As root, nginx would hand requests to "nobody" workers, which cannot read
        # pytest's private temporary directories.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (directory / "nginx.conf").write_text(WRAPPER.format(user=user, dir=directory))
        return site

    def args(self, *extra: str) -> list[str]:
        conf, log = self.directory / "nginx.conf", self.directory / "error.log"
        return [self.binary, "-p", f"{self.directory}/", "-c", str(conf), "-e", str(log), *extra]

    def test_config(self) -> subprocess.CompletedProcess[str]:
        """Run ``nginx -t`` on the site."""
        return subprocess.run(self.args("-t"), capture_output=True, text=True, timeout=30)

    def start(self) -> Server:
        """Run nginx in the foreground; the caller must stop() the returned server."""
        server = Server(
            "nginx", self.args("-g", "daemon off;"), self.directory, os.environ, self.directory
        )
        ready = wait_until(
            lambda: not server.running() or accepts_connections(self.https_port), timeout=15
        )
        if not (ready and server.running()):
            server.stop()
            raise AssertionError(f"nginx did not start:\n{self.error_log()}{server.output()}")
        return server

    def error_log(self) -> str:
        log = self.directory / "error.log"
        return log.read_text(errors="replace") if log.exists() else ""
