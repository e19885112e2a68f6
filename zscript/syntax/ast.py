"""AST node classes for zscript.

Nodes are attrs classes made with :func:`node`: they compare structurally
(the ``span`` and the checker's annotations are left out of equality), hash
by identity (so two equal-looking nodes at different places can both be dict
keys) and keep ``__slots__``.  Every node carries the :class:`Span` it was
parsed from.

Fields annotated by the checker are declared here with ``init=False``:
``Expr.type`` (the static type), ``Name.id`` (the resolved identifier),
``FuncDecl.id`` and friends.  The parser never fills them.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import attrs

from ..diagnostics import Span

__all__ = [
    "AddStmt",
    "AnyNode",
    "AssertStmt",
    "Assign",
    "Attr",
    "BinOp",
    "Block",
    "BraceInit",
    "BreakStmt",
    "Call",
    "Capture",
    "Case",
    "Cast",
    "CondExpr",
    "Coerce",
    "Const",
    "CopyExpr",
    "Decl",
    "DeleteStmt",
    "EnumElem",
    "EventStmt",
    "ExportDecl",
    "Expr",
    "ExprStmt",
    "FallthroughStmt",
    "Field",
    "FieldAssign",
    "FieldDeclNode",
    "ForStmt",
    "FormalArg",
    "FuncDecl",
    "FuncSig",
    "GlobalDecl",
    "HasField",
    "HookCall",
    "IfStmt",
    "Index",
    "LambdaExpr",
    "ListCtor",
    "LocalDecl",
    "ModuleDecl",
    "Name",
    "NextStmt",
    "Node",
    "NullStmt",
    "PrintStmt",
    "RecordCtor",
    "RedefDecl",
    "RedefEnum",
    "RedefFieldAttrs",
    "RedefRecord",
    "ReturnStmt",
    "ScheduleExpr",
    "SetCtor",
    "SizeExpr",
    "Slice",
    "Stmt",
    "SwitchStmt",
    "TableCtor",
    "TypeDecl",
    "TypeExpr",
    "TypeNode",
    "WhenLocal",
    "UnaryOp",
    "VectorCtor",
    "WhenStmt",
    "WhileStmt",
    "node",
]


def node(cls):
    """Make ``cls`` an AST node class: attrs, structural ``==``, identity hash.

    ``==`` and ``repr`` are :class:`Node`'s, driven by the attrs fields
    (``eq``/``repr`` flags), rather than generated per class: the library's
    scripts are loaded from the parse cache at every start, so importing this
    module is on the start-up path, and generating and compiling those two
    methods for every class was a third of its cost.  Pickling uses Python's
    own slot handling (no ``__getstate__``/``__setstate__`` in Python), which
    is what reading cached scripts spends most of its time in.
    """
    cls = attrs.define(cls, eq=False, repr=False, getstate_setstate=False)
    cls.__hash__ = object.__hash__
    return cls


_FIELDS: dict[type, tuple[Any, tuple[str, ...]]] = {}


def _fields(cls: type) -> tuple[Any, tuple[str, ...]]:
    """(getter of the fields compared by ``==`` as a tuple, names shown by ``repr``)."""
    got = _FIELDS.get(cls)
    if got is None:
        fields = attrs.fields(cls)
        eq_names = [a.name for a in fields if a.eq]
        getter = (lambda o: ()) if not eq_names else attrgetter(*eq_names, eq_names[0])
        got = _FIELDS[cls] = (getter, tuple(a.name for a in fields if a.repr))
    return got


def _ann():
    """A checker annotation: not in ``__init__``, equality or repr."""
    return attrs.field(init=False, default=None, eq=False, repr=False)


@node
class Node:
    span: Span = attrs.field(eq=False, repr=False, kw_only=True, default=None)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        getter = _fields(self.__class__)[0]
        return getter(self) == getter(other)

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n, None)!r}" for n in _fields(self.__class__)[1])
        return f"{self.__class__.__qualname__}({shown})"


# ----------------------------------------------------------------------- types


@node
class TypeNode(Node):
    """A type as written: ``kind`` is a basic type name, ``"table"``, ``"named"`` ..."""

    kind: str
    args: list[Any] = attrs.field(factory=list)
    #: Filled by the checker with a :class:`zscript.types.Type`.
    resolved: Any = _ann()


@node
class Attr(Node):
    name: str  # with the ampersand: "&default"
    value: Expr | None = None


@node
class FormalArg(Node):
    name: str
    type: TypeNode
    attrs: list[Attr] = attrs.field(factory=list)


@node
class FuncSig(Node):
    params: list[FormalArg]
    ret: TypeNode | None = None


@node
class FieldDeclNode(Node):
    name: str
    type: TypeNode
    attrs: list[Attr] = attrs.field(factory=list)


@node
class EnumElem(Node):
    name: str
    value: int | None = None
    attrs: list[Attr] = attrs.field(factory=list)
    #: The value written is no count constant (``-1``, ``1.5``, ``"x"``).
    not_count: bool = False


# ----------------------------------------------------------------- expressions


@node
class Expr(Node):
    type: Any = _ann()
    #: Written in parentheses (Zeek's describer shows them: ``MarkParen``).
    paren: Any = _ann()


@node
class Const(Expr):
    kind: str  # count, double, interval, string, bool, pattern, port, addr, subnet
    value: Any
    text: str = ""


@node
class Name(Expr):
    name: str
    id: Any = _ann()


@node
class Index(Expr):
    base: Expr
    indices: list[Expr]
    #: Set by the checker: this indexes a set (a void value, as in Zeek).
    set_index: bool = _ann()


@node
class Slice(Expr):
    base: Expr
    lo: Expr | None
    hi: Expr | None


@node
class Field(Expr):
    base: Expr
    field: str
    #: Set by the checker: the record field definition.
    fdef: Any = _ann()


@node
class HasField(Expr):
    base: Expr
    field: str


@node
class Call(Expr):
    func: Expr
    args: list[Expr]
    #: Field assignments when called as a record constructor ``R($a=1)``.
    field_args: list[FieldAssign] | None = None
    #: Set by the checker: "value", "bif", "event".
    call_kind: str | None = _ann()
    #: Set by the checker when the call is the operand of ``hook``.
    in_hook: bool = _ann()


@node
class UnaryOp(Expr):
    op: str  # ! ~ - + ++ --
    operand: Expr


@node
class BinOp(Expr):
    op: str
    left: Expr
    right: Expr
    #: Set by the checker: the operand type both sides were promoted to.
    operand_type: Any = _ann()


@node
class CondExpr(Expr):
    cond: Expr
    then: Expr
    orelse: Expr


@node
class Assign(Expr):
    op: str  # = += -=
    target: Expr
    value: Expr


@node
class Cast(Expr):
    op: str  # as | is
    expr: Expr
    target: TypeNode


@node
class SizeExpr(Expr):
    expr: Expr


@node
class CopyExpr(Expr):
    expr: Expr


@node
class ExpandIndex(Expr):
    """Inserted by the checker: in a constructor's index, the set ``expr``
    stands for each of its members, one element each (Zeek's ``expand_op``)."""

    expr: Expr


@node
class Coerce(Expr):
    """Inserted by the checker: convert ``expr`` to this node's ``type``."""

    expr: Expr
    #: Not shown in expression text (the variadic arguments of built-ins,
    #: which Zeek passes without a conversion).
    quiet: bool = attrs.field(default=False, eq=False, repr=False)


@node
class TypeExpr(Expr):
    """A type used as a value (``print count``, ``type_name(connection)``)."""

    tnode: TypeNode


@node
class WhenLocal(Expr):
    """``local x = expr`` inside a ``when`` condition; its value is the init's."""

    name: str
    init: Expr
    id: Any = _ann()


@node
class HookCall(Expr):
    call: Expr


@node
class FieldAssign(Node):
    name: str
    value: Expr


@node
class ListCtor(Expr):
    """``[a, b]`` or ``[$x=1]``: a record constructor or an index list."""

    items: list[Expr]
    fields: list[FieldAssign] | None = None
    #: Written with a comma after the last item (``[a, b, ]``).
    trailing_comma: bool = False


@node
class RecordCtor(Expr):
    fields: list[FieldAssign]
    #: The record type's name for ``R($a=...)``, which Zeek describes so.
    named: Any = _ann()


@node
class TableCtor(Expr):
    items: list[Expr]
    attrs: list[Attr] = attrs.field(factory=list)
    attr_map: Any = _ann()
    #: Given the context's type, its elements did not fit (set by the checker).
    retype_failed: Any = _ann()


@node
class AggrExpr(Expr):
    """``add x`` or ``delete x`` where a value is wanted (``op``): Zeek's
    AggrAddExpr / AggrDelExpr, of type void (the statements are AddStmt and
    DeleteStmt)."""

    op: str
    target: Expr


@node
class SetCtor(Expr):
    items: list[Expr]
    attrs: list[Attr] = attrs.field(factory=list)
    attr_map: Any = _ann()
    #: Given the context's type, its elements did not fit (set by the checker).
    retype_failed: Any = _ann()


@node
class VectorCtor(Expr):
    items: list[Expr]


@node
class BraceInit(Expr):
    """``{ a, b }`` or ``{ [k] = v, ... }`` on the right of ``=``."""

    items: list[Expr]
    #: The right side of ``+=``/``-=`` (set by the checker): Zeek locates the
    #: constructor made of it at its elements.
    compound: Any = _ann()


@node
class Capture(Node):
    name: str
    deep: bool = False
    id: Any = _ann()


@node
class LambdaExpr(Expr):
    captures: list[Capture] | None
    sig: FuncSig
    body: Block
    #: ``$field(args) = { ... }`` in a record constructor: without a declared
    #: result type, the first ``return`` decides it (Zeek's ``SetInferReturnType``).
    infer_return: bool = False
    #: Set by the checker: the lambda's scope information.
    info: Any = _ann()


@node
class ScheduleExpr(Expr):
    delay: Expr
    event: Call


# ------------------------------------------------------------------ statements


@node
class Stmt(Node):
    pass


@node
class Block(Stmt):
    stmts: list[Stmt]


@node
class ExprStmt(Stmt):
    expr: Expr


@node
class PrintStmt(Stmt):
    exprs: list[Expr]


@node
class EventStmt(Stmt):
    call: Call


@node
class IfStmt(Stmt):
    cond: Expr
    then: Stmt
    orelse: Stmt | None = None


@node
class Case(Node):
    values: list[Expr] | None  # None for default
    types: list[tuple[TypeNode, str | None]] | None
    body: list[Stmt]
    #: Set by the checker for ``case type T as x``: the identifiers.
    ids: Any = _ann()


@node
class SwitchStmt(Stmt):
    expr: Expr
    cases: list[Case]


@node
class ForStmt(Stmt):
    keys: list[str]
    value: str | None
    iterable: Expr
    body: Stmt
    #: Python-level "[k1, k2]" form was used (keys always a list).
    bracketed: bool = False
    key_ids: Any = _ann()
    value_id: Any = _ann()


@node
class WhileStmt(Stmt):
    cond: Expr
    body: Stmt


@node
class NextStmt(Stmt):
    pass


@node
class BreakStmt(Stmt):
    pass


@node
class FallthroughStmt(Stmt):
    pass


@node
class ReturnStmt(Stmt):
    value: Expr | None = None


@node
class LocalDecl(Stmt):
    kind: str  # local | const
    name: str
    type: TypeNode | None
    init_op: str | None
    init: Expr | None
    attrs: list[Attr] = attrs.field(factory=list)
    id: Any = _ann()


@node
class WhenStmt(Stmt):
    captures: list[Capture] | None
    cond: Expr
    body: Stmt
    timeout: Expr | None = None
    timeout_body: list[Stmt] | None = None
    is_return: bool = False
    #: ``when ( local x = expr )``: the local's name.
    local_name: str | None = None
    info: Any = _ann()


@node
class AssertStmt(Stmt):
    cond: Expr
    msg: Expr | None = None


@node
class AddStmt(Stmt):
    target: Expr


@node
class DeleteStmt(Stmt):
    target: Expr


@node
class NullStmt(Stmt):
    pass


# ---------------------------------------------------------------- declarations


@node
class Decl(Node):
    pass


@node
class ModuleDecl(Decl):
    name: str


@node
class ExportDecl(Decl):
    decls: list[Decl]


@node
class GlobalDecl(Decl):
    kind: str  # global | const | option
    name: str
    type: TypeNode | None
    init_op: str | None
    init: Expr | None
    attrs: list[Attr] = attrs.field(factory=list)
    id: Any = _ann()


@node
class RedefDecl(Decl):
    name: str
    type: TypeNode | None
    init_op: str | None
    init: Expr | None
    attrs: list[Attr] = attrs.field(factory=list)
    id: Any = _ann()
    #: The &add_func / &delete_func expression that makes the new value.
    combine: Any = _ann()


@node
class RedefEnum(Decl):
    name: str
    elems: list[EnumElem]


@node
class RedefRecord(Decl):
    name: str
    fields: list[FieldDeclNode]
    attrs: list[Attr] = attrs.field(factory=list)


@node
class RedefFieldAttrs(Decl):
    name: str
    field: str
    op: str
    attrs: list[Attr]


@node
class TypeDecl(Decl):
    name: str
    type: TypeNode
    attrs: list[Attr] = attrs.field(factory=list)


@node
class FuncDecl(Decl):
    flavor: str  # function | event | hook
    name: str
    sig: FuncSig
    attrs: list[Attr]
    body: Block
    is_redef: bool = False
    #: Span of the header (``function name(args)``), for messages.
    header_span: Span | None = attrs.field(default=None, eq=False, repr=False)
    id: Any = _ann()
    info: Any = _ann()


AnyNode = Node


def iter_nodes(root):
    """Yield ``root`` and every AST node below it (depth first)."""
    stack = [root]
    while stack:
        n = stack.pop()
        if isinstance(n, Node):
            yield n
            for f in attrs.fields(type(n)):
                if f.init and f.name != "span":
                    stack.append(getattr(n, f.name))
        elif isinstance(n, list | tuple):
            stack.extend(n)
