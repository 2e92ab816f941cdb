"""Run N Gunicorn instances: N comes from deploy/instances, and this script applies it.

    python3 deploy/instances.py count     N, as deploy/instances says
    python3 deploy/instances.py units     the systemd units: <slug>@1.service ...
    python3 deploy/instances.py site      the Nginx site, its upstream listing N sockets
    python3 deploy/instances.py restart   restart the units one at a time, each only once
                                          the one before it answers /healthz again

Only the standard library: it runs with the system's python3, before any venv exists.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

SERVICE = "{{ cookiecutter.project_slug }}"
DEPLOY = Path(__file__).resolve().parent
COUNT_FILE = DEPLOY / "instances"
SITE_FILE = DEPLOY / "nginx" / f"{SERVICE}.conf"
# Instance i's RuntimeDirectory= in systemd/<slug>@.service, and its socket there.
SOCKET = "/run/{service}-{index}/gunicorn.sock"
SERVER_LINE = re.compile(
    rf"^(?P<indent>[ \t]*)server unix:/run/{re.escape(SERVICE)}-[0-9]+/gunicorn\.sock"
    r"(?P<options>[^;\n]*);[ \t]*\n",
    re.MULTILINE,
)
HEALTHY_WITHIN = 60


def count(path: Path = COUNT_FILE) -> int:
    """The number in ``path``: the one line that is not blank or a comment."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    values = [line for line in lines if line and not line.startswith("#")]
    if len(values) != 1 or not re.fullmatch("[0-9]+", values[0]) or int(values[0]) < 1:
        raise SystemExit(
            f"{path}: {values!r} is refused: it must hold one whole number >= 1"
        )
    return int(values[0])


def units(n: int) -> list[str]:
    return [f"{SERVICE}@{index}.service" for index in range(1, n + 1)]


def socket_path(index: int) -> str:
    return SOCKET.format(service=SERVICE, index=index)


def site(text: str, n: int) -> str:
    """The Nginx site with its instance ``server`` lines replaced by ``n`` of them.

    Other ``server`` lines (app servers on other machines) are kept as they are.
    """
    found = list(SERVER_LINE.finditer(text))
    if not found:
        raise SystemExit(f"{SITE_FILE.name} has no 'server unix:{socket_path(1)}' line")
    first, last = found[0], found[-1]
    if text[first.start() : last.end()] != "".join(m.group(0) for m in found):
        raise SystemExit(
            f"the instance server lines of {SITE_FILE.name} must be together"
        )
    indent, options = first.group("indent"), first.group("options")
    lines = "".join(
        f"{indent}server unix:{socket_path(i)}{options};\n" for i in range(1, n + 1)
    )
    return text[: first.start()] + lines + text[last.end() :]


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP to Gunicorn's unix socket, as Nginx talks to it."""

    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=5)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def healthy(index: int) -> bool:
    # Production answers only for TRUSTED_HOSTS (read from /etc/<slug>/env).
    host = os.environ.get("TRUSTED_HOSTS", "localhost").split(",")[0].strip()
    connection = UnixHTTPConnection(socket_path(index))
    try:
        connection.request("GET", "/healthz", headers={"Host": host})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def fail_timeout(text: str) -> int:
    """Seconds that Nginx benches a failing instance: its site's ``fail_timeout``."""
    found = SERVER_LINE.search(text)
    options = found.group("options") if found else ""
    seconds = re.search(r"fail_timeout=([0-9]+)s?\b", options)
    return int(seconds.group(1)) if seconds else 10  # Nginx's default


def rolling_restart(n: int) -> None:
    """Restart one instance at a time; Nginx sends its requests to the others meanwhile.

    After each restart, wait until the instance answers and then until Nginx, which
    may have benched it while it was down, sends it requests again.
    """
    readmit = fail_timeout(SITE_FILE.read_text(encoding="utf-8")) + 1
    for index, unit in enumerate(units(n), start=1):
        # The unit names come from units(), never from input.
        subprocess.run(["systemctl", "restart", unit], check=True)  # noqa: S603, S607
        deadline = time.monotonic() + HEALTHY_WITHIN
        while not healthy(index):
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"{unit} did not answer /healthz within {HEALTHY_WITHIN}s"
                )
            time.sleep(0.5)
        time.sleep(readmit)
        print(f"{unit} restarted and healthy")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    n = count()
    if command == "count":
        print(n)
    elif command == "units":
        print(" ".join(units(n)))
    elif command == "site":
        sys.stdout.write(site(SITE_FILE.read_text(encoding="utf-8"), n))
    elif command == "restart":
        rolling_restart(n)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
