"""The flat field list a reader fills: record types unrolled into columns.

A stream describes its data with record types (``$idx``, ``$val``,
``$fields``).  Readers do not see records: as in Zeek
(``input::Manager::UnrollRecordType``), nested records are flattened into
one list of :class:`Field` s named with dotted paths (``sub.a``), and each
line of input yields one value per field.  Which field types a reader can
fill is :func:`is_compatible_type`; the messages for the others are Zeek's.
"""

from __future__ import annotations

import attrs

from ..types import FileType, RecordType, TableType, Type, VectorType

__all__ = ["Field", "UnrollError", "is_compatible_type", "unroll_record_type"]

_ATOMIC = frozenset(
    (
        "bool",
        "int",
        "count",
        "port",
        "subnet",
        "addr",
        "double",
        "time",
        "interval",
        "enum",
        "string",
        "pattern",
    )
)


@attrs.frozen
class Field:
    """One column a reader delivers (Zeek's ``threading::Field``).

    :param name: the column name (dotted for fields of nested records).
    :param tag: the type tag (``"count"``, ``"table"`` for sets, ``"vector"`` ...).
    :param subtype: the element tag of a set or vector, else None.
    :param type: the script type (element conversion and enum lookup).
    :param secondary_name: for a port, the column holding its protocol (``&type_column``).
    :param optional: the record field is ``&optional``.
    """

    name: str
    tag: str
    subtype: str | None
    type: Type
    secondary_name: str | None = None
    optional: bool = False


class UnrollError(Exception):
    """A record type a reader cannot fill; the messages come in :attr:`reports`."""


def is_compatible_type(t: Type, atomic_only: bool = False) -> bool:
    """Zeek's ``Manager::IsCompatibleType``: atomic types, records, sets of one
    atomic index and vectors of an atomic type."""
    if t.tag in _ATOMIC:
        return True
    if t.tag == "record":
        return not atomic_only
    if atomic_only:
        return False
    if isinstance(t, TableType):
        return t.is_set and len(t.indices) == 1 and is_compatible_type(t.indices[0], True)
    if isinstance(t, VectorType):
        return t.elem is not None and is_compatible_type(t.elem, True)
    return False


def _type_tag(t: Type) -> str:
    return "table" if t.tag == "table" else t.tag


def unroll_record_type(
    rec: RecordType,
    *,
    allow_file_func: bool,
    report,
    prefix: str = "",
    out: list[Field] | None = None,
) -> list[Field]:
    """The fields of ``rec`` flattened (Zeek's ``UnrollRecordType``).

    ``report(level, message)`` receives Zeek's info and error messages
    (levels ``"info"`` and ``"error"``); :class:`UnrollError` is raised when
    the type cannot be read.  ``allow_file_func``: an ``&optional`` field of
    type file, function or opaque is skipped with a message instead.
    """
    fields: list[Field] = [] if out is None else out
    for f in rec.fields:
        t = f.type
        name = prefix + f.name
        # Zeek counts a field with a &default as &optional.
        optional = f.optional or f.has_default
        if not is_compatible_type(t):
            tag = t.tag
            unsupported = isinstance(t, FileType) or tag in ("func", "opaque")
            if allow_file_func and unsupported and optional:
                report(
                    "info",
                    f'Encountered incompatible type "{tag}" in type definition for '
                    f'field "{name}" in ReaderFrontend. Ignoring optional field.',
                )
                continue
            report(
                "error",
                f'Incompatible type "{tag}" in type definition for field "{name}" in ReaderFrontend',
            )
            raise UnrollError(name)
        if isinstance(t, RecordType):
            if t.fields and optional:
                report(
                    "info",
                    f'The input framework does not support optional record fields: "{f.name}"',
                )
                raise UnrollError(name)
            unroll_record_type(
                t, allow_file_func=allow_file_func, report=report, prefix=name + ".", out=fields
            )
            continue
        subtype = None
        secondary = None
        if isinstance(t, TableType):
            subtype = t.indices[0].tag
        elif isinstance(t, VectorType):
            subtype = t.elem.tag
        elif t.tag == "port" and "&type_column" in f.attrs:
            secondary = getattr(f.attrs["&type_column"], "value", None)
        fields.append(Field(name, _type_tag(t), subtype, t, secondary, optional))
    return fields
