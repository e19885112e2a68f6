"""From a failing Python instruction back to the script expression.

Compiled code is ordinary Python source.  While generating it the compiler
wraps the text of every expression that may fail in invisible markers
(:func:`mark`).  :class:`Emitter` strips the markers when it writes a line
and records, per generated line, the column range of each marked
expression and the statement span of the line.

When a runtime error escapes a handler, :func:`locate` walks the traceback
to the innermost frame of generated code, asks CPython for the column range
of the instruction that failed (``co_positions``, Python 3.11+), and returns
the smallest marked expression containing it.  The happy path pays nothing.

Nothing here outlives the code it describes: a marker's node is held by the
code generator's table of the unit being generated, and a unit's
:class:`LineMap` (with the Zeek names of the functions it defines) is found
only as long as its owner, the code generator of one host, keeps it.  Each
unit has a file name of its own in the process (``<zscript:N>``), so several
hosts in one process never share a map.
"""

from __future__ import annotations

import re
import sys
import weakref
from types import TracebackType

from ..diagnostics import Span

__all__ = [
    "DESCRIBE",
    "script_frames",
    "Emitter",
    "LineMap",
    "caller_location",
    "describe_node",
    "locate",
    "mark",
]

_M_OPEN = "\x01"
_M_MID = "\x02"
_M_CLOSE = "\x03"
_MARK_RE = re.compile("\x01(\\d+)\x02|\x03")


#: Renders a marked node as Zeek's expression text; installed by the compiler
#: (the runtime does not know the AST).
DESCRIBE: list = [lambda node: ""]


def describe_node(node) -> str:
    return DESCRIBE[0](node) if node is not None else ""


def mark(text: str, node, nodes: dict[int, object]) -> str:
    """Wrap ``text`` (the Python code of ``node``) in markers; ``nodes`` is the
    table of the unit's marked nodes (what :class:`Emitter` resolves them in)."""
    i = len(nodes)
    nodes[i] = node
    return f"{_M_OPEN}{i}{_M_MID}{text}{_M_CLOSE}"


class LineMap:
    """Per generated line: the statement span and the marked expression ranges;
    per function the unit defines, its Zeek name."""

    def __init__(self):
        self.spans: list[Span | None] = []
        self.marks: list[list[tuple[int, int, object]]] = []
        #: Zeek-level names of the unit's compiled functions, by Python code
        #: name (``g12_foo`` -> ``foo``).
        self.names: dict[str, str] = {}
        #: Python code names of the unit's stubs of bodies compiled on first
        #: call (``CodeGen.lazy_stub``): a stub's frame is not where a script
        #: expression runs.
        self.stubs: set[str] = set()

    def lookup(self, lineno: int, col: int | None, end_col: int | None):
        """(span, node) for a 1-based generated line and column range."""
        i = lineno - 1
        if not 0 <= i < len(self.spans):
            return None, None
        best = None
        if col is not None and end_col is not None:
            for s, e, node in self.marks[i]:
                if s <= col and end_col <= e and (best is None or e - s < best[1] - best[0]):
                    best = (s, e, node)
        node = best[2] if best else None
        span = getattr(node, "span", None) or self.spans[i]
        return span, node


#: The line map of each unit's file name, while its owner keeps it.
_MAPS: weakref.WeakValueDictionary[str, LineMap] = weakref.WeakValueDictionary()


class Emitter:
    """Accumulates generated Python lines with their source positions.

    :param nodes: the table the markers of the lines were made in (:func:`mark`).
    """

    def __init__(self, filename: str, nodes: dict[int, object]):
        self.filename = filename
        self.nodes = nodes
        self.lines: list[str] = []
        self.map = LineMap()
        self.indent = 0

    def emit(self, text: str, span: Span | None) -> None:
        prefix = "    " * self.indent
        marks: list[tuple[int, int, object]] = []
        if _M_OPEN in text or _M_CLOSE in text:
            out: list[str] = []
            stack: list[tuple[int, object]] = []
            pos = 0
            col = len(prefix)
            for m in _MARK_RE.finditer(text):
                chunk = text[pos : m.start()]
                out.append(chunk)
                col += len(chunk)
                if m.group(1) is not None:
                    stack.append((col, self.nodes[int(m.group(1))]))
                elif stack:
                    start, node = stack.pop()
                    marks.append((start, col, node))
                pos = m.end()
            out.append(text[pos:])
            text = "".join(out)
        self.lines.append(prefix + text)
        self.map.spans.append(span)
        self.map.marks.append(marks)

    def source(self) -> str:
        return "\n".join(self.lines) + "\n"

    def register(self) -> LineMap:
        """Make the map findable by the file name, for as long as the caller
        keeps the returned map."""
        _MAPS[self.filename] = self.map
        return self.map


def _position(tb: TracebackType):
    code = tb.tb_frame.f_code
    idx = tb.tb_lasti // 2
    for i, pos in enumerate(code.co_positions()):
        if i == idx:
            return pos
    return (tb.tb_lineno, tb.tb_lineno, None, None)


def locate(exc: BaseException):
    """(span, node) of the innermost script expression active when ``exc`` was raised."""
    tb = exc.__traceback__
    found = None
    while tb is not None:
        fn = tb.tb_frame.f_code.co_filename
        if fn in _MAPS:
            found = tb
        tb = tb.tb_next
    if found is None:
        return None, None
    lineno, _end_lineno, col, end_col = _position(found)
    lm = _MAPS[found.tb_frame.f_code.co_filename]
    return lm.lookup(lineno or found.tb_lineno, col, end_col)


def locate_function(exc: BaseException):
    """Span of the whole declaration of the innermost script function active
    when ``exc`` was raised (its ``_zspan``), or None.  Zeek reports a call
    too deep at the called function (``GetLocationInfo`` in Func.cc)."""
    tb = exc.__traceback__
    found = None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename in _MAPS:
            span = getattr(frame.f_globals.get(frame.f_code.co_name), "_zspan", None)
            if span is not None:
                found = span
        tb = tb.tb_next
    return found


def script_frames(depth: int = 1) -> list[tuple[str, Span | None]]:
    """The compiled-script frames on the Python stack, innermost first.

    Each entry is (Zeek name of the running function, span of the
    expression the frame is executing).
    """
    return [(name, span) for name, span, _ in script_stack(depth + 1)]


def script_stack(depth: int = 1) -> list[tuple[str, Span | None, object]]:
    """:func:`script_frames` with each one's Python frame (its ``f_locals``
    hold the function's parameters)."""
    out = []
    f = sys._getframe(depth)
    while f is not None:
        code = f.f_code
        lm = _MAPS.get(code.co_filename)
        if lm is not None:
            name = lm.names.get(code.co_name)
            if name is not None:
                idx = f.f_lasti // 2
                pos = None
                for i, p in enumerate(code.co_positions()):
                    if i == idx:
                        pos = p
                        break
                if pos is None:
                    span, _ = lm.lookup(f.f_lineno, None, None)
                else:
                    span, _ = lm.lookup(pos[0] or f.f_lineno, pos[2], pos[3])
                out.append((name, span, f))
        f = f.f_back
    return out


def _frame_location(f, lm):
    idx = f.f_lasti // 2
    pos = None
    for i, p in enumerate(f.f_code.co_positions()):
        if i == idx:
            pos = p
            break
    if pos is None:
        return lm.lookup(f.f_lineno, None, None)
    return lm.lookup(pos[0] or f.f_lineno, pos[2], pos[3])


def caller_location(depth: int = 2):
    """(span, node) of the script expression calling the current runtime helper."""
    f = sys._getframe(depth)
    while f is not None:
        lm = _MAPS.get(f.f_code.co_filename)
        if lm is not None and f.f_code.co_name not in lm.stubs:
            return _frame_location(f, lm)
        f = f.f_back
    return None, None


def builtin_call_location(depth: int = 2):
    """Where a built-in function's error is reported: :func:`caller_location`,
    except that a built-in named ``M::__f`` called by its script wrapper
    ``M::f`` reports at the wrapper's call (Zeek's emit_builtin_error, in
    src/Func.cc, does the same, so users see their own call)."""
    f = sys._getframe(depth)
    first = None
    while f is not None:
        lm = _MAPS.get(f.f_code.co_filename)
        if lm is not None and f.f_code.co_name not in lm.stubs:
            loc = _frame_location(f, lm)
            if first is not None:
                return loc
            first = loc
            callee = getattr(getattr(getattr(loc[1], "func", None), "id", None), "name", "")
            mod, sep, short = callee.rpartition("::")
            if not short.startswith("__") or len(short) <= 2:
                return loc
            if lm.names.get(f.f_code.co_name) != mod + sep + short[2:]:
                return loc
        f = f.f_back
    return first if first is not None else (None, None)
