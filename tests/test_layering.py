"""Enforce the import layering of ARCHITECTURE.md §2 on ``zscript/``.

Every ``import`` in ``zscript/**/*.py`` that names a zscript module (absolute
``zscript.x`` or relative ``.x``, ``..x``, ``from . import x``) is mapped to
the *unit* it lands in (a top-level module such as ``diagnostics`` or a
package such as ``runtime``) and checked against the table below.  A module
may always import from its own unit.  Imports under ``if TYPE_CHECKING:`` are
exempt: the architecture asks for exactly that for type-only back
references.  Imports inside functions count like any other: a lazy import
is still a dependency.

======  ===============================================  ==========================
level   units                                            may import
======  ===============================================  ==========================
L0      diagnostics, resources, types, numfmt, version,  stdlib only (types may use
        asciifmt, natsconn                               diagnostics; natsconn nats)
L1      syntax                                           L0 (+ lark, attrs)
L2      runtime                                          L0
L2      check                                            L0, syntax
L3      compile                                          L0, syntax, runtime, check
L3      engine                                           L0, runtime
L4      cluster, storage, logs, telemetry, input,    L0, runtime, engine
        config
L4      broker                                           L0, runtime, engine, cluster
                                                         (its serializers and event
                                                         checks: Broker builds on it)
L5      loader                                           L0-L4
L5      host                                             L0-L4, loader
L6      cli, __main__, repl, testing, fmt, the facade    everything
======  ===============================================  ==========================

The facade (``zscript/__init__.py``) may import anything; because it sits at
the top, importing *from* it (``from .. import __version__``) is an upward
edge for every unit below L6.  Siblings within a level do not import each
other (check ↛ runtime, compile ↛ engine, engine ↛ compile, ...); the only
same-level edges allowed are types → diagnostics and host → loader.

A second check keeps third-party imports where the table puts them: ``lark``
only in ``syntax``; ``attrs`` (a declared dependency) anywhere; the
subsystems' libraries only in their own units.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "zscript"

L0 = {"diagnostics", "resources", "types", "numfmt", "version", "asciifmt", "natsconn"}
L4 = {"cluster", "storage", "logs", "telemetry", "input", "config"}
L6 = {"cli", "__main__", "repl", "testing", "fmt", "__init__"}

#: unit -> level number (for messages and the "upward" wording).
LEVEL: dict[str, int] = {
    **dict.fromkeys(L0, 0),
    "syntax": 1,
    "runtime": 2,
    "check": 2,
    "compile": 3,
    "engine": 3,
    **dict.fromkeys(L4, 4),
    "broker": 4,
    "loader": 5,
    "host": 5,
    **dict.fromkeys(L6, 6),
}

_BELOW_L5 = L0 | {"syntax", "runtime", "check", "compile", "engine", "broker"} | L4

#: unit -> the other units it may import.  "__init__" is the facade package.
ALLOWED: dict[str, set[str]] = {
    "diagnostics": set(),
    "resources": set(),
    "numfmt": set(),
    "natsconn": set(),
    "types": {"diagnostics"},
    "syntax": set(L0),
    "runtime": set(L0),
    "check": L0 | {"syntax"},
    "compile": L0 | {"syntax", "runtime", "check"},
    "engine": L0 | {"runtime"},
    **{u: L0 | {"runtime", "engine"} for u in L4},
    "broker": L0 | {"runtime", "engine", "cluster"},
    "loader": set(_BELOW_L5),
    "host": _BELOW_L5 | {"loader"},
    **{u: set(LEVEL) - {u} for u in L6},
}

#: Third-party top-level packages and the units that may import them.
#: ``attrs`` is allowed everywhere (declared dependency, used for data classes).
THIRD_PARTY: dict[str, set[str] | None] = {
    "attrs": None,
    "lark": {"syntax"},
    "zmq": {"cluster"},
    "orjson": {"cluster", "storage", "logs"},
    "redis": {"storage"},
    "hiredis": {"storage"},
    "nats": {"storage", "logs", "cluster", "natsconn"},
    "prompt_toolkit": {"repl"},
    "pygments": {"repl"},
    "websockets": {"cluster"},
    "prometheus_client": {"telemetry"},
    "siphashc": {"runtime"},
    # Only the pytest plugin, which only pytest imports.
    "pytest": {"testing"},
    "zeekscript": {"fmt"},
}


@dataclass(frozen=True)
class Edge:
    path: Path
    line: int
    source_unit: str
    target_module: str  # dotted, e.g. "zscript.runtime.values" or "lark"
    text: str

    root: Path = ROOT

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(self.root)}:{self.line}"


def _module_name(path: Path, root: Path = ROOT) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _exists(dotted: str, root: Path = ROOT) -> bool:
    """Whether ``dotted`` (``zscript.x.y``) names a module or package in the tree."""
    rel = Path(*dotted.split("."))
    return (root / rel).with_suffix(".py").is_file() or (root / rel / "__init__.py").is_file()


def unit_of(dotted: str) -> str:
    """The layering unit of a ``zscript...`` module name."""
    parts = dotted.split(".")
    assert parts[0] == "zscript", dotted
    return parts[1] if len(parts) > 1 else "__init__"


def _under_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    """Yield import nodes, skipping the bodies of ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        if isinstance(node, ast.If) and _under_type_checking(node):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def edges_of(path: Path, root: Path = ROOT) -> list[Edge]:
    """Every import edge of one file, with relative imports resolved."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    lines = source.splitlines()
    me = _module_name(path, root)
    my_pkg = me if _is_package(path) else me.rpartition(".")[0]
    src_unit = unit_of(me)
    out: list[Edge] = []
    for node in sorted(_imports(tree), key=lambda n: (n.lineno, n.col_offset)):
        text = lines[node.lineno - 1].strip()
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            if node.level:
                base_parts = my_pkg.split(".")
                if node.level > 1:
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                if not base:
                    raise AssertionError(
                        f"{path}:{node.lineno}: relative import beyond the top package"
                    )
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            if mod.split(".")[0] == "zscript":
                # ``from pkg import name``: name may be a submodule or an attribute.
                for alias in node.names:
                    sub = f"{mod}.{alias.name}"
                    targets.append(sub if alias.name != "*" and _exists(sub, root) else mod)
            else:
                targets = [mod]
        for t in targets:
            out.append(Edge(path, node.lineno, src_unit, t, text, root))
    return out


def all_files() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if "_data" not in p.parts)


def _describe(unit: str) -> str:
    level = LEVEL.get(unit)
    name = "the facade (zscript/__init__.py)" if unit == "__init__" else unit
    return f"{name} (L{level})" if level is not None else f"{name} (no level)"


def layering_violations() -> list[str]:
    problems: list[str] = []
    for path in all_files():
        for e in edges_of(path):
            if e.target_module.split(".")[0] != "zscript":
                continue
            src, dst = e.source_unit, unit_of(e.target_module)
            if src == dst:
                continue
            if src not in ALLOWED:
                problems.append(
                    f"{e.where}: module of unit {src!r} has no layer; add it to the table "
                    f"in tests/test_layering.py and ARCHITECTURE.md  [{e.text}]"
                )
                continue
            if dst not in LEVEL:
                problems.append(
                    f"{e.where}: imports {e.target_module}, whose unit {dst!r} has no layer  [{e.text}]"
                )
                continue
            if dst in ALLOWED[src]:
                continue
            ls, ld = LEVEL[src], LEVEL[dst]
            kind = "upward" if ld > ls else "sideways" if ld == ls else "forbidden downward"
            allowed = ", ".join(sorted(ALLOWED[src])) or "nothing in zscript"
            problems.append(
                f"{e.where}: {kind} import: {_describe(src)} imports {e.target_module} "
                f"from {_describe(dst)}; {src} may import only: {allowed}  [{e.text}]"
            )
    return problems


def third_party_violations() -> list[str]:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    problems: list[str] = []
    for path in all_files():
        for e in edges_of(path):
            top = e.target_module.split(".")[0]
            if top == "zscript" or top in stdlib:
                continue
            if top not in THIRD_PARTY:
                problems.append(
                    f"{e.where}: {_describe(e.source_unit)} imports third-party {top!r}, "
                    f"which the layering table does not list  [{e.text}]"
                )
                continue
            users = THIRD_PARTY[top]
            if users is not None and e.source_unit not in users:
                problems.append(
                    f"{e.where}: {_describe(e.source_unit)} imports {top!r}, allowed only in "
                    f"{', '.join(sorted(users))}  [{e.text}]"
                )
    return problems


# --------------------------------------------------------------------- tests


def test_every_unit_has_a_level():
    units = {unit_of(_module_name(p)) for p in all_files()}
    missing = sorted(units - set(LEVEL))
    assert not missing, f"units without a layer (add them to the table): {missing}"


def test_zscript_imports_follow_layering():
    problems = layering_violations()
    if problems:
        pytest.fail(
            f"{len(problems)} layering violation(s):\n" + "\n".join(problems), pytrace=False
        )


def test_third_party_imports_follow_layering():
    problems = third_party_violations()
    if problems:
        pytest.fail(
            f"{len(problems)} third-party import violation(s):\n" + "\n".join(problems),
            pytrace=False,
        )


# The checker itself must see what it is meant to see; these guard against a
# walker that silently finds nothing.


def test_walker_resolves_relative_imports(tmp_path):
    pkg = tmp_path / "zscript"
    (pkg / "engine").mkdir(parents=True)
    (pkg / "runtime").mkdir()
    (pkg / "__init__.py").write_text("__version__ = '0'\n")
    (pkg / "engine" / "__init__.py").write_text("")
    (pkg / "runtime" / "__init__.py").write_text("")
    (pkg / "runtime" / "values.py").write_text("")
    (pkg / "diagnostics.py").write_text("")
    (pkg / "engine" / "loop.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import timers\n"
        "from ..runtime import values\n"
        "from .. import __version__\n"
        "import zscript.diagnostics\n"
        "from zscript.runtime.values import X\n"
        "if TYPE_CHECKING:\n"
        "    from ..host import Host\n"
        "def f():\n"
        "    from ..syntax import ast\n"
    )
    got = [(e.line, e.target_module) for e in edges_of(pkg / "engine" / "loop.py", tmp_path)]
    assert got == [
        (1, "typing"),
        (2, "zscript.engine"),  # timers.py does not exist: the package itself
        (3, "zscript.runtime.values"),
        (4, "zscript"),
        (5, "zscript.diagnostics"),
        (6, "zscript.runtime.values"),
        (10, "zscript.syntax"),
    ]


def test_walker_sees_the_real_tree():
    edges = [e for p in all_files() for e in edges_of(p)]
    internal = [e for e in edges if e.target_module.startswith("zscript")]
    assert len(all_files()) >= 20
    assert len(internal) >= 40, "the import walker found suspiciously few zscript imports"
    assert any(e.source_unit == "host" and unit_of(e.target_module) == "compile" for e in internal)
