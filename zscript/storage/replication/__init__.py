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

**Persistence and the durability promise.**  A master may be backed by a
storage backend (SQLite for ``Broker::SQLITE``): it is loaded when the store
starts, and changes are committed in *groups*: every change made by the
handlers of one event is committed in one transaction as soon as they have
returned, before the next event runs (``after_handlers`` of the host's
services, see :mod:`zscript.engine.events`); changes made outside handlers
(from the network, timers, ``when`` bodies) are committed at the end of that
round of the event loop.  So a change is durable once the handler that made
it returns: ``kill -9`` of the process after that loses nothing.  (With
SQLite's WAL and ``synchronous=normal`` a power loss may still take the last
commits, never the file's integrity.)  A master with persistence sends its
updates to the clones only after they are committed.  The whole store is
kept in memory (as with Broker).

**Writes of clones are not lost when the master dies.**  A clone numbers the
writes it forwards (``w``, per clone) and keeps each until the master
confirms it: the master's update for that write names its origin and number
(``o``, ``w``), and is sent only once committed.  The master applies each
clone's writes in order, once: it remembers the last number applied per
clone (persisted with the data, in the same transaction), acknowledges
duplicates without applying them (``ack``), and asks a clone whose numbers
skip (messages lost in transit) to send them again (``replay``).  A clone
sends its unconfirmed writes again (after ``base``, the number it starts
from) whenever it adopts a snapshot (the master restarted, or it lost
updates) and whenever the master asks; it also applies them to the adopted
data again, so that a script keeps reading its own writes.  So a write made
on a clone is lost only when that clone dies before the master confirmed it
(or more than :data:`MAX_UNCONFIRMED` wait, which is reported).  With a
master without persistence (``Broker::MEMORY``) the data is gone when the
master's process ends, as with Broker.

Message format: JSON objects (UTF-8), keys and values encoded by the
store's codec (:mod:`.codec`).  The messages a store sends to a topic while
the event handlers run go together when they return, as one JSON array
(every :data:`BATCH_MAX` messages at most; a lone message is sent as is):
a loop of writes costs one network message, not one each.  A clone's table
writes go to the master as ``puts`` messages (up to :data:`BATCH_MAX` writes
each), and the master's update for such a run is one ``puts`` message too
(:meth:`~.master.MasterSide._apply_puts_at_once`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from ..backend import StorageBackend
from ..codec import CodecError
from .clone import CloneSide
from .common import (
    APPLIED,
    BATCH_MAX,
    MAX_UNCONFIRMED,
    PENDING_MAX,
    RESYNC_INTERVAL,
    StoreSink,
    encode,
    new_id,
    shown,
)
from .master import MasterSide

__all__ = ["PENDING_MAX", "ReplicatedStore", "StoreSink"]


class ReplicatedStore(MasterSide, CloneSide):
    """One master or clone of the store ``name``.

    :param codec: a :mod:`.codec` object for keys and values.
    :param master: this is the master (else a clone).
    :param host: the services the store needs: ``now()``, ``schedule(delay, fn)``
        (a network-time timer, returning an object with ``cancel()``),
        ``terminating()`` (no new timers once true),
        ``report(message)`` (a reporter error) and ``after_handlers(fn)``
        (run ``fn`` once the event handlers now running have returned, or
        soon when none runs: the commit point).
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
        self._wire_key = getattr(codec, "wire_key", codec.dump_key)
        self._wire_value = getattr(codec, "wire_value", codec.dump_value)
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
        self.node_id = new_id()
        self.epoch = new_id() if master else None
        self.seq = 0
        self.synced = master
        #: Clone: called once when it has adopted a snapshot of the master.
        self.on_synced: list[Callable[[], None]] = []
        self._sync_pending = False
        self._resync_delay = RESYNC_INTERVAL
        self.closed = False
        self.transport = None
        self.persist: StorageBackend | None = None
        self._replies: dict[str, Callable[[Any], None]] = {}
        self._sweep_timer = None
        self._resync_timer = None
        self._beat_timer = None
        #: Master with persistence: changes and updates waiting for the commit.
        self._wqueue: list[tuple] = []
        self._outbox: list[bytes] = []
        self._commit_queued = False
        #: Master: clone node id -> number of the last write of it applied.
        self.applied: dict[str, int] = {}
        self._applied_dirty: set[str] = set()
        self._replay_asked: dict[str, int] = {}
        #: Master: (origin, write number) of the clone write being applied.
        self._origin: tuple[str, int] | None = None
        self._origin_sent = False
        #: Clone: number of the last write forwarded, and those not confirmed yet.
        self._wseq = 0
        #: (Each message holds its number as ``w``; oldest first.)
        self.unconfirmed: deque[dict] = deque()
        #: Clone: writes given up because too many waited for confirmation.
        self.lost_writes = 0
        #: Clone: key -> number of its newest unconfirmed write (for
        #: :meth:`_superseded`), and the number of the newest unconfirmed clear.
        self._newest: dict[str, int] = {}
        self._newest_clear = 0
        #: ``puts`` messages whose keys are not in :attr:`_newest` yet: it is
        #: brought up to date when read (:meth:`_index`), not on each write.
        self._unindexed: list[dict] = []
        #: Clone: writes in :attr:`unconfirmed`.
        self._n_unconfirmed = 0
        #: Clone: keys (as sent) that updates of others changed while this
        #: clone had unconfirmed writes, or all keys; see :meth:`_echo_in_place`.
        self._clobbered: set[str] = set()
        self._clobbered_all = False
        #: Clone: echoes of its own writes not applied again (for tests).
        self.echoes_skipped = 0
        #: Clone of an ``&backend`` table talking to a master: the writes of
        #: the table since the last :meth:`take_writes`, as key, value, key,
        #: value ... (else None).
        self.pending: list | None = None
        #: Messages waiting for the end of the running handlers, per topic.
        self._out: dict[str, list[dict]] = {}
        self._out_queued = False
        #: Times this copy found it had lost messages and resynchronized.
        self.resyncs = 0
        #: Attached to a transport with peers (not a standalone process's).
        self._remote = False
        self._master_topic = self.master_topic
        #: Master: the last snapshot's items, with the (epoch, seq) they show.
        self._snapshot: tuple | None = None
        self._loss_told = False

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
        # As Zeek's import of a store into a table (Manager::BrokerStoreToZeekTable):
        # in key order, and an entry of the wrong type aborts the import.
        for kb, vb, x in sorted(backend.items(now)):
            key_text = kb.decode("latin-1")
            try:
                sk = self.codec.load_key(key_text)
            except CodecError:
                self.host.report(
                    f'Failed to convert key "{shown(key_text)}" while importing broker store'
                    f' to table for store "{self.name}". Aborting import.'
                )
                break
            try:
                v = self.codec.load_value(vb.decode("latin-1"))
            except CodecError:
                self.host.report(
                    f"Could not convert {shown(vb.decode('latin-1'))} to table value while"
                    f" trying to import Broker store {self.name}. Aborting import."
                )
                break
            dict.__setitem__(self.data, sk, v)
            if x:
                self.expiry[sk] = x
            loaded.add(sk)
        for name, value in backend.meta().items():
            if name.startswith(APPLIED):
                try:
                    self.applied[name[len(APPLIED) :].decode("latin-1")] = int(value)
                except ValueError:
                    continue
        self._arm_sweep()
        return loaded

    def attach(self, transport) -> None:
        """Start talking over ``transport`` (again, if it replaces another)."""
        self.take_writes()
        self.transport = transport
        self._remote = not getattr(transport, "local_only", False)
        self.pending = [] if self._remote and self.optimistic and not self.master else None
        if not self._remote:
            return
        listeners = getattr(transport, "drop_listeners", None)
        if listeners is not None and self._dropped not in listeners:
            listeners.append(self._dropped)
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
        self.commit()
        self._flush_out()
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
            self._forward(
                {"op": "put", "k": self._k(sk), "v": self._v(value), "e": expire_in}, True
            )

    def table_put(self, sk, value) -> None:
        """An ``&backend`` table already holds ``value`` at ``sk``: replicate it."""
        if self.master:
            self._record_put(sk, value, self._expiry_for(sk, None))
        elif self.pending is not None:
            self.write_pending(sk, value)

    def write_pending(self, sk, value) -> None:
        """Clone: the table's entry ``sk`` was set to ``value`` (the commonest write).

        The write is only noted; :meth:`take_writes` numbers, encodes and
        queues the writes noted when the running handlers return, or before
        anything else is sent or received, so the order of writes and other
        messages is kept, or at once when :data:`PENDING_MAX` are noted.  The
        table notes its writes itself (appending key and value to
        :attr:`pending`) once this started a list.
        """
        pending = self.pending
        if not pending:
            self._queue_flush()
        pending.append(sk)
        pending.append(value)

    def take_writes(self) -> None:
        """The noted writes (see :meth:`write_pending`) into ``puts`` messages;
        each full message is sent at once."""
        pending = self.pending
        if not pending:
            return
        self.pending = []
        n = len(pending) // 2
        texts = self.codec.wire_writes(pending)
        w0 = self._wseq + 1
        self._wseq += n
        self._n_unconfirmed += n
        for i in range(0, n, BATCH_MAX):
            m = min(BATCH_MAX, n - i)
            kv = texts if m == n else texts[2 * i : 2 * (i + m)]
            msg = {"op": "puts", "w": w0 + i, "kv": kv, "from": self.node_id}
            self.unconfirmed.append(msg)
            self._unindexed.append(msg)
            self._send(self._master_topic, msg)
            if m == BATCH_MAX:
                # A full message goes alone (with what was queued before it):
                # a long loop of writes reaches the master as many network
                # messages, each handled in its turn, not as one huge one.
                out = self._out[self._master_topic]
                self._publish(self._master_topic, out)
                out.clear()
        while self._n_unconfirmed > MAX_UNCONFIRMED:
            self._give_up_oldest()

    def erase(self, sk) -> None:
        if self.master:
            self._master_erase(sk, "erase", notify=not self.optimistic)
        else:
            if self.optimistic:
                self.expiry.pop(sk, None)
            self._forward({"op": "erase", "k": self._k(sk)}, True)

    def clear(self) -> None:
        if self.master:
            self._master_clear(notify=not self.optimistic)
        else:
            if self.optimistic:
                self.expiry.clear()
            self._forward({"op": "clear"}, True)

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
            self._forward(msg, True)

    def put_unique(self, sk, value, expire_in: float, reply: Callable[[bool], None]) -> None:
        """Insert ``sk`` only if absent; ``reply(inserted)`` is called (maybe later)."""
        if self.master:
            reply(self._master_put_unique(sk, value, expire_in))
            return
        req = new_id()
        self._replies[req] = reply
        self._forward(
            {"op": "put_unique", "k": self._k(sk), "v": self._v(value), "e": expire_in, "req": req},
            True,
        )

    @property
    def _publishing(self) -> bool:
        return self._remote

    def _broadcast(self, msg: dict) -> None:
        if not self._publishing:
            return
        msg["epoch"] = self.epoch
        msg["seq"] = self.seq
        msg["from"] = self.node_id
        if self._origin is not None and "o" not in msg:
            msg["o"], msg["w"] = self._origin
            self._origin_sent = True
        if self.persist is not None:
            # Confirms what was committed only: sent by commit().
            self._outbox.append(msg)
            self._request_commit()
        else:
            self._send(self.clones_topic, msg)

    def _send(self, topic: str, msg: dict) -> None:
        """Queue ``msg`` for ``topic``: the messages of the running handlers
        go as one batch when they return (or every :data:`BATCH_MAX`)."""
        out = self._out.get(topic)
        if out is None:
            out = self._out[topic] = []
        out.append(msg)
        if len(out) >= BATCH_MAX:
            self._publish(topic, out)
            out.clear()
        else:
            self._queue_flush()

    def _queue_flush(self) -> None:
        """Have :meth:`_flush_out` run when the running handlers return."""
        if not self._out_queued:
            self._out_queued = True
            self.host.after_handlers(self._flush_out)

    def _flush_out(self) -> None:
        """Send the queued messages, one batch per topic."""
        self.take_writes()
        self._out_queued = False
        out, self._out = self._out, {}
        for topic, msgs in out.items():
            if msgs:
                self._publish(topic, msgs)

    def _publish(self, topic: str, msgs: list[dict]) -> None:
        """Publish ``msgs`` in order: a JSON array (one object if alone)."""
        if not self._remote:
            return
        t = self.transport
        for i in range(0, len(msgs), BATCH_MAX):
            chunk = msgs[i : i + BATCH_MAX]
            t.publish(topic, encode(chunk[0] if len(chunk) == 1 else chunk))

    # ------------------------------------------------------- persistence

    def flush(self) -> None:
        """Commit every pending change now (and send what waited for it)."""
        self.commit()

    def _persist(self, op: tuple) -> None:
        self._wqueue.append(op)
        self._request_commit()

    def _request_commit(self) -> None:
        if not self._commit_queued and not self.closed:
            self._commit_queued = True
            self.host.after_handlers(self.commit)

    def commit(self) -> None:
        """Write the pending changes in one transaction, then send the updates
        that waited for them (see the module docstring)."""
        self._commit_queued = False
        ops, self._wqueue = self._wqueue, []
        if self._applied_dirty:
            for origin in sorted(self._applied_dirty):
                value = str(self.applied[origin]).encode()
                ops.append(("meta", APPLIED + origin.encode("latin-1", "replace"), value))
            self._applied_dirty.clear()
        if ops and self.persist is not None:
            r = self.persist.batch(ops)
            if not r.ok:
                self.host.report(f"store {self.name}: writing to disk failed: {r.error_str}")
        out, self._outbox = self._outbox, []
        if out and self._publishing:
            self._flush_out()  # what was queued before goes first
            self._publish(self.clones_topic, out)

    # ---------------------------------------------------------- encoding

    def _k(self, sk):
        """``sk`` in the messages: its text, or a count's number (:mod:`.codec`)."""
        return self._wire_key(sk)

    def _v(self, v):
        return self._wire_value(v)
