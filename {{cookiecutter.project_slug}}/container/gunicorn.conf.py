"""Gunicorn settings inside the container image: ``gunicorn -c container/gunicorn.conf.py``.

``deploy/gunicorn.conf.py`` keeps Gunicorn on loopback or a unix socket, behind Nginx
on the same machine. Inside a container, loopback is the container's own, so nothing
outside could ever reach it: the image has to listen on the container's interfaces,
and the container runtime decides who reaches them (``-p 127.0.0.1:8000:8000``, a
compose network). So this file accepts the wildcard address ``0.0.0.0:PORT`` (or
``[::]:PORT``) only when ``GUNICORN_CONTAINER=1``, which the Dockerfile sets in the
image; anywhere else it refuses every bind but loopback or a unix socket.

    GUNICORN_BIND       default 0.0.0.0:8000 in the image, 127.0.0.1:8000 elsewhere
    GUNICORN_WORKERS    worker processes (default: 2 per usable CPU, plus 1)
    GUNICORN_THREADS    threads per worker (default: 2)
    GUNICORN_CONTAINER  1 in the image: allows the wildcard bind

Forwarded headers are the app's business alone: Gunicorn takes no scheme or script
name from any header, and ProxyFix trusts exactly ``PROXY_FIX_HOPS`` proxies (the
image sets 0, since a published port reaches the app directly).
"""

import ipaddress
import os

from gunicorn.util import parse_address

IN_CONTAINER = os.environ.get("GUNICORN_CONTAINER", "") == "1"


def allowed_bind(address: str) -> str:
    """Return ``address`` if this file's bind rule allows it; refuse to start otherwise."""
    # Parse with Gunicorn's own parser, so the check and the bind cannot disagree.
    try:
        parsed = parse_address(address)
    except RuntimeError:
        parsed = None
    if isinstance(parsed, str):  # a unix socket path
        return address
    if isinstance(parsed, tuple):
        try:
            ip = ipaddress.ip_address(parsed[0])
        except ValueError:  # a host name, or "" for every interface
            ip = None
        # 0.0.0.0 and :: are the container's own interfaces, and only there.
        if ip is not None and (ip.is_loopback or (IN_CONTAINER and ip.is_unspecified)):
            return address
    where = (
        "in the image (GUNICORN_CONTAINER=1)" if IN_CONTAINER else "outside a container"
    )
    allowed = "0.0.0.0:PORT, [::]:PORT, " if IN_CONTAINER else ""
    # SystemExit prints one line, not a traceback, and Gunicorn exits non-zero.
    raise SystemExit(
        f"GUNICORN_BIND={address!r} is refused {where}: bind {allowed}a loopback "
        "address or a unix socket (unix:/path)"
    )


def positive_int(name: str, default: int) -> int:
    """Read a whole number >= 1 from the environment variable ``name``."""
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < 1:
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
proc_name = "{{ cookiecutter.project_slug }}"

default_bind = "0.0.0.0:8000" if IN_CONTAINER else "127.0.0.1:8000"
bind = [allowed_bind(os.environ.get("GUNICORN_BIND", "").strip() or default_bind)]

worker_class = "gthread"
workers = positive_int("GUNICORN_WORKERS", default_workers())
threads = positive_int("GUNICORN_THREADS", 2)
timeout = 30
graceful_timeout = 30
# Longer than the idle timeout of the load balancers that usually sit in front
# (60 s), so that they close an idle connection first.
keepalive = 75
max_requests = 1000
max_requests_jitter = 100

# Nobody may set the scheme or the script name through a header at Gunicorn's level;
# set here, not left to FORWARDED_ALLOW_IPS, so the environment cannot widen it.
forwarded_allow_ips = "127.0.0.1,::1"
secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""

# The image has no writable home for gunicornc's socket; `docker exec` and signals
# (HUP, TTIN, TTOU) to process 1 do its work in a container.
control_socket_disable = True

# Logs go to stdout/stderr, which the container runtime collects.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
