"""Input streams: what happens to the lines a reader delivers.

A :class:`TableStream` fills a table or set (``Input::add_table``), an
:class:`EventStream` raises an event per line (``Input::add_event``).  The
methods are Zeek's ``input::Manager`` operations of the same names, run
on the event-loop thread:

* ``send_entry`` ... ``end_current_send`` (a complete reading): a table
  stream remembers, per index, a hash of the line's values; an entry read
  again unchanged is left alone, a changed one is replaced
  (``EVENT_CHANGED``), a new one added (``EVENT_NEW``), and at the end of
  the reading the entries not read again are removed (``EVENT_REMOVED``).
  ``$pred`` may veto each of these; ``$ev`` is raised for each one done.
* ``put`` / ``delete`` / ``clear``: changes without that tracking (STREAM mode).

The events are queued with the loop's ``event``: they run after the
current message, in the order the lines were read.
"""

from __future__ import annotations

from .convert import Converter, SkipLine, freeze_values
from .hashes import new_hashes

__all__ = ["AnalysisStream", "EventStream", "Stream", "TableStream"]


class Stream:
    """What every stream has (Zeek's ``Manager::Stream``)."""

    kind = "?"

    def __init__(self, manager, name: str, description, thread, converter: Converter):
        self.manager = manager
        self.name = name
        self.description = description
        self.thread = thread
        self.conv = converter
        self.removed = False
        self.error_event = None
        self.source = converter.source

    def enum(self, name: str):
        return self.manager.enum(name)

    def event(self, handler, *args) -> None:
        if handler is not None:
            self.manager.queue_event(handler, args)

    def send_end_of_data(self) -> None:
        self.manager.end_of_data(self)

    def call_pred(self, pred, *args) -> bool:
        return self.manager.call_pred(pred, args)

    # Message handlers; overridden per kind.
    def send_entry(self, vals: list, line) -> None:
        pass

    def end_current_send(self) -> None:
        self.send_end_of_data()

    def put(self, vals: list, line) -> None:
        pass

    def delete(self, vals: list, line) -> None:
        pass

    def clear(self) -> None:
        pass


class EventStream(Stream):
    """``Input::add_event``: one event per line (Zeek's ``EventStream``)."""

    kind = "event"

    def __init__(self, *args, fields_type, handler, want_record: bool):
        super().__init__(*args)
        self.fields_type = fields_type
        self.handler = handler
        self.want_record = want_record

    def _raise(self, change: str, vals: list, line) -> None:
        try:
            if self.want_record:
                rec, _ = self.conv.record(vals, self.fields_type, 0, line)
                values = [rec]
            else:
                values = []
                pos = 0
                for f in self.fields_type.fields:
                    if f.type.tag == "record":
                        v, pos = self.conv.record(vals, f.type, pos, line)
                    else:
                        v = self.conv.value(vals[pos], f.type, line)
                        pos += 1
                    values.append(v)
        except SkipLine:
            return
        self.event(self.handler, self.description, self.enum(change), *values)

    def send_entry(self, vals: list, line) -> None:
        self._raise("Input::EVENT_NEW", vals, line)

    def put(self, vals: list, line) -> None:
        self._raise("Input::EVENT_NEW", vals, line)

    def delete(self, vals: list, line) -> None:
        self._raise("Input::EVENT_REMOVED", vals, line)


class AnalysisStream(Stream):
    """``Input::add_analysis``: data for file analysis, which zscript does not have."""

    kind = "analysis"


class TableStream(Stream):
    """``Input::add_table`` (Zeek's ``TableStream``)."""

    kind = "table"

    def __init__(self, *args, table, itype, rtype, num_idx, num_val, want_record, pred, handler):
        super().__init__(*args)
        self.table = table
        self.itype = itype
        self.rtype = rtype
        self.num_idx = num_idx
        self.num_val = num_val
        self.want_record = want_record
        self.pred = pred
        self.handler = handler
        self.is_set = table.ztype.is_set
        #: index hash -> (value hash, table key) of the current and the last reading.
        self.curr: dict = new_hashes()
        self.last: dict = new_hashes()

    # ----------------------------------------------------------- helpers

    def _value(self, vals: list, line):
        if self.num_val == 0:
            return None
        if self.num_val == 1 and not self.want_record:
            return self.conv.value(vals[self.num_idx], self.rtype.fields[0].type, line)
        rec, _ = self.conv.record(vals, self.rtype, self.num_idx, line)
        return rec

    def _index_record(self, vals: list, line):
        rec, _ = self.conv.record(vals, self.itype, 0, line)
        return rec

    def _store(self, key, value) -> None:
        if self.is_set:
            self.table.zadd(key)
        else:
            self.table[key] = value

    def _lookup(self, key):
        if self.is_set:
            return None
        try:
            return dict.__getitem__(self.table, key)
        except KeyError:
            return None

    def _changed(self, updated: bool):
        return self.enum("Input::EVENT_CHANGED" if updated else "Input::EVENT_NEW")

    def _pred(self, change, idx_rec, value) -> bool:
        if self.num_val > 0:
            return self.call_pred(self.pred, change, idx_rec, value)
        return self.call_pred(self.pred, change, idx_rec)

    def _event(self, change, idx_rec, value) -> None:
        if self.num_val == 0:
            self.event(self.handler, self.description, change, idx_rec)
        else:
            self.event(self.handler, self.description, change, idx_rec, value)

    # ---------------------------------------------------------- messages

    def send_entry(self, vals: list, line) -> None:
        idx_raw = vals[: self.num_idx]
        if all(v is None for v in idx_raw):
            self.manager.stream_warning(self, "Could not hash line. Ignoring")
            return
        idx_hash = freeze_values(idx_raw)
        val_hash = freeze_values(vals[self.num_idx :]) if self.num_val else None
        updated = False
        old = self.last.get(idx_hash)
        if old is not None:
            if self.num_val == 0 or old[0] == val_hash:
                # Unchanged: just keep it.
                del self.last[idx_hash]
                self.curr[idx_hash] = old
                return
            del self.last[idx_hash]
            updated = True
        try:
            value = self._value(vals, line)
            idx_rec = None
            if self.pred is not None:
                idx_rec = self._index_record(vals, line)
                if not self._pred(self._changed(updated), idx_rec, value):
                    if updated:
                        self.curr[idx_hash] = old  # keep the old entry
                    return
            if idx_rec is not None:
                key = Converter.index_of_record(idx_rec, self.itype)
            else:
                key = self.conv.index(vals, self.itype, line)
        except SkipLine:
            return
        old_value = self._lookup(key) if updated else None
        self._store(key, value)
        self.curr[idx_hash] = (val_hash, key)
        self._stored_event(vals, line, updated, value, old_value)

    def _stored_event(self, vals: list, line, updated: bool, value, old_value) -> None:
        """``$ev`` for an entry just stored: NEW with its value, CHANGED with the old one."""
        if self.handler is None:
            return
        try:
            idx_rec = self._index_record(vals, line)
        except SkipLine:
            return
        if updated:
            self._event(self.enum("Input::EVENT_CHANGED"), idx_rec, old_value)
        else:
            self._event(self.enum("Input::EVENT_NEW"), idx_rec, value)

    def end_current_send(self) -> None:
        removed = self.enum("Input::EVENT_REMOVED")
        for idx_hash, (val_hash, key) in list(self.last.items()):
            if self.pred is not None or self.handler is not None:
                value = None if self.is_set else self._lookup(key)
                idx_rec = self._index_record_of_key(key)
                if self.pred is not None and not self._pred(removed, idx_rec, value):
                    self.curr[idx_hash] = (val_hash, key)
                    continue
                if self.handler is not None:
                    self._event(removed, idx_rec, value)
            self.table.zdelete(key)
        self.last = self.curr
        self.curr = new_hashes()
        self.send_end_of_data()

    def _index_record_of_key(self, key):
        """``ListValToRecordVal``: an index record from a table key."""
        from ..runtime.values import record_class

        parts = list(key) if type(key) is tuple else [key]
        pos = 0

        def build(rt):
            nonlocal pos
            given = {}
            for f in rt.fields:
                if f.type.tag == "record" and not hasattr(parts[pos], "_rtype"):
                    given["f_" + f.name] = build(f.type)
                else:
                    given["f_" + f.name] = parts[pos]
                    pos += 1
            return record_class(rt)._zmake(given)

        return build(self.itype)

    def put(self, vals: list, line) -> None:
        try:
            key = self.conv.index(vals, self.itype, line)
            value = self._value(vals, line)
        except SkipLine:
            return
        if self.pred is None and self.handler is None:
            self._store(key, value)
            return
        old_value = self._lookup(key) if self.num_val > 0 else None
        updated = old_value is not None
        if self.pred is not None:
            try:
                idx_rec = self._index_record(vals, line)
            except SkipLine:
                idx_rec = None
            if idx_rec is not None and not self._pred(self._changed(updated), idx_rec, value):
                return
        self._store(key, value)
        self._stored_event(vals, line, updated, value, old_value)

    def delete(self, vals: list, line) -> None:
        try:
            key = self.conv.index(vals, self.itype, line)
        except SkipLine:
            return
        keep = False
        if self.pred is not None or self.handler is not None:
            value = self._lookup(key)
            removed = self.enum("Input::EVENT_REMOVED")
            if self.pred is not None:
                try:
                    idx_rec = self._index_record(vals, line)
                    keep = not self.call_pred(self.pred, removed, idx_rec, value)
                except SkipLine:
                    pass
            if not keep and self.handler is not None:
                self._event(removed, key, value)
        if not keep:
            if key in self.table:
                self.table.zdelete(key)
            else:
                self.manager.stream_warning(
                    self, "Internal error while deleting values from input table"
                )

    def clear(self) -> None:
        self.table.zclear()
