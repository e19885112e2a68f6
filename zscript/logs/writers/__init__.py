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
works before it is installed; their modules are imported when first used
(the SQLite writer's :mod:`sqlite3` costs nothing to scripts that never use
it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from ...resources import entry_points, load_target
from .base import WriterBackend, WriterError, WriterInfo

__all__ = [
    "ENTRY_POINT_GROUP",
    "WriterBackend",
    "WriterError",
    "WriterInfo",
    "find_writer",
    "writer_key",
    "writer_samples",
]

#: The entry point group naming writer classes.
ENTRY_POINT_GROUP = "zscript.log_writers"

#: The writers that come with zscript: entry point name -> "module:class".
_BUILTIN: dict[str, str] = {
    "ascii": "zscript.logs.writers.ascii:AsciiWriter",
    "nats": "zscript.logs.writers.nats:NATSWriter",
    "none": "zscript.logs.writers.none:NoneWriter",
    "sqlite": "zscript.logs.writers.sqlite:SQLiteWriter",
}
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
        cls = None
        if key in _BUILTIN:  # ours first: entry points are slow to look up
            cls = load_target(_BUILTIN[key])
        else:
            for ep in entry_points(ENTRY_POINT_GROUP, key):
                cls = ep.load()
                break
        _FOUND[key] = cls
    return _FOUND[key]


def writer_samples() -> Iterator[tuple]:
    """Telemetry samples of the writers used so far that keep their own
    counters: a module-level ``samples()`` in the writer's module (the NATS
    writer's acknowledged and lost records)."""
    for cls in list(_FOUND.values()):
        module = sys.modules.get(cls.__module__) if cls is not None else None
        samples = getattr(module, "samples", None)
        if samples is not None:
            yield from samples()
