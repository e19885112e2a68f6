"""The script API of the storage framework: ``Storage::Sync::*``, ``Storage::Async::*``.

``open_backend``, ``close_backend``, ``put``, ``get`` and ``erase`` exist in
both modules and return ``Storage::OperationResult``.  The synchronous ones
run the operation before returning (a Redis backend is waited for).  The
asynchronous ones may only be called in a ``when`` condition that has a
``timeout`` block (Zeek's builtin errors otherwise); they return a
:class:`~zscript.runtime.asyncval.Pending` that the event loop resolves
when the operation completes, and the event loop keeps running meanwhile.
A handle opened with ``forced_sync=T`` makes the asynchronous functions
synchronous, as in Zeek: they answer with a
:class:`~zscript.runtime.asyncval.Ready`, so the ``when`` body runs at once.

Error strings are Zeek's: a failed open is ``Failed to open backend
<tag>: <reason>`` (only the reason when a backend with its own connection,
such as Redis, finds the failure after the open call, as Zeek's
asynchronous backends do), a closed handle ``Backend is closed``; a key or value of
the wrong type gets none (as in Zeek).  Opening raises
``Storage::backend_opened``; a backend that loses its server raises
``Storage::backend_lost`` (and ``Storage::backend_opened`` again if it
reconnects by itself, as NATS's does).  Faults (a failed open, a lost connection, an
operation failing for any reason but a missing or existing key or a closed
handle) are not reported otherwise: as in Zeek (``src/storage/``), the
result and the ``Storage::backend_lost`` event are all a script gets.
"""

from __future__ import annotations

from ..runtime.asyncval import Pending, Ready
from ..runtime.values import TypeVal, record_class
from .backend import Completion, ConfigError, OperationResult, ReturnCode, record_field
from .manager import BackendHandle

__all__ = ["StorageBifs"]

_H = "opaque of Storage::BackendHandle"
_R = "Storage::OperationResult"
_SIGNATURES = {
    "open_backend": "function(btype: Storage::Backend, options: Storage::BackendOptions,"
    f" key_type: any, val_type: any): {_R}",
    "close_backend": f"function(backend: {_H}): {_R}",
    "put": f"function(backend: {_H}, args: Storage::PutArgs): {_R}",
    "get": f"function(backend: {_H}, key: any): {_R}",
    "erase": f"function(backend: {_H}, key: any): {_R}",
}


class StorageBifs:
    """Implements the storage built-in functions for one host.

    :param sub: the :class:`~.install.StorageSubsystem` (host access,
        manager, bridge).
    """

    def __init__(self, sub):
        self.sub = sub
        self.host = sub.host
        self.loop = sub.loop
        self._codes: dict[str, object] = {}
        self._result_cls = None

    def register(self) -> None:
        add = self.host.add_bif
        for name, sig in _SIGNATURES.items():
            add(f"Storage::Sync::{name}", sig, getattr(self, f"sync_{name}"))
            add(f"Storage::Async::{name}", sig, getattr(self, f"async_{name}"), is_async=True)
        add("Storage::is_open", f"function(backend: {_H}): bool", self.is_open)
        add("Storage::is_forced_sync", f"function(backend: {_H}): bool", self.is_forced_sync)

    # ------------------------------------------------------------- results

    def result(self, r: OperationResult):
        """A ``Storage::OperationResult`` record for ``r``."""
        cls = self._result_cls
        if cls is None:
            cls = self._result_cls = record_class(self.host.script_type(_R))
        given = {"f_code": self._code(r.code)}
        if r.error_str:
            given["f_error_str"] = r.error_str
        if r.value is not None:
            given["f_value"] = r.value
        return cls._zmake(given)

    def _code(self, name: str):
        ev = self._codes.get(name)
        if ev is None:
            ev = self.host.enum_value("Storage::" + name)
            if ev is None:  # a backend's own code the scripts do not declare
                ev = self.host.enum_value("Storage::OPERATION_FAILED")
            self._codes[name] = ev
        return ev

    # ---------------------------------------------------------------- open

    def _prepare_open(self, btype, options, key_type, val_type):
        """``(handle, open arguments)``, ``(handle, failure)``, or a failure without a handle."""
        tag = btype.name.rpartition("::")[2]
        mgr = self.sub.manager
        backend = mgr.instantiate(tag)
        if isinstance(backend, str):
            return OperationResult(ReturnCode.OPERATION_FAILED, backend)
        forced = bool(record_field(options, "forced_sync", False))
        handle = BackendHandle(backend, btype, options, forced)
        ser_enum = record_field(options, "serializer")
        ser = mgr.serializer(ser_enum.name.rpartition("::")[2] if ser_enum is not None else "")
        if isinstance(ser, str):
            return handle, OperationResult(ReturnCode.INITIALIZATION_FAILED, ser)
        try:
            config = backend.config_from_options(options)
        except ConfigError as e:
            return handle, OperationResult(e.code, str(e))
        config["expire_interval"] = self.sub.expire_interval()
        config["running_under_test"] = bool(self.host.global_value("running_under_test", False))
        kt = key_type.type if type(key_type) is TypeVal else None
        vt = val_type.type if type(val_type) is TypeVal else None
        backend.on_lost = lambda reason: self.sub.bridge.call_soon(self._lost, handle, reason)
        backend.on_restored = lambda: self.sub.bridge.call_soon(self._restored, handle)
        backend.bridge = self.sub.bridge
        return handle, (config, kt, vt, ser)

    def _opened(self, handle: BackendHandle, r: OperationResult, *, later: bool = False):
        if r.ok:
            self.sub.manager.register(handle)
            self.host.raise_event("Storage::backend_opened", (handle.tag, handle.options))
        else:
            if not later:  # Zeek's storage manager words a failed open call so
                r = OperationResult(
                    r.code, f"Failed to open backend Storage::{handle.backend.tag}: {r.error_str}"
                )
        r.value = handle
        return self.result(r)

    def _lost(self, handle: BackendHandle, reason: str) -> None:
        self.host.raise_event("Storage::backend_lost", (handle.tag, handle.options, reason))

    def _restored(self, handle: BackendHandle) -> None:
        # A backend that reconnected by itself (NATS) is open again.
        self.host.raise_event("Storage::backend_opened", (handle.tag, handle.options))

    def sync_open_backend(self, btype, options, key_type, val_type):
        return self._open(btype, options, key_type, val_type, asynchronous=False)

    def async_open_backend(self, btype, options, key_type, val_type):
        if record_field(options, "forced_sync", False):
            return Ready(self.sync_open_backend(btype, options, key_type, val_type))
        if not self._check_when():
            return Pending()
        return self._open(btype, options, key_type, val_type, asynchronous=True)

    def _open(self, btype, options, key_type, val_type, *, asynchronous: bool):
        prep = self._prepare_open(btype, options, key_type, val_type)
        if isinstance(prep, OperationResult):
            return self.result(prep)
        handle, args = prep
        if isinstance(args, OperationResult):
            return self._opened(handle, args)
        # A backend with its own connection (not blocking) completes its open
        # later, as Zeek's asynchronous backends do (their open call says
        # IN_PROGRESS): what fails then is reported as it is.
        later = not handle.backend.blocking
        if asynchronous:
            fut = handle.backend.open_async(*args)
            return self._later(fut, lambda r: self._opened(handle, r, later=later))
        r = handle.backend.open(*args)
        # A backend with its own connection may report later (backend_lost).
        self.sub.bridge.arm()
        return self._opened(handle, r, later=later)

    # ----------------------------------------------------------- operations

    def sync_close_backend(self, handle: BackendHandle):
        if not handle.is_open:
            return self.result(_closed())
        self.sub.manager.unregister(handle)
        r = handle.backend.close()
        self.sub.bridge.arm()
        return self.result(r)

    def sync_put(self, handle: BackendHandle, args):
        b = handle.backend
        if not b.is_open:
            return self.result(_closed())
        key, value, overwrite, expire = _put_args(args)
        r = b.put(key, value, overwrite, expire, self.sub.loop.network_time)
        return self.result(r)

    def sync_get(self, handle: BackendHandle, key):
        b = handle.backend
        if not b.is_open:
            return self.result(_closed())
        return self.result(b.get(key, self.sub.loop.network_time))

    def sync_erase(self, handle: BackendHandle, key):
        b = handle.backend
        if not b.is_open:
            return self.result(_closed())
        return self.result(b.erase(key))

    def async_close_backend(self, handle: BackendHandle):
        if handle.forced_sync:  # Zeek's wrapper calls the synchronous built-in
            return Ready(self.sync_close_backend(handle))
        if not handle.is_open:
            return self.sync_close_backend(handle)
        if not self._check_when():
            return Pending()
        self.sub.manager.unregister(handle)
        return self._later(handle.backend.close_async(), self.result)

    def async_put(self, handle: BackendHandle, args):
        if handle.forced_sync:  # Zeek's wrapper calls the synchronous built-in
            return Ready(self.sync_put(handle, args))
        if not handle.is_open:
            return self.sync_put(handle, args)
        if not self._check_when():
            return Pending()
        key, value, overwrite, expire = _put_args(args)
        op = self._op()
        now = self.loop.network_time
        return self._started(op, handle.backend.start_put(key, value, overwrite, expire, now, op))

    def async_get(self, handle: BackendHandle, key):
        if handle.forced_sync:  # Zeek's wrapper calls the synchronous built-in
            return Ready(self.sync_get(handle, key))
        if not handle.is_open:
            return self.sync_get(handle, key)
        if not self._check_when():
            return Pending()
        op = self._op()
        return self._started(op, handle.backend.start_get(key, self.loop.network_time, op))

    def async_erase(self, handle: BackendHandle, key):
        if handle.forced_sync:  # Zeek's wrapper calls the synchronous built-in
            return Ready(self.sync_erase(handle, key))
        if not handle.is_open:
            return self.sync_erase(handle, key)
        if not self._check_when():
            return Pending()
        op = self._op()
        return self._started(op, handle.backend.start_erase(key, op))

    def is_open(self, handle: BackendHandle) -> bool:
        return isinstance(handle, BackendHandle) and handle.is_open

    def is_forced_sync(self, handle: BackendHandle) -> bool:
        return isinstance(handle, BackendHandle) and handle.forced_sync

    # ------------------------------------------------------------- helpers

    def _op(self) -> _ScriptOp:
        """Where a put, get or erase about to start delivers its result; the
        loop runs until it is there."""
        self.loop.sources += 1
        return _ScriptOp(self)

    def _started(self, op: _ScriptOp, r: OperationResult | None):
        """The result record of ``op`` now if it finished at once (``r``),
        else a Pending resolved on the loop thread."""
        if r is not None:
            self.loop.sources -= 1
            return self.result(r)
        return op.pending

    def _later(self, fut, convert):
        """The script value of ``fut`` now if it is done, else a Pending resolved later."""
        if fut.done():
            return convert(fut.result())
        p = Pending()
        self.sub.bridge.watch(fut, lambda r: p.resolve(convert(r)))
        return p

    def _check_when(self) -> bool:
        """Zeek's ``init_trigger``: an asynchronous call needs a ``when`` with a timeout."""
        return self.sub.check_when("Asynchronous storage operations must specify a timeout block")


class _ScriptOp(Completion):
    """A script's asynchronous operation: resolves its Pending with the result record."""

    __slots__ = ("bifs", "pending")

    def __init__(self, bifs: StorageBifs):
        self.bifs = bifs
        self.pending = Pending()

    def done(self, r: OperationResult) -> None:
        loop = self.bifs.loop
        loop.sources -= 1
        try:
            self.pending.resolve(self.bifs.result(r))
        except Exception as exc:  # noqa: BLE001 - reported like a handler error
            loop.reporter.exception(exc)
        loop.wake()


def _closed() -> OperationResult:
    return OperationResult(ReturnCode.NOT_CONNECTED, "Backend is closed")


def _put_args(args) -> tuple:
    """``(key, value, overwrite, expire_time)`` of a ``Storage::PutArgs`` record."""
    d = args.__dict__
    # Unset fields with constant defaults are not materialized: read them directly.
    return args.f_key, args.f_value, d.get("f_overwrite", True), d.get("f_expire_time", 0.0)
