"""The modules form layers: no import circle (lazy imports inside functions count too), leaf
modules import no other layer, and every module imports on its own."""

from __future__ import annotations

import ast
import subprocess
import sys

from .conftest import ROOT

PACKAGE = ROOT / "searchlib"
# Every module as its dotted name below searchlib ("derive.loading", "settings"; a package's
# __init__ as the package's name).
MODULES = sorted(".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
                 for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
# Leaf modules and the only searchlib modules each may import.
LEAVES = {"errors": set(), "settings": set(), "fsutil": {"settings"}, "processes": {"errors"},
          "store.whoosh_compat": set(),
          "store.schema": {"store.whoosh_compat", "facets", "settings"}}  # the facet fields are declared in the registry
# What each layer may import besides itself and the shared modules at the top (errors, settings,
# fsutil, processes, facets, records): the layers below it (docs/design.md).
SHARED = {"errors", "settings", "fsutil", "processes", "facets", "records"}
BELOW = {"derive": set(), "store": {"derive", "engines"}, "engines": {"derive", "store"},
         "query": {"derive", "store"}, "web": {"derive", "store", "query"},
         "cli": {"derive", "store", "engines", "query", "web"}}


def _path(module: str):
    path = PACKAGE.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _type_checking_only(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports_of(module: str) -> set[str]:
    """The searchlib modules ``module`` imports, at its top or inside a function (not for type
    checking only); ``from ..store import indexing`` counts as store.indexing."""
    path = _path(module)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()

    def visit(node):
        if isinstance(node, ast.If) and _type_checking_only(node):
            return
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            target = ".".join(base + (node.module.split(".") if node.module else []))
            named = {".".join(filter(None, [target, a.name])) for a in node.names}
            out.update(named & set(MODULES) or ({target} & set(MODULES)))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    out.discard(module)
    out.discard("")  # the package itself: from .. import __version__
    return out


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (as a path that ends where it starts), or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def walk(node):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = walk(nxt)
                if found:
                    return found
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = walk(node)
            if found:
                return found
    return None


def test_no_module_imports_itself_through_others():
    graph = {m: imports_of(m) for m in MODULES}
    cycle = _cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_cycle_check_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_leaf_modules_import_no_other_layer():
    for leaf, allowed in LEAVES.items():
        assert imports_of(leaf) <= allowed, leaf


def test_each_layer_imports_only_the_layers_below_it():
    for module in MODULES:
        layer = module.split(".")[0]
        if layer not in BELOW:
            continue
        for name in imports_of(module) - SHARED:
            other = name.split(".")[0]
            assert other == layer or other in BELOW[layer], f"{module} imports {name}"


def test_the_engines_know_nothing_of_the_publisher():
    for module in ("engines", "engines.local", "engines.dask_engine", "store.sharding", "store.documents",
                   "derive.pipeline"):
        assert "store.indexing" not in imports_of(module), module


def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    code = ("import importlib, subprocess, sys\n"
            "failed = []\n"
            "for name in sys.argv[1:]:\n"
            "    r = subprocess.run([sys.executable, '-c', f'import searchlib.{name}'], capture_output=True, text=True)\n"
            "    if r.returncode:\n"
            "        failed.append(f'{name}: {r.stderr.strip().splitlines()[-1]}')\n"
            "print('\\n'.join(failed))\n")
    modules = [m for m in MODULES if m != "__main__"]  # that one runs the CLI
    result = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True, cwd=ROOT,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
