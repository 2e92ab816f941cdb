"""Validate the answers before cookiecutter renders a single file.

This file is valid Python before Jinja renders it: the only template expression is the
one line that reads the whole context as JSON, so no answer is ever pasted into code.
The rules live in pure functions that ``flaskcutter`` imports too, so both entry
points refuse exactly the same input.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CONTEXT_JSON = r"""{{ cookiecutter | tojson }}"""
# "on" only when the template's extension has switched Jinja into its sandbox; a user
# config that empties _extensions gets the default here, and generation stops.
SANDBOX = r"""{{ flaskcutter_sandbox | default("off") }}"""
# The template's directory, which the same extension tells (see local_extensions.py).
TEMPLATE_DIR = r"""{{ template_dir() if template_dir is defined else "" }}"""
# Everything below reaches Python verbatim: {% raw %}

# cookiecutter.json declares every key: a list is a choice (the first is the default),
# a JSON boolean is a boolean, a string is free text. What JSON cannot say lives in the
# tables below, which the post hook, the CLI and the README's options table read too.

# A key that only means something when other answers hold; otherwise it is switched
# off, and recorded as off (false, or null for a choice).
REQUIRES: dict[str, dict[str, object]] = {
    "database": {"use_sqlalchemy": True},
    "use_migrate": {"use_sqlalchemy": True},
    "use_auth": {"use_sqlalchemy": True},
    "cache": {"use_sqlalchemy": True},
}
# Paths of a project that exist only when their answers hold, after REQUIRES has
# switched off what it must. "{pkg}" is the package name. A list means any of.
PATHS: dict[str, dict[str, object]] = {
    "{pkg}/orm.py": {"use_sqlalchemy": True},
    "{pkg}/notes": {"use_sqlalchemy": True},
    "{pkg}/templates/notes": {"use_sqlalchemy": True},
    "tests/test_notes.py": {"use_sqlalchemy": True},
    "tests/test_database.py": {"use_sqlalchemy": True},
    "migrations": {"use_migrate": True},
    "tests/test_migrations.py": {"use_migrate": True},
    "{pkg}/auth": {"use_auth": True},
    "{pkg}/templates/auth": {"use_auth": True},
    "tests/test_auth.py": {"use_auth": True},
    "migrations/versions/0002_create_user.py": {"use_auth": True},
    "{pkg}/cache.py": {"cache": "redis"},
    "tests/test_cache.py": {"cache": "redis"},
    "deploy": {"deployment": "gunicorn-nginx"},
    "tests/test_deploy_config.py": {"deployment": "gunicorn-nginx"},
    "LICENSE": {"license": ["MIT", "BSD-3-Clause", "Apache-2.0"]},
    ".github": {"use_github_actions": True},
    "Dockerfile": {"container": True},
    ".dockerignore": {"container": True},
    "compose.yaml": {"container": True},
    "container": {"container": True},
    "tests/test_container_config.py": {"container": True},
}
# Longer help than the prompt in cookiecutter.json, for `flaskcutter options` and the
# README's options table.
HELP: dict[str, str] = {
    "project_slug": "directory and distribution name: lowercase letters, digits, single dashes, at most 40",
    "package_name": "import name; not a keyword, a standard-library module or a dependency",
    "python_version": "the oldest Python the project supports",
    "layout": "`blueprints` (app factory, one blueprint per feature) or `single` (one module)",
    "use_sqlalchemy": "Flask-SQLAlchemy with a `notes` feature: model, page and JSON resource",
    "database": "the backend: SQLite, or PostgreSQL through psycopg 3",
    "use_migrate": "Flask-Migrate with `migrations/` and a first revision",
    "use_auth": "accounts: sign-up and sign-in pages (Flask-Login, CSRF-protected Flask-WTF forms, rate-limited), API tokens; notes belong to users",
    "deployment": "Gunicorn, Nginx and systemd files under `deploy/`, or none",
    "use_github_actions": "a CI workflow (with a PostgreSQL service when needed)",
    "cache": "Flask-Caching of the notes lists, invalidated on every write; `redis` (REDIS_URL) also backs accounts' rate limits across servers",
    "container": "a multi-stage `Dockerfile` (non-root, health-checked) and `compose.yaml` with the database",
}


def kind(spec: Mapping[str, Any], key: str) -> str:
    """``choice``, ``boolean`` or ``text``, from the key's value in cookiecutter.json."""
    value = spec.get(key)
    if isinstance(value, list):
        return "choice"
    return "boolean" if isinstance(value, bool) else "text"


def free_text_keys(spec: Mapping[str, Any]) -> list[str]:
    """The text keys without rules of their own: description, author, version, ..."""
    return [
        key
        for key in spec
        if kind(spec, key) == "text" and key not in NAME_KEYS and not key.startswith("_")
    ]


def holds(condition: Mapping[str, object], answers: Mapping[str, Any]) -> bool:
    """Whether every ``key: value`` (a list: any of) of a table row holds."""
    return all(
        answers.get(key) in (want if isinstance(want, list) else [want])
        for key, want in condition.items()
    )


def switched_off(answers: Mapping[str, Any]) -> list[str]:
    """The keys that REQUIRES switches off for these answers."""
    return [key for key, condition in REQUIRES.items() if not holds(condition, answers)]


def effective(answers: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as they take effect: switched-off keys are false, or null for a choice."""
    result = dict(answers)
    for key in switched_off(answers):
        result[key] = None if kind(spec, key) == "choice" else False
    return result


# Keys with rules of their own; every other text key is free text.
NAME_KEYS: tuple[str, ...] = ("project_name", "project_slug", "package_name")

MAX_NAME_LENGTH = 40
MAX_TITLE_LENGTH = 100
MAX_TEXT_LENGTH = 500
SLUG_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE_RE = re.compile(r"[a-z][a-z0-9_]*")
# PEP 440, Appendix B: the canonical version pattern, matched whole (no surrounding
# whitespace) and ASCII only (IGNORECASE would also let "ſ" and "K" through).
VERSION_RE = re.compile(
    r"""
    v?
    (?:
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?P<pre>[-_\.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?P<pre_n>[0-9]+)?)?
        (?P<post>
            (?:-(?P<post_n1>[0-9]+))
            |
            (?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?)
        )?
        (?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?
    )
    (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?
    """,
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)
# Characters git strips from the ends of a name ("crud", in git's ident.c); a name made
# only of them is refused by `git commit`, and so are '<', '>' and a newline inside.
GIT_CRUD = frozenset(".,:;<>\"\\'")
GIT_NAME_FORBIDDEN = ("<", ">", "\n")
# Device names that Windows reserves whatever the extension: con.py cannot exist there.
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
)
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+")
NOT_UNICODE = "it holds bytes that are not UTF-8 text (lone surrogates)"
JINJA_DELIMITERS = ("{{", "}}", "{%", "%}", "{#", "#}")

# The rules must not depend on the Python that runs them: the CLI, the hook and the
# generated project (which supports 3.11 and later) may each run a different one.
# ``type`` became a soft keyword in 3.12.
SOFT_KEYWORDS = frozenset({*keyword.softkwlist, "_", "case", "match", "type"})
# Standard-library modules of a supported Python that the running one may lack:
# removed in 3.12 or 3.13, or added in 3.14.
STDLIB_ELSEWHERE = frozenset(
    {
        "aifc", "annotationlib", "asynchat", "asyncore", "audioop", "cgi", "cgitb",
        "chunk", "compression", "crypt", "distutils", "imghdr", "imp", "lib2to3",
        "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "smtpd",
        "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib",
    }
)  # fmt: skip
STDLIB_MODULES = frozenset(sys.stdlib_module_names) | STDLIB_ELSEWHERE

# Import names a generated project (or its tooling) imports; a package with one of
# these names would shadow it and break at import time. Every top-level name of every
# distribution its dependencies and dev dependencies install must be here (names with
# a leading underscore, such as _pytest, are refused by PACKAGE_RE already);
# tests/test_names.py computes them from the installed distributions and checks.
PROJECT_IMPORTS = frozenset(
    {
        "alembic", "apispec", "app", "asgiref", "ast_serialize", "blinker", "cachelib", "cfgv",
        "click", "conftest", "deprecated", "distlib", "dns", "dotenv",
        "email_validator", "filelock", "flask", "flask_caching", "flask_limiter", "flask_login",
        "flask_migrate", "flask_smorest", "flask_sqlalchemy", "flask_wtf", "greenlet",
        "gunicorn", "hatchling", "identify", "idna", "iniconfig", "itsdangerous",
        "jinja2", "librt", "limits", "mako", "markupsafe", "marshmallow", "migrations",
        "mypy", "mypy_extensions", "mypyc", "nodeenv", "ordered_set", "packaging",
        "pathspec", "pip", "pkg_resources", "platformdirs", "pluggy", "pre_commit",
        "psycopg", "psycopg_binary", "py", "pygments", "pytest", "python_discovery", "redis",
        "ruff", "setuptools", "sqlalchemy", "swagger_ui_bundle", "test", "tests",
        "tomlkit", "trove_classifiers", "typing_extensions", "virtualenv", "webargs",
        "werkzeug", "wheel", "wrapt", "wtforms", "yaml",
    }
)  # fmt: skip


# site imports these at every interpreter start when they are importable; a project
# named so would run its package at every start of Python in its venv or checkout.
STARTUP_MODULES = frozenset({"sitecustomize", "usercustomize"})

# Folders the generated .gitignore ignores at the project root: a package of that name
# would be left out of every commit (tests/test_names.py checks this against git).
GIT_IGNORED = frozenset({"build", "dist", "htmlcov", "instance", "venv"})

# Directories at the root of a generated project (in one layout or another); a package
# or single module of the same name would collide with them.
PROJECT_DIRS = frozenset({"deploy", "migrations", "static", "templates", "tests"})


def _has_control(text: str) -> bool:
    """C0 and C1 controls, DEL, and the Unicode line and paragraph separators."""
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def _has_surrogate(text: str) -> bool:
    """Lone surrogates: what Python makes of bytes that are not UTF-8 (as in argv)."""
    return any(unicodedata.category(ch) == "Cs" for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _has_jinja(text: str) -> bool:
    return any(mark in text for mark in JINJA_DELIMITERS)


def _show(value: object) -> str:
    """Quote a value for a one-line message, however long or odd it is.

    Anything that is not printable (line separators, bidi overrides, lone surrogates,
    NEL, ...) is escaped, so a message stays on one line and shows what was typed.
    """
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)
    text = "".join(ch if ch.isprintable() else _escape(ch) for ch in text)
    return text if len(text) <= 60 else f"{text[:57]}...({len(str(value))} characters)"


def check_project_name(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"project_name {_show(value)} is invalid: it must be non-empty text"
    if len(value) > MAX_TITLE_LENGTH:
        return f"project_name {_show(value)} is too long: at most {MAX_TITLE_LENGTH} characters"
    if _has_surrogate(value):
        return f"project_name {_show(value)} is invalid: {NOT_UNICODE}"
    if _has_control(value):
        return f"project_name {_show(value)} is invalid: control characters are not allowed"
    if _has_jinja(value):
        return f"project_name {_show(value)} is invalid: template delimiters such as '{{{{' are not allowed"
    return None


def check_slug(value: object) -> str | None:
    rule = "lowercase letters, digits and single dashes, starting with a letter"
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value):
        return f"project_slug {_show(value)} is invalid: use {rule}"
    if len(value) > MAX_NAME_LENGTH:
        return f"project_slug {_show(value)} is too long: at most {MAX_NAME_LENGTH} characters"
    if value in WINDOWS_RESERVED:
        return f"project_slug {_show(value)} is invalid: it is a reserved file name on Windows"
    return None


def check_package(value: object) -> str | None:
    if not isinstance(value, str) or not PACKAGE_RE.fullmatch(value):
        rule = "lowercase letters, digits and underscores, starting with a letter"
        return f"package_name {_show(value)} is invalid: use {rule}"
    if len(value) > MAX_NAME_LENGTH:
        return f"package_name {_show(value)} is too long: at most {MAX_NAME_LENGTH} characters"
    if value in WINDOWS_RESERVED:
        return f"package_name {_show(value)} is invalid: it is a reserved file name on Windows"
    if keyword.iskeyword(value) or value in SOFT_KEYWORDS:
        return f"package_name {_show(value)} is invalid: it is a Python keyword"
    if value in STDLIB_MODULES:
        return f"package_name {_show(value)} is invalid: it shadows the standard-library module '{value}'"
    if value in STARTUP_MODULES:
        return f"package_name {_show(value)} is invalid: Python imports '{value}' at every start-up"
    if value in PROJECT_IMPORTS:
        return f"package_name {_show(value)} is invalid: it shadows '{value}', which the project imports"
    if value in GIT_IGNORED:
        return f"package_name {_show(value)} is invalid: the project's .gitignore ignores '/{value}/', so git would not commit it"
    if value in PROJECT_DIRS:
        return f"package_name {_show(value)} is invalid: the project has a '{value}' directory of its own"
    return None


def check_free_text(key: str, value: object) -> str | None:
    if not isinstance(value, str):
        return f"{key} {_show(value)} is invalid: it must be text"
    if len(value) > MAX_TEXT_LENGTH:
        return f"{key} {_show(value)} is too long: at most {MAX_TEXT_LENGTH} characters"
    if "\x00" in value:
        return f"{key} {_show(value)} is invalid: NUL characters are not allowed"
    if _has_surrogate(value):
        return f"{key} {_show(value)} is invalid: {NOT_UNICODE}"
    if key == "version" and not VERSION_RE.fullmatch(value):
        return f"version {_show(value)} is invalid: use a PEP 440 version such as '0.1.0'"
    if key == "author_name" and value:
        return check_git_name(value)
    if key == "author_email" and value and not EMAIL_RE.fullmatch(value):
        return f"author_email {_show(value)} is invalid: use an address such as 'you@example.com'"
    return None


def check_git_name(value: str) -> str | None:
    """The author signs the first commit when git has no identity; git must accept it."""
    if any(mark in value for mark in GIT_NAME_FORBIDDEN):
        return f"author_name {_show(value)} is invalid: git does not allow '<', '>' or a line break in a name"
    if all(ch in GIT_CRUD or ord(ch) <= 32 for ch in value):
        return (
            f"author_name {_show(value)} is invalid: git refuses a name made only of "
            "spaces and punctuation such as . , : ; < > \" ' \\"
        )
    return None


def validate(context: Mapping[str, Any], spec: Mapping[str, Any]) -> list[str]:
    """Return one message per broken rule; an empty list means the answers are valid.

    ``spec`` is cookiecutter.json as the template declares it: it says which keys are
    choices and booleans, so a key added there is checked here.
    """
    errors = [
        check_project_name(context.get("project_name")),
        check_slug(context.get("project_slug")),
        check_package(context.get("package_name")),
    ]
    errors += [check_free_text(key, context.get(key, "")) for key in free_text_keys(spec)]
    off = switched_off(context)
    for key, declared in spec.items():
        if key.startswith("_") or key not in context:
            continue
        value = context[key]
        if key in off and value is None:
            continue  # recorded as off by an earlier run
        if kind(spec, key) == "choice" and value not in declared:
            errors.append(f"{key} {_show(value)} is invalid: choose one of {', '.join(declared)}")
        elif kind(spec, key) == "boolean" and not isinstance(value, bool):
            errors.append(f"{key} {_show(value)} is invalid: it must be true or false")
    return [error for error in errors if error]


def notices(context: Mapping[str, Any]) -> list[str]:
    """One-line notes about options that another answer switches off."""
    notes = []
    for key in switched_off(context):
        if context.get(key) is True:
            needs = ", ".join(f"{k}={json.dumps(v)}" for k, v in REQUIRES[key].items())
            notes.append(f"note: {key} is off: it needs {needs}")
    return notes


def read_spec(template: Path) -> dict[str, Any]:
    """cookiecutter.json as the template declares it (the raw lists, before answers)."""
    return json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))


SANDBOX_MISSING = (
    "the template's Jinja sandbox is not loaded (_extensions no longer lists "
    "local_extensions.FormatFilters, e.g. through a user config's default_context); "
    "refusing to generate without it"
)


def main() -> int:
    if SANDBOX != "on":
        print(f"error: {SANDBOX_MISSING}", file=sys.stderr)
        return 1
    context = json.loads(CONTEXT_JSON)
    errors = validate(context, read_spec(Path(TEMPLATE_DIR)))
    if errors:
        # Cookiecutter prints its own line after ours; the first line is the one to read.
        print(f"error: {errors[0]}", file=sys.stderr)
        return 1
    for line in notices(context):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
# {% endraw %}
