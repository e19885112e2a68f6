"""Log batches: the unit of remote logging, and its byte encoding.

On a node that logs remotely (a worker, proxy or manager in a cluster with a
logger), each writer frontend collects rows and hands them over as one
:class:`LogBatch` when its buffer reaches ``Log::write_buffer_size`` rows,
when ``Log::flush_interval`` elapses, on ``Log::flush``, and at shutdown.  The
:class:`~.manager.LogManager` passes each batch to its remote sink
(:meth:`~.manager.LogManager.set_remote_sink`); the receiving node gives it
to :meth:`~.manager.LogManager.accept_remote`, which writes the rows with its
local writers, to the path the sender chose.

A sink is any object with ``send(batch) -> bool`` (:class:`LogSink`);
``False`` means the batch could not be delivered (the sender counts its
rows in ``LogManager.dropped``).  The cluster layer implements it on top of
its transport (ZeroMQ PUSH/PULL), using :meth:`LogBatch.encode` and
:meth:`LogBatch.decode`.

Wire format (version 1)
-----------------------
``b"zlog1\\n"`` followed by one UTF-8 JSON object::

    {"stream": "Conn::LOG", "filter": "default", "path": "conn",
     "writer": "Log::WRITER_ASCII",
     "fields": [["ts", "time"], ["id.orig_h", "addr"], ...],
     "rows": [[1700000000.123456, "10.0.0.1", ...], ...]}

Row values are the log values of :mod:`.schema` (``null`` for unset, JSON
numbers, strings, arrays for sets and vectors).  Strings hold bytes as code
points 0-255 and are written with ``\\u00XX`` escapes, doubles with
Python's round-trip ``repr`` (``NaN``/``Infinity`` as Python's ``json``
writes them), so decoding gives back exactly the encoded rows.
"""

from __future__ import annotations

import json
from typing import NamedTuple, Protocol

from .schema import LogField

__all__ = ["MAGIC", "LogBatch", "LogSink"]

#: First bytes of every encoded batch (format name and version).
MAGIC = b"zlog1\n"


class LogBatch(NamedTuple):
    """Rows written by one writer frontend, with what is needed to write them."""

    #: The stream's ``Log::ID`` enumerator name (``"Conn::LOG"``).
    stream: str
    #: The filter that produced the rows.
    filter: str
    #: The path the writer writes to (``"conn"``).
    path: str
    #: The writer's ``Log::Writer`` enumerator name (``"Log::WRITER_ASCII"``).
    writer: str
    #: The columns.
    fields: tuple[LogField, ...]
    #: The rows, each a sequence of log values in column order.
    rows: list

    def encode(self) -> bytes:
        """The batch as bytes (see the module documentation)."""
        obj = {
            "stream": self.stream,
            "filter": self.filter,
            "path": self.path,
            "writer": self.writer,
            "fields": self.fields,
            "rows": self.rows,
        }
        return MAGIC + json.dumps(obj, separators=(",", ":")).encode("ascii")

    @classmethod
    def decode(cls, data: bytes) -> LogBatch:
        """Parse :meth:`encode` output.

        :raises ValueError: ``data`` is not an encoded batch.
        """
        if not data.startswith(MAGIC):
            raise ValueError("not a zscript log batch (bad magic)")
        try:
            obj = json.loads(data[len(MAGIC) :])
            fields = tuple(LogField(str(n), str(t)) for n, t in obj["fields"])
            batch = cls(
                str(obj["stream"]),
                str(obj["filter"]),
                str(obj["path"]),
                str(obj["writer"]),
                fields,
                list(obj["rows"]),
            )
        except (KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"malformed log batch: {e}") from None
        if any(len(r) != len(fields) for r in batch.rows):
            raise ValueError("malformed log batch: row length differs from the fields")
        return batch


class LogSink(Protocol):
    """Where a node's remote log batches go (provided by the cluster layer)."""

    def send(self, batch: LogBatch) -> bool:
        """Deliver ``batch``; False if it could not be delivered (it is then lost)."""
        ...
