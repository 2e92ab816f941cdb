"""Open a template source at a version: the bundled copy, a directory, or a git repository.

``new`` renders one version; ``update`` and ``check`` need two (the one a project was
made from and the latest), so a source hands out template directories by commit.
Git repositories are read with ``git archive`` into private temporary directories:
the user's template checkout is never switched to another branch or written to, and a
URL is cloned once per run, never into ``~/.cookiecutters``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

from . import __version__
from .errors import GenerationError, InputError, printable
from .git import _env, clean_head, git_path
from .provenance import BUNDLED_PREFIX, Origin, bundled_source
from .template import PROJECT_DIR, TEMPLATE_ENV, find_template_dir, is_template

# The files that make the template; a change anywhere else in its repository (docs,
# tests, the CLI) does not change what it renders.
TEMPLATE_PARTS = ("cookiecutter.json", "local_extensions.py", "hooks", PROJECT_DIR)
# Written into the wheel by hatch_build.py: the commit the bundled template was built from.
COMMIT_FILE = "BUILD_COMMIT"
_URL_RE = re.compile(r"^([a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)
_SHA_RE = re.compile(r"[0-9a-f]{40}")


def is_url(spec: str) -> bool:
    return bool(_URL_RE.match(spec))


def run_git(
    args: list[str], cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[bytes]:
    """Run git with bytes output; raise a one-line error when git itself is missing."""
    git = git_path()
    if git is None:
        raise GenerationError("git is not installed (not found on PATH); it is needed here")
    try:
        return subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, *args],
            cwd=cwd,
            env={**_env(), "GIT_TERMINAL_PROMPT": "0"},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise GenerationError(f"git {args[0]} failed: {error}") from None


def git_text(args: list[str], cwd: Path | None = None) -> str | None:
    """git's stdout as text, or None when it fails."""
    done = run_git(args, cwd)
    return done.stdout.decode("utf-8", "replace").strip() if done.returncode == 0 else None


def clean_commit(repo: Path) -> str | None:
    """HEAD of the repository rooted at ``repo``, if its template files are all committed."""
    return clean_head(repo, TEMPLATE_PARTS)


def bundled_commit(template_dir: Path) -> str | None:
    """The commit of the bundled template: from the wheel's build, else from the checkout."""
    stamp = template_dir / COMMIT_FILE
    if stamp.is_file():
        text = stamp.read_text(encoding="utf-8").strip()
        return text if _SHA_RE.fullmatch(text) else None
    return clean_commit(template_dir)


class Source:
    """A template source, opened once per command; temporary copies live in ``stack``."""

    def __init__(
        self,
        spec: str,
        stack: contextlib.ExitStack,
        *,
        directory: Path | None = None,
        repo: Path | None = None,
        bundled: bool = False,
    ) -> None:
        self.spec, self.stack = spec, stack
        self.directory, self.repo, self.bundled = directory, repo, bundled
        self.shown = printable(spec, limit=200)

    def _scratch(self) -> Path:
        return Path(self.stack.enter_context(tempfile.TemporaryDirectory(prefix="flaskcutter-")))

    def resolve(self, ref: str) -> str:
        """The commit ``ref`` names in this source, or exit 2 naming the unknown ref."""
        if self.repo is None:
            raise InputError(
                f"ref {printable(repr(ref))} cannot be used with {self.shown}: it is not a git "
                "repository (give a git repository with --template)"
            )
        for candidate in (ref, f"origin/{ref}"):
            sha = git_text(
                ["rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"], self.repo
            )
            if sha:
                return sha
        raise InputError(f"unknown ref {printable(repr(ref))}: {self.shown} has no such commit")

    def latest(self) -> str | None:
        """The newest commit: HEAD of the repository (the remote's default branch)."""
        if self.repo is not None:
            return git_text(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], self.repo)
        if self.bundled and self.directory is not None:
            return bundled_commit(self.directory)
        return None

    def export(self, commit: str) -> Path:
        """The template files at ``commit`` in a private directory."""
        assert self.repo is not None  # noqa: S101 - resolve() refused non-git sources
        done = run_git(["archive", "--format=tar", commit], self.repo)
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"]
            raise GenerationError(f"cannot read {self.shown} at {commit[:12]}: {detail[-1]}")
        dest = self._scratch() / "template"
        dest.mkdir()
        with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
            archive.extractall(dest, filter="data")
        if not is_template(dest):
            raise InputError(
                f"{self.shown} at {commit[:12]} is not a template: it needs cookiecutter.json "
                f"and {PROJECT_DIR}/"
            )
        return dest

    def checkout(self, ref: str | None = None) -> tuple[Path, Origin]:
        """A template directory for ``ref`` (default: the latest), with its origin."""
        if ref is None and self.directory is not None:
            # A directory is used as it is, as cookiecutter does, so a template author
            # sees uncommitted edits; its commit is recorded only when it describes them.
            commit = (
                bundled_commit(self.directory) if self.bundled else clean_commit(self.directory)
            )
            return self.directory, Origin(self.spec, commit, None)
        if self.bundled:
            raise InputError(
                f"ref {printable(repr(ref))} needs a git repository: the template bundled with "
                f"flaskcutter {__version__} is one fixed version (give --template a git "
                "repository or URL)"
            )
        commit = self.resolve(ref) if ref is not None else self.latest()
        if commit is None:
            raise InputError(f"{self.shown} has no commits")
        return self.export(commit), Origin(self.spec, commit, ref)

    def newest(self) -> tuple[Path, Origin]:
        """The latest version: HEAD of a repository (never its uncommitted edits)."""
        if self.repo is None or self.bundled:
            return self.checkout(None)
        commit = self.latest()
        if commit is None:
            raise InputError(f"{self.shown} has no commits")
        return self.export(commit), Origin(self.spec, commit, None)

    def at(self, origin: Origin) -> Path | None:
        """The template directory of a recorded version, or None when it cannot be had."""
        if self.bundled:
            path = self.directory
            assert path is not None  # noqa: S101 - a bundled source is always a directory
            mine = bundled_commit(path)
            same = mine == origin.commit if origin.commit else origin.source == bundled_source()
            return path if same else None
        if self.repo is None or origin.commit is None:
            return None
        if git_text(["cat-file", "-e", f"{origin.commit}^{{commit}}"], self.repo) is None:
            return None
        return self.export(origin.commit)


def open_source(spec: str | None, stack: contextlib.ExitStack) -> Source:
    """Open ``spec``: None (or ``flaskcutter==X``) for the bundled copy, a path, or a URL."""
    if spec is None or spec.startswith(BUNDLED_PREFIX):
        override = os.environ.get(TEMPLATE_ENV)
        directory = find_template_dir()
        if override:  # a test or a template author's copy: record where it really is
            return open_source(str(directory), stack)
        return Source(bundled_source(), stack, directory=directory, bundled=True)
    shown = printable(repr(spec), limit=200)
    if is_url(spec):
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="flaskcutter-")))
        clone = scratch / "repo.git"
        done = run_git(["clone", "--quiet", "--bare", "--", spec, str(clone)])
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"]
            raise InputError(f"template {shown} cannot be cloned: {detail[-1]}")
        return Source(spec, stack, repo=clone)
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise InputError(f"template {shown} is invalid: no such directory")
    path = path.resolve()
    top = git_text(["rev-parse", "--show-toplevel"], cwd=path) if git_path() else None
    repo = path if top is not None and os.path.realpath(top) == str(path) else None
    if repo is None and not is_template(path):
        raise InputError(
            f"template {shown} is invalid: it needs cookiecutter.json and {PROJECT_DIR}/"
        )
    # A repository's working directory is the template only when it holds one; a bare
    # clone or an empty checkout is read by commit.
    return Source(str(path), stack, directory=path if is_template(path) else None, repo=repo)
