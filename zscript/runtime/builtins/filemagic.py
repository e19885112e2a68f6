"""Guessing a MIME type from the first bytes of data: ``identify_data`` and
``file_magic``.

Zeek matches data against its file-magic signatures (``file-magic``
patterns anchored at the start, each with a MIME type and a strength) and
reports the strongest match.  zscript has a table of its own here for the
common formats: images, archives and compressed data, executables, PDF,
HTML and plain text.  Plain text (an optional Unicode byte-order mark, then
at least ten printable or white-space bytes) is the weakest match, so any
more specific type wins over it, as in Zeek.

``file_magic`` returns every match, strongest first; ``identify_data`` the
strongest one's type, or ``<unknown>``.

Provides: identify_data, file_magic.
"""

from __future__ import annotations

import re

from ..bifs import bif
from ..containers import Vector
from ..values import record_class
from ._support import reporter_warning, script_type

__all__ = []

#: (MIME type, strength, pattern matched at the start of the data).
_SIGNATURES = [
    ("image/png", 110, rb"\x89PNG"),
    ("image/gif", 100, rb"GIF8[79]a"),
    ("image/jpeg", 52, rb"\xff\xd8\xff"),
    ("image/tiff", 70, rb"II\x2a\x00|MM\x00\x2a"),
    ("application/pdf", 80, rb"%PDF-"),
    ("application/zip", 70, rb"PK\x03\x04"),
    ("application/x-gzip", 100, rb"\x1f\x8b"),
    ("application/x-bzip2", 40, rb"BZh[1-9]"),
    ("application/x-xz", 90, rb"\xfd7zXZ\x00"),
    ("application/x-7z-compressed", 90, rb"7z\xbc\xaf\x27\x1c"),
    ("application/x-rar", 70, rb"Rar!\x1a\x07"),
    ("application/vnd.ms-cab-compressed", 50, rb"MSCF\x00\x00\x00\x00"),
    ("application/x-executable", 50, rb"\x7fELF"),
    ("application/x-dosexec", 51, rb"MZ"),
    ("audio/mpeg", 70, rb"ID3"),
    ("video/mp4", 70, rb".{4}ftyp(isom|mp4[12]|avc1|M4V )"),
    ("text/html", 100, rb"(?i)\s*<(!doctype html|html|head|body|title)[\s>]"),
    (
        "text/plain",
        -20,
        rb"(\xef\xbb\xbf|(\x00\x00)?\xfe\xff|\xff\xfe(\x00\x00)?)?[\t\n\v\f\r\x20-\x7e]{10}",
    ),
]

_COMPILED = [(mime, strength, re.compile(p, re.S)) for mime, strength, p in _SIGNATURES]


def detect(data: bytes) -> list[tuple[int, str]]:
    """Every (strength, MIME type) whose pattern matches ``data``, strongest first."""
    found = [(strength, mime) for mime, strength, p in _COMPILED if p.match(data)]
    found.sort(key=lambda m: -m[0])
    return found


@bif("identify_data", "function(data: string, return_mime: bool &default=T): string", context=True)
def identify_data(ctx, data, return_mime=True):
    if not return_mime:
        reporter_warning(
            ctx,
            "identify_data() builtin-function only returns MIME types,"
            " but verbose file info requested",
        )
    found = detect(data.encode("latin-1"))
    return found[0][1] if found else "<unknown>"


@bif("file_magic", "function(data: string): mime_matches", context=True)
def file_magic(ctx, data):
    cls = record_class(script_type(ctx, "mime_match"))
    items = [cls._zmake({"f_strength": s, "f_mime": m}) for s, m in detect(data.encode("latin-1"))]
    return Vector(script_type(ctx, "mime_matches"), items)
