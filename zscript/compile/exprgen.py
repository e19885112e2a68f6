"""Expression code generation: checked AST expressions to Python source text.

Each ``gen_<Node>`` returns a Python expression string.  Operators are
specialised on the static types the checker computed, so the generated code
does no type dispatch: a count addition becomes ``a + b`` wrapped at 2**64, a table
lookup ``t[k]``, a record field ``r.f_name``.  Expressions that may fail are
wrapped in :func:`~zscript.runtime.linemap.mark` so a runtime error can be
reported at the right script expression.

Values that generated code needs but cannot spell as literals (types,
record classes, formatters, enumerators) live in the compiled code's global
namespace under ``_k<n>`` names, created by :meth:`ExprGen.const`.
"""

from __future__ import annotations

import re

from ..runtime.describe import escape_bytes, formatter
from ..runtime.linemap import mark
from ..runtime.values import field_attr, record_class
from ..syntax import ast as A
from ..syntax.printer import expr_text
from ..types import FuncType, RecordType, TableType, Type, VectorType, same_type

__all__ = ["ExprGen"]

M64 = "0xFFFFFFFFFFFFFFFF"


_AGGREGATES = ("record", "vector", "table")


def _expands(index: list) -> bool:
    """Whether a constructor element's index has a set standing for its members."""
    return any(isinstance(x, A.ExpandIndex) for x in index)


_INT_MAX = (1 << 63) - 1


def _to_int(e) -> bool:
    """Is ``e`` a count promoted to an int that may overflow?"""
    return (
        isinstance(e, A.Coerce)
        and e.type.tag == "int"
        and e.expr.type.tag == "count"
        and not (isinstance(e.expr, A.Const) and e.expr.value <= _INT_MAX)
    )


def _any_elem(t) -> bool:
    """Whether ``t`` is ``vector of any`` (whose value may be a more specific
    vector: see the ``vector of any`` helpers in runtime/ops.py)."""
    return isinstance(t, VectorType) and t.elem is not None and t.elem.tag == "any"


def _shown(op: str, target: A.Expr, value: A.Expr, t) -> A.Assign:
    """``target op value`` as a node to report errors at (Zeek reports a
    failed vector append as the whole ``v += x``)."""
    shown = A.Assign(op, target, value, span=getattr(target, "span", None))
    shown.type = t
    return shown


_NEEDS_BOX = frozenset(("count", "int", "double", "time", "interval"))
_CMP = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


_MARKS = re.compile("\x01\\d+\x02|\x03")


def is_backend_global(ident) -> bool:
    """A global table or set declared with ``&backend``: assigning it a whole
    table replaces the contents of the replicated table, which stays."""
    attrs = getattr(ident, "attrs", None)
    return bool(
        getattr(ident, "is_global", False)
        and attrs
        and ("&backend" in attrs or "&broker_store" in attrs)
        and isinstance(ident.type, TableType)
    )


def _subnet_indexed(t: TableType) -> bool:
    """Tables and sets indexed by one subnet look addresses and subnets up by
    longest prefix, as Zeek's ``PrefixTable`` does."""
    return len(t.indices) == 1 and t.indices[0].tag == "subnet"


def _is_simple(code: str) -> bool:
    """Can ``code`` be evaluated twice without side effects or much cost?"""
    return _MARKS.sub("", code).replace("_", "").replace(".", "").isalnum()


class ExprGen:
    """Mixin of :class:`~.codegen.CodeGen` generating expressions."""

    # ---------------------------------------------------------------- helpers

    def const(self, value, hint: str = "k") -> str:
        key = id(value)
        name = self.const_ids.get(key)
        if name is None:
            self.counter[0] += 1
            name = f"_{hint}{self.counter[0]}"
            self.ns[name] = value
            self.const_ids[key] = name
            self.keep.append(value)
        return name

    def tconst(self, t: Type) -> str:
        return self.const(t, "t")

    def rclass(self, rt: RecordType) -> str:
        return self.const(record_class(rt), "R")

    def mark(self, text: str, node) -> str:
        """``text`` (the code of ``node``) wrapped in markers (:func:`~zscript.runtime.linemap.mark`)."""
        return mark(text, node, self.mark_nodes)

    def temp(self) -> str:
        self.counter[0] += 1
        return f"_t{self.counter[0]}"

    def expr(self, e: A.Expr) -> str:
        return getattr(self, "gen_" + type(e).__name__)(e)

    def marked(self, e: A.Expr) -> str:
        return self.mark(self.expr(e), e)

    # --------------------------------------------------------------- literals

    def gen_Const(self, e: A.Const) -> str:
        k = e.kind
        v = e.value
        t = e.type
        if k == "bool":
            return "True" if v else "False"
        if t is not None and t.tag in ("double", "time", "interval"):
            v = float(v)
            r = repr(v)
            if "inf" in r or "nan" in r:
                return self.const(v)
            return r
        if k == "count":
            return str(v)
        if k == "string":
            if len(v) > 1 and e.span is not None:
                # Each literal is its own object (see runtime.literals).
                return self.const(self.rt.literal_string(v, e.span), "str")
            return ascii(v)
        if k == "pattern":
            return self.const(self.rt.make_pattern(v[0], v[1]), "p")
        if k == "port":
            return self.const(self.rt.make_port(*v), "port")
        if k == "addr":
            return self.const(self.rt.make_addr(v), "a")
        if k == "subnet":
            return self.const(self.rt.make_subnet(v), "s")
        return repr(v)

    def gen_TypeExpr(self, e: A.TypeExpr) -> str:
        return self.const(self.rt.TypeVal(e.tnode.resolved), "ty")

    def gen_Name(self, e: A.Name) -> str:
        ident = e.id
        if (
            ident.kind in ("func",)
            and isinstance(ident.type, FuncType)
            and ident.type.flavor != "function"
        ):
            self.ensure_handler(ident)
        if ident.is_global and ident.kind not in ("var", "const", "option"):
            # (Enumerators stay unmarked: a switch evaluates its constant cases.)
            return self.name_ref(ident)
        # A variable may have no value yet: errors name it.
        return self.mark(self.name_ref(ident), e)

    def gen_Coerce(self, e: A.Coerce) -> str:
        inner = self.expr(e.expr)
        src, dst = e.expr.type, e.type
        if dst.tag == "any":
            if src.tag in _NEEDS_BOX:
                return f"_z_box({inner}, {self.tconst(src)})"
            return inner
        if src.tag == "any":
            return self.mark(f"_z_from_any({inner}, {self.tconst(src)}, {self.tconst(dst)})", e)
        if dst.tag == "double" and src.tag in ("count", "int"):
            return f"float({inner})"
        if _to_int(e):
            # A count beyond the int range does not promote (runtime/ops.py to_int).
            return self.mark(f"_z_to_int({inner})", e)
        if dst.tag in ("int", "count"):
            return inner
        if isinstance(dst, RecordType):
            return self.mark(f"_z_rcoerce({inner}, {self.rclass(dst)})", e)
        if isinstance(dst, VectorType):
            if _any_elem(dst) and isinstance(src, VectorType):
                # The same vector (Zeek's same_type lets ``any`` match): see
                # the ``vector of any`` helpers in runtime/ops.py.
                return inner
            return f"_z_vcoerce({inner}, {self.tconst(src)}, {self.tconst(dst)})"
        return inner

    # ------------------------------------------------------- index and fields

    def gen_Index(self, e: A.Index) -> str:
        base = self.expr(e.base)
        bt = e.base.type
        if isinstance(bt, TableType):
            if isinstance(e.type, VectorType) and bt.indices and bt.indices[0].tag == "pattern":
                return self.mark(
                    f"_z_pattern_lookup({base}, {self.expr(e.indices[0])}, {self.tconst(e.type)})",
                    e,
                )
            if _subnet_indexed(bt):
                return self.mark(f"_z_subnet_get({base}, {self.key(e.indices)})", e)
            return self.mark(f"{base}[{self.key(e.indices)}]", e)
        if isinstance(bt, VectorType):
            idx = e.indices[0]
            if isinstance(idx.type, VectorType):
                return self.mark(f"_z_vmask({base}, {self.expr(idx)})", e)
            vget = "_z_vget_any" if _any_elem(bt) else "_z_vget"
            return self.mark(f"{vget}({base}, {self.expr(idx)})", e)
        if bt.tag == "string":
            return self.mark(f"_z_strindex({base}, {self.expr(e.indices[0])})", e)
        return self.mark(f"{base}[{self.key(e.indices)}]", e)

    def key(self, indices: list[A.Expr]) -> str:
        if len(indices) == 1:
            return self.expr(indices[0])
        return ", ".join(self.expr(i) for i in indices)

    def store_key(self, indices: list[A.Expr], tt: TableType, tuple_form: bool = True) -> str:
        """Key code for *inserting* into a table: aggregate index values are
        copied, so later changes to the original cannot alter the stored key."""
        parts = []
        for x in indices:
            code = self.expr(x)
            if x.type is not None and x.type.tag in ("record", "vector", "table"):
                code = f"_z_copy({code})"
            parts.append(code)
        if len(parts) == 1:
            return parts[0]
        joined = ", ".join(parts)
        return f"({joined})" if tuple_form else joined

    def key_tuple(self, indices: list[A.Expr]) -> str:
        if len(indices) == 1:
            return self.expr(indices[0])
        return "(" + ", ".join(self.expr(i) for i in indices) + ")"

    def gen_Slice(self, e: A.Slice) -> str:
        lo = self.expr(e.lo) if e.lo is not None else "None"
        hi = self.expr(e.hi) if e.hi is not None else "None"
        return self.mark(f"_z_slice({self.expr(e.base)}, {lo}, {hi})", e)

    def gen_Field(self, e: A.Field) -> str:
        return self.mark(f"{self.expr(e.base)}.{field_attr(e.field)}", e)

    def gen_HasField(self, e: A.HasField) -> str:
        return f"_z_hasfield({self.expr(e.base)}, {field_attr(e.field)!r})"

    # ------------------------------------------------------------------ calls

    def gen_Call(self, e: A.Call) -> str:
        args = ", ".join(self.expr(a) for a in e.args)
        if e.call_kind == "bif" and e.func.type.is_async:
            return self.mark(self.async_call(e.func.id.py_name, args, bool(e.args)), e)
        if e.call_kind == "bif":
            fname = e.func.id.name
            special = getattr(self, "bif_" + fname, None)
            if special is not None:
                code = special(e)
                if code is not None:
                    return self.mark(code, e)
            return self.mark(f"{e.func.id.py_name}({args})", e)
        func = self.expr(e.func)
        fid = e.func.id if isinstance(e.func, A.Name) else None
        if self.in_when_cond and fid is not None and fid.info is not None and fid.info.is_async:
            return self.mark(self.async_call(func, args, bool(e.args)), e)
        return self.mark(f"{func}({args})", e)

    def async_call(self, func: str, args: str, has_args: bool) -> str:
        """An asynchronous call in a ``when`` condition: the result cached in
        the frame by an earlier evaluation, looked up before the arguments are
        evaluated (Zeek's ``CallExpr::Eval``), else the call."""
        site = self.site()
        call = f"_z_acall(_wf, {site}, {func}, ({args}{',' if has_args else ''}))"
        return f"(_z_acached(_wf, {site}) if {site} in _wf._cache else {call})"

    def site(self) -> int:
        self.counter[0] += 1
        return self.counter[0]

    def bif_fmt(self, e: A.Call) -> str | None:
        """``fmt`` with a literal format of plain ``%s``/``%d``: build the string inline."""
        first = e.args[0] if e.args else None
        if isinstance(first, A.Coerce):
            first = first.expr
        if not isinstance(first, A.Const) or first.kind != "string":
            return None
        f = first.value
        args = e.args[1:]
        pieces = []
        i = 0
        ai = 0
        while i < len(f):
            j = f.find("%", i)
            if j < 0:
                pieces.append(ascii(f[i:]))
                break
            if j > i:
                pieces.append(ascii(f[i:j]))
            if j + 1 >= len(f):
                return None
            c = f[j + 1]
            if c == "%":
                pieces.append("'%'")
                i = j + 2
                continue
            if c not in "sd" or ai >= len(args):
                return None
            a = args[ai]
            inner = a.expr if isinstance(a, A.Coerce) and a.type.tag == "any" else a
            t = inner.type
            if c == "d" and t.tag not in ("count", "int"):
                return None
            if c == "s" and t.tag == "any":
                return None
            code = self.expr(inner)
            if t.tag == "string":
                pieces.append(code)
            elif t.tag in ("count", "int"):
                pieces.append(f"str({code})")
            else:
                pieces.append(f"{self.const(formatter(t), 'f')}({code})")
            ai += 1
            i = j + 2
        if ai != len(args):
            return None
        if not pieces:
            return "''"
        return "(" + " + ".join(pieces) + ")"

    def gen_HookCall(self, e: A.HookCall) -> str:
        c = e.call
        args = ", ".join(self.expr(a) for a in c.args)
        return self.mark(f"{self.expr(c.func)}({args})", e)

    # -------------------------------------------------------------- operators

    def gen_UnaryOp(self, e: A.UnaryOp) -> str:
        op = e.op
        x = self.expr(e.operand)
        t = e.operand.type
        if op == "!":
            return f"(not {x})"
        if op == "~":
            return f"(~{x} & {M64})"
        if op == "-":
            if isinstance(t, VectorType):
                return f"_z_vneg({x}, {self.tconst(e.type)})"
            return f"(-{x})"
        if op == "+":
            return f"(+{x})"
        return self.mark(self.incdec(e.operand, 1 if op == "++" else -1, want_value=True), e)

    def incdec(self, target: A.Expr, delta: int, want_value: bool) -> str:
        """Code for ``++x``/``--x``; an expression (``want_value``) or a statement."""
        is_count = target.type.tag == "count"
        if isinstance(target, A.Name):
            ref = self.lvalue_name(target.id)
            if is_count:
                new = f"({ref} + 1 if {ref} != {M64} else 0)" if delta > 0 else f"_z_cdec({ref})"
            else:
                new = f"{ref} {'+' if delta > 0 else '-'} 1"
            if want_value:
                if "." in ref:
                    return f"_z_setattr({ref.rsplit('.', 1)[0]}, {ref.rsplit('.', 1)[1]!r}, {new})"
                return f"({ref} := {new})"
            return f"{ref} = {new}"
        if isinstance(target, A.Field):
            return f"_z_incattr({self.expr(target.base)}, {field_attr(target.field)!r}, {delta}, {is_count})"
        if isinstance(target, A.Index):
            base = self.expr(target.base)
            if isinstance(target.base.type, VectorType):
                return f"_z_incvec({base}, {self.expr(target.indices[0])}, {delta}, {is_count})"
            return f"_z_incitem({base}, {self.key_tuple(target.indices)}, {delta}, {is_count})"
        return "None"

    def gen_BinOp(self, e: A.BinOp) -> str:
        op = e.op
        if isinstance(e.type, VectorType) and op in ("&&", "||"):
            return self.mark(
                f"_z_varith({op!r}, {self.expr(e.left)}, {self.expr(e.right)}, {self.tconst(e.type)})",
                e,
            )
        if op == "&&":
            return f"({self.expr(e.left)} and {self.expr(e.right)})"
        if op == "||":
            return f"({self.expr(e.left)} or {self.expr(e.right)})"
        if op in ("in", "!in"):
            code = self.gen_in(e)
            return f"(not {code})" if op == "!in" else code
        a = self.expr(e.left)
        b = self.expr(e.right)
        ta, tb = e.left.type, e.right.type
        ot = e.operand_type
        if op in _CMP:
            if isinstance(e.type, VectorType):
                return self.mark(f"_z_varith({op!r}, {a}, {b}, {self.tconst(e.type)})", e)
            return self.gen_compare(e, op, a, b, ta, tb)
        if isinstance(e.type, VectorType):
            return self.mark(f"_z_varith({op!r}, {a}, {b}, {self.tconst(e.type)})", e)
        if isinstance(ta, TableType):
            fn = {"-": "_z_setdiff", "&": "_z_setinter", "|": "_z_setunion"}[op]
            return f"{fn}({a}, {b})"
        if ta.tag == "pattern":
            return f"_z_pattern_{'concat' if op == '&' else 'union'}({a}, {b})"
        tag = ot.tag if ot is not None else e.type.tag
        if op == "+":
            if tag == "count":
                return self.count_wrap(f"{a} + {b}")
            return f"({a} + {b})"
        if op == "-":
            if tag == "count":
                if _is_simple(a) and _is_simple(b):
                    return self.mark(f"({a} - {b} if {a} >= {b} else _z_csub({a}, {b}))", e)
                return self.mark(f"_z_csub({a}, {b})", e)
            return f"({a} - {b})"
        if op == "*":
            if tag == "count":
                return self.count_wrap(f"{a} * {b}")
            return f"({a} * {b})"
        if op == "/":
            if tag == "addr":
                return self.mark(f"_z_mask_addr({a}, {b})", e)
            if tag == "count":
                return self.mark(f"({a} // {b})", e)
            if tag == "int":
                return self.mark(f"_z_idiv({a}, {b})", e)
            return self.mark(f"({a} / {b})", e)
        if op == "%":
            if tag == "int":
                return self.mark(f"_z_imod({a}, {b})", e)
            return self.mark(f"({a} % {b})", e)
        if op in ("&", "|", "^"):
            return f"({a} {op} {b})"
        if op == "<<":
            return f"(({a} << {b}) & {M64})" if tag == "count" else f"({a} << {b})"
        if op == ">>":
            return f"({a} >> {b})"
        raise AssertionError(op)

    def count_wrap(self, code: str) -> str:
        """``code`` reduced modulo 2**64 (count overflow wraps, as in Zeek).

        A comparison is much cheaper than ``& M64`` on CPython, which goes
        through the big-integer path for every result.
        """
        return f"(_s if (_s := {code}) <= {M64} else _s & {M64})"

    def gen_compare(self, e, op, a, b, ta, tb) -> str:
        if {ta.tag, tb.tag} == {"pattern", "string"}:
            pat, s = (a, b) if ta.tag == "pattern" else (b, a)
            code = f"_z_pmatch({pat}, {s})"
            return f"(not {code})" if op == "!=" else code
        if ta.tag == "table" and op in ("<", "<=", ">", ">="):
            if op in (">", ">="):
                a, b = b, a
            return f"_z_subset({a}, {b}, {op in ('<', '>')})"
        if op in ("==", "!=") and (ta.tag == "any" or tb.tag == "any"):
            code = f"_z_any_eq({a}, {b})"
            return f"(not {code})" if op == "!=" else code
        if op in ("==", "!=") and ta.tag in ("func", "record"):
            return f"({a} {'is' if op == '==' else 'is not'} {b})"
        return f"({a} {op} {b})"

    def gen_in(self, e: A.BinOp) -> str:
        rt = e.right.type
        r = self.expr(e.right)
        left = e.left
        if isinstance(rt, TableType):
            if (
                rt.indices
                and rt.indices[0].tag == "pattern"
                and left.type is not None
                and left.type.tag == "string"
            ):
                return f"_z_pattern_in({self.expr(left)}, {r})"
            if isinstance(left, A.ListCtor) and not isinstance(left.type, RecordType):
                k = (
                    "("
                    + ", ".join(self.expr(x) for x in left.items)
                    + ("," if len(left.items) == 1 else "")
                    + ")"
                )
                if len(left.items) == 1:
                    k = self.expr(left.items[0])
            else:
                k = self.expr(left)
            if _subnet_indexed(rt):
                return f"_z_subnet_in({k}, {r})"
            return f"({k} in {r})"
        l_ = self.expr(left)
        if isinstance(rt, VectorType):
            return f"_z_vin({l_}, {r})"
        if rt.tag == "string":
            if left.type.tag == "pattern":
                return f"_z_psearch({l_}, {r})"
            return f"({l_} in {r})"
        if left.type.tag == "pattern":
            return f"_z_psearch({l_}, {r})"
        return f"_z_contains({r}, {l_})"

    def gen_CondExpr(self, e: A.CondExpr) -> str:
        if isinstance(e.cond.type, VectorType):
            return f"_z_vcond({self.expr(e.cond)}, {self.expr(e.then)}, {self.expr(e.orelse)}, {self.tconst(e.type)})"
        return f"({self.expr(e.then)} if {self.expr(e.cond)} else {self.expr(e.orelse)})"

    def gen_Assign(self, e: A.Assign) -> str:
        """An assignment used as a value (``a = b = 0``, ``print x += 1``)."""
        value = self.assign_value(e)
        t = e.target
        if isinstance(t, A.Name):
            ref = self.lvalue_name(t.id)
            if "." in ref:
                obj, attr = ref.rsplit(".", 1)
                return f"_z_setattr({obj}, {attr!r}, {value})"
            return f"({ref} := {value})"
        if isinstance(t, A.Field):
            return self.mark(
                f"_z_setattr({self.expr(t.base)}, {field_attr(t.field)!r}, {value})", e
            )
        if isinstance(t, A.Index):
            base = self.expr(t.base)
            if isinstance(t.base.type, VectorType):
                return self.mark(f"_z_vset_value({base}, {self.expr(t.indices[0])}, {value})", e)
            return self.mark(
                f"_z_setitem({base}, {self.store_key(t.indices, t.base.type)}, {value})", e
            )
        return value

    def assign_value(self, e: A.Assign) -> str:
        """The value stored by ``e`` (for ``+=``/``-=``, the combined value)."""
        if e.op == "=":
            if isinstance(e.target, A.Name) and is_backend_global(e.target.id):
                # The replicated table stays; its contents are replaced.
                return f"_z_backend_assign({self.expr(e.target)}, {self.expr(e.value)})"
            return self.expr(e.value)
        return self.compound_value(e.target, e.op, e.value, self.expr(e.target))

    def compound_value(self, target: A.Expr, op: str, value: A.Expr, cur: str) -> str:
        tt = target.type
        v = self.expr(value)
        tag = tt.tag
        if tag == "count":
            if op == "+=":
                return self.count_wrap(f"{cur} + {v}")
            # Zeek reports an underflow of `x -= y` as `(x - y)`.
            shown = A.BinOp("-", target, value, span=getattr(target, "span", None))
            shown.type = tt
            return self.mark(f"_z_csub({cur}, {v})", shown)
        if tag in ("int", "double", "interval", "time", "string"):
            return f"({cur} {op[0]} {v})"
        if isinstance(tt, TableType):
            if op == "+=":
                if isinstance(value.type, TableType):
                    return f"_z_tadd({cur}, {v})"
                return f"_z_tadd_elem({cur}, {v})"
            return f"_z_tremove({cur}, {v})"
        if isinstance(tt, VectorType):
            vt = value.type
            # A vector of the same type is appended element-wise; to a vector
            # of vectors another vector is one element (Zeek's
            # is_element_wise_vector_append).
            if isinstance(vt, VectorType) and (
                not isinstance(tt.elem, VectorType) or (vt.elem is not None and same_type(tt, vt))
            ):
                if _any_elem(tt) or _any_elem(vt):
                    return self.mark(f"_z_vextend_typed({cur}, {v})", _shown(op, target, value, tt))
                return f"_z_vextend({cur}, {v})"
            if _any_elem(tt):
                shown_value = value.expr if isinstance(value, A.Coerce) else value
                return self.mark(f"_z_vappend_any({cur}, {v})", _shown(op, target, shown_value, tt))
            return f"_z_vappend({cur}, {v})"
        if tag == "pattern":
            return f"_z_pattern_add_to({cur}, {v})"
        return f"({cur} {op[0]} {v})"

    def gen_Cast(self, e: A.Cast) -> str:
        x = self.expr(e.expr)
        src = e.expr.type
        dst = e.target.resolved
        if e.op == "is":
            if src.tag != "any":
                # The static type decides (Zeek folds this at parse time).
                from ..types import same_type

                return f"({x}, {same_type(src, dst) or dst.tag == 'any'})[1]"
            return f"_z_is({x}, {self.tconst(dst)})"
        if e.op == "?as":
            return f"_z_can_as({x}, {self.tconst(src)}, {self.tconst(dst)})"
        if src.tag == dst.tag and src.tag not in ("any", "record", "vector", "table"):
            return x
        if src.tag in ("count", "int") and dst.tag == "double":
            return f"float({x})"
        return self.mark(f"_z_as({x}, {self.tconst(src)}, {self.tconst(dst)})", e)

    def gen_SizeExpr(self, e: A.SizeExpr) -> str:
        x = self.expr(e.expr)
        tag = e.expr.type.tag
        if tag in ("string", "table", "vector"):
            return f"len({x})"
        if tag == "count":
            return x
        if tag in ("int",):
            return f"abs({x})"
        if tag in ("double", "interval"):
            return f"float(abs({x}))"
        if tag == "bool":
            return f"int({x})"
        if tag == "time":
            return f"float({x})"
        if tag == "enum":
            return f"{x}.value"
        if tag == "any":
            return self.mark(f"_z_size_any({x})", e)
        return self.mark(f"_z_size({x})", e)

    def gen_CopyExpr(self, e: A.CopyExpr) -> str:
        x = self.expr(e.expr)
        # Strings and patterns too: their copy is a new object (same_object).
        if e.type.tag in (
            "table",
            "vector",
            "record",
            "func",
            "any",
            "string",
            "pattern",
            "opaque",
        ):
            return f"_z_copy({x})"
        return x

    # ----------------------------------------------------------- constructors

    def gen_ListCtor(self, e: A.ListCtor) -> str:
        if isinstance(e.type, RecordType):
            return self.gen_RecordCtor(e)
        return (
            "("
            + ", ".join(self.expr(x) for x in e.items)
            + ("," if len(e.items) == 1 else "")
            + ")"
        )

    def gen_RecordCtor(self, e) -> str:
        rt = e.type
        items = ", ".join(f"{field_attr(f.name)!r}: {self.expr(f.value)}" for f in (e.fields or []))
        items = f"{{{items}}}"
        if any(_to_int(f.value) for f in (e.fields or [])):
            # A count that overflowed its int field leaves the field unset
            # (Zeek's coerce_to_record, src/Expr.cc).
            items = f"{{k: v for k, v in {items}.items() if v is not None}}"
        return self.mark(f"{self.rclass(rt)}._zmake({items})", e)

    def attr_kwargs(self, attrs: dict, t: TableType, name: str | None = None) -> str:
        """Keyword arguments of ``_z_mktable``/``_z_mkset`` for container attributes.

        ``name``: the qualified name of the global declared with them (an
        ``&backend`` table is named after it).
        """
        out = []
        d = attrs.get("&default")
        if d is not None:
            if isinstance(d.type, FuncType) and isinstance(d, A.Name):
                out.append(f"default_func=lambda *k: {self.expr(d)}(*k)")
            elif isinstance(d.type, FuncType):
                out.append(f"default_func={self.expr(d)}")
            else:
                out.append(f"default={self.expr(d)}")
        di = attrs.get("&default_insert")
        if di is not None:
            kind = "default_func" if isinstance(di.type, FuncType) else "default"
            out.append(f"{kind}={self.expr(di)}, default_insert=True")
        # Attribute expressions naming functions or options are evaluated when
        # used (Zeek semantics: the function may be defined after the table).
        oc = attrs.get("&on_change")
        if oc is not None:
            out.append(f"on_change=lambda: {self.expr(oc)}")
        for kind in ("create", "read", "write"):
            x = attrs.get(f"&{kind}_expire")
            if x is not None:
                ef = attrs.get("&expire_func")
                efc = f"lambda: {self.expr(ef)}" if ef is not None else "None"
                out.append(f"expire=({kind!r}, lambda: {self.expr(x)}, {efc})")
                break
        if "&ordered" in attrs:
            out.append("ordered=True")
        b = attrs.get("&backend")
        if b is not None:
            out.append(f"backend={self.expr(b)}")
        bs = attrs.get("&broker_store")
        if bs is not None:
            out.append(f"broker_store={self.expr(bs)}")
        poc = attrs.get("&publish_on_change")
        if poc is not None and name is not None:
            # Evaluated once the scripts are loaded (redefs of the defaults apply).
            out.append(f"publish_on_change=lambda: {self.expr(poc)}")
        if name is not None and (b is not None or bs is not None or poc is not None):
            out.append(f"name={name!r}")
        return ", ".join(out)

    def container_attrs(self, attrs: dict | None) -> dict:
        if not attrs:
            return {}
        keys = (
            "&default",
            "&default_insert",
            "&on_change",
            "&create_expire",
            "&read_expire",
            "&write_expire",
            "&expire_func",
            "&backend",
            "&broker_store",
            "&ordered",
            "&publish_on_change",
        )
        return {k: v for k, v in attrs.items() if k in keys}

    def gen_TableCtor(
        self, e: A.TableCtor, extra_attrs: dict | None = None, name: str | None = None
    ) -> str:
        t = e.type
        if isinstance(t, TableType) and t.is_set:
            return self.gen_SetCtor(e, extra_attrs, name)
        items = []
        for it in e.items:
            k = self.store_key(it.target.items, t)
            if _expands(it.target.items):
                vt = it.value.type
                copy = "_z_copy" if vt is not None and vt.tag in _AGGREGATES else "None"
                items.append(f"*_z_cross_items({k}, {self.expr(it.value)}, {copy})")
                continue
            items.append(f"({k}, {self.expr(it.value)})")
        attrs = {**self.container_attrs(e.attr_map), **self.container_attrs(extra_attrs)}
        kw = self.attr_kwargs(attrs, t, name)
        lst = "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return self.mark(f"_z_mktable({self.tconst(t)}, {lst}{', ' + kw if kw else ''})", e)

    def gen_SetCtor(self, e, extra_attrs: dict | None = None, name: str | None = None) -> str:
        t = e.type
        items = []
        for x in e.items:
            parts = x.items if isinstance(x, A.ListCtor) and len(t.indices) > 1 else [x]
            key = self.store_key(parts, t)
            items.append(f"*_z_cross({key})" if _expands(parts) else key)
        attrs = {**self.container_attrs(e.attr_map), **self.container_attrs(extra_attrs)}
        kw = self.attr_kwargs(attrs, t, name)
        lst = "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return self.mark(f"_z_mkset({self.tconst(t)}, {lst}{', ' + kw if kw else ''})", e)

    def gen_VectorCtor(self, e: A.VectorCtor) -> str:
        items = ", ".join(self.expr(x) for x in e.items)
        return f"_z_Vector({self.tconst(e.type)}, [{items}])"

    def gen_ExpandIndex(self, e: A.ExpandIndex) -> str:
        return f"_z_each({self.expr(e.expr)})"

    def gen_BraceInit(self, e: A.BraceInit) -> str:  # pragma: no cover - replaced by the checker
        raise AssertionError("brace initializer without a type")

    def default_value(self, t: Type, attrs: dict | None, name: str | None = None) -> str | None:
        """Code creating the implicit initial value of a declaration of type ``t``
        (of the global ``name``, if it is one)."""
        if isinstance(t, TableType):
            kw = self.attr_kwargs(self.container_attrs(attrs), t, name)
            fn = "_z_mkset" if t.is_set else "_z_mktable"
            return f"{fn}({self.tconst(t)}, (){', ' + kw if kw else ''})"
        if isinstance(t, VectorType):
            return f"_z_Vector({self.tconst(t)}, [])"
        if isinstance(t, RecordType):
            return f"{self.rclass(t)}._zmake({{}})"
        return None

    def with_decl_attrs(self, init: A.Expr, attrs: dict | None, name: str | None = None) -> str:
        """Initializer code, applying a declaration's container attributes to it
        (of the global ``name``, if it is one)."""
        cattrs = self.container_attrs(attrs)
        if cattrs and isinstance(init, A.TableCtor):
            return self.gen_TableCtor(init, cattrs, name)
        if cattrs and isinstance(init, A.SetCtor):
            return self.gen_SetCtor(init, cattrs, name)
        code = self.expr(init)
        if cattrs and isinstance(init.type, TableType):
            kw = self.attr_kwargs(cattrs, init.type, name)
            return f"_z_withattrs({code}, {self.tconst(init.type)}, {kw})"
        return code

    def gen_ScheduleExpr(self, e: A.ScheduleExpr) -> str:
        call = e.event
        self.ensure_handler(call.func.id)
        args = ", ".join(self.expr(a) for a in call.args)
        return self.mark(
            f"_z_schedule({self.expr(e.delay)}, {self.name_ref(call.func.id)}, ({args}{',' if call.args else ''}))",
            e,
        )

    def gen_WhenLocal(self, e: A.WhenLocal) -> str:
        return f"_z_wlocal(_wf, {e.id.py_name!r}, {self.expr(e.init)})"

    def gen_LambdaExpr(self, e: A.LambdaExpr) -> str:
        factory = self.lambda_factory(e)
        args = []
        for ident, deep in e.info.captures:
            ref = self.name_ref(ident)
            args.append(f"_z_copy({ref})" if deep else ref)
        return f"{factory}({', '.join(args)})"

    # -------------------------------------------------------------- printing

    def print_parts(self, exprs: list[A.Expr]) -> list[str]:
        """Code for each value of a ``print``, formatted as ``print`` shows it."""
        parts = []
        for x in exprs:
            t = x.type
            if isinstance(x, A.Const) and x.kind == "string":
                parts.append(ascii(escape_bytes(x.value)))
            elif t.tag == "string":
                parts.append(f"_z_esc({self.expr(x)})")
            elif t.tag in ("count", "int"):
                parts.append(f"str({self.expr(x)})")
            elif t.tag == "bool":
                parts.append(f"('T' if {self.expr(x)} else 'F')")
            else:
                parts.append(f"{self.const(formatter(t, True), 'f')}({self.expr(x)})")
        return parts

    def describe_node(self, e: A.Expr) -> str:
        return expr_text(e)
