"""Finish a freshly rendered project: prune, fold, write secrets, record answers.

Like the pre hook, this file is valid Python before rendering and reads the context
through JSON lines. Which paths each option keeps is declared once, in the pre hook's
``PATHS`` table (beside ``REQUIRES``, which says which options switch others off);
the single layout is folded from the package by ``single_layout.py``.
"""

from __future__ import annotations

import importlib.util
import json
import secrets
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

CONTEXT_JSON = r"""{{ cookiecutter | tojson }}"""
SPEC_JSON = r"""{{ _cookiecutter | tojson }}"""
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


def recorded_answers(context: Context, answers: Context) -> dict[str, Any]:
    """The answers worth keeping: user keys only, switched-off options recorded as off."""
    kept = {key: value for key, value in answers.items() if not key.startswith("_")}
    return {"_template": context.get("_template", ""), **kept}


def write_env(answers: Context, root: Path) -> None:
    """Write .env with a fresh development secret, unless the project has one already.

    .gitignore keeps it out of git; a re-render (an update) never replaces it.
    """
    path = root / ".env"
    if path.exists():
        return
    lines = [
        "# Local settings, read by `flask` through python-dotenv. Never commit this file.",
        "FLASK_CONFIG=development",
        f"SECRET_KEY={secrets.token_hex(32)}",
    ]
    if answers["database"] == "postgresql":
        lines.append(
            f"# DATABASE_URL=postgresql://postgres@localhost:5432/{answers['package_name']}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


def write_answers(context: Context, answers: Context, root: Path) -> None:
    text = json.dumps(recorded_answers(context, answers), indent=2, ensure_ascii=False)
    (root / ANSWERS_FILE).write_text(text + "\n", encoding="utf-8")


def next_steps(answers: Context, where: str | None = None) -> str:
    """The commands that take a new project to a running app; ``where`` is its path.

    ``answers`` are the effective ones: switched-off options are off.
    """
    pkg = answers["package_name"]
    steps = [
        f"cd {where or answers['project_slug']}",
        "python -m venv .venv && . .venv/bin/activate",
        'pip install -e ".[dev]"',
    ]
    if answers["use_migrate"]:
        steps.append(f"flask --app {pkg} db upgrade")
    elif answers["use_sqlalchemy"]:
        steps.append(f"flask --app {pkg} init-db")
    steps += ["python -m pytest", f"flask --app {pkg} run --debug"]
    return "Next steps:\n" + "\n".join(f"  {step}" for step in steps)


def finish(context: Context, spec: Context, template: Path, root: Path) -> Context:
    """Everything this hook does to the project rendered at ``root``; the answers.

    ``spec`` is cookiecutter.json as cookiecutter read it; the answers returned are
    the effective ones, with switched-off options off.
    """
    rules = load_hook_module(template, "pre_gen_project")
    answers = rules.effective(context, spec)
    prune(root, paths_to_prune(answers, rules))
    if answers["layout"] == "single":
        load_hook_module(template, "single_layout").make_single_layout(
            root, answers["package_name"]
        )
    write_env(answers, root)
    write_answers(context, answers, root)
    return answers


def main() -> int:
    context, spec = json.loads(CONTEXT_JSON), json.loads(SPEC_JSON)
    answers = finish(context, spec, Path(TEMPLATE_DIR), Path.cwd())
    print(next_steps(answers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
# {% endraw %}
