"""`flaskcutter update`: bring a project to a newer template version or changed answers.

The base is the project as its recorded version renders it with its recorded answers;
the target is the new version with the (possibly ``--set``) answers; the third side is
the project's working tree. Renders are reproducible (the only random file, ``.env``,
is never merged), so the base is exactly what the project started from, and a
three-way merge tells the template's changes from the team's. See merge.py for the
per-file rules.

The working tree must be clean, so every change the update makes is one ``git diff``
to review and one ``git checkout .`` to undo.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from . import output
from .answers import FLAG, PRESET, Answers, parse_set
from .errors import GenerationError, InputError, printable
from .generate import build_context, render, sigterm_raises, staging_dir
from .merge import KINDS, Plan, apply, plan_merge
from .provenance import (
    ANSWERS_FILE,
    CONFLICTS_KEY,
    Origin,
    Record,
    read_record,
    record_text,
)
from .sources import Source, git_text, open_source, run_git
from .template import Template, load_template_from

# Answers an update cannot change by merging: they move every file somewhere else.
FIXED_ANSWERS = {
    "layout": "the layouts hold the same code in different files; create a project with "
    "`flaskcutter new --layout {value}` and move your code across",
    "package_name": "renaming the package moves every module; rename it with `git mv` "
    "and your editor instead",
}


@dataclass(frozen=True)
class UpdateOptions:
    project: Path = Path()
    template: str | None = None
    to: str | None = None
    sets: tuple[str, ...] = ()
    dry_run: bool = False


# --- the project's git state ---------------------------------------------------------


def require_clean_git(project: Path) -> set[str]:
    """Refuse a project outside git or with uncommitted changes; return its tracked files."""
    shown = printable(str(project), limit=200)
    if git_text(["rev-parse", "--show-toplevel"], cwd=project) is None:
        raise InputError(
            f"{shown} is not in a git repository: update needs one so that its changes can be "
            "reviewed and undone (git init && git add -A && git commit)"
        )
    # Untracked files are not "changes" here: the update never touches them.
    # --no-optional-locks: a refused update must not even refresh git's index.
    status = run_git(
        ["--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=no", "--", "."],
        cwd=project,
    )
    entries = iter(status.stdout.decode("utf-8", "replace").split("\0"))
    changed = []
    for entry in entries:
        if len(entry) > 3:
            changed.append(entry[3:])
            if entry[0] in "RC":
                next(entries, None)  # a rename's or copy's original path follows
    if changed:
        listed = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        raise InputError(
            f"{shown} has uncommitted changes ({printable(listed, limit=300)}): commit or stash "
            "them first, so that the update is a change of its own"
        )
    done = run_git(["ls-files", "-z", "--", "."], cwd=project)
    return {name for name in done.stdout.decode("utf-8", "replace").split("\0") if name}


def markers_left(project: Path, paths: list[str]) -> list[str]:
    """The files among ``paths`` that still hold a conflict marker line."""
    left = []
    for relative in paths:
        try:
            lines = (project / relative).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue  # deleted: the person resolving it chose to drop the file
        if any(line.startswith(("<<<<<<< ", ">>>>>>> ")) for line in lines):
            left.append(relative)
    return left


# --- answers ---------------------------------------------------------------------------


def answers_for(template: Template, record: Record, sets: tuple[str, ...] = ()) -> dict[str, Any]:
    """The recorded answers (with ``--set`` on top), checked by the template's own rules."""
    answers = Answers(template)
    for key, value in record.answers.items():
        if key in template.keys:
            answers.give(key, value, ANSWERS_FILE, PRESET)
    for item in sets:
        key, value = parse_set(item, template)
        answers.give(key, value, f"--set {printable(item)}", FLAG)
        if key in FIXED_ANSWERS and value != record.answers.get(key):
            raise InputError(
                f"--set {printable(item)} is refused: {key} cannot change in an update; "
                + FIXED_ANSWERS[key].format(value=printable(str(value)))
            )
    for note in answers.check():
        output.notice(note)
    return answers.values()


# --- rendering ----------------------------------------------------------------------------


@contextlib.contextmanager
def rendered(template: Template, values: Mapping[str, Any], origin: Origin) -> Iterator[Path]:
    """The project as ``template`` renders it with ``values``, in a private directory."""
    with staging_dir(Path(tempfile.gettempdir())) as staging:
        context = build_context(template, values, staging.path, origin)
        yield render(template, context, staging.path)


def base_template(record: Record, target_source: Source, stack: contextlib.ExitStack) -> Path:
    """The template the project was made from, from the target's source or the recorded one."""
    origin = record.origin
    found = target_source.at(origin)
    if found is None and origin.source and origin.source != target_source.spec:
        with contextlib.suppress(InputError):
            found = open_source(origin.source, stack).at(origin)
    if found is not None:
        return found
    version = origin.label() or "no template"
    if origin.commit is None:
        reason = "it records no commit, so the files it started from cannot be rebuilt"
    elif origin.bundled:
        reason = (
            "that version is not the one bundled with this flaskcutter; give --template a "
            "clone of flaskcutter's repository (or its URL) that has the commit"
        )
    else:
        reason = "that commit cannot be read; give --template a copy of the repository that has it"
    raise InputError(
        f"the project's template version {printable(version, 200)} is unavailable: {reason}"
    )


def labels(base: Origin, target: Origin) -> tuple[str, str, str]:
    return ("project (yours)", f"base {base.label()}", f"template {target.label()}")


@dataclass
class Outcome:
    plan: Plan
    record: dict[str, Any]
    base: Origin
    target: Origin


def prepare(opts: UpdateOptions, stack: contextlib.ExitStack) -> tuple[Record, set[str], Outcome]:
    """Every check and both renders; returns the plan. Writes nothing."""
    project = Path(opts.project).absolute()
    record = read_record(project)
    tracked = require_clean_git(project)
    left = markers_left(project, record.conflicts)
    if left:
        raise InputError(
            f"conflict markers from the last update remain in {', '.join(left)}: resolve them "
            "and commit before updating again"
        )
    source = open_source(opts.template or record.origin.source or None, stack)
    if opts.to is not None:
        target_dir, target_origin = source.checkout(opts.to)
    else:
        target_dir, target_origin = source.newest()
    base_dir = base_template(record, source, stack)
    base_t, target_t = load_template_from(base_dir), load_template_from(target_dir)
    base_values = answers_for(base_t, record)
    target_values = answers_for(target_t, record, opts.sets)
    with (
        rendered(base_t, base_values, record.origin) as base,
        rendered(target_t, target_values, target_origin) as target,
    ):
        plan = plan_merge(base, target, project, tracked, labels(record.origin, target_origin))
        data = json.loads((target / ANSWERS_FILE).read_text(encoding="utf-8"))
    if plan.marked:
        data[CONFLICTS_KEY] = plan.marked
    return record, tracked, Outcome(plan, data, record.origin, target_origin)


def report(outcome: Outcome, dry_run: bool) -> None:
    plan = outcome.plan
    verb = "would change" if dry_run else "changed"
    head = f"{outcome.base.label()} -> {outcome.target.label()}"
    if not plan.actions:
        click.echo(f"Nothing to merge ({head}): the project already has every change.")
        return
    click.echo(f"Update {head}: {len(plan.writes)} files {verb}.")
    for kind, (_conflict, meaning) in KINDS.items():
        paths = [action.path for action in plan.of(kind)]
        if paths:
            click.echo(f"  {meaning}:")
            click.echo("\n".join(f"    {path}" for path in paths))


def run(opts: UpdateOptions) -> None:
    """The whole `update` command: plan, then write (or only show) it."""
    with sigterm_raises(), contextlib.ExitStack() as stack:
        record, _tracked, outcome = prepare(opts, stack)
        unchanged = not outcome.plan.actions and record_text(outcome.record) == record_text(
            record.data
        )
        report(outcome, opts.dry_run)
        if opts.dry_run:
            click.echo("Dry run: nothing was written.")
        elif not unchanged:
            apply(
                outcome.plan, record.project, {ANSWERS_FILE: record_text(outcome.record).encode()}
            )
            click.echo(f"Recorded {outcome.target.label()} in {ANSWERS_FILE}.")
        conflicts = outcome.plan.conflicts
        if conflicts:
            names = ", ".join(action.path for action in conflicts)
            what = "would conflict" if opts.dry_run else "conflict"
            steps = (
                ""
                if opts.dry_run
                else "; resolve the markers (and decide the kept files), then commit; "
                "`flaskcutter check` shows what remains"
            )
            raise UpdateConflict(f"{len(conflicts)} files {what}: {names}{steps}")
        if not opts.dry_run and not unchanged:
            click.echo("Review with `git diff`, then commit.")


class UpdateConflict(GenerationError):
    """Conflicts were left (or would be): exit 1, and never called a success."""
