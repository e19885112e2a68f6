"""The logging framework (Zeek's ``Log`` module) for zscript.

Layout:

* :mod:`.manager` -- :class:`LogManager`: streams, filters, the write path,
  batching, rotation and the remote-logging seam;
* :mod:`.schema` -- record types unrolled into columns, records into rows;
* :mod:`.frontend` -- per-path buffers handing rows to writers and sinks;
* :mod:`.batch` -- :class:`LogBatch` and its byte encoding, :class:`LogSink`;
* :mod:`.writers` -- the writer plugin interface and the ASCII, SQLite and none writers;
* :mod:`.services` -- what the manager needs from its host;
* :mod:`.install` -- the bifs and host wiring (``host.subsystems["logs"]``).

The script side is ``stdlib/base/frameworks/logging``.
"""

from __future__ import annotations

from .batch import LogBatch, LogSink
from .manager import FilterSpec, LogManager, StreamSpec
from .schema import LogField
from .services import LogServices
from .writers import WriterBackend, WriterInfo

__all__ = [
    "FilterSpec",
    "LogBatch",
    "LogField",
    "LogManager",
    "LogServices",
    "LogSink",
    "StreamSpec",
    "WriterBackend",
    "WriterInfo",
]
