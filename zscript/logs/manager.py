"""The log manager: streams, filters, the write path, and remote logging.

This is Zeek's ``logging::Manager`` without the scripting layer: the script
API (``Log::create_stream``, ``Log::add_filter``, ``Log::write`` ...) lives in
``stdlib/base/frameworks/logging`` and reaches the manager through the bifs
of :mod:`.install`, which turn script records into :class:`StreamSpec` and
:class:`FilterSpec`.

A write (:meth:`LogManager.write`) follows Zeek's order:

1. unknown stream: return False; disabled stream: return True;
2. coerce the record to the stream's ``columns`` type;
3. queue the stream's ``$ev`` event with it;
4. run the global ``Log::log_stream_policy`` hook (a ``break`` vetoes);
5. for each filter: run its policy hook (the filter's own, else the
   stream's; a ``break`` skips this filter), skip if the stream policy
   vetoed, compute the path (``$path``, or ``$path_func``, whose first
   result becomes the filter's path), find or create the writer frontend
   for (writer, path) -- a path taken by another filter is renamed
   ``<path>-2``, ``-3`` ... with a warning -- and append the row.

Frontends (:mod:`.frontend`) hand rows on in batches: to the local writer
and, on a node with a remote sink, to the sink as :class:`~.batch.LogBatch`
(:meth:`set_remote_sink`).  A sink that fails makes the batch's rows count
in :attr:`LogManager.dropped`; the first failure and, at shutdown, the
total are reported as warnings.  A logger gives the batches it receives to
:meth:`accept_remote`, which writes them with its own writers under the
sender's path.

Timers (through :class:`~.services.LogServices`): every
``Log::flush_interval`` the buffers are handed on; each local writer with a
rotation interval rotates on schedule (:mod:`.rotation`).  At shutdown,
:meth:`begin_shutdown` flushes and turns buffering off; :meth:`terminate`
closes every writer (``#close``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..runtime.errors import ScriptError
from ..runtime.values import record_class
from ..types import RecordType
from .batch import LogBatch, LogSink
from .frontend import WriterFrontend
from .limits import STRING_CUT, Limits, RowLimiter, size_check
from .rotation import next_rotation_delay, parse_base_time
from .schema import Column, LogField, coerce_record, row_extractor, unroll
from .services import LogServices
from .writers import find_writer
from .writers.base import WriterInfo

__all__ = ["FilterSpec", "LogManager", "StreamSpec"]


@dataclass
class StreamSpec:
    """A stream definition (the script's ``Log::Stream``)."""

    #: The record type whose ``&log`` fields are the columns.
    columns: RecordType
    #: Event raised with each written record (``$ev``), or None.
    event: object = None
    #: Policy hook inherited by filters without their own (``$policy``).
    policy: Callable | None = None
    #: Path inherited by filters without their own (``$path``).
    path: str | None = None
    #: Limits on strings and containers (``$max_*``); None: ``Log::default_max_*``.
    limits: Limits | None = None


@dataclass
class FilterSpec:
    """A filter definition (the script's ``Log::Filter``)."""

    name: str
    #: ``Log::Writer`` enumerator name.
    writer: str = "Log::WRITER_ASCII"
    path: str | None = None
    #: ``function(id, path, rec): string`` computing the path per write.
    path_func: Callable | None = None
    #: Record type ``path_func`` declares for ``rec`` (the record is demoted to it).
    path_func_rec: RecordType | None = None
    include: Iterable[str] | None = None
    exclude: Iterable[str] | None = None
    log_local: bool = True
    log_remote: bool = True
    field_name_map: Mapping[str, str] = field(default_factory=dict)
    scope_sep: str = "."
    ext_prefix: str = "_"
    #: ``function(path): R`` returning extension columns (R a record type).
    ext_func: Callable | None = None
    ext_type: RecordType | None = None
    #: Rotation interval (0: none).
    interval: float = 0.0
    #: Rotation postprocessor (passed to the services' rotation callbacks).
    postprocessor: object = None
    config: Mapping[str, str] = field(default_factory=dict)
    #: ``hook(rec, id, filter)``; None inherits the stream's.
    policy: Callable | None = None
    #: The script's ``Log::Filter`` value (the third policy hook argument).
    value: object = None


class _Filter:
    """A filter ready for writing: its columns and row extractors."""

    __slots__ = (
        "ext",
        "extract",
        "fields",
        "last",
        "limiter",
        "path",
        "policy",
        "spec",
        "too_large",
        "writer",
    )

    def __init__(
        self,
        spec: FilterSpec,
        columns: list[Column],
        ext: list[Column],
        policy,
        limits: Limits,
        max_record_size: int,
    ):
        self.spec = spec
        self.writer = spec.writer
        self.path = spec.path
        self.policy = policy
        self.fields = tuple(c.field for c in ext + columns)
        #: Cuts strings and containers to the stream's limits (None: nothing to cut).
        self.limiter = RowLimiter.build([f.type for f in self.fields], limits)
        #: row -> whether it is over ``Log::max_log_record_size`` (None: never).
        self.too_large = size_check([f.type for f in self.fields], limits, max_record_size)
        #: record -> row of the stream's columns.
        self.extract = row_extractor(columns)
        #: path -> row head of the extension columns, or None.
        self.ext = None
        #: The frontend of the last write and its path (skips a lookup).
        self.last: tuple[str | None, WriterFrontend | None] = (None, None)
        if ext:
            ext_rows = row_extractor(ext)
            none = (None,) * len(ext)
            func = spec.ext_func

            def ext_head(path):
                r = func(path)
                return ext_rows(r) if r is not None else none

            self.ext = ext_head


class _Stream:
    __slots__ = (
        "buf",
        "columns",
        "enabled",
        "event",
        "filters",
        "id",
        "limits",
        "max_record_size",
        "name",
        "path",
        "policy",
        "record_class",
        "writers",
        "writes",
    )

    def __init__(self, stream_id, name: str, spec: StreamSpec | None):
        self.id = stream_id
        self.name = name
        self.columns = spec.columns if spec else None
        self.record_class = record_class(spec.columns) if spec else None
        self.event = spec.event if spec else None
        self.policy = spec.policy if spec else None
        self.path = spec.path if spec else None
        self.limits = spec.limits if spec else None
        #: ``Log::max_log_record_size`` when the stream was created.
        self.max_record_size = 0
        self.enabled = True
        self.buf = True
        self.filters: tuple[_Filter, ...] = ()
        self.writers: dict[tuple[str, str], WriterFrontend] = {}
        #: ``Log::write`` calls that got past the enabled check (Zeek's stream ``total_writes``).
        self.writes = 0


def stream_name(stream_id) -> str:
    """The name of a stream id (a ``Log::ID`` enumerator or a plain string)."""
    return getattr(stream_id, "name", None) or str(stream_id)


class LogManager:
    """Log streams and their writers, for one process.

    :param services: time, timers, script options and callbacks (default: a
        stand-alone :class:`~.services.LogServices`).
    """

    def __init__(self, services: LogServices | None = None):
        self.services = services or LogServices()
        self._streams: dict[object, _Stream] = {}
        self._by_name: dict[str, _Stream] = {}
        #: Streams only known from received batches (no local definition).
        self._orphans: dict[str, _Stream] = {}
        self._sink: LogSink | None = None
        self._flush_timer = None
        self._shutting_down = False
        self._finished = False
        #: Records (rows) the remote sink could not deliver.
        self.dropped = 0
        #: Batches the remote sink could not deliver.
        self.dropped_batches = 0
        #: Records and batches delivered to the remote sink.
        self.sent = 0
        self.sent_batches = 0
        #: Records accepted from other nodes (:meth:`accept_remote`).
        self.received = 0

    # --------------------------------------------------------------- streams

    def has_stream(self, stream_id) -> bool:
        return stream_id in self._streams

    def create_stream(self, stream_id, spec: StreamSpec) -> bool:
        """Define (or redefine) a stream; no filters yet.  False on error."""
        svc = self.services
        if not any(f.log for f in spec.columns.fields):
            svc.error("logged record type does not have any &log attributes")
            return False
        try:
            unroll(spec.columns)
        except TypeError as e:
            svc.error(str(e))
            return False
        if stream_id in self._streams:
            self.remove_stream(stream_id)
        st = _Stream(stream_id, stream_name(stream_id), spec)
        if st.limits is None:
            st.limits = Limits(
                *(
                    int(svc.option(f"Log::default_max_{name}", default))
                    for name, default in zip(Limits._fields, Limits(), strict=True)
                )
            )
        st.max_record_size = int(svc.option("Log::max_log_record_size", 64 * 1024 * 1024))
        self._streams[stream_id] = st
        self._by_name[st.name] = st
        if self._flush_timer is None:
            self._start_flush_timer()
        return True

    def remove_stream(self, stream_id) -> bool:
        """Remove a stream, closing its writers."""
        st = self._streams.pop(stream_id, None)
        if st is None:
            return False
        self._by_name.pop(st.name, None)
        now = self.services.network_time()
        for fe in st.writers.values():
            fe.stop(now)
        return True

    def enable_stream(self, stream_id) -> bool:
        st = self._streams.get(stream_id)
        if st is None:
            return False
        st.enabled = True
        return True

    def disable_stream(self, stream_id) -> bool:
        st = self._streams.get(stream_id)
        if st is None:
            return False
        st.enabled = False
        return True

    def stream_columns(self, stream_id) -> RecordType | None:
        st = self._streams.get(stream_id)
        return st.columns if st is not None else None

    # --------------------------------------------------------------- filters

    def add_filter(self, stream_id, spec: FilterSpec) -> bool:
        """Add a filter, replacing one of the same name.  False on error."""
        st = self._streams.get(stream_id)
        if st is None:
            return False
        try:
            columns = unroll(
                st.columns,
                scope_sep=spec.scope_sep,
                include=spec.include,
                exclude=spec.exclude,
                name_map=spec.field_name_map,
            )
            ext = []
            if spec.ext_func is not None and spec.ext_type is not None:
                ext = unroll(
                    spec.ext_type,
                    scope_sep=spec.scope_sep,
                    name_map=spec.field_name_map,
                    prefix=spec.ext_prefix,
                )
        except TypeError as e:
            self.services.error(str(e))
            return False
        if spec.path is None and spec.path_func is None:
            if st.path is None:
                self.services.error(f"filter '{spec.name}' has neither a path nor a path_func")
                return False
            spec.path = st.path
        f = _Filter(spec, columns, ext, spec.policy or st.policy, st.limits, st.max_record_size)
        st.filters = (*(x for x in st.filters if x.spec.name != spec.name), f)
        return True

    def remove_filter(self, stream_id, name: str) -> bool:
        """Remove the filter ``name`` (True also if there is none)."""
        st = self._streams.get(stream_id)
        if st is None:
            return False
        st.filters = tuple(x for x in st.filters if x.spec.name != name)
        return True

    def filter_fields(self, stream_id, name: str) -> tuple[LogField, ...] | None:
        """The columns filter ``name`` writes (for tests and introspection)."""
        st = self._streams.get(stream_id)
        for f in st.filters if st else ():
            if f.spec.name == name:
                return f.fields
        return None

    # ----------------------------------------------------------------- write

    def write(self, stream_id, rec) -> bool:
        """``Log::write``: log ``rec`` on the stream (see the module docstring).

        :raises ScriptError: ``rec`` is not a record, or a ``path_func``
            misbehaves (reported at the calling script line).
        """
        st = self._streams.get(stream_id)
        if st is None:
            return False
        if not st.enabled:
            return True
        svc = self.services
        if type(rec) is not st.record_class:
            rec = coerce_record(rec, st.columns, report=svc.error)
        if st.event is not None:
            svc.raise_event(st.event, (rec,))
        st.writes += 1
        vetoed = not svc.stream_policy(rec, stream_id)
        for f in st.filters:
            policy = f.policy
            if policy is not None and not policy(rec, stream_id, f.spec.value):
                continue
            if vetoed:
                continue
            path = f.path
            if f.spec.path_func is not None:
                path = self._call_path_func(st, f, rec)
            last_path, fe = f.last
            if fe is None or path != last_path or fe.stopped:
                fe = st.writers.get((f.writer, path))
                if fe is None or fe.instantiating_filter != f.spec.name:
                    fe = self._writer_for(st, f, path)
                    if fe is None:
                        return False
                f.last = (path, fe)
            row = f.extract(rec)
            if f.ext is not None:
                row = f.ext(fe.info.path) + row
            limiter = f.limiter
            if limiter is not None and not limiter.fits(row):
                row, cuts = limiter.limit(row)
                if cuts:
                    self._truncated(st, fe, cuts)
            too_large = f.too_large
            if too_large is not None and too_large(row):
                # As Zeek (logging/Manager.cc, Write): dropped, with a weird.
                fe.discarded_writes += 1
                self.services.weird("log_record_too_large", st.name)
                continue
            fe.writes += 1
            fe.write(row)
        return True

    def _truncated(self, st: _Stream, fe: WriterFrontend, cuts: list[str]) -> None:
        """Count and report values cut to the stream's limits (a weird each, as Zeek)."""
        for cut in cuts:
            if cut == STRING_CUT:
                fe.truncated_strings += 1
                self.services.weird("log_string_field_truncated", st.name)
            else:
                fe.truncated_containers += 1
                self.services.weird("log_container_field_truncated", st.name)

    def _call_path_func(self, st: _Stream, f: _Filter, rec) -> str:
        spec = f.spec
        arg = rec
        if spec.path_func_rec is not None:
            arg = coerce_record(
                rec, spec.path_func_rec, allow_orphans=True, report=self.services.error
            )
        path = spec.path_func(st.id, f.path or "", arg)
        if not isinstance(path, str):
            raise ScriptError("path_func did not return string")
        if f.path is None:
            f.path = path
        return path

    def _conflicts(self, fe: WriterFrontend, f: _Filter) -> bool:
        if fe.from_remote:
            return tuple(x.type for x in fe.info.fields) != tuple(x.type for x in f.fields)
        return fe.instantiating_filter != f.spec.name

    def _writer_for(self, st: _Stream, f: _Filter, path: str) -> WriterFrontend | None:
        fe = st.writers.get((f.writer, path))
        if fe is not None and self._conflicts(fe, f):
            other = fe.instantiating_filter
            n = 2
            while True:
                new_path = f"{path}-{n}"
                n += 1
                fe = st.writers.get((f.writer, new_path))
                if fe is None or not self._conflicts(fe, f):
                    break
            self.services.warning(
                f"Write using filter '{f.spec.name}' on path '{path}' changed to use new path "
                f"'{new_path}' to avoid conflict with filter '{other}'"
            )
            f.path = path = new_path
        if fe is not None:
            return fe
        spec = f.spec
        return self._create_frontend(
            st,
            spec.writer,
            path,
            f.fields,
            spec.name,
            local=spec.log_local,
            remote=spec.log_remote,
            config=spec.config,
            interval=spec.interval,
            postprocessor=spec.postprocessor,
        )

    def _create_frontend(
        self,
        st: _Stream,
        writer: str,
        path: str,
        fields: tuple[LogField, ...],
        filter_name: str,
        *,
        local: bool,
        remote: bool,
        config: Mapping[str, str],
        interval: float,
        postprocessor,
        from_remote: bool = False,
    ) -> WriterFrontend | None:
        svc = self.services
        info = WriterInfo(
            path=path,
            fields=fields,
            filter_name=filter_name,
            stream=st.name,
            writer=writer,
            config=dict(config),
            rotation_interval=float(interval),
            rotation_base=parse_base_time(str(svc.option("log_rotate_base_time", "0:00"))),
            network_time=svc.network_time(),
            logdir=str(svc.option("Log::default_logdir", "")),
            post_proc_func=getattr(postprocessor, "_zname", None) or "",
        )
        backend = None
        if local:
            cls = find_writer(writer)
            if cls is None:
                svc.error(f"unknown writer type requested: {writer}")
                return None
            options = {}
            if cls.options_module:
                for key, default in cls.OPTIONS.items():
                    options[key] = svc.option(f"{cls.options_module}::{key}", default)
            backend = cls(info, options, report=svc.writer_error, notify=svc.info)
            backend.init()
        limit = 1 if self._shutting_down else int(svc.option("Log::write_buffer_size", 1000))
        fe = WriterFrontend(
            info,
            backend=backend,
            remote=remote,
            send=self._send,
            limit=limit,
            from_remote=from_remote,
        )
        fe.sending = remote and self._sink is not None
        fe.postprocessor = postprocessor
        if not st.buf:
            fe.set_buf(False)
        st.writers[(writer, path)] = fe
        self._install_rotation_timer(fe)
        return fe

    # ------------------------------------------------------- buffers, flush

    def set_buf(self, stream_id, enabled: bool) -> bool:
        """``Log::set_buf``: buffered output on or off for the stream's writers."""
        st = self._streams.get(stream_id)
        if st is None:
            return False
        st.buf = enabled
        for fe in st.writers.values():
            fe.set_buf(enabled)
        return True

    def flush(self, stream_id) -> bool:
        """``Log::flush``: hand on buffers and flush the stream's writers."""
        st = self._streams.get(stream_id)
        if st is None:
            return False
        if st.enabled:
            now = self.services.network_time()
            for fe in st.writers.values():
                fe.flush(now)
        return True

    def flush_all(self) -> None:
        """Hand on every frontend's buffered rows (``Log::flush_all``, flush timer)."""
        for fe in self._frontends():
            fe.flush_buffer()

    def _frontends(self) -> list[WriterFrontend]:
        out = []
        for st in (*self._streams.values(), *self._orphans.values()):
            out.extend(st.writers.values())
        return out

    def _start_flush_timer(self) -> None:
        svc = self.services
        interval = float(svc.option("Log::flush_interval", 1.0))
        if interval <= 0 or svc.is_terminating():
            return
        self._flush_timer = svc.add_timer(
            svc.network_time() + interval, self._flush_due, "LogFlushWriteBufferTimer"
        )

    def _flush_due(self) -> None:
        self._flush_timer = None
        self.flush_all()
        if not self._finished:
            self._start_flush_timer()

    # -------------------------------------------------------------- rotation

    def _install_rotation_timer(self, fe: WriterFrontend) -> None:
        svc = self.services
        if fe.rotation_timer is not None:
            fe.rotation_timer.cancel()
            fe.rotation_timer = None
        interval = fe.info.rotation_interval
        if not interval or fe.backend is None or svc.is_terminating():
            return
        now = svc.network_time()
        if not fe.open_time:
            fe.open_time = now
        base = parse_base_time(str(svc.option("log_rotate_base_time", "0:00")))
        when = now + next_rotation_delay(now, interval, base)
        fe.rotation_timer = svc.add_timer(when, lambda: self._rotation_due(fe), "RotateTimer")

    def _rotation_due(self, fe: WriterFrontend) -> None:
        fe.rotation_timer = None
        if fe.backend is None or fe.backend.disabled:
            return
        self.rotate(fe)
        if not self.services.is_terminating():
            fe.open_time = self.services.network_time()
            self._install_rotation_timer(fe)

    def rotate(self, fe: WriterFrontend) -> str | None:
        """Rotate one writer's output now; the rotated file's name, or None."""
        svc = self.services
        fe.flush_buffer()
        now = svc.network_time()
        term = svc.is_terminating()
        info = fe.info
        target = svc.rotation_path(
            info.writer, info.path, fe.open_time, now, term, fe.postprocessor
        )
        new_name = fe.backend.rotate(target, fe.open_time, now, term)
        if new_name is None:
            return None
        if not svc.rotation_finished(
            info.writer, new_name, info.path, fe.open_time, now, term, fe.postprocessor
        ):
            svc.error(f"error rotating {info.path} to {new_name}")
        return new_name

    # ------------------------------------------------------- remote logging

    def set_remote_sink(self, sink: LogSink | None) -> None:
        """Send the batches of filters with ``log_remote`` to ``sink`` (None: stop)."""
        self._sink = sink
        for fe in self._frontends():
            fe.sending = fe.remote and sink is not None

    def _send(self, batch: LogBatch) -> None:
        sink = self._sink
        if sink is None:
            return
        n = len(batch.rows)
        try:
            ok = bool(sink.send(batch))
        except Exception as e:  # noqa: BLE001 - a failing transport must not stop logging
            self.services.error(f"log sink failed: {e}")
            ok = False
        if ok:
            self.sent += n
            self.sent_batches += 1
            return
        if not self.dropped:
            self.services.warning(
                f"failed to send {n} log records of {batch.stream} ({batch.path}) to a logger; "
                "dropped records are counted"
            )
        self.dropped += n
        self.dropped_batches += 1

    def accept_remote(self, batch: LogBatch) -> bool:
        """Write a batch received from another node with the local writers.

        The rows go to the writer for (``batch.writer``, ``batch.path``) of
        the stream (created on first use with the batch's columns, logging
        locally only); a stream not defined here still gets its rows
        written.  False if the batch does not match an existing writer's
        columns (the rows are dropped and an error reported).
        """
        st = self._by_name.get(batch.stream)
        if st is None:
            st = self._orphans.get(batch.stream)
            if st is None:
                st = self._orphans[batch.stream] = _Stream(batch.stream, batch.stream, None)
        key = (batch.writer, batch.path)
        fe = st.writers.get(key)
        fields = tuple(batch.fields)
        if fe is None:
            interval = float(self.services.option("Log::default_rotation_interval", 0.0))
            config: Mapping[str, str] = {}
            postprocessor = None
            for f in st.filters:
                if f.writer == batch.writer and f.path == batch.path:
                    interval, config, postprocessor = (
                        f.spec.interval,
                        f.spec.config,
                        f.spec.postprocessor,
                    )
                    break
            fe = self._create_frontend(
                st,
                batch.writer,
                batch.path,
                fields,
                batch.filter,
                local=True,
                remote=False,
                config=config,
                interval=interval,
                postprocessor=postprocessor,
                from_remote=True,
            )
            if fe is None:
                return False
        elif fe.info.fields != fields:
            self.services.error(
                f"Remote write failed: writer for path '{batch.path}' of stream '{batch.stream}' "
                f"has different columns"
            )
            return False
        fe.write_many(list(batch.rows))
        self.received += len(batch.rows)
        if self._flush_timer is None and not self._finished:
            self._start_flush_timer()
        return True

    # -------------------------------------------------------------- shutdown

    def begin_shutdown(self) -> None:
        """Shutdown begins: hand on all buffers; from now on rows go out at once."""
        self._shutting_down = True
        for fe in self._frontends():
            fe.limit = 1
            fe.flush_buffer()

    def terminate(self) -> None:
        """Close every writer (``#close``); report undelivered remote records."""
        if self._finished:
            return
        self.begin_shutdown()
        self._finished = True
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        now = self.services.network_time()
        for fe in self._frontends():
            fe.stop(now)
        if self.dropped:
            self.services.warning(f"{self.dropped} log records could not be delivered to a logger")

    def write_counts(
        self,
    ) -> tuple[list[tuple[str, int]], list[tuple[str, str, str, str, int, int, int]]]:
        """Write counters for telemetry (``zeek_log_stream_writes_total``,
        ``zeek_log_writer_writes_total``,
        ``zeek_log_writer_truncated_{string_fields,containers}_total``).

        ``(stream name, writes)`` per local stream written at least once (Zeek
        creates the stream's counter on its first write), and ``(writer enum
        name, stream name, instantiating filter, path, writes, truncated
        strings, truncated containers)`` per writer frontend of those streams,
        including frontends made for rows from other nodes (filter "", never
        counted, as Zeek's ``WriteFromRemote``).
        """
        streams, writers = [], []
        for st in list(self._streams.values()):
            if st.writes:
                streams.append((st.name, st.writes))
            for fe in list(st.writers.values()):
                info = fe.info
                writers.append(
                    (info.writer, st.name, fe.instantiating_filter, info.path, fe.writes,
                     fe.truncated_strings, fe.truncated_containers)
                )  # fmt: skip
        return streams, writers

    def stats(self) -> dict[str, int]:
        """Remote logging counters."""
        return {
            "sent": self.sent,
            "sent_batches": self.sent_batches,
            "dropped": self.dropped,
            "dropped_batches": self.dropped_batches,
            "received": self.received,
        }
