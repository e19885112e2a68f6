"""From a reader's values to script values (Zeek's ``ValueToVal`` and friends).

A line arrives as a flat list with one value per unrolled field (see
:mod:`.fields`); :class:`Converter` rebuilds what the stream's script types
ask for: records (nested records consume consecutive fields), table
indices (one value, or a tuple for several index columns), sets and
vectors of the declared element type, enumerators by name.  A value that
cannot be used (an unknown enumerator, an unset field that is neither
``&optional`` nor has a ``&default``) is warned about in Zeek's words and
the line is skipped: the conversion raises :class:`SkipLine`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..runtime.containers import Vector
from ..runtime.values import record_class
from ..types import RecordType, TableType, Type

__all__ = ["Converter", "SkipLine", "freeze_values"]


class SkipLine(Exception):
    """The line cannot be used (already warned about)."""


def freeze_values(vals) -> tuple:
    """A hashable snapshot of raw reader values (Zeek's ``HashValues`` input)."""
    return tuple(tuple(v) if isinstance(v, list) else v for v in vals)


class Converter:
    """Converts the values of one stream.

    :param stream_name: for enum warnings.
    :param source: the stream's source, for the location of warnings.
    :param warn: ``warn(message)`` reports a warning of the stream.
    :param make_set: ``make_set(set_type, elements)`` builds a set value.
    """

    def __init__(
        self,
        stream_name: str,
        source: str,
        warn: Callable[[str], None],
        make_set: Callable,
    ):
        self.stream_name = stream_name
        self.source = source
        self.warn = warn
        self.make_set = make_set

    def _missing(self, line: int | None, what: str) -> None:
        text = "Skipping input with missing non-optional value"
        if line is not None:
            self.warn(f"{self.source}:{line}: {text} ({what})")
        else:
            self.warn(f"{text} ({what})")

    def value(self, v, t: Type, line: int | None, what: str = "stream"):
        """One field's value; None stays None (unset)."""
        if v is None:
            return None
        tag = t.tag
        if tag == "enum":
            ev = getattr(t, "runtime_values", {}).get(v)
            if ev is None:
                text = f"Value '{v}' for {what} '{self.stream_name}' is not a valid enum."
                self.warn(f"{self.source}, line {line}: {text}" if line is not None else text)
                raise SkipLine
            return ev
        # Elements of sets and vectors carry no line number in Zeek.
        if isinstance(t, TableType):
            elem_t = t.indices[0]
            return self.make_set(t, [self.value(x, elem_t, None, what) for x in v])
        if tag == "vector":
            return Vector(t, [self.value(x, t.elem, None, what) for x in v])
        return v

    def record(self, vals: list, rt: RecordType, pos: int, line: int | None) -> tuple:
        """A record of type ``rt`` from ``vals[pos:]``; returns ``(record, next pos)``."""
        given = {}
        for f in rt.fields:
            ft = f.type
            if isinstance(ft, RecordType):
                rec, pos = self.record(vals, ft, pos, line)
                given["f_" + f.name] = rec
                continue
            if ft.tag in ("file", "func", "opaque"):
                continue  # an ignored &optional field (see fields.unroll_record_type)
            v = vals[pos]
            if v is None and not (f.optional or f.has_default):
                self._missing(line, f"record field {f.name}")
                raise SkipLine
            val = self.value(v, ft, line)
            if val is not None:
                given["f_" + f.name] = val
            pos += 1
        return record_class(rt)._zmake(given), pos

    def index(self, vals: list, itype: RecordType, line: int | None):
        """The table index of a line: one value, or a tuple of several."""
        fields = itype.fields
        if len(fields) == 1 and not isinstance(fields[0].type, RecordType):
            return self.value(vals[0], fields[0].type, line)
        out = []
        pos = 0
        for f in fields:
            if isinstance(f.type, RecordType):
                rec, pos = self.record(vals, f.type, pos, line)
                out.append(rec)
                continue
            v = self.value(vals[pos], f.type, line)
            if v is None:
                self._missing(line, f"index field {f.name}")
                raise SkipLine
            out.append(v)
            pos += 1
        return tuple(out)

    @staticmethod
    def index_of_record(rec, itype: RecordType):
        """``RecordValToIndexVal``: the table index held by an index record."""
        fields = itype.fields
        if len(fields) == 1 and not isinstance(fields[0].type, RecordType):
            return getattr(rec, "f_" + fields[0].name)
        return tuple(getattr(rec, "f_" + f.name) for f in fields)
