"""Stage 2: name resolution and type checking, one unit at a time.

:class:`Checker` keeps the global symbol table across all loaded files.
:meth:`Checker.check_unit` takes one parsed declaration or top-level
statement, resolves its names (see :mod:`.scope` for Zeek's rules), infers
and checks types (see :mod:`.typerules`), validates attributes, annotates the
AST in place (``Expr.type``, ``Name.id`` ...) and records every problem as a
:class:`~zscript.diagnostics.Diagnostic`.  It never stops at the first error.

The checker does not know the runtime.  Built-in functions come in through
:meth:`Checker.declare_builtin` (the host passes their signatures), and the
values of enumerators are created by the compiler from the names recorded
in :class:`~zscript.types.EnumType`.

Expression checks live in :mod:`.exprs`, statement checks in :mod:`.stmts`;
this module holds declarations, types and attributes.
"""

from __future__ import annotations

from collections.abc import Callable

from ..diagnostics import MAX_REPORTED, Diagnostic, Span
from ..syntax import ast as A
from ..syntax.printer import attrs_text
from ..types import (
    BASIC_TYPES,
    BOOL,
    COUNT,
    ERROR,
    INTERVAL,
    VOID,
    BasicType,
    EnumType,
    Field,
    FileType,
    FuncType,
    OpaqueType,
    Param,
    RecordType,
    TableType,
    Type,
    VectorType,
    same_type,
)
from .deferral import DeferredBodies
from .exprs import ExprChecks
from .promote import PromoteChecks
from .scope import GLOBAL, ID, FuncInfo, full_name, short_name
from .stmts import StmtChecks
from .usage import UsageChecks

__all__ = ["Checker"]

#: How close an unknown name must be to a known one for a "did you mean"
#: (difflib's ratio).
_SUGGEST_CUTOFF = 0.75

#: Attributes accepted on each kind of declaration (others are reported).
_VAR_ATTRS = {
    "&redef",
    "&default",
    "&default_insert",
    "&create_expire",
    "&read_expire",
    "&write_expire",
    "&expire_func",
    "&on_change",
    "&ordered",
    "&backend",
    "&broker_store",
    "&broker_allow_complex_type",
    "&publish_on_change",
    "&deprecated",
    "&is_used",
    "&is_assigned",
    "&log",
    "&optional",
    "&raw_output",
    "&add_func",
    "&delete_func",
    "&error_handler",
    "&type_column",
}
_FUNC_ATTRS = {
    "&priority",
    "&deprecated",
    "&is_used",
    "&group",
    "&no_ZAM_opt",
    "&no_CPP_opt",
    "&redef",
}
_EXPIRE_ATTRS = ("&create_expire", "&read_expire", "&write_expire")
#: ``Broker::NATS`` is added by policy/frameworks/storage/backend/nats.
_BACKENDS = {"Broker::MEMORY", "Broker::SQLITE", "Broker::NATS"}
#: Zeek's atomic types (``input::Manager::IsCompatibleType(t, true)``).
_ATOMIC_TAGS = frozenset(
    ("bool", "int", "count", "port", "subnet", "addr", "double", "time", "interval", "enum")
    + ("string", "pattern")
)


#: Attributes that may be given twice (Zeek's ``Attributes::AddAttr``).
_REPEATABLE = {
    "&broker_allow_complex_type",
    "&error_handler",
    "&is_used",
    "&log",
    "&no_CPP_opt",
    "&no_ZAM_opt",
    "&optional",
    "&raw_output",
    "&redef",
}


def _attr_rule(name: str, given: dict, t: Type, context: str) -> str | None:
    """The first of Zeek's rules for attribute ``name`` that it breaks
    (``Attributes::CheckAttr`` and ``check_default_attr`` in src/Attr.cc)."""
    table = isinstance(t, TableType) and not t.is_set
    if name == "&optional" and context not in ("field", "ctor"):
        return "&optional is only valid for record fields"
    if name == "&default_insert":
        if not table:
            return "&default_insert only applicable to tables"
        if "&default" in given:
            return "&default and &default_insert cannot be used together"
    if name == "&default":
        if "&default_insert" in given:
            return "&default and &default_insert cannot be used together"
        if context == "global" and not table and t.tag != "error":
            return "&default is not valid for global variables except for tables"
    if name in ("&backend", "&broker_store"):
        problem = _store_attr_rule(name, given, t, context)
        if problem is not None:
            return problem
    if name == "&read_expire":
        for other in ("&broker_store", "&backend"):
            if other in given:
                return f"{other} and &read_expire cannot be used simultaneously"
    if name in _EXPIRE_ATTRS:
        if not isinstance(t, TableType) and t.tag != "error":
            return "expiration only applicable to sets/tables"
        if any(x in given for x in _EXPIRE_ATTRS if x != name):
            return "set/table can only have one of &read_expire, &write_expire, &create_expire"
    return None


def _store_attr_rule(name: str, given: dict, t: Type, context: str) -> str | None:
    """Zeek's rules for ``&backend`` and ``&broker_store`` (``Attributes::CheckAttr``)."""
    if t.tag == "error":
        return None
    if not isinstance(t, TableType):
        if name == "&backend":
            return "&backend only applicable to global sets/tables"
        return "&broker_store only applicable to sets/tables"
    # (A constructor's attributes pass: they become those of the global it initializes.)
    if name == "&backend" and context in ("local", "field", "param"):
        return "&backend only applicable to global sets/tables"
    # Only atomic values, unless &broker_allow_complex_type says otherwise.
    if (
        not t.is_set
        and t.yield_ is not None
        and t.yield_.tag not in _ATOMIC_TAGS
        and "&broker_allow_complex_type" not in given
    ):
        return f"{name} only supports atomic types as table value"
    for other in ("&expire_func", "&read_expire"):
        if other in given:
            return f"{name} and {other} cannot be used simultaneously"
    if ("&broker_store" if name == "&backend" else "&backend") in given:
        return "&backend and &broker_store cannot be used simultaneously"
    return None


def _duplicate_ok(name: str, first, second) -> bool:
    if name == "&deprecated":
        return first is None and second is None  # only without messages
    return name in _REPEATABLE


def _last_line(span: Span | None) -> Span | None:
    """The last line of ``span`` (Zeek locates some messages where a construct ends)."""
    if span is None:
        return None
    return Span(span.file, span.end_line, 1, span.end_line, 1)


def _line(span: Span | None) -> Span | None:
    """The first line of ``span``: Zeek locates declarations by where they start."""
    return span.first_line() if span is not None else None


def _first_declared(first: Span | None, here: Span | None) -> str:
    """`` (first declared on line N)``, with the file when it is another one."""
    if first is None or first.file is None:
        return ""
    if here is not None and here.file is first.file:
        return f" (first declared on line {first.line})"
    return f" (first declared in {first.filename}, line {first.line})"


class Checker(ExprChecks, PromoteChecks, StmtChecks, UsageChecks, DeferredBodies):
    """Resolves and type-checks units; see the module docstring."""

    def __init__(self):
        self.globals: dict[str, ID] = {}
        self.module = GLOBAL
        self.modules: set[str] = {GLOBAL}
        self.in_export = False
        self.func: FuncInfo | None = None
        #: True while checking a ``when`` condition (asynchronous calls allowed).
        self.in_when_cond = False
        self.top = FuncInfo("top", "<global statements>", None, None, GLOBAL)
        self.diags: list[Diagnostic] = []
        #: Errors reported so far (past MAX_REPORTED, nobody reads the hints).
        self.errors_seen = 0
        self._py_counter = 0
        #: Event names raised, with the first span, and names with handlers.
        self.events_raised: dict[str, Span] = {}
        self.events_handled: set[str] = set()
        #: Called when an enumerator is declared (the host creates its value).
        self.on_enum_added: Callable[[EnumType, str], None] | None = None
        #: Globals declared on first use: full name -> function declaring it
        #: (the host registers built-in functions this way).
        self.lazy_globals: dict[str, Callable[[], object]] = {}
        #: Record types created or extended by the current unit (the compiler
        #: compiles their field defaults).
        self.touched_records: list[RecordType] = []
        #: The end of the record type being declared (Zeek's location for its errors).
        self.record_end: Span | None = None
        #: Where each record type was declared (Zeek's location of a type),
        #: by id: (the type, its span).
        self.type_spans: dict[int, tuple[Type, Span]] = {}
        #: True while deprecation warnings are off (set by the host's pragmas).
        self.ignore_deprecations: Callable[[Span | None], bool] = lambda span: False
        #: An interactive session (the REPL): declaring a global again
        #: replaces it, as entering a definition again should.
        self.interactive = False
        self.init_usage()
        self.init_deferral()

    # ------------------------------------------------------------- diagnostics

    def error(self, span: Span | None, msg: str, hint: str | None = None, **zeek) -> None:
        """Record an error; ``zeek`` holds :class:`Diagnostic`'s ``detail``, ``zeek``,
        ``related`` and ``zeek_span``."""
        self.errors_seen += 1
        self.diags.append(Diagnostic("error", msg, span, hint, **zeek))

    def warn(self, span: Span | None, msg: str, hint: str | None = None, **zeek) -> None:
        self.diags.append(Diagnostic("warning", msg, span, hint, **zeek))

    def deprecated(
        self, span: Span | None, what: str, attrs: dict, detail: str | None = None
    ) -> None:
        """Zeek's deprecation warning for using ``what`` (an ID, or ``R$f``),
        unless ``@pragma push ignore-deprecations`` is in effect."""
        if "&deprecated" not in attrs or self.ignore_deprecations(span):
            return
        advice = attrs["&deprecated"]
        advice = advice.value if isinstance(advice, A.Const) else None
        text = f"deprecated ({what})" + (f": {advice}" if advice else "")
        self.warn(span, text, detail=detail)

    def enum_mix(self, span: Span | None, a: Type, b: Type) -> bool:
        """Are ``a`` and ``b`` two different enum types?  Zeek's ``same_type``
        (src/Type.cc) still lets them match, with a deprecation warning."""
        if not (isinstance(a, EnumType) and isinstance(b, EnumType)):
            return False
        if a is b or (a.name is not None and a.name == b.name):
            return False
        if not self.ignore_deprecations(span):
            self.warn(
                span,
                f"values of different enum types ({a} and {b}) are mixed; Zeek will make"
                " this an error",
                zeek=f"Remove in v9.1. Mixing incompatible enum types {a} and {b} will become"
                " an error.",
                zeek_span=span.first_line() if span is not None else None,
            )
        return True

    def take_diagnostics(self) -> list[Diagnostic]:
        d, self.diags = self.diags, []
        return d

    # --------------------------------------------------------------- ID tables

    def new_py_name(self, name: str, prefix: str = "g") -> str:
        self._py_counter += 1
        base = short_name(name)
        if not base.isidentifier():
            base = "".join(c if c.isalnum() else "_" for c in base)
        return f"{prefix}{self._py_counter}_{base}"

    def install_global(
        self, name: str, kind: str, t: Type | None, span: Span | None, *, export=None
    ) -> ID:
        """Install a new global; ``name`` is already the full name."""
        gid = ID(name, kind, t, span, is_global=True)
        gid.is_export = self.in_export if export is None else export
        gid.py_name = self.new_py_name(name)
        gid.seq = self._py_counter
        self.globals[name] = gid
        return gid

    def declare_builtin(self, name: str, ftype: FuncType, py_name: str) -> ID:
        """Make a built-in function visible to scripts (called by the host)."""
        gid = ID(name, "func", ftype, None, is_global=True)
        gid.is_export = True
        gid.has_body = True
        gid.py_name = py_name
        gid.value = "bif"
        self.globals[name] = gid
        return gid

    def declare_global_value(self, name: str, t: Type, kind: str = "const") -> ID:
        """Declare a global that the host initializes itself (``Cluster::node`` ...)."""
        gid = self.install_global(name, kind, t, None, export=True)
        return gid

    def lookup(
        self, name: str, span: Span | None = None, *, report: bool = True, check_export: bool = True
    ) -> ID | None:
        """Zeek's ``lookup_ID`` for a name used in an expression."""
        if name.startswith(GLOBAL + "::"):
            if report:
                self.warn(
                    span,
                    f"'{name}' is accepted for compatibility; Zeek 7.1+ requires '::{name[8:]}'",
                )
            name = "::" + name[len(GLOBAL) + 2 :]
        explicit_global = name.startswith("::")
        full = full_name(self.module, name)
        if not explicit_global:
            f = self.func
            while f is not None:
                lid = f.locals.get(full)
                if lid is not None:
                    return lid
                f = f.parent
            if self.func is not None and self.func.kind != "top":
                lid = self.top.locals.get(full)
                if lid is not None and self.func.kind == "top":
                    return lid
            gid = self.global_id(full)
            if gid is not None:
                mod = full.rpartition("::")[0] or GLOBAL
                if (
                    check_export
                    and report
                    and mod != self.module
                    and mod != GLOBAL
                    and not gid.is_export
                ):
                    self.error(span, f"identifier is not exported: {full}")
                return gid
        gname = full_name(GLOBAL, name)
        gid = self.global_id(gname)
        if gid is None:
            declare = self.lazy_globals.pop(gname, None) or self.lazy_globals.pop(full, None)
            if declare is not None:
                declare()
                gid = self.global_id(gname) or self.global_id(full)
        return gid

    def global_id(self, full: str) -> ID | None:
        """The global ``full``, if declared before the body being checked
        (:attr:`cutoff`, see :mod:`.deferral`)."""
        gid = self.globals.get(full)
        if gid is not None and gid.seq > self.cutoff:
            return None
        return gid

    def lookup_def(self, name: str) -> ID | None:
        """Lookup for a new global/function definition (``same_module_only``)."""
        if name.startswith(GLOBAL + "::"):
            name = "::" + name[len(GLOBAL) + 2 :]
        full = full_name(self.module, name)
        gid = self.globals.get(full)
        if gid is not None:
            return gid
        if self.module == GLOBAL or name.startswith("::"):
            return self.globals.get(full_name(GLOBAL, name))
        return None

    def def_name(self, name: str) -> str:
        """Full name of a global newly defined under ``name`` in this module."""
        if name.startswith(GLOBAL + "::"):
            name = "::" + name[len(GLOBAL) + 2 :]
        return full_name(self.module, name)

    def suggest(self, name: str) -> str | None:
        """A 'did you mean' hint for an unknown name (none once more errors
        were found than are shown: the search is costly on big inputs)."""
        if self.errors_seen >= MAX_REPORTED:
            return None
        cands: set[str] = set()
        f = self.func
        while f is not None:
            cands.update(short_name(n) for n in f.locals)
            f = f.parent
        short = short_name(name)
        cands.update(n for n in self.lazy_globals if "::" not in n)
        for g in self.globals:
            if "::" not in g or g.startswith(self.module + "::"):
                cands.add(short_name(g))
            else:
                cands.add(g)
        import difflib  # here: only an error needs it (start-up speed)

        word = short if "::" not in name else name
        n = len(word)
        # difflib rejects a name at once when an upper bound of the ratio,
        # 2 * (characters in common) / (sum of the lengths), is below the
        # cutoff.  A looser bound, computed in C for every name here, leaves
        # difflib a few candidates instead of every name: the characters in
        # common are at most the word's length, and at most the name's
        # characters that occur in the word.  Only names difflib would reject
        # are dropped, so the suggestion is the same.
        others = str.maketrans("", "", word)
        close = []
        for c in cands:
            total = len(c) + n
            if 2.0 * min(len(c), n) / total < _SUGGEST_CUTOFF:
                continue  # the cheap part of the bound first: the lengths
            common = min(len(c) - len(c.translate(others)), n)
            if 2.0 * common / total >= _SUGGEST_CUTOFF:
                close.append(c)
        m = difflib.get_close_matches(word, sorted(close), n=1, cutoff=_SUGGEST_CUTOFF)
        return f"did you mean '{m[0]}'?" if m else None

    # ---------------------------------------------------------------- types

    def resolve_type(self, tn: A.TypeNode | None, *, type_name: str | None = None) -> Type:
        if tn is None:
            return ERROR
        t = self._resolve_type(tn, type_name)
        tn.resolved = t
        return t

    def _resolve_type(self, tn: A.TypeNode, type_name: str | None) -> Type:
        k = tn.kind
        if k == "void":
            # Zeek has no script-level void type (leave out a function's result).
            self.error(tn.span, "'void' cannot be declared", zeek="identifier not defined: void")
            return ERROR
        if k in BASIC_TYPES:
            return BASIC_TYPES[k]
        if k == "named":
            name = tn.args[0]
            tid = self.lookup(name, tn.span)
            if tid is None:
                self.error(
                    tn.span,
                    f"unknown type '{name}'",
                    self.suggest(name),
                    zeek=f"identifier not defined: {name}",
                )
                return ERROR
            if tid.kind != "type":
                self.error(tn.span, f"'{name}' is not a type")
                return ERROR
            self.deprecated(tn.span, tid.name, tid.attrs)
            return tid.value
        # A container type is located where it is written (Zeek's messages
        # about it name that place).
        if k == "table":
            idx = [self.resolve_type(x) for x in tn.args[0]]
            t = self.check_index_types(TableType(idx, self.resolve_type(tn.args[1])), tn)
            self.type_spans[id(t)] = (t, tn.span)
            return t
        if k == "set":
            t = self.check_index_types(
                TableType([self.resolve_type(x) for x in tn.args[0]], None), tn
            )
            self.type_spans[id(t)] = (t, tn.span)
            return t
        if k == "vector":
            t = VectorType(self.resolve_type(tn.args[0]))
            self.type_spans[id(t)] = (t, tn.span)
            return t
        if k == "record":
            rt = RecordType([], type_name)
            self.record_end = _last_line(tn.span)
            for fd in tn.args:
                self.add_record_field(rt, fd)
            # Zeek's location of a record type: from 'record {' to its last field.
            last = tn.args[-1].span.line if tn.args else tn.span.line
            self.type_spans[id(rt)] = (rt, Span(tn.span.file, tn.span.line, 1, last, 1))
            return rt
        if k == "enum":
            et = EnumType(type_name)
            self.add_enum_names(et, tn.args[0])
            return et
        if k in ("function", "event", "hook"):
            sig: A.FuncSig = tn.args[0]
            return self.func_type(k, sig)
        if k == "opaque":
            return OpaqueType(tn.args[0])
        if k == "file":
            return FileType(self.resolve_type(tn.args[0]) if tn.args else BASIC_TYPES["string"])
        self.error(tn.span, f"unsupported type '{k}'")
        return ERROR

    def check_index_types(self, tt: TableType, tn: A.TypeNode) -> TableType:
        """Zeek's TableType constructor (``src/Type.cc``): no index type may
        contain ``any`` (its hash of keys cannot)."""
        for it in tt.indices:
            if _contains_any(it, set()):
                where = self.type_spans.get(id(it))
                it_loc = where[1].location() if where is not None else str(it)
                here = tn.span.first_line().location()
                self.error(
                    tn.span,
                    f"an index type cannot contain 'any' ({it})",
                    zeek=f"index type containing 'any' is not supported ({tt} and {it})",
                    zeek_where=f"{here} and {it_loc}",
                )
                return tt
        return tt

    def index_has_any(self, e: A.SetCtor, tt: TableType) -> bool:
        """A ``set(...)`` whose elements' type contains ``any`` (an empty
        ``vector()``): Zeek's TableType refuses it (``src/Type.cc``), and the
        SetConstructorExpr then has no set type."""
        for it in tt.indices:
            if _contains_any(it, set()) or (isinstance(it, VectorType) and it.elem is None):
                self.error(
                    e.span,
                    f"an index type cannot contain 'any' ({it})",
                    zeek=f"index type containing 'any' is not supported ({tt} and {it})",
                )
                self.error(
                    e.span,
                    "values in set(...) constructor do not specify a set",
                    detail=self.describe_expr(e),
                    zeek_only=True,
                )
                return True
        return False

    def func_type(self, flavor: str, sig: A.FuncSig) -> FuncType:
        params = []
        seen: set[str] = set()
        for fa in sig.params:
            pt = self.resolve_type(fa.type)
            attrs = self.check_attrs(fa.attrs, pt, "param")
            if fa.name in seen:
                self.error(fa.span, f"argument name used twice: {fa.name}")
            seen.add(fa.name)
            params.append(Param(fa.name, pt, attrs))
        if flavor == "event":
            if sig.ret is not None:
                self.error(sig.ret.span, "event cannot yield a value")
            ret = VOID
        elif flavor == "hook":
            ret = BOOL
        else:
            ret = self.resolve_type(sig.ret) if sig.ret is not None else VOID
        return FuncType(flavor, params, ret)

    def add_record_field(self, rt: RecordType, fd: A.FieldDeclNode, *, redef: bool = False) -> None:
        ft = self.resolve_type(fd.type)
        if rt.field(fd.name) is not None:
            self.error(
                fd.span,
                f"duplicate field '{fd.name}'",
                zeek=f"duplicate field '{fd.name}' found in record definition",
                zeek_span=self.record_end,
            )
            return
        attrs = self.check_attrs(fd.attrs, ft, "field")
        if redef and not ("&optional" in attrs or "&default" in attrs):
            # Zeek: RecordType::AddFields (src/Type.cc), reported on the record's ID.
            self.error(
                fd.span,
                f"extension field '{fd.name}' needs &optional or &default",
                zeek=f"extension field must be &optional or have &default ({rt.name})",
            )
        f = Field(fd.name, ft, attrs)
        rt.add_field(f)
        if rt not in self.touched_records:
            self.touched_records.append(rt)

    def add_enum_names(self, et: EnumType, elems: list[A.EnumElem]) -> None:
        for el in elems:
            # Zeek's enum_body_elem (src/parse.y) and EnumType::AddName (src/Type.cc).
            if el.not_count:
                self.error(el.span, "enumerator is not a count constant")
                continue
            if el.value is not None and el.value >= 2**63:
                self.error(el.span, "enumerator value cannot be negative")
                continue
            full = full_name(self.module, el.name)
            existing = self.globals.get(full)
            if full in et.values and el.value is not None and et.values[full] == el.value:
                continue  # an identical re-declaration
            if full in et.values or existing is not None:
                first = existing.span if existing is not None else None
                self.error(
                    el.span,
                    f"conflicting definition of enum value '{full}' in type '{et.describe()}'",
                    zeek_span=_line(el.span),
                    related=_line(first),
                )
                continue
            if el.value is not None:
                value = el.value
                if value in et.values.values():
                    self.error(
                        el.span, f"enumerator value {value} used twice in type '{et.describe()}'"
                    )
            else:
                value = et.next_value
            et.values[full] = value
            et.next_value = max(et.next_value, value + 1)
            gid = self.install_global(full, "enum", et, el.span)
            gid.value = (et, full)
            for a in el.attrs:
                if a.name == "&deprecated":
                    gid.attrs["&deprecated"] = a.value
            if self.on_enum_added is not None:
                self.on_enum_added(et, full)

    # ------------------------------------------------------------ attributes

    def check_attrs(
        self, attrs: list[A.Attr], t: Type, context: str, end: Span | None = None
    ) -> dict:
        """Check attribute values against ``t``; return ``{name: value-expr-or-None}``.

        ``end``: where Zeek reports attribute errors (the end of a global's
        declaration), if not at the attribute."""
        out: dict = {}
        # Zeek's Attributes list: a repeated attribute replaces the earlier
        # one, and one that fails its check is dropped (src/Attr.cc).
        kept: list[A.Attr] = []
        for a in attrs:
            name = a.name
            before = next((x for x in kept if x.name == name), None)
            if before is not None and not _duplicate_ok(name, before.value, a.value):
                self.error(
                    a.span,
                    f"duplicate attribute {name}",
                    zeek=f"Duplicate {name} attribute is ambiguous",
                    zeek_span=end,
                )
            kept = [x for x in kept if x.name != name] + [a]
            problem = _attr_rule(name, {x.name: None for x in kept[:-1]}, t, context)
            if problem is not None:
                # The message lists the attributes so far (Attributes::Describe).
                self.error(a.span, problem, zeek=f"{problem} ({attrs_text(kept)})", zeek_span=end)
                kept.pop()
                if a.value is not None:
                    self.check_expr(a.value)
                continue
            if a.value is None:
                if (
                    name in ("&default", "&priority", "&on_change", "&expire_func", "&backend")
                    or name in _EXPIRE_ATTRS
                ):
                    self.error(a.span, f"{name} needs a value")
                    continue
                out[name] = None
                continue
            if name in ("&default", "&default_insert"):
                out[name] = self.check_default_attr(a, t, context, attrs_text(kept), end)
            elif name in _EXPIRE_ATTRS:
                e = self.check_expr(a.value)
                if e.type.tag not in ("interval", "error"):
                    self.error(
                        a.value.span,
                        "expiration interval has wrong type",
                        detail=self.describe_expr(a.value),
                    )
                out[name] = e
            elif name == "&priority":
                e = self.check_expr(a.value)
                if e.type.tag not in ("count", "int", "error"):
                    self.error(a.value.span, "&priority must be an integer")
                out[name] = e
            elif name == "&backend":
                e = self.check_expr(a.value)
                text = getattr(e, "name", None) or self.describe_expr(a.value)
                full = e.id.name if isinstance(e, A.Name) and e.id is not None else text
                if e.type.tag not in ("enum", "error"):
                    self.error(
                        a.value.span,
                        f"&backend must be one of {', '.join(sorted(_BACKENDS))}",
                        zeek=f"&backend must take an enum argument ({attrs_text(kept)})",
                        zeek_span=end,
                    )
                elif isinstance(e, A.Name) and full not in _BACKENDS:
                    self.error(
                        a.value.span, f"&backend must be one of {', '.join(sorted(_BACKENDS))}"
                    )
                out[name] = e
            elif name == "&broker_store":
                e = self.check_expr(a.value)
                if e.type.tag not in ("string", "error"):
                    self.error(a.value.span, "&broker_store must take a string argument")
                out[name] = e
            elif name == "&publish_on_change":
                out[name] = self.check_publish_on_change(a, t, context)
            elif name == "&expire_func":
                out[name] = self.check_expire_func(a, t)
            else:
                out[name] = self.check_expr(a.value)
        self.check_container_attrs(out, t, attrs)
        return out

    def check_default_attr(
        self, a: A.Attr, t: Type, context: str, listed: str = "", end: Span | None = None
    ):
        """``&default``: the element default of a table variable, or the default
        value of a record field or function parameter.  ``listed``: the
        attributes as Zeek lists them in its messages."""
        name = a.name
        if isinstance(t, TableType) and context not in ("field", "param"):
            if t.is_unspecified:
                return self.check_expr(a.value)
            if t.is_set:
                self.error(a.span, f"{name} is not valid for sets")
                return self.check_expr(a.value)
            yt = t.yield_
            e = self.check_expr(a.value, yt)
            if isinstance(e.type, FuncType) and e.type.flavor == "function":
                if not (same_type(e.type.ret, yt) or e.type.ret.tag == "error"):
                    self.error(
                        a.value.span,
                        f"{name} function type clash",
                        zeek=f"{name} function type clash ({listed})",
                        zeek_span=end,
                    )
                return e
            before = len(self.diags)
            e = self.coerce(e, yt, f"{name} value")
            if len(self.diags) > before:
                self.diags.append(
                    Diagnostic(
                        "error",
                        f"{name} value has inconsistent type",
                        end or a.span,
                        zeek=f"{name} value has inconsistent type ({listed})",
                        zeek_only=True,
                    )
                )
            return e
        if t.tag == "error":
            return self.check_expr(a.value)
        before = len(self.diags)
        e = self.coerce(self.check_expr(a.value, t), t, "&default value")
        new = [d for d in self.diags[before:] if d.severity == "error"]
        if new:
            # Zeek checks the value as a whole (Attributes::CheckAttr):
            # one message in its format, ours name each element.
            for d in new:
                d.rich_only = True
            self.diags.append(
                Diagnostic(
                    "error",
                    f"{name} value has inconsistent type",
                    a.span.first_line(),
                    zeek=f"{name} value has inconsistent type ({listed})",
                    zeek_only=True,
                )
            )
        return e

    def check_publish_on_change(self, a: A.Attr, t: Type, context: str):
        """``&publish_on_change=<Cluster::PublishOnChangeAttr>`` on a global
        table or set (Zeek checks its value once the scripts are loaded:
        ``src/cluster/PublishOnChangeState.cc``; the cluster subsystem does)."""
        gid = self.globals.get("Cluster::PublishOnChangeAttr")
        rt = gid.value if gid is not None and gid.kind == "type" else None
        if rt is not None and self.poc_unknown_fields(a.value, rt):
            return self.check_expr(a.value)
        written = self.describe_expr(a.value)  # (Zeek checks the place before the value)
        e = self.check_expr(a.value, rt)
        if context != "global" or not isinstance(t, TableType):
            self.error(
                a.span,
                "&publish_on_change only applicable to global sets/tables",
                detail=f"&publish_on_change={written}",
            )
            return e
        if rt is None or e.type.tag == "error":
            return e
        if isinstance(e, A.ListCtor | A.RecordCtor) and not getattr(e.type, "name", None):
            return self.ctor_to_record(e, rt)  # [$changes=...] / record($changes=...)
        if e.type is not rt:
            self.error(
                a.value.span,
                "&publish_on_change expects a record value of type PublishOnChangeAttr",
                detail=self.describe_expr(a.value),
            )
        return e

    def poc_unknown_fields(self, v: A.Expr, rt) -> bool:
        """Report the fields of a ``[$changes=...]`` / ``record(...)`` value of
        ``&publish_on_change`` that PublishOnChangeAttr lacks.  Zeek builds a
        constructor of that type from the fields once the scripts are loaded
        (``PublishOnChangeState.cc``): a new expression, with no location."""
        fields = v.fields if isinstance(v, A.ListCtor | A.RecordCtor) else None
        unknown = [fa for fa in fields or () if rt.field(fa.name) is None]
        for fa in unknown:
            inner = self.describe_expr(v)
            if inner.startswith("[") and inner.endswith("]"):
                inner = inner[1:-1]
            self.error(
                fa.span,
                f"no field '{fa.name}' in record type {rt.display()}",
                zeek="no such field in record "
                f"({rt.display()}({inner}) and ${fa.name}={self.describe_expr(fa.value)})",
                zeek_where=f"<no location> and {fa.span.location()}",
            )
        return bool(unknown)

    def check_expire_func(self, a: A.Attr, t: Type) -> A.Expr:
        """Zeek's ``TableType::DoExpireCheck`` (``src/Type.cc``): a function
        yielding an interval, called with the table and its index values
        (or with the table and one ``any``)."""
        e = self.check_expr(a.value)
        ft = e.type
        if ft.tag == "error" or not isinstance(t, TableType):
            return e
        what = f"&expire_func={self.describe_expr(a.value)}"

        def fail(msg: str) -> A.Expr:
            self.error(a.span, msg, zeek=f"{msg} ({what})")
            return e

        if not isinstance(ft, FuncType) or ft.flavor != "function":
            return fail("&expire_func attribute is not a function")
        if ft.ret is None or ft.ret.tag != "interval":
            return fail("&expire_func must yield a value of type interval")
        params = [p.type for p in ft.params]
        if t.is_unspecified or (len(params) == 2 and params[1].tag == "any"):
            return e
        expected = [t, *t.indices]
        # Zeek's FuncType::CheckArgs warns at the function's declaration.
        decl = e.id.span if isinstance(e, A.Name) and e.id is not None else None
        where = decl.first_line() if decl is not None else None
        problems = []
        if len(params) != len(expected):
            problems.append(
                f"Wrong number of arguments for function. Expected {len(expected)},"
                f" got {len(params)}."
            )
        else:
            for i, (want, got) in enumerate(zip(expected, params, strict=True)):
                if not same_type(want, got):
                    problems.append(
                        f"Type mismatch in function argument #{i}. Expected {want.tag},"
                        f" got {got.tag}."
                    )
        if not problems:
            return e
        for p in problems:
            self.warn(a.span, p, detail=str(ft), zeek_span=where)
        return fail("&expire_func argument type clash")

    def check_container_attrs(self, out: dict, t: Type, attrs: list[A.Attr]) -> None:
        for name in ("&on_change", "&expire_func"):
            if name in out and not isinstance(t, TableType):
                span = next(a.span for a in attrs if a.name == name)
                self.error(span, f"{name} only applies to tables and sets")

    # ------------------------------------------------------------ entry point

    def check_unit(self, unit: A.Node) -> None:
        """Check one top-level declaration or statement."""
        if isinstance(unit, A.Decl):
            self.check_decl(unit)
        else:
            self.func = self.top
            try:
                self.check_stmt(unit)
            finally:
                self.func = None

    def check_decl(self, d: A.Decl) -> None:
        method = getattr(self, "decl_" + type(d).__name__)
        method(d)

    def decl_ModuleDecl(self, d: A.ModuleDecl) -> None:
        if self.in_export:
            self.error(d.span, "module declaration inside export")
        self.module = d.name
        self.modules.add(d.name)
        self.top.module = d.name

    def decl_ExportDecl(self, d: A.ExportDecl) -> None:
        was = self.in_export
        self.in_export = True
        try:
            for sub in d.decls:
                self.check_decl(sub)
                if self.diags and self.diags[-1].syntax:
                    break  # Zeek's parser stopped there
        finally:
            self.in_export = was

    def decl_TypeDecl(self, d: A.TypeDecl) -> None:
        full = self.def_name(d.name)
        existing = self.lookup_def(d.name)
        if (
            existing is not None
            and existing.kind == "type"
            and isinstance(existing.value, EnumType)
            and d.type.kind == "enum"
        ):
            # Zeek accepts re-declaring an enum; the enumerators are merged.
            self.add_enum_names(existing.value, d.type.args[0])
            d.type.resolved = existing.value
            return
        t = self.resolve_type(d.type, type_name=full)
        if t.tag == "error" and d.type.kind == "named":
            # Zeek's add_type (src/Var.cc) refuses to alias a type that failed.
            self.error(
                d.span.first_line(),
                "Error trying to create alias to nonexistent type",
                zeek_only=True,
            )
        if isinstance(t, BasicType) and t.tag != "error":
            alias = BasicType(t.tag)
            alias.name = full
            if t.name is not None:
                alias.aliases = t.aliases
            t = alias
        elif t.name is None and d.type.kind != "named":
            t.name = full
        if d.type.kind != "named" and id(t) not in self.type_spans:
            # Where Zeek locates the declared type.
            self.type_spans[id(t)] = (t, d.span)
        if t.name is not None and t.tag != "error":
            # Zeek's add_type registers the new name, and a named type's old
            # one, as aliases of each other (src/Var.cc, Type::RegisterAlias).
            if t.aliases is None:
                t.aliases = set()
            t.aliases.update((t.name, full))
        if existing is not None and existing.kind == "type":
            # Zeek's add_type (src/Var.cc): only a stub record (no fields yet)
            # or an equivalent enum may be declared again.
            old = existing.value
            stub = isinstance(old, RecordType) and isinstance(t, RecordType) and not old.fields
            if not stub and not (isinstance(old, EnumType) and same_type(old, t)):
                at = f" at {existing.span.filename}:{existing.span.line}" if existing.span else ""
                self.error(
                    d.span,
                    f"type '{d.name}' is already declared" + _first_declared(existing.span, d.span),
                    zeek=f"Type {d.name} has already been declared{at}",
                    zeek_span=_line(d.span),
                )
                return
            existing.value = t
            existing.type = t
            d.type.resolved = t
            return
        if existing is not None:
            self.error(
                d.span,
                f"'{d.name}' already defined as a {existing.kind}",
                zeek=f"Identifier {d.name} has already been declared and is not a type",
                zeek_span=_line(d.span),
            )
            return
        gid = self.install_global(full, "type", t, d.span)
        gid.value = t
        for a in d.attrs:
            if a.name == "&deprecated":
                gid.attrs["&deprecated"] = a.value
        if isinstance(t, RecordType) and any(a.name == "&log" for a in d.attrs):
            # `type R: record {...} &log;` logs every field.
            for f in t.fields:
                f.attrs.setdefault("&log", None)

    def decl_GlobalDecl(self, d: A.GlobalDecl) -> None:
        kind = {"global": "var", "const": "const", "option": "option"}[d.kind]
        if self.in_export and d.name.startswith("::"):
            # Zeek's lookup_identifier (src/parse.y): an error, then YYERROR.
            self.errors_seen += 1
            self.diags.append(
                Diagnostic(
                    "error",
                    f"cannot use :: prefix in export section: {d.name}",
                    d.span.first_line(),
                    "an exported name belongs to the module; leave out the '::'",
                    syntax=True,
                )
            )
            return
        if kind == "option" and d.name.rpartition("::")[2] == "_":
            self.error(
                d.span,
                "an option cannot be named '_'",
                zeek=f"blank identifier used as option ({self.def_name(d.name)})",
                zeek_span=_line(d.span),
            )
            return
        t = self.resolve_type(d.type) if d.type is not None else None
        existing = self.lookup_def(d.name)
        if existing is not None and existing.kind == "func" and existing.value == "bif":
            existing = None
        if existing is not None and existing.kind not in ("var", "const", "option", "func"):
            self.error(d.span, f"'{d.name}' already defined as a {existing.kind}")
            return
        if existing is not None and not self.redeclaration_ok(existing, d, t):
            return
        init = d.init
        if init is not None and d.init_op == "":
            init = self.check_expr(self.init_without_op(init), t)
            t = t or self.infer_type(init) or ERROR
            init = d.init = None
        if init is not None and self.list_rhs_misfit(init, t, self.def_name(d.name)):
            init = d.init = None
        if init is not None:
            init = self.check_expr(init, t)
            zeek = f"can't assign void value ({d.name} = {self.describe_expr(init)})"
            if self.void_used(init, zeek):
                init.type = ERROR
            if t is None:
                t = self.infer_type(init)
            if d.init_op == "=":
                init = self.coerce(init, t, "initialization", self.def_name(d.name))
            d.init = init
        if t is None:
            self.error(
                d.span,
                f"no type given for '{d.name}'",
                zeek=f"no type given ({self.def_name(d.name)})",
            )
            t = ERROR
        if isinstance(t, FuncType):
            kind = "func"
        if existing is not None:
            if not same_type(existing.type, t):
                self.error(d.span, f"redeclaration of '{d.name}' with a different type")
            gid = existing
        else:
            gid = self.install_global(self.def_name(d.name), kind, t, d.span)
            if isinstance(t, FuncType) and t.flavor == "event" and not gid.is_export:
                self.note_script_event(gid)
        gid.attrs.update(self.check_attrs(d.attrs, t, "global", _last_line(d.span)))
        gid.attrs.update(ctor_decl_attrs(init))
        if kind in ("const", "option") and init is None and not t.is_aggregate and t.tag != "error":
            self.error(d.span, f"{d.kind} '{d.name}' needs an initial value")
        if init is not None:
            gid.assigned = True
        d.id = gid

    def redeclaration_ok(self, gid: ID, d: A.GlobalDecl, t: Type | None) -> bool:
        """Zeek's rules for declaring a global again (``make_var`` in Zeek's
        ``src/Var.cc``): a function type without initializer adds a prototype,
        a ``&redef`` global (or one given attributes only) may be re-declared
        with a warning, anything else is "already defined"."""
        if gid.kind == "func" and isinstance(t, FuncType) and d.init is None:
            self.add_prototype(gid, t, d)
            d.id = gid
            return False
        func = isinstance(gid.type, FuncType)
        if self.interactive and not func:
            return True
        if gid.is_redef or (d.init is None and d.attrs and not func):
            where = d.init.span if d.init is not None else d.span
            self.warn(
                d.span,
                f"redefinition of '{d.name}' requires \"redef\"",
                zeek=f'redefinition requires "redef" ({short_name(gid.name)})',
                zeek_span=_line(gid.span),
                related=_line(where),
            )
            return True
        init = d.init
        self.error(
            d.span,
            f"'{d.name}' is already defined" + _first_declared(gid.span, d.span),
            zeek=f"already defined ({short_name(gid.name)})",
            zeek_span=_line(gid.span),
            related=_line(init.span) if init is not None else None,
        )
        return False

    def infer_type(self, e: A.Expr) -> Type:
        t = e.type
        if (isinstance(t, TableType) and t.is_unspecified) or (
            isinstance(t, VectorType) and t.elem is None
        ):
            self.error(
                e.span,
                "cannot infer the type of an empty constructor",
                zeek=f"empty constructor in untyped initialization ({self.describe_expr(e)})",
            )
            return ERROR
        if t.tag == "void":
            self.error(e.span, "value of type void used in an initialization")
            return ERROR
        return t

    def init_without_op(self, init: A.Expr) -> A.Expr:
        """An initializer written without ``=``: Zeek's make_var (src/Var.cc)
        reports it and leaves the variable without that value."""
        self.error(
            init.span,
            "an initializer needs '=' (or '+=', '-=') before it",
            zeek=f"Initialization not preceded by =/+=/-= is not allowed. ({self.describe_list(init)})",
        )
        return init

    def decl_RedefDecl(self, d: A.RedefDecl) -> None:
        if d.init is not None and d.init_op == "":
            self.init_without_op(d.init)
            return
        gid = self.lookup(d.name, d.span)
        if gid is None:
            self.error(d.span, f"redef of unknown identifier '{d.name}'", self.suggest(d.name))
            return
        d.id = gid
        if gid.kind == "type":
            self.diags.append(self.redef_of_type(d.name, gid, d.span.first_line()))
            self.errors_seen += 1
            return
        if not gid.is_redef and gid.kind != "func":
            self.error(d.span, f"'{d.name}' is not a redef-able variable (add &redef)")
        t = gid.type
        if d.type is not None:
            rt = self.resolve_type(d.type)
            if not same_type(rt, t):
                self.error(d.type.span, "redef changes the type")
        func_attr = {"+=": "&add_func", "-=": "&delete_func"}.get(d.init_op)
        if d.init is not None and func_attr in gid.attrs:
            # Zeek's make_var: the attribute's function combines the old value
            # and the new one (ID::SetVal), which needs an old value.
            init = self.coerce(self.check_expr(d.init, t), t, "redef")
            if not gid.assigned:
                self.error(
                    d.span,
                    f"{d.init_op} initializer applied to '{d.name}', which has no value yet",
                    zeek=f"{d.init_op} initializer applied to ID without value"
                    f" ({short_name(gid.name)})",
                    zeek_span=_line(gid.span),
                )
            d.init = init
            d.combine = gid.attrs[func_attr]
        elif d.init is not None:
            if d.init_op != "=" and isinstance(d.init, A.BraceInit):
                d.init.compound = True
            init = self.check_expr(d.init, t)
            if d.init_op == "=":
                init = self.coerce(init, t, "redef")
                gid.assigned = True
            elif d.init_op in ("+=", "-="):
                init = self.check_compound_rhs(d.init_op, t, init, d.span)
            d.init = init
        gid.attrs.update(self.check_attrs(d.attrs, t, "global"))

    def redef_of_type(self, name: str, gid: ID, span: Span) -> Diagnostic:
        """The error for ``redef NAME ...`` where NAME is a type; Zeek's parser
        gives it as soon as it has read the name (``TOK_REDEF global_id`` in
        ``src/parse.y``) and parses no further."""
        tag = gid.value.tag if gid.value is not None else "error"
        if tag in ("record", "enum"):
            zeek = f"redef of {tag} type {name} is missing {tag} keyword"
            hint = f"write 'redef {tag} {name} += {{ ... }};'"
        else:
            zeek = f"can not redef {tag} type {name}"
            hint = "only record and enum types can be extended"
        zeek += f', at or near "{name}"'
        return Diagnostic("error", zeek, span, hint, syntax=True)

    def decl_RedefEnum(self, d: A.RedefEnum) -> None:
        tid = self.lookup(d.name, d.span)
        if tid is None or tid.kind != "type" or not isinstance(tid.value, EnumType):
            # Zeek's parse_redef_enum (src/parse.y) gives up at once: a fatal error.
            self.errors_seen += 1
            zeek = (
                f'unknown enum identifier "{d.name}"'
                if tid is None
                else f'identifier "{d.name}" is not an enum'
            )
            self.diags.append(
                Diagnostic(
                    "fatal error",
                    f"'{d.name}' is not an enum type",
                    d.span.first_line(),
                    self.suggest(d.name) if tid is None else None,
                    zeek=zeek,
                    syntax=True,
                )
            )
            return
        self.add_enum_names(tid.value, d.elems)

    def decl_RedefRecord(self, d: A.RedefRecord) -> None:
        tid = self.lookup(d.name, d.span)
        if tid is None or tid.kind != "type" or not isinstance(tid.value, RecordType):
            self.error(d.span, f"'{d.name}' is not a record type")
            return
        rt = tid.value
        extra = self.check_attrs(d.attrs, rt, "field")
        self.record_end = _last_line(d.span)
        for fd in d.fields:
            self.add_record_field(rt, fd, redef=True)
            if extra:
                rt.fields[-1].attrs.update(extra)

    def decl_RedefFieldAttrs(self, d: A.RedefFieldAttrs) -> None:
        tid = self.lookup(d.name, d.span)
        if tid is None or tid.kind != "type" or not isinstance(tid.value, RecordType):
            self.error(d.span, f"'{d.name}' is not a record type")
            return
        f = tid.value.field(d.field)
        if f is None:
            self.error(d.span, f"no field '{d.field}' in '{d.name}'")
            return
        attrs = self.check_attrs(d.attrs, f.type, "field")
        if d.op == "-=":
            for a in attrs:
                f.attrs.pop(a, None)
        else:
            f.attrs.update(attrs)

    # ------------------------------------------------------------ functions

    def add_prototype(self, gid: ID, t: FuncType, d: A.Node) -> None:
        """Zeek's ``add_prototype`` (``src/Var.cc``): a second declaration of an
        event or hook may name a subset of the parameters in another order.
        Its messages are located at the new declaration and the canonical one."""
        canon: FuncType = gid.type
        here, there = _line(d.span), _line(gid.span)

        def fail(msg: str, detail: str | None = None) -> None:
            self.error(d.span, msg, detail=detail, zeek_span=here, related=there)

        if canon.flavor != t.flavor:
            fail("incompatible function flavor", f"{t} and {canon}")
            return
        if canon.flavor == "function":
            fail("redeclaration of function", f"{t} and {canon}")
            return
        names = [p.name for p in t.params]
        for proto in [canon, *canon.prototypes]:
            if [p.name for p in proto.params] == names:
                fail("alternate function prototype already exists", str(t))
                return
        for p in t.params:
            if p.attrs:
                fail(
                    f"alternate function prototype arguments may not have attributes: arg '{p.name}'",
                    f"{t} and {canon}",
                )
                return
            cp = next((q for q in canon.params if q.name == p.name), None)
            if cp is None:
                fail(
                    f"alternate function prototype arg '{p.name}' not found in canonical prototype",
                    f"{t} and {canon}",
                )
                return
        # Where it was declared and whether it is deprecated, for a handler
        # that uses it (match_prototype).
        t.decl_span = here
        t.deprecation = next((_advice(a.value) for a in d.attrs if a.name == "&deprecated"), None)
        canon.prototypes.append(t)

    def decl_FuncDecl(self, d: A.FuncDecl) -> None:
        flavor = d.flavor
        t = self.func_type(flavor, d.sig)
        if flavor == "event":
            gid = self.lookup(d.name, d.span, report=False)
            declared = gid is not None
            if gid is None:
                gid = self.install_global(
                    full_name(GLOBAL, d.name), "func", t, d.header_span, export=True
                )
                self.note_script_event(gid)
            self.events_handled.add(gid.name)
            self.deprecated(d.header_span, gid.name, gid.attrs)
        else:
            gid = self.lookup_def(d.name)
            declared = gid is not None
            if gid is not None and gid.value == "bif":
                self.error(d.header_span, f"cannot redefine built-in function '{d.name}'")
                gid = None
            if gid is None:
                gid = self.install_global(self.def_name(d.name), "func", t, d.header_span)
        if flavor == "hook":
            self.deprecated(d.header_span, gid.name, gid.attrs)
        if gid.kind != "func" or not isinstance(gid.type, FuncType):
            if gid.type is not None and gid.type.tag != "error":
                self.error(d.header_span, f"'{d.name}' already defined as a {gid.kind}")
            return
        canon: FuncType = gid.type
        mapping = self.match_prototype(gid, t, d)
        if mapping is None:
            return
        if flavor == "function":
            if gid.has_body and "&redef" not in gid.attrs:
                self.error(
                    d.header_span,
                    f"function '{d.name}' is already defined" + _first_declared(gid.span, d.span),
                    zeek=f"already defined ({short_name(gid.name)})",
                    zeek_span=_line(gid.span),
                    related=_line(d.header_span),
                )
                # Zeek gives up on the definition at once (begin_func).
                self.diags.append(
                    Diagnostic(
                        "fatal error",
                        f"invalid definition of '{short_name(gid.name)}' (see previous errors)",
                        _line(d.body.span),
                        syntax=True,
                        zeek_only=True,
                    )
                )
            # Zeek's begin_func gives the ID the body's type, after carrying
            # over the declaration's &default values the body leaves out
            # (transfer_arg_defaults): the body's own &default values win.
            for cp, p in zip(canon.params, t.params, strict=False):
                if "&default" in p.attrs and not gid.has_body:
                    cp.attrs["&default"] = p.attrs["&default"]
                elif "&default" in cp.attrs:
                    p.attrs["&default"] = cp.attrs["&default"]
        elif declared:
            # Only the declaration's &default values reach an event or hook
            # handler (get_prototype in src/Var.cc).
            for p in t.params:
                if "&default" in p.attrs:
                    self.warn(
                        _line(d.sig.span),
                        f"&default on parameter '{p.name}' has no effect"
                        f" (not a {flavor} declaration)",
                    )
        gid.has_body = True
        d.id = gid
        attrs = self.check_attrs(d.attrs, t, "func")
        for name in attrs:
            if name not in _FUNC_ATTRS:
                self.error(d.header_span, f"attribute {name} not valid for a {flavor}")
        for name in ("&deprecated", "&is_used"):
            if name in attrs:
                gid.attrs[name] = attrs[name]
        info = FuncInfo(flavor, gid.name, canon, None, self.module)
        d.info = info
        if flavor == "function":
            gid.info = info
        d.info.priority_expr = attrs.get("&priority")
        for i, cp in enumerate(canon.params):
            j = mapping.get(i)
            if j is None:
                pid = ID(f"{cp.name}-hidden", "param", cp.type, d.header_span, is_global=False)
                pid.py_name = f"_hidden{i}"
            else:
                p = t.params[j]
                # The body sees the type the handler declares (it may be concrete
                # where the declaration says ``any``, as Zeek allows).
                ptype = p.type if cp.type.tag == "any" else cp.type
                pid = ID(
                    full_name(self.module, p.name), "param", ptype, d.sig.span, is_global=False
                )
                pid.py_name = "v_" + p.name
                info.locals[pid.name] = pid
            pid.func = info
            info.params.append(pid)
        self.check_or_defer_body(d, info)

    def match_prototype(self, gid: ID, t: FuncType, d: A.FuncDecl) -> dict[int, int] | None:
        """Map canonical parameter index -> index in ``t`` (Zeek's prototype offsets)."""
        canon: FuncType = gid.type
        if canon.flavor != t.flavor:
            self.error(d.header_span, f"incompatible function flavor ({t} and {canon})")
            return None
        if t.flavor == "function":
            if canon is not t and not same_type(canon, t):
                self.error(d.header_span, f"incompatible function types ({t} and {canon})")
                return None
            return {i: i for i in range(len(t.params))}
        names = [p.name for p in t.params]
        for proto in [canon, *canon.prototypes]:
            if [p.name for p in proto.params] == names and all(
                same_type(p.type, q.type) for p, q in zip(proto.params, t.params, strict=True)
            ):
                self.prototype_deprecations(gid, proto, t, d)
                mapping = {}
                for j, p in enumerate(t.params):
                    i = next(k for k, q in enumerate(canon.params) if q.name == p.name)
                    mapping[i] = j
                return mapping
        if len(canon.params) == len(t.params) and all(
            same_type(p.type, q.type) for p, q in zip(canon.params, t.params, strict=True)
        ):
            return {i: i for i in range(len(t.params))}
        # Zeek's get_prototype (src/Var.cc): about the handler's type and the ID.
        self.error(
            d.header_span,
            f"use of undeclared alternate prototype ({t} and {canon})",
            zeek=f"use of undeclared alternate prototype ({t} and {_zeek_name(gid.name)})",
            zeek_span=_line(d.header_span),
            related=_line(gid.span),
        )
        return None

    def prototype_deprecations(self, gid: ID, proto: FuncType, t: FuncType, d) -> None:
        """Zeek's warnings for a handler of a prototype with a deprecated
        parameter or that is deprecated itself (``func_type_check`` and
        ``get_prototype`` in ``src/Var.cc``), located at the handler and at
        the prototype's declaration."""
        if self.ignore_deprecations(d.header_span):
            return
        here = _line(d.header_span)
        decl_span = getattr(proto, "decl_span", None) or _line(gid.span)
        for p in proto.params:
            if "&deprecated" in p.attrs:
                advice = _advice(p.attrs["&deprecated"])
                self.warn(
                    d.header_span,
                    f"use of deprecated parameter '{p.name}'" + (f": {advice}" if advice else ""),
                    detail=str(t),
                    zeek_span=here,
                    related=decl_span,
                )
        deprecation = getattr(proto, "deprecation", None)
        if deprecation is not None:
            self.warn(
                d.header_span,
                f"use of deprecated '{_zeek_name(gid.name)}' prototype"
                + (f": {deprecation}" if deprecation else ""),
                detail=str(t),
                zeek_span=here,
                related=decl_span,
            )

    def check_body(self, info: FuncInfo, body: A.Block) -> None:
        saved = self.func
        self.func = info
        try:
            self.check_stmt(body)
        finally:
            self.func = saved

    # ---------------------------------------------------------- end of loading

    def unhandled_event_warnings(self) -> list[Diagnostic]:
        """Warnings for events raised but never handled in the loaded scripts.

        The Zeek pitfall: a handler for ``ping`` and a raise of ``Other::ping``
        resolve to two different events.  When a handler exists under another
        namespace with the same short name, it is named as the likely intent.
        """
        out = []
        by_short: dict[str, list[str]] = {}
        for h in self.events_handled:
            by_short.setdefault(short_name(h), []).append(h)
        for name, span in self.events_raised.items():
            if name in self.events_handled:
                continue
            gid = self.globals.get(name)
            if gid is not None and "&is_used" in gid.attrs:
                continue
            others = sorted(h for h in by_short.get(short_name(name), []) if h != name)
            hint = (
                f"a handler exists for '{others[0]}'; did you mean that event?" if others else None
            )
            out.append(
                Diagnostic("warning", f"event '{name}' is raised but has no handler", span, hint)
            )
        return out


def ctor_decl_attrs(init) -> dict:
    """Attributes written on a ``set()``/``table()`` initializer apply to the
    declared identifier too (Zeek: ``const s: set[string] = set() &redef;``)."""
    m = getattr(init, "attr_map", None)
    return dict(m) if m else {}


# Constants used by sibling modules.
COUNT_T = COUNT
INTERVAL_T = INTERVAL


def _advice(value) -> str:
    """The text of ``&deprecated="..."`` ("" when it has none)."""
    return value.value if isinstance(value, A.Const) and isinstance(value.value, str) else ""


def _contains_any(t: Type, seen: set[int]) -> bool:
    """Does ``t`` contain ``any`` (in a record's fields, a vector or table)?"""
    if id(t) in seen:
        return False
    seen.add(id(t))
    if t.tag == "any":
        return True
    if isinstance(t, RecordType):
        return any(_contains_any(f.type, seen) for f in t.fields)
    if isinstance(t, VectorType):
        return t.elem is not None and _contains_any(t.elem, seen)
    if isinstance(t, TableType):
        return any(_contains_any(x, seen) for x in t.indices) or (
            t.yield_ is not None and _contains_any(t.yield_, seen)
        )
    return False


def _zeek_name(name: str) -> str:
    """An ID's name as Zeek's ``ID::Name`` gives it (no ``GLOBAL::``)."""
    return name.removeprefix(GLOBAL + "::")
