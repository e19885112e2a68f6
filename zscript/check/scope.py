"""Identifiers, scopes and Zeek's name-resolution rules.

An :class:`ID` is a declared name: a global (module-qualified, e.g.
``Foo::x``), a type, an enumerator, a local, or a parameter.  Globals live in
one table keyed by their full name; locals live in the :class:`FuncInfo` of
the function, event handler, hook handler, lambda or ``when`` body being
checked.

Resolution follows Zeek's ``lookup_ID`` (``src/Scope.cc``), not its older
documentation:

* ``::x`` (and, accepted for compatibility, ``GLOBAL::x``) is the global ``x``;
* a plain ``x`` in module ``M`` is looked up as ``M::x`` in the local scopes
  and the global table, then as the global ``x``;
* ``M::x`` names module ``M``'s ``x``; from another module it must have been
  declared in an ``export`` block ("identifier is not exported");
* a new global declared in module ``M`` is ``M::x`` (or ``x`` in ``GLOBAL``
  or inside ``export``, which also makes it visible as ``M::x`` elsewhere);
* an event handler or event raise whose name is not declared binds to the
  name as written, i.e. the global ``x`` for a plain ``x``.
"""

from __future__ import annotations

from typing import Any

from ..diagnostics import Span
from ..types import FuncType, Type

__all__ = ["GLOBAL", "ID", "FuncInfo", "full_name", "module_of", "short_name"]

GLOBAL = "GLOBAL"


def full_name(module: str, name: str) -> str:
    """Zeek's ``make_full_var_name``."""
    if name.startswith("::"):
        return name[2:]
    if name.startswith(GLOBAL + "::"):
        return name[len(GLOBAL) + 2 :]
    if "::" in name or module in ("", GLOBAL):
        return name
    return f"{module}::{name}"


def module_of(name: str) -> str:
    i = name.rfind("::")
    return name[:i] if i > 0 else GLOBAL


def short_name(name: str) -> str:
    i = name.rfind("::")
    return name[i + 2 :] if i >= 0 else name


class ID:
    """A declared identifier.

    ``kind`` is one of ``var``, ``const``, ``option``, ``type``, ``enum``
    (an enumerator), ``func`` (a global with a function, event or hook
    value), ``param`` or ``local``.
    """

    __slots__ = (
        "attrs",
        "func",
        "has_body",
        "is_export",
        "is_global",
        "kind",
        "name",
        "py_name",
        "span",
        "type",
        "value",
        "assigned",
        "used",
        "info",
        "block",
        "seq",
    )

    def __init__(
        self, name: str, kind: str, type: Type | None, span: Span | None, *, is_global: bool
    ):
        self.name = name
        self.kind = kind
        self.type = type
        self.span = span
        self.is_global = is_global
        self.is_export = False
        self.attrs: dict[str, Any] = {}
        #: Python name used by compiled code.
        self.py_name = ""
        #: For locals: the FuncInfo owning the local.
        self.func: FuncInfo | None = None
        #: For types: the Type; for enumerators: the EnumVal (set by the host).
        self.value: Any = None
        self.has_body = False
        self.assigned = False
        self.used = False
        #: For functions: the FuncInfo of the (last) body, once defined.
        self.info: FuncInfo | None = None
        #: For locals declared in a block: the block's set of names (while the
        #: block is being checked it is in ``FuncInfo.block_names``).
        self.block: set[str] | None = None
        #: For globals: when it was declared (the checker's count of globals
        #: so far; 0 for built-ins), so a body checked late sees only what
        #: was declared before it (see :mod:`.deferral`).
        self.seq = 0

    @property
    def is_const(self) -> bool:
        return self.kind in ("const", "enum")

    @property
    def is_redef(self) -> bool:
        # &add_func and &delete_func imply &redef (Zeek's Attributes::AddAttr).
        attrs = self.attrs
        return (
            "&redef" in attrs
            or self.kind == "option"
            or "&add_func" in attrs
            or "&delete_func" in attrs
        )

    def __repr__(self) -> str:
        return f"<ID {self.name} {self.kind} {self.type}>"


class FuncInfo:
    """Scope and facts about one body being checked (function, handler, lambda ...).

    :param kind: ``function``, ``event``, ``hook``, ``lambda``, ``when`` or ``top``.
    """

    def __init__(
        self, kind: str, name: str, ftype: FuncType | None, parent: FuncInfo | None, module: str
    ):
        self.kind = kind
        self.name = name
        self.ftype = ftype
        self.parent = parent
        self.module = module
        self.locals: dict[str, ID] = {}
        #: Canonical parameter IDs in order (hidden parameters included).
        self.params: list[ID] = []
        #: Lambdas: captured IDs of the enclosing function, in capture order,
        #: with their deep-copy flag.
        self.captures: list[tuple[ID, bool]] = []
        #: ``when`` bodies: locals of enclosing bodies they read or write.
        self.outer_refs: dict[ID, None] = {}
        #: True when the body contains ``return when`` (its calls are asynchronous).
        self.is_async = False
        self.loop_depth = 0
        self.switch_depth = 0
        #: Names declared by `local` in each enclosing block (innermost last).
        self.block_names: list[set[str]] = [set()]
        self.counter = 0
        #: A function, event or hook body left to check on first call
        #: (a :class:`~.deferral.Deferred`), else None.
        self.deferred = None

    def lookup_local(self, full: str) -> ID | None:
        return self.locals.get(full)

    def unique(self, base: str) -> str:
        self.counter += 1
        return f"{base}{self.counter}"
