"""Wiring the storage package into a host: ``install(host)``.

The host calls :func:`install` once (it is listed in the host's ``SUBSYSTEMS``)
and keeps the returned :class:`StorageSubsystem` as
``host.subsystems["storage"]``.  The subsystem

* registers the ``Storage::`` built-in functions (:mod:`.bifs`) and the
  ``Broker::`` store functions (:mod:`.brokerstore`);
* builds ``&backend`` tables for ``Host.make_table`` (``host.backend_table_factory``)
  and binds them to their stores when the host starts (:mod:`.tables`);
* owns the storage manager (open handles, expiration sweep) and the bridge
  that brings results of background work back to the event loop (:mod:`.aio`);
* holds the :class:`~.transport.StoreTransport` used for replication.

**The transport seam.**  A standalone host uses a
:class:`~.transport.LocalTransport`, whose ``is_master`` is the script
option ``Broker::table_store_master`` (T unless redefined).  The cluster
layer installs its own transport with :meth:`StorageSubsystem.set_transport`,
preferably before the host runs; a transport installed later re-attaches
every store (a table whose role changes is re-bound: a new clone takes the
master's snapshot).

It also serves as the services object replicated stores use (``now``,
``schedule``, ``report``, ``call_soon``, ``after_handlers``).
"""

from __future__ import annotations

from collections.abc import Callable

from ..runtime.builtins._support import builtin_error
from .aio import LoopBridge
from .bifs import StorageBifs
from .brokerstore import BrokerStores
from .manager import StorageManager
from .tables import BackendTables
from .transport import LocalTransport, StoreTransport

__all__ = ["StorageSubsystem", "install"]


def install(host) -> StorageSubsystem:
    """Install the storage subsystem into ``host``; return it."""
    return StorageSubsystem(host)


class StorageSubsystem:
    """Storage, ``&backend`` tables and Broker stores of one host."""

    def __init__(self, host):
        self.host = host
        self.loop = host.loop
        self.bridge = LoopBridge(self.loop)
        self.manager = StorageManager(
            self.loop.timers,
            self.now,
            self.expire_interval,
            lambda: self.loop.terminating,
        )
        self.transport: StoreTransport = LocalTransport()
        self._default_transport = True
        self.bifs = StorageBifs(self)
        self.bifs.register()
        self.stores = BrokerStores(self)
        self.stores.register()
        self.tables = BackendTables(self)
        host.backend_table_factory = self.tables.factory
        host.backend_table_assign = self.tables.assign
        host.on_start.append(self._start)
        # After zeek_done: changes made by its handlers are written too.
        self.loop.on_exit.append(self.close)

    # ------------------------------------------------------------ transport

    def set_transport(self, transport: StoreTransport) -> None:
        """Replicate over ``transport`` from now on (the cluster layer calls this)."""
        self.transport = transport
        self._default_transport = False
        self.tables.rebind()
        self.stores.rebind()

    # ------------------------------------------------------------ lifecycle

    def _start(self) -> None:
        if self._default_transport:
            self.transport = LocalTransport(
                bool(self.global_value("Broker::table_store_master", True))
            )
        self.tables.bind_all()

    def flush(self) -> None:
        """Write pending changes of persistent stores now."""
        for _tbl, store, _kind in self.tables.bound.values():
            store.flush()
        for h in self.stores.stores.values():
            h.store.flush()

    def close(self) -> None:
        """Close every replicated store (their files are complete afterwards)
        and every backend the scripts left open.

        Runs when the host exits (``EventLoop.on_exit``)."""
        self.tables.close_all()
        self.stores.close_all()
        self.manager.close_all()

    def metric_samples(self):
        """Zeek's ``zeek_storage_*`` metrics: a telemetry metric source (the host wires it)."""
        return self.manager.samples()

    # ---------------------------------------------- services for the stores

    def now(self) -> float:
        return self.loop.network_time

    def terminating(self) -> bool:
        return self.loop.terminating

    def schedule(self, delay: float, fn: Callable[[], None]):
        return self.loop.timers.add(self.loop.network_time + delay, fn)

    def report(self, message: str) -> None:
        self.host.reporter.error(message)

    def raise_event(self, name: str, args: tuple) -> bool:
        """Queue the event ``name`` with ``args`` (nothing when it has no handler)."""
        ok = self.loop.raise_by_name(name, args)
        if ok:
            self.loop.wake()
        return ok

    def call_soon(self, fn: Callable, *args) -> None:
        self.bridge.call_soon(fn, *args)

    def after_handlers(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once the running event handlers return (the stores' commit point)."""
        self.loop.queue.after_handlers(fn)
        self.loop.wake()  # when called from I/O, outside any handler

    def global_value(self, name: str, default=None):
        v = self.host.global_value(name, default)
        return default if v is None else v

    def enum_value(self, name: str):
        return self.host.enum_value(name)

    def expire_interval(self) -> float:
        return float(self.global_value("Storage::expire_interval", 15.0))

    def global_names(self, classes: tuple) -> dict[int, str]:
        """``id(value) -> global name`` for globals holding instances of ``classes``."""
        # Only for tables built without a name (Host.make_table called directly).
        host = self.host
        out: dict[int, str] = {}
        for name, gid in host.checker.globals.items():
            if gid.kind not in ("var", "const", "option"):
                continue
            v = host.ns.get(gid.py_name)
            if isinstance(v, classes):
                out[id(v)] = name
        return out

    def check_when(self, no_timeout_message: str) -> bool:
        """Whether the running ``when`` condition has a timeout block (Zeek's check).

        The checker already rejects asynchronous calls outside ``when``
        conditions; without a timeout the builtin error is reported and
        the call never completes, as in Zeek.
        """
        trig = getattr(self.loop.triggers, "_current", None)
        if trig is not None and trig.timeout_body is None:
            builtin_error(self, no_timeout_message)
            return False
        return True

    def keep_alive(self, pending) -> None:
        """Keep the event loop running until ``pending`` resolves."""
        self.loop.sources += 1

        def done(_value) -> None:
            self.loop.sources -= 1
            self.loop.wake()

        pending.callbacks.append(done)
