"""Helpers shared by the built-in function modules (no bifs are registered here).

* :func:`builtin_error` reports Zeek's non-fatal "builtin error": the message
  goes to the reporter at the calling expression and the bif goes on to
  return its fallback value, as Zeek's ``emit_builtin_error`` does (raising
  :class:`~zscript.runtime.errors.ScriptError` would abort the handler);
  :func:`reporter_error` and :func:`reporter_warning` are Zeek's
  location-less ``reporter->Error``/``Warning``;
* :func:`enum_value` and :func:`script_type` reach the types declared in
  ``init-bare.zs``; :func:`static_arg_type` serves ``result`` functions;
* :func:`match_at` gives the length of the longest match of a pattern at a
  position (Zeek's ``MatchPrefix``; Python's ``re`` stops at the first
  alternative that matches) and :func:`find_matches` scans a string for
  successive matches the way Zeek's splitting and substitution do.
"""

from __future__ import annotations

import functools
import re._parser as re_parser
import sys

from ...diagnostics import Diagnostic, render, render_runtime
from ...types import Type
from ..describe import describe_raw
from ..errors import ScriptError
from ..linemap import builtin_call_location, caller_location, describe_node
from ..literals import origin
from ..values import EnumVal, type_of, unbox

__all__ = [
    "builtin_error",
    "describe_arg",
    "enum_value",
    "find_matches",
    "located_error",
    "match_at",
    "reporter_error",
    "reporter_warning",
    "script_type",
    "static_arg_type",
]


def describe_arg(v) -> str:
    """A value as Zeek describes a bif argument in an error message."""
    t = type_of(v)
    return describe_raw(unbox(v), t) if t is not None else str(unbox(v))


def _reporter(ctx):
    # BifContext has no reporting method; the host's context carries the reporter.
    return getattr(getattr(ctx, "host", None), "reporter", None)


def _emit(ctx, kind: str, message: str, span=None, detail: str | None = None, related=None) -> None:
    reporter = _reporter(ctx)
    if reporter is None:
        raise ScriptError(message, detail)
    if kind == "warning":
        reporter.warnings += 1
    else:
        reporter.errors += 1
    if related is None:
        reporter.write(render_runtime(kind, message, span, detail))
    else:
        reporter.write(render(Diagnostic(kind, message, span, detail=detail, related=related)))


def builtin_error(ctx, message: str, arg=None) -> None:
    """Report ``message`` at the script expression calling the current bif.

    The detail names the call and, when given, the offending argument:
    ``error in f.zs, line 3: bad PTR name (ptr_name_to_addr(x) and x.y)``.
    """
    span, node = builtin_call_location(2)
    detail = describe_node(node) or None
    related = None
    if arg is not None:
        text = arg if isinstance(arg, str) else describe_arg(arg)
        detail = f"{detail} and {text}" if detail else text
        # An argument written as a literal elsewhere: Zeek names its line too.
        related = origin(arg)
        if related is not None and span is not None and related.location() == span.location():
            related = None
    _emit(ctx, "error", message, span, detail, related)


def located_error(ctx, message: str) -> None:
    """Zeek's ``reporter->Error`` while a script line runs: the location of
    the calling expression, without the expression."""
    span, _node = caller_location(2)
    _emit(ctx, "error", message, span)


def reporter_error(ctx, message: str) -> None:
    """Zeek's ``reporter->Error`` from a bif: ``error: message``, without location."""
    _emit(ctx, "error", message)


def reporter_warning(ctx, message: str) -> None:
    """Zeek's ``reporter->Warning`` from a bif: ``warning: message``."""
    _emit(ctx, "warning", message)


def static_arg_type(types: list, args: list, i: int) -> Type | None:
    """For a bif's ``result`` function: argument ``i``'s type before conversion to ``any``.

    The checker passes the converted types (``any`` for an ``any``
    parameter) and the argument expressions; a conversion node keeps the
    original expression as ``expr``.
    """
    if i >= len(types):
        return None
    a = args[i] if i < len(args) else None
    inner = getattr(a, "expr", None) if type(a).__name__ == "Coerce" else None
    return inner.type if inner is not None else types[i]


def script_type(ctx, name: str) -> Type:
    t = ctx.types_by_name(name)
    if t is None:
        raise ScriptError(f"type {name} is not declared")
    return t


def enum_value(ctx, type_name: str, name: str) -> EnumVal:
    """The enumerator ``name`` of the script-declared enum type ``type_name``."""
    return script_type(ctx, type_name).runtime_values[name]


def match_at(pattern, s: str, pos: int, bol: bool = True) -> int:
    """Length of the longest match of ``pattern`` starting at ``s[pos]`` (-1 if none).

    With ``bol``, ``^`` matches at ``pos`` (Zeek's ``MatchPrefix`` treats the
    start of the scanned text as a beginning of line).  Python's ``re``
    returns the first alternative that matches, so patterns with
    alternatives are also tried at every longer end.
    """
    rx = pattern.regex
    if bol and pos and "^" in pattern.text:
        # Python's ``^`` matches only at the real start: match in a copy that starts at pos.
        end = len(s) if "$" in pattern.text else min(len(s), pos + _max_width(pattern.text))
        s, pos = s[pos:end], 0
    m = rx.match(s, pos)
    if m is None:
        return -1
    if "|" in pattern.text:
        for stop in range(min(len(s), pos + _max_width(pattern.text)), m.end(), -1):
            if rx.fullmatch(s, pos, stop) is not None:
                return stop - pos
    return m.end() - pos


@functools.lru_cache(maxsize=256)
def _max_width(text: str) -> int:
    """The longest text a pattern can match (a huge number if unbounded)."""
    try:
        return min(re_parser.parse(text).getwidth()[1], sys.maxsize)
    except Exception:  # noqa: BLE001 - the compiled pattern is what matters
        return sys.maxsize


def find_matches(
    pattern, s: str, start: int = 0, *, every_bol: bool = False, allow_empty: bool = False
):
    """Yield ``(begin, end)`` of Zeek's successive longest matches, left to right.

    By default, as in splitting and substitution, ``^`` matches at the start
    of ``s`` and right after matches that began there, and empty matches are
    skipped.  ``every_bol`` lets ``^`` match at every position and
    ``allow_empty`` reports empty matches (``find_all``, ``find_first``).
    """
    rx = pattern.regex
    anchored = "^" in pattern.text
    n = len(s)
    pos = start
    bol = True
    while pos < n:
        if anchored and (bol or every_bol):
            begin = pos
        else:
            m = rx.search(s, pos)
            if m is None:
                return
            begin = m.start()
        k = match_at(pattern, s, begin, anchored and (bol or every_bol))
        if k > 0 or (k == 0 and allow_empty):
            yield begin, begin + k
            pos = begin + max(k, 1)
        else:
            bol = False
            pos = begin + 1
