"""Log writer plugins and how they are found.

A writer is a :class:`~.base.WriterBackend` subclass registered under a name
in the entry point group ``zscript.log_writers``::

    [project.entry-points."zscript.log_writers"]
    ascii = "zscript.logs.writers.ascii:AsciiWriter"

Scripts select a writer with a ``Log::Writer`` enumerator: ``WRITER_<NAME>``
uses the entry point ``<name>`` (lower-cased), so a package adding a writer
ships the class, the entry point and a script with
``redef enum Log::Writer += { WRITER_<NAME> };``.  The writers that come with
zscript are also known without their entry points, so a source checkout
works before it is installed.
"""

from __future__ import annotations

from .ascii import AsciiWriter
from .base import WriterBackend, WriterError, WriterInfo
from .none import NoneWriter

__all__ = [
    "ENTRY_POINT_GROUP",
    "WriterBackend",
    "WriterError",
    "WriterInfo",
    "find_writer",
    "writer_key",
]

#: The entry point group naming writer classes.
ENTRY_POINT_GROUP = "zscript.log_writers"

_BUILTIN: dict[str, type[WriterBackend]] = {"ascii": AsciiWriter, "none": NoneWriter}
_FOUND: dict[str, type[WriterBackend] | None] = {}


def writer_key(enum_name: str) -> str:
    """The entry point name for a ``Log::Writer`` enumerator (``Log::WRITER_ASCII`` -> ``ascii``)."""
    short = enum_name.rpartition("::")[2]
    return short.removeprefix("WRITER_").lower()


def find_writer(name: str) -> type[WriterBackend] | None:
    """The writer class registered as ``name`` (an entry point name or a
    ``Log::Writer`` enumerator name), or None."""
    key = writer_key(name)
    if key not in _FOUND:
        from importlib.metadata import entry_points  # slow to import: not at start-up

        cls = None
        for ep in entry_points(group=ENTRY_POINT_GROUP, name=key):
            cls = ep.load()
            break
        _FOUND[key] = cls or _BUILTIN.get(key)
    return _FOUND[key]
