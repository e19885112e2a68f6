"""Operator checks (mixed into :class:`~.checker.Checker` through
:class:`~.exprs.ExprChecks`): unary and binary operators, ``in``, ``?:``,
assignments and compound assignments, casts, ``add``/``delete`` and
``|x|``, following Zeek's ``src/Expr.cc``."""

from __future__ import annotations

from ..syntax import ast as A
from ..types import (
    BOOL,
    COUNT,
    ERROR,
    INT,
    VOID,
    ListType,
    RecordType,
    TableType,
    Type,
    VectorType,
    can_cast,
    is_numeric,
    max_numeric,
    same_type,
)
from .promote import ElementPromotion
from .scope import ID
from .typerules import arith_result, assignable, bitwise_result, comparable, size_result

__all__ = ["OperatorChecks"]


class OperatorChecks:
    # -------------------------------------------------------------- operators

    def expr_UnaryOp(self, e: A.UnaryOp, expected):
        op = e.op
        e.operand = self.check_expr(e.operand)
        t = e.operand.type
        if t.tag == "error":
            e.type = ERROR
            return e
        if op == "!":
            if t.tag != "bool":
                self.error(e.span, "requires bool operand", detail=self.describe_expr(e))
            e.type = BOOL
        elif op == "~":
            if t.tag != "count":
                self.error(e.span, "requires count operand", detail=self.describe_expr(e))
            e.type = COUNT
        elif op in ("++", "--"):
            self.check_lvalue(e.operand)
            if t.tag not in ("count", "int"):
                self.error(e.span, "requires an integral operand", detail=self.describe_expr(e))
            e.type = t
        elif op == "-":
            if t.tag == "count":
                e.type = INT
                c = e.operand
                if isinstance(c, A.Const) and isinstance(c.value, int) and c.value > 2**63:
                    # Zeek's parser folds '-' and a count literal (src/parse.y).
                    self.error(
                        e.span,
                        "literal is outside range of 'int' values",
                        detail=f"-{c.value}",
                    )
            elif t.tag in ("int", "double", "interval"):
                e.type = t
            elif isinstance(t, VectorType) and t.elem is not None and is_numeric(t.elem):
                e.type = VectorType(INT if t.elem.tag == "count" else t.elem)
            else:
                self.error(e.span, "requires arithmetic operand", detail=self.describe_expr(e))
                e.type = ERROR
        elif op == "+":
            if t.tag == "count":
                e.type = INT
            elif t.tag in ("int", "double", "interval"):
                e.type = t
            else:
                self.error(e.span, "requires arithmetic operand", detail=self.describe_expr(e))
                e.type = ERROR
        return e

    def expr_BinOp(self, e: A.BinOp, expected):
        op = e.op
        if op in ("&&", "||"):
            e.left = self.check_expr(e.left)
            e.right = self.check_expr(e.right)
            if isinstance(e.left.type, VectorType) and isinstance(e.right.type, VectorType):
                e.type = VectorType(BOOL)
                return e
            for side in (e.left, e.right):
                if side.type.tag not in ("bool", "error"):
                    self.error(
                        side.span, f"operand of {op} must be bool", detail=self.describe_expr(side)
                    )
            e.type = BOOL
            return e
        if op in ("in", "!in"):
            return self.check_in(e)
        e.left = self.check_expr(e.left)
        e.right = self.check_expr(
            e.right, e.left.type if isinstance(e.left.type, TableType) else None
        )
        ta, tb = e.left.type, e.right.type
        if ta.tag == "error" or tb.tag == "error":
            e.type = BOOL if op in ("==", "!=", "<", "<=", ">", ">=") else ERROR
            return e
        if op in ("==", "!=", "<", "<=", ">", ">="):
            if isinstance(ta, VectorType) and isinstance(tb, VectorType) and ta.elem and tb.elem:
                if {ta.elem.tag, tb.elem.tag} == {"string", "pattern"}:
                    # Zeek's EqExpr: matching works on single values only.
                    self.error(
                        e.span,
                        "cannot compare string vectors with pattern vectors",
                        detail=self.describe_expr(e),
                    )
                    e.type = ERROR
                    return e
                if not comparable(op, ta.elem, tb.elem):
                    self.error(
                        e.span, f"illegal comparison ({ta} {op} {tb})", detail=self.describe_expr(e)
                    )
                e.operand_type = ta.elem
                e.type = VectorType(BOOL)
                return e
            if isinstance(ta, TableType) and isinstance(tb, TableType):
                if tb.is_unspecified:
                    e.right = self.coerce(e.right, ta)
                elif ta.is_unspecified:
                    e.left = self.coerce(e.left, tb)
                    ta = tb
            if op in ("==", "!=") and self.enum_mix(e.span, ta, tb):
                pass
            elif not comparable(op, ta, tb):
                self.error(
                    e.span, f"illegal comparison ({ta} {op} {tb})", detail=self.describe_expr(e)
                )
            elif is_numeric(ta) and is_numeric(tb):
                e.operand_type = max_numeric(ta, tb)
            else:
                e.operand_type = ta
            e.type = BOOL
            return e
        if op in ("+", "-", "*", "/", "%"):
            if (
                op in ("-",)
                and isinstance(ta, TableType)
                and isinstance(tb, TableType)
                and tb.is_unspecified
            ):
                e.right = self.coerce(e.right, ta)
                tb = ta
            r = arith_result(op, ta, tb)
            if r is None:
                self.error(
                    e.span,
                    f"arithmetic mixed with non-arithmetic ({ta} {op} {tb})",
                    detail=self.describe_expr(e),
                    zeek=f"{_zeek_arith_error(op, ta, tb)} ({self.describe_expr(e)})",
                )
                e.type = ERROR
                return e
            e.type, e.operand_type = r
            return e
        if op in ("&", "|", "^", "<<", ">>"):
            if isinstance(ta, VectorType) and isinstance(tb, VectorType) and ta.elem and tb.elem:
                inner = bitwise_result(op, ta.elem, tb.elem)
                if inner is not None:
                    e.type = VectorType(inner)
                    e.operand_type = inner
                    return e
            r = bitwise_result(op, ta, tb)
            if r is None:
                self.error(
                    e.span,
                    f"requires count operands ({ta} {op} {tb})",
                    detail=self.describe_expr(e),
                )
                e.type = ERROR
                return e
            e.type = r
            e.operand_type = r
            return e
        self.error(e.span, f"unknown operator {op}")
        e.type = ERROR
        return e

    def check_in(self, e: A.BinOp) -> A.Expr:
        e.right = self.check_expr(e.right)
        rt = e.right.type
        e.type = BOOL
        if isinstance(rt, TableType):
            left = e.left
            if isinstance(left, A.ListCtor) and left.fields is None:
                items = left.items
            else:
                items = [left]
            if len(items) == 1 and self.is_pattern_lookup(rt, items):
                e.left = self.check_expr(items[0])
                return e
            # Zeek's InExpr: the table type's MatchesIndex (check_and_promote_exprs).
            state = ElementPromotion(e, "not an index type", True)
            if len(items) == 1 and len(rt.indices) == 1:
                x = self.check_expr(items[0], rt.indices[0])
                if rt.indices[0].tag == "subnet" and x.type.tag == "addr":
                    e.left = x
                else:
                    e.left = self.promote_element(state, x, rt.indices[0], "index", check=False)
            else:
                lst = A.ListCtor(self.check_index_list(items, rt, e, state), None, span=left.span)
                lst.type = ListType([x.type for x in lst.items])
                e.left = lst
            self.promotion_done(state)
            return e
        e.left = self.check_expr(e.left)
        lt = e.left.type
        if rt.tag == "error" or lt.tag == "error":
            return e
        if isinstance(rt, VectorType):
            if lt.tag not in ("count", "int"):
                self.error(
                    e.span,
                    "vector membership needs a count or int index",
                    detail=self.describe_expr(e),
                )
            return e
        if rt.tag == "string" and lt.tag in ("string", "pattern"):
            return e
        if rt.tag == "subnet" and lt.tag == "addr":
            return e
        if lt.tag == "pattern" and rt.tag == "string":
            return e
        if rt.tag == "record" and lt.tag == "string":
            return e
        self.error(e.span, f"'in' not valid for {lt} and {rt}", detail=self.describe_expr(e))
        if rt.tag == "string" and lt.tag not in ("count", "int", "double"):
            # Zeek's MatchesIndex of a string: an int index (a position).
            diag = self.diags.pop()
            self.errors_seen -= 1
            state = ElementPromotion(e, "not an index type", True)
            self.promote_element(state, e.left, INT, "index", check=False)
            self.promotion_done(state)
            self.diags[-3].message, self.diags[-3].detail = diag.message, diag.detail
        return e

    def expr_CondExpr(self, e: A.CondExpr, expected):
        e.cond = self.check_expr(e.cond)
        ct = e.cond.type
        # A record constructor in a branch keeps its own type: Zeek does not
        # coerce records between the alternatives (CondExpr in src/Expr.cc).
        if isinstance(expected, RecordType):
            expected = None
        e.then = self.check_expr(e.then, expected)
        e.orelse = self.check_expr(e.orelse, expected)
        if isinstance(ct, VectorType) and ct.elem is not None and ct.elem.tag == "bool":
            e.then, e.orelse, t = self.unify(e.then, e.orelse)
            e.type = t or ERROR
            return e
        if ct.tag not in ("bool", "error"):
            self.error(e.cond.span, "conditional must be bool", detail=self.describe_expr(e.cond))
        e.then, e.orelse, t = self.unify(e.then, e.orelse)
        if t is None:
            self.error(
                e.span,
                f"operands of ?: must have the same type ({e.then.type} and {e.orelse.type})",
                zeek=f"operands must be of the same type ({self.describe_expr(e)})",
            )
            t = ERROR
        e.type = t
        return e

    def check_lvalue(self, target: A.Expr) -> None:
        if isinstance(target, A.Name):
            ident = target.id
            if ident is None:
                return
            if ident.kind in ("const", "enum"):
                self.error(
                    target.span,
                    f"const '{target.name}' cannot be changed",
                    zeek=f"const is not a modifiable lvalue ({self.describe_expr(target)})",
                )
            elif ident.kind == "option" and self.func is not None and self.func.kind != "top":
                self.error(
                    target.span, f"option '{target.name}' cannot be changed (use Config::set_value)"
                )
            elif ident.kind == "type":
                self.error(target.span, "cannot assign to a type")
            ident.assigned = True
            return
        if isinstance(target, A.Index | A.Slice):
            bt = target.base.type
            if bt is not None and bt.tag == "string":
                # Strings are immutable (Zeek's IndexExpr::MakeLvalue).
                self.error(
                    target.span,
                    "cannot assign to part of a string (strings cannot be changed)",
                    zeek=f"cannot assign to string index expression ({self.describe_expr(target)})",
                )
            return
        if isinstance(target, A.Field):
            return
        if isinstance(target, A.ListCtor):
            return
        self.error(target.span, "illegal assignment target", detail=self.describe_expr(target))

    def expr_Assign(self, e: A.Assign, expected):
        if isinstance(e.target, A.ListCtor) and e.target.fields is None and expected is None:
            # `[k1, k2] = v` inside a table constructor is handled there.
            e.target = self.check_expr(e.target)
            e.value = self.check_expr(e.value)
            e.type = e.value.type
            return e
        e.target = self.check_expr(e.target)
        tt = e.target.type
        if (
            isinstance(e.target, A.Name)
            and isinstance(e.target.id, ID)
            and e.target.id.kind == "func"
            and e.target.id.has_body
            and e.target.id.type.flavor == "function"
        ):
            pass
        if e.op == "=":
            e.value = self.check_expr(e.value, tt)
            zeek = f"can't assign void value ({self.describe_expr(e)})"
            if not self.void_used(e.value, zeek):
                e.value = self.coerce(e.value, tt, "assignment", self.describe_expr(e.target))
        else:
            # `v += vector(...)` types the constructor by its elements: it may be
            # one element of a vector of vectors.  `v += { ... }` is a vector
            # constructor of v's type (Zeek's CheckForRHSList).
            brace = isinstance(e.value, A.BraceInit)
            if brace and self.compound_list_misfit(e, tt):
                e.type = ERROR
                return e
            if brace:
                e.value.compound = True
            e.value = self.check_expr(
                e.value, None if isinstance(tt, VectorType) and not brace else tt
            )
            e.value = self.check_compound_rhs(e.op, tt, e.value, e.span, whole=e)
        e.type = tt
        # As Zeek: appending to a vector modifies it in place, so a const vector
        # accepts `+=` (Zeek's own scripts fill `const ... &redef` vectors so).
        # Zeek's parser builds the value (``a = b = c``'s inner assignment)
        # first; an assignment to what cannot be assigned is in error.
        if not (e.op == "+=" and isinstance(tt, VectorType)):
            errors = self.errors_seen
            self.check_lvalue(e.target)
            if self.errors_seen > errors:
                e.type = ERROR
        return e

    def compound_list_misfit(self, e: A.Assign, tt: Type) -> bool:
        """``x += { ... }`` or ``x -= { ... }`` where no constructor list can
        go: Zeek's parser makes ``c += l`` of a number ``c + l``
        (src/parse.y), and ``CheckForRHSList`` (src/Expr.cc) takes no list
        away from a vector.  True when reported."""
        items = self.describe_list(e.value)
        target = self.describe_expr(e.target)
        if is_numeric(tt):
            zeek = f"requires arithmetic operands ({target} {e.op[0]} {items})"
        elif isinstance(tt, VectorType) and e.op == "-=":
            zeek = (
                f"constructor list not allowed for -= operations on vectors ({target} -= {items})"
            )
        else:
            return False
        self.error(
            e.value.span, f"a constructor list cannot be used with {e.op} on a {tt}", zeek=zeek
        )
        return True

    def check_compound_rhs(
        self, op: str, tt: Type, value: A.Expr, span, whole: A.Expr | None = None
    ) -> A.Expr:
        """Right side of ``+=`` / ``-=`` for target type ``tt`` (``whole``: the
        assignment, as Zeek's messages show it)."""
        vt = value.type
        if tt.tag == "error" or vt.tag == "error":
            return value
        if isinstance(tt, TableType):
            if isinstance(value, A.BraceInit | A.SetCtor | A.TableCtor) or (
                isinstance(vt, TableType)
            ):
                if isinstance(vt, TableType) and not vt.is_unspecified and not same_type(vt, tt):
                    if not (tt.yield_ is not None and vt.is_set and op == "-="):
                        self.error(
                            span,
                            f"type clash in {op} ({tt} and {vt})",
                            zeek=f"RHS type mismatch for table/set {op}"
                            f" ({self.describe_expr(whole or value)})",
                        )
                    return value
                return self.coerce(
                    value,
                    tt if not (op == "-=" and tt.yield_ is not None and vt.is_set) else vt,
                    op,
                )
            if tt.is_set and len(tt.indices) == 1 and op == "+=":
                return self.coerce(value, tt.indices[0], op)
            self.error(span, f"type clash in {op} ({tt} and {vt})")
            return value
        if tt.tag == "pattern":
            if op != "+=" or vt.tag != "pattern":
                self.error(
                    span,
                    f"type clash in {op} ({tt} and {vt})",
                    zeek="pattern += op requires op to be a pattern"
                    f" ({self.describe_expr(whole or value)})"
                    if op == "+="
                    else None,
                )
            return value
        if isinstance(tt, VectorType) and op == "+=":
            if (
                isinstance(vt, VectorType)
                and tt.elem is not None
                and vt.elem is not None
                and same_type(tt.elem, vt.elem)
            ):
                return value
            if (
                isinstance(vt, VectorType)
                and vt.elem is None
                and not isinstance(tt.elem, VectorType)
            ):
                # ``v += vector()``: appends nothing (unless v holds vectors).
                value.type = tt
                return value
            return self.coerce(value, tt.elem, "vector append") if tt.elem is not None else value
        if is_numeric(tt) and is_numeric(vt):
            if tt.tag != "double" and vt.tag == "double":
                self.error(span, f"type clash in {op} ({tt} and {vt})")
                return value
            return self.numeric_coerce(value, tt) if assignable(tt, vt) else value
        r = arith_result(op[0], tt, vt)
        if r is None or not assignable(tt, r[0]):
            self.error(span, f"type clash in {op} ({tt} and {vt})")
        return value

    def expr_Cast(self, e: A.Cast, expected):
        e.expr = self.check_expr(e.expr)
        t = self.resolve_type(e.target)
        src = e.expr.type
        if e.op == "is":
            e.type = BOOL
            return e
        # A Broker::Data converts itself at run time (Zeek's CastExpr on Broker data).
        broker_data = getattr(src, "name", None) == "Broker::Data"
        if (
            e.op == "as"
            and src.tag not in ("any", "error")
            and t.tag != "error"
            and not broker_data
        ):
            ok = can_cast(src, t)
            if not ok:
                self.error(
                    e.span,
                    f"cannot cast value of type {src} to type {t}",
                    detail=self.describe_expr(e),
                    zeek=f"cast not supported ({self.describe_expr(e)})",
                )
        e.type = BOOL if e.op == "?as" else t
        return e

    def void_used(self, e: A.Expr, zeek: str) -> bool:
        """Report ``e`` (of type void) used as a value; ``zeek`` is Zeek's text."""
        if e.type is None or e.type.tag != "void":
            return False
        if getattr(e, "set_index", False):
            msg = "indexing a set gives no value (use 'in' to test membership)"
        else:
            msg = f"{self.describe_expr(e)} gives no value (its type is void)"
        self.error(e.span, msg, zeek=zeek)
        return True

    def expr_AggrExpr(self, e: A.AggrExpr, expected):
        """``add x`` / ``delete x`` as a value: checked as the statement, void."""
        stmt = (A.AddStmt if e.op == "add" else A.DeleteStmt)(e.target, span=e.span)
        self.check_stmt(stmt)
        e.target = stmt.target
        e.type = VOID
        return e

    def expr_SizeExpr(self, e: A.SizeExpr, expected):
        e.expr = self.check_expr(e.expr)
        if self.void_used(
            e.expr, f"cannot take size of void (sizeof {self.describe_expr(e.expr)})"
        ):
            e.type = ERROR
            return e
        t = size_result(e.expr.type)
        if t is None:
            self.error(e.span, f"|...| not defined for {e.expr.type}")
            t = ERROR
        e.type = t
        return e

    def expr_CopyExpr(self, e: A.CopyExpr, expected):
        e.expr = self.check_expr(e.expr, expected)
        e.type = e.expr.type
        return e


def _zeek_arith_error(op: str, ta: Type, tb: Type) -> str:
    """Zeek's message for an arithmetic operator given operands it cannot take
    (the constructors of AddExpr ... ModExpr in src/Expr.cc)."""
    vec_a, vec_b = isinstance(ta, VectorType), isinstance(tb, VectorType)
    if vec_a != vec_b:
        return "cannot mix vector and scalar operands"
    if op == "%":
        return "requires integral operands"
    tags = {ta.tag, tb.tag}
    if op == "*" and "interval" in tags:
        return "multiplication with interval requires arithmetic operand"
    if op == "/" and ta.tag == "interval":
        return "division of interval requires arithmetic operand"
    if op == "-" and isinstance(ta, TableType) and isinstance(tb, TableType):
        return 'incompatible "set" operands'
    return "requires arithmetic operands"
