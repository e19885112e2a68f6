"""Serializers: zscript values to the bytes a backend stores, and back.

A serializer is a plugin (entry-point group ``zscript.storage_serializers``,
named after its ``Storage::Serializer`` enumerator without the
``STORAGE_SERIALIZER_`` prefix).  It converts a value of a *declared* type:
keys and values are written with the types given to ``open_backend``, and
read back as those types.

:class:`JSONSerializer` (``Storage::STORAGE_SERIALIZER_JSON``, the default)
stores exactly what Zeek stores: ``JSONv1;`` followed by Zeek's JSON
rendering of the value (``Val::ToJSON``), e.g. the string ``abc`` is the
bytes ``JSONv1;"abc"``.  Reading checks the version prefix and converts the
JSON back with Zeek's ``from_json`` rules, so records, sets, tables,
vectors, times, intervals, ports and addresses round-trip, and files written
by Zeek read back in zscript and the other way round.  The conversion is
the project's ``to_json``/``from_json`` code
(:mod:`zscript.runtime.builtins.json`), not a copy of it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from ..runtime.builtins.json import (
    FromJSONError,
    escape_utf8,
    json_string,
    value_from_json,
    value_to_json,
)
from ..types import Type

__all__ = ["JSONSerializer", "SerializationError", "Serializer"]


class SerializationError(Exception):
    """A value could not be written, or stored bytes could not be read back."""


class Serializer(ABC):
    """Base class of serializers."""

    #: The ``Storage::Serializer`` enumerator naming this serializer.
    tag: ClassVar[str] = ""

    @abstractmethod
    def serialize(self, value: Any, t: Type) -> bytes:
        """``value`` (unboxed, of type ``t``) as bytes."""

    @abstractmethod
    def unserialize(self, data: bytes, t: Type) -> Any:
        """Bytes back to an (unboxed) value of type ``t``; raises :class:`SerializationError`."""


class JSONSerializer(Serializer):
    """Zeek's ``JSONv1`` format (``src/storage/serializer/json/JSON.cc``)."""

    tag = "STORAGE_SERIALIZER_JSON"
    versioned_name = "JSONv1"
    _prefix = b"JSONv1;"

    def serialize(self, value: Any, t: Type) -> bytes:
        tag = t.tag
        try:
            # Fast paths for the common key and value types; same bytes as below.
            if tag == "string":
                if _SAFE_TEXT.fullmatch(value):
                    return b'JSONv1;"' + value.encode("ascii") + b'"'
                text = json_string(escape_utf8(value))
            elif tag in ("count", "int") and type(value) is int:
                return b"JSONv1;%d" % value
            else:
                text = value_to_json(value, t)
        except Exception as e:  # noqa: BLE001 - an unexpected value shape
            raise SerializationError(f"Failed to serialize value: {e}") from None
        # Script strings hold bytes as characters 0-255.
        return self._prefix + text.encode("latin-1", "replace")

    def unserialize(self, data: bytes, t: Type) -> Any:
        tag = t.tag
        if tag == "string":
            # A JSON string without escapes holds the value's bytes verbatim.
            if data.startswith(b'JSONv1;"') and _PLAIN_STRING.fullmatch(data, 8):
                return data[8:-1].decode("latin-1")
        elif tag == "count" and data.startswith(self._prefix) and _COUNT.fullmatch(data, 7):
            n = int(data[7:])
            if n < 1 << 64:
                return n
        semicolon = data.find(b";")
        if semicolon < 0:
            raise SerializationError("Version string missing")
        version = data[:semicolon].decode("latin-1")
        if version != self.versioned_name:
            raise SerializationError(f"Version doesn't match: {version} vs {self.versioned_name}")
        try:
            return value_from_json(data[semicolon + 1 :].decode("latin-1"), t)
        except FromJSONError as e:
            raise SerializationError(str(e)) from None
        except Exception as e:  # noqa: BLE001 - e.g. a pattern that does not compile
            raise SerializationError(f"Failed to unserialize value: {e}") from None


_PLAIN_STRING = re.compile(rb'[^"\\\x00-\x1f]*"')
_COUNT = re.compile(rb"0|[1-9][0-9]{0,19}")
#: Strings whose JSON text is the string in quotes (printable ASCII without ``"`` or ``\``).
_SAFE_TEXT = re.compile(r"[ !#-\[\]-~]*")
