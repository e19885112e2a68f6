"""Conventions of Zeek's ASCII (TSV) format shared by writing and reading.

Zeek has one class for both directions (``threading::formatter::Ascii``):
the ASCII log writer renders values with it and the ASCII input reader
parses them back.  zscript splits the two (rendering is in
``zscript.logs.writers.formatters``, parsing in ``zscript.input.formatter``)
and keeps what they must agree on here, at the bottom layer:

* the separators and their defaults (:class:`SeparatorInfo`);
* ``\\xNN`` escaping of single bytes (:func:`hex_escape`), of header values
  (:func:`escape_header`) and its inverse (:func:`unescape`, Zeek's
  ``util::get_unescaped_string``);
* the container type names of ``#types`` lines (:func:`split_type`).

Text is a ``str`` of bytes (code points 0-255), as everywhere in zscript.
"""

from __future__ import annotations

import re

import attrs

__all__ = ["SeparatorInfo", "escape_header", "hex_escape", "split_type", "unescape"]


@attrs.frozen
class SeparatorInfo:
    """The separators of one ASCII stream (Zeek's ``SeparatorInfo``), with Zeek's defaults."""

    separator: str = "\t"
    set_separator: str = ","
    unset_field: str = "-"
    empty_field: str = "(empty)"


def hex_escape(s: str) -> str:
    """Every byte of ``s`` as ``\\xNN``."""
    return "".join("\\x%02x" % ord(c) for c in s)


def escape_header(s: str) -> str:
    """``util::get_escaped_string(s, false)``: hex-escape whitespace and
    unprintable bytes (header values such as ``#separator \\x09``)."""
    return "".join(c if "!" <= c <= "~" else "\\x%02x" % ord(c) for c in s)


_HEX_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")


def unescape(s: str) -> str:
    """``util::get_unescaped_string``: each ``\\xNN`` becomes the byte NN;
    everything else (other backslashes included) is kept."""
    if "\\x" not in s:
        return s
    return _HEX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), s)


def split_type(type_name: str) -> tuple[str | None, str]:
    """``"set[string]"`` -> ``("set", "string")``; ``"count"`` -> ``(None, "count")``."""
    if type_name.endswith("]") and "[" in type_name:
        kind, _, elem = type_name[:-1].partition("[")
        return kind, elem
    return None, type_name
