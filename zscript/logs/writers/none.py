"""``Log::WRITER_NONE``: a writer that discards its rows.

Useful to measure the logging framework without output costs, and for
streams whose records only matter to ``ev`` handlers or remote loggers.

With ``LogNone::debug`` it prints what it was set up with when it starts,
as Zeek's does (``src/logging/writers/none/None.cc``)::

    [logging::writer::None]
      path=ssh
      rotation_interval=3600
      rotation_base=300
      config[foo] = bar
      field id.orig_p: port
      ...

(config keys sorted; container columns named by their type tag, ``table``
or ``vector``), then an empty line.  Rotation has no file to move: the
postprocessor is told ``/dev/null``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .base import WriterBackend
from .formatters import split_type

__all__ = ["NoneWriter"]


def _number(v: float) -> str:
    """A double as C++'s ``operator<<`` prints it (``%g``: 3600, 1.5, 0)."""
    return "%g" % v


class NoneWriter(WriterBackend):
    """Counts rows (:attr:`~.base.WriterBackend.rows_written`) and drops them."""

    name = "none"
    options_module = "LogNone"
    OPTIONS = {"debug": False}

    def _do_init(self) -> None:
        if not self.options["debug"]:
            return
        info = self.info
        lines = [
            "[logging::writer::None]",
            f"  path={info.path}",
            f"  rotation_interval={_number(info.rotation_interval)}",
            f"  rotation_base={_number(info.rotation_base)}",
        ]
        lines += [f"  config[{k}] = {v}" for k, v in sorted(info.config.items())]
        for f in info.fields:
            kind, elem = split_type(f.type)
            tag = elem if kind is None else ("table" if kind == "set" else "vector")
            lines.append(f"  field {f.name}: {tag}")
        sys.stdout.write("\n".join(lines) + "\n\n")
        sys.stdout.flush()

    def _do_write(self, rows: Sequence[Sequence]) -> None:
        pass

    def _do_rotate(self, rotated_path: str, open_time: float, close_time: float, terminating: bool):
        return "/dev/null"
