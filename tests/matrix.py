"""The combinations the suite bakes, derived from cookiecutter.json and the pre hook.

Every choice and boolean key takes part by itself: a key added to cookiecutter.json
joins the matrix with no list to edit. The keys that interact are crossed in full
(the layout with every database mode, a mode being one way to set a gate such as
``use_sqlalchemy`` and the keys that REQUIRES ties to it); every other key is covered
pairwise, so each pair of values meets in at least one bake (style.md). Free text is
varied by hand in TEXT_VARIANTS, since no table can say what is awkward.
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

from hooks.pre_gen_project import REQUIRES, effective, kind, switched_off

from .conftest import REPO

SPEC: dict[str, Any] = json.loads((REPO / "cookiecutter.json").read_text(encoding="utf-8"))
KEYS = [key for key in SPEC if not key.startswith("_") and kind(SPEC, key) != "text"]
DEFAULTS = {key: SPEC[key][0] if isinstance(SPEC[key], list) else SPEC[key] for key in KEYS}

TEXT_VARIANTS: dict[str, dict[str, Any]] = {
    # 40 characters, the limit: long names must not push generated lines out of format.
    "long-name": {"project_name": "Longest Allowed Name For A Flask Project"},
    "awkward-text": {
        "project_name": 'Café "Ünïcode" O\'Brien',
        "author_name": 'Zoë "Z" O\'Hara \\ Søren',
        # Plain cookiecutter renders answers as Jinja, so no delimiters here; the CLI's
        # own tests check that it passes them through verbatim.
        "description": 'Says "hi" \\ n\'t \t ☕ 日本 😀\x7f\nsecond line',
        "author_email": "zoë@example.com",
    },
}


def values_of(key: str) -> list[Any]:
    return list(SPEC[key]) if isinstance(SPEC[key], list) else [True, False]


def gate_modes() -> list[dict[str, Any]]:
    """Every distinct way to set the REQUIRES gates and the keys they switch on."""
    gated = sorted({key for condition in REQUIRES.values() for key in condition})
    tied = sorted(REQUIRES)
    modes: list[dict[str, Any]] = []
    for combo in itertools.product(*(values_of(key) for key in gated + tied)):
        mode = dict(zip(gated + tied, combo, strict=True))
        # A switched-off key keeps its default: plain cookiecutter cannot be given "off".
        off = switched_off({**DEFAULTS, **mode})
        mode = {key: DEFAULTS[key] if key in off else value for key, value in mode.items()}
        if mode not in modes:
            modes.append(mode)
    return modes


def _pairwise(
    factors: dict[str, list[Any]], fixed: list[dict[str, int]], seed: int = 7
) -> list[dict[str, Any]]:
    """Rows in which every pair of values of two factors meets at least once.

    ``fixed`` rows (indexes of some factors) come first; their other factors, and
    the rows added after them, are chosen greedily, as in AETG: the best of a few
    random candidates by how many uncovered pairs it covers. Seeded, so the matrix
    is the same on every run.
    """
    names = list(factors)
    pairs = list(itertools.combinations(names, 2))
    uncovered = {
        (a, va, b, vb)
        for a, b in pairs
        for va in range(len(factors[a]))
        for vb in range(len(factors[b]))
    }
    rng = random.Random(seed)  # noqa: S311 (a test matrix, not a secret)

    def best_row(start: dict[str, int]) -> dict[str, int]:
        best, best_score = start, -1
        for _ in range(60):
            row = {name: rng.randrange(len(factors[name])) for name in names} | start
            score = sum((a, row[a], b, row[b]) in uncovered for a, b in pairs)
            if score > best_score:
                best, best_score = row, score
        return best

    rows, pending = [], list(fixed)
    while pending or uncovered:
        if pending:
            start = pending.pop(0)
        else:
            first = min(uncovered)
            start = {first[0]: first[1], first[2]: first[3]}
        row = best_row(start)
        rows.append(row)
        uncovered -= {(a, row[a], b, row[b]) for a, b in pairs}
    return [{name: factors[name][index] for name, index in row.items()} for row in rows]


def name_of(answers: dict[str, Any]) -> str:
    """A readable id: the values that differ from the defaults (layout always)."""
    settled = effective(answers, SPEC)
    parts = [answers["layout"]]
    for key in KEYS:
        value = settled.get(key, DEFAULTS[key])
        if key != "layout" and value != DEFAULTS[key] and value is not None:
            parts.append(f"{key}={json.dumps(value) if isinstance(value, bool) else value}")
    return ",".join(parts)


def changes(answers: dict[str, Any]) -> dict[str, Any]:
    """Only the answers that differ from the defaults: what a bake is given."""
    return {key: value for key, value in answers.items() if DEFAULTS.get(key) != value}


def combinations() -> dict[str, dict[str, Any]]:
    """Name -> answers (complete, as given to the template) for every bake."""
    modes = gate_modes()
    rest = [key for key in KEYS if key != "layout" and not any(key in mode for mode in modes)]
    factors: dict[str, list[Any]] = {"layout": values_of("layout"), "_mode": modes}
    factors.update({key: values_of(key) for key in rest})
    result: dict[str, dict[str, Any]] = {"defaults": dict(DEFAULTS)}
    # layout x mode in full; the pairwise rows fill in the other keys and add rows.
    crossed = [
        {"layout": layout, "_mode": mode}
        for layout in range(len(factors["layout"]))
        for mode in range(len(modes))
    ]
    for row in _pairwise(factors, crossed):
        answers = {**DEFAULTS, **{k: v for k, v in row.items() if k != "_mode"}, **row["_mode"]}
        result.setdefault(name_of(answers), answers)
    for name, changes in TEXT_VARIANTS.items():
        result[name] = {**DEFAULTS, **changes}
    return result
