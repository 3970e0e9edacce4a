"""The package's layers, written once: each module imports only from its own layer or below.

A module's layer is the first entry below that names it (a package name covers the
package). An import of a higher layer, or of a layer's sibling that is declared
independent of it, fails this test, and so does any import cycle between modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "iamdocs"

# Lowest first. Names on one line share a layer and may import each other.
LAYERS: list[set[str]] = [
    {"errors", "output", "fsutil", "positions", "jsonpos", "yamlpos", "datafiles", "iamdb", "conditions",
     "placeholders"},
    {"model", "sizes", "grants", "access", "aws"},
    {"loader", "history"},
    {"lint", "cfn"},
    {"drift", "sandbox", "preflight"},
    {"sync"},
    {"render", "commands", "bench"},
    {"guide", "cli", "launcher", "clidoc", "__main__", "__init__", "action"},
]
# Siblings of one layer that must not import each other.
INDEPENDENT = [{"lint", "cfn"}, {"drift", "sandbox"}, {"drift", "preflight"}, {"sandbox", "preflight"}]


def layer_name(module: str) -> str:
    """iamdocs.drift.compare -> drift; iamdocs.loader -> loader."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def rank(module: str) -> int:
    name = layer_name(module)
    for i, names in enumerate(LAYERS):
        if name in names:
            return i
    raise AssertionError(f"{module}: not in LAYERS; add its layer to tests/unit/test_layers.py")


def module_of(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every iamdocs module this file imports, at top level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_of(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "iamdocs")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "iamdocs":
                continue
            # `from iamdocs import loader` imports the module iamdocs.loader, not the package: name the module
            for a in node.names:
                sub = PKG.parent.joinpath(*base.split("."), a.name)
                out.add(f"{base}.{a.name}" if sub.is_dir() or sub.with_suffix(".py").is_file() else base)
    return out


def graph() -> dict[str, set[str]]:
    return {module_of(p): imports(p) for p in sorted(PKG.rglob("*.py"))}


def violations(edges: dict[str, set[str]]) -> list[str]:
    found = []
    for src, targets in sorted(edges.items()):
        for dst in sorted(targets):
            a, b = layer_name(src), layer_name(dst)
            if a == b or dst == "iamdocs":
                continue
            if rank(dst) > rank(src):
                found.append(f"{src} imports {dst}: an upward import")
            elif any({a, b} <= pair for pair in INDEPENDENT):
                found.append(f"{src} imports {dst}: {a} and {b} are independent")
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Cycles between layer packages (drift -> cfn -> drift), found by depth-first search."""
    pkg_edges: dict[str, set[str]] = {}
    for src, targets in edges.items():
        for dst in targets:
            if dst != "iamdocs" and layer_name(src) != layer_name(dst):
                pkg_edges.setdefault(layer_name(src), set()).add(layer_name(dst))
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(pkg_edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for start in sorted(pkg_edges):
        if start not in state:
            visit(start, [start])
    return found


def test_every_module_has_a_layer() -> None:
    for module in graph():
        rank(module)


def test_no_upward_import_and_no_cycle() -> None:
    edges = graph()
    assert violations(edges) == []
    assert cycles(edges) == []


@pytest.mark.parametrize(("src", "dst", "expected"), [
    ("iamdocs.loader", "iamdocs.render.roles", "iamdocs.loader imports iamdocs.render.roles: an upward import"),
    ("iamdocs.cfn.reader", "iamdocs.drift.compare",
     "iamdocs.cfn.reader imports iamdocs.drift.compare: an upward import"),
    ("iamdocs.lint.base", "iamdocs.cfn.reader",
     "iamdocs.lint.base imports iamdocs.cfn.reader: lint and cfn are independent"),
])
def test_an_added_upward_import_is_found(src: str, dst: str, expected: str) -> None:
    edges = {src: {dst}, dst: set()}
    assert violations(edges) == [expected]


def test_a_cycle_is_found() -> None:
    edges = {"iamdocs.cfn.reader": {"iamdocs.drift.compare"}, "iamdocs.drift.compare": {"iamdocs.cfn.reader"}}
    assert cycles(edges) == [["cfn", "drift", "cfn"]]


def lazy_imports_without_a_reason() -> list[str]:
    """Imports inside functions whose line (or the comment line above) does not say `# lazy: why`."""
    found = []
    for path in sorted(PKG.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    here, above = lines[inner.lineno - 1], lines[inner.lineno - 2].strip()
                    if "# lazy:" not in here and not above.startswith("# lazy:"):
                        found.append(f"{path.relative_to(PKG.parent)}:{inner.lineno}: {here.strip()}")
    return sorted(set(found))


def test_an_import_inside_a_function_says_why() -> None:
    assert lazy_imports_without_a_reason() == []


def test_from_the_package_import_a_module_names_the_module() -> None:
    """`from iamdocs import iamdb` is an import of iamdocs.iamdb (it was read as the package, and never judged)."""
    assert "iamdocs.iamdb" in imports(PKG / "render" / "guardrails.py")
    assert "iamdocs" not in imports(PKG / "render" / "guardrails.py")
