"""Zeek's messages when a constructor's elements do not fit its type
(mixed into :class:`~.checker.Checker`).

Our checker reports one clear error per element that does not fit.  Zeek
reports such an element from ``check_and_promote_expr`` (``src/Expr.cc``),
about the wanted type and the element (``arithmetic mixed with
non-arithmetic``, ``over-promotion of arithmetic value``, ``incompatible
record types``, ``type clash``), located at the type's declaration and the
element; ``check_and_promote_exprs_to_type`` adds ``type mismatch`` (the
element and the type); the constructor then stops at its first bad element
and says ``inconsistent type(s) in ... constructor``, after which it is in
error and nothing else reports about it.  :class:`PromoteChecks` gives our
diagnostics that wording (``zeek``) and adds Zeek's follow-up messages as
``zeek_only`` diagnostics; elements after the first bad one keep our message
in the rich format only.

A ``set(...)`` given a different set type by an assignment is built again
with that type (Zeek's ``AssignExpr::TypeCheck``), and when that fails the
assignment also reports ``type clash in assignment``.  The same method's
wording for any value that cannot be assigned, ``maximal_type``'s for
``vector(...)`` elements without a common type, and ``check_and_promote``'s
for an empty ``table() &default=...`` typed by its context are here too.

Types are located where they were declared or written (the checker's
``type_spans``); a built-in type's "location" is its name, as Zeek prints it.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..syntax import ast as A
from ..syntax.printer import attrs_text
from ..types import ERROR, RecordType, TableType, Type, is_numeric
from .typerules import assignable

__all__ = ["PromoteChecks", "fields_fit", "promote_message"]


def promote_message(t: Type, src: Type) -> str:
    """The message of Zeek's ``check_and_promote_expr`` for a value of type
    ``src`` that cannot be promoted to ``t``."""
    if is_numeric(t) or is_numeric(src):
        if not (is_numeric(t) and is_numeric(src)):
            return "arithmetic mixed with non-arithmetic"
        return "over-promotion of arithmetic value"
    if isinstance(t, RecordType) and isinstance(src, RecordType):
        return "incompatible record types"
    return "type clash"


def fields_fit(fields, t: Type) -> bool:
    """Would Zeek coerce a record constructor with these fields to ``t``
    (``record_promotion_compatible`` in src/Type.cc: fields ``t`` lacks, and
    numbers of another kind, are left for the coercion to report)?"""
    if not isinstance(t, RecordType):
        return False
    for fa in fields:
        f = t.field(fa.name)
        vt = fa.value.type
        if f is None or vt is None or vt.tag == "error" or assignable(f.type, vt):
            continue
        if is_numeric(vt) and is_numeric(f.type):
            continue
        if not (isinstance(vt, RecordType) and isinstance(f.type, RecordType)):
            return False
    return True


class ElementPromotion:
    """The state of one constructor's elements being promoted to its type."""

    __slots__ = ("ctor", "failed", "mismatch", "message")

    def __init__(self, ctor, message: str, mismatch: bool):
        self.ctor = ctor
        #: Zeek's message about the constructor once an element failed.
        self.message = message
        #: Zeek adds ``type mismatch`` (``check_and_promote_exprs*``); a table
        #: constructor promotes each index and value alone and does not.
        self.mismatch = mismatch
        self.failed = False


class PromoteChecks:
    def type_where(self, t: Type) -> str:
        """Zeek's location of type ``t``: where it was declared, else (a
        built-in type) its name."""
        where = self.type_spans.get(id(t))
        return where[1].location() if where is not None else t.display()

    def promote_element(self, state: ElementPromotion, x, t: Type, what: str, check: bool = True):
        """Check (unless ``check`` is false) and promote one element ``x`` of
        ``state.ctor`` to ``t``, giving a failure Zeek's wording."""
        # A record constructor is coerced while it is checked.
        record_ctor = isinstance(x, A.ListCtor | A.RecordCtor)
        before = len(self.diags)
        if check:
            x = self.check_expr(x, t)
        if not record_ctor:
            before = len(self.diags)
        src = x.type
        x = self.coerce(x, t, what)
        new = [d for d in self.diags[before:] if d.severity == "error"]
        if not new:
            return x
        fields = getattr(x, "fields", None) if record_ctor else None
        if fields is not None and fields_fit(fields, t):
            # Zeek coerces it (RecordCoerceExpr), which reports what is wrong
            # in its own words; the constructor goes on.
            return x
        if state.failed:
            for d in new:
                d.rich_only = True
            return x
        state.failed = True
        diag = new[0]
        if x.span is None or src is None:
            return x
        if record_ctor and x.type is t:
            # Not coerced after all: Zeek keeps (and describes) the constructor.
            x.type = ERROR
        text = self.describe_expr(x)
        if record_ctor:
            msg = "incompatible record types" if fields is not None else "type clash"
            for d in new[1:]:
                d.rich_only = True
        else:
            msg = promote_message(t, src)
        diag.zeek = f"{msg} ({t.display()} and {text})"
        diag.zeek_where = f"{self.type_where(t)} and {x.span.location()}"
        if state.mismatch:
            self.diags.append(
                Diagnostic(
                    "error",
                    "type mismatch",
                    x.span,
                    zeek=f"type mismatch ({text} and {t.display()})",
                    zeek_where=f"{x.span.location()} and {self.type_where(t)}",
                    zeek_only=True,
                )
            )
        return x

    def promotion_done(self, state: ElementPromotion) -> bool:
        """After the elements: Zeek's message about the constructor if one
        failed; returns whether one did."""
        if not state.failed:
            return False
        e = state.ctor
        self.diags.append(
            Diagnostic("error", state.message, e.span, detail=self.describe_expr(e), zeek_only=True)
        )
        return True

    def failed_ctor(self, e, retyped: bool):
        """A constructor whose elements did not fit its type: in error, so
        that nothing more is said about it, except (``retyped``) by the
        assignment that gave it its type (``AssignExpr::TypeCheck``)."""
        if retyped:
            e.retype_failed = True
        else:
            e.type = ERROR
        return e

    def assign_clash(self, e, lhs: str | None) -> None:
        """Zeek's ``type clash in assignment`` after a re-typed ``set(...)``
        failed (our own message was given for its elements)."""
        if lhs is not None:
            self.diags.append(
                Diagnostic(
                    "error",
                    "type clash in assignment",
                    e.span,
                    detail=f"{lhs} = {self.describe_expr(e)}",
                    zeek_only=True,
                )
            )

    def zeek_assignment(self, e: A.Expr, t: Type, lhs: str | None) -> dict:
        """Zeek's wording for a value that cannot be assigned to ``lhs`` of
        type ``t`` (``AssignExpr::TypeCheck`` in src/Expr.cc)."""
        if lhs is None:
            return {}
        src = e.type
        if (t.tag == "enum") != (src.tag == "enum"):
            msg = "can't convert to/from enumerated type"
        elif is_numeric(t) and not is_numeric(src):
            msg = f"assignment of non-arithmetic value to arithmetic ({t.tag}/{src.tag})"
        else:
            msg = "type clash in assignment"
        return {"zeek": f"{msg} ({lhs} = {self.describe_expr(e)})"}

    def zeek_maximal_type(self, e, t: Type, xt: Type) -> dict:
        """Zeek's words when ``vector(...)``'s elements have no common type
        (``maximal_type`` in src/Type.cc): two enum types are named, located
        at their declarations, then the list is inconsistent."""
        if not (t.tag == "enum" and xt.tag == "enum"):
            return {"zeek": "inconsistent types in list", "zeek_span": e.span.first_line()}
        return {
            "zeek": f"incompatible enum types: '{t}' and '{xt}' ({t} and {xt})",
            "zeek_where": f"{self.type_where(t)} and {self.type_where(xt)}",
        }

    def zeek_ctor_attrs(self, e: A.TableCtor, tt: TableType, diags) -> None:
        """Zeek checks an empty ``table() &default=...`` given a type by its
        context against that type (``check_and_promote_expr``): the message
        names the type (where it was declared) and the constructor, whose
        attributes include the ``&optional`` a ``&default`` implies."""
        names = {a.name for a in e.attrs}
        text = "table()" + attrs_text(e.attrs)
        if "&default" in names and "&optional" not in names:
            text += ", &optional"
        for d in diags:
            if d.zeek_only and d.message.endswith("value has inconsistent type"):
                d.zeek = f"{d.message} ({tt.display()} and {text})"
                d.zeek_where = f"{self.type_where(tt)} and {e.span.location()}"
