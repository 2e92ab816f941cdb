"""HTTP and HTTPS requests to loopback under any host name, and a throwaway certificate."""

from __future__ import annotations

import http.client
import socket
import ssl
import subprocess
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from .processes import LOOPBACK

SITE_HOST = "example.com"  # the server_name the generated site ships with


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """Trust only this certificate, and check the host name against it."""
        context = ssl.create_default_context(cafile=str(self.cert))
        # A self-signed certificate is its own trust anchor; strict mode (the default
        # from Python 3.13) also wants CA-only extensions that a leaf does not carry.
        context.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)
        return context


def make_certificate(directory: Path, openssl: str, host: str = SITE_HOST) -> Certificate:
    """Create a self-signed certificate for ``host``, valid for two days."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-nodes", "-days", "2",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host}",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return Certificate(cert, key)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Message
    body: bytes


def request(
    port: int,
    path: str,
    *,
    host: str = SITE_HOST,
    tls: ssl.SSLContext | None = None,
    sni: str | None = None,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    source: str = LOOPBACK,
) -> Reply:
    """Send one request to ``LOOPBACK:port`` as if ``host`` resolved there.

    ``source`` picks the client's own loopback address, so a test can tell the client
    apart from Nginx, which reaches Gunicorn from 127.0.0.1.
    """
    raw = socket.create_connection((LOOPBACK, port), timeout=10, source_address=(source, 0))
    try:
        sock = tls.wrap_socket(raw, server_hostname=sni or host) if tls else raw
    except BaseException:
        raw.close()
        raise
    connection = http.client.HTTPConnection(host)
    connection.sock = sock  # already connected: http.client sends on it as it is
    try:
        connection.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()
