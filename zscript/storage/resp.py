"""A pipelined Redis connection driven by the host's own event loop.

:class:`RespPipe` speaks Redis's RESP2 protocol over one socket.  Commands
are written in the order they are issued, and replies come back in that
order, so a FIFO of waiting callbacks is all the bookkeeping a pipeline
needs:

* :meth:`RespPipe.send` (asynchronous operations) encodes a command, queues
  it and returns; commands queued in one round of the host's event loop go
  out in one ``send`` when asyncio next runs, and every reply read in one
  wake-up of the socket completes its operation there.  A hundred
  operations in flight thus cost about one round trip and two system calls,
  with no thread hand-over.
* :meth:`RespPipe.call` (synchronous operations) queues its command behind
  those in flight and blocks reading until its own reply arrives; replies
  to earlier commands read meanwhile are handed to :attr:`RespPipe.defer`,
  which runs them later on the loop (a blocking call never re-enters the
  script that made it).

A command not answered within ``timeout`` completes with
:class:`TimeoutError`; its reply, if it still comes, is dropped.  A socket
error or the server closing the connection completes every waiting command
with :class:`ConnectionError` and calls :attr:`RespPipe.on_broken`.

Replies are parsed by ``hiredis`` when it is installed (faster: see
``bench/storage_bench.py``), else by :class:`PyReader`.  An error reply
(``-ERR ...``) becomes a :class:`ReplyError` value, not an exception raised
in the reader.  (Redis's protocol: https://redis.io/docs/latest/develop/reference/protocol-spec/.)
"""

from __future__ import annotations

import select
import socket
from collections import deque
from collections.abc import Callable
from time import monotonic
from typing import Any

__all__ = ["PyReader", "ReplyError", "RespPipe", "encode", "make_reader"]

#: Bytes read per wake-up of the socket.
_RECV = 1 << 18

#: Parse with hiredis when it is installed (the benchmark turns it off to compare).
USE_HIREDIS = True


class ReplyError(Exception):
    """An error reply of the server (its text, e.g. ``ERR wrong number of arguments``)."""


def encode(args) -> bytes:
    """One command (strings, bytes or integers) as a RESP array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        if type(a) is str:
            a = a.encode()
        elif type(a) is int:
            a = b"%d" % a
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


_INCOMPLETE = object()


class PyReader:
    """RESP2 replies from a byte stream (the subset of ``hiredis.Reader`` used here)."""

    def __init__(self) -> None:
        self._buf = b""

    def replies(self, data: bytes) -> list:
        """Feed ``data``; return every reply it completes, in order."""
        buf = self._buf + data if self._buf else data
        out = []
        pos = 0
        end = len(buf)
        while pos < end:
            value, nxt = _parse(buf, pos)
            if value is _INCOMPLETE:
                break
            out.append(value)
            pos = nxt
        self._buf = buf[pos:]
        return out


def _parse(buf: bytes, pos: int) -> tuple[Any, int]:
    eol = buf.find(b"\r\n", pos)
    if eol < 0:
        return _INCOMPLETE, pos
    kind = buf[pos]
    if kind == 36:  # $ bulk string
        n = int(buf[pos + 1 : eol])
        if n < 0:
            return None, eol + 2
        stop = eol + 2 + n
        if stop + 2 > len(buf):
            return _INCOMPLETE, pos
        return buf[eol + 2 : stop], stop + 2
    if kind == 43:  # + simple string
        return buf[pos + 1 : eol], eol + 2
    if kind == 58:  # : integer
        return int(buf[pos + 1 : eol]), eol + 2
    if kind == 45:  # - error
        return ReplyError(buf[pos + 1 : eol].decode("utf-8", "replace")), eol + 2
    if kind == 42:  # * array
        n = int(buf[pos + 1 : eol])
        if n < 0:
            return None, eol + 2
        items = []
        nxt = eol + 2
        for _ in range(n):
            item, nxt = _parse(buf, nxt)
            if item is _INCOMPLETE:
                return _INCOMPLETE, pos
            items.append(item)
        return items, nxt
    raise ConnectionError(f"protocol error: unexpected reply type {chr(kind)!r}")


class _HiredisReader:
    """``hiredis.Reader`` behind :meth:`PyReader.replies`."""

    def __init__(self, hiredis) -> None:
        self._reader = hiredis.Reader(replyError=ReplyError)
        self._error = hiredis.ProtocolError

    def replies(self, data: bytes) -> list:
        r = self._reader
        r.feed(data)
        out = []
        try:
            reply = r.gets()
            while reply is not False:
                out.append(reply)
                reply = r.gets()
        except self._error as e:
            raise ConnectionError(f"protocol error: {e}") from None
        return out


def make_reader(use_hiredis: bool = True):
    """A reply parser: hiredis's when installed (and wanted), else :class:`PyReader`."""
    if use_hiredis:
        try:
            import hiredis
        except ImportError:
            pass
        else:
            return _HiredisReader(hiredis)
    return PyReader()


class RespPipe:
    """One pipelined connection; see the module docstring.

    :param sock: a connected socket (made non-blocking here).
    :param timeout: seconds a command may wait for its reply.
    """

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.timeout = timeout
        self._reader = make_reader(USE_HIREDIS)
        #: ``[callback or None, time sent]`` per command whose reply is awaited.
        self._waiting: deque[list] = deque()
        self._out: list[bytes] = []
        self._event_loop = None
        self._aloop = None
        self._flush_pending = False
        self._writing = False
        self._timer = None
        self.closed = False
        #: :meth:`attach` was called.
        self.attached = False
        #: Writes of queued commands, and those carrying more than one (for
        #: tests and benchmarks).
        self.writes = 0
        self.pipelines = 0
        #: Runs ``fn(*args)`` later on the loop thread (replies read by :meth:`call`).
        self.defer: Callable[..., None] = _call_now
        #: Called once with the exception that broke the connection.
        self.on_broken: Callable[[Exception], None] | None = None

    @classmethod
    def connect(cls, address, timeout: float, connect_timeout: float, auth=None) -> RespPipe:
        """Connect (blocking) to ``(host, port)`` or a Unix socket path and send
        ``AUTH`` when ``auth`` (``(username or None, password)``) is given."""
        if isinstance(address, str):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(connect_timeout)
            try:
                sock.connect(address)
            except OSError:
                sock.close()
                raise
        else:
            sock = socket.create_connection(address, connect_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pipe = cls(sock, timeout)
        if auth is not None:
            user, password = auth
            reply = pipe.call(encode(["AUTH", user, password] if user else ["AUTH", password]))
            if isinstance(reply, ReplyError):
                pipe.close(0)
                raise reply
        return pipe

    # ------------------------------------------------------------- the loop

    def attach(self, event_loop) -> None:
        """Read replies on ``event_loop``'s asyncio loop (from when it runs)."""
        self._event_loop = event_loop
        self.attached = True
        event_loop.add_io(self._start)

    def _start(self, aloop) -> None:
        if self.closed:
            return
        self._aloop = aloop
        aloop.add_reader(self.sock.fileno(), self._readable)
        if self._out:
            self._flush()
        if self._waiting:
            self._arm_timer()

    def _loop(self):
        """The running asyncio loop to use, re-attaching after an earlier one closed."""
        aloop = self._aloop
        if aloop is not None and aloop.is_closed():
            self._aloop = aloop = None
            self._flush_pending = self._writing = False
            self._timer = None
            if self._event_loop is not None:
                self._event_loop.add_io(self._start)
        return aloop

    # ----------------------------------------------------------- operations

    def send(self, command: bytes, callback: Callable[[Any], None]) -> None:
        r"""Queue a command (:func:`encode`\ d); ``callback(reply)`` runs on the loop
        when it arrives (the reply is a :class:`ReplyError` or an ``OSError`` on failure)."""
        if self.closed:
            callback(ConnectionError("Client disconnected"))
            return
        self._out.append(command)
        self._waiting.append([callback, monotonic()])
        aloop = self._loop()
        if aloop is not None:
            if not self._flush_pending:
                self._flush_pending = True
                aloop.call_soon(self._flush)
            if self._timer is None:
                self._arm_timer()

    def call(self, command: bytes, timeout: float | None = None):
        r"""Send a command (:func:`encode`\ d) behind those in flight and wait for
        its reply (blocking).

        Raises :class:`TimeoutError` or ``OSError``; an error reply is returned
        as a :class:`ReplyError`.
        """
        if self.closed:
            raise ConnectionError("Client disconnected")
        mine = [None, monotonic()]
        self._out.append(command)
        self._waiting.append(mine)
        deadline = monotonic() + (self.timeout if timeout is None else timeout)
        self._send_blocking(deadline)
        while True:
            for reply in self._read_blocking(deadline):
                entry = self._waiting.popleft()
                if entry is mine:
                    return reply
                if entry[0] is not None:
                    self.defer(entry[0], reply)

    def close(self, timeout: float) -> None:
        """Wait up to ``timeout`` for replies in flight, then close the connection;
        commands still unanswered complete with ``ConnectionError``."""
        if self.closed:
            return
        deadline = monotonic() + timeout
        try:
            self._send_blocking(deadline)
            while self._waiting:
                for reply in self._read_blocking(deadline):
                    cb = self._waiting.popleft()[0]
                    if cb is not None:
                        self.defer(cb, reply)
        except OSError:
            pass
        self._shut(ConnectionError("Client disconnected"), notify=False)

    # ----------------------------------------------------------------- inner

    def _flush(self) -> None:
        self._flush_pending = False
        if self.closed or not self._out:
            return
        out = self._out
        self._count(out)
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        try:
            sent = self._send_some(data)
        except OSError:
            return
        if sent < len(data):
            out.append(data[sent:])
            if not self._writing and self._aloop is not None:
                self._writing = True
                self._aloop.add_writer(self.sock.fileno(), self._writable)
        elif self._writing:
            self._writing = False
            self._aloop.remove_writer(self.sock.fileno())

    def _send_some(self, data: bytes) -> int:
        """How much of ``data`` the socket took (0 when full); an error shuts
        the connection and is raised."""
        try:
            return self.sock.send(data)
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError as e:
            self._shut(e)
            raise

    def _writable(self) -> None:
        self._flush()

    def _readable(self) -> None:
        try:
            data = self.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self._shut(e)
            return
        if not data:
            self._shut(ConnectionError("Server closed the connection"))
            return
        try:
            replies = self._reader.replies(data)
        except ConnectionError as e:
            self._shut(e)
            return
        popleft = self._waiting.popleft
        for reply in replies:
            cb = popleft()[0]
            if cb is not None:
                cb(reply)

    def _arm_timer(self) -> None:
        self._timer = self._aloop.call_later(self.timeout, self._check_timeouts)

    def _check_timeouts(self) -> None:
        self._timer = None
        if self.closed:
            return
        now = monotonic()
        limit = now - self.timeout
        for entry in self._waiting:
            if entry[1] > limit:
                self._timer = self._aloop.call_later(entry[1] - limit, self._check_timeouts)
                return
            cb = entry[0]
            if cb is not None:
                entry[0] = None  # its reply, if it comes, is dropped
                cb(TimeoutError("operation timed out"))

    def _count(self, out: list) -> None:
        self.writes += 1
        if len(out) > 1:
            self.pipelines += 1

    def _send_blocking(self, deadline: float) -> None:
        if self._out:
            self._count(self._out)
        data = b"".join(self._out)
        self._out.clear()
        while data:
            data = data[self._send_some(data) :]
            if data and not select.select([], [self.sock], [], _left(deadline))[1]:
                self._out.append(data)  # the rest goes when the loop can write
                raise TimeoutError("operation timed out")

    def _read_blocking(self, deadline: float) -> list:
        """The replies of one read, waiting until ``deadline`` for data."""
        while True:
            try:
                data = self.sock.recv(_RECV)
            except (BlockingIOError, InterruptedError):
                if not select.select([self.sock], [], [], _left(deadline))[0]:
                    raise TimeoutError("operation timed out") from None
                continue
            except OSError as e:
                self._shut(e)
                raise
            if not data:
                e = ConnectionError("Server closed the connection")
                self._shut(e)
                raise e
            try:
                return self._reader.replies(data)
            except ConnectionError as e:
                self._shut(e)
                raise

    def _shut(self, exc: Exception, *, notify: bool = True) -> None:
        if self.closed:
            return
        self.closed = True
        aloop = self._aloop
        if aloop is not None and not aloop.is_closed():
            aloop.remove_reader(self.sock.fileno())
            if self._writing:
                aloop.remove_writer(self.sock.fileno())
            if self._timer is not None:
                self._timer.cancel()
        self.sock.close()
        waiting, self._waiting = self._waiting, deque()
        self._out.clear()
        for cb, _sent in waiting:
            if cb is not None:
                self.defer(cb, exc)
        if notify and self.on_broken is not None:
            self.on_broken(exc)


def _left(deadline: float) -> float:
    return max(0.0, deadline - monotonic())


def _call_now(fn, *args) -> None:
    fn(*args)
