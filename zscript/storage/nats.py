"""``Storage::STORAGE_BACKEND_NATS``: entries in a NATS JetStream key-value bucket.

Options (``Storage::Backend::NATS::Options``, field ``$nats``): ``url``
(``nats://127.0.0.1:4222``; several servers of one NATS cluster separated
by commas), ``bucket`` (created with history 1 when missing, reused when
present), ``key_prefix``, ``bucket_ttl`` (the bucket's maximum age, set
when it is created), ``replicas``, ``connect_timeout`` and
``operation_timeout`` (5 s each; an operation exceeding it returns
``TIMEOUT``).  Needs the ``nats-py`` package (``pip install 'zscript[nats]'``)
and a nats-server with JetStream enabled (``nats-server -js``), 2.9 or newer.

**Layout.**  The bucket is an ordinary NATS KV bucket (stream ``KV_<bucket>``,
subjects ``$KV.<bucket>.<key>``), so ``nats kv get``/``nats kv ls`` see our
entries.  NATS keys allow only ``[-/_=.A-Za-z0-9]``, so a key is
``<key_prefix>.<serialized key in unpadded URL-safe base64>`` (without the
prefix when it is empty); the value is the serialized value, unchanged.
``put`` publishes to the key's subject; ``put`` without overwrite publishes
with ``Nats-Expected-Last-Subject-Sequence`` (0, or the sequence of a
deleted or expired entry), so the server refuses it atomically when a live
entry exists (``KEY_EXISTS``); ``erase`` publishes a ``KV-Operation: PURGE``
roll-up marker (as ``nats kv purge``), ``get`` is a direct get of the last
message of the subject.

**Expiry: per entry, by network time.**  nats-server 2.9/2.10 (Debian's
is 2.9) has only a bucket-wide maximum age; per-message TTLs came in 2.11.
Zeek's expiry is per entry and counted in network time (a trace read
faster than real time expires entries by the trace's clock).  So an entry
with an expiration time carries it in a ``Zscript-Expire`` header (network
time, seconds); ``get`` treats an entry whose time has passed as missing
at once, and the framework's periodic sweep (``native_expiry`` false,
``Storage::expire_interval``) purges such entries with the expected
subject sequence of what it saw, so a concurrent rewrite is never lost.
``bucket_ttl`` adds NATS's own age limit on top, for data no sweep may
outlive.

Reads wait for this backend's writes still being acknowledged, so a ``get``
issued after a ``put`` sees it; writes are pipelined (many acknowledgements
in flight).  The hooks are coroutines on the shared storage I/O loop
(:class:`~.aio.IOThread`); synchronous script calls wait for them there.
The client reconnects (to the same server once it is back, or to any other
server of its NATS cluster): when the connection breaks the backend reports
``Storage::backend_lost`` ("Server closed the connection") and operations
return ``NOT_CONNECTED`` until it is back; then ``Storage::backend_opened``
is raised again and operations work as before (the bucket is on the
server; writes that were not acknowledged returned an error).  Closing
reports ``backend_lost`` with "Client disconnected".
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re

from ..natsconn import connect
from ..natsconn import error_text as _text
from .backend import (
    AsyncStorageBackend,
    ConfigError,
    OperationResult,
    ReturnCode,
    _Call,
    _identity,
    record_field,
)

__all__ = ["NATSBackend", "decode_key", "encode_key"]

#: The header carrying an entry's expiration time (network time, seconds).
EXPIRE_HEADER = "Zscript-Expire"
_OP_HEADER = "KV-Operation"
_LAST_SEQ = "Nats-Expected-Last-Subject-Sequence"
#: JetStream's "wrong last sequence" error codes.
_WRONG_LAST = (10071, 10164)
_BUCKET_RE = re.compile(r"^[-\w]+$", re.ASCII)
_PREFIX_RE = re.compile(r"^[-/_=A-Za-z0-9]+(\.[-/_=A-Za-z0-9]+)*$")
#: Meta entries (see ``StorageBackend._do_batch``) live under this token.
_META = "_meta"


def encode_key(prefix: str, key: bytes) -> str:
    """The NATS key of serialized ``key`` under ``prefix``."""
    k = base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii")
    return f"{prefix}.{k}" if prefix else k


def decode_key(prefix: str, name: str) -> bytes | None:
    """The serialized key of NATS key ``name``, or None if it is not one of ours."""
    if prefix:
        if not name.startswith(prefix + "."):
            return None
        name = name[len(prefix) + 1 :]
    if "." in name:
        return None
    return base64.urlsafe_b64decode(name + "=" * (-len(name) % 4))


class NATSBackend(AsyncStorageBackend):
    tag = "STORAGE_BACKEND_NATS"
    native_expiry = False

    def __init__(self) -> None:
        super().__init__()
        self._nc = None
        self._js = None
        self._stream = ""
        self._subj = ""
        self._direct = True
        self._last_write: asyncio.Future | None = None
        self.connected = False

    # ------------------------------------------------------------ configure

    @classmethod
    def config_from_options(cls, options) -> dict:
        n = record_field(options, "nats")
        if n is None:
            raise ConfigError("nats backend options not provided")
        bucket = record_field(n, "bucket", "zeek")
        if not _BUCKET_RE.match(bucket):
            raise ConfigError(f"invalid NATS bucket name '{bucket}' (letters, digits, - and _)")
        prefix = record_field(n, "key_prefix", "")
        if prefix and not _PREFIX_RE.match(prefix):
            raise ConfigError(
                f"invalid NATS key prefix '{prefix}' (tokens of -/_=A-Za-z0-9 joined by '.')"
            )
        return {
            "url": record_field(n, "url", "nats://127.0.0.1:4222"),
            "bucket": bucket,
            "key_prefix": prefix,
            "bucket_ttl": float(record_field(n, "bucket_ttl", 0.0)),
            "replicas": int(record_field(n, "replicas", 1)),
            "connect_timeout": float(record_field(n, "connect_timeout", 5.0)),
            "operation_timeout": float(record_field(n, "operation_timeout", 5.0)),
        }

    def config_label(self) -> str:
        """``<url>-<bucket>-<key_prefix>``; under test (``running_under_test``)
        ``server_addr-...`` (the port differs from run to run)."""
        c = self.config
        where = "server_addr" if c.get("running_under_test") else c.get("url", "")
        return f"{where}-{c.get('bucket', '')}-{c.get('key_prefix', '')}"

    # ----------------------------------------------------------------- open

    async def _do_open(self, config: dict) -> OperationResult:
        try:
            from nats.js import errors as jerr
        except ImportError:
            return OperationResult(
                ReturnCode.INITIALIZATION_FAILED,
                "the nats-py package is not installed (pip install 'zscript[nats]')",
            )
        self.op_timeout = config["operation_timeout"]
        self._prefix = config["key_prefix"]
        bucket = config["bucket"]
        self._stream = f"KV_{bucket}"
        self._subj = f"$KV.{bucket}."
        try:
            nc = await connect(
                str(config["url"]),
                config["connect_timeout"],
                "zscript-storage",
                reconnect=True,
                disconnected_cb=self._on_disconnect,
                reconnected_cb=self._on_reconnect,
            )
        except ConnectionError as e:
            return OperationResult(ReturnCode.CONNECTION_FAILED, f"Connection failed: {e}")
        js = nc.jetstream(timeout=self.op_timeout)
        try:
            try:
                info = await js.stream_info(self._stream)
            except jerr.NotFoundError:
                ttl = config["bucket_ttl"]
                await js.create_key_value(
                    bucket=bucket,
                    history=1,
                    ttl=ttl if ttl > 0 else None,
                    replicas=max(1, config["replicas"]),
                    direct=True,
                )
                info = await js.stream_info(self._stream)
        except Exception as e:  # noqa: BLE001 - no JetStream, no permission ...
            with contextlib.suppress(Exception):
                await nc.close()
            return OperationResult(
                ReturnCode.INITIALIZATION_FAILED, f"Cannot open bucket {bucket}: {_text(e)}"
            )
        self._direct = bool(info.config.allow_direct)
        self._nc, self._js = nc, js
        self.connected = True
        return OperationResult(ReturnCode.SUCCESS)

    async def _on_disconnect(self) -> None:
        if self.connected:
            self.connected = False
            if self.on_lost is not None:
                self.on_lost("Server closed the connection")

    async def _on_reconnect(self) -> None:
        if self._nc is not None and not self.connected:
            self.connected = True
            if self.on_restored is not None:
                self.on_restored()

    async def _do_close(self) -> OperationResult:
        self.connected = False
        nc, self._nc, self._js = self._nc, None, None
        if nc is not None:
            await self._settle()
            with contextlib.suppress(Exception):
                await nc.close()
        if self.on_lost is not None:
            self.on_lost("Client disconnected")
        return OperationResult(ReturnCode.SUCCESS)

    # ----------------------------------------------------------- operations

    def _subject(self, key: bytes) -> str:
        return self._subj + encode_key(self._prefix, key)

    def _publish(self, subject: str, value: bytes, headers: dict | None) -> asyncio.Future:
        """Publish and return the acknowledgement's future; later reads wait for it."""
        fut = asyncio.ensure_future(self._js.publish(subject, value, headers=headers))
        self._last_write = fut
        return fut

    async def _settle(self) -> None:
        """Wait until the writes issued so far are acknowledged (or failed)."""
        last = self._last_write
        if last is not None and not last.done():
            with contextlib.suppress(BaseException):
                await asyncio.shield(last)

    async def _last(self, subject: str):
        """The last message of ``subject``, or None."""
        from nats.js import errors as jerr

        try:
            return await self._js.get_msg(self._stream, subject=subject, direct=self._direct)
        except jerr.NotFoundError:
            return None

    async def _do_put(self, key, value, overwrite, expire_at, now) -> OperationResult:
        if not self.connected:
            return _not_connected()
        subject = self._subject(key)
        headers = {EXPIRE_HEADER: repr(expire_at)} if expire_at > 0 else None
        try:
            if overwrite:
                await self._publish(subject, value, headers)
                return OperationResult(ReturnCode.SUCCESS)
            return await self._put_new(subject, value, headers, now)
        except Exception as e:  # noqa: BLE001 - mapped to a return code
            return self._failure("put", e)

    async def _put_new(self, subject, value, headers, now) -> OperationResult:
        """Put only if no live entry exists (expected subject sequence)."""
        from nats.js import errors as jerr

        expect = 0
        for _attempt in range(2):
            hdrs = dict(headers or {})
            hdrs[_LAST_SEQ] = str(expect)
            try:
                await self._publish(subject, value, hdrs)
                return OperationResult(ReturnCode.SUCCESS)
            except jerr.APIError as e:
                if e.err_code not in _WRONG_LAST or expect:
                    raise
            msg = await self._last(subject)
            if msg is None:
                continue  # purged meanwhile: try again expecting nothing
            if _live(msg, now):
                return OperationResult(ReturnCode.KEY_EXISTS)
            expect = msg.seq  # deleted or expired: replace exactly that message
        return OperationResult(ReturnCode.KEY_EXISTS)

    async def _do_get(self, key, now) -> OperationResult:
        if not self.connected:
            return _not_connected()
        try:
            await self._settle()
            msg = await self._last(self._subject(key))
        except Exception as e:  # noqa: BLE001 - mapped to a return code
            return self._failure("get", e)
        if msg is None or not _live(msg, now):
            return OperationResult(ReturnCode.KEY_NOT_FOUND)
        return OperationResult(ReturnCode.SUCCESS, "", bytes(msg.data or b""))

    async def _do_erase(self, key) -> OperationResult:
        if not self.connected:
            return _not_connected()
        try:
            await self._publish(self._subject(key), b"", _purge())
        except Exception as e:  # noqa: BLE001 - mapped to a return code
            return self._failure("erase", e)
        return OperationResult(ReturnCode.SUCCESS)

    async def _do_expire(self, now: float) -> int:
        """Purge entries whose time passed, each only if still the message seen."""
        from nats.js import errors as jerr

        if not self.connected:
            return 0
        n = 0
        for msg in await self._messages(self._data_filter()):
            if _live(msg, now) or _deleted(msg):
                continue
            hdrs = _purge()
            hdrs[_LAST_SEQ] = str(msg.seq)
            try:
                await self._publish(msg.subject, b"", hdrs)
                n += 1
            except jerr.APIError as e:
                if e.err_code not in _WRONG_LAST:  # rewritten meanwhile: keep it
                    raise
        return n

    # ------------------------------------- whole-store access (persistence)

    def items(self, now: float = 0.0) -> list[tuple[bytes, bytes, float]]:
        # The base class wraps a generator; here the hook is a coroutine.
        r = self._call_sync(_Call("items", self._do_items, (now,), _identity))
        if not r.ok:
            raise OSError(r.error_str)
        return r.value

    async def _do_items(self, now: float) -> list[tuple[bytes, bytes, float]]:
        out = []
        for msg in await self._messages(self._data_filter()):
            if not _live(msg, now):
                continue
            key = decode_key(self._prefix, msg.subject[len(self._subj) :])
            if key is not None:
                out.append((key, bytes(msg.data or b""), _expire_at(msg)))
        return out

    async def _do_meta_items(self) -> dict[bytes, bytes]:
        pre = self._meta_prefix()
        out = {}
        for msg in await self._messages(self._subj + pre + ".>"):
            if not _deleted(msg):
                name = decode_key("", msg.subject[len(self._subj) + len(pre) + 1 :])
                if name is not None:
                    out[name] = bytes(msg.data or b"")
        return out

    async def _do_batch(self, ops: list[tuple], now: float) -> None:
        """Publish every operation at once and wait for all acknowledgements."""
        futs = []
        for op in ops:
            kind = op[0]
            if kind == "put":
                hdrs = {EXPIRE_HEADER: repr(op[3])} if op[3] else None
                futs.append(self._publish(self._subject(op[1]), op[2], hdrs))
            elif kind == "erase":
                futs.append(self._publish(self._subject(op[1]), b"", _purge()))
            elif kind == "meta":
                subject = self._subj + encode_key(self._meta_prefix(), op[1])
                futs.append(self._publish(subject, op[2], None))
            elif kind == "clear":
                for msg in await self._messages(self._data_filter()):
                    if not _deleted(msg):
                        futs.append(self._publish(msg.subject, b"", _purge()))
        if futs:
            await asyncio.gather(*futs)

    def _meta_prefix(self) -> str:
        return f"{self._prefix}.{_META}" if self._prefix else _META

    def _data_filter(self) -> str:
        return self._subj + (self._prefix + ".*" if self._prefix else "*")

    async def _messages(self, subjects: str) -> list:
        """The last message of every subject matching ``subjects``."""
        await self._settle()
        info = await self._js.stream_info(self._stream, subjects_filter=subjects)
        names = sorted((info.state.subjects or {}).keys())
        msgs = await asyncio.gather(*(self._last(s) for s in names))
        return [m for m in msgs if m is not None]

    def _failure(self, op: str, e: Exception) -> OperationResult:
        import nats.errors as nerr

        if isinstance(e, nerr.ConnectionClosedError | nerr.StaleConnectionError | OSError):
            if self.connected:
                self.connected = False
                if self.on_lost is not None:
                    self.on_lost("Server closed the connection")
            return OperationResult(ReturnCode.CONNECTION_LOST, f"{op} operation IO error: {e!r}")
        if isinstance(e, asyncio.TimeoutError | TimeoutError):
            return OperationResult(ReturnCode.TIMEOUT, f"{op} operation timed out")
        return OperationResult(ReturnCode.OPERATION_FAILED, f"{op} operation failed: {_text(e)}")


def _purge() -> dict:
    return {_OP_HEADER: "PURGE", "Nats-Rollup": "sub"}


def _deleted(msg) -> bool:
    h = msg.headers
    return bool(h) and h.get(_OP_HEADER) in ("DEL", "PURGE")


def _expire_at(msg) -> float:
    h = msg.headers
    if not h or EXPIRE_HEADER not in h:
        return 0.0
    try:
        return float(h[EXPIRE_HEADER])
    except ValueError:
        return 0.0


def _live(msg, now: float) -> bool:
    """Whether ``msg`` holds a value that has not expired at network time ``now``."""
    if _deleted(msg):
        return False
    x = _expire_at(msg)
    return x == 0.0 or x > now


def _not_connected() -> OperationResult:
    return OperationResult(ReturnCode.NOT_CONNECTED, "Connection to the NATS server was lost")
