"""The storage backend interface (Zeek's ``storage::Backend``).

A backend is a plugin class: the public methods below are *template
methods* that every backend shares, and each one calls a protected
``_do_*`` hook that the backend implements (``src/storage/Backend.h``:
``DoOpen``, ``DoPut``, ``DoGet``, ``DoErase``, ``DoExpire``):

=====================  =====================================================
public method          what it does around the hook
=====================  =====================================================
``open``               remembers the key and value types and the serializer,
                       then ``_do_open(config)``
``put``                checks the key and value types (``KEY_TYPE_MISMATCH``,
                       ``VAL_TYPE_MISMATCH``), serializes both, turns the
                       relative ``expire_time`` into an absolute time, then
                       ``_do_put(key, value, overwrite, expire_at, now)``
``get``                checks and serializes the key, ``_do_get(key, now)``,
                       then unserializes the value as the declared type
``erase``              checks and serializes the key, ``_do_erase(key)``
``expire``             ``_do_expire(now)``: removes entries whose time passed
``close``              ``_do_close()``
=====================  =====================================================

Every operation returns an :class:`OperationResult` (Zeek's record of the
same name: a :class:`ReturnCode` name, an error string, a value) and is
counted in :attr:`StorageBackend.metrics`.  A hook that raises is turned
into ``OPERATION_FAILED``: a backend fault never escapes as an exception.

Hooks see bytes only: keys and values are serialized on the caller's side,
so a backend does not depend on zscript values, and values the script
changes later cannot change what is being written.

**Threads and asynchronous use.**  Each public method has an ``*_async``
twin returning a :class:`concurrent.futures.Future` of the result, so the
event loop never blocks:

* a backend whose hooks block (:attr:`blocking`, e.g. SQLite) runs them in
  its own single worker thread; synchronous calls run in the caller's
  thread under the backend's lock, or through the worker when asynchronous
  calls are still queued, so the order of operations is the order of calls;
* a backend whose hooks are coroutines (:class:`AsyncStorageBackend`, e.g.
  Redis) runs them on the shared storage I/O loop (:mod:`.aio`); a
  synchronous call waits for its coroutine there;
* a backend whose hooks are cheap (:attr:`blocking` false, the memory
  backend) runs them inline and returns a finished future.

The script's asynchronous operations (``Storage::Async::*``) use
:meth:`StorageBackend.start_put` (``start_get``, ``start_erase``) instead:
they take a :class:`Completion`, which receives the result on the host's
loop thread, with no future, thread hand-over or callback chain in between when
the backend runs the operation on that loop (Redis's pipeline) or collects
it for its worker (SQLite).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any, ClassVar

from ..runtime.values import box, type_of, unbox
from ..types import Type, same_type
from .aio import IOThread, LoopFuture
from .serializers import SerializationError, Serializer

if TYPE_CHECKING:  # imported when first used: it imports logging, threads ...
    import concurrent.futures as cf

__all__ = [
    "AsyncStorageBackend",
    "BackendMetrics",
    "Completion",
    "ConfigError",
    "OperationResult",
    "ReturnCode",
    "StorageBackend",
    "iter_bytes",
]


class ReturnCode:
    """Names of ``Storage::ReturnCode`` enumerators (module prefix omitted)."""

    SUCCESS = "SUCCESS"
    VAL_TYPE_MISMATCH = "VAL_TYPE_MISMATCH"
    KEY_TYPE_MISMATCH = "KEY_TYPE_MISMATCH"
    NOT_CONNECTED = "NOT_CONNECTED"
    TIMEOUT = "TIMEOUT"
    CONNECTION_LOST = "CONNECTION_LOST"
    OPERATION_FAILED = "OPERATION_FAILED"
    KEY_NOT_FOUND = "KEY_NOT_FOUND"
    KEY_EXISTS = "KEY_EXISTS"
    CONNECTION_FAILED = "CONNECTION_FAILED"
    DISCONNECTION_FAILED = "DISCONNECTION_FAILED"
    INITIALIZATION_FAILED = "INITIALIZATION_FAILED"
    IN_PROGRESS = "IN_PROGRESS"
    SERIALIZATION_FAILED = "SERIALIZATION_FAILED"
    UNSERIALIZATION_FAILED = "UNSERIALIZATION_FAILED"


@dataclass(slots=True)
class OperationResult:
    """The outcome of one operation (``Storage::OperationResult``)."""

    code: str
    error_str: str = ""
    value: Any = None

    @property
    def ok(self) -> bool:
        return self.code == ReturnCode.SUCCESS


class ConfigError(Exception):
    """Raised by :meth:`StorageBackend.config_from_options` for unusable options."""

    def __init__(self, message: str, code: str = ReturnCode.INITIALIZATION_FAILED):
        super().__init__(message)
        self.code = code


#: Metric label of an outcome (Zeek's success / fail / error / timeout).
_OUTCOME = {
    ReturnCode.SUCCESS: "success",
    ReturnCode.KEY_EXISTS: "fail",
    ReturnCode.KEY_NOT_FOUND: "fail",
    ReturnCode.TIMEOUT: "timeout",
}


@dataclass
class BackendMetrics:
    """Zeek's per-backend storage metrics (``zeek_storage_backend_*``)."""

    #: (operation, outcome) -> count; outcome is success, fail, error or timeout.
    results: dict[tuple[str, str], int] = field(default_factory=dict)
    #: operation -> latency histogram counts, one per bound plus +Inf.
    latency: dict[str, list[int]] = field(default_factory=dict)
    #: operation -> sum of the observed latencies (seconds).
    latency_sum: dict[str, float] = field(default_factory=dict)
    bounds: tuple[float, ...] = (0.001, 0.01, 0.1, 1.0)
    bytes_written: int = 0
    bytes_read: int = 0
    expired_entries: int = 0

    def record(self, op: str, code: str, seconds: float) -> None:
        key = (op, _OUTCOME.get(code, "error"))
        results = self.results
        results[key] = results.get(key, 0) + 1
        hist = self.latency.get(op)
        if hist is None:
            hist = self.latency[op] = [0] * (len(self.bounds) + 1)
        hist[bisect_left(self.bounds, seconds)] += 1
        self.latency_sum[op] = self.latency_sum.get(op, 0.0) + seconds


def record_field(rec, name: str, default=None):
    """Field ``name`` of a script record, or ``default`` when unset."""
    try:
        return getattr(rec, "f_" + name)
    except AttributeError:
        return default


class Completion:
    """Where the result of an operation started with
    :meth:`StorageBackend.start_put` (or ``start_get``, ``start_erase``) goes: called on the host's loop
    thread with the hook's result, it counts it in the metrics, finishes it
    (a get's value is unserialized) and hands it to :meth:`done`.
    Subclasses implement :meth:`done`; it must not raise.
    """

    __slots__ = ("_backend", "_call", "_start")

    def __call__(self, r: OperationResult) -> None:
        self.done(self._backend._complete(self._call, r, self._start))

    def done(self, r: OperationResult) -> None:
        raise NotImplementedError


class _ToFuture(Completion):
    """A :class:`Completion` that sets a :class:`~.aio.LoopFuture`."""

    __slots__ = ("fut",)

    def __init__(self, fut: LoopFuture):
        self.fut = fut

    def done(self, r: OperationResult) -> None:
        self.fut.set_result(r)


class StorageBackend(ABC):
    """Base class of storage backends; see the module docstring for the contract.

    Subclasses set :attr:`tag` and implement the ``_do_*`` hooks and
    :meth:`config_from_options`.
    """

    #: The ``Storage::Backend`` enumerator naming this backend (``STORAGE_BACKEND_SQLITE``).
    tag: ClassVar[str] = ""
    #: The hooks may block: asynchronous calls run them in a worker thread.
    blocking: ClassVar[bool] = True
    #: The server expires entries itself; the framework's periodic sweep skips it.
    native_expiry: ClassVar[bool] = False
    #: ``data_written_bytes`` counts the serialized key as well as the value
    #: (Zeek's Redis backend counts both, its SQLite backend the value only).
    written_counts_key: ClassVar[bool] = False

    def __init__(self) -> None:
        self.is_open = False
        self.key_type: Type | None = None
        self.val_type: Type | None = None
        self.serializer: Serializer | None = None
        self.config: dict = {}
        self.metrics = BackendMetrics()
        #: Called (from any thread) with a reason when the connection is lost.
        self.on_lost: Callable[[str], None] | None = None
        #: Called (from any thread) when a backend that reconnects by itself is back.
        self.on_restored: Callable[[], None] | None = None
        #: The host's :class:`~.aio.LoopBridge` when a script opened the backend
        #: (a backend may then run its operations on the host's own loop).
        self.bridge = None
        self._lock = threading.RLock()
        self._executor: cf.ThreadPoolExecutor | None = None
        self._inflight = 0
        #: Asynchronous operations collected for the worker (see _batched).
        self._batch: list[tuple] = []

    # ------------------------------------------------------------ plugin API

    @classmethod
    def config_from_options(cls, options) -> dict:
        """The backend's settings from a ``Storage::BackendOptions`` record.

        Raise :class:`ConfigError` when the options do not suit the backend.
        """
        return {}

    def config_label(self) -> str:
        """The ``config`` label of this backend's metrics."""
        return ""

    def metric_samples(self) -> Iterable[tuple]:
        """The backend's own metrics, as telemetry samples
        ``(name, kind, help, labels, value)`` (none by default)."""
        return ()

    @abstractmethod
    def _do_open(self, config: dict) -> OperationResult: ...

    @abstractmethod
    def _do_close(self) -> OperationResult: ...

    @abstractmethod
    def _do_put(
        self, key: bytes, value: bytes, overwrite: bool, expire_at: float, now: float
    ) -> OperationResult: ...

    @abstractmethod
    def _do_get(self, key: bytes, now: float) -> OperationResult:
        """Look ``key`` up; the result's value is the stored bytes."""

    @abstractmethod
    def _do_erase(self, key: bytes) -> OperationResult: ...

    def _do_expire(self, now: float) -> int:
        """Remove the entries whose expiration time is at or before ``now``; return how many."""
        return 0

    def _do_items(self, now: float) -> Iterable[tuple[bytes, bytes, float]]:
        """Every live entry as ``(key, value, expire_at)`` (0 = never); used to load stores."""
        raise NotImplementedError(f"{type(self).__name__} cannot list its entries")

    def _do_batch(self, ops: list[tuple], now: float) -> None:
        """Apply ``("put", key, value, expire_at)``, ``("erase", key)``,
        ``("clear",)`` and ``("meta", name, value)`` operations in order;
        backends may make this one transaction.  Meta entries (the replication's
        own bookkeeping, beside the data) are kept by backends that implement
        :meth:`_do_meta_items`; others ignore them."""
        for op in ops:
            if op[0] == "put":
                self._do_put(op[1], op[2], True, op[3], now)
            elif op[0] == "erase":
                self._do_erase(op[1])
            elif op[0] == "clear":
                for key, _v, _x in list(self._do_items(now)):
                    self._do_erase(key)

    def _do_meta_items(self) -> dict[bytes, bytes]:
        """The meta entries written by :meth:`_do_batch` (none by default)."""
        return {}

    # -------------------------------------------------------- public methods

    def open(self, config: dict, key_type: Type, val_type: Type, serializer: Serializer):
        return self._call_sync(self._prep_open(config, key_type, val_type, serializer))

    def close(self) -> OperationResult:
        return self._call_sync(self._prep_close())

    def put(self, key, value, overwrite: bool = True, expire_time: float = 0.0, now: float = 0.0):
        """Store ``value`` under ``key`` (both as held in an ``any``: boxed or self-describing).

        ``expire_time`` is relative (0 = never); ``now`` is the network time.
        """
        return self._call_sync(self._prep_put(key, value, overwrite, expire_time, now))

    def get(self, key, now: float = 0.0) -> OperationResult:
        """Look ``key`` up; the result's value is of the declared value type (boxed)."""
        return self._call_sync(self._prep_get(key, now))

    def erase(self, key) -> OperationResult:
        return self._call_sync(self._prep_erase(key))

    def expire(self, now: float) -> int:
        """Remove expired entries now; return how many were removed."""
        if not self.is_open:
            return 0
        r = self._call_sync(_Call("expire", self._do_expire, (now,), _finish_count))
        return r.value or 0

    def items(self, now: float = 0.0) -> list[tuple[bytes, bytes, float]]:
        """Every live entry as stored bytes (for loading replicated stores)."""
        r = self._call_sync(_Call("items", lambda n: list(self._do_items(n)), (now,), _identity))
        if not r.ok:
            raise OSError(r.error_str)
        return r.value

    def meta(self) -> dict[bytes, bytes]:
        """The meta entries (see :meth:`_do_batch`)."""
        r = self._call_sync(_Call("meta", self._do_meta_items, (), _identity))
        if not r.ok:
            raise OSError(r.error_str)
        return r.value

    def batch(self, ops: list[tuple], now: float = 0.0) -> OperationResult:
        """Apply serialized operations in order (see :meth:`_do_batch`)."""
        return self._call_sync(_Call("batch", self._do_batch, (ops, now), _finish_none))

    def open_async(self, config, key_type, val_type, serializer) -> cf.Future:
        return self._call_async(self._prep_open(config, key_type, val_type, serializer))

    def close_async(self) -> cf.Future:
        return self._call_async(self._prep_close())

    def put_async(self, key, value, overwrite=True, expire_time=0.0, now=0.0) -> cf.Future:
        return self._call_async(self._prep_put(key, value, overwrite, expire_time, now))

    def get_async(self, key, now: float = 0.0) -> cf.Future:
        return self._call_async(self._prep_get(key, now))

    def erase_async(self, key) -> cf.Future:
        return self._call_async(self._prep_erase(key))

    # A script's asynchronous operations (Storage::Async::put/get/erase): the
    # result goes to ``comp`` on the host's loop thread later (then None is
    # returned), or is returned now (failed early, or finished inline).
    # They need :attr:`bridge`.

    def start_put(
        self, key, value, overwrite: bool, expire_time: float, now: float, comp: Completion
    ) -> OperationResult | None:
        return self._start_async(self._prep_put(key, value, overwrite, expire_time, now), comp)

    def start_get(self, key, now: float, comp: Completion) -> OperationResult | None:
        return self._start_async(self._prep_get(key, now), comp)

    def start_erase(self, key, comp: Completion) -> OperationResult | None:
        return self._start_async(self._prep_erase(key), comp)

    def expire_async(self, now: float) -> cf.Future:
        return self._call_async(_Call("expire", self._do_expire, (now,), _finish_count))

    def batch_async(self, ops: list[tuple], now: float = 0.0) -> cf.Future:
        return self._call_async(_Call("batch", self._do_batch, (ops, now), _finish_none))

    # -------------------------------------------------- operation preparation

    def _prep_open(self, config, key_type, val_type, serializer):
        self.key_type, self.val_type, self.serializer = key_type, val_type, serializer
        self.config = config
        return _Call("open", self._do_open, (config,), self._finish_open)

    def _finish_open(self, r: OperationResult) -> OperationResult:
        self.is_open = r.ok
        return r

    def _prep_close(self):
        if not self.is_open:
            return _not_open()
        self.is_open = False
        return _Call("close", self._do_close, (), _identity)

    def _prep_put(self, key, value, overwrite, expire_time, now):
        if not self.is_open:
            return _not_open()
        if not self._same(key, self.key_type):
            return self._mismatch("put", "key")
        if not self._same(value, self.val_type):
            return self._mismatch("put", "value")
        try:
            k = self.serializer.serialize(unbox(key), self.key_type)
            v = self.serializer.serialize(unbox(value), self.val_type)
        except SerializationError as e:
            return self._early("put", ReturnCode.SERIALIZATION_FAILED, str(e))
        self.metrics.bytes_written += len(v) + (len(k) if self.written_counts_key else 0)
        expire_at = now + expire_time if expire_time > 0 else 0.0
        return _Call("put", self._do_put, (k, v, bool(overwrite), expire_at, now), _identity)

    def _prep_get(self, key, now):
        if not self.is_open:
            return _not_open()
        kt = self.key_type
        if type_of(key) is not kt and not self._same(key, kt):
            return self._mismatch("get", "key")
        try:
            k = self.serializer.serialize(unbox(key), kt)
        except SerializationError as e:
            return self._early("get", ReturnCode.SERIALIZATION_FAILED, str(e))
        return _Call("get", self._do_get, (k, now), self._finish_get)

    def _finish_get(self, r: OperationResult) -> OperationResult:
        data = r.value
        if data is None or r.code != ReturnCode.SUCCESS:
            return r
        self.metrics.bytes_read += len(data)
        try:
            r.value = box(self.serializer.unserialize(data, self.val_type), self.val_type)
        except SerializationError as e:
            return OperationResult(ReturnCode.OPERATION_FAILED, str(e))
        return r

    def _prep_erase(self, key):
        if not self.is_open:
            return _not_open()
        if not self._same(key, self.key_type):
            return self._mismatch("erase", "key")
        try:
            k = self.serializer.serialize(unbox(key), self.key_type)
        except SerializationError as e:
            return self._early("erase", ReturnCode.SERIALIZATION_FAILED, str(e))
        return _Call("erase", self._do_erase, (k,), _identity)

    @staticmethod
    def _same(v, t: Type | None) -> bool:
        if t is None or t.tag == "any":
            return True
        vt = type_of(v)
        return vt is t or (vt is not None and same_type(vt, t))

    def _mismatch(self, op: str, what: str) -> OperationResult:
        code = ReturnCode.KEY_TYPE_MISMATCH if what == "key" else ReturnCode.VAL_TYPE_MISMATCH
        return self._early(op, code)  # Zeek gives no error string here

    def _early(self, op: str, code: str, err: str = "") -> OperationResult:
        self.metrics.record(op, code, 0.0)
        return OperationResult(code, err)

    # ------------------------------------------------------------- execution

    def _call_sync(self, call) -> OperationResult:
        if type(call) is OperationResult:
            return call
        start = perf_counter()
        if self._batch:  # collected asynchronous operations go first
            self._flush_batch()
        if self._executor is None:
            # No worker thread exists: nothing else can use the backend.
            try:
                r = call.hook(*call.args)
            except Exception as exc:  # noqa: BLE001 - a backend fault becomes a result
                r = _fault(exc)
            if type(r) is not OperationResult:
                r = OperationResult(ReturnCode.SUCCESS, "", r)
        elif self._inflight:
            # Asynchronous calls are queued: go behind them, keeping the order.
            r = self._submit(call).result()
        else:
            with self._lock:
                r = _guard(call.hook, call.args)
        return self._complete(call, r, start)

    def _call_async(self, call) -> cf.Future:
        if type(call) is OperationResult:
            return _done(call)
        start = perf_counter()
        if not self.blocking:
            with self._lock:
                r = _guard(call.hook, call.args)
            return _done(self._complete(call, r, start))
        if self.bridge is not None and call.op in _TIMED:
            fut = LoopFuture()
            self._batched(call, start, _ToFuture(fut))
            return fut
        self._flush_batch()
        import concurrent.futures as cf

        out: cf.Future = cf.Future()
        self._submit(call).add_done_callback(
            lambda f: out.set_result(self._complete(call, _result_of(f), start))
        )
        return out

    # A script's asynchronous puts, gets and erases on a blocking backend
    # (SQLite) are collected while the host's loop runs handlers and go to
    # the worker thread together when it next waits: one hand-over each way
    # per batch, and one transaction (_do_many).

    def _batched(self, call, start: float, comp: Completion) -> None:
        comp._backend, comp._call, comp._start = self, call, start
        self._batch.append(comp)
        if len(self._batch) == 1:
            self.bridge.call_soon(self._flush_batch)
            self.bridge.arm()

    def _flush_batch(self) -> None:
        """Hand the collected operations to the worker thread (on the loop thread)."""
        batch = self._batch
        if not batch:
            return
        self._batch = []
        hooks = [(comp._call.hook, comp._call.args) for comp in batch]
        done = self._submit(_Call("many", self._do_many, (hooks,), _identity))
        done.add_done_callback(lambda f: self.bridge.call_soon(self._deliver_batch, batch, f))

    def _deliver_batch(self, batch: list, f: cf.Future) -> None:
        r = _result_of(f)
        results = r.value if r.ok else [r] * len(batch)
        for comp, res in zip(batch, results, strict=True):
            comp(res)

    def _start_async(self, call, comp: Completion) -> OperationResult | None:
        """Start the prepared operation ``call`` (from a ``_prep_*`` method) for
        a script (see :meth:`start_put`)."""
        if type(call) is OperationResult:
            return call
        if not self.blocking:
            start = perf_counter()
            with self._lock:
                r = _guard(call.hook, call.args)
            return self._complete(call, r, start)
        if call.op in _TIMED:
            self._batched(call, perf_counter(), comp)
            return None
        self.bridge.watch(self._call_async(call), comp.done)
        return None

    def _do_many(self, hooks: list[tuple]) -> list[OperationResult]:
        """Run ``(hook, args)`` operations in order, each giving its own result
        (on the worker thread; a backend may make it one transaction)."""
        return [_guard(hook, args) for hook, args in hooks]

    def _submit(self, call) -> cf.Future:
        with self._lock:
            if self._executor is None:
                import concurrent.futures as cf

                self._executor = cf.ThreadPoolExecutor(1, thread_name_prefix=f"zscript-{self.tag}")
            self._inflight += 1
        fut = self._executor.submit(self._locked, call.hook, call.args)
        fut.add_done_callback(self._finished_one)
        return fut

    def _locked(self, hook, args) -> OperationResult:
        with self._lock:
            return _guard(hook, args)

    def _finished_one(self, _f) -> None:
        with self._lock:
            self._inflight -= 1

    def _complete(self, call, r: OperationResult, start: float) -> OperationResult:
        finish = call.finish
        if finish is not _identity:
            try:
                r = finish(r)
            except Exception as exc:  # noqa: BLE001 - a backend fault becomes a result
                r = _fault(exc)
        op = call.op
        if op in _TIMED:
            self.metrics.record(op, r.code, perf_counter() - start)
        elif op == "expire" and r.value:
            self.metrics.expired_entries += r.value
        return r

    def shutdown_executor(self) -> None:
        """Stop the worker thread once queued operations finished."""
        ex, self._executor = self._executor, None
        if ex is not None:
            ex.shutdown(wait=True)


class AsyncStorageBackend(StorageBackend):
    """A backend whose ``_do_*`` hooks are coroutines (run on the storage I/O loop).

    A synchronous call waits for its coroutine, at most :attr:`op_timeout`
    plus a second (``TIMEOUT`` after that).  A backend may also provide
    blocking twins of hooks, named ``_sync_do_put`` and so on, which
    synchronous calls use directly while no asynchronous call is in flight
    on the I/O loop (so operations still happen in the order they were
    issued).

    A backend opened by a script (:attr:`bridge` set) may also run its
    asynchronous operations on the host's own event loop, with no thread
    hand-over: :meth:`_loop_hook` then names a twin such as
    ``_loop_do_put(..., done)``, which calls ``done(result)`` on the loop's
    thread, and the operation's future is a :class:`~.aio.LoopFuture`.
    Redis does this (its pipeline, :mod:`.resp`).
    """

    blocking = False
    op_timeout: float = 5.0

    def _call_sync(self, call) -> OperationResult:
        if type(call) is OperationResult:
            return call
        start = perf_counter()
        direct = None if self._inflight else getattr(self, "_sync" + call.hook.__name__, None)
        if direct is not None:
            return self._complete(call, _guard(direct, call.args), start)
        fut = IOThread.shared().submit(_guard_async(call.hook, call.args))
        import concurrent.futures as cf

        try:
            r = fut.result(self.op_timeout + 1.0)
        except cf.TimeoutError:
            fut.cancel()
            r = OperationResult(ReturnCode.TIMEOUT)
        return self._complete(call, r, start)

    def _loop_hook(self, call):
        """The host-loop twin of ``call``'s hook, when the backend can run it now."""
        return None

    def _start_async(self, call, comp: Completion) -> OperationResult | None:
        if type(call) is OperationResult:
            return call
        hook = None if self._inflight else self._loop_hook(call)
        if hook is None:
            self.bridge.watch(self._call_async(call), comp.done)
            return None
        comp._backend, comp._call, comp._start = self, call, perf_counter()
        hook(*call.args, comp)
        return None

    def _call_async(self, call) -> cf.Future:
        if type(call) is OperationResult:
            return _done(call)
        start = perf_counter()
        hook = None if self._inflight else self._loop_hook(call)
        if hook is not None:
            fut = LoopFuture()
            comp = _ToFuture(fut)
            comp._backend, comp._call, comp._start = self, call, start
            hook(*call.args, comp)
            return fut
        import concurrent.futures as cf

        out: cf.Future = cf.Future()
        with self._lock:
            self._inflight += 1
        fut = IOThread.shared().submit(_guard_async(call.hook, call.args))

        def done(f: cf.Future) -> None:
            with self._lock:
                self._inflight -= 1
            out.set_result(self._complete(call, _result_of(f), start))

        fut.add_done_callback(done)
        return out


class _Call:
    """One prepared operation: the hook, its arguments, and the result conversion."""

    __slots__ = ("args", "finish", "hook", "op")

    def __init__(self, op: str, hook, args: tuple, finish):
        self.op = op
        self.hook = hook
        self.args = args
        self.finish = finish


def _fault(exc: Exception) -> OperationResult:
    return OperationResult(ReturnCode.OPERATION_FAILED, f"{type(exc).__name__}: {exc}")


def _guard(hook, args) -> OperationResult:
    try:
        r = hook(*args)
    except Exception as exc:  # noqa: BLE001 - a backend fault becomes a result
        return _fault(exc)
    return r if type(r) is OperationResult else OperationResult(ReturnCode.SUCCESS, "", r)


#: Operations with result and latency metrics.
_TIMED = frozenset(("put", "get", "erase"))


async def _guard_async(hook, args) -> OperationResult:
    import asyncio  # only asynchronous backends get here

    try:
        r = await hook(*args)
    except asyncio.CancelledError:
        return OperationResult(ReturnCode.TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - a backend fault becomes a result
        return OperationResult(ReturnCode.OPERATION_FAILED, f"{type(exc).__name__}: {exc}")
    return r if type(r) is OperationResult else OperationResult(ReturnCode.SUCCESS, "", r)


def _result_of(f: cf.Future) -> OperationResult:
    if f.cancelled():
        return OperationResult(ReturnCode.TIMEOUT)
    exc = f.exception()
    if exc is not None:
        return OperationResult(ReturnCode.OPERATION_FAILED, f"{type(exc).__name__}: {exc}")
    return f.result()


def _done(r: OperationResult) -> cf.Future:
    import concurrent.futures as cf

    f: cf.Future = cf.Future()
    f.set_result(r)
    return f


def _not_open() -> OperationResult:
    return OperationResult(ReturnCode.NOT_CONNECTED, "Backend is closed")


def _identity(r: OperationResult) -> OperationResult:
    return r


def _finish_count(r: OperationResult) -> OperationResult:
    if r.ok and not isinstance(r.value, int):
        r.value = 0
    return r


def _finish_none(r: OperationResult) -> OperationResult:
    if r.ok:
        r.value = None
    return r


def iter_bytes(rows: Iterable) -> Iterator[tuple[bytes, bytes, float]]:
    """Rows of a store as ``(bytes, bytes, float)`` (helper for ``_do_items``)."""
    for k, v, x in rows:
        yield bytes(k), bytes(v), float(x or 0.0)
