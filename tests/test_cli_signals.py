"""Ctrl-C or SIGTERM in the middle of generation leaves nothing behind.

The template copy has a post hook that writes a file, then waits: the signal arrives
while a half-finished project sits in the staging directory.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from .cli_support import Sandbox, copy_template, isolate, signal_and_wait, snapshot, spawn_new

pytestmark = pytest.mark.xdist_group("cli-signals")


def wait_for(condition, timeout: float = 30) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


WORDS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated", signal.SIGHUP: "hung up"}


@pytest.mark.parametrize("signum", list(WORDS), ids=[sig.name for sig in WORDS])
def test_a_signal_during_generation_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: signal.Signals
) -> None:
    box: Sandbox = isolate(tmp_path, monkeypatch)
    template = copy_template(tmp_path / "template", post_hook="slow_post_gen_project.py")
    marker = tmp_path / "hook-started"
    (box.work / "keep.txt").write_text("the user's file\n")
    before = snapshot(box.work)
    proc = spawn_new(box, template, marker, "Blog", "-o", "new/dir")
    try:
        wait_for(marker.exists)
        assert list((box.work / "new" / "dir").rglob("half-written.txt"))  # mid-generation
    finally:
        stderr = signal_and_wait(proc, signum)
    assert proc.returncode == 128 + signum, stderr  # as a shell reports a death by it
    assert stderr.strip().splitlines() == [
        f"error: {WORDS[signum]}: nothing was written to {box.work / 'new' / 'dir' / 'blog'}"
    ]
    assert snapshot(box.work) == before
    assert list(box.systmp.iterdir()) == []
    hook_pid = int(marker.read_text())
    wait_for(lambda: process_gone(hook_pid), timeout=10)
