"""Zeek's limits on the strings and containers of a log record.

Each stream has four limits (``Log::Stream``'s ``max_field_string_bytes``,
``max_total_string_bytes``, ``max_field_container_elements``,
``max_total_container_elements``; defaults ``Log::default_max_*``; 0 means
no limit).  When a filter turns a record into a row, its columns are
visited in order (extension columns first), as Zeek's
``Manager::ValToLogVal`` does:

* a ``string`` value (also an element of a set or vector of strings) keeps
  at most ``min(field limit, total limit - string bytes so far)`` bytes;
* a set or vector keeps at most ``min(field limit, total limit - elements
  so far)`` elements; then its string elements are limited as above.

Only ``string`` values count (not enums, functions or files).  Each
truncated value counts once, in the order Zeek finds them (a container
before its elements): the caller reports a ``log_string_field_truncated``
or ``log_container_field_truncated`` weird for each and counts it in the
writer's telemetry (``zeek_log_writer_truncated_{string_fields,containers}_total``).

``Log::max_log_record_size`` bounds a whole row after those cuts
(:func:`size_check`): the row's size is counted as Zeek's ``ValToLogVal``
counts it (strings and enum names by their bytes, numbers, times and ports
8 bytes, addresses 20, subnets 21, container elements one by one until the
limit is passed) and a row over it is not written (a
``log_record_too_large`` weird).  With the string and container limits on,
no row can come near the default 64 MB, and no row is measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .writers.formatters import split_type

__all__ = ["CONTAINER_CUT", "STRING_CUT", "Limits", "RowLimiter", "allowed", "size_check"]


class Limits(NamedTuple):
    """A stream's limits (0: none)."""

    field_string_bytes: int = 4096
    total_string_bytes: int = 256000
    field_container_elements: int = 100
    total_container_elements: int = 500


def allowed(size: int, max_field: int, max_total: int, total: int) -> int:
    """How much of a value of ``size`` may be logged (Zeek's ``calculate_allowed``)."""
    if max_field and max_field < size:
        size = max_field
    if max_total and max_total - total < size:
        size = max_total - total
    return size


_STRING, _CONTAINER, _STRINGS = 1, 2, 3

#: What :meth:`RowLimiter.limit` lists for each cut value.
STRING_CUT, CONTAINER_CUT = "string", "container"


class RowLimiter:
    """Applies a stream's limits to the rows of one set of columns.

    :meth:`limit` returns the row (the same object when nothing was cut) and
    the cuts in order (:data:`STRING_CUT`, :data:`CONTAINER_CUT`).
    """

    __slots__ = ("columns", "fits", "limits")

    def __init__(self, columns: Sequence[tuple[int, int]], limits: Limits):
        self.columns = tuple(columns)
        self.limits = limits
        #: ``fits(row)``: True when :meth:`limit` would cut nothing (a quick
        #: test of the common case; False means "call limit", not "too big").
        self.fits = _fits_test(self.columns, limits)

    @classmethod
    def build(cls, types: Sequence[str], limits: Limits) -> RowLimiter | None:
        """A limiter for columns of the given log types, or None if nothing can be cut."""
        if not any(limits):
            return None
        cols = []
        for i, t in enumerate(types):
            kind, elem = split_type(t)
            if kind is not None:
                cols.append((i, _STRINGS if elem == "string" else _CONTAINER))
            elif elem == "string":
                cols.append((i, _STRING))
        return cls(cols, limits) if cols else None

    def limit(self, row: Sequence) -> tuple[Sequence, list[str]]:
        fs, ts, fc, tc = self.limits
        strings = elements = 0
        cuts: list[str] = []
        out = None
        for i, kind in self.columns:
            v = row[i]
            if v is None:
                continue
            n = len(v)
            if kind == _STRING:
                a = allowed(n, fs, ts, strings)
                strings += a
                if a < n:
                    cuts.append(STRING_CUT)
                    out = out or list(row)
                    out[i] = v[:a]
                continue
            a = allowed(n, fc, tc, elements)
            new = v
            if a < n:
                cuts.append(CONTAINER_CUT)
                new = v[:a]
            if kind == _STRINGS:
                elems, cut = [], False
                for e in new:
                    if e is not None:
                        m = len(e)
                        b = allowed(m, fs, ts, strings)
                        strings += b
                        if b < m:
                            cuts.append(STRING_CUT)
                            cut = True
                            e = e[:b]
                    elems.append(e)
                if cut:
                    new = elems
            elements += len(new)
            if new is not v:
                out = out or list(row)
                out[i] = new
        if out is None:
            return row, cuts
        return tuple(out), cuts


def _fits_test(columns: Sequence[tuple[int, int]], limits: Limits):
    """A generated ``fits(row)`` for :attr:`RowLimiter.fits`.

    A row fits when each string is within the field limit and their sum
    within the total, likewise for container sizes; containers of strings
    are left to :meth:`RowLimiter.limit` (their elements count too).
    """
    fs, ts, fc, tc = limits
    strings = [i for i, kind in columns if kind == _STRING]
    containers = [i for i, kind in columns if kind == _CONTAINER]
    if len(strings) + len(containers) < len(columns):
        return lambda row: False
    tests = []
    for cols, field, total in ((strings, fs, ts), (containers, fc, tc)):
        if not cols:
            continue
        sizes = [f"(0 if row[{i}] is None else len(row[{i}]))" for i in cols]
        names = [f"n{i}" for i in cols]
        tests.append(f"    {', '.join(names)}, = {', '.join(sizes)},")
        if field:
            tests.append(f"    if {' or '.join(f'{n} > {field}' for n in names)}: return False")
        if total:
            tests.append(f"    if {' + '.join(names)} > {total}: return False")
    src = "def fits(row):\n" + "\n".join(tests) + "\n    return True\n"
    env: dict = {}
    exec(compile(src, "<log row limits>", "exec"), env)
    return env["fits"]


#: Bytes Zeek counts for a logged value of these types (``threading::Value`` sizes).
_ATOM_BYTES = {
    "bool": 8,
    "int": 8,
    "count": 8,
    "double": 8,
    "time": 8,
    "interval": 8,
    "port": 8,
    "addr": 20,
    "subnet": 21,
}
#: A generous bound for one value of another type (enum names, functions, files).
_OTHER_BOUND = 4096


def _value_bytes(v, elem: str) -> int:
    n = _ATOM_BYTES.get(elem)
    if n is not None:
        return n
    if type(v) is str:
        return len(v)
    return len(getattr(v, "name", None) or str(v))


def size_check(types: Sequence[str], limits: Limits, max_size: int):
    """``too_large(row) -> bool`` for rows of these log types, or None when
    the limits keep every row under ``max_size`` (0: no bound)."""
    if not max_size:
        return None
    cols = [(i, *split_type(t)) for i, t in enumerate(types)]
    fs, ts, fc, tc = limits
    if ts and tc:
        widest = max([*_ATOM_BYTES.values(), _OTHER_BOUND])
        if ts + (tc + len(cols)) * widest <= max_size:
            return None

    def too_large(row) -> bool:
        total = 0
        for i, kind, elem in cols:
            v = row[i]
            if v is None:
                continue
            if kind is None:
                total += _value_bytes(v, elem)
            else:
                for e in v:
                    if total >= max_size:
                        break
                    if e is not None:
                        total += _value_bytes(e, elem)
            if total > max_size:
                return True
        return False

    return too_large
