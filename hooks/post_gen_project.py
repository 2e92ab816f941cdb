"""Finish a freshly rendered project: prune, fold, write secrets, record answers.

Like the pre hook, this file is valid Python before rendering and reads the context
through JSON lines. Which paths each option keeps is declared once, in the pre hook's
``PATHS`` table (beside ``REQUIRES``, which says which options switch others off);
the single layout is folded from the package by ``single_layout.py``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

CONTEXT_JSON = r"""{{ cookiecutter | tojson }}"""
TEMPLATE_DIR = r"""{{ template_dir() }}"""
# Everything below reaches Python verbatim: {% raw %}

ANSWERS_FILE = ".flaskcutter.json"
Context = Mapping[str, Any]


def load_hook_module(template: Path, name: str) -> ModuleType:
    """Import a module of the template's ``hooks/`` folder, e.g. the pre hook's tables.

    Cookiecutter runs this hook from a temporary copy, so its siblings are found
    through the template directory, which the sandboxing extension tells at render time.
    """
    path = template / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_flaskcutter_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    # No __pycache__ in the template: it may be the user's checkout, where it would
    # also make the template look changed (provenance reads its git status).
    sys.dont_write_bytecode = True
    spec.loader.exec_module(module)
    return module


def paths_to_prune(answers: Context, rules: ModuleType) -> list[str]:
    """The relative paths whose condition in the rules' PATHS table the answers miss."""
    return [
        path.format(pkg=answers["package_name"])
        for path, condition in rules.PATHS.items()
        if not rules.holds(condition, answers)
    ]


def prune(root: Path, relative_paths: list[str]) -> None:
    for relative in relative_paths:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def template_commit(template_dir: object) -> str | None:
    """The git commit of a template checkout, when its template files are committed.

    A checkout with uncommitted template changes has no commit that describes what was
    rendered, and a wrong one would give `flaskcutter update` a wrong base. One
    ``git status --branch`` tells both the changes and HEAD's commit: a git process
    costs as much as the rest of this hook's work.
    """
    # Only a repository's own root, where its .git is: a template copied into some
    # other repository (a venv inside a project, say) must not record that one's commit.
    if not isinstance(template_dir, str) or not os.path.lexists(os.path.join(template_dir, ".git")):
        return None
    parts = ["cookiecutter.json", "local_extensions.py", "hooks", "{{cookiecutter.project_slug}}"]
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", "-C", template_dir, "status", "--porcelain=v2", "--branch", "--", *parts],  # noqa: S607 - git from PATH, as cookiecutter does
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
            stdin=subprocess.DEVNULL,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None  # no git on PATH, or it did not answer
    lines = done.stdout.splitlines() if done.returncode == 0 else ["not a repository"]
    if any(not line.startswith("# ") for line in lines):
        return None  # not a git checkout, or its template files are not all committed
    heads = [line.split()[-1] for line in lines if line.startswith("# branch.oid ")]
    return heads[0] if heads and re.fullmatch("[0-9a-f]{40,64}", heads[0]) else None


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


def provenance(context: Context, template: Path) -> dict[str, Any]:
    """Where the template came from, so that `update` and `check` can rebuild it.

    `flaskcutter new` and cruft put ``_commit`` in the context themselves; plain
    cookiecutter does not, so it is read from the template checkout at ``template``.
    """
    commit = context["_commit"] if "_commit" in context else template_commit(str(template))
    version = context.get("_flaskcutter_version") or template_version(str(template))
    return {
        "_template": context.get("_template", ""),
        "_commit": commit,
        "_checkout": context.get("_checkout"),
        "_flaskcutter_version": version,
    }


def recorded_answers(context: Context, answers: Context, template: Path) -> dict[str, Any]:
    """The answers worth keeping, with where the template came from.

    User keys only, switched-off options recorded as off (the effective answers).
    """
    kept = {key: value for key, value in answers.items() if not key.startswith("_")}
    return {**provenance(context, template), **kept}


def write_env(answers: Context, root: Path) -> None:
    """Write .env with a fresh development secret, unless one is already there.

    The secret is the only random part of a project, so it is made once and never
    rewritten: a render over an existing project (cookiecutter -f, an update) keeps
    its .env, and everything else stays byte-for-byte reproducible from the answers.
    """
    path = root / ".env"
    if os.path.lexists(path):
        return
    lines = [
        "# Local settings, read by `flask` through python-dotenv. Never commit this file.",
        # So that `flask run`, `flask routes` and `flask db` need no --app.
        f"FLASK_APP={answers['package_name']}",
        "FLASK_CONFIG=development",
        # What secrets.token_hex(32) returns, without its import of hashlib and random.
        f"SECRET_KEY={os.urandom(32).hex()}",
    ]
    if answers["database"] == "postgresql":
        lines.append(
            f"# DATABASE_URL=postgresql://postgres@localhost:5432/{answers['package_name']}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


def write_answers(context: Context, answers: Context, template: Path, root: Path) -> None:
    text = json.dumps(recorded_answers(context, answers, template), indent=2, ensure_ascii=False)
    (root / ANSWERS_FILE).write_text(text + "\n", encoding="utf-8")


def next_steps(answers: Context, where: str | None = None) -> str:
    """The commands that take a new project to a running app; ``where`` is its path.

    ``answers`` are the effective ones: switched-off options are off.
    """
    pkg = answers["package_name"]
    steps = [
        f"cd {where or answers['project_slug']}",
        # The oldest Python the project admits, by name: a plain `python` may be older,
        # and pip would then search every release for one that installs on it.
        f"python{answers['python_version']} -m venv .venv && . .venv/bin/activate",
        'pip install -e ".[dev]"',
    ]
    if answers["use_sqlalchemy"] and answers["database"] == "postgresql":
        # Without DATABASE_URL development quietly uses a SQLite file instead.
        steps += [
            f"createdb {pkg}",
            f"export DATABASE_URL=postgresql://localhost/{pkg}  # or set it in .env",
        ]
    if answers["use_migrate"]:
        steps.append(f"flask --app {pkg} db upgrade")
    elif answers["use_sqlalchemy"]:
        steps.append(f"flask --app {pkg} init-db")
    steps += ["python -m pytest", f"flask --app {pkg} run --debug"]
    text = "Next steps:\n" + "\n".join(f"  {step}" for step in steps)
    return "\n".join([text, *next_step_notes(answers)])


def next_step_notes(answers: Context) -> list[str]:
    """What the project lacks on purpose, said once, under the next steps."""
    if answers.get("license") == "Proprietary":
        return ["Note: license=Proprietary writes no LICENSE file; add your own terms."]
    return []


def where_from_shell(project: Path) -> str | None:
    """The project's path as seen from where the user ran cookiecutter (``-o`` too).

    Cookiecutter runs this hook inside the project; the shell's PWD still names the
    directory the user typed the command in.
    """
    shell_dir = os.environ.get("PWD", "")
    if not shell_dir or not os.path.isdir(shell_dir):
        return None
    relative = os.path.relpath(project, shell_dir)
    return shlex.quote(relative if not relative.startswith("..") else str(project))


def finish(
    context: Context, spec: Context, template: Path, root: Path, rules: ModuleType | None = None
) -> Context:
    """Everything this hook does to the project rendered at ``root``; the answers.

    ``spec`` is cookiecutter.json as cookiecutter read it; the answers returned are
    the effective ones, with switched-off options off. ``rules`` is the pre hook's
    module, which `flaskcutter new` has loaded already; else it is loaded here.
    """
    rules = rules or load_hook_module(template, "pre_gen_project")
    answers = rules.effective(context, spec)
    prune(root, paths_to_prune(answers, rules))
    if answers["layout"] == "single":
        load_hook_module(template, "single_layout").make_single_layout(
            root, answers["package_name"]
        )
    write_env(answers, root)
    write_answers(context, answers, template, root)
    return answers


def main() -> int:
    template = Path(TEMPLATE_DIR)
    spec = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    answers = finish(json.loads(CONTEXT_JSON), spec, template, Path.cwd())
    print(next_steps(answers, where=where_from_shell(Path.cwd())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
# {% endraw %}
