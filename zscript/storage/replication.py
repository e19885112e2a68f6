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
(:meth:`ReplicatedStore._apply_puts_at_once`).
"""

from __future__ import annotations

import json
from collections import deque
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
#: Writes a clone keeps waiting for the master's confirmation; beyond, the
#: oldest are given up (and counted in ``lost_writes``).
MAX_UNCONFIRMED = 1_000_000
#: Messages of one topic sent as one batch at most (a JSON array), and
#: writes of a table in one ``puts`` message.
BATCH_MAX = 2000
#: Length of a clone's :attr:`ReplicatedStore.pending` (two entries per
#: write) at which the table has its writes sent at once: a long loop of
#: writes reaches the master as it runs, one message per BATCH_MAX writes.
PENDING_MAX = 2 * BATCH_MAX
#: Name of the persisted "last write applied" of each clone (meta entries).
_APPLIED = b"applied:"


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
        self.node_id = _new_id()
        self.epoch = _new_id() if master else None
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
                    f'Failed to convert key "{_shown(key_text)}" while importing broker store'
                    f' to table for store "{self.name}". Aborting import.'
                )
                break
            try:
                v = self.codec.load_value(vb.decode("latin-1"))
            except CodecError:
                self.host.report(
                    f"Could not convert {_shown(vb.decode('latin-1'))} to table value while"
                    f" trying to import Broker store {self.name}. Aborting import."
                )
                break
            dict.__setitem__(self.data, sk, v)
            if x:
                self.expiry[sk] = x
            loaded.add(sk)
        for name, value in backend.meta().items():
            if name.startswith(_APPLIED):
                try:
                    self.applied[name[len(_APPLIED) :].decode("latin-1")] = int(value)
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
        req = _new_id()
        self._replies[req] = reply
        self._forward(
            {"op": "put_unique", "k": self._k(sk), "v": self._v(value), "e": expire_in, "req": req},
            True,
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

    def _record_put(self, sk, value, expire_at: float, texts: tuple | None = None) -> None:
        if expire_at:
            self.expiry[sk] = expire_at
            self._arm_sweep()
        else:
            self.expiry.pop(sk, None)
        self.seq += 1
        if self.persist is not None or self._publishing:
            k, v = texts if texts is not None else (self._k(sk), self._v(value))
            if self.persist is not None:
                self._persist(("put", _bytes(k), _bytes(v), expire_at))
            self._broadcast({"op": "put", "k": k, "v": v, "x": expire_at})

    def _master_erase(self, sk, why: str, *, notify: bool) -> None:
        existed = sk in self.data
        old = dict.pop(self.data, sk, None)
        self.expiry.pop(sk, None)
        self.seq += 1
        if self.persist is not None or self._publishing:
            k = self._k(sk)
            if self.persist is not None:
                self._persist(("erase", _bytes(k)))
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
        if not self.closed and self.master:
            for msg in self._messages(raw, "a clone"):
                self._master_message(msg)

    def _messages(self, raw: bytes, sender: str) -> list | tuple:
        """The messages in ``raw`` (one, or a batch); none if it is not JSON."""
        import orjson  # not at start-up: a process without stores never needs it

        try:
            body = orjson.loads(raw)
        except ValueError as e:
            self.host.report(f"store {self.name}: bad message from {sender}: {e}")
            return ()
        return body if isinstance(body, list) else (body,)

    def _master_message(self, msg) -> None:
        try:
            origin = msg.get("from")
            if origin == self.node_id:
                return
            op = msg.get("op")
            if op == "sync":
                self._send_snapshot(origin)
                return
            if op == "base":
                self._base(origin, int(msg["w"]))
                return
            w = msg.get("w")
            if op == "puts":
                self._apply_puts(origin, int(w), msg["kv"])
                return
            if w is not None and not self._in_order(origin, int(w)):
                return
            self._origin, self._origin_sent = (origin, int(w)) if w is not None else None, False
            try:
                self._apply_clone_write(op, msg)
            finally:
                if self._origin is not None and not self._origin_sent:
                    self._broadcast({"op": "ack"})  # applied, but nothing to send
                self._origin = None
        except (ValueError, KeyError, TypeError, AttributeError, CodecError) as e:
            self.host.report(f"store {self.name}: bad message from a clone: {e}")

    def _apply_puts(self, origin, w: int, kv: list) -> None:
        """A clone's table writes ``w``, ``w + 1`` ... (``kv``: key, value, key ...)."""
        if self._apply_puts_at_once(origin, w, kv):
            return
        load_key, load_value = self.codec.load_key, self.codec.load_value
        sink, data = self.sink, self.data
        for i in range(0, len(kv), 2):
            n = w + i // 2
            if not self._in_order(origin, n):
                continue
            self._origin, self._origin_sent = (origin, n), False
            try:
                k, v = kv[i], kv[i + 1]
                sk, value = load_key(k), load_value(v)
                existed = sk in data
                old = data.get(sk)
                dict.__setitem__(data, sk, value)
                self._record_put(sk, value, self._expiry_for(sk, None), (k, v))
                if sink is not None:
                    sink.store_changed("changed" if existed else "new", sk, old, value)
            finally:
                if not self._origin_sent:
                    self._broadcast({"op": "ack"})
                self._origin = None

    def _apply_puts_at_once(self, origin, w: int, kv: list) -> bool:
        """:meth:`_apply_puts` with one update for the whole run, when every
        write is the next one of ``origin``, decodes, and carries no expiry
        (the common case); False (nothing done) otherwise.

        The update is a ``puts`` message numbered ``seq`` .. ``seq + n - 1``,
        naming the origin's writes ``w`` .. ``w + n - 1``: what ``n`` ``put``
        updates would say, decoded and applied by a clone in one go.
        """
        if (
            self.expire is not None
            or not isinstance(origin, str)
            or self.applied.get(origin, 0) != w - 1
            or len(kv) < 4
        ):
            return False
        load_key, load_value = self.codec.load_key, self.codec.load_value
        try:
            keys = [load_key(k) for k in kv[0::2]]
            values = [load_value(v) for v in kv[1::2]]
        except CodecError:
            return False  # the slow path reports it, after the writes before it
        sink, data, expiry, persist = self.sink, self.data, self.expiry, self.persist
        for i, sk in enumerate(keys):
            value = values[i]
            existed = sk in data
            old = data.get(sk)
            dict.__setitem__(data, sk, value)
            if expiry:
                expiry.pop(sk, None)
            if persist is not None:
                self._persist(("put", _bytes(kv[2 * i]), _bytes(kv[2 * i + 1]), 0.0))
            if sink is not None:
                sink.store_changed("changed" if existed else "new", sk, old, value)
        n = len(keys)
        self._replay_asked.pop(origin, None)
        self._set_applied(origin, w + n - 1)
        self.seq += 1
        self._broadcast({"op": "puts", "kv": kv, "o": origin, "w": w})  # numbered self.seq
        self.seq += n - 1
        return True

    def _base(self, origin, w: int) -> None:
        """A clone's replay starts after write ``w`` (earlier ones were confirmed)."""
        if not isinstance(origin, str):
            return
        if w > self.applied.get(origin, 0):
            self._set_applied(origin, w)
        self._replay_asked.pop(origin, None)

    def _in_order(self, origin, w: int) -> bool:
        """Whether clone write ``w`` of ``origin`` is the next one to apply.

        A duplicate (a replay of what was applied) is acknowledged; a gap
        (writes lost on the way) makes the clone send its writes again.
        """
        if not isinstance(origin, str):
            raise ValueError("a write without its origin")
        last = self.applied.get(origin, 0)
        if w <= last:
            self._broadcast({"op": "ack", "o": origin, "w": last})
            return False
        if w != last + 1:
            if self._replay_asked.get(origin) != last:
                self._replay_asked[origin] = last
                self._broadcast({"op": "replay", "to": origin})
            return False
        self._replay_asked.pop(origin, None)
        self._set_applied(origin, w)
        return True

    def _set_applied(self, origin: str, w: int) -> None:
        self.applied[origin] = w
        if self.persist is not None:
            self._applied_dirty.add(origin)
            self._request_commit()

    def _apply_clone_write(self, op, msg: dict) -> None:
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
            self._broadcast({"op": "reply", "to": msg.get("from"), "req": msg.get("req"), "r": ok})
        elif op in self.mutators:
            args = tuple(self.codec.load_value(a) for a in msg.get("a", ()))
            self.mutate(op, sk, args, msg.get("e") or 0.0)

    def _send_snapshot(self, to: str | None) -> None:
        cached = self._snapshot
        if cached is not None and cached[0] == (self.epoch, self.seq) and not self.expiry:
            items = cached[1]  # nothing changed since: clones asking again get it cheaply
        else:
            now = self.host.now()
            k, v_, expiry = self._wire_key, self._wire_value, self.expiry
            items = []
            for sk, v in self.data.items():
                x = expiry.get(sk, 0.0) if expiry else 0.0
                if x and x <= now:
                    continue
                items.append([k(sk), v_(v), x])
            self._snapshot = ((self.epoch, self.seq), items)
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
        self._loss_told = False
        self._broadcast({"op": "beat"})
        self._arm_beat()

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
            t.publish(topic, _encode(chunk[0] if len(chunk) == 1 else chunk))

    # -------------------------------------------------------- clone side

    def _forward(self, msg: dict, track: bool = False) -> None:
        """Send ``msg`` to the master; a ``track``-ed write is kept until confirmed."""
        if not self._remote:
            return
        if self.pending:
            self.take_writes()  # the table's writes before this message
        msg["from"] = self.node_id
        if track:
            w = self._wseq = self._wseq + 1
            msg["w"] = w
            self.unconfirmed.append(msg)
            self._n_unconfirmed += 1
            if msg["op"] == "clear":
                self._newest_clear = w
            else:
                if self._unindexed:
                    self._index()
                self._newest[msg["k"]] = w
            if self._n_unconfirmed > MAX_UNCONFIRMED:
                self._give_up_oldest()
        self._send(self._master_topic, msg)

    def _give_up_oldest(self) -> None:
        msg = self.unconfirmed.popleft()
        n = self._unkeep(msg)
        self.lost_writes += n
        if self.lost_writes == n:
            self.host.report(
                f"store {self.name}: more than {MAX_UNCONFIRMED} writes wait for the "
                "master's confirmation; giving up the oldest (counted in lost_writes)"
            )
        # The master may never get them: take its data once it has what was
        # sent (the request follows the writes).
        self._lost("lost_writes")

    def _unkeep(self, msg: dict) -> int:
        """``msg`` is no longer kept for confirmation; return how many writes it held."""
        if self._unindexed:
            self._index()
        newest = self._newest
        if msg["op"] == "puts":
            kv, w = msg["kv"], msg["w"]
            n = len(kv) // 2
            for i in range(n):
                k = kv[2 * i]
                if newest.get(k) == w + i:
                    del newest[k]
        else:
            n = 1
            k = msg.get("k")
            if k is not None and newest.get(k) == msg["w"]:
                del newest[k]
        self._n_unconfirmed -= n
        return n

    def _superseded(self, w, key) -> bool:
        """Whether this clone made a write after its write ``w`` that touches
        the same key (or clears the store): the master's update for ``w``
        must not undo it here (the newer write follows it to the master)."""
        if not self.optimistic or not self.unconfirmed:
            return False
        if key is None:
            return _last_w(self.unconfirmed[-1]) > w
        if self._unindexed:
            self._index()
        return self._newest_clear > w or self._newest.get(key, 0) > w

    def _index(self) -> None:
        """Enter the keys of the ``puts`` messages made since into :attr:`_newest`."""
        newest = self._newest
        for msg in self._unindexed:
            keys = msg["kv"][0::2]
            w = msg["w"]
            newest.update(zip(keys, range(w, w + len(keys)), strict=True))
        self._unindexed.clear()

    def _confirmed(self, w) -> None:
        """The master applied (and committed) this clone's writes up to ``w``."""
        u = self.unconfirmed
        while u and _last_w(u[0]) <= w:
            self._unkeep(u.popleft())
        if not u and (self._clobbered or self._clobbered_all):
            self._clobbered.clear()  # no echo of ours left to protect
            self._clobbered_all = False

    def _replay(self) -> None:
        """Send the unconfirmed writes again, in order (see the module docstring)."""
        u = self.unconfirmed
        if not u or self.transport is None:
            return
        self._forward({"op": "base", "w": u[0]["w"] - 1})
        for msg in u:
            self._send(self.master_topic, msg)

    def _reapply_unconfirmed(self) -> None:
        """Apply the clone's unconfirmed table writes to freshly adopted data."""
        for msg in self.unconfirmed:
            op = msg.get("op")
            if op == "clear":
                dict.clear(self.data)
                self.expiry.clear()
            elif op == "puts":
                kv, load_key, load_value = msg["kv"], self.codec.load_key, self.codec.load_value
                for i in range(0, len(kv), 2):
                    dict.__setitem__(self.data, load_key(kv[i]), load_value(kv[i + 1]))
            elif op in ("put", "erase"):
                sk = self.codec.load_key(msg["k"])
                if op == "put":
                    dict.__setitem__(self.data, sk, self.codec.load_value(msg["v"]))
                else:
                    dict.pop(self.data, sk, None)
                    self.expiry.pop(sk, None)

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
        if self.pending:
            self.take_writes()  # numbered before the master's updates are applied
        if not self.closed and not self.master:
            for msg in self._messages(raw, "the master"):
                self._clone_message(msg)

    def _clone_message(self, msg) -> None:
        try:
            op = msg.get("op")
            if op == "puts":
                self._clone_puts(msg)
                return
            superseded = in_place = False
            own = msg.get("o") == self.node_id
            if own:
                w = msg.get("w", 0)
                superseded = self._superseded(w, msg.get("k"))
                in_place = self._echo_in_place(op, msg)  # before confirming clears the notes
                self._confirmed(w)
            if op == "ack":
                return
            if op == "replay":
                if msg.get("to") == self.node_id:
                    self._replay()
                return
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
                    self._out_of_sync(epoch)
                return
            if not self.synced or epoch != self.epoch or seq != self.seq + 1:
                if self.synced and epoch == self.epoch and seq <= self.seq:
                    return  # already applied
                self._out_of_sync(epoch)
                return
            self.seq = seq
            if superseded:
                # Our own write, already overtaken here by a newer one: only
                # a clear still removes what the newer writes did not set.
                if op == "clear":
                    self._clear_except_newer(w)
                return
            if in_place:
                self.echoes_skipped += 1
                return
            if not own and self.unconfirmed:
                self._clobber(op, msg)
            self._apply_update(msg)
        except (ValueError, KeyError, TypeError, AttributeError, CodecError) as e:
            self.host.report(f"store {self.name}: bad message from the master: {e}")

    def _clone_puts(self, msg: dict) -> None:
        """The master's update for a run of one clone's writes (see
        :meth:`_apply_puts_at_once`): as its ``put`` updates one by one."""
        kv, w, epoch, seq = msg["kv"], msg["w"], msg.get("epoch"), msg["seq"]
        keys, values = kv[0::2], kv[1::2]
        n = len(keys)
        own = msg.get("o") == self.node_id
        superseded = in_place = None
        if own:
            # Before confirming clears the notes (as for a single update).
            superseded = [self._superseded(w + i, k) for i, k in enumerate(keys)]
            in_place = [self._echo_in_place("put", {"k": k}) for k in keys]
            self._confirmed(w + n - 1)
        if not self.synced or epoch != self.epoch or seq != self.seq + 1:
            if self.synced and epoch == self.epoch and seq + n - 1 <= self.seq:
                return  # already applied
            self._out_of_sync(epoch)
            return
        self.seq = seq + n - 1
        load_key, load_value = self.codec.load_key, self.codec.load_value
        data, sink, expiry = self.data, self.sink, self.expiry
        clobber = not own and self.unconfirmed
        for i, k in enumerate(keys):
            if own and (superseded[i] or in_place[i]):
                # Overtaken here by a newer write of ours, or already held.
                self.echoes_skipped += not superseded[i]
                continue
            if clobber:
                self._clobbered.add(k)
            sk, v = load_key(k), load_value(values[i])
            existed = sk in data
            old = data.get(sk)
            dict.__setitem__(data, sk, v)
            if expiry:
                expiry.pop(sk, None)
            if sink is not None and not (existed and _same(old, v)):
                sink.store_changed("changed" if existed else "new", sk, old, v)

    def _clear_except_newer(self, w: int) -> None:
        """The master's update for this clone's clear ``w``, made before newer
        writes of the clone: remove every entry but the keys those writes set.
        (Updates of other nodes that the master applied before the clear may
        have brought entries back here since the clone cleared its copy.)"""
        if self._unindexed:
            self._index()
        load_key = self.codec.load_key
        keep = {load_key(k) for k, n in self._newest.items() if n > w}
        sink = self.sink
        for k in [k for k in self.data if k not in keep]:
            old = dict.pop(self.data, k)
            self.expiry.pop(k, None)
            if sink is not None:
                sink.store_changed("removed", k, old, None)

    def _echo_in_place(self, op, msg: dict) -> bool:
        """Whether the master's update for this clone's own table write is
        already what the copy holds, so applying it again changes nothing.

        A clone of an ``&backend`` table applied the write when the script
        made it.  The copy still shows it unless an update of another node
        (or of the master itself) changed that key since: those are noted
        while writes wait for confirmation (:meth:`_clobber`), and so is
        every key when a snapshot was adopted meanwhile.  Expiration times
        come only with the master's update, so a table with expiry applies
        every update.  Skipping the echo saves decoding key and value once
        per write (most of a writing clone's storage work).
        """
        if not self.optimistic or self.expire is not None or op not in ("put", "erase"):
            return False
        return not self._clobbered_all and msg.get("k") not in self._clobbered

    def _clobber(self, op, msg: dict) -> None:
        """An update of another node, applied while this clone's writes wait
        for confirmation: its key may hide one of them (see :meth:`_echo_in_place`)."""
        k = msg.get("k")
        if k is None or op not in ("put", "erase"):
            self._clobbered_all = True
        else:
            self._clobbered.add(k)

    def _out_of_sync(self, epoch) -> None:
        """The master's updates do not follow ours: take a snapshot.  Updates
        of the same master were lost on the way (a queue overflowed, a
        connection broke): scripts are told (:meth:`_lost`)."""
        if self.synced and epoch == self.epoch:
            self.synced = False
            self._lost("gap")
            return
        self.synced = False
        if not self._sync_pending:
            self._request_sync()

    def _dropped(self, topic: str) -> None:
        """The transport dropped a message of ``topic`` (a queue overflowed)."""
        if topic in (self.master_topic, self.clones_topic) and not self.closed:
            self._lost("overflow")

    def _lost(self, reason: str) -> None:
        """Messages of this store were lost (``reason``: ``overflow``, ``gap``,
        ``lost_writes``): resynchronize, and tell the scripts.

        A clone asks for a snapshot, and again until one arrives (it also
        sends its kept writes again then); its copy is the master's
        afterwards.  A master announces its position (a heartbeat): the
        clones behind it take a snapshot.  The event
        ``Broker::store_resync(name, reason)`` is raised once per loss found
        (messages are queued until the handlers return, so this never
        re-enters the transport).
        """
        if self.closed:
            return
        if self.master:
            if self._loss_told:
                return  # until the next heartbeat
            self._loss_told = True
        elif self._sync_pending and not self.synced:
            return  # resynchronizing already (and asking again until done)
        self.resyncs += 1
        raise_event = getattr(self.host, "raise_event", None)
        if raise_event is not None:
            raise_event("Broker::store_resync", (self.name, reason))
        if self.master:
            self._broadcast({"op": "beat"})
            return
        self._master_reachable()  # ask for a snapshot now, as when the master appears

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
        waiting, self.on_synced = self.on_synced, []
        for fn in waiting:
            fn()
        if self.unconfirmed:
            # The snapshot may lack them (a restarted master, lost messages).
            if self.optimistic:
                self._reapply_unconfirmed()
            self._clobbered_all = True  # apply the echoes of those writes again
            self._replay()

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
                ops.append(("meta", _APPLIED + origin.encode("latin-1", "replace"), value))
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


def _bytes(wire) -> bytes:
    """A key or value as the persistent copy holds it (text; see :mod:`.codec`)."""
    return (wire if type(wire) is str else str(wire)).encode("latin-1")


def _last_w(msg: dict) -> int:
    """The number of the last write in ``msg`` (a ``puts`` holds several)."""
    if msg["op"] == "puts":
        return msg["w"] + len(msg["kv"]) // 2 - 1
    return msg["w"]


def _encode(body) -> bytes:
    """A message or batch as JSON (orjson; the json module for what it refuses)."""
    import orjson

    try:
        return orjson.dumps(body)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(body, separators=(",", ":")).encode()


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - values without equality
        return False


def _shown(text: str) -> str:
    """A stored key or value as Broker prints it in messages (a string without quotes)."""
    try:
        v = json.loads(text)
    except ValueError:
        return text
    return v if isinstance(v, str) else text
