"""The staging directory: never left holding a project (and its .env), whatever happens.

Stale copies of dead runs are removed by the next run, live ones never; the dry run's
temp directory is checked like -o; and when the output directory is swapped for a
symlink or made immutable while a hook runs, cleanup still reaches the copy through
the directory that was opened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flaskcutter.generate import OWNER_FILE
from flaskcutter.paths import STAGING_PREFIX

from .cli_support import Sandbox, assert_refused, copy_template, invoke, isolate, snapshot

pytestmark = pytest.mark.xdist_group("staging")


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = isolate(tmp_path, monkeypatch)
    (box.work / "keep.txt").write_text("the user's file\n")
    return box


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def stale_copy(parent: Path, name: str, owner: str | None) -> Path:
    path = parent / f"{STAGING_PREFIX}{name}"
    (path / "blog").mkdir(parents=True)
    (path / "blog" / ".env").write_text("SECRET_KEY=left-behind\n")
    if owner is not None:
        (path / OWNER_FILE).write_text(owner)
    return path


def test_a_later_run_removes_copies_of_dead_runs_only(box: Sandbox) -> None:
    dead = stale_copy(box.work, "dead", str(dead_pid()))
    live = stale_copy(box.work, "live", str(os.getpid()))  # a run going on right now
    unowned = stale_copy(box.work, "unowned", None)  # a run that has just begun
    result = invoke(["new", "Blog", "--no-git"])
    assert result.exit_code == 0, result.output
    assert not dead.exists()
    assert (live / "blog" / ".env").is_file()
    assert (unowned / "blog" / ".env").is_file()


def test_the_dry_run_removes_dead_copies_in_the_temp_dir(box: Sandbox) -> None:
    dead = stale_copy(box.systmp, "dead", str(dead_pid()))
    result = invoke(["new", "Blog", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert list(box.systmp.iterdir()) == []
    assert not dead.exists()


def test_a_run_records_its_own_pid_while_it_works(box: Sandbox) -> None:
    template = copy_template(box.root / "template")
    hook = template / "hooks" / "post_gen_project.py"
    record = (
        "def main() -> int:\n"
        "    import os, shutil\n"
        "    shutil.copy(Path.cwd().parent / 'owner.pid', os.environ['OWNER_COPY'])\n"
    )
    hook.write_text(hook.read_text().replace("def main() -> int:\n", record, 1))
    copy = box.root / "owner-seen"
    result = invoke(
        ["new", "Blog", "--no-git"], FLASKCUTTER_TEMPLATE=str(template), OWNER_COPY=str(copy)
    )
    assert result.exit_code == 0, result.output
    assert copy.read_text().split()[0] == str(os.getpid())  # the CLI's, not the hook's
    assert sorted(p.name for p in box.work.iterdir()) == ["blog", "keep.txt"]


def test_a_temp_dir_that_cookiecutter_would_render_is_refused(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered_as = box.root / "t49"
    jinja = box.root / "t{{ 7*7 }}"
    jinja.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(jinja))
    before = snapshot(box.root)
    assert_refused(invoke(["new", "Blog", "--dry-run"]), 2, "TMPDIR", "t{{ 7*7 }}", "delimiters")
    assert snapshot(box.root) == before
    assert not rendered_as.exists()


SWAP_HOOK = """\
import os, pathlib, sys
# The project is in <out>/.flaskcutter-*/blog: write its secret, then swap <out>.
pathlib.Path(".env").write_text("SECRET_KEY=must-not-stay\\n")
out = pathlib.Path.cwd().parent.parent
os.rename(out, out.with_name("moved"))
os.symlink(out.with_name("elsewhere"), out)
sys.exit(1)
"""


def test_an_output_dir_swapped_for_a_symlink_mid_run_keeps_no_copy(box: Sandbox) -> None:
    template = copy_template(box.root / "template")
    (template / "hooks" / "post_gen_project.py").write_text(SWAP_HOOK)
    (box.work / "out").mkdir()
    elsewhere = box.work / "elsewhere"
    elsewhere.mkdir()
    result = invoke(["new", "Blog", "--no-git", "-o", "out"], FLASKCUTTER_TEMPLATE=str(template))
    assert_refused(result, 1)
    assert list((box.work / "moved").iterdir()) == []  # the copy went, .env and all
    assert list(elsewhere.iterdir()) == []  # and nothing was touched through the link


@pytest.fixture
def chattr() -> Iterator[str]:
    path = shutil.which("chattr")
    if path is None:
        pytest.skip("chattr is not installed")
    yield path


LOCK_HOOK = """\
import pathlib, subprocess, sys
pathlib.Path(".env").write_text("SECRET_KEY=must-not-stay\\n")
out = pathlib.Path.cwd().parent.parent
subprocess.run([{chattr!r}, "{flag}", str(out)], check=True)
sys.exit(1)
"""


@pytest.mark.parametrize("flag", ["+i", "+a"], ids=["immutable", "append-only"])
def test_an_output_dir_locked_mid_run_keeps_no_secret(box: Sandbox, chattr: str, flag: str) -> None:
    template = copy_template(box.root / "template")
    hook = LOCK_HOOK.format(chattr=chattr, flag=flag)
    (template / "hooks" / "post_gen_project.py").write_text(hook)
    out = box.work / "out"
    out.mkdir()
    probe = subprocess.run([chattr, flag, str(out)], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"chattr {flag} is not supported here")
    subprocess.run([chattr, f"-{flag[1]}", str(out)], check=True)
    try:
        result = invoke(
            ["new", "Blog", "--no-git", "-o", "out"], FLASKCUTTER_TEMPLATE=str(template)
        )
    finally:
        subprocess.run([chattr, f"-{flag[1]}", str(out)], check=True)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: a template hook failed"), lines
    assert "Traceback" not in result.output
    # The directory itself cannot be unlinked from a locked parent; all it held is gone.
    left = [p for p in out.rglob("*") if not p.is_dir()]
    assert left == []
    staging = list(out.iterdir())
    assert all(p.name.startswith(STAGING_PREFIX) for p in staging)
    assert len(lines) == 1
    if staging:  # what is left is named, in the same line
        assert f"{staging[0]} could not be removed" in lines[0]
