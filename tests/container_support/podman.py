"""Run podman with settings and storage of this test run only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

# Found by trying on this machine (the sandbox cannot raise limits; crun fails with
# "cgroups in hybrid mode not supported").
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
STORAGE_CONF = """\
[storage]
driver = "overlay"
graphroot = "{root}/storage"
runroot = "{root}/run"
"""
PROGRAMS = ("podman", "runc")


def missing_programs(debootstrap: bool) -> list[str]:
    """The programs not on PATH; debootstrap only when the tree must be downloaded."""
    wanted = (*PROGRAMS, "debootstrap") if debootstrap else PROGRAMS
    return [name for name in wanted if shutil.which(name) is None]


class Podman:
    """podman with CONTAINERS_CONF and CONTAINERS_STORAGE_CONF under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "containers.conf").write_text(CONTAINERS_CONF)
        (root / "storage.conf").write_text(STORAGE_CONF.format(root=root))
        self.env = {
            **os.environ,
            "CONTAINERS_CONF": str(root / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(root / "storage.conf"),
            # Temp files of builds and imports stay beside the storage.
            "TMPDIR": str(root / "tmp"),
        }
        (root / "tmp").mkdir(exist_ok=True)

    def run(
        self,
        *args: str,
        cwd: Path | None = None,
        timeout: float = 300,
        check: bool = True,
        stdin: IO[bytes] | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["podman", *args],
            cwd=cwd,
            env={**self.env, **(extra_env or {})},
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"podman {' '.join(args)} exited {done.returncode}:\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done

    def build(self, context: Path, tag: str, *extra: str, timeout: float = 300) -> None:
        # --layers=false commits the finished image only, not each step as a cache
        # layer that no later build of a test reuses (a sixth less CPU per build).
        self.run(
            "build", "--isolation", "chroot", "--network", "host", "--format", "docker",
            "--layers=false", "--tag", tag, *extra, str(context),
            timeout=timeout,
        )  # fmt: skip

    def inspect(self, kind: str, name: str) -> dict:
        return json.loads(self.run(kind, "inspect", name).stdout)[0]

    def wait_healthy(self, container: str, attempts: int = 60) -> None:
        """Run the container's HEALTHCHECK until it passes, as compose would wait."""
        last = None
        for _ in range(attempts):
            last = self.run("healthcheck", "run", container, check=False)
            if last.returncode == 0:
                return
            state = self.inspect("container", container)["State"]
            if not state.get("Running"):
                logs = self.run("logs", container, check=False)
                raise AssertionError(f"{container} stopped:\n{logs.stdout}\n{logs.stderr}")
            time.sleep(1)
        logs = self.run("logs", container, check=False)
        raise AssertionError(
            f"{container} never became healthy: {last.stdout if last else ''}"
            f"\n{logs.stdout[-3000:]}\n{logs.stderr[-3000:]}"
        )

    def exported_files(self, container: str) -> Iterator[tuple[str, bytes]]:
        """(path, content) of every regular file in a container's file system.

        ``podman export`` hangs when its reader stops early, so the stream is always
        read to its end, even when the caller stops iterating.
        """
        process = subprocess.Popen(
            ["podman", "export", container],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                for member in archive:
                    handle = archive.extractfile(member) if member.isfile() else None
                    yield member.name, handle.read() if handle else b""
        finally:
            while process.stdout.read(1 << 20):
                pass
            process.wait(timeout=60)


def apt_mirror(default: str = "http://deb.debian.org/debian") -> str:
    """The Debian mirror of this machine's apt sources (deb822 or one-line lists)."""
    sources = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for path in sources:
        if path.suffix not in ("", ".list", ".sources") or not path.is_file():
            continue
        for line in path.read_text(errors="replace").splitlines():
            words = line.split()
            if line.startswith("URIs:"):
                candidates = words[1:]
            elif line.startswith("deb ") and not line.startswith("deb-src"):
                candidates = [w for w in words[1:] if "://" in w][:1]
            else:
                continue
            for uri in candidates:
                if uri.rstrip("/").endswith("/debian"):
                    return uri
    return default


def make_rootfs(target: Path, packages: Sequence[str]) -> None:
    """A Debian bookworm minbase with ``packages``, made with debootstrap."""
    done = subprocess.run(
        ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}",
         "bookworm", str(target), apt_mirror()],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(f"debootstrap failed:\n{done.stdout[-3000:]}\n{done.stderr}")
