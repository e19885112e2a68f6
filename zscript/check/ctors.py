"""Constructor checks (mixed into :class:`~.checker.Checker` through
:class:`~.exprs.ExprChecks`): ``[...]``, ``{ ... }``, record, set, table
and vector constructors, typed from their context where Zeek does."""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..syntax import ast as A
from ..syntax.printer import expr_text
from ..types import (
    ERROR,
    VOID,
    Field,
    ListType,
    RecordType,
    TableType,
    Type,
    VectorType,
    is_numeric,
    max_numeric,
    same_type,
)
from .promote import ElementPromotion, fields_fit, promote_message
from .typerules import assignable, merge_types

__all__ = ["ConstructorChecks"]


class ConstructorChecks:
    # ----------------------------------------------------------- constructors

    def expr_ListCtor(self, e: A.ListCtor, expected):
        """``[...]``: a record constructor, or a set/table/vector constructor
        whose kind comes from the context (a set when there is none)."""
        if e.fields is not None:
            return self.expr_RecordCtor(e, expected)
        if isinstance(expected, RecordType):
            e.items = self.check_exprs(e.items)
            e.type = ListType([x.type for x in e.items])
            return self.ctor_to_record(e, expected)
        if not e.items:
            # Zeek's parser: ``[]`` is an empty record constructor.
            e.type = RecordType([])
            return e
        return self.untyped_brace(A.BraceInit(e.items, span=e.span), expected)

    def untyped_brace(self, e: A.BraceInit, expected) -> A.Expr:
        """``{...}`` or ``[...]`` with items: typed by the context, else inferred."""
        if isinstance(expected, TableType | VectorType):
            return self.ctor_with_type(e, expected, "initialization")
        is_table = all(isinstance(x, A.Assign) and x.op == "=" for x in e.items)
        if e.items and is_table:
            return self.finish_table(A.TableCtor(e.items, [], span=_list_span(e)), None)
        return self.finish_set(A.SetCtor(e.items, [], span=_list_span(e)), None)

    def describe_list(self, e) -> str:
        """``[a, b]`` or ``{a, b}`` as Zeek describes its list: ``a, b``."""
        if isinstance(e, A.BraceInit) or (isinstance(e, A.ListCtor) and e.fields is None):
            return ", ".join(self.describe_expr(x) for x in e.items)
        return self.describe_expr(e)

    def list_rhs_misfit(self, e, t: Type | None, lhs: str) -> bool:
        """Report ``[a, b]`` or ``{a, b}`` assigned to ``lhs`` of a type that
        no constructor list can make (``AssignExpr::CheckForRHSList`` and
        ``TypeCheck`` in src/Expr.cc); True when reported."""
        listy = isinstance(e, A.BraceInit) or (
            isinstance(e, A.ListCtor) and e.fields is None and e.items
        )
        if not listy or t is None or t.tag in ("table", "vector", "record", "any", "error"):
            return False
        text = f"{lhs} = {self.describe_list(e)}"
        self.error(
            e.span,
            f"a constructor list cannot initialize a value of type {t}",
            zeek=f"invalid constructor list on RHS of assignment ({text})",
        )
        if is_numeric(t):
            msg = f"assignment of non-arithmetic value to arithmetic ({t.tag}/types)"
        elif t.tag == "enum":
            msg = "can't convert to/from enumerated type"
        else:
            msg = "type clash in assignment"
        self.diags.append(Diagnostic("error", msg, e.span, detail=text, zeek_only=True))
        return True

    def expr_RecordCtor(self, e, expected):
        fields = []
        seen = set()
        for fa in e.fields:
            fexp = None
            if isinstance(expected, RecordType):
                f = expected.field(fa.name)
                fexp = f.type if f is not None else None
            if _record_ctor(fa.value):
                # Zeek builds ``[...]`` on its own and then coerces it.
                fexp = None
            fa.value = self.check_expr(fa.value, fexp)
            if fa.name in seen:
                self.error(fa.span, f"duplicate field '{fa.name}' in record constructor")
            seen.add(fa.name)
            vt = fa.value.type
            fields.append(Field(fa.name, vt))
        e.type = RecordType(fields)
        if isinstance(expected, RecordType) and not _same_fields(e.type, expected):
            return self.ctor_to_record(e, expected)
        # Of the same type as expected: the coercion that follows decides
        # whether it keeps its own type.
        return e

    def ctor_to_record(
        self, e, rt: RecordType, text: str | None = None, keep_own: bool = False
    ) -> A.Expr:
        """Coerce an untyped record constructor to record type ``rt``; ``text``
        describes the constructor as Zeek does (default: the coercion).

        Zeek assigns without coercing when the types are the same: a
        constructor whose fields are exactly rt's (names, order, types; rt's
        fields without attributes) that is assigned or initializes a variable
        (``keep_own``) keeps its own anonymous type (same_type in
        src/Type.cc), which type_name and cast errors show."""
        coercion = text is None
        own = e.type if keep_own and getattr(e, "fields", None) is not None else None
        if not isinstance(own, RecordType) or not _same_fields(own, rt):
            own = None
        if text is None:
            text = f"(coerce {self.describe_expr(e)} to {rt.display()})"
        if isinstance(e, A.ListCtor) and e.fields is None:
            if e.items:
                self.error(e.span, "record constructor needs $field=value assignments")
            e.type = rt
            return e
        for fa in e.fields:
            f = rt.field(fa.name)
            if f is None:
                self.error(fa.span, f'orphaned field "{fa.name}" in record coercion', detail=text)
                continue
            before = len(self.diags)
            vt = fa.value.type
            if (
                _record_ctor(fa.value)
                and isinstance(f.type, RecordType)
                and not fields_fit(fa.value.fields, f.type)
            ):
                # Zeek's RecordCoerceExpr: a record of fields that cannot
                # become the field's type clashes as a whole.
                self.error(
                    fa.value.span,
                    f"type clash in field '{fa.name}' ({f.type} and {vt.describe()})",
                    _field_misfit(fa.value.fields, f.type),
                    zeek=f'type clash for field "{fa.name}" ({text} and {vt.describe()})',
                    zeek_span=e.span,
                )
                continue
            fa.value = self.coerce(fa.value, f.type, f"field '{fa.name}'")
            if len(self.diags) > before and self.diags[-1].severity == "error":
                self.zeek_field_clash(self.diags[-1], e, fa, f.type, vt, text if coercion else None)
            if f.attrs:
                self.deprecated(e.span, f"{rt.display()}${f.name}", f.attrs, text)
        given = {fa.name for fa in e.fields}
        for f in rt.fields:
            if (
                f.name not in given
                and not f.optional
                and not f.has_default
                and f.type.tag
                not in (
                    "table",
                    "vector",
                    "record",
                )
            ):
                self.error(
                    e.span,
                    f"required field '{f.name}' missing in record constructor",
                    zeek=f'mandatory field "{f.name}" missing ({text})',
                )
                if not coercion:
                    # Zeek's constructor is in error now: it describes itself
                    # without its type's name (RecordConstructorExpr).
                    text = (
                        "["
                        + ", ".join(f"${fa.name}={self.describe_expr(fa.value)}" for fa in e.fields)
                        + "]"
                    )
        e.type = own or rt
        return e

    def zeek_field_clash(self, diag, e, fa, ft: Type, vt: Type, coercion: str | None) -> None:
        """Zeek's wording for a field value of the wrong type: a coerced
        ``[$f=...]`` fails in RecordCoerceExpr ("type clash for field"), a
        named constructor in check_and_promote (``src/Expr.cc``), whose
        messages are about the field's type and the value."""
        if coercion is not None:
            diag.zeek = f'type clash for field "{fa.name}" ({coercion} and {vt})'
            diag.zeek_where = f"{e.span.location()} and {vt}"
            return
        value = self.describe_expr(fa.value)
        arith = ("count", "int", "double")
        if (ft.tag in arith) != (vt.tag in arith):
            diag.zeek = f"arithmetic mixed with non-arithmetic ({ft} and {value})"
        elif ft.tag != vt.tag:
            diag.zeek = f"type clash ({ft} and {value})"
        else:
            return
        diag.zeek_where = f"{ft} and {fa.value.span.location()}"

    def expr_SetCtor(self, e: A.SetCtor, expected):
        tt = expected if isinstance(expected, TableType) and expected.is_set else None
        return self.finish_set(e, tt, retyped=bool(e.items))

    def finish_set(self, e, tt: TableType | None, retyped: bool = False):
        """``set(...)`` of type ``tt`` (written ``T(...)``, or ``retyped`` by
        the context), else of its elements' type."""
        items = []
        state = ElementPromotion(e, "inconsistent type in set constructor", True)
        expand_failed = False
        for x in e.items:
            if tt is not None and not tt.is_unspecified and isinstance(x, A.Assign):
                self.set_ctor_assign(state, x, tt)
                items.append(x)
                continue
            if (
                tt is not None
                and len(tt.indices) > 1
                and not (isinstance(x, A.ListCtor) and x.fields is None)
            ):
                x = self.check_expr(x)
                if not isinstance(x.type, ListType) and not same_type(x.type, tt):
                    # Zeek's SetConstructorExpr (src/Expr.cc) fails here.
                    self.error(
                        x.span,
                        f"an element of a set with {len(tt.indices)} indices must be a"
                        f" [...] list of them",
                        zeek=f"not a list of indices ({self.describe_expr(x)})",
                    )
                    expand_failed = True
                items.append(x)
                continue
            if tt is not None and not tt.is_unspecified:
                if len(tt.indices) > 1 and isinstance(x, A.ListCtor):
                    before = len(self.diags)
                    x.items = self.check_index_list(x.items, tt, x, expand=True)
                    x.type = ListType([y.type for y in x.items])
                    # (A set that cannot be expanded fails the constructor.)
                    expand_failed |= any(
                        (d.zeek or "").startswith("cannot expand") for d in self.diags[before:]
                    )
                else:
                    x = self.promote_element(state, x, tt.indices[0], "set element")
            elif isinstance(x, A.ListCtor) and x.fields is None:
                x.items = self.check_exprs(x.items)
                x.type = ListType([y.type for y in x.items])
            else:
                x = self.check_expr(x)
            items.append(x)
        e.items = items
        if tt is None:
            if not items:
                tt = TableType([], None)
            else:
                first = items[0].type
                idx = list(first.types) if isinstance(first, ListType) else [first]
                tt = TableType(idx, None)
                if self.index_has_any(e, tt):
                    e.type = ERROR
                    return e
                for x in items[1:]:
                    xt = x.type
                    xi = list(xt.types) if isinstance(xt, ListType) else [xt]
                    if len(xi) != len(idx) or not all(
                        same_type(a, b) for a, b in zip(xi, idx, strict=True)
                    ):
                        if len(xi) == len(idx) and all(
                            is_numeric(a) and is_numeric(b) for a, b in zip(xi, idx, strict=True)
                        ):
                            continue
                        self.error(x.span, "set elements have different types")
                        break
        attrs = getattr(e, "attrs", [])
        e.attr_map = self.check_attrs(attrs, tt, "ctor") if attrs else {}
        e.type = tt
        if self.promotion_done(state) or expand_failed:
            e = self.failed_ctor(e, retyped)
            if expand_failed and retyped:
                # (An assignment then clashes, as in Zeek; what a
                # declaration's initializer gives after it is not known, so
                # nothing more: see coerce.)
                e.retype_failed = "expand"
            return e
        return e

    def set_ctor_assign(self, state: ElementPromotion, x: A.Assign, tt: TableType) -> None:
        """``[k] = v`` in a set constructor: Zeek's ``expand_op_elem`` refuses
        it, and the element then fails its promotion to the index type."""
        target = self.describe_list(x.target) if isinstance(x.target, A.ListCtor) else None
        text = f"{target or self.describe_expr(x.target)} = {self.describe_expr(x.value)}"
        self.error(
            x.span,
            "a set constructor takes elements, not [index] = value",
            zeek=f"table constructor used in a non-table context ({text})",
        )
        x.type = ERROR
        if state.failed or len(tt.indices) != 1:
            return
        state.failed = True
        t = tt.indices[0]
        msg = promote_message(t, ListType([]))
        where = x.span.location()
        for zeek, zeek_where in (
            (f"{msg} ({t.display()} and {text})", f"{self.type_where(t)} and {where}"),
            (f"type mismatch ({text} and {t.display()})", f"{where} and {self.type_where(t)}"),
        ):
            self.diags.append(
                Diagnostic("error", zeek, x.span, zeek=zeek, zeek_where=zeek_where, zeek_only=True)
            )

    def expr_TableCtor(self, e: A.TableCtor, expected):
        # Zeek's TableConstructorExpr: table(...) with elements has their type.
        tt = expected if isinstance(expected, TableType) and not expected.is_set else None
        return self.finish_table(e, None if e.items else tt)

    def finish_table(self, e, tt: TableType | None, retyped: bool = False):
        """``table(...)`` of type ``tt`` (written ``T(...)``, or ``{...}``
        ``retyped`` by the context), else of its elements' type."""
        state = ElementPromotion(e, "inconsistent types in table constructor", False)
        items = []
        idx_types = None
        yield_t = None
        if tt is None and any(
            isinstance(x, A.Assign) and not isinstance(x.target, A.ListCtor) for x in e.items
        ):
            # Zeek's TableConstructorExpr (src/Expr.cc): without a type, each
            # key must be an index list.
            self.error(
                e.span,
                "write each key of an untyped table constructor in brackets ([key] = value)",
                zeek="cannot determine type for table; ensure square brackets are around each"
                f" key ({self.describe_expr(e)})",
            )
        for x in e.items:
            if not isinstance(x, A.Assign) or x.op != "=":
                # Zeek stops at the first such element (init_table_type in
                # src/Type.cc, TableConstructorExpr in src/Expr.cc).
                if tt is None:
                    zeek = (
                        f"table constructor element lacks '=' structure ({self.describe_expr(x)})"
                    )
                else:
                    zeek = f"illegal table constructor element ({self.describe_expr(x)})"
                self.error(x.span, "table constructor items must be [index] = value", zeek=zeek)
                if tt is None:
                    self.diags.append(
                        Diagnostic(
                            "error",
                            "cannot determine type for table; ensure square brackets are"
                            " around each key",
                            e.span,
                            detail=self.describe_expr(e),
                            zeek_only=True,
                        )
                    )
                e.type = ERROR
                return e
            keys = (
                x.target.items
                if isinstance(x.target, A.ListCtor) and x.target.fields is None
                else [x.target]
            )
            if isinstance(x.target, A.ListCtor) and x.target.trailing_comma:
                # Zeek's parser (src/parse.y, index lists before '=').
                self.error(
                    x.target.span,
                    "no trailing comma in the index list of a table constructor",
                    zeek="incorrect syntax for list expression on left-hand side of"
                    f" assignment: trailing comma not allowed ({_args_text(keys)})",
                )
            if tt is not None and not tt.is_unspecified:
                keys = self.check_index_list(keys, tt, x, state, expand=True)
                val = self.promote_element(state, x.value, tt.yield_, "table value")
            else:
                keys = self.check_exprs(keys)
                val = self.check_expr(x.value)
                kt = [k.type for k in keys]
                if idx_types is None:
                    idx_types, yield_t = kt, val.type
                elif len(kt) != len(idx_types):
                    self.error(
                        x.span,
                        "table constructor index lists differ in length",
                        zeek="different number of indices (list of"
                        f" {','.join(map(str, idx_types))} and list of {','.join(map(str, kt))})",
                    )
                elif yield_t is not None and val.type is not None:
                    # Zeek merges the values' types (init_table_type in
                    # src/Type.cc): records of different fields make one.
                    yield_t = merge_types(yield_t, val.type) or yield_t
            x.target = A.ListCtor(keys, None, span=x.target.span)
            x.target.type = ListType([k.type for k in keys])
            x.value = val
            x.type = val.type
            items.append(x)
        e.items = items
        if tt is None and yield_t is not None and any(x.value.type is not yield_t for x in items):
            for x in items:
                if x.value.type is not yield_t:
                    x.value = self.coerce(x.value, yield_t, "table value")
                    x.type = x.value.type
        if tt is None:
            tt = (
                TableType(idx_types or [], yield_t)
                if idx_types is not None
                else TableType([], ERROR)
            )
            if idx_types is None:
                tt.yield_ = VOID
        attrs = getattr(e, "attrs", [])
        before = len(self.diags)
        e.attr_map = self.check_attrs(attrs, tt, "ctor") if attrs else {}
        if not e.items and len(self.diags) > before:
            self.zeek_ctor_attrs(e, tt, self.diags[before:])
        e.type = tt
        if self.promotion_done(state):
            return self.failed_ctor(e, retyped)
        return e

    def expr_VectorCtor(self, e: A.VectorCtor, expected):
        # Zeek's VectorConstructorExpr: vector(...) with elements has their type.
        vt = expected if isinstance(expected, VectorType) and not e.items else None
        return self.finish_vector(e, vt)

    def finish_vector(self, e, vt: VectorType | None):
        """``vector(...)`` of type ``vt`` (written ``T(...)``), else of its elements' type."""
        if vt is not None and vt.elem is not None:
            state = ElementPromotion(e, "inconsistent types in vector constructor", True)
            e.items = [self.promote_element(state, x, vt.elem, "vector element") for x in e.items]
            e.type = vt
            if self.promotion_done(state):
                return self.failed_ctor(e, False)
            return e
        items = self.check_exprs(e.items)
        if not items:
            e.items = []
            e.type = VectorType(None)
            return e
        t = items[0].type
        failed = False
        for x in items[1:]:
            if is_numeric(t) and is_numeric(x.type):
                t = max_numeric(t, x.type)
            elif not same_type(t, x.type) and x.type.tag != "error":
                self.error(
                    x.span,
                    f"vector elements have different types ({t} and {x.type})",
                    rich_only=failed,
                    **({} if failed else self.zeek_maximal_type(e, t, x.type)),
                )
                if not failed and t.tag == "enum" and x.type.tag == "enum":
                    self.diags.append(
                        Diagnostic(
                            "error",
                            "inconsistent types in list",
                            e.span.first_line(),
                            zeek_only=True,
                        )
                    )
                failed = True
        e.items = [
            self.numeric_coerce(x, t) if is_numeric(t) and is_numeric(x.type) else x for x in items
        ]
        e.type = VectorType(t)
        return e

    def expr_BraceInit(self, e: A.BraceInit, expected):
        if expected is None or expected.tag == "error":
            if not e.items:
                self.error(
                    e.span,
                    "{ } initializer needs a declared type",
                    zeek="empty list in untyped initialization ()",
                )
                e.type = ERROR
                return e
            return self.untyped_brace(e, None)
        return self.ctor_with_type(e, expected, "initialization")

    def ctor_with_type(self, e, t: Type, what: str, lhs: str | None = None) -> A.Expr:
        """Give a container constructor (or ``{...}``) the context's type ``t``:
        ``{...}`` takes any container type; an empty ``set()`` or ``table()``
        any table or set type, an empty ``vector()`` any vector type (Zeek's
        TableCoerceExpr, VectorCoerceExpr); a ``set(...)`` is built again with
        a set type (``AssignExpr::TypeCheck``)."""
        if isinstance(t, TableType):
            if isinstance(e, A.VectorCtor) or (
                isinstance(e, A.SetCtor) and e.items and not t.is_set
            ):
                pass
            elif t.is_set and isinstance(e, A.BraceInit | A.ListCtor):
                return self.finish_set(A.SetCtor(e.items, [], span=_list_span(e)), t, retyped=True)
            elif t.is_set and isinstance(e, A.SetCtor):
                return self.finish_set(e, t, retyped=e.items != [])
            elif isinstance(e, A.BraceInit | A.ListCtor):
                return self.finish_table(
                    A.TableCtor(e.items, [], span=_list_span(e)), t, retyped=True
                )
            elif not e.items:
                return self.finish_table(e, t)
        elif isinstance(t, VectorType):
            if isinstance(e, A.BraceInit | A.ListCtor):
                return self.finish_vector(A.VectorCtor(e.items, span=_list_span(e)), t)
            if isinstance(e, A.VectorCtor):
                return self.finish_vector(e, t)
        self.error(
            e.span,
            f"type clash in {what} ({t} and {e.type})",
            **self.zeek_assignment(e, t, lhs),
        )
        return e


def _list_span(e):
    """Where Zeek locates the constructor made of ``{ a, b }``: for ``+=``
    and ``-=``, its list of elements without the braces (``CheckForRHSList``
    gives the constructor the list's location), else the whole ``{ ... }``."""
    if (
        isinstance(e, A.BraceInit)
        and e.compound
        and e.items
        and e.items[0].span
        and e.items[-1].span
    ):
        return e.items[0].span.to(e.items[-1].span)
    return e.span


def _same_fields(own: RecordType, rt: RecordType) -> bool:
    """Whether a constructor's own record type is Zeek's same type as ``rt``."""
    if len(own.fields) != len(rt.fields):
        return False
    return all(
        a.name == b.name and not b.attrs and a.type is not None and same_type(a.type, b.type)
        for a, b in zip(own.fields, rt.fields, strict=True)
    )


def _args_text(es: list[A.Expr]) -> str:
    return ", ".join(expr_text(x) for x in es)


def _record_ctor(e) -> bool:
    """``[$a=...]`` (or ``record(...)``): a record constructor of no declared type."""
    return (
        isinstance(e, A.ListCtor | A.RecordCtor)
        and getattr(e, "fields", None) is not None
        and not getattr(e, "named", None)
    )


def _field_misfit(fields, rt: RecordType) -> str | None:
    """Advice naming the first field that keeps a record constructor from
    becoming a ``rt``."""
    for fa in fields:
        f = rt.field(fa.name)
        vt = fa.value.type
        if f is not None and vt is not None and not assignable(f.type, vt):
            return f"${fa.name} is {vt} here, {f.type} in {rt}"
    return None
