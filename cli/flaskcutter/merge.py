"""A three-way merge of whole trees: base render, target render, the project's files.

Each file is decided on its own. When only the template changed it, the template's
version is taken; when only the project changed it, the project's stays; when both
did, ``git merge-file`` merges the lines and leaves standard, labelled markers where
they collide. The rules below never drop a local change:

- a file the project changed and the new version deletes is kept (a conflict);
- a file the project deleted stays deleted (reported);
- a binary file both sides changed keeps the project's bytes (a conflict);
- ``.env``, ``instance/``, ``.git/`` and files no render has are never looked at;
- an untracked file where the template adds one is never touched (a conflict).

The plan is computed first and written only when asked, so ``--dry-run`` and a refusal
leave the tree exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import GenerationError
from .provenance import ANSWERS_FILE
from .sources import run_git

# Never merged: the project's secret and local state, git itself, and the record,
# which the update writes on its own once it knows the outcome.
NEVER_MERGED = (".env", "instance", ".git", ANSWERS_FILE)
BINARY_SNIFF = 8000  # git's own heuristic: a NUL byte in the first 8000 bytes


def is_skipped(relative: str) -> bool:
    parts = PurePosixPath(relative).parts
    return bool(parts) and (parts[0] in NEVER_MERGED or "__pycache__" in parts)


def files_of(root: Path) -> dict[str, Path]:
    """Regular files under a render, by POSIX relative path."""
    found = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not path.is_symlink() and not is_skipped(relative):
            found[relative] = path
    return found


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:BINARY_SNIFF]


@dataclass
class Action:
    """What happens to one path. ``content`` None with ``write`` set means delete it."""

    path: str
    kind: str  # see KINDS
    write: bool = False
    content: bytes | None = None
    mode: int | None = None


# kind -> (is it a conflict, how it reads in a report)
KINDS = {
    "add": (False, "added"),
    "update": (False, "updated"),
    "remove": (False, "removed"),
    "merge": (False, "merged (both changed it, no overlap)"),
    "conflict": (True, "conflict markers (both changed the same lines)"),
    "kept-modified": (True, "kept yours: you changed it, the new version deletes it"),
    "kept-binary": (True, "kept yours: binary, changed on both sides"),
    "kept-untracked": (True, "kept yours: untracked, the new version adds a different one"),
    "kept-other": (True, "kept yours: not a regular file where the template has one"),
    "kept-deleted": (False, "stays deleted: you deleted it, the new version changes it"),
}


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)

    def of(self, *kinds: str) -> list[Action]:
        return [action for action in self.actions if action.kind in kinds]

    @property
    def conflicts(self) -> list[Action]:
        return [action for action in self.actions if KINDS[action.kind][0]]

    @property
    def marked(self) -> list[str]:
        """Files that will hold inline conflict markers."""
        return [action.path for action in self.of("conflict")]

    @property
    def writes(self) -> list[Action]:
        return [action for action in self.actions if action.write]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def merge_file(
    ours: Path, base: Path | None, theirs: Path, labels: tuple[str, str, str]
) -> tuple[bytes, int]:
    """``git merge-file -p``: the merged bytes and the number of conflicts."""
    with contextlib.ExitStack() as stack:
        if base is None:  # both added the file: merge against nothing
            empty = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "empty"
            empty.write_bytes(b"")
            base = empty
        done = run_git(
            ["merge-file", "-p", "-L", labels[0], "-L", labels[1], "-L", labels[2]]
            + [str(ours), str(base), str(theirs)]
        )
    if done.returncode < 0 or done.returncode > 127:
        detail = done.stderr.decode("utf-8", "replace").strip() or "no output"
        raise GenerationError(f"git merge-file failed on {ours}: {detail}")
    return done.stdout, done.returncode


def plan_merge(
    base: Path,
    target: Path,
    project: Path,
    tracked: set[str],
    labels: tuple[str, str, str],
) -> Plan:
    """Decide every path that either render has; read the project, write nothing."""
    base_files, target_files = files_of(base), files_of(target)
    plan = Plan()
    for relative in sorted(set(base_files) | set(target_files)):
        b, t = base_files.get(relative), target_files.get(relative)
        b_data = b.read_bytes() if b else None
        t_data = t.read_bytes() if t else None
        if b_data == t_data:
            continue  # the template did not change it: whatever the project did stays
        local = project / relative
        if os.path.lexists(local) and (local.is_symlink() or not local.is_file()):
            plan.actions.append(Action(relative, "kept-other"))
            continue
        w_data = local.read_bytes() if local.is_file() else None
        if w_data == t_data:
            continue  # the project already has the new version
        if w_data == b_data:  # untouched (or already absent): take the template's
            if t_data is None:
                plan.actions.append(Action(relative, "remove", write=True))
            else:
                assert t is not None  # noqa: S101 - t_data came from t
                kind = "add" if b_data is None else "update"
                plan.actions.append(Action(relative, kind, True, t_data, _mode(t)))
            continue
        if w_data is None:
            plan.actions.append(Action(relative, "kept-deleted"))
        elif t_data is None:
            plan.actions.append(Action(relative, "kept-modified"))
        elif b_data is None and relative not in tracked:
            plan.actions.append(Action(relative, "kept-untracked"))
        elif any(is_binary(data) for data in (b_data or b"", t_data, w_data)):
            plan.actions.append(Action(relative, "kept-binary"))
        else:
            assert t is not None  # noqa: S101 - t_data came from t
            merged, conflicts = merge_file(local, b, t, labels)
            kind = "conflict" if conflicts else "merge"
            plan.actions.append(Action(relative, kind, True, merged, _mode(local)))
    return plan


def _write_atomically(path: Path, content: bytes, mode: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.flaskcutter-tmp")
    temporary.write_bytes(content)
    if mode is not None:
        temporary.chmod(mode)
    os.replace(temporary, path)


def _remove_empty_parents(path: Path, root: Path) -> None:
    parent = path.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()  # only succeeds when nothing else is in it
        except OSError:
            return
        parent = parent.parent


def apply(plan: Plan, project: Path, extra: dict[str, bytes] | None = None) -> None:
    """Write the plan (and ``extra`` files); on any error put back what was there."""
    writes = [(a.path, a.content, a.mode) for a in plan.writes]
    writes += [(name, data, None) for name, data in (extra or {}).items()]
    saved: list[tuple[Path, bytes | None, int | None]] = []
    try:
        for relative, content, mode in writes:
            path = project / relative
            before = path.read_bytes() if path.is_file() else None
            saved.append((path, before, _mode(path) if before is not None else None))
            if content is None:
                path.unlink(missing_ok=True)
                _remove_empty_parents(path, project)
            else:
                _write_atomically(path, content, mode if mode is not None else saved[-1][2])
    except BaseException as error:
        for path, before, mode in reversed(saved):
            with contextlib.suppress(OSError):
                if before is None:
                    path.unlink(missing_ok=True)
                else:
                    _write_atomically(path, before, mode)
        if isinstance(error, OSError):
            where = f": {error.filename}" if error.filename else ""
            raise GenerationError(
                f"cannot write the update: {error.strerror}{where}; nothing was changed"
            ) from None
        raise
