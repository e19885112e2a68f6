"""The writer plugin interface (Zeek's ``logging::WriterBackend``).

A writer turns rows into output for one *path* of one stream.  The log
manager drives it through the public methods, which keep the bookkeeping
(disabled state, counters, error reporting) in one place and call the
``_do_*`` hooks a concrete writer implements:

=====================================  ======================================
public method (manager calls)          hook (writer implements)
=====================================  ======================================
:meth:`~WriterBackend.write`           :meth:`~WriterBackend._do_write` (required)
:meth:`~WriterBackend.flush`           :meth:`~WriterBackend._do_flush`
:meth:`~WriterBackend.set_buf`         :meth:`~WriterBackend._do_set_buf`
:meth:`~WriterBackend.rotate`          :meth:`~WriterBackend._do_rotate`
:meth:`~WriterBackend.close`           :meth:`~WriterBackend._do_finish`
=====================================  ======================================

A writer is created with a :class:`WriterInfo` (path, columns, the filter's
``$config`` table ...) and its *options*: the values of the script
constants in its :attr:`~WriterBackend.options_module` named in
:attr:`~WriterBackend.OPTIONS` (``LogAscii::separator`` ...), read by the
manager when the writer is created.  A hook that fails raises
:class:`WriterError` (or ``OSError``); the writer is then disabled and the
message reported, followed by ``terminating thread``, as Zeek does with a
failing writer thread.  Messages carry the writer's name as Zeek's thread
name: ``<path>/<Log::Writer enumerator>: ...`` (``ssh/Log::WRITER_SQLITE:``);
informational ones (:meth:`WriterBackend._note`) go to ``notify``.

Writers are found by name through the entry point group
``zscript.log_writers`` (see :mod:`zscript.logs.writers`); the name is the
``Log::Writer`` enumerator without ``WRITER_``, lower-cased (``ascii`` for
``Log::WRITER_ASCII``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from ..schema import LogField

__all__ = ["WriterBackend", "WriterError", "WriterInfo"]


class WriterError(Exception):
    """A writer cannot go on; the message says why."""


@dataclass
class WriterInfo:
    """What a writer is told about its output (Zeek's ``WriterBackend::WriterInfo``)."""

    #: The path (``"conn"``); the writer adds its own extension.
    path: str
    #: The columns, in row order.
    fields: tuple[LogField, ...]
    #: The filter that created the writer (``"default"``).
    filter_name: str = ""
    #: The stream's ``Log::ID`` enumerator name.
    stream: str = ""
    #: The writer's ``Log::Writer`` enumerator name.
    writer: str = ""
    #: The filter's ``$config`` table (writer-specific settings).
    config: Mapping[str, str] = field(default_factory=dict)
    #: Rotation interval in seconds (0: no rotation).
    rotation_interval: float = 0.0
    #: ``log_rotate_base_time`` in seconds after midnight (-1: none).
    rotation_base: float = -1.0
    #: Network time when the writer was created.
    network_time: float = 0.0
    #: ``Log::default_logdir``: where relative paths are written ("" = cwd).
    logdir: str = ""
    #: Name of the filter's rotation postprocessor function ("" for none).
    post_proc_func: str = ""


class WriterBackend:
    """Base class of log writers.

    :param info: what to write and where.
    :param options: the writer's option values, by name without module
        (defaults from :attr:`OPTIONS` fill the gaps).
    :param report: called with an error message when the writer fails.
    :param notify: called with informational messages (Zeek's ``Info``).
    """

    #: Name in the ``zscript.log_writers`` entry point group.
    name: ClassVar[str] = ""
    #: Script module whose constants configure the writer (``"LogAscii"``).
    options_module: ClassVar[str] = ""
    #: Option names and defaults, read from ``<options_module>::<name>``.
    OPTIONS: ClassVar[Mapping[str, object]] = {}

    def __init__(
        self,
        info: WriterInfo,
        options: Mapping[str, object] | None = None,
        report: Callable[[str], None] | None = None,
        notify: Callable[[str], None] | None = None,
    ):
        self.info = info
        self.options = {**self.OPTIONS, **(options or {})}
        self._report = report
        self._notify = notify
        #: True once a hook failed; the writer then ignores everything.
        self.disabled = False
        #: Whether output may be buffered (``Log::set_buf``).
        self.buffered = True
        #: Rows written so far.
        self.rows_written = 0
        self._initialized = False

    # ------------------------------------------------------------ public API

    def init(self) -> bool:
        """Prepare for writing (called once, before the first write)."""
        if self._initialized:
            return not self.disabled
        self._initialized = True
        return self._run(self._do_init)

    def write(self, rows: Sequence[Sequence]) -> bool:
        """Write ``rows`` (each a sequence of log values, in column order)."""
        if self.disabled:
            return False
        if not self._initialized and not self.init():
            return False
        if self._run(self._do_write, rows):
            self.rows_written += len(rows)
            return True
        return False

    def flush(self, network_time: float) -> bool:
        """Push buffered output out (``Log::flush``)."""
        return not self.disabled and self._run(self._do_flush, network_time)

    def set_buf(self, enabled: bool) -> bool:
        """Allow or forbid buffering of output (``Log::set_buf``)."""
        self.buffered = enabled
        return not self.disabled and self._run(self._do_set_buf, enabled)

    def rotate(self, rotated_path: str, open_time: float, close_time: float, terminating: bool):
        """Close the current output and move it to ``rotated_path`` (plus the
        writer's extension).

        :returns: the new file name, or None if there was nothing to rotate.
        """
        if self.disabled:
            return None
        out: list = []
        ok = self._run(
            lambda: out.append(self._do_rotate(rotated_path, open_time, close_time, terminating))
        )
        return out[0] if ok else None

    def close(self, network_time: float) -> bool:
        """Finish writing (shutdown, stream removal); the writer is not used again."""
        if self.disabled or not self._initialized:
            self.disabled = True
            return False
        ok = self._run(self._do_finish, network_time)
        self.disabled = True
        return ok

    # ------------------------------------------------------------------ hooks

    def _do_init(self) -> None:
        """Prepare the output (open files lazily or here)."""

    def _do_write(self, rows: Sequence[Sequence]) -> None:
        raise NotImplementedError

    def _do_flush(self, network_time: float) -> None:
        """Push buffered output out."""

    def _do_set_buf(self, enabled: bool) -> None:
        """React to a change of :attr:`buffered`."""

    def _do_rotate(self, rotated_path: str, open_time: float, close_time: float, terminating: bool):
        """Rotate the output; return the new name, or None (nothing to rotate)."""
        return None

    def _do_finish(self, network_time: float) -> None:
        """Close the output."""

    # --------------------------------------------------------------- helpers

    @property
    def thread_name(self) -> str:
        """The name messages carry (Zeek's writer thread name: ``ssh/Log::WRITER_ASCII``)."""
        return f"{self.info.path}/{self.info.writer or self.name}"

    def _note(self, message: str) -> None:
        """Report an informational message."""
        if self._notify is not None:
            self._notify(f"{self.thread_name}: {message}")

    def _run(self, hook, *args) -> bool:
        try:
            hook(*args)
        except (WriterError, OSError) as e:
            self.disabled = True
            msg = e.args[0] if isinstance(e, WriterError) else f"{e.strerror or e}"
            if self._report is not None:
                self._report(f"{self.thread_name}: {msg}")
                self._report(f"{self.thread_name}: terminating thread")
            return False
        return True
