"""A clone's side of a replicated store (the protocol: :mod:`zscript.storage.replication`).

:class:`CloneSide` is mixed into :class:`~.ReplicatedStore`: forwarding
writes and keeping them until the master confirms them, applying updates
in order (and the echoes of its own writes only when nothing newer
overtook them), resynchronising from snapshots.
"""

from __future__ import annotations

from ..codec import CodecError
from .common import FIRST_RESYNC, MAX_UNCONFIRMED, RESYNC_INTERVAL, last_w, same

__all__ = ["CloneSide"]


class CloneSide:
    """Mixed into :class:`~.ReplicatedStore` (see the module docstring)."""

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
            return last_w(self.unconfirmed[-1]) > w
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
        while u and last_w(u[0]) <= w:
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
            if sink is not None and not (existed and same(old, v)):
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
            if sink is not None and not (existed and same(old, v)):
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
