"""The package's layering, checked from its source: no import cycles, numba in one place.

Every ``.py`` file under ``tinygrad_rnn/`` is parsed with :mod:`ast` (nothing is imported),
and every import of a ``tinygrad_rnn`` module, at module level or inside a function,
becomes an edge of a graph. ``from tinygrad_rnn.x import y`` is an edge to
``tinygrad_rnn.x.y`` when ``y`` is a submodule, else to ``tinygrad_rnn.x`` (a package is its
``__init__``). Imports under ``if TYPE_CHECKING:`` never run and are left out, and so are the
strings of ``tinygrad_rnn/__init__.py``'s lazy table (PEP 562): they are names, not imports.
A package's ``__init__`` importing its submodules is fine; it is a cycle only when one of them
imports the ``__init__`` back.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tinygrad_rnn"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    files = (p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
    return {_module_name(p): p for p in sorted(files)}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, in source order (skips ``if TYPE_CHECKING:``)."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return found


def _targets(name: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The full names an import statement asks for (modules, or module.attribute)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = name.split(".")
        base = base if is_package else base[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    return [f"{prefix}.{alias.name}" for alias in node.names] + [prefix]


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    """The deepest known module that ``target`` names (``a.b.attr`` -> ``a.b``)."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


@cache
def build_graph() -> tuple[dict[str, set[str]], dict[str, ast.Module]]:
    modules = _sources()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    trees = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        trees[name] = tree
        is_package = path.name == "__init__.py"
        for node in _imports(tree):
            targets = _targets(name, is_package, node)
            if isinstance(node, ast.ImportFrom):
                # `from pkg import x`: an edge to pkg.x if it is a module, else to pkg.
                prefix, names = targets[-1], targets[:-1]
                hits = [t for t in names if t in modules]
                if len(hits) < len(names):
                    hits.append(prefix)
                targets = hits
            for target in targets:
                if not target.startswith("tinygrad_rnn"):
                    continue
                resolved = _resolve(target, modules)
                if resolved is not None and resolved != name:
                    graph[name].add(resolved)
    return graph, trees


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)

    cycles = []
    for component in sorted(components):
        members, start = set(component), component[0]
        # shortest way back to `start` inside the component (breadth first, sorted)
        previous: dict[str, str] = {}
        frontier, seen, end = [start], {start}, None
        while frontier and end is None:
            nxt = []
            for v in frontier:
                for w in sorted(graph[v] & members):
                    if w == start:
                        end = v
                        break
                    if w not in seen:
                        seen.add(w)
                        previous[w] = v
                        nxt.append(w)
                if end is not None:
                    break
            frontier = nxt
        path = [end]
        while path[-1] != start:
            path.append(previous[path[-1]])
        cycles.append([*reversed(path), start])
    return cycles


def test_no_import_cycles():
    graph, _ = build_graph()
    cycles = find_cycles(graph)
    for cycle in cycles:
        print("import cycle:", " -> ".join(cycle))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_numba_is_imported_by_exactly_one_module_in_kernels():
    _, trees = build_graph()
    users = []
    for name, tree in trees.items():
        for node in _imports(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            if any(n and (n == "numba" or n.startswith("numba.")) for n in names):
                users.append(name)
                break
    print("modules importing numba:", users)
    assert len(users) == 1, f"numba is imported by {users}"
    path = _sources()[users[0]]
    assert path.parent.parts[-1] == "kernels" and path.parent.parent == PACKAGE, users


def test_kernel_and_compose_modules_are_not_at_the_top_level():
    names = sorted(p.name for p in PACKAGE.glob("*.py"))
    old = {"backend.py", "kernels.py", "warmup.py", "ops_compose.py"}
    left = [n for n in names if n in old or n.startswith("rnn_")]
    print("left at the top level:", left)
    assert not left, f"still at the top level of tinygrad_rnn/: {left}"


def test_functional_cross_entropy_imports():
    from tinygrad_rnn.nn.functional import cross_entropy

    assert callable(cross_entropy)


def test_import_is_light():
    code = (
        "import sys, tinygrad_rnn\n"
        "heavy = [m for m in sys.modules if m.partition('.')[0] in ('numba', 'numpy')"
        " or m.startswith(('tinygrad_rnn.kernels', 'tinygrad_rnn.tensor'))]\n"
        "print(sorted(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]", f"import tinygrad_rnn loaded: {out.stdout.strip()}"
