"""``Log::WRITER_NATS``: each log record a message on a NATS JetStream subject.

Every path is published to the subject ``<LogNATS::subject_prefix>.<path>``
(the filter's ``$config["subject"]`` overrides it), each record one message:
by default the JSON object our JSON writer writes for it (the same bytes,
without the newline), with ``LogNATS::use_json=F`` the Zeek TSV line.  The
stream ``LogNATS::stream`` is created when missing (subjects
``<subject_prefix>.>``, file storage) and reused when present.  When a
writer starts it also publishes its schema (path, format, separators, field
names and types, as JSON) to ``<subject_prefix>._schema.<path>``, which
``zscript logs nats`` (:mod:`zscript.logs.natsread`) uses to print the
records back as Zeek TSV or JSON.

**Acknowledged or counted as lost.**  Records are published with JetStream
acknowledgements, pipelined: up to ``LogNATS::max_pending`` records of a
writer are in flight; past that a write waits (bounded blocking: a burst is
slowed, not dropped).  A record whose acknowledgement is negative, or does
not arrive within ``LogNATS::ack_timeout``, or that cannot be sent at all,
is counted as lost: in the telemetry counter
``zscript_log_nats_records_lost_total`` (beside ``..._acked_total``, labels
``path`` and ``subject``) and in a reporter error naming the path, the
count and the reason, on the next write, flush or at shutdown.  At shutdown
the writer waits (up to ``ack_timeout``) for every outstanding
acknowledgement.

One NATS connection per process and URL is shared by all writers; its
client (``nats-py``, asyncio) runs on a thread of its own, so the event
loop never waits for the network except when ``max_pending`` is reached.
The client reconnects by itself (publishes made while it does are buffered
and acknowledged later, or time out and are counted).  If the first
connection fails, the writer stops with an error (``terminating thread``),
as a writer that cannot open its file does.
"""

from __future__ import annotations

import asyncio
import collections
import re
import threading
import time
from collections.abc import Iterator, Sequence

import orjson

from ...natsconn import connect
from ...natsconn import error_text as _text
from .base import WriterBackend, WriterError
from .formatters import JsonFormatter, TsvFormatter

__all__ = ["NATSWriter", "samples"]

_SUBJECT_BAD = re.compile(r"[\s*>]")

#: (path, subject) -> tally, for telemetry; kept after writers finish.
_TALLIES: dict[tuple[str, str], _Tally] = {}
_TALLIES_LOCK = threading.Lock()


def samples() -> Iterator[tuple]:
    """Telemetry samples of every NATS writer of the process."""
    with _TALLIES_LOCK:
        tallies = list(_TALLIES.items())
    for (path, subject), t in tallies:
        labels = {"path": path, "subject": subject}
        yield (
            "zscript_log_nats_records_acked_total",
            "counter",
            "Log records JetStream acknowledged.",
            labels,
            t.acked,
        )
        yield (
            "zscript_log_nats_records_lost_total",
            "counter",
            "Log records not acknowledged by JetStream (refused, timed out, unsendable).",
            labels,
            t.lost,
        )


class _Tally:
    """A writer's records in flight, acknowledged and lost (any thread)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.inflight = 0
        self.acked = 0
        self.lost = 0
        self.reported = 0
        self.reason = ""

    def done(self, ok: bool, reason: str = "") -> None:
        with self.cond:
            self.inflight -= 1
            if ok:
                self.acked += 1
            else:
                self.lost += 1
                self.reason = reason
            self.cond.notify_all()

    def failed(self, n: int, reason: str) -> None:
        with self.cond:
            self.inflight -= n
            self.lost += n
            self.reason = reason
            self.cond.notify_all()


class _Link:
    """A NATS connection on its own thread and asyncio loop, shared per URL."""

    _links: dict[tuple, _Link] = {}
    _lock = threading.Lock()

    @classmethod
    def acquire(cls, url: str, stream: str, prefix: str, timeout: float) -> _Link:
        key = (url, stream, prefix)
        with cls._lock:
            link = cls._links.get(key)
            if link is None or link.closed:
                link = cls(url, stream, prefix, timeout)
                cls._links[key] = link
            link.refs += 1
        try:
            link.ready.result(timeout + 5.0)
        except BaseException:
            link.release()
            raise
        return link

    def __init__(self, url: str, stream: str, prefix: str, timeout: float):
        self.url, self.stream, self.prefix = url, stream, prefix
        self.refs = 0
        self.closed = False
        self.nc = self.js = None
        #: (deadline, futures, tally) of sent batches, oldest first (loop thread only).
        self._sent: collections.deque = collections.deque()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="zscript-nats-log")
        self._thread.daemon = True
        self._thread.start()
        self.ready = asyncio.run_coroutine_threadsafe(self._connect(timeout), self.loop)

    async def _connect(self, timeout: float) -> None:
        from nats.js import errors as jerr

        try:
            # Reconnects for as long as it takes (lost records are counted).
            self.nc = await connect(self.url, timeout, "zscript-logs", reconnect=True)
        except ConnectionError as e:
            raise WriterError(str(e)) from None
        self.js = self.nc.jetstream(timeout=timeout, publish_async_max_pending=1 << 20)
        try:
            try:
                await self.js.stream_info(self.stream)
            except jerr.NotFoundError:
                await self.js.add_stream(name=self.stream, subjects=[f"{self.prefix}.>"])
        except Exception as e:
            await self.nc.close()
            raise WriterError(f"cannot use JetStream stream {self.stream}: {_text(e)}") from None
        self.loop.call_later(0.2, self._sweep)

    # ------------------------------------------------------ from the writers

    def send(self, subject: str, payloads: list[bytes], tally: _Tally, ack_timeout: float):
        self.loop.call_soon_threadsafe(
            self.loop.create_task, self._send(subject, payloads, tally, ack_timeout)
        )

    def release(self) -> None:
        with self._lock:
            self.refs -= 1
            if self.refs > 0 or self.closed:
                return
            self.closed = True
            if self._links.get((self.url, self.stream, self.prefix)) is self:
                del self._links[(self.url, self.stream, self.prefix)]
        fut = asyncio.run_coroutine_threadsafe(self._close(), self.loop)
        try:
            fut.result(10.0)
        except Exception:  # noqa: BLE001 - closing: nothing left to lose
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5.0)
        if not self._thread.is_alive():
            self.loop.close()

    # ------------------------------------------------------ on the I/O loop

    async def _send(self, subject, payloads, tally: _Tally, ack_timeout: float) -> None:
        futs = []
        publish = self.js.publish_async
        try:
            for p in payloads:
                fut = await publish(subject, p)
                fut.add_done_callback(lambda f, t=tally: _acked(f, t))
                futs.append(fut)
        except Exception as e:  # noqa: BLE001 - connection closed, bad subject ...
            tally.failed(len(payloads) - len(futs), f"cannot publish: {_text(e)}")
        self._sent.append((time.monotonic() + ack_timeout, futs, tally))

    def _sweep(self) -> None:
        """Give up on acknowledgements whose time passed (counted as lost)."""
        now = time.monotonic()
        sent = self._sent
        while sent and (sent[0][0] <= now or all(f.done() for f in sent[0][1])):
            _deadline, futs, _tally = sent.popleft()
            for f in futs:
                if not f.done():
                    f.cancel()
        if not self.closed:
            self.loop.call_later(0.2, self._sweep)

    async def _close(self) -> None:
        if self.nc is not None:
            for _d, futs, _t in list(self._sent):
                for f in futs:
                    if not f.done():
                        f.cancel()
            try:
                await self.nc.close()
            except Exception:  # noqa: BLE001 - closing anyway
                pass


def _acked(fut: asyncio.Future, tally: _Tally) -> None:
    if fut.cancelled():
        tally.done(False, "no acknowledgement in time")
        return
    exc = fut.exception()
    if exc is not None:
        tally.done(False, f"refused: {_text(exc)}")
    else:
        tally.done(True)


class NATSWriter(WriterBackend):
    """``Log::WRITER_NATS``."""

    name = "nats"
    options_module = "LogNATS"
    OPTIONS = {
        "url": "nats://127.0.0.1:4222",
        "stream": "zeek_logs",
        "subject_prefix": "zeek.logs",
        "use_json": True,
        "json_timestamps": "JSON::TS_EPOCH",
        "max_pending": 10000,
        "ack_timeout": 5.0,
        "connect_timeout": 5.0,
        "separator": "\t",
        "set_separator": ",",
        "empty_field": "(empty)",
        "unset_field": "-",
    }

    def _do_init(self) -> None:
        try:
            import nats  # noqa: F401
        except ImportError:
            raise WriterError(
                "the nats-py package is not installed (pip install 'zscript[nats]')"
            ) from None
        opts = self.options
        info = self.info
        prefix = str(opts["subject_prefix"]).rstrip(".")
        subject = info.config.get("subject") or f"{prefix}.{_SUBJECT_BAD.sub('_', info.path)}"
        self.subject = subject
        self._json = bool(opts["use_json"])
        if info.config.get("use_json") in ("T", "F"):
            self._json = info.config["use_json"] == "T"
        if self._json:
            try:
                self._line = JsonFormatter(
                    info.fields, timestamps=str(opts["json_timestamps"])
                ).line
            except ValueError as e:
                raise WriterError(str(e)) from None
        else:
            self._line = TsvFormatter(
                info.fields,
                separator=str(opts["separator"]),
                set_separator=str(opts["set_separator"]),
                empty_field=str(opts["empty_field"]),
                unset_field=str(opts["unset_field"]),
            ).line
        self._max_pending = max(1, int(opts["max_pending"]))
        self._ack_timeout = float(opts["ack_timeout"])
        key = (info.path, subject)
        with _TALLIES_LOCK:
            self._tally = _TALLIES.get(key) or _TALLIES.setdefault(key, _Tally())
        self._link = _Link.acquire(
            str(opts["url"]), str(opts["stream"]), prefix, float(opts["connect_timeout"])
        )
        schema = {
            "path": info.path,
            "format": "json" if self._json else "tsv",
            "separator": opts["separator"],
            "set_separator": opts["set_separator"],
            "empty_field": opts["empty_field"],
            "unset_field": opts["unset_field"],
            "fields": [f.name for f in info.fields],
            "types": [f.type for f in info.fields],
        }
        self._schema_tally = _Tally()
        self._send(
            [orjson.dumps(schema)],
            f"{prefix}._schema.{_SUBJECT_BAD.sub('_', info.path)}",
            self._schema_tally,
        )

    def _send(self, payloads: list[bytes], subject: str, t: _Tally) -> None:
        n = len(payloads)
        with t.cond:
            while t.inflight > 0 and t.inflight + n > self._max_pending:
                t.cond.wait(0.5)  # bounded blocking: the sweep ends every wait
            t.inflight += n
        self._link.send(subject, payloads, t, self._ack_timeout)

    def _do_write(self, rows: Sequence[Sequence]) -> None:
        line = self._line
        self._send([line(r)[:-1].encode("latin-1") for r in rows], self.subject, self._tally)
        self._report_lost()

    def _do_flush(self, network_time: float) -> None:
        self._report_lost()

    def _do_finish(self, network_time: float) -> None:
        link, self._link = getattr(self, "_link", None), None
        if link is None:
            return
        t = self._tally
        deadline = time.monotonic() + self._ack_timeout + 1.0
        with t.cond:
            while t.inflight > 0 and time.monotonic() < deadline:
                t.cond.wait(0.1)
        link.release()
        with t.cond:
            if t.inflight > 0:  # never answered, the connection is gone now
                t.lost += t.inflight
                t.inflight = 0
                t.reason = "no acknowledgement before shutdown"
        self._report_lost()

    def _report_lost(self) -> None:
        t = self._tally
        if t.lost == t.reported:
            return
        with t.cond:
            n, t.reported, reason = t.lost - t.reported, t.lost, t.reason
        if self._report is not None:
            self._report(
                f"{self.thread_name}: {n} log records to {self.subject} were not acknowledged"
                f" by JetStream and are lost ({reason})"
            )

    def _do_rotate(self, rotated_path: str, open_time: float, close_time: float, terminating: bool):
        return "/dev/null"
