"""The input manager: creating, running and removing input streams.

:class:`InputManager` is Zeek's ``input::Manager``.  ``create_table_stream``
and ``create_event_stream`` check a description record the way Zeek does,
with its error messages and in its order, then start the stream's reader
on a thread (:mod:`.thread`) with the unrolled fields (:mod:`.fields`).
Messages from the readers are handled on the event-loop thread in arrival
order (:meth:`InputManager.process`) by the streams (:mod:`.streams`).

**Timing.**  The loop wakes when a reader sends something (the first
message of a batch calls ``call_soon_threadsafe``); until the loop's
asyncio machinery runs, messages wait.  Readers do not keep the process
alive, as in Zeek: a script reading input sets ``exit_only_after_terminate``
or ends on its own.  Every ``Threading::heartbeat_interval`` (1 s) of
network time the readers get a heartbeat, on which REREAD and STREAM
readers look for changes.  At exit the readers are stopped, waited for,
and their last messages handled (warnings are printed; their events come
too late to run, as in Zeek).

**Messages.**  A reader's warning or error goes to the stream's
``$error_ev`` (if any) and is printed as Zeek's reporter prints thread
messages: ``warning: <source>/<reader>: <location>: <message>``.  The
manager's own warnings about lines (``../input.log:3: Skipping input ...``)
are printed without the thread name.
"""

from __future__ import annotations

from ..resources import entry_points, load_target
from ..runtime.values import TypeVal, box, type_of
from ..types import VOID, FuncType, RecordType, TableType, Type, same_type
from .convert import Converter, SkipLine
from .fields import UnrollError, unroll_record_type
from .reader import ReaderInfo
from .streams import AnalysisStream, EventStream, Stream, TableStream
from .thread import Outbox, ReaderThread

__all__ = ["READER_GROUP", "InputManager", "load_reader"]

READER_GROUP = "zscript.input_readers"

_BUILTIN = {
    "ascii": "zscript.input.readers.ascii:AsciiReader",
    "raw": "zscript.input.readers.raw:RawReader",
    "config": "zscript.input.readers.config:ConfigReader",
    "sqlite": "zscript.input.readers.sqlite:SQLiteReader",
}


def load_reader(tag: str):
    """The reader class for enumerator ``tag`` (``Input::READER_ASCII``), or None."""
    tail = tag.rpartition("::")[2]
    if not tail.startswith("READER_"):
        return None
    name = tail[len("READER_") :].lower()
    for ep in entry_points(READER_GROUP, name):
        return ep.load()
    target = _BUILTIN.get(name)
    return load_target(target) if target is not None else None


def _field(rec, name: str):
    """A field of a description record, None if unset (``GetFieldOrDefault``)."""
    try:
        return getattr(rec, "f_" + name)
    except AttributeError:
        return None


def _record_type_of(v) -> RecordType | None:
    if isinstance(v, TypeVal) and isinstance(v.type, RecordType):
        return v.type
    return None


def _func_type(v) -> FuncType | None:
    """The type of a function, event or hook value; None for other values."""
    t = getattr(v, "ztype", None) if hasattr(v, "handlers") else getattr(v, "_ztype", None)
    if isinstance(t, FuncType):
        return t
    if callable(v) and not isinstance(v, TypeVal | type):
        return FuncType("function", [], VOID)  # a built-in function
    return None


def _tdesc(t: Type) -> str:
    """``'<tag>':<description>`` as Zeek's input errors write types."""
    return f"'{t.tag}':{t}"


class InputError(Exception):
    """A description that cannot become a stream (the message was reported)."""


class InputManager:
    """The input streams of one host.

    :param host: the host (its subsystem API: loop, reporter, script types,
        globals and containers).
    """

    def __init__(self, host):
        self.host = host
        self.loop = host.loop
        self.reporter = host.reporter
        self.streams: dict[str, Stream] = {}
        self._by_thread: dict[ReaderThread, Stream] = {}
        self.outbox = Outbox(self._notify)
        self._aloop = None
        self._heartbeat = None
        self.loop.add_io(self._capture)
        self.loop.on_exit.append(self.terminate)

    # --------------------------------------------------------- services

    def enum(self, name: str):
        return self.host.enum_value(name)

    def queue_event(self, handler, args: tuple) -> None:
        self.loop.event(handler, args)

    def end_of_data(self, stream: Stream) -> None:
        self.loop.raise_by_name("Input::end_of_data", (stream.name, stream.source))

    def call_pred(self, pred, args: tuple) -> bool:
        try:
            return bool(pred(*args))
        except Exception as exc:  # noqa: BLE001 - reported like any script error
            self.reporter.exception(exc)
            return False

    def _report(self, level: str, message: str) -> None:
        """Zeek's ``reporter->Info/Warning/Error``: printed, and raised as
        ``reporter_info/warning/error(t, msg, location)`` if handled."""
        rep = self.reporter
        if level == "info":
            rep.info(message)
        elif level == "warning":
            rep.warnings += 1
            rep.write(f"warning: {message}\n")
        else:
            rep.error(message)
        self.loop.raise_by_name(f"reporter_{level}", (self.loop.network_time, message, ""))

    def _error_event(self, stream: Stream, level: str, message: str) -> None:
        if stream.error_event is not None:
            lvl = self.enum("Reporter::" + level.upper())
            self.queue_event(stream.error_event, (stream.description, message, lvl))

    def stream_message(self, stream: Stream, level: str, message: str) -> None:
        """Zeek's ``ErrorHandler(i, ..., reporter_send=true)``."""
        self._error_event(stream, level, message)
        self._report(level, message)

    def stream_warning(self, stream: Stream, message: str) -> None:
        self.stream_message(stream, "warning", message)

    def _make_set(self, t: TableType, elems) -> object:
        return self.host.make_set(t, elems)

    # ---------------------------------------------------- stream creation

    def create_event_stream(self, desc) -> bool:
        try:
            return self._create_event_stream(desc)
        except InputError:
            return False

    def create_table_stream(self, desc) -> bool:
        try:
            return self._create_table_stream(desc)
        except InputError:
            return False

    def create_analysis_stream(self, desc) -> bool:
        try:
            stream = self._create_stream(AnalysisStream, desc, [], {})
        except InputError:
            return False
        self._start(stream, [])
        return True

    def _fail(self, message: str):
        self.reporter.error(message)
        raise InputError(message)

    def _unroll_report(self, level: str, message: str) -> None:
        if level == "info":
            self.reporter.info(message)
        else:
            self.reporter.error(message)

    def _unroll(self, rt: RecordType, allow: bool, out: list) -> bool:
        try:
            unroll_record_type(rt, allow_file_func=allow, report=self._unroll_report, out=out)
        except UnrollError:
            return False
        return True

    def _accept_unsupported(self) -> bool:
        return bool(self.host.global_value("Input::accept_unsupported_types", False))

    def _check_error_event(self, name: str, ev, table: bool) -> None:
        if ev is None:
            return
        ft = _func_type(ev)
        if ft is None or ft.flavor != "event":
            self._fail(f"Input stream {name}: Error event is a function, not an event")
        args = [p.type for p in ft.params]
        if len(args) != 3:
            self._fail(f"Input stream {name}: Error event must take 3 arguments")
        want = "Input::TableDescription" if table else "Input::EventDescription"
        if not same_type(args[0], self.host.script_type(want)):
            self._fail(f"Input stream {name}: Error event's first attribute must be of type {want}")
        if args[1].tag != "string":
            self._fail(
                f"Input stream {name}: Error event's second attribute must be of type string"
            )
        if not same_type(args[2], self.host.script_type("Reporter::Level")):
            self._fail(
                f"Input stream {name}: Error event's third attribute must be of type Reporter::Level"
            )

    def _create_event_stream(self, desc) -> bool:
        name = _field(desc, "name")
        fields = _record_type_of(_field(desc, "fields"))
        if fields is None:
            self._fail(f"Input stream {name}: 'idx' field is not a record type")
        want_record = bool(_field(desc, "want_record"))
        ev = _field(desc, "ev")
        args = self._event_args(name, ev)
        if len(args) < 2:
            self._fail(f"Input stream {name}: Event does not take enough arguments")
        if not same_type(args[1], self.host.script_type("Input::Event")):
            self._fail(
                f"Input stream {name}: Event's second attribute must be of type Input::Event"
            )
        if not same_type(args[0], self.host.script_type("Input::EventDescription")):
            self._fail(
                f"Input stream {name}: Event's first attribute must be of type "
                "Input::EventDescription"
            )
        allow = False
        if not want_record:
            if len(args) != len(fields.fields) + 2:
                self._fail(f"Input stream {name}: Event has wrong number of arguments")
            for i, f in enumerate(fields.fields):
                if not same_type(args[i + 2], f.type):
                    self._fail(
                        f"Input stream {name}: Incompatible type for event in field {i + 3}. "
                        f"Need type {_tdesc(f.type)}, got {_tdesc(args[i + 2])}"
                    )
        else:
            if len(args) != 3:
                self._fail(f"Input stream {name}: Event has wrong number of arguments")
            if not same_type(args[2], fields):
                self._fail(
                    f"Input stream {name}: Incompatible type {_tdesc(args[2])} for event, "
                    f"which needs type {_tdesc(fields)}\n"
                )
            allow = self._accept_unsupported()
        error_ev = _field(desc, "error_ev")
        if error_ev is not None and _func_type(error_ev) is None:
            self._fail(f"Input stream {name}: 'error_ev' field is not an event")
        self._check_error_event(name, error_ev, False)
        unrolled: list = []
        if not self._unroll(fields, allow, unrolled):
            self._fail(f"Input stream {name}: Problem unrolling")
        stream = self._create_stream(
            EventStream,
            desc,
            unrolled,
            {"fields_type": fields, "handler": ev, "want_record": want_record},
        )
        stream.error_event = error_ev
        self._start(stream, unrolled)
        return True

    def _create_table_stream(self, desc) -> bool:
        name = _field(desc, "name")
        pred = _field(desc, "pred")
        idx = _record_type_of(_field(desc, "idx"))
        if idx is None:
            self._fail(f"Input stream {name}: 'idx' field is not a record type")
        val_v = _field(desc, "val")
        val = None
        if val_v is not None:
            val = _record_type_of(val_v)
            if val is None:
                self._fail(f"Input stream {name}: 'val' field is not a record type")
        dst = _field(desc, "destination")
        dst_t = getattr(dst, "ztype", None)
        if not isinstance(dst_t, TableType):
            t = type_of(dst)
            self._fail(
                f"Input stream {name}: 'destination' field has type {t}, "
                "expected table or set identifier"
            )
        for j, it in enumerate(dst_t.indices):
            if j >= len(idx.fields):
                self._fail(
                    f"Input stream {name}: Table type has more indexes than index definition"
                )
            ft = idx.fields[j].type
            if not same_type(ft, it):
                self._fail(
                    f"Input stream {name}: Table type does not match index type. "
                    f"Need type {_tdesc(ft)}, got {_tdesc(it)}"
                )
        if len(idx.fields) != len(dst_t.indices):
            self._fail(f"Input stream {name}: Table has less elements than index definition")
        want_record = bool(_field(desc, "want_record"))
        is_set = dst_t.is_set
        if val is not None:
            if is_set:
                self._fail(
                    f"Input stream {name}: 'destination' field is a set, but the 'val' field "
                    "was also specified (did you mean to use a table instead of a set?)"
                )
            compare = val if want_record else (val.fields[0].type if val.fields else val)
            if not same_type(dst_t.yield_, compare):
                self._fail(
                    f"Input stream {name}: Table type does not match value type. "
                    f"Need type '{compare}', got '{dst_t.yield_}'"
                )
        elif not is_set:
            self._fail(
                f"Input stream {name}: 'destination' field is a table, but 'val' field is not "
                "provided (did you mean to use a set instead of a table?)"
            )
        ev = _field(desc, "ev")
        if ev is not None:
            self._check_table_event(name, ev, idx, val, is_set, want_record)
        error_ev = _field(desc, "error_ev")
        if error_ev is not None and _func_type(error_ev) is None:
            self._fail(f"Input stream {name}: 'error_ev' field is not an event")
        self._check_error_event(name, error_ev, True)
        unrolled: list = []
        ok = self._unroll(idx, False, unrolled)
        num_idx = len(unrolled)
        if val is not None:
            ok = self._unroll(val, self._accept_unsupported(), unrolled) and ok
        num_val = len(unrolled) - num_idx
        if num_val > 1 and not want_record:
            self._fail(
                f"Input stream {name}: Stream does not want a record (want_record=F), "
                "but has more then one value field."
            )
        if not ok:
            self._fail(f"Input stream {name}: Problem unrolling")
        stream = self._create_stream(
            TableStream,
            desc,
            unrolled,
            {
                "table": dst,
                "itype": idx,
                "rtype": val,
                "num_idx": num_idx,
                "num_val": num_val,
                "want_record": want_record,
                "pred": pred,
                "handler": ev,
            },
        )
        stream.error_event = error_ev
        self._start(stream, unrolled)
        return True

    def _event_args(self, name: str, ev) -> list[Type]:
        """The parameter types of a stream's ``$ev``, which must be an event."""
        ft = _func_type(ev)
        if ft is None:
            self._fail(f"Input stream {name}: 'ev' field is not an event")
        if ft.flavor != "event":
            self._fail(f"Input stream {name}: Stream event is a function, not an event")
        return [p.type for p in ft.params]

    def _check_table_event(self, name, ev, idx, val, is_set, want_record) -> None:
        args = self._event_args(name, ev)
        required = 3 if is_set else 4
        if len(args) != required:
            self._fail(f"Input stream {name}: Table event must take {required} arguments")
        if not same_type(args[0], self.host.script_type("Input::TableDescription")):
            self._fail(
                f"Input stream {name}: Table event's first attribute must be of type "
                "Input::TableDescription"
            )
        if not same_type(args[1], self.host.script_type("Input::Event")):
            self._fail(
                f"Input stream {name}: Table event's second attribute must be of type Input::Event"
            )
        if not same_type(args[2], idx):
            self._fail(
                f"Input stream {name}: Table event's index attributes do not match. "
                f"Need '{idx}', got '{args[2]}'"
            )
        if is_set or val is None:
            return
        if want_record and not same_type(args[3], val):
            self._fail(
                f"Input stream {name}: Table event's value attributes do not match. "
                f"Need '{val}', got '{args[3]}'"
            )
        if not want_record and not same_type(args[3], val.fields[0].type):
            self._fail(
                f"Input stream {name}: Table event's value attribute does not match. "
                f"Need '{val.fields[0].type}', got '{args[3]}'"
            )

    def _create_stream(self, cls, desc, unrolled: list, extra: dict) -> Stream:
        """Zeek's ``CreateStream``: the checks and objects every stream has."""
        name = _field(desc, "name")
        if name in self.streams:
            self._fail(f"Trying create already existing input stream {name}")
        reader = _field(desc, "reader")
        reader_cls = load_reader(reader.name)
        if reader_cls is None:
            self._fail("The reader that was requested was not found and could not be initialized.")
        source = _field(desc, "source")
        mode = _field(desc, "mode").name.rpartition("::")[2]
        config = dict(_field(desc, "config") or {})
        options = {
            opt: self.host.global_value(opt, default) for opt, default in reader_cls.options.items()
        }
        script_options = {}
        if reader_cls.wants_script_options:
            script_options = {
                n: gid.type for n, gid in self.host.checker.globals.items() if gid.kind == "option"
            }
        info = ReaderInfo(source, name, mode, config, options, script_options)
        conv = Converter(name, source, lambda msg: self._report("warning", msg), self._make_set)
        thread = ReaderThread(
            f"{source}/{reader.name}",
            lambda send: reader_cls(info, send),
            self.outbox,
        )
        stream = cls(self, name, desc, thread, conv, **extra)
        conv.warn = lambda msg, s=stream: self.stream_warning(s, msg)
        return stream

    def _start(self, stream: Stream, unrolled: list) -> None:
        self.streams[stream.name] = stream
        self._by_thread[stream.thread] = stream
        self._command(stream.thread, "init", unrolled)
        if self._heartbeat is None and not self.loop.terminating:
            self._schedule_heartbeat()

    # ------------------------------------------------- script operations

    def remove_stream(self, name: str) -> bool:
        stream = self.streams.get(name)
        if stream is None:
            return False
        return self._remove(stream)

    def _remove(self, stream: Stream) -> bool:
        if stream.removed:
            self._report(
                "warning", f"Stream {stream.name} is already queued for removal. Ignoring remove."
            )
            return True
        stream.removed = True
        stream.thread.stop()
        return True

    def force_update(self, name: str) -> bool:
        stream = self.streams.get(name)
        if stream is None:
            self.reporter.error(f"Stream {name} not found")
            return False
        if stream.removed:
            self.reporter.error(
                f"Stream {name} is already queued for removal. Ignoring force update."
            )
            return False
        self._command(stream.thread, "update")
        return True

    # ------------------------------------------------------ reader messages

    def _command(self, thread: ReaderThread, command: str, *args) -> None:
        """Send a command to a reader.  With a virtual clock the loop waits
        for the reader to be done with it (time would otherwise run ahead of
        the reading); in real time readers never keep the process alive."""
        if thread.send_in(command, *args) and self.loop.clock.virtual:
            self.loop.sources += 1
            thread.busy += 1

    def _idle(self, thread: ReaderThread, all_done: bool = False) -> None:
        n = thread.busy if all_done else min(thread.busy, 1)
        thread.busy -= n
        self.loop.sources -= n

    def _capture(self, aloop) -> None:
        self._aloop = aloop
        self.process()

    def _notify(self) -> None:
        """A reader thread queued a message: have the loop handle it."""
        aloop = self._aloop
        if aloop is not None:
            try:
                aloop.call_soon_threadsafe(self._process_and_wake)
            except RuntimeError:
                pass  # the asyncio loop has closed: the host is exiting

    def _process_and_wake(self) -> None:
        self.process()
        self.loop.wake()

    def process(self) -> None:
        """Handle every queued reader message, oldest first."""
        for thread, kind, *args in self.outbox.drain():
            stream = self._by_thread.get(thread)
            if stream is None:
                continue
            try:
                self._handle(stream, thread, kind, args)
            except Exception as exc:  # noqa: BLE001 - a script error in $pred and the like
                self.reporter.exception(exc)

    def _handle(self, stream: Stream, thread: ReaderThread, kind: str, args: list) -> None:
        if kind == "send_entry":
            stream.send_entry(*args)
        elif kind == "put":
            stream.put(*args)
        elif kind == "end_current_send":
            stream.end_current_send()
        elif kind == "delete":
            stream.delete(*args)
        elif kind == "clear":
            stream.clear()
        elif kind == "end_of_data":
            stream.send_end_of_data()
        elif kind == "message":
            level, event_text, report_text = args
            if event_text is not None:
                self._error_event(stream, level, event_text)
            self._report(level, f"{thread.name}: {report_text}")
        elif kind == "event":
            self._reader_event(thread, *args)
        elif kind == "disable":
            if not stream.removed:
                self._remove(stream)
        elif kind == "idle":
            self._idle(thread)
        elif kind == "closed":
            self._idle(thread, all_done=True)
            del self._by_thread[thread]
            if self.streams.get(stream.name) is stream:
                del self.streams[stream.name]

    def _reader_event(self, thread: ReaderThread, name: str, args: list) -> None:
        """An event a reader raises itself (``MsgThread::SendEvent``): ``args``
        are ``(value, type)`` pairs, the type None for values used as they are."""
        handler = self.loop.registry.lookup(name)
        if handler is None or not handler.handlers:
            return
        params = handler.ztype.params if handler.ztype is not None else []
        conv = Converter(
            f"thread {thread.name}", "", lambda m: self._report("warning", m), self._make_set
        )
        values = []
        for i, (v, t) in enumerate(args):
            if t is not None:
                try:
                    v = conv.value(v, t, None, "source")
                except SkipLine:
                    self.reporter.error(f"SendEvent for event {name} failed")
                    return
                if i < len(params) and params[i].type.tag == "any":
                    v = box(v, t)
            values.append(v)
        self.loop.event(handler, tuple(values))

    # ------------------------------------------------------------- timing

    def _schedule_heartbeat(self) -> None:
        interval = float(self.host.global_value("Threading::heartbeat_interval", 1.0) or 1.0)
        self._heartbeat = self.loop.timers.add(
            self.loop.network_time + interval, self._beat, "HeartbeatTimer"
        )

    def _beat(self) -> None:
        self._heartbeat = None
        if self.loop.terminating or not self.streams:
            return
        import time

        for stream in list(self.streams.values()):
            if not stream.removed:
                self._command(stream.thread, "heartbeat", self.loop.network_time, time.time())
        self._schedule_heartbeat()

    def terminate(self) -> None:
        """At exit: stop every reader, wait for it and handle its last messages."""
        for stream in list(self.streams.values()):
            if not stream.removed:
                stream.removed = True
                stream.thread.stop()
        for thread in list(self._by_thread):
            if not thread.join(0.5):
                # Stuck (a command that does not end): what it says now is dropped.
                thread.terminating = True
                thread.backend.abort()
                thread.join(1.0)
            thread.terminating = True
        self.process()
