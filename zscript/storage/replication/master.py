"""The master's side of a replicated store (the protocol: :mod:`zscript.storage.replication`).

:class:`MasterSide` is mixed into :class:`~.ReplicatedStore`: applying the
clones' writes in order and once each, numbering the updates it sends,
snapshots, expiry and heartbeats.
"""

from __future__ import annotations

from ..codec import CodecError
from .common import as_bytes

__all__ = ["MasterSide"]


class MasterSide:
    """Mixed into :class:`~.ReplicatedStore` (see the module docstring)."""

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
                self._persist(("put", as_bytes(k), as_bytes(v), expire_at))
            self._broadcast({"op": "put", "k": k, "v": v, "x": expire_at})

    def _master_erase(self, sk, why: str, *, notify: bool) -> None:
        existed = sk in self.data
        old = dict.pop(self.data, sk, None)
        self.expiry.pop(sk, None)
        self.seq += 1
        if self.persist is not None or self._publishing:
            k = self._k(sk)
            if self.persist is not None:
                self._persist(("erase", as_bytes(k)))
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
                self._persist(("put", as_bytes(kv[2 * i]), as_bytes(kv[2 * i + 1]), 0.0))
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
