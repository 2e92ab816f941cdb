"""Servers in their own process group, stopped for certain, and their worker processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """Return a loopback TCP port that nothing listens on at the moment."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; report which."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1):
            return True
    except OSError:
        return False


def child_pids(parent: int) -> set[int]:
    """The live (not zombie) children of ``parent``, read from /proc."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid ...": comm may hold spaces, so split after ")".
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        if int(ppid) == parent and state != "Z":
            children.add(int(stat.parent.name))
    return children


class Server:
    """A process started in a new session, with stdout and stderr kept in files."""

    def __init__(
        self, name: str, args: list[str], cwd: Path, env: Mapping[str, str], log_dir: Path
    ) -> None:
        self.name = name
        self.stdout_path = log_dir / f"{name}.out"
        self.stderr_path = log_dir / f"{name}.err"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            # A new session makes the server the leader of a process group that holds all
            # its workers, so stop() reaches them even if the master misbehaves.
            self.process = subprocess.Popen(
                args, cwd=cwd, env=dict(env), stdout=out, stderr=err, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def output(self) -> str:
        return self.stdout() + self.stderr_path.read_text(errors="replace")

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 15) -> None:
        """Ask the server to stop; kill its whole process group if it does not."""
        if self.running():
            self.process.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        # Anything left in the group (a hung master, orphaned workers) is ours to end.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout)
