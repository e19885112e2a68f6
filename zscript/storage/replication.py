"""Replicated key-value stores: one master, any number of clones.

This is the machinery behind ``&backend`` tables and ``Broker::`` stores.
A :class:`ReplicatedStore` is either the *master* of a named store or a
*clone* of it; they talk over a :class:`~.transport.StoreTransport` on two
topics per store::

    zscript/store/<name>/master   clones -> master: mutations, sync requests
    zscript/store/<name>/clones   master -> clones: updates, snapshots, replies

**Consistency rule.**  The master applies mutations one at a time, in the
order it receives them, and numbers each resulting update (``seq``, within
an ``epoch`` that changes when the master restarts).  Clones apply updates
in that order.  So the *last write applied by the master wins*, and every
clone converges to the master's value once the updates reach it.

* A clone that sees a gap in the numbering, an update from another epoch,
  or that has no data yet, asks for a snapshot and adopts it; until it
  arrives it keeps serving its current data.  A master announces itself
  with a snapshot when it attaches, and a clone without a snapshot repeats
  its request every ``resync_interval``.  A transport that knows when the
  master is reachable (``watch``, see :mod:`.transport`) makes a clone ask
  for a snapshot each time the master (re)appears instead: at start, when
  the master starts after the clone, after the master restarted.  A
  transport with a ``heartbeat`` interval has masters announce their
  epoch and sequence number that often: a clone that missed the last
  updates, or whose master restarted unnoticed, resynchronizes then.
* Clones of ``&backend`` tables apply their own writes locally at once (a
  script reads its own write), then forward them; the master's updates
  later overwrite them if another node's write was applied after.  Clones
  of ``Broker::`` stores only forward writes, as Broker does: a clone sees
  its write when the master's update comes back.
* Read-modify-write on a clone (``t[k] += 1``) is not atomic across nodes:
  two concurrent increments may lose one.  ``Broker::increment`` runs on
  the master and does not lose updates.

**Expiration.**  Entries may carry an absolute expiration time (network
time).  Only the master expires entries (a periodic sweep); it sends the
removal to the clones, where ``&on_change`` sees ``TABLE_ELEMENT_EXPIRED``.
For ``&backend`` tables the interval comes from ``&create_expire`` (kept
from the first write) or ``&write_expire`` (restarted by each write).

**Persistence.**  A master may be backed by a storage backend (SQLite for
``Broker::SQLITE``): it is loaded when the store starts, and every change
is written behind, in batches of one transaction each, by a worker thread,
so scripts never wait for the disk.  Changes not yet written when the
process is killed are lost; a normal shutdown writes them all.  The whole
store is kept in memory (as with Broker).

Message format: JSON objects (UTF-8), keys and values encoded by the
store's codec (:mod:`.codec`).
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import threading
from collections.abc import Callable
from typing import Any, Protocol

from .backend import StorageBackend
from .codec import CodecError

__all__ = ["ReplicatedStore", "StoreSink"]

#: Network-time seconds between snapshot requests of a clone that has none.
RESYNC_INTERVAL = 10.0
#: The first retry after the master became reachable (then doubling up to
#: :data:`RESYNC_INTERVAL`): its reply is lost when the master does not know
#: the clone's subscription yet.
FIRST_RESYNC = 0.5


def _new_id() -> str:
    import uuid  # here: a process without replicated stores never needs it

    return uuid.uuid4().hex


class StoreSink(Protocol):
    """Receives changes the store makes to its data (an ``&backend`` table)."""

    def store_changed(self, kind: str, key, old, new) -> None:
        """``kind`` is ``new``, ``changed``, ``removed`` or ``expired``."""


class ReplicatedStore:
    """One master or clone of the store ``name``.

    :param codec: a :mod:`.codec` object for keys and values.
    :param master: this is the master (else a clone).
    :param host: the services the store needs: ``now()``, ``schedule(delay, fn)``
        (a network-time timer, returning an object with ``cancel()``),
        ``terminating()`` (no new timers once true),
        ``report(message)`` (a reporter error) and ``call_soon(fn, *args)``
        (run on the event-loop thread; callable from any thread).
    :param data: the dict to keep the data in (a table's own dict), else a new one.
    :param sink: told about changes that did not come from the local script.
    :param expire: ``(kind, interval_thunk)`` of an ``&backend`` table, kind
        ``create`` or ``write``.
    :param optimistic: local writes are already applied (tables); else they
        are only forwarded on a clone.
    :param mutators: read-modify-write operations the master runs for
        :meth:`mutate`: name -> ``fn(old_or_None, *args)`` returning the new
        value (raising ValueError when the stored value does not fit).
    """

    def __init__(
        self,
        name: str,
        codec,
        *,
        master: bool,
        host,
        data: dict | None = None,
        sink: StoreSink | None = None,
        expire: tuple[str, Callable[[], float]] | None = None,
        optimistic: bool = False,
        mutators: dict[str, Callable] | None = None,
        sweep_interval: Callable[[], float] = lambda: 1.0,
    ):
        self.name = name
        self.codec = codec
        self.master = master
        self.host = host
        self.data: dict = data if data is not None else {}
        self.sink = sink
        self.expire = expire
        self.optimistic = optimistic
        #: Read-modify-write operations by name: ``fn(old_or_None, *args) -> new``.
        self.mutators = mutators or {}
        self.sweep_interval = sweep_interval
        #: store key -> absolute expiration time (network time).
        self.expiry: dict[Any, float] = {}
        self.node_id = _new_id()
        self.epoch = _new_id() if master else None
        self.seq = 0
        self.synced = master
        self._sync_pending = False
        self._resync_delay = RESYNC_INTERVAL
        self.closed = False
        self.transport = None
        self.persist: StorageBackend | None = None
        self._replies: dict[str, Callable[[Any], None]] = {}
        self._sweep_timer = None
        self._resync_timer = None
        self._beat_timer = None
        self._writer: cf.ThreadPoolExecutor | None = None
        self._wlock = threading.Lock()
        self._wqueue: list[tuple] = []
        self._flush_queued = False

    # ------------------------------------------------------------- topics

    @property
    def master_topic(self) -> str:
        return f"zscript/store/{self.name}/master"

    @property
    def clones_topic(self) -> str:
        return f"zscript/store/{self.name}/clones"

    # ---------------------------------------------------------- lifecycle

    def load(self, backend: StorageBackend) -> set:
        """Make ``backend`` (open) this master's persistent copy; load and return its keys."""
        self.persist = backend
        now = self.host.now()
        loaded = set()
        for kb, vb, x in backend.items(now):
            try:
                sk = self.codec.load_key(kb.decode("latin-1"))
                v = self.codec.load_value(vb.decode("latin-1"))
            except CodecError as e:
                self.host.report(f"store {self.name}: cannot load an entry: {e}")
                continue
            dict.__setitem__(self.data, sk, v)
            if x:
                self.expiry[sk] = x
            loaded.add(sk)
        self._arm_sweep()
        return loaded

    def attach(self, transport) -> None:
        """Start talking over ``transport`` (again, if it replaces another)."""
        self.transport = transport
        if getattr(transport, "local_only", False):
            return
        if self.master:
            transport.subscribe(self.master_topic, self._on_master_message)
            self._send_snapshot(None)
            if self._beat_timer is None:
                self._arm_beat()
        else:
            transport.subscribe(self.clones_topic, self._on_clone_message)
            watch = getattr(transport, "watch", None)
            if watch is not None:
                # The transport tells when the master is reachable (at once if
                # it is): the clone asks for a snapshot then.
                watch(self.master_topic, self._master_reachable)
            else:
                self._request_sync()

    def close(self) -> None:
        """Stop replicating; write pending changes and close the persistent copy."""
        if self.closed:
            return
        self.closed = True
        for t in (self._sweep_timer, self._resync_timer, self._beat_timer):
            if t is not None:
                t.cancel()
        self._sweep_timer = self._resync_timer = self._beat_timer = None
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        self._flush()
        if self.persist is not None:
            self.persist.close()
            self.persist.shutdown_executor()

    # -------------------------------------------------------------- reads

    def lookup(self, sk):
        """``(True, value)`` for a live entry, else ``(False, None)``."""
        if sk not in self.data:
            return False, None
        x = self.expiry.get(sk)
        if x is not None and x <= self.host.now():
            return False, None
        return True, self.data[sk]

    def live_keys(self) -> list:
        now = self.host.now()
        return [k for k in self.data if not (self.expiry.get(k, now + 1) <= now)]

    # ----------------------------------------------------- local mutations

    def put(self, sk, value, expire_in: float = 0.0) -> None:
        """Set ``sk`` (explicit stores; on a clone the master applies it)."""
        if self.master:
            self._master_put(sk, value, self._expiry_for(sk, expire_in), notify=False)
        else:
            self._forward({"op": "put", "k": self._k(sk), "v": self._v(value), "e": expire_in})

    def table_put(self, sk, value) -> None:
        """An ``&backend`` table already holds ``value`` at ``sk``: replicate it."""
        if self.master:
            self._record_put(sk, value, self._expiry_for(sk, None))
        else:
            self._forward({"op": "put", "k": self._k(sk), "v": self._v(value), "e": None})

    def erase(self, sk) -> None:
        if self.master:
            self._master_erase(sk, "erase", notify=not self.optimistic)
        else:
            if self.optimistic:
                self.expiry.pop(sk, None)
            self._forward({"op": "erase", "k": self._k(sk)})

    def clear(self) -> None:
        if self.master:
            self._master_clear(notify=not self.optimistic)
        else:
            if self.optimistic:
                self.expiry.clear()
            self._forward({"op": "clear"})

    def mutate(self, op: str, sk, args: tuple, expire_in: float) -> None:
        """The read-modify-write ``op`` (one of :attr:`mutators`), run by the master."""
        if self.master:
            found, old = self.lookup(sk)
            try:
                new = self.mutators[op](old if found else None, *args)
            except ValueError as e:
                self.host.report(f"store {self.name}: {op} failed: {e}")
                return
            self._master_put(sk, new, self._expiry_for(sk, expire_in), notify=True)
        else:
            msg = {"op": op, "k": self._k(sk), "e": expire_in}
            msg["a"] = [self.codec.dump_value(a) for a in args]
            self._forward(msg)

    def put_unique(self, sk, value, expire_in: float, reply: Callable[[bool], None]) -> None:
        """Insert ``sk`` only if absent; ``reply(inserted)`` is called (maybe later)."""
        if self.master:
            reply(self._master_put_unique(sk, value, expire_in))
            return
        req = _new_id()
        self._replies[req] = reply
        self._forward(
            {"op": "put_unique", "k": self._k(sk), "v": self._v(value), "e": expire_in, "req": req}
        )

    # ------------------------------------------------------- master side

    def _expiry_for(self, sk, expire_in: float | None) -> float:
        now = self.host.now()
        if expire_in is None:  # an &backend table's attribute decides
            if self.expire is None:
                return 0.0
            kind, interval = self.expire
            if kind == "create" and sk in self.expiry:
                return self.expiry[sk]
            return now + interval()
        return now + expire_in if expire_in > 0 else 0.0

    def _master_put(self, sk, value, expire_at: float, *, notify: bool) -> None:
        existed = sk in self.data
        old = self.data.get(sk)
        dict.__setitem__(self.data, sk, value)
        self._record_put(sk, value, expire_at)
        if notify and self.sink is not None:
            self.sink.store_changed("changed" if existed else "new", sk, old, value)

    def _record_put(self, sk, value, expire_at: float) -> None:
        if expire_at:
            self.expiry[sk] = expire_at
            self._arm_sweep()
        else:
            self.expiry.pop(sk, None)
        self.seq += 1
        if self.persist is not None or self._publishing:
            k, v = self._k(sk), self._v(value)
            if self.persist is not None:
                self._persist(("put", k.encode("latin-1"), v.encode("latin-1"), expire_at))
            self._broadcast({"op": "put", "k": k, "v": v, "x": expire_at})

    def _master_erase(self, sk, why: str, *, notify: bool) -> None:
        existed = sk in self.data
        old = dict.pop(self.data, sk, None)
        self.expiry.pop(sk, None)
        self.seq += 1
        if self.persist is not None or self._publishing:
            k = self._k(sk)
            if self.persist is not None:
                self._persist(("erase", k.encode("latin-1")))
            self._broadcast({"op": "erase", "k": k, "why": why})
        if notify and existed and self.sink is not None:
            self.sink.store_changed("expired" if why == "expire" else "removed", sk, old, None)

    def _master_clear(self, *, notify: bool) -> None:
        old_items = list(self.data.items()) if notify and self.sink is not None else []
        dict.clear(self.data)
        self.expiry.clear()
        self.seq += 1
        if self.persist is not None:
            self._persist(("clear",))
        self._broadcast({"op": "clear"})
        for k, old in old_items:
            self.sink.store_changed("removed", k, old, None)

    def _master_put_unique(self, sk, value, expire_in: float) -> bool:
        found, _ = self.lookup(sk)
        if found:
            return False
        self._master_put(sk, value, self._expiry_for(sk, expire_in), notify=True)
        return True

    def _on_master_message(self, raw: bytes) -> None:
        if self.closed or not self.master:
            return
        try:
            msg = json.loads(raw)
            if msg.get("from") == self.node_id:
                return
            op = msg.get("op")
            if op == "sync":
                self._send_snapshot(msg.get("from"))
                return
            if op == "clear":
                self._master_clear(notify=True)
                return
            sk = self.codec.load_key(msg["k"])
            if op == "put":
                v = self.codec.load_value(msg["v"])
                self._master_put(sk, v, self._expiry_for(sk, msg.get("e")), notify=True)
            elif op == "erase":
                self._master_erase(sk, "erase", notify=True)
            elif op == "put_unique":
                v = self.codec.load_value(msg["v"])
                ok = self._master_put_unique(sk, v, msg.get("e") or 0.0)
                self._broadcast(
                    {"op": "reply", "to": msg.get("from"), "req": msg.get("req"), "r": ok}
                )
            elif op in self.mutators:
                args = tuple(self.codec.load_value(a) for a in msg.get("a", ()))
                self.mutate(op, sk, args, msg.get("e") or 0.0)
        except (ValueError, KeyError, TypeError, CodecError) as e:
            self.host.report(f"store {self.name}: bad message from a clone: {e}")

    def _send_snapshot(self, to: str | None) -> None:
        now = self.host.now()
        items = []
        for sk, v in self.data.items():
            x = self.expiry.get(sk, 0.0)
            if x and x <= now:
                continue
            items.append([self._k(sk), self._v(v), x])
        self._broadcast({"op": "snapshot", "items": items, "to": to})

    def _arm_sweep(self) -> None:
        if self._sweep_timer is not None or self.closed or self.host.terminating():
            return
        if self.master and self.expiry:
            self._sweep_timer = self.host.schedule(self.sweep_interval(), self._sweep)

    def _sweep(self) -> None:
        self._sweep_timer = None
        if self.closed:
            return
        now = self.host.now()
        for sk in [k for k, x in self.expiry.items() if x <= now]:
            self._master_erase(sk, "expire", notify=True)
        self._arm_sweep()

    def _arm_beat(self) -> None:
        interval = getattr(self.transport, "heartbeat", None)
        if interval and self._publishing and not self.closed and not self.host.terminating():
            self._beat_timer = self.host.schedule(interval, self._beat)

    def _beat(self) -> None:
        """Tell the clones where the master is (epoch, seq): they resync if behind."""
        self._beat_timer = None
        if self.closed:
            return
        self._broadcast({"op": "beat"})
        self._arm_beat()

    @property
    def _publishing(self) -> bool:
        t = self.transport
        return t is not None and not getattr(t, "local_only", False)

    def _broadcast(self, msg: dict) -> None:
        if not self._publishing:
            return
        msg["epoch"] = self.epoch
        msg["seq"] = self.seq
        msg["from"] = self.node_id
        self.transport.publish(self.clones_topic, json.dumps(msg).encode())

    # -------------------------------------------------------- clone side

    def _forward(self, msg: dict) -> None:
        if self.transport is None or getattr(self.transport, "local_only", False):
            return
        msg["from"] = self.node_id
        self.transport.publish(self.master_topic, json.dumps(msg).encode())

    def _request_sync(self) -> None:
        self._sync_pending = True
        self._forward({"op": "sync"})
        if self._resync_timer is None and not self.closed and not self.host.terminating():
            self._resync_timer = self.host.schedule(self._resync_delay, self._resync)

    def _resync(self) -> None:
        self._resync_timer = None
        if not self.synced and not self.closed:
            self._resync_delay = min(self._resync_delay * 2, RESYNC_INTERVAL)
            self._request_sync()
        else:
            self._sync_pending = False

    def _master_reachable(self) -> None:
        """The transport saw the master (re)appear: take its snapshot.

        Called when a clone attaches to a reachable master, when the master
        starts after the clone, and after the master restarted or the
        connection to it came back (messages may have been lost, a restarted
        master has other data).  The clone keeps serving its current data
        until the snapshot arrives, and asks again, sooner than
        :data:`RESYNC_INTERVAL`, if the reply is lost.
        """
        if self.closed or self.master:
            return
        self.synced = False
        if self._resync_timer is not None:
            self._resync_timer.cancel()
            self._resync_timer = None
        self._resync_delay = FIRST_RESYNC
        self._request_sync()

    def _on_clone_message(self, raw: bytes) -> None:
        if self.closed or self.master:
            return
        try:
            msg = json.loads(raw)
            op = msg.get("op")
            if op == "reply":
                if msg.get("to") == self.node_id:
                    cb = self._replies.pop(msg.get("req"), None)
                    if cb is not None:
                        cb(bool(msg.get("r")))
                return
            if op == "snapshot":
                self._apply_snapshot(msg)
                return
            epoch, seq = msg.get("epoch"), msg.get("seq")
            if op == "beat":
                # Missed updates at the end of a burst, or a restarted master.
                if not self.synced or epoch != self.epoch or seq > self.seq:
                    self.synced = False
                    if not self._sync_pending:
                        self._request_sync()
                return
            if not self.synced or epoch != self.epoch or seq != self.seq + 1:
                if self.synced and epoch == self.epoch and seq <= self.seq:
                    return  # already applied
                self.synced = False
                if not self._sync_pending:
                    self._request_sync()
                return
            self.seq = seq
            self._apply_update(msg)
        except (ValueError, KeyError, TypeError, CodecError) as e:
            self.host.report(f"store {self.name}: bad message from the master: {e}")

    def _apply_update(self, msg: dict) -> None:
        op = msg["op"]
        sink = self.sink
        if op == "clear":
            for k in list(self.data):
                old = dict.pop(self.data, k)
                if sink is not None:
                    sink.store_changed("removed", k, old, None)
            self.expiry.clear()
            return
        sk = self.codec.load_key(msg["k"])
        if op == "put":
            v = self.codec.load_value(msg["v"])
            existed = sk in self.data
            old = self.data.get(sk)
            dict.__setitem__(self.data, sk, v)
            if msg.get("x"):
                self.expiry[sk] = msg["x"]
            else:
                self.expiry.pop(sk, None)
            if sink is not None and not (existed and _same(old, v)):
                sink.store_changed("changed" if existed else "new", sk, old, v)
        elif op == "erase":
            self.expiry.pop(sk, None)
            if sk in self.data:
                old = dict.pop(self.data, sk)
                if sink is not None:
                    why = "expired" if msg.get("why") == "expire" else "removed"
                    sink.store_changed(why, sk, old, None)

    def _apply_snapshot(self, msg: dict) -> None:
        current = self.synced and msg.get("epoch") == self.epoch
        if current and msg.get("to") not in (None, self.node_id):
            return  # another clone's resync; we are up to date
        if self.synced and msg.get("epoch") == self.epoch and msg.get("seq", 0) <= self.seq:
            return
        entries = []
        for k, v, x in msg.get("items", ()):
            entries.append((self.codec.load_key(k), self.codec.load_value(v), x))
        dict.clear(self.data)
        self.expiry.clear()
        for sk, v, x in entries:
            dict.__setitem__(self.data, sk, v)
            if x:
                self.expiry[sk] = x
        self.epoch = msg.get("epoch")
        self.seq = msg.get("seq", 0)
        self.synced = True
        self._sync_pending = False
        self._resync_delay = RESYNC_INTERVAL

    # ------------------------------------------------------- persistence

    def flush(self) -> None:
        """Write every pending change now (waits for the writer thread)."""
        if self._writer is not None:
            self._writer.submit(self._flush).result()
        else:
            self._flush()

    def _persist(self, op: tuple) -> None:
        with self._wlock:
            self._wqueue.append(op)
            if self._flush_queued or self.closed:
                return
            self._flush_queued = True
        if self._writer is None:
            self._writer = cf.ThreadPoolExecutor(1, thread_name_prefix=f"zscript-store-{self.name}")
        self._writer.submit(self._flush)

    def _flush(self) -> None:
        with self._wlock:
            ops, self._wqueue = self._wqueue, []
            self._flush_queued = False
        if not ops or self.persist is None:
            return
        r = self.persist.batch(ops)
        if not r.ok:
            self.host.call_soon(
                self.host.report, f"store {self.name}: writing to disk failed: {r.error_str}"
            )

    # ---------------------------------------------------------- encoding

    def _k(self, sk) -> str:
        return self.codec.dump_key(sk)

    def _v(self, v) -> str:
        return self.codec.dump_value(v)


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - values without equality
        return False
