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
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import GenerationError, describe
from .paths import STAGING_PREFIX
from .provenance import Origin
from .template import Template, no_bytecode

# Inside the staging directory; a leading dot can never collide with a project slug.
WORK_DIR = ".work"


class Terminated(BaseException):
    """Raised by the SIGTERM handler so that cleanup runs as it does for Ctrl-C."""


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into an exception, so ``finally`` blocks remove the staging dir."""
    if not _in_main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """Let cleanup finish even if the user presses Ctrl-C again."""
    if not _in_main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def remove_tree(path: Path) -> None:
    """Remove ``path`` completely, retrying while an interrupted hook may still write."""
    with _signals_ignored():
        for _ in range(20):
            shutil.rmtree(path, ignore_errors=True)
            if not os.path.lexists(path):
                return
            time.sleep(0.05)


@contextlib.contextmanager
def staging_dir(parent: Path) -> Iterator[Path]:
    """A fresh private directory in ``parent``, removed however the block ends."""
    try:
        path = Path(tempfile.mkdtemp(dir=parent, prefix=STAGING_PREFIX))
    except OSError as error:
        # os.access() said yes earlier, but only the real mkdir decides (immutable
        # directories, read-only or root-squashed mounts, a full disk).
        raise GenerationError(f"cannot write in {parent}: {error.strerror}") from None
    try:
        (path / WORK_DIR / "tmp").mkdir(parents=True)
        yield path
    finally:
        remove_tree(path)


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
            lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            if lines:
                return lines[-1].strip()
    return "no output"


def render(template: Template, context: dict, staging: Path) -> Path:
    """Render the project into ``staging`` with the template's hooks; return its path."""
    from cookiecutter.exceptions import (
        CookiecutterException,
        FailedHookException,
        UndefinedVariableInTemplate,
    )
    from cookiecutter.generate import generate_files
    from jinja2 import TemplateError

    work = staging / WORK_DIR
    try:
        with _isolated(template.path, work):
            project = generate_files(
                repo_dir=str(template.path),
                context=context,
                output_dir=str(staging),
                accept_hooks=True,
            )
    except FailedHookException as error:
        detail = _last_line(work / "stderr.log", work / "stdout.log")
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
    project_path = Path(project)
    drop_bytecode(project_path)
    return project_path


def drop_bytecode(project: Path) -> None:
    """Remove ``__pycache__`` folders copied from the template.

    pip byte-compiles every .py file of a wheel, the bundled template's included, and
    cookiecutter copies the resulting .pyc files into the project like any binary.
    """
    for cache in sorted(project.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache, ignore_errors=True)


def move_into_place(project: Path, target: Path) -> None:
    """Rename the finished project to ``target``, never replacing anything there.

    ``mkdir`` claims the name atomically; the rename then replaces only the empty
    directory this run just made, so a path that appeared meanwhile is never touched.
    """
    try:
        target.mkdir()
    except FileExistsError:
        raise GenerationError(
            f"{target} appeared while the project was generated; it was left untouched"
        ) from None
    except OSError as error:
        raise GenerationError(f"cannot create {target}: {error.strerror}") from None
    try:
        os.rename(project, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            target.rmdir()
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
        project = render(template, context, staging)
        if finish is not None:
            finish(project)
        move_into_place(project, target)


def preview(template: Template, context: dict) -> list[str]:
    """Render into the system temp directory and return the files it would create."""
    with sigterm_raises(), staging_dir(Path(tempfile.gettempdir())) as staging:
        project = render(template, context, staging)
        return sorted(
            str(path.relative_to(project)) + ("/" if path.is_dir() else "")
            for path in project.rglob("*")
        )
