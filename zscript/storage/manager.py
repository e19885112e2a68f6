"""Backend and serializer plugins, open handles, the expiration sweep.

**Plugins.**  Backends are found through the entry-point group
``zscript.storage_backends`` and serializers through
``zscript.storage_serializers``.  An entry point's name is the lower-case
tail of its script enumerator: ``sqlite`` is
``Storage::STORAGE_BACKEND_SQLITE``, ``json`` is
``Storage::STORAGE_SERIALIZER_JSON``.  A third-party backend ships a class
derived from :class:`~.backend.StorageBackend`, an entry point, and a
script that adds its enumerator (``redef enum Storage::Backend += {
STORAGE_BACKEND_FOO };``) and its options field.  The built-in plugins are
also known without entry points (a source checkout that is not installed).

**Handles.**  ``open_backend`` returns a :class:`BackendHandle`, the
script's ``opaque of Storage::BackendHandle``.  The manager keeps the open
ones for the periodic expiration sweep: every ``Storage::expire_interval``
of network time, each open backend that does not expire entries itself is
swept in its worker thread; a backend whose previous sweep is still running
is skipped that round (as Zeek's expiration thread does).

**Metrics.**  :meth:`StorageManager.samples` yields Zeek's
``zeek_storage_*`` metrics in the telemetry subsystem's sample format;
the latency buckets are ``Storage::latency_metric_bounds``' defaults.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator

from ..resources import entry_points, load_target
from ..types import OpaqueType
from .backend import StorageBackend
from .serializers import Serializer

__all__ = [
    "BACKEND_GROUP",
    "SERIALIZER_GROUP",
    "BackendHandle",
    "StorageManager",
    "load_plugin",
]

BACKEND_GROUP = "zscript.storage_backends"
SERIALIZER_GROUP = "zscript.storage_serializers"

_BUILTIN = {
    BACKEND_GROUP: {
        "memory": "zscript.storage.memory:MemoryBackend",
        "sqlite": "zscript.storage.sqlite:SQLiteBackend",
        "redis": "zscript.storage.redis:RedisBackend",
        "nats": "zscript.storage.nats:NATSBackend",
    },
    SERIALIZER_GROUP: {"json": "zscript.storage.serializers:JSONSerializer"},
}

_PREFIX = {BACKEND_GROUP: "STORAGE_BACKEND_", SERIALIZER_GROUP: "STORAGE_SERIALIZER_"}


def load_plugin(group: str, tag: str):
    """The class registered for enumerator ``tag`` (``STORAGE_BACKEND_SQLITE``), or None."""
    prefix = _PREFIX[group]
    if not tag.startswith(prefix):
        return None
    name = tag[len(prefix) :].lower()
    target = _BUILTIN[group].get(name)
    if target is not None:  # ours first: entry points are slow to look up
        return load_target(target)
    for ep in entry_points(group, name):
        return ep.load()
    return None


class BackendHandle:
    """A script's ``opaque of Storage::BackendHandle``."""

    ztype = OpaqueType("Storage::BackendHandle")

    __slots__ = ("backend", "forced_sync", "options", "tag")

    def __init__(self, backend: StorageBackend, tag, options, forced_sync: bool):
        self.backend = backend
        #: The ``Storage::Backend`` enumerator it was opened with.
        self.tag = tag
        #: The ``Storage::BackendOptions`` record it was opened with.
        self.options = options
        self.forced_sync = forced_sync

    def __str__(self) -> str:
        return "BackendHandleVal"

    @property
    def is_open(self) -> bool:
        return self.backend.is_open


class StorageManager:
    """The open backends of one host and their expiration sweep.

    :param timers: the host's timer queue (``add(t, fn)``).
    :param now: network time.
    :param expire_interval: ``Storage::expire_interval`` (read at each sweep).
    :param terminating: true once the host shuts down (no new sweeps).
    """

    def __init__(
        self,
        timers,
        now: Callable[[], float],
        expire_interval: Callable[[], float],
        terminating: Callable[[], bool],
    ):
        self.timers = timers
        self.now = now
        self.expire_interval = expire_interval
        self.terminating = terminating
        self.handles: list[BackendHandle] = []
        #: Every backend ever opened, for the metrics.
        self._metered: list[StorageBackend] = []
        #: ``zeek_storage_backends_opened_total``.
        self.backends_opened = 0
        self._timer = None
        self._sweeping: set[int] = set()

    def instantiate(self, tag: str) -> StorageBackend | str:
        """A new backend for enumerator ``tag``, or an error message."""
        try:
            cls = load_plugin(BACKEND_GROUP, tag)
        except Exception as e:  # noqa: BLE001 - a broken plugin
            return f"Failed to instantiate backend {tag}: {e}"
        if cls is None:
            return f"Request to instantiate unknown backend type ({tag})"
        return cls()

    def serializer(self, tag: str) -> Serializer | str:
        try:
            cls = load_plugin(SERIALIZER_GROUP, tag)
        except Exception as e:  # noqa: BLE001 - a broken plugin
            return f"Failed to instantiate serializer {tag}: {e}"
        if cls is None:
            return f"Request to instantiate unknown serializer type ({tag})"
        return cls()

    def register(self, handle: BackendHandle) -> None:
        """Count an opened backend and include it in the sweeps."""
        self.backends_opened += 1
        self.handles.append(handle)
        self._metered.append(handle.backend)
        if self._timer is None and not self.terminating():
            self._schedule()

    def unregister(self, handle: BackendHandle) -> None:
        if handle in self.handles:
            self.handles.remove(handle)

    def close_all(self) -> None:
        """Close every backend the scripts left open (at exit: Zeek's storage
        manager does the same), so that no connection or background task is
        torn down half-way when the process ends."""
        for h in list(self.handles):
            b = h.backend
            b.on_lost = None  # no Storage::backend_lost after the end
            if b.is_open:
                try:
                    b.close()
                except Exception:  # noqa: BLE001 - best effort on the way out
                    pass
            with contextlib.suppress(Exception):
                b.shutdown_executor()
        self.handles.clear()

    def _schedule(self) -> None:
        self._timer = self.timers.add(self.now() + self.expire_interval(), self._sweep)

    def _sweep(self) -> None:
        self._timer = None
        now = self.now()
        for h in list(self.handles):
            b = h.backend
            if not b.is_open or b.native_expiry or id(b) in self._sweeping:
                continue
            b.config["expire_interval"] = self.expire_interval()
            key = id(b)
            self._sweeping.add(key)
            fut = b.expire_async(now)
            fut.add_done_callback(lambda _f, key=key: self._sweeping.discard(key))
        if self.handles and not self.terminating():
            self._schedule()

    def samples(self) -> Iterator[tuple]:
        """Zeek's storage metrics as telemetry samples ``(name, kind, help, labels, value)``.

        A metric source for the telemetry subsystem; backends keep their
        counts after they are closed, as in Zeek.
        """
        yield (
            "zeek_storage_backends_opened_total",
            "counter",
            "Number of backends opened",
            {},
            self.backends_opened,
        )
        for b in self._metered:
            base = {"config": b.config_label(), "type": f"Storage::{b.tag}"}
            m = b.metrics
            for op in ("erase", "get", "put"):
                for outcome in ("error", "fail", "success", "timeout"):
                    yield (
                        "zeek_storage_backend_operation_results_total",
                        "counter",
                        "Storage operation results",
                        {**base, "operation": op, "result": outcome},
                        m.results.get((op, outcome), 0),
                    )
                hist = m.latency.get(op, [0] * (len(m.bounds) + 1))
                buckets, total = [], 0
                for bound, n in zip((*m.bounds, math.inf), hist, strict=True):
                    total += n
                    buckets.append((bound, total))
                yield (
                    "zeek_storage_backend_operation_latency_seconds",
                    "histogram",
                    "Storage Operation Latency",
                    {**base, "operation": op},
                    (buckets, m.latency_sum.get(op, 0.0)),
                )
            for name, help_, value in (
                ("data_written_bytes_total", "Storage data written to backend", m.bytes_written),
                ("data_read_bytes_total", "Storage data read from backend", m.bytes_read),
                ("expired_entries_total", "Storage expired entries removed by backend",
                 m.expired_entries),
            ):  # fmt: skip
                yield (f"zeek_storage_backend_{name}", "counter", help_, base, value)
            yield from b.metric_samples()
