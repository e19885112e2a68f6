"""Writer frontends: the per-path buffer between the log manager and a writer.

One :class:`WriterFrontend` exists per stream and (writer, path) pair
(Zeek's ``logging::WriterFrontend``).  Rows are appended to its buffer; the
buffer is handed on as a whole when it holds ``Log::write_buffer_size``
rows, when buffering is off (``Log::set_buf(id, F)``, or shutdown), and when
the manager flushes (``Log::flush_interval`` timer, ``Log::flush``).

Handing on means: if the frontend logs *remotely* and a remote sink is
set, the rows go out as one :class:`~.batch.LogBatch`; if it logs *locally*
the rows go to its :class:`~.writers.base.WriterBackend`.  Both can apply
(Zeek's defaults for a standalone node log locally and have remote logging
enabled, which does nothing without a cluster).
"""

from __future__ import annotations

from collections.abc import Callable

from .batch import LogBatch
from .writers.base import WriterBackend, WriterInfo

__all__ = ["WriterFrontend"]


class WriterFrontend:
    """Buffers rows for one writer path and passes them on in batches.

    :param info: the writer's path, columns and settings.
    :param backend: the local writer, or None if this path is not logged locally.
    :param remote: whether the filter logs remotely (``log_remote``);
        batches go out only while :attr:`sending` is also set (the manager
        sets it when a remote sink exists).
    :param send: called with each outgoing batch (the manager's remote path).
    :param limit: rows buffered before a batch is handed on.
    """

    __slots__ = (
        "backend",
        "buf",
        "discarded_writes",
        "from_remote",
        "info",
        "instantiating_filter",
        "limit",
        "open_time",
        "postprocessor",
        "remote",
        "rotation_timer",
        "rows",
        "send",
        "sending",
        "stopped",
        "truncated_containers",
        "truncated_strings",
        "writes",
    )

    def __init__(
        self,
        info: WriterInfo,
        *,
        backend: WriterBackend | None,
        remote: bool,
        send: Callable[[LogBatch], None],
        limit: int,
        from_remote: bool = False,
    ):
        self.info = info
        self.backend = backend
        self.remote = remote
        self.sending = False
        self.send = send
        self.limit = max(1, limit)
        self.rows: list = []
        #: False after ``Log::set_buf(id, F)``: every row is handed on at once.
        self.buf = True
        #: Created for batches from another node (Zeek's ``from_remote``).
        self.from_remote = from_remote
        #: The filter that created this frontend ("" for remote ones).
        self.instantiating_filter = info.filter_name if not from_remote else ""
        #: When the current output was opened (rotation bookkeeping).
        self.open_time = info.network_time
        #: Rotation timer, its postprocessor (a script function or None).
        self.rotation_timer = None
        self.postprocessor = None
        #: Set by :meth:`stop`.
        self.stopped = False
        #: Rows ``LogManager.write`` passed to this writer (not those from other nodes).
        self.writes = 0
        #: Strings and containers of those rows cut to the stream's limits.
        self.truncated_strings = 0
        self.truncated_containers = 0
        #: Rows not written for being over ``Log::max_log_record_size``.
        self.discarded_writes = 0

    @property
    def local(self) -> bool:
        return self.backend is not None

    def write(self, row) -> None:
        rows = self.rows
        rows.append(row)
        if len(rows) >= self.limit or not self.buf:
            self.flush_buffer()

    def write_many(self, rows: list) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= self.limit or not self.buf:
            self.flush_buffer()

    def flush_buffer(self) -> None:
        """Hand the buffered rows on (remote sink and/or local writer)."""
        rows = self.rows
        if not rows:
            return
        self.rows = []
        if self.sending:
            info = self.info
            self.send(
                LogBatch(info.stream, info.filter_name, info.path, info.writer, info.fields, rows)
            )
        if self.backend is not None:
            self.backend.write(rows)

    def set_buf(self, enabled: bool) -> None:
        self.buf = enabled
        if self.backend is not None:
            self.backend.set_buf(enabled)
        if not enabled:
            self.flush_buffer()

    def flush(self, network_time: float) -> None:
        self.flush_buffer()
        if self.backend is not None:
            self.backend.flush(network_time)

    def stop(self, network_time: float) -> None:
        """Flush and close (shutdown, stream or writer removal)."""
        self.flush_buffer()
        self.stopped = True
        if self.rotation_timer is not None:
            self.rotation_timer.cancel()
            self.rotation_timer = None
        if self.backend is not None:
            self.backend.close(network_time)
