"""``Log::WRITER_NONE``: a writer that discards its rows.

Useful to measure the logging framework without output costs, and for
streams whose records only matter to ``ev`` handlers or remote loggers.
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import WriterBackend

__all__ = ["NoneWriter"]


class NoneWriter(WriterBackend):
    """Counts rows (:attr:`~.base.WriterBackend.rows_written`) and drops them."""

    name = "none"

    def _do_write(self, rows: Sequence[Sequence]) -> None:
        pass
