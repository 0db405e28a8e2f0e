"""The shape the code promises in docs/architecture.md: evals depends on assistant and never the
other way round, no import cycles between modules, the front ends (cli, ui) are not imported by the
rest, and a module over ~600 lines says at its top why it is one module."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "assistant"
LONG = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def _imports(path: Path, top_level_only: bool) -> set[str]:
    """Modules this file imports (absolute names); with top_level_only, only statements that run
    when the module is imported (not inside functions, nor under `if TYPE_CHECKING`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}  # `from pkg import module`
    return found


def test_assistant_never_imports_evals():
    offenders = {name for name, path in _modules().items()
                 if any(i == "evals" or i.startswith("evals.") for i in _imports(path, top_level_only=False))}
    assert not offenders, offenders


def test_no_import_cycles_between_modules():
    modules = _modules()
    graph = {name: {i for i in _imports(path, top_level_only=True) if i in modules and i != name}
             for name, path in modules.items()}
    # A package's __init__ is imported before its submodules: count that edge too.
    for name in modules:
        parent = name.rpartition(".")[0]
        if parent in modules and parent != "assistant":
            graph[name].add(parent)
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, path: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph[node]):
            # a submodule importing its own package's __init__ is fine once __init__ is loading
            if state.get(nxt) == 1 and not (node.startswith(nxt + ".") or nxt.startswith(node + ".")):
                cycle.extend(path + [node, nxt])
                return True
            if nxt not in state and visit(nxt, path + [node]):
                return True
        state[node] = 2
        return False

    for name in sorted(graph):
        if name not in state and visit(name, []):
            break
    assert not cycle, " -> ".join(cycle)


def test_front_ends_are_not_imported_by_the_rest():
    for name, path in _modules().items():
        if name.startswith(("assistant.ui", "assistant.cli")) or name == "assistant.__main__":  # entry points
            continue
        used = {i for i in _imports(path, top_level_only=False)
                if i.startswith(("assistant.ui", "assistant.cli"))}
        assert not used, (name, used)


def test_long_modules_say_why():
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG:
            doc = ast.get_docstring(ast.parse(text)) or ""
            assert "one module" in doc.lower(), f"{name} has {text.count(chr(10))} lines and no reason at its top"
