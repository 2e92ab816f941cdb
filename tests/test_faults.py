"""Faults while `flaskcutter new` works: each one must leave the file system as it was.

tests/test_cli_errors.py already covers an existing target (file, directory, dangling
or file symlink), an output directory that is a file or is refused by os.access, a
failing post hook and an undefined variable in a template; tests/test_cli_signals.py
covers Ctrl-C and SIGTERM during the post hook; tests/test_cli_git.py a failing commit.
This file adds what they leave out: real unwritable directories, a target that
appears mid-run, hooks that crash in other ways, exceptions and out-of-space part-way
through rendering, and interrupts at the other points of a run.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cookiecutter.generate
import pytest
from flaskcutter import generate, git

from .cli_support import (
    Sandbox,
    assert_refused,
    copy_template,
    invoke,
    isolate,
    signal_and_wait,
    snapshot,
    spawn_new,
)
from .test_cli_signals import process_gone, wait_for

PRECIOUS = "the user's file\n"


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    box = isolate(tmp_path, monkeypatch)
    (box.work / "keep.txt").write_text(PRECIOUS)
    return box


def refused_untouched(box: Sandbox, args: list[str], code: int, *needles: str, **env: str) -> None:
    """The run fails with one line naming the problem and changes nothing anywhere."""
    before = snapshot(box.root)
    assert_refused(invoke(["new", "Blog", "--no-git", *args], **env), code, *needles)
    assert snapshot(box.root) == before


# The output directory cannot be used ---------------------------------------------


@pytest.fixture
def immutable(box: Sandbox) -> Iterator[Path]:
    """A directory that not even root may write in (we run as root, so chmod is moot)."""
    path = box.work / "locked"
    path.mkdir()
    chattr = shutil.which("chattr")
    made = chattr and subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode == 0
    if not made:
        pytest.skip("chattr +i is not available on this file system")
    try:
        yield path
    finally:
        subprocess.run([str(chattr), "-i", str(path)], check=True)


def test_an_output_dir_below_a_regular_file_is_refused(box: Sandbox) -> None:
    refused_untouched(box, ["-o", "keep.txt/sub/dir"], 2, "keep.txt", "not a directory")


def test_an_output_dir_that_is_a_dangling_symlink_is_refused(box: Sandbox) -> None:
    (box.work / "gone").symlink_to(box.work / "nowhere")
    refused_untouched(box, ["-o", "gone"], 2, "gone", "not a directory")
    assert not (box.work / "nowhere").exists()  # not created through the link


def test_an_immutable_output_dir_is_refused(box: Sandbox, immutable: Path) -> None:
    refused_untouched(box, ["-o", "locked"], 1, "locked", "not writable")


def test_an_output_dir_that_cannot_be_created_is_refused(box: Sandbox, immutable: Path) -> None:
    refused_untouched(box, ["-o", "locked/new/dir"], 1, "locked", "not writable")


@pytest.mark.parametrize("output", ["locked", "locked/new"])
def test_when_access_says_yes_but_the_disk_says_no_nothing_is_left(
    box: Sandbox, immutable: Path, monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    """os.access() can be wrong (NFS, ACLs, races); the real mkdir must fail cleanly."""
    monkeypatch.setattr(os, "access", lambda path, mode: True)
    refused_untouched(box, ["-o", output], 1, "locked", "Operation not permitted")


def test_a_dry_run_without_a_usable_temp_dir_fails_cleanly(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(box.work / "keep.txt"))
    refused_untouched(box, ["--dry-run"], 1, "keep.txt", "cannot write")
    assert (box.work / "keep.txt").read_text() == PRECIOUS


# The target appears while the project is generated ------------------------------

RACING_POST_HOOK = """\
import pathlib
# The project is in <output>/.flaskcutter-*/blog; <output>/blog is the target.
racer = pathlib.Path.cwd().parent.parent / "blog"
racer.mkdir()
(racer / "theirs.txt").write_text("written by another process\\n")
"""


def test_a_target_that_appears_meanwhile_is_left_to_its_owner(box: Sandbox) -> None:
    template = copy_template(box.root / "template")
    (template / "hooks" / "post_gen_project.py").write_text(RACING_POST_HOOK)
    before = snapshot(box.work)
    result = invoke(["new", "Blog", "--no-git"], FLASKCUTTER_TEMPLATE=str(template))
    assert_refused(result, 1, "blog", "appeared while the project was generated")
    racer = box.work / "blog"
    assert sorted(p.name for p in racer.iterdir()) == ["theirs.txt"]  # nothing merged in
    after = snapshot(box.work)
    # Apart from the racer's directory (and the size of the one holding it), all as before.
    assert {k: v for k, v in after.items() if k != "." and not k.startswith("blog")} == {
        k: v for k, v in before.items() if k != "."
    }
    assert list(box.systmp.iterdir()) == []


# Hooks that crash ---------------------------------------------------------------

MAIN_GUARD = 'if __name__ == "__main__":\n    sys.exit(main())\n'


def template_with_pre_hook(box: Sandbox, replace: Callable[[str], str]) -> Path:
    """A template copy whose pre hook (rules and all) is changed by ``replace``."""
    template = copy_template(box.root / "template")
    hook = template / "hooks" / "pre_gen_project.py"
    text = hook.read_text(encoding="utf-8")
    changed = replace(text)
    assert changed != text, "the pre hook no longer has the line this test replaces"
    hook.write_text(changed, encoding="utf-8")
    return template


def test_a_pre_hook_that_crashes_when_run_leaves_nothing(box: Sandbox) -> None:
    template = template_with_pre_hook(
        box,
        lambda text: text.replace(
            MAIN_GUARD, 'if __name__ == "__main__":\n    raise RuntimeError("pre hook bug")\n'
        ),
    )
    refused_untouched(
        box,
        ["-o", "new/dir"],
        1,
        "hook failed",
        "RuntimeError: pre hook bug",
        FLASKCUTTER_TEMPLATE=str(template),
    )


def test_a_pre_hook_that_cannot_even_be_loaded_is_reported_in_one_line(box: Sandbox) -> None:
    # The CLI imports the pre hook for its rules; a template broken there is reported
    # like any other generation failure, before anything is written.
    template = template_with_pre_hook(
        box, lambda text: text.replace("import json\n", "import json\n1/0\n", 1)
    )
    refused_untouched(
        box, [], 1, "cannot load", "ZeroDivisionError", FLASKCUTTER_TEMPLATE=str(template)
    )


def test_a_post_hook_killed_by_a_signal_leaves_nothing(box: Sandbox) -> None:
    template = copy_template(box.root / "template")
    (template / "hooks" / "post_gen_project.py").write_text(
        "import os, pathlib, signal\n"
        'pathlib.Path("half-written.txt").write_text("x")\n'
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    refused_untouched(box, ["-o", "new"], 1, "hook failed", FLASKCUTTER_TEMPLATE=str(template))


# Exceptions part-way through rendering ------------------------------------------


def test_a_python_exception_in_a_template_file_is_one_line(box: Sandbox) -> None:
    template = copy_template(box.root / "template")
    broken = template / "{{cookiecutter.project_slug}}" / "tests" / "zz_broken.py"
    broken.write_text("RATIO = {{ 1 / 0 }}\n")
    refused_untouched(
        box,
        ["-o", "new/dir"],
        1,
        "template error",
        "ZeroDivisionError",
        FLASKCUTTER_TEMPLATE=str(template),
    )


def fail_after(
    monkeypatch: pytest.MonkeyPatch, files: int, error: BaseException, written: list[str]
) -> None:
    """Let cookiecutter write ``files`` files, then raise ``error`` on the next one."""
    real = cookiecutter.generate.generate_file

    def generate_file(project_dir: str, infile: str, *args: Any, **kwargs: Any) -> None:
        if len(written) == files:
            raise error
        real(project_dir, infile, *args, **kwargs)
        written.append(infile)

    monkeypatch.setattr(cookiecutter.generate, "generate_file", generate_file)


@pytest.mark.parametrize(
    ("error", "needles"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), ["No space left on device"]),
        (OSError(errno.EIO, "Input/output error", "x.py"), ["Input/output error", "x.py"]),
        (RuntimeError("cookiecutter bug"), ["RuntimeError: cookiecutter bug"]),
        (UnicodeEncodeError("utf-8", "\udc85", 0, 1, "surrogates not allowed"), ["utf-8"]),
    ],
    ids=["ENOSPC", "EIO", "RuntimeError", "UnicodeEncodeError"],
)
def test_an_error_part_way_through_rendering_leaves_nothing(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch, error: BaseException, needles: list[str]
) -> None:
    written: list[str] = []
    fail_after(monkeypatch, 10, error, written)
    refused_untouched(box, ["-o", "deep/new/dir"], 1, *needles)
    assert len(written) == 10  # the error did come part-way, with files on disk


# Interrupts at every point of a run, in-process ---------------------------------


def interrupt_in_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    fail_after(monkeypatch, 10, KeyboardInterrupt(), [])


def interrupt_in_git(monkeypatch: pytest.MonkeyPatch) -> None:
    def init_and_commit(project: Path, answers: Any) -> None:
        assert (project / "pyproject.toml").is_file()  # the project is complete
        raise generate.Terminated(signal.SIGTERM)

    monkeypatch.setattr(git, "init_and_commit", init_and_commit)


def interrupt_in_rename(monkeypatch: pytest.MonkeyPatch) -> None:
    # Between claiming the target (mkdir) and renaming the project onto it.
    def rename(source: Any, target: Any, **dir_fds: int) -> None:
        assert stat.S_ISDIR(os.stat(target, dir_fd=dir_fds["dst_dir_fd"]).st_mode)
        raise KeyboardInterrupt

    monkeypatch.setattr(generate.os, "rename", rename)


def interrupt_in_staging(monkeypatch: pytest.MonkeyPatch) -> None:
    # Right after the output directory was created, before anything is rendered.
    def make_staging(*args: Any, **kwargs: Any) -> str:
        raise generate.Terminated(signal.SIGTERM)

    monkeypatch.setattr(generate, "_make_staging", make_staging)


@pytest.mark.parametrize(
    ("inject", "word"),
    [
        (interrupt_in_staging, "terminated"),
        (interrupt_in_rendering, "interrupted"),
        (interrupt_in_git, "terminated"),
        (interrupt_in_rename, "interrupted"),
    ],
    ids=["staging", "rendering", "git", "rename"],
)
def test_an_interrupt_at_any_step_leaves_nothing(
    box: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    inject: Callable[[pytest.MonkeyPatch], None],
    word: str,
) -> None:
    inject(monkeypatch)
    before = snapshot(box.root)
    result = invoke(["new", "Blog", "--git", "-o", "new/dir"])
    target = box.work / "new" / "dir" / "blog"
    code = 130 if word == "interrupted" else 143  # the shell's 128 + signal number
    assert_refused(result, code, f"{word}: nothing was written to {target}")
    assert snapshot(box.root) == before


# Real signals at other points than the post hook --------------------------------

SLOW_PRE_HOOK_GUARD = """\
if __name__ == "__main__":
    import os, pathlib, time
    project = pathlib.Path.cwd()
    marker = pathlib.Path(os.environ["FLASKCUTTER_TEST_MARKER"])
    pathlib.Path(f"{marker}.partial").write_text(str(os.getpid()))
    os.replace(f"{marker}.partial", marker)  # whole, or not there at all
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and project.exists():
        time.sleep(0.05)
    sys.exit(main())
"""

PAUSE_FILTER = '''

def _test_pause(value: object) -> object:
    """Test only: say rendering has reached this file, then wait for a signal."""
    import os
    import pathlib
    import time

    marker = pathlib.Path(os.environ["FLASKCUTTER_TEST_MARKER"])
    pathlib.Path(f"{marker}.partial").write_text(str(os.getpid()))
    os.replace(f"{marker}.partial", marker)
    time.sleep(60)
    return value


_real_init = FormatFilters.__init__


def _init_with_pause(self: FormatFilters, environment: Environment) -> None:
    _real_init(self, environment)
    environment.filters["test_pause"] = _test_pause


FormatFilters.__init__ = _init_with_pause
'''

FAKE_GIT = """\
#!{python}
# Test only: a git whose commit waits for a signal; every other command is real git.
import os, pathlib, sys, time
if "commit" not in sys.argv:
    os.execv({git!r}, [{git!r}, *sys.argv[1:]])
project = pathlib.Path.cwd()
marker = pathlib.Path(os.environ["FLASKCUTTER_TEST_MARKER"])
pathlib.Path(f"{{marker}}.partial").write_text(str(os.getpid()))
os.replace(f"{{marker}}.partial", marker)
deadline = time.monotonic() + 60
while time.monotonic() < deadline and project.exists():
    time.sleep(0.05)
"""


def slow_pre_hook(box: Sandbox) -> tuple[Path, dict[str, str]]:
    template = template_with_pre_hook(
        box, lambda text: text.replace(MAIN_GUARD, SLOW_PRE_HOOK_GUARD)
    )
    return template, {}


def slow_rendering(box: Sandbox) -> tuple[Path, dict[str, str]]:
    template = copy_template(box.root / "template")
    with (template / "local_extensions.py").open("a", encoding="utf-8") as extensions:
        extensions.write(PAUSE_FILTER)
    # In tests/: cookiecutter renders the top-level files first, so some are written.
    pause = template / "{{cookiecutter.project_slug}}" / "tests" / "zz_pause.txt"
    pause.write_text('{{ "x" | test_pause }}\n')
    return template, {}


def slow_git(box: Sandbox) -> tuple[Path, dict[str, str]]:
    real_git = shutil.which("git")
    if real_git is None:
        pytest.skip("git is not installed")
    fake_bin = box.root / "fake-bin"
    fake_bin.mkdir()
    fake = fake_bin / "git"
    fake.write_text(FAKE_GIT.format(python=sys.executable, git=real_git))
    fake.chmod(0o755)
    return copy_template(box.root / "template"), {
        "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"
    }


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(
    "stage", [slow_pre_hook, slow_rendering, slow_git], ids=["pre-hook", "rendering", "git"]
)
def test_a_signal_at_another_stage_leaves_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage: Callable[[Sandbox], tuple[Path, dict[str, str]]],
    signum: signal.Signals,
) -> None:
    box = isolate(tmp_path, monkeypatch)
    (box.work / "keep.txt").write_text(PRECIOUS)
    template, extra_env = stage(box)
    marker = tmp_path / "stage-reached"
    before = snapshot(box.work)
    proc = spawn_new(box, template, marker, "Blog", "--git", "-o", "new/dir", **extra_env)
    try:
        wait_for(marker.exists)
        staging = list((box.work / "new" / "dir").glob(".flaskcutter-*"))
        assert staging, "the run should be part-way, with a staging directory"
    finally:
        stderr = signal_and_wait(proc, signum)
    word = "interrupted" if signum == signal.SIGINT else "terminated"
    target = box.work / "new" / "dir" / "blog"
    assert proc.returncode == 128 + signum, stderr
    assert stderr.strip().splitlines() == [f"error: {word}: nothing was written to {target}"]
    assert snapshot(box.work) == before
    assert list(box.systmp.iterdir()) == []
    helper_pid = int(marker.read_text())
    wait_for(lambda: process_gone(helper_pid), timeout=10)  # no orphan keeps writing
