"""Exceptions raised by compiled code and the runtime.

Compiled code does not check for errors on its fast paths; Python raises
``KeyError`` for a missing table index, ``ZeroDivisionError`` and so on.
The event loop catches them at the handler boundary and the
:class:`~zscript.compile.linemap.LineMap` turns the failing instruction's
position back into the script expression, producing Zeek's message:
``expression error in f.zs, line 7: no such index (t[nope])``.

The classes here are raised where Python would not raise on its own.
"""

from __future__ import annotations

import re

__all__ = [
    "AssertionFailure",
    "FieldMissing",
    "InvalidCast",
    "NO_VALUE",
    "NoReturnValue",
    "ScriptError",
    "UninitializedValue",
    "ZeekExit",
    "message_for",
    "used_no_value",
]


class ScriptError(Exception):
    """A runtime error with a message of its own (``expression error`` unless ``kind``).

    ``span``, when given, is where the error is reported instead of the
    expression that was running (Zeek reports some errors at a function's
    body); such an error shows no expression.
    """

    kind = "expression error"

    def __init__(self, message: str, detail: str | None = None, *, kind=None, span=None):
        super().__init__(message)
        self.message = message
        self.detail = detail
        if kind is not None:
            self.kind = kind
        self.span = span


class FieldMissing(AttributeError):
    """Reading an unset record field."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class InvalidCast(ScriptError):
    pass


class UninitializedValue(ScriptError):
    pass


class NoReturnValue(ScriptError):
    """A value that a function ended without was used.

    Zeek warns ("non-void function returning without a value") and the null
    result makes the statement that uses it do nothing; here the warning is
    printed where the function ended and the use ends the handler, without a
    second message (``silent``).
    """

    silent = True


class _NoValue:
    """What a call of a function that ended without ``return`` gives
    (:data:`NO_VALUE`): discarding it is fine, using it raises
    :class:`NoReturnValue` (never a Python ``TypeError``)."""

    __slots__ = ()

    def _use(self, *args, **kwargs):
        raise NoReturnValue("function returned no value")

    def __repr__(self) -> str:
        return "<no value>"

    __bool__ = __str__ = __len__ = __iter__ = __hash__ = __getitem__ = __contains__ = _use
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _use
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _use
    __lt__ = __le__ = __gt__ = __ge__ = __neg__ = __pos__ = __abs__ = __invert__ = _use
    __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = _use
    __lshift__ = __rlshift__ = __rshift__ = __rrshift__ = __index__ = __int__ = _use
    __float__ = __call__ = __getattr__ = _use

    def __eq__(self, other):
        return self._use() if other is not self else True

    def __ne__(self, other):
        return self._use() if other is not self else False


#: The result of a function that ended without ``return`` (see :class:`_NoValue`).
NO_VALUE = _NoValue()


def used_no_value(exc: BaseException) -> bool:
    """Whether ``exc`` is a library's complaint about :data:`NO_VALUE` (a
    function given it where it checks types itself, such as :mod:`re`): the
    same quiet end of the handler as :class:`NoReturnValue`."""
    return isinstance(exc, TypeError) and "'_NoValue'" in str(exc)


class AssertionFailure(ScriptError):
    """A failed ``assert``; ``silent`` when an assertion hook suppressed the message."""

    kind = "error"

    def __init__(self, message: str, detail: str | None = None, silent: bool = False):
        super().__init__(message, detail)
        self.silent = silent


class ZeekExit(BaseException):
    """``exit(code)``: leave the process at once."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


#: Python's complaint about a call with more arguments than the function takes.
_TOO_MANY_ARGS = re.compile(r"takes \d+ positional arguments? but \d+ were given")


def message_for(exc: BaseException) -> tuple[str, str, bool]:
    """(kind, message, show_expression) for an exception raised in compiled code."""
    if isinstance(exc, AssertionFailure):
        return exc.kind, exc.message, False
    if isinstance(exc, ScriptError):
        return exc.kind, exc.message, exc.detail is None and exc.span is None
    if isinstance(exc, FieldMissing):
        return "expression error", "field value missing", True
    if isinstance(exc, KeyError | IndexError):
        return "expression error", "no such index", True
    if isinstance(exc, ZeroDivisionError):
        return "expression error", "division by zero", True
    if isinstance(exc, UnboundLocalError | NameError):
        return "expression error", "value used but not set", True
    if isinstance(exc, RecursionError):
        from .builtins.recursion import current_max_depth

        return "runtime error", f"maximum recursion depth {current_max_depth()} exceeded", False
    if isinstance(exc, OverflowError):
        return "expression error", "numeric overflow", True
    if isinstance(exc, TypeError) and _TOO_MANY_ARGS.search(str(exc)):
        # A function of one `any` parameter takes any number of arguments
        # statically; a call with more fails here (Zeek's ScriptFunc::Invoke).
        return "expression error", "too many arguments for function call", True
    if isinstance(exc, re.error):  # a pattern built at run time (too long, invalid)
        return "expression error", f"invalid pattern: {str(exc)[:200]}", True
    return "internal error", f"{type(exc).__name__}: {exc}", False
