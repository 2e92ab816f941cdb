"""Gunicorn settings for production: ``gunicorn --config deploy/gunicorn.conf.py``.

Gunicorn sits behind Nginx and must never be reachable from the network: it listens
on a unix socket in its runtime directory, or on a loopback port, and refuses any
other address. An operator changes it through the environment (the systemd unit's
EnvironmentFile), not by editing this file:

    GUNICORN_BIND     unix:$RUNTIME_DIRECTORY/gunicorn.sock (the default: instance N
                      of the systemd unit gets /run/<slug>-N/gunicorn.sock),
                      or a loopback address such as 127.0.0.1:8000 or [::1]:8000
    GUNICORN_WORKERS  worker processes (default: 2 per usable CPU, plus 1)
    GUNICORN_THREADS  threads per worker (default: 2)
"""

import ipaddress
import os
import re
from pathlib import Path
from typing import Any

from gunicorn.util import parse_address

SERVICE = "{{ cookiecutter.project_slug }}"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# systemd creates the unit's RuntimeDirectory= and exports its path in this variable.
RUNTIME_DIR = Path(os.environ.get("RUNTIME_DIRECTORY", f"/run/{SERVICE}"))


def is_local(address: str) -> bool:
    """True for a unix socket or a loopback address, as Gunicorn itself parses it."""
    # Parse with Gunicorn's own parser, so the check and the bind cannot disagree.
    try:
        parsed = parse_address(address)
    except RuntimeError:
        parsed = None
    if isinstance(parsed, str):  # a unix socket path
        return True
    if isinstance(parsed, tuple):
        try:
            return ipaddress.ip_address(parsed[0]).is_loopback
        except ValueError:  # a host name, or "" for every interface
            return False
    return False


def loopback_only(address: str, source: str = "GUNICORN_BIND") -> str:
    """Return ``address`` if only this machine can reach it; refuse to start otherwise."""
    if is_local(address):
        return address
    # SystemExit prints one line, not a traceback, and Gunicorn exits non-zero.
    raise SystemExit(
        f"{source}={address!r} is refused: bind a unix socket (unix:/path) or a "
        "loopback address such as 127.0.0.1:8000, so that only Nginx can reach "
        "Gunicorn; a direct client could forge the X-Forwarded-* headers the app trusts"
    )


def positive_int(name: str, default: int) -> int:
    """Read a whole number >= 1 from the environment variable ``name``."""
    value = os.environ.get(name, "").strip() or str(default)
    # ASCII digits only: str.isdigit() and isdecimal() accept "²" or "٣", which int()
    # then rejects or reads differently.
    if not re.fullmatch("[0-9]+", value) or int(value) < 1:
        raise SystemExit(f"{name}={value!r} is refused: it must be a whole number >= 1")
    return int(value)


def default_workers() -> int:
    """Gunicorn's rule of thumb, counting only the CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        cpus = len(os.sched_getaffinity(0))
    else:
        cpus = os.cpu_count() or 1
    return 2 * cpus + 1


# The production app. It refuses to start without a strong SECRET_KEY.
wsgi_app = "{{ cookiecutter.package_name }}:create_app('production')"
# Import the app from this checkout, beside the templates and static files that Nginx
# serves, whatever the working directory.
chdir = str(PROJECT_ROOT)
proc_name = SERVICE

bind = [
    loopback_only(
        os.environ.get("GUNICORN_BIND", "").strip()
        or f"unix:{RUNTIME_DIR / 'gunicorn.sock'}"
    )
]
# Applied while the unix socket is created, making it 0770: the service user and its
# group (which Nginx's user joins) may connect, nobody else.
umask = 0o007

# Threads let one worker keep the idle keepalive connections of Nginx's upstream pool.
worker_class = "gthread"
workers = positive_int("GUNICORN_WORKERS", default_workers())
threads = positive_int("GUNICORN_THREADS", 2)
# A worker silent for this long is killed and replaced; 0 would disable that, and a
# hung worker would then hold its connections for ever (on_starting() refuses it).
timeout = 30
# On reload or stop, workers get this long to finish the requests they hold.
graceful_timeout = 30
# Longer than Nginx's upstream keepalive_timeout (60s), so that Nginx always closes an
# idle connection first and never sends a request down one Gunicorn is closing.
keepalive = 75
# Recycle each worker after about a thousand requests, so that a slow leak cannot
# grow for ever; the jitter keeps the workers from restarting all at once.
max_requests = 1000
max_requests_jitter = 100
# Preloading would keep the old code in the master across a HUP reload; without it,
# `systemctl reload` starts workers that import the new code.
preload_app = False

# Only Nginx on this machine may say that a request came over HTTPS. Set here, not
# left to the FORWARDED_ALLOW_IPS variable; on_starting() below refuses anything wider
# that GUNICORN_CMD_ARGS or the command line may have put in its place.
forwarded_allow_ips = "127.0.0.1,::1"
# Nginx overwrites X-Forwarded-Proto on every request, but passes other headers from
# the client as they are; so only that one decides the scheme.
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
# Nginx sets no SCRIPT_NAME or PATH_INFO headers, so none are accepted from anyone.
forwarder_headers = ""

# Logs go to stdout/stderr, which systemd sends to the journal.
accesslog = "-"
errorlog = "-"
# %(h)s is REMOTE_ADDR as the app sees it. Behind Nginx, ProxyFix takes it from the
# X-Forwarded-For that Nginx overwrites with the peer it saw, so it is the client's
# real address. Logging %({x-forwarded-for}i)s instead would log what a client wrote.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# `gunicornc` talks to the master through this socket; it lives in the private runtime
# directory, with mode 0600, instead of the service user's home.
control_socket = str(RUNTIME_DIR / "gunicorn.ctl")


def on_starting(server: Any) -> None:  # server: Gunicorn's Arbiter
    """Check the final settings, whatever set them, before any socket is opened.

    The values above come from this file, but GUNICORN_CMD_ARGS and the command line
    are applied after it (``--bind 0.0.0.0:80``, ``--forwarded-allow-ips '*'``), so
    the rules are enforced here, on what Gunicorn will really use.
    """
    cfg = server.cfg
    for address in cfg.bind:
        loopback_only(address, source="bind")
    for trusted in cfg.forwarded_allow_ips:
        try:
            local = ipaddress.ip_network(trusted, strict=False).subnet_of(
                ipaddress.ip_network("127.0.0.0/8" if ":" not in trusted else "::1/128")
            )
        except (ValueError, TypeError):  # "*", a name, or mixed families
            local = False
        if not local:
            raise SystemExit(
                f"forwarded_allow_ips={','.join(cfg.forwarded_allow_ips)!r} is refused: "
                "only Nginx on this machine (127.0.0.1, ::1) may set X-Forwarded-*"
            )
    if not cfg.timeout or cfg.timeout < 1:
        raise SystemExit(
            f"timeout={cfg.timeout!r} is refused: a worker timeout of at least 1 second "
            "keeps a hung worker from holding connections for ever"
        )
