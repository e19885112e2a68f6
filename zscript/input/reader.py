"""The reader plugin interface (Zeek's ``input::ReaderBackend``).

A reader turns a source (a file, a command's output, a database) into
lines of values for one input stream.  Each stream has its own reader
object, running on its own thread (:mod:`.thread`); the thread calls the
public methods, which call the ``_do_*`` hooks a reader implements:

=====================  ==================================================
public method          hook
=====================  ==================================================
``init(fields)``       ``_do_init(info, fields)``: open the source, usually
                       read it once (return False if that failed)
``update()``           ``_do_update()``: read again (``Input::force_update``,
                       or on a heartbeat in REREAD and STREAM modes)
``heartbeat(nt, now)`` ``_do_heartbeat(network_time, now)``: periodic
                       check (once a second by default)
``finish()``           ``_do_close()``: release the source
``abort()``            ``_do_abort()``: called on the loop thread when the
                       process exits and the reader did not finish in
                       time: unblock it (stop a command it waits for)
=====================  ==================================================

A hook returning False disables the stream.  Hooks report what they read
with the output methods, which queue messages for the input manager on
the event-loop thread, in order:

* ``send_entry(vals)`` ... ``end_current_send()``: one complete reading
  of a table (the manager then removes the entries not sent again);
* ``put(vals)`` / ``delete(vals)``: incremental changes (STREAM mode);
* ``clear()``, ``end_of_data()``, ``send_event(name, vals)``;
* ``info``/``warning``/``error`` (and ``fail_warn``): messages for the
  stream's ``$error_ev`` and the reporter.  An error disables the stream.

``vals`` is a list with one value per field (see
:mod:`.formatter` for the representation), ``None`` for an unset field.
A reader sets :attr:`ReaderBackend.location` (``"file, line N"``) while it
reads a file; messages then carry it, as in Zeek.

**Plugins.**  Readers are found through the entry point group
``zscript.input_readers``: the entry point ``ascii`` is the reader of
``Input::READER_ASCII``.  A reader lists the script options it reads in
:attr:`ReaderBackend.options`; their values at stream creation arrive in
``info.options``.  A third-party reader ships a subclass, an entry point
and a script adding its enumerator (``redef enum Input::Reader += {
READER_FOO };``) and options.
"""

from __future__ import annotations

import attrs

from .fields import Field

__all__ = ["MODE_MANUAL", "MODE_REREAD", "MODE_STREAM", "ReaderBackend", "ReaderInfo"]

MODE_MANUAL = "MANUAL"
MODE_REREAD = "REREAD"
MODE_STREAM = "STREAM"


@attrs.frozen
class ReaderInfo:
    """What a reader is told about its stream (Zeek's ``ReaderInfo``).

    :param source: the stream's ``$source`` (a path, a command ...).
    :param name: the stream's ``$name``.
    :param mode: ``MANUAL``, ``REREAD`` or ``STREAM``.
    :param config: the stream's ``$config`` table.
    :param options: the values of the script options the reader class lists.
    :param script_options: for readers that set ``wants_script_options``:
        every ``option`` of the scripts, name -> type.
    """

    source: str
    name: str
    mode: str = MODE_MANUAL
    config: dict = attrs.Factory(dict)
    options: dict = attrs.Factory(dict)
    script_options: dict = attrs.Factory(dict)


class ReaderBackend:
    """Base class of readers; see the module documentation.

    :param info: the stream's :class:`ReaderInfo`.
    :param send: ``send(kind, *args)`` queues a message for the manager
        (provided by the reader's thread).
    """

    #: Script options the reader reads: option name -> default if undeclared.
    options: dict = {}
    #: True: ``info.script_options`` lists every option of the scripts.
    wants_script_options = False

    def __init__(self, info: ReaderInfo, send):
        self.info = info
        self._send = send
        self.fields: list[Field] = []
        #: Where reading is (``"file, line N"``), prefixed to messages; None if nowhere.
        self.location: str | None = None
        #: Set once the stream is disabled: later updates do nothing.
        self.disabled = True
        self._suppress = False
        self._suppressed = 0

    @property
    def num_fields(self) -> int:
        return len(self.fields)

    # ------------------------------------------------------- public methods

    def init(self, fields: list[Field]) -> bool:
        """Start reading (``ReaderBackend::Init``)."""
        self.disabled = False
        self.fields = list(fields)
        ok = self._do_init(self.info, self.fields)
        if not ok:
            self.error("Init failed")
            self._disable_frontend()
        return ok

    def update(self) -> bool:
        """Read again (``ReaderBackend::Update``); False once disabled."""
        if self.disabled:
            return False
        ok = self._do_update()
        if not ok:
            self._disable_frontend()
        return not self.disabled

    def heartbeat(self, network_time: float, now: float) -> bool:
        return self._do_heartbeat(network_time, now)

    def finish(self) -> None:
        """Stop reading: release the source (``OnFinish``)."""
        try:
            self._do_close()
        finally:
            self.disabled = True

    def abort(self) -> None:
        """Unblock a reader stuck in a hook (called from the loop thread at exit)."""
        self._do_abort()

    # ---------------------------------------------------------------- hooks

    def _do_init(self, info: ReaderInfo, fields: list[Field]) -> bool:
        raise NotImplementedError

    def _do_update(self) -> bool:
        raise NotImplementedError

    def _do_heartbeat(self, network_time: float, now: float) -> bool:
        return True

    def _do_close(self) -> None:
        pass

    def _do_abort(self) -> None:
        pass

    # ------------------------------------------------------- output methods

    def send_entry(self, vals: list, line: int | None = None) -> None:
        """One line of a complete reading (table streams: tracked for removal)."""
        self._send("send_entry", vals, line)

    def end_current_send(self) -> None:
        """A complete reading ended: entries not sent again are removed."""
        self._send("end_current_send")

    def put(self, vals: list, line: int | None = None) -> None:
        """Add or change one entry (no removal tracking)."""
        self._send("put", vals, line)

    def delete(self, vals: list, line: int | None = None) -> None:
        self._send("delete", vals, line)

    def clear(self) -> None:
        self._send("clear")

    def end_of_data(self) -> None:
        self._send("end_of_data")

    def send_event(self, name: str, args: list) -> None:
        """Raise script event ``name`` with ``args`` (values converted by the manager)."""
        self._send("event", name, args)

    def where(self, msg: str) -> str:
        """``msg`` prefixed with the reading location, if any."""
        return msg if self.location is None else f"{self.location}: {msg}"

    def info_msg(self, msg: str) -> None:
        self._send("message", "info", msg, self.where(msg))

    def warning(self, msg: str) -> None:
        if self._suppress:
            self._suppressed += 1
            return
        self._send("message", "warning", msg, self.where(msg))

    def error(self, msg: str) -> None:
        """Report an error; errors disable the stream, as in Zeek."""
        self._send("message", "error", msg, self.where(msg))
        self._disable_frontend()

    def fail_warn(self, is_error: bool, msg: str, suppress_future: bool = False) -> None:
        """An error if ``is_error``, else a warning (and, with
        ``suppress_future``, silence until :meth:`stop_warning_suppression`)."""
        if is_error:
            self.error(msg)
            return
        self.warning(msg)
        if suppress_future:
            self._suppress = True

    def stop_warning_suppression(self) -> None:
        self._suppress = False
        if self._suppressed:
            self.warning(f"Suppressed {self._suppressed} warning(s)")
        self._suppressed = 0

    def _disable_frontend(self) -> None:
        if self.disabled:
            return
        self.disabled = True
        self._send("disable")
