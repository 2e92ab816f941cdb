"""Render the template into a staging directory, then rename the project into place.

Cookiecutter alone leaves partial projects behind on errors and signals, writes a
replay file to the home directory and leaks rendered hook scripts into the system temp
directory (see docs/safety.md). Here:

- the context is built in Python from validated answers, so cookiecutter's prompt and
  ``render_variable`` never see (and never evaluate) user text;
- everything, including cookiecutter's temp files and the hooks' output, goes into one
  private ``.flaskcutter-*`` directory beside the target, removed on every exit path;
- the finished project reaches its final name in one ``rename``, so the target either
  does not exist or is complete.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import importlib
import logging
import os
import re
import secrets
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import FlaskcutterError, GenerationError, describe
from .paths import STAGING_PREFIX
from .provenance import Origin
from .template import PROJECT_DIR, Template, is_own_template, no_bytecode

# Inside the staging directory; a leading dot can never collide with a project slug.
WORK_DIR = ".work"


class Terminated(BaseException):
    """Raised by the SIGTERM/SIGHUP handler so that cleanup runs as it does for Ctrl-C."""

    @property
    def signum(self) -> int:
        return int(self.args[0]) if self.args else signal.SIGTERM


# A closed terminal (SIGHUP) must clean up like `kill` (SIGTERM): both end the run.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
# The file in a staging directory that names the process working in it.
OWNER_FILE = "owner.pid"


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exception, so ``finally`` blocks clean up."""
    if not _in_main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated(signum)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """Let cleanup finish even if the user presses Ctrl-C again."""
    if not _in_main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, *STOP_SIGNALS)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Staging:
    """A private directory, held open by file descriptor together with its parent.

    Cleanup goes through the descriptors, not the path: if the output directory is
    renamed or replaced by a symlink meanwhile, the copy (which holds ``.env``) is
    still removed from the directory it was made in, and nothing is removed elsewhere.
    """

    def __init__(self, parent: Path, parent_fd: int, name: str) -> None:
        self.parent, self.parent_fd, self.name = parent, parent_fd, name
        self.path = parent / name

    def remove(self) -> str | None:
        """Remove the staging directory, retrying while an interrupted hook may write.

        Returns what could not be removed, or None. An immutable or append-only output
        directory lets the copy be emptied (so no secret stays) but not unlinked.
        """
        with _signals_ignored():
            for _ in range(20):
                with contextlib.suppress(FileNotFoundError):
                    shutil.rmtree(self.name, dir_fd=self.parent_fd, ignore_errors=True)
                try:
                    os.lstat(self.name, dir_fd=self.parent_fd)
                except FileNotFoundError:
                    return None
                if not self._has_entries():
                    break  # only the empty directory is left, and it cannot go
                time.sleep(0.05)
        return f"the empty staging directory {self.path} could not be removed; remove it by hand"

    def _has_entries(self) -> bool:
        try:
            fd = _open_dir(self.name, self.parent_fd)
        except OSError:
            return False
        try:
            return bool(os.listdir(fd))
        finally:
            os.close(fd)


def _owner_stamp(pid: int) -> str:
    """``pid`` and its start time, so a recycled pid is not mistaken for its owner."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return f"{pid} {fields[19]}"
    except (OSError, IndexError):
        return str(pid)


def _owner_alive(stamp: str) -> bool:
    pid_text, _, start = stamp.strip().partition(" ")
    if not re.fullmatch("[0-9]+", pid_text):
        return True  # not ours to judge: leave it
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not start or _owner_stamp(pid) == stamp.strip()


def remove_stale(parent_fd: int) -> None:
    """Remove staging directories of earlier runs whose process is gone.

    A run killed with SIGKILL (or a power cut) cannot clean up after itself; the next
    run in the same directory does, but only for directories whose recorded owner
    no longer exists, so a run going on in parallel is never disturbed.
    """
    try:
        names = [name for name in os.listdir(parent_fd) if name.startswith(STAGING_PREFIX)]
    except OSError:
        return
    for name in names:
        try:
            info = os.lstat(name, dir_fd=parent_fd)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            fd = _open_dir(name, parent_fd)
            try:
                owner = os.open(OWNER_FILE, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
                with os.fdopen(owner) as file:
                    stamp = file.read(100)
            finally:
                os.close(fd)
        except OSError:
            continue  # no owner recorded (yet): it may be a run that just started
        if not _owner_alive(stamp):
            shutil.rmtree(name, dir_fd=parent_fd, ignore_errors=True)


def _make_staging(parent: Path, parent_fd: int) -> str:
    """Make a fresh ``.flaskcutter-*`` directory in ``parent_fd`` and record its owner."""
    for _ in range(100):
        name = f"{STAGING_PREFIX}{secrets.token_hex(4)}"
        try:
            os.mkdir(name, 0o700, dir_fd=parent_fd)
        except FileExistsError:
            continue
        try:
            fd = _open_dir(name, parent_fd)
            try:
                owner = os.open(OWNER_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=fd)
            finally:
                os.close(fd)
            with os.fdopen(owner, "w") as file:
                file.write(_owner_stamp(os.getpid()))
        except BaseException:
            shutil.rmtree(name, dir_fd=parent_fd, ignore_errors=True)
            raise
        return name
    raise FileExistsError(errno.EEXIST, f"no free staging name in {parent}")


def _open_dir(name: str, parent_fd: int) -> int:
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)


@contextlib.contextmanager
def staging_dir(parent: Path) -> Iterator[Staging]:
    """A fresh private directory in ``parent``, removed however the block ends."""
    try:
        parent_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise GenerationError(f"cannot write in {parent}: {error.strerror}") from None
    try:
        remove_stale(parent_fd)
        try:
            name = _make_staging(parent, parent_fd)
        except OSError as error:
            # os.access() said yes earlier, but only the real mkdir decides (immutable
            # directories, read-only or root-squashed mounts, a full disk).
            raise GenerationError(f"cannot write in {parent}: {error.strerror}") from None
        staging = Staging(parent, parent_fd, name)
        try:
            (staging.path / WORK_DIR / "tmp").mkdir(parents=True)
            yield staging
        except BaseException as error:
            leftover = staging.remove()
            if leftover and isinstance(error, FlaskcutterError):
                error.message = f"{error.message} ({leftover})"  # still one line
            elif leftover:
                print(f"note: {leftover}", file=sys.stderr)
            raise
        leftover = staging.remove()
        if leftover:
            print(f"note: {leftover}", file=sys.stderr)
    finally:
        os.close(parent_fd)


def build_context(
    template: Template,
    answers: Mapping[str, Any],
    output_dir: Path,
    origin: Origin | None = None,
) -> dict:
    """The context cookiecutter's ``main`` would build, with our answers as final values.

    ``origin`` says where the template came from; the post hook records it instead of
    ``template.path``, which may be a temporary copy or a site-packages folder.
    """
    settings = {key: answers.get(key, raw) for key, raw in template.spec.items()}
    settings.update(
        _output_dir=str(output_dir),
        _repo_dir=str(template.path),
        **(origin or Origin(str(template.path))).context(),
    )
    original = {key: raw for key, raw in template.spec.items() if not key.startswith("_")}
    return {"cookiecutter": settings, "_cookiecutter": original}


# Bytes allocated up front for each hook log (see _captured_fds).
LOG_RESERVE = 64 * 1024


@contextlib.contextmanager
def _captured_fds(out: Path, err: Path) -> Iterator[None]:
    """Send file descriptors 1 and 2 (which hook processes inherit) to files.

    The post hook prints its own "Next steps"; the CLI prints them once, itself, and
    shows the hooks' output only when a hook fails.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        saved = os.dup(1), os.dup(2)
    except OSError:  # no stdout/stderr at all: nothing to capture
        yield
        return
    try:
        with out.open("wb") as out_file, err.open("wb") as err_file:
            for log in (out_file, err_file):
                # Reserve room, so that a hook that fills the disk can still say so.
                with contextlib.suppress(OSError, AttributeError):
                    os.posix_fallocate(log.fileno(), 0, LOG_RESERVE)
            os.dup2(out_file.fileno(), 1)
            os.dup2(err_file.fileno(), 2)
            yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


@contextlib.contextmanager
def _isolated(template_dir: Path, work: Path) -> Iterator[None]:
    """Point cookiecutter's temp files, logging and imports where we want them."""
    saved_path, saved_tempdir = list(sys.path), tempfile.tempdir
    saved_tmpenv = os.environ.get("TMPDIR")
    quiet = logging.NullHandler()  # without a handler, logging prints tracebacks
    logger = logging.getLogger("cookiecutter")
    logger.addHandler(quiet)
    # Rendered hook scripts are NamedTemporaryFile(delete=False): keep them in staging.
    tempfile.tempdir = str(work / "tmp")
    os.environ["TMPDIR"] = tempfile.tempdir
    # local_extensions.py sits at the template root, as cookiecutter's main arranges.
    sys.path.append(str(template_dir))
    try:
        with no_bytecode(), _captured_fds(work / "stdout.log", work / "stderr.log"):
            yield
    finally:
        sys.path[:] = saved_path
        tempfile.tempdir = saved_tempdir
        if saved_tmpenv is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_tmpenv
        logger.removeHandler(quiet)


def _last_line(*logs: Path) -> str:
    for log in logs:
        with contextlib.suppress(OSError):
            text = log.read_text(encoding="utf-8", errors="replace")
            lines = text.replace("\x00", "").strip().splitlines()  # past the reserve: NULs
            if lines:
                return lines[-1].strip()
    return "no output"


# Below this many free bytes a hook that wrote nothing is taken to have met a full disk.
LOW_SPACE = 1024 * 1024


def _why_silent(staging: Path, status: str) -> str:
    """Why a failed hook left no output: most often, no space left to write any.

    Its stdout and stderr go to files in the staging directory; on a full disk the
    hook dies (Python exits 120 when it cannot flush stdout) and neither file holds a
    word. Say so, and where, instead of "no output".
    """
    try:
        info = os.statvfs(staging)
    except OSError:
        return "no output"
    if info.f_bavail * info.f_frsize < LOW_SPACE or info.f_favail == 0:
        return f"no space left on device: the file system of {staging.parent} is full"
    if "120" in status:
        return "no output (exit status 120: Python could not write or flush the hook's output)"
    return "no output"


@contextlib.contextmanager
def _walk_without(skipped: Collection[str] = ()) -> Iterator[None]:
    """Make cookiecutter's walk of the template skip ``__pycache__`` and ``skipped``.

    pip byte-compiles every .py file of a wheel, the bundled template's included;
    cookiecutter has no ignore list, so it would copy those folders into the project.
    ``skipped`` holds paths relative to the project folder of the template, which is
    where cookiecutter walks from (``os.walk(".")``).
    """
    walk = os.walk

    def kept(root: str, names: list[str]) -> list[str]:
        return [
            name
            for name in names
            if name != "__pycache__" and os.path.normpath(os.path.join(root, name)) not in skipped
        ]

    def walk_sources(top: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for root, dirs, files in walk(top, *args, **kwargs):
            # In place: cookiecutter prunes the same lists to steer the walk.
            dirs[:] = kept(root, dirs)
            files[:] = kept(root, files)
            yield root, dirs, files

    os.walk = walk_sources  # type: ignore[assignment]
    try:
        yield
    finally:
        os.walk = walk


class _OnFirstUse(types.ModuleType):
    """Stands in for a module until code reads one of its attributes, then loads it."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


@contextlib.contextmanager
def _deferred_import(name: str) -> Iterator[None]:
    """Let ``import name`` succeed without loading the module, inside the block.

    Cookiecutter's default extensions import arrow (for ``{% now %}``) whenever an
    environment is made, and arrow with dateutil is about a fifth of `new`'s imports;
    a template that uses the tag still gets the real module on first use.
    """
    if name in sys.modules:
        yield
        return
    stand_in = _OnFirstUse(name)
    sys.modules[name] = stand_in
    try:
        yield
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]


# The package folder inside the template's project folder (PROJECT_DIR).
PACKAGE_DIR = "{{cookiecutter.package_name}}"
# Jinja's default delimiters: text without any of them renders to itself.
JINJA_MARKERS = ("{{", "{%", "{#")


def pruned_paths(template: Template, answers: Mapping[str, Any]) -> frozenset[str]:
    """The template paths the post hook would delete for these answers (its PATHS table).

    Relative to the template's project folder, as cookiecutter's walk sees them.
    """
    rules = template.rules
    effective = rules.effective(answers, template.spec)
    return frozenset(
        os.path.normpath(path.format(pkg=PACKAGE_DIR))
        for path, condition in rules.PATHS.items()
        if not rules.holds(condition, effective)
    )


def verbatim_files(
    project_dir: Path, context: Mapping[str, Any], skipped: Collection[str]
) -> list[str]:
    """The template's files that rendering would leave byte for byte as they are.

    Such a file has no Jinja marker, is UTF-8 with ``\n`` line ends (Jinja would
    normalise others) and has a plain name; cookiecutter copies it instead of
    compiling it, when it is listed in ``_copy_without_render``.
    """
    from cookiecutter.generate import is_copy_only_path

    found = []
    for root, dirs, files in os.walk(project_dir):
        relative_root = os.path.relpath(root, project_dir)

        def relative(name: str, root: str = relative_root) -> str:
            return os.path.normpath(os.path.join(root, name))

        dirs[:] = [
            name
            for name in dirs
            if name != "__pycache__"
            and relative(name) not in skipped
            and not is_copy_only_path(relative(name), context)
        ]
        for name in files:
            path = relative(name)
            if path in skipped or any(marker in name for marker in JINJA_MARKERS):
                continue
            if is_copy_only_path(path, context):
                continue
            try:
                text = (Path(root) / name).read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if "\r" not in text and not any(marker in text for marker in JINJA_MARKERS):
                found.append(glob.escape(path))
    return found


def own_template_context(template: Template, context: dict) -> tuple[dict, frozenset[str]]:
    """The context to render the bundled template with, and the paths to leave out.

    The post hook would delete the pruned paths at once, so they are never rendered;
    files without Jinja markers are copied, and names and files with no marker but
    ``{{ cookiecutter.key }}`` filled in (see ``filled_in``), instead of compiled:
    most of a render's cost is Jinja compiling each file and path name into Python.
    """
    settings = context["cookiecutter"]
    skipped = pruned_paths(template, settings)
    if settings.get("_jinja2_env_vars"):
        return context, skipped  # other delimiters: every file is rendered
    project_dir = template.path / PROJECT_DIR
    verbatim = verbatim_files(project_dir, context, skipped)
    faster = {
        "_copy_without_render": [*settings.get("_copy_without_render", []), *verbatim],
        "_extensions": [*settings.get("_extensions", []), "flaskcutter.filled_in.FilledIn"],
    }
    return {**context, "cookiecutter": {**settings, **faster}}, skipped


def render(template: Template, context: dict, staging: Path) -> Path:
    """Render the project into ``staging`` with the template's hooks; return its path.

    The CLI's own template (see ``is_own_template``) needs no hook processes: the
    answers were checked with the pre hook's rules already, and the post hook's
    ``finish()`` runs here, in-process, which saves two interpreter starts.
    """
    from cookiecutter.exceptions import (
        CookiecutterException,
        FailedHookException,
        UndefinedVariableInTemplate,
    )
    from cookiecutter.generate import generate_files
    from jinja2 import TemplateError

    work = staging / WORK_DIR
    in_process = is_own_template(template.path)
    try:
        with _isolated(template.path, work), _deferred_import("arrow"):
            rendered, skipped = context, frozenset[str]()
            if in_process:
                rendered, skipped = own_template_context(template, context)
            with _walk_without(skipped):
                project = generate_files(
                    repo_dir=str(template.path),
                    context=rendered,
                    output_dir=str(staging),
                    accept_hooks=not in_process,
                )
            if in_process:
                finish = template.finish.finish
                finish(
                    context["cookiecutter"],
                    template.spec,
                    template.path,
                    Path(project),
                    rules=template.rules,
                )
    except FailedHookException as error:
        detail = _last_line(work / "stderr.log", work / "stdout.log")
        if detail == "no output":
            detail = _why_silent(staging, str(error))
        raise GenerationError(f"a template hook failed ({error}): {detail}") from None
    except UndefinedVariableInTemplate as error:
        raise GenerationError(f"template error: {error.message}: {error.error}") from None
    except (CookiecutterException, TemplateError) as error:
        raise GenerationError(f"template error: {' '.join(str(error).split())}") from None
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        raise GenerationError(f"cannot write the project: {error.strerror}{where}") from None
    except Exception as error:
        # A template expression such as {{ 1/0 }} raises a plain Python exception out
        # of Jinja; it is the template's fault, so it gets a message, not a traceback.
        raise GenerationError(f"template error: {describe(error)}") from None
    return Path(project)


def move_into_place(project: Path, target: Path, staging: Staging) -> None:
    """Rename the finished project to ``target``, never replacing anything there.

    ``mkdir`` claims the name atomically; the rename then replaces only the empty
    directory this run just made, so a path that appeared meanwhile is never touched.
    Both go through the output directory as it was opened, so the project lands
    beside its staging copy even if the path was swapped for a symlink meanwhile.
    """
    fd = staging.parent_fd
    try:
        os.mkdir(target.name, dir_fd=fd)
    except FileExistsError:
        raise GenerationError(
            f"{target} appeared while the project was generated; it was left untouched"
        ) from None
    except OSError as error:
        raise GenerationError(f"cannot create {target}: {error.strerror}") from None
    try:
        os.rename(f"{staging.name}/{project.name}", target.name, src_dir_fd=fd, dst_dir_fd=fd)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.rmdir(target.name, dir_fd=fd)
        if isinstance(error, OSError):
            raise GenerationError(
                f"cannot move the project to {target}: {error.strerror}"
            ) from None
        raise


def create_project(
    template: Template,
    context: dict,
    target: Path,
    finish: Callable[[Path], None] | None = None,
) -> None:
    """Generate into a staging directory beside ``target``, ``finish`` it, move it in place."""
    with sigterm_raises(), staging_dir(target.parent) as staging:
        project = render(template, context, staging.path)
        if finish is not None:
            finish(project)
        move_into_place(project, target, staging)


def preview(template: Template, context: dict, temp_dir: Path) -> list[str]:
    """Render into ``temp_dir`` (checked by the caller) and return the files it would create."""
    with sigterm_raises(), staging_dir(temp_dir) as staging:
        project = render(template, context, staging.path)
        return sorted(
            str(path.relative_to(project)) + ("/" if path.is_dir() else "")
            for path in project.rglob("*")
        )
