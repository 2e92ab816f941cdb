"""The combinations the suite bakes, derived from cookiecutter.json and the pre hook.

Every choice and boolean key takes part by itself: a key added to cookiecutter.json
joins the matrix with no list to edit. Every pair of values meets in at least one bake
(style.md), and the keys that interact, those REQUIRES ties to a gate such as
``use_sqlalchemy`` (the database and each feature that needs one), meet each other
pairwise in each layout too. Free text is varied by hand in TEXT_VARIANTS, since no
table can say what is awkward.
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


def requirements() -> set[tuple[tuple[str, Any], ...]]:
    """What the bakes must cover, as tuples of (key, value) that must meet in one bake.

    Every pair of values of two keys, and, for the keys that REQUIRES ties to a gate
    (the database and each feature that needs it), every pair of their values in each
    layout: each feature meets both layouts and both databases, and every other
    feature, in both layouts. A tuple that no answers can produce (a feature on with
    its gate off) is left out.
    """
    tied = sorted(REQUIRES)
    wanted: set[tuple[tuple[str, Any], ...]] = set()
    groups = [(a, b) for a, b in itertools.combinations(KEYS, 2)]
    groups += [("layout", a, b) for a, b in itertools.combinations(tied, 2)]
    for group in groups:
        for values in itertools.product(*(values_of(key) for key in group)):
            chosen = dict(zip(group, values, strict=True))
            if not set(group) & set(switched_off({**DEFAULTS, **chosen})):
                wanted.add(tuple(sorted(chosen.items())))
    return wanted


def covered(answers: dict[str, Any]) -> set[tuple[tuple[str, Any], ...]]:
    """The requirements one bake meets; a switched-off key meets none."""
    off = set(switched_off(answers))
    live = {key: value for key, value in answers.items() if key in KEYS and key not in off}
    result = set()
    for size in (2, 3):
        for group in itertools.combinations(sorted(live), size):
            result.add(tuple((key, live[key]) for key in group))
    return result


def _greedy(wanted: set[tuple[tuple[str, Any], ...]], seed: int = 7) -> list[dict[str, Any]]:
    """Bakes that meet every requirement, chosen greedily as in AETG.

    Each bake starts from the first requirement not yet met; its other keys are the
    best of a few random candidates by how many unmet requirements they meet. Seeded,
    so the matrix is the same on every run.
    """
    rng = random.Random(seed)  # noqa: S311 (a test matrix, not a secret)
    rows: list[dict[str, Any]] = []
    uncovered = set(wanted)
    while uncovered:
        start = dict(min(uncovered, key=repr))
        best: dict[str, Any] = {}
        best_met: set[tuple[tuple[str, Any], ...]] = set()
        for _ in range(60):
            row = {key: rng.choice(values_of(key)) for key in KEYS} | start
            met = covered(row) & uncovered
            if len(met) > len(best_met):
                best, best_met = row, met
        rows.append(best)
        uncovered -= best_met
    return rows


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
    result: dict[str, dict[str, Any]] = {"defaults": dict(DEFAULTS)}
    for row in _greedy(requirements() - covered(DEFAULTS)):
        # A switched-off key keeps its default: plain cookiecutter cannot be given "off".
        off = switched_off(row)
        answers = {key: DEFAULTS[key] if key in off else value for key, value in row.items()}
        result.setdefault(name_of(answers), answers)
    for name, changes in TEXT_VARIANTS.items():
        result[name] = {**DEFAULTS, **changes}
    return result
