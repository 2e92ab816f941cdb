"""Static checks on generated source code, shared by the bake matrix and its own tests."""

from __future__ import annotations

import ast

ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "delete"})


def open_redirects(source: str, filename: str = "<source>") -> list[str]:
    """``redirect(...)`` calls whose target a client controls, as ``file:line`` strings.

    A value is the client's when it reads ``request`` (``request.args["next"]``,
    ``request.referrer``...), is a parameter of a view (``/go/<path:url>``), or is
    assigned from such a value anywhere in the same function. A deliberately simple
    taint check: a generated app should not redirect to client input at all.
    """
    findings = []
    for function in ast.walk(ast.parse(source, filename)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        tainted = {"request"}
        if any(_decorator_name(d) in ROUTE_DECORATORS for d in function.decorator_list):
            tainted |= {arg.arg for arg in function.args.args + function.args.kwonlyargs}
        assignments = [
            node for node in ast.walk(function) if isinstance(node, ast.Assign | ast.AnnAssign)
        ]
        grew = True
        while grew:  # spread the taint through assignments, in whatever order they come
            size = len(tainted)
            for node in assignments:
                if _reads(node.value, tainted):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    tainted |= {
                        n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)
                    }
            grew = len(tainted) > size
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and _call_name(node.func) == "redirect":
                arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
                if any(_reads(argument, tainted) for argument in arguments):
                    findings.append(f"{filename}:{node.lineno}")
    return findings


def _decorator_name(node: ast.expr) -> str:
    return _call_name(node.func if isinstance(node, ast.Call) else node)


def _call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _reads(node: ast.AST | None, names: set[str]) -> bool:
    return node is not None and any(
        isinstance(child, ast.Name) and child.id in names for child in ast.walk(node)
    )
