"""Finish a freshly rendered project: prune, fold, write secrets, record answers.

Like the pre hook, this file is valid Python before rendering and reads the context
through a single JSON line. What each option adds or removes is declared in
``PRUNE_RULES`` so that it can be read, and tested, in one place.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

CONTEXT_JSON = r"""{{ cookiecutter | tojson }}"""
# Everything below reaches Python verbatim: {% raw %}

ANSWERS_FILE = ".flaskcutter.json"
Context = Mapping[str, Any]


def uses_migrate(context: Context) -> bool:
    """Migrations only mean something with SQLAlchemy."""
    return bool(context["use_sqlalchemy"] and context["use_migrate"])


# condition -> paths to remove, applied after the single layout's moves; "{pkg}" is the
# package name and "{templates}" the folder of Flask's templates in either layout.
# (The single layout's module is never rendered for blueprints: its file name renders
# to nothing, and cookiecutter skips such files.)
PRUNE_RULES: list[tuple[Callable[[Context], bool], list[str]]] = [
    (lambda c: c["layout"] == "single", ["{pkg}"]),
    (
        lambda c: not c["use_sqlalchemy"],
        [
            "{pkg}/extensions.py",
            "{pkg}/models.py",
            "{templates}/notes.html",
            "tests/test_notes.py",
            "tests/test_database.py",
        ],
    ),
    (lambda c: not uses_migrate(c), ["migrations", "tests/test_migrations.py"]),
    (lambda c: c["deployment"] == "none", ["deploy", "tests/test_deploy_config.py"]),
    (lambda c: c["license"] == "Proprietary", ["LICENSE"]),
    (lambda c: not c["use_github_actions"], [".github"]),
]

# The single layout keeps Flask's templates and static files beside its one module.
SINGLE_LAYOUT_MOVES = [("{pkg}/templates", "templates"), ("{pkg}/static", "static")]


def paths_to_prune(context: Context) -> list[str]:
    """Return the relative paths that the answers remove, in table order."""
    pkg = context["package_name"]
    templates = "templates" if context["layout"] == "single" else f"{pkg}/templates"
    return [
        path.format(pkg=pkg, templates=templates)
        for condition, paths in PRUNE_RULES
        if condition(context)
        for path in paths
    ]


def prune(context: Context, root: Path) -> None:
    """Apply the layout moves, then remove every path the answers rule out."""
    if context["layout"] == "single":
        for source, target in SINGLE_LAYOUT_MOVES:
            (root / source.format(pkg=context["package_name"])).rename(root / target)
    for relative in paths_to_prune(context):
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def template_commit(template_dir: object) -> str | None:
    """The git commit of a template checkout, when its template files are committed.

    A checkout with uncommitted template changes has no commit that describes what was
    rendered, and a wrong one would give `flaskcutter update` a wrong base.
    """
    if not isinstance(template_dir, str) or not template_dir or shutil.which("git") is None:
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv, no shell
                ["git", "-C", template_dir, *args],  # noqa: S607 - git from PATH, as cookiecutter does
                capture_output=True,
                text=True,
                env=env,
                stdin=subprocess.DEVNULL,
                timeout=30,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    # Only the repository's own root: a template copied into some other repository
    # (a venv inside a project, say) must not record that repository's commit.
    top = git("rev-parse", "--show-toplevel")
    if top is None or os.path.realpath(top) != os.path.realpath(template_dir):
        return None
    parts = ["cookiecutter.json", "local_extensions.py", "hooks", "{{cookiecutter.project_slug}}"]
    if git("status", "--porcelain", "--", *parts) != "":
        return None  # not a git checkout, or its template files are not all committed
    return git("rev-parse", "HEAD") or None


def template_version(template_dir: object) -> str | None:
    """flaskcutter's version, read from a checkout of its repository (``cli/`` beside it)."""
    if not isinstance(template_dir, str) or not template_dir:
        return None
    init = Path(template_dir) / "cli" / "flaskcutter" / "__init__.py"
    try:
        found = re.search(r'__version__ = "([^"]+)"', init.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return found.group(1) if found else None


def provenance(context: Context) -> dict[str, Any]:
    """Where the template came from, so that `update` and `check` can rebuild it.

    `flaskcutter new` and cruft put ``_commit`` in the context themselves; plain
    cookiecutter does not, so it is read from the template checkout (``_repo_dir``).
    """
    repo_dir = context.get("_repo_dir")
    commit = context["_commit"] if "_commit" in context else template_commit(repo_dir)
    version = context.get("_flaskcutter_version") or template_version(repo_dir)
    return {
        "_template": context.get("_template", ""),
        "_commit": commit,
        "_checkout": context.get("_checkout"),
        "_flaskcutter_version": version,
    }


def recorded_answers(context: Context, origin: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The answers worth keeping: user keys only, with switched-off options made explicit."""
    answers = {key: value for key, value in context.items() if not key.startswith("_")}
    answers["use_migrate"] = uses_migrate(context)
    return {**(origin if origin is not None else provenance(context)), **answers}


def write_env(context: Context, root: Path) -> None:
    """Write .env with a fresh development secret, unless one is already there.

    The secret is the only random part of a project, so it is made once and never
    rewritten: a render over an existing project (cookiecutter -f) keeps its .env,
    and everything else stays byte-for-byte reproducible from the answers.
    """
    path = root / ".env"
    if os.path.lexists(path):
        return
    lines = [
        "# Local settings, read by `flask` through python-dotenv. Never commit this file.",
        "FLASK_CONFIG=development",
        f"SECRET_KEY={secrets.token_hex(32)}",
    ]
    if context["use_sqlalchemy"] and context["database"] == "postgresql":
        lines.append(
            f"# DATABASE_URL=postgresql://postgres@localhost:5432/{context['package_name']}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


def write_answers(context: Context, root: Path) -> None:
    text = json.dumps(recorded_answers(context), indent=2, ensure_ascii=False)
    (root / ANSWERS_FILE).write_text(text + "\n", encoding="utf-8")


def next_steps(context: Context, where: str | None = None) -> str:
    """The commands that take a new project to a running app; ``where`` is its path."""
    pkg = context["package_name"]
    steps = [
        f"cd {where or context['project_slug']}",
        "python -m venv .venv && . .venv/bin/activate",
        'pip install -e ".[dev]"',
    ]
    if uses_migrate(context):
        steps.append(f"flask --app {pkg} db upgrade")
    elif context["use_sqlalchemy"]:
        steps.append(f"flask --app {pkg} init-db")
    steps += ["python -m pytest", f"flask --app {pkg} run --debug"]
    return "Next steps:\n" + "\n".join(f"  {step}" for step in steps)


def main() -> int:
    context = json.loads(CONTEXT_JSON)
    root = Path.cwd()
    prune(context, root)
    write_env(context, root)
    write_answers(context, root)
    print(next_steps(context))
    return 0


if __name__ == "__main__":
    sys.exit(main())
# {% endraw %}
