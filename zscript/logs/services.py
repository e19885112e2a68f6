"""What the log manager needs from the process it runs in.

The :class:`~.manager.LogManager` does not know the host: it is given a
:class:`LogServices` object for time, timers, script options, events,
hooks, error reporting and the rotation callbacks.  ``install.py`` adapts a
:class:`~zscript.host.Host` to it; :class:`LogServices` itself is a
complete stand-alone implementation (own timer queue, options from a dict,
messages collected in lists), used by unit tests and by programs that embed
the manager without scripts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

from ..engine.timers import TimerQueue

__all__ = ["LogServices"]


class LogServices:
    """Time, timers and script-side services for a log manager.

    :param options: script option values by full name
        (``"Log::flush_interval"``, ``"LogAscii::use_json"`` ...); missing
        names take the caller's default.
    :param now: network time (default: a fixed start time advanced by
        :meth:`advance`).
    """

    def __init__(self, options: Mapping[str, object] | None = None, now: float | None = None):
        self.options = dict(options or {})
        self.now = time.time() if now is None else now
        self.timers = TimerQueue()
        self.terminating = False
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.infos: list[str] = []
        self.weirds: list[tuple[str, str]] = []
        #: Events raised through :meth:`raise_event`, as ``(event, args)``.
        self.events: list[tuple] = []

    # ------------------------------------------------------------------ time

    def network_time(self) -> float:
        return self.now

    def is_terminating(self) -> bool:
        return self.terminating

    def add_timer(self, when: float, callback: Callable[[], None], kind: str = ""):
        """Run ``callback`` once network time reaches ``when``; the result has ``cancel()``.

        ``kind``: Zeek's timer type name (metrics only).
        """
        return self.timers.add(when, callback, kind)

    def advance(self, seconds: float) -> None:
        """Move network time forward, running the timers that come due."""
        self.now += seconds
        self.timers.expire(self.now, None)

    # --------------------------------------------------------------- scripts

    def option(self, name: str, default):
        """The value of script constant ``name`` (plain Python values)."""
        return self.options.get(name, default)

    def raise_event(self, event, args: tuple) -> None:
        """Queue the stream's ``$ev`` event with ``args``."""
        self.events.append((event, args))

    def stream_policy(self, rec, stream_id) -> bool:
        """Run ``Log::log_stream_policy``; False if a handler vetoed."""
        return True

    def error(self, message: str) -> None:
        self.errors.append(message)

    def warning(self, message: str) -> None:
        self.warnings.append(message)

    def info(self, message: str) -> None:
        """An informational message (Zeek's ``Reporter::Info``)."""
        self.infos.append(message)

    def weird(self, name: str, addl: str) -> None:
        """A weird (Zeek's ``Reporter::Weird``): in a host, the ``net_weird`` event."""
        self.weirds.append((name, addl))

    def fatal(self, message: str) -> None:
        """An error that ends the process (Zeek's ``Reporter::FatalError``)."""
        self.errors.append(message)
        raise RuntimeError(message)

    def writer_error(self, message: str) -> None:
        """An error of a writer.  Zeek's writers run in threads whose messages
        reach the reporter later, from the main loop: they are reported like
        :meth:`error` but are never errors of the script's initialization."""
        self.error(message)

    # -------------------------------------------------------------- rotation

    def rotation_path(
        self,
        writer: str,
        path: str,
        open_time: float,
        close_time: float,
        terminating: bool,
        postprocessor,
    ) -> str:
        """Where a rotated file goes, without extension (``Log::rotation_format_func``).

        The default is Zeek's for the ASCII writer: ``<path>.<open time>`` with
        ``Log::default_rotation_date_format``, in ``Log::default_logdir``.
        """
        fmt = str(self.option("Log::default_rotation_date_format", "%Y-%m-%d-%H-%M-%S"))
        base = f"{path}.{time.strftime(fmt, time.localtime(open_time))}"
        logdir = str(self.option("Log::default_logdir", ""))
        return os.path.join(logdir, base) if logdir else base

    def postprocessor_named(self, name: str):
        """The rotation postprocessor function called ``name``, or None if there
        is no such function or it has the wrong type (leftover logs name theirs)."""
        fn = self.options.get(name)
        return fn if callable(fn) else None

    def rotation_finished(
        self,
        writer: str,
        new_name: str,
        path: str,
        open_time: float,
        close_time: float,
        terminating: bool,
        postprocessor,
    ) -> bool:
        """Run the postprocessor of a rotated file; False stops the writer."""
        if postprocessor is None:
            return True
        return bool(postprocessor(writer, new_name, path, open_time, close_time, terminating))
