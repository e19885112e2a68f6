"""Call checks (mixed into :class:`~.checker.Checker` through
:class:`~.exprs.ExprChecks`): function calls and their arguments, calls of
types and record types, hook calls and event raises."""

from __future__ import annotations

from ..syntax import ast as A
from ..types import (
    ANY,
    BOOL,
    ERROR,
    VOID,
    FuncType,
    RecordType,
    TableType,
    Type,
    TypeType,
    VectorType,
)
from .promote import ElementPromotion

__all__ = ["CallChecks"]


class CallChecks:
    # ------------------------------------------------------------------ calls

    def _check_fmt_string(self, e: A.Call) -> None:
        """Zeek's ``check_built_in_call`` (``src/Func.cc``): fmt's first argument is a string."""
        first = e.args[0]
        t = first.expr.type if isinstance(first, A.Coerce) else first.type
        if t.tag not in ("string", "error"):
            self.error(first.span, "first argument to util::fmt() needs to be a format string")

    def expr_Call(self, e: A.Call, expected):
        callee = e.func
        if isinstance(callee, A.Name):
            ident = self.lookup(callee.name, callee.span, report=False)
            if ident is not None and ident.kind == "type":
                return self.type_call(e, ident.value)
        e.func = self.check_expr(callee)
        ft = e.func.type
        if ft.tag == "error":
            self.check_exprs(e.args)
            e.type = ERROR
            return e
        if isinstance(ft, TypeType) and isinstance(ft.type, RecordType):
            return self.record_call(e, ft.type)
        if not isinstance(ft, FuncType):
            self.error(e.span, f"'{self.describe_expr(e.func)}' is not a function")
            self.check_exprs(e.args)
            e.type = ERROR
            return e
        if ft.flavor == "event":
            self.error(e.span, "events cannot be called directly; raise them with 'event'")
        elif ft.flavor == "hook" and not e.in_hook:
            self.error(
                e.span,
                "hook cannot be called directly, use hook operator",
                detail=self.describe_expr(e.func),
            )
        if e.field_args:
            self.error(e.span, "field assignments are only valid in record constructors")
        state = ElementPromotion(e, "argument type mismatch in function call", True)
        e.args = self.check_args(e.args, ft, e, state)
        args_failed = self.promotion_done(state)
        fid = e.func.id if isinstance(e.func, A.Name) else None
        if ft.is_async and not self.in_when_cond:
            self.error(
                e.span,
                f"'{self.describe_expr(e.func)}' is asynchronous: call it in a when condition",
            )
        if fid is not None and fid.value == "bif":
            e.call_kind = "bif"
            if fid.name == "fmt" and e.args:
                self._check_fmt_string(e)
        else:
            e.call_kind = "value"
        result_fn = getattr(ft, "result_fn", None)
        if result_fn is not None:
            # The function sees the arguments' own types, not their `any` conversions.
            orig = [a.expr.type if isinstance(a, A.Coerce) else a.type for a in e.args]
            rt = result_fn(orig, e.args)
            e.type = rt if rt is not None else ft.ret
        else:
            e.type = ft.ret
        if args_failed:
            e.type = ERROR
        return e

    def check_args(
        self, args: list[A.Expr], ft: FuncType, call: A.Node, state: ElementPromotion | None = None
    ) -> list[A.Expr]:
        """Check and coerce a call's arguments (``state``: Zeek's wording for
        one that does not fit, ``check_and_promote_args``)."""
        params = ft.params
        if state is None:
            state = ElementPromotion(call, "argument type mismatch in event invocation", True)
        out: list[A.Expr] = []
        # A function whose one parameter is `any` takes any number of
        # arguments as far as checking goes (Zeek's check_and_promote_args);
        # a script function given more fails when called.
        any_one = len(params) == 1 and params[0].type.tag == "any" and not ft.varargs
        if len(args) > len(params) and not ft.varargs and not any_one:
            self.error(call.span, f"too many arguments ({len(args)} for {len(params)})")
        for i, a in enumerate(args):
            if i < len(params):
                out.append(self.promote_element(state, a, params[i].type, f"argument {i + 1}"))
            else:
                a = self.check_expr(a)
                a = self.coerce(a, ANY, "argument")
                if isinstance(a, A.Coerce):
                    a.quiet = True
                out.append(a)
        if any_one or ft.varargs:
            # Zeek leaves these arguments as they are (no coercion to show):
            # a variadic BIF is declared with one `va_args: any` parameter,
            # which check_and_promote_args passes unchecked.
            for a in out:
                if isinstance(a, A.Coerce) and (any_one or a.type.tag == "any"):
                    a.quiet = True
        for p in params[len(args) :]:
            d = p.attrs.get("&default")
            if d is None:
                self.error(call.span, f"argument '{p.name}' is missing (and has no &default)")
                break
            out.append(d)
        return out

    def type_call(self, e: A.Call, t: Type) -> A.Expr:
        """``T(...)`` where ``T`` names a record, vector, set or table type."""
        if isinstance(t, RecordType):
            return self.record_call(e, t)
        if isinstance(t, VectorType):
            return self.finish_vector(A.VectorCtor(e.args, span=e.span), t)
        if isinstance(t, TableType) and t.is_set:
            return self.finish_set(A.SetCtor(e.args, [], span=e.span), t)
        if isinstance(t, TableType):
            return self.finish_table(A.TableCtor(e.args, [], span=e.span), t)
        self.error(e.span, f"type {t} has no constructor")
        self.check_exprs(e.args)
        e.type = ERROR
        return e

    def record_call(self, e: A.Call, rt: RecordType) -> A.Expr:
        """``R($a=1, ...)``: a typed record constructor."""
        ctor = A.RecordCtor(e.field_args or [], span=e.span)
        if e.args:
            # Zeek's RecordConstructorExpr: each element that is not a field
            # assignment is an error, and then the constructor is not checked
            # for missing fields.
            for a in self.check_exprs(e.args):
                self.error(
                    e.span,
                    "record constructor takes only field assignments ($field=value)",
                    zeek="bad type in record constructor"
                    f" ({self.describe_expr(e)} and {self.describe_expr(a)})",
                )
            ctor = self.expr_RecordCtor(ctor, None)
            ctor.type = rt
            return ctor
        ctor = self.ctor_to_record(self.expr_RecordCtor(ctor, None), rt, self.describe_expr(e))
        if isinstance(ctor, A.RecordCtor):
            ctor.named = rt.name or self.describe_expr(e.func)
        return ctor

    def expr_HookCall(self, e: A.HookCall, expected):
        call = e.call
        if not isinstance(call, A.Call):
            self.error(
                e.span,
                "hook operator needs a hook call",
                zeek=f"not a valid hook call expression ({self.describe_expr(call)})",
            )
            # Zeek goes on with the operand alone (a statement of it is then
            # an ignored value).
            return self.check_expr(call)
        call.in_hook = True
        call = self.expr_Call(call, None)
        e.call = call
        ft = call.func.type if isinstance(call, A.Call) else None
        if isinstance(ft, FuncType) and ft.flavor != "hook":
            self.error(
                e.span,
                "hook operator applied to something that is not a hook",
                zeek=f"hook keyword should only be used to call hooks ({self.describe_expr(call)})",
            )
        e.type = BOOL
        return e

    def event_call(self, call: A.Call) -> A.Call:
        """Check the call of ``event f(...)`` and ``schedule ... { f(...) }``."""
        callee = call.func
        assert isinstance(callee, A.Name)
        ident = self.lookup(callee.name, callee.span)
        if ident is not None and not ident.is_global:
            self.error(
                callee.span,
                f'local identifier "{callee.name}" cannot be used to reference an event',
                # Zeek's parser (src/parse.y, event_hdr) reports it when it has read the ')'.
                zeek=f'local identifier "{callee.name}" cannot be used to reference an event'
                ', at or near ")"',
            )
            self.check_exprs(call.args)
            call.type = ERROR
            return call
        if ident is None:
            # Zeek's EventExpr: the event must be declared (or have a handler) by now.
            self.check_exprs(call.args)
            self.error(callee.span, "not an event", detail=self.describe_expr(call))
            call.type = ERROR
            return call
        ft = ident.type
        callee.id = ident
        callee.type = ft
        ident.used = True
        self.note_use(ident)
        self.deprecated(callee.span, ident.name, ident.attrs)
        if not isinstance(ft, FuncType) or ft.flavor != "event":
            if ft is not None and ft.tag != "error":
                self.error(callee.span, f"'{callee.name}' is not an event")
            call.type = ERROR
            return call
        if call.args and call.args[0].type is None or len(call.args) < len(ft.params):
            state = ElementPromotion(call, "argument type mismatch in event invocation", True)
            call.args = self.check_args(call.args, ft, call, state)
            self.promotion_done(state)
        call.call_kind = "event"
        call.type = VOID
        self.events_raised.setdefault(ident.name, call.span)
        return call
