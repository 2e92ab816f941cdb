"""`flaskcutter check`: is the project at its template's latest version, with nothing left over?

Made for CI: exit 0 when up to date and no update conflict markers remain, 1 when
behind (saying from which version to which, and how many files the update would touch)
or when markers remain, 2 when the project or the template cannot be read.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import click

from .errors import InputError
from .merge import files_of
from .provenance import Origin, read_record
from .sources import open_source
from .template import load_template_from
from .update import answers_for, base_template, markers_left, rendered


def files_differ(base: Path, target: Path) -> int:
    """How many files two renders disagree on (added, removed or changed)."""
    ours, theirs = files_of(base), files_of(target)
    return sum(
        1
        for name in set(ours) | set(theirs)
        if name not in ours
        or name not in theirs
        or ours[name].read_bytes() != theirs[name].read_bytes()
    )


def inspect(project: Path, template: str | None, stack: contextlib.ExitStack) -> dict[str, Any]:
    record = read_record(Path(project).absolute())
    source = open_source(template or record.origin.source or None, stack)
    latest = source.latest()
    if latest is None and not source.bundled:
        raise InputError(
            f"cannot tell whether the project is behind: {source.shown} is not a git repository, "
            "so it has no versions to compare (give --template a git repository)"
        )
    target = Origin(source.spec, latest)
    mine = record.origin
    # Without commits (a wheel built outside git), the version number is all there is.
    current = mine.commit == latest if latest else mine.source == source.spec
    status: dict[str, Any] = {
        "project": str(record.project),
        "from": {"template": mine.source, "commit": mine.commit},
        "to": {"template": target.source, "commit": target.commit},
        "up_to_date": current,
        "files_differ": 0 if current else None,
        "unresolved_conflicts": markers_left(record.project, record.conflicts),
        "note": None,
    }
    if not current:
        try:
            base_dir = base_template(record, source, stack)
        except InputError as error:
            status["note"] = error.message
        else:
            target_dir, _ = source.newest()
            base_t, target_t = load_template_from(base_dir), load_template_from(target_dir)
            with (
                rendered(base_t, answers_for(base_t, record), mine) as base,
                rendered(target_t, answers_for(target_t, record), target) as new,
            ):
                status["files_differ"] = files_differ(base, new)
    status["ok"] = current and not status["unresolved_conflicts"]
    return status


def describe(status: dict[str, Any]) -> list[str]:
    mine = Origin(status["from"]["template"], status["from"]["commit"])
    target = Origin(status["to"]["template"], status["to"]["commit"])
    lines = []
    if status["up_to_date"]:
        lines.append(f"Up to date with {target.label()}.")
    else:
        differ = status["files_differ"]
        count = "an unknown number of files" if differ is None else f"{differ} files"
        lines.append(f"Behind: {mine.label()} -> {target.label()}; {count} differ.")
        if status["note"]:
            lines.append(f"  ({status['note']})")
        lines.append("  Run `flaskcutter update` to merge the new version.")
    if status["unresolved_conflicts"]:
        lines.append(
            "Conflict markers from the last update remain in: "
            + ", ".join(status["unresolved_conflicts"])
        )
    return lines


def run(project: Path, template: str | None, as_json: bool) -> None:
    with contextlib.ExitStack() as stack:
        status = inspect(project, template, stack)
    if as_json:
        click.echo(json.dumps(status, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(describe(status)))
    if not status["ok"]:
        click.get_current_context().exit(1)
