"""``&publish_on_change``: global tables and sets kept in step across a cluster.

Zeek's ``src/cluster/PublishOnChangeState.cc``.  A global table or set
declared with ``&publish_on_change=<Cluster::PublishOnChangeAttr>`` gets a
:class:`PublishOnChangeState` once the scripts are loaded (the attribute's
value is evaluated then, so ``redef``\\ s of the defaults apply).  Every
change of a kind listed in ``$changes`` becomes a ``Cluster::TableChangeInfo``
record (the index as ``vector of any``, the new value, and the previous one
for ``TABLE_ELEMENT_CHANGED``), queued per topic.  A batch is published as
the event ``Cluster::table_change_infos(header, infos)``:

* at once when batching is off (``max_batch_size`` 0 or ``max_batch_delay``
  0), when the last publish was longer than ``max_batch_delay`` ago, or when
  ``max_batch_size`` changes are queued;
* otherwise when a timer armed at ``last publish + max_batch_delay`` fires.

The topic is ``zeek/table/<identifier>/`` unless ``$topic`` gives a string,
or a function of the index computing one per change (changes are then
queued per topic).  The receiving side's script handler calls
``Cluster::apply_table_change_infos``, which writes the changes into the
local table (values converted back from ``any`` to the table's types) while
the state is marked as applying, so they are not published again; the
table's own ``&on_change`` still runs for them.  Expired elements of
another node are removed like deleted ones.

Problems with the attribute's value are reported at the declaration, as
Zeek does when it evaluates the attribute, and end the process before
``zeek_init`` (:meth:`PublishOnChange.instantiate`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from ..runtime import zeekorder
from ..runtime.containers import Vector, deep_copy
from ..runtime.describe import describe_raw, one_line
from ..runtime.linemap import caller_location
from ..runtime.values import Boxed, box, record_class, type_of, unbox
from ..types import FuncType, TableType, same_type
from .serializers._data import unwrap_data

__all__ = ["PublishOnChange", "PublishOnChangeState"]

_EVENT = "Cluster::table_change_infos"
#: Index of each TableChange value in the host's ``enums`` tuple.
NEW, CHANGED, REMOVED, EXPIRED = range(4)


class PublishOnChangeState:
    """One table's publishing and applying (see the module docstring)."""

    def __init__(self, owner: PublishOnChange, name: str, table, attr, changes: set[int]):
        self.owner = owner
        self.name = name
        self.table = weakref.ref(table)
        self.changes = changes
        self.topic: str | None = None
        self.topic_func: Callable | None = None
        topic = getattr(attr, "f_topic", None)
        if topic is None:
            self.topic = f"zeek/table/{name}/"
        elif isinstance(topic, str):
            self.topic = topic
        else:
            self.topic_func = topic
        self.max_batch_size = int(attr.f_max_batch_size)
        self.max_batch_delay = float(unbox(attr.f_max_batch_delay))
        #: Queued TableChangeInfo records by topic.
        self.queued: dict[str, list] = {}
        self.n_queued = 0
        self.last_publish = 0.0
        self.timer = None
        #: Set while remote changes are applied: they are not published again.
        self.applying = False

    # ------------------------------------------------------------ publishing

    def on_change(self, kind: int, key, value, previous) -> None:
        if self.applying or kind not in self.changes:
            return
        o = self.owner
        now = o.loop.network_time
        topic = self.topic
        if topic is None:
            args = key if type(key) is tuple else (key,)
            try:
                topic = self.topic_func(*args)
            except Exception as exc:  # noqa: BLE001 - a script error in the topic function
                o.host.reporter.exception(exc)
                return
        info = o.change_info(kind, now, key, value, previous, self.table())
        self.queued.setdefault(topic, []).append(info)
        self.n_queued += 1
        if (
            self.max_batch_delay == 0.0
            or self.max_batch_size == 0
            or now - self.last_publish > self.max_batch_delay
            or self.n_queued >= self.max_batch_size
        ):
            self.publish_queued()
        elif self.timer is None:
            self.timer = o.loop.timers.add(
                self.last_publish + self.max_batch_delay, self._timer_fired, "TablePublishTimer"
            )

    def _timer_fired(self) -> None:
        self.timer = None
        self.publish_queued()

    def publish_queued(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        o = self.owner
        now = o.loop.network_time
        queued, self.queued = self.queued, {}
        for topic, infos in queued.items():
            o.publish(topic, o.header(self.name, now), infos)
        self.n_queued = 0
        self.last_publish = now

    # -------------------------------------------------------------- applying

    def apply(self, infos) -> None:
        table = self.table()
        if table is None:
            return
        o = self.owner
        t: TableType = table.ztype
        enums = o.host._table_change
        self.applying = True
        try:
            for info in infos:
                kind = enums.index(info.f_change)
                try:
                    key = o.index_from_any(info.f_index, t)
                    value = getattr(info, "f_value", None)
                    if value is not None and not t.is_set:
                        value = o.from_any(value, t.yield_)
                except (TypeError, ValueError) as e:
                    o.host.reporter.warning(f"PublishOnChange: {self.name}: {e}")
                    continue
                if kind in (NEW, CHANGED):
                    if t.is_set:
                        table.zadd(key)
                    else:
                        table[key] = value
                else:  # removed, or expired on the other node
                    table.zdelete(key)
        finally:
            self.applying = False


class PublishOnChange:
    """The ``&publish_on_change`` tables of one process."""

    def __init__(self, host, cluster):
        self.host = host
        self.cluster = cluster
        self.loop = host.loop
        #: name -> (table ref, attribute thunk, declaration span), before start.
        self._declared: dict[str, tuple] = {}
        #: id(table) -> state.
        self.states: dict[int, PublishOnChangeState] = {}
        self.by_name: dict[str, PublishOnChangeState] = {}
        self._types: dict[str, object] = {}

    # ------------------------------------------------------------ declaring

    def observe(self, name: str, user_on_change, attr_thunk):
        """The ``&on_change`` thunk for the global table ``name`` declared
        with ``&publish_on_change`` (``attr_thunk`` returns the attribute's
        value): it calls the table's own ``&on_change`` function, if any
        (``user_on_change``, a thunk), then queues the change."""
        gid = self.host.checker.globals.get(name)
        # Errors in the attribute's value point at its expression: Zeek
        # reports them at the record value, which the parser located there.
        expr = gid.attrs.get("&publish_on_change") if gid is not None else None
        span = getattr(expr, "span", None) or (gid.span if gid is not None else None)
        nkey = None

        def notify(container, change, *rest):
            nonlocal nkey
            if user_on_change is not None:
                user_on_change()(container, change, *rest)
            state = self.states.get(id(container))
            if state is None:
                return
            if nkey is None:
                nkey = len(container.ztype.indices)
            key = rest[0] if nkey == 1 else tuple(rest[:nkey])
            old = rest[nkey] if len(rest) > nkey else None
            kind = self.host._table_change.index(change)
            if container.ztype.is_set:
                state.on_change(kind, key, None, None)
            elif kind == CHANGED:
                state.on_change(kind, key, dict.get(container, key), old)
            else:
                state.on_change(kind, key, old, None)

        def declared(table) -> None:
            self._declared[name] = (weakref.ref(table), attr_thunk, span)

        return (lambda: notify), declared

    def instantiate(self) -> int:
        """Evaluate the attributes and create the states (once the scripts
        are loaded); return the number of errors reported."""
        errors = 0
        declared, self._declared = self._declared, {}
        enums = self.host._table_change
        for name, (ref, thunk, span) in declared.items():
            table = ref()
            if table is None:
                continue
            try:
                attr = thunk()
            except Exception as exc:  # noqa: BLE001 - a script error in the attribute's value
                self.host.reporter.exception(exc)
                errors += 1
                continue
            problem = self._check(attr, table)
            if problem is not None:
                self.host.reporter.error(f"{problem} ({_describe_attr(attr)})", span)
                errors += 1
                continue
            changes = {enums.index(c) for c in attr.f_changes}
            state = PublishOnChangeState(self, name, table, attr, changes)
            self.states[id(table)] = state
            self.by_name[name] = state
        return errors

    def _check(self, attr, table) -> str | None:
        if not len(attr.f_changes):
            return "changes field for &publish_on_change cannot be empty"
        topic = getattr(attr, "f_topic", None)
        if topic is None or isinstance(topic, str):
            return None
        ft = type_of(topic)
        if not isinstance(ft, FuncType):
            return (
                f"topic must be string or a function returning a string, got {_describe_any(topic)}"
            )
        indices = table.ztype.indices
        ok = (
            ft.ret is not None
            and ft.ret.tag == "string"
            and len(ft.params) == len(indices)
            and all(same_type(p.type, i) for p, i in zip(ft.params, indices, strict=True))
        )
        if not ok:
            return f"topic function {ft} not applicable for table type {table.ztype}"
        return None

    # ------------------------------------------------------------- records

    def _type(self, name: str):
        t = self._types.get(name)
        if t is None:
            t = self._types[name] = self.host.script_type(name)
        return t

    def header(self, name: str, now: float):
        rt = self._type("Cluster::TableChangeHeader")
        return record_class(rt)._zmake(
            {"f_id": name, "f_ts": now, "f_node_id": self.cluster.node_id or _node_id(self.host)}
        )

    def change_info(self, kind: int, now: float, key, value, previous, table):
        t: TableType = table.ztype
        rt = self._type("Cluster::TableChangeInfo")
        parts = key if type(key) is tuple else (key,)
        index = Vector(
            rt.field("index").type,
            [box(deep_copy(k), it) for k, it in zip(parts, t.indices, strict=True)],
        )
        fields = {"f_change": self.host._table_change[kind], "f_ts": now, "f_index": index}
        if value is not None and not t.is_set:
            fields["f_value"] = box(deep_copy(value), t.yield_)
        if previous is not None and not t.is_set:
            fields["f_previous_value"] = box(deep_copy(previous), t.yield_)
        return record_class(rt)._zmake(fields)

    def publish(self, topic: str, header, infos: list) -> bool:
        c = self.cluster
        backend = c.backend
        if backend is None:
            return False
        ft = c._lookup(_EVENT)
        vt = self._type("Cluster::TableChangeInfos")
        args = [header, Vector(vt, infos)]
        try:
            payload = c.serializer.serialize_event(_EVENT, args, [p.type for p in ft.params])
        except c.serialization_error as e:
            self.host.reporter.error(f"PublishOnChange: cannot publish {_EVENT} to {topic}: {e}")
            return False
        if not backend.publish(topic, c.fmt, payload):
            self.host.reporter.error(
                f"PublishOnChange: PublishEvent() failed for {_EVENT} to {topic}"
            )
            return False
        c.count_out(_EVENT, topic, len(payload))
        return True

    # ------------------------------------------------------------- values

    def index_from_any(self, index, t: TableType):
        parts = [self.from_any(v, it) for v, it in zip(index, t.indices, strict=True)]
        if len(parts) != len(t.indices):
            raise ValueError(f"index of {len(parts)} values for a table of {len(t.indices)}")
        return parts[0] if len(parts) == 1 else tuple(parts)

    def from_any(self, v, t):
        """A value received in an ``any`` slot as a value of type ``t``."""
        if t.tag == "any":
            return v
        data = unwrap_data(v)
        if data is not None:  # what the serializers make of an ``any`` (Broker::Data)
            return data.cast_to(t)
        if type(v) is Boxed:
            if t.tag == "double" and v.t.tag in ("count", "int", "double"):
                return float(v.v)
            if v.t.tag == t.tag or (t.tag in ("count", "int") and v.t.tag in ("count", "int")):
                return v.v
            raise ValueError(f"a {v.t} value where {t} is expected")
        actual = type_of(v)
        if actual is not None and (actual.tag == t.tag or same_type(actual, t)):
            return v
        raise ValueError(f"a {actual or 'value'} where {t} is expected")

    # ----------------------------------------------------------------- bifs

    def apply_bif(self, header, infos) -> bool:
        state = self.by_name.get(header.f_id)
        if state is None:
            self.host.reporter.warning(
                f"apply_table_change_infos: {header.f_id} has no PublishOnChange state!",
                caller_location(2)[0],
            )
            return False
        state.apply(infos)
        return True

    def publish_table_bif(self, topic: str, table_val, batch_size) -> bool:
        table = unbox(table_val)
        if not isinstance(getattr(table, "ztype", None), TableType):
            self.host.reporter.error(
                f"__publish_table: {type_of(table_val)} not a table type", caller_location(2)[0]
            )
            return False
        state = self.states.get(id(table))
        if state is None:
            self.host.reporter.error(
                "__publish_table: missing PublishOnChange state for table!", caller_location(2)[0]
            )
            return False
        n = max(int(unbox(batch_size)), 1)
        now = self.loop.network_time
        header = self.header(state.name, now)
        batch = []
        # In the table's iteration order (Zeek's, in Zeek order mode), as
        # Zeek's __publish_table walks it.
        if table.ztype.is_set:
            items = ((k, None) for k in zeekorder.keys(table))
        else:
            items = zeekorder.items(table)
        for key, value in items:
            batch.append(self.change_info(NEW, now, key, value, None, table))
            if len(batch) == n:
                self.publish(topic, header, batch)
                batch = []
        if batch:
            self.publish(topic, header, batch)
        return True


def _describe_attr(attr) -> str:
    """The attribute's value on one line, as Zeek's error messages show it."""
    with one_line():
        return _describe_fields(attr)


def _describe_fields(attr) -> str:
    parts = []
    for f in attr._rtype.fields:
        v = getattr(attr, "f_" + f.name, None)
        if v is None:
            text = "<uninitialized>"
        elif f.name == "changes":
            text = "{" + ", ".join(sorted(e.name for e in v)) + "}"
        elif f.type.tag == "any":
            text = _describe_any(v)
        else:
            text = describe_raw(v, f.type)
        parts.append(f"{f.name}={text}")
    return "[" + ", ".join(parts) + "]"


def _describe_any(v) -> str:
    t = type_of(v)
    return describe_raw(unbox(v), t) if t is not None else repr(v)


def _node_id(host) -> str:
    fn = host.global_value("Cluster::node_id")
    return fn() if callable(fn) else ""
