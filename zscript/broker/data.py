"""Broker's data API: ``Broker::Data`` values built and taken apart in script.

Zeek's ``src/broker/data.bif``: ``Broker::data(v)`` converts a value to
Broker data, ``Broker::data_type`` names its kind, and the ``set_*``,
``table_*``, ``vector_*`` and ``record_*`` functions create, change, look
into and iterate Broker containers held in ``Broker::Data`` records (a
record is a Broker vector of its fields).  Changes are made in place: the
record's opaque value gets the new container.

A ``Broker::Data`` holds the same opaque value as one received in an
``any`` argument (:class:`~zscript.cluster.serializers._data.BrokerData`, a
generic *node*), so printing (``broker::data{...}``), ``as``/``is`` and
publishing work alike.  A value becomes a node through the cluster's binary
Broker encoding.  Set elements and table keys are kept in Broker's order
(by kind, then value), which is how Broker prints them.  Lookups of what is
not there return a ``Broker::Data`` without a value.
"""

from __future__ import annotations

from ..runtime.containers import Set
from ..runtime.values import Record, record_class

__all__ = ["register_data_bifs"]

#: Broker's empty value (as the cluster's decoders write it).
NONE_NODE = ("none", None)


def _codec():
    """The cluster's Broker codec, imported on first use (start-up time)."""
    from ..cluster.serializers import _data, _values, bin_v1
    from ..cluster.serializers._bin_format import decode_generic
    from ..cluster.serializers.base import SerializationError

    return (
        _data.BrokerData,
        decode_generic,
        bin_v1.encode_data,
        _values.any_type_of,
        (
            _values.Mismatch,
            SerializationError,
            IndexError,
            ValueError,
        ),
    )


#: Broker's kinds in the order of its variant (the order of ``Broker::DataType``
#: and of sorting).
_KINDS = (
    "none",
    "boolean",
    "count",
    "integer",
    "real",
    "string",
    "address",
    "subnet",
    "port",
    "timestamp",
    "timespan",
    "enum_value",
    "set",
    "table",
    "vector",
)
_RANK = {k: i for i, k in enumerate(_KINDS)}
_DATA_TYPES = {
    "none": "NONE",
    "boolean": "BOOL",
    "count": "COUNT",
    "integer": "INT",
    "real": "DOUBLE",
    "string": "STRING",
    "address": "ADDR",
    "subnet": "SUBNET",
    "port": "PORT",
    "timestamp": "TIME",
    "timespan": "INTERVAL",
    "enum_value": "ENUM",
    "set": "SET",
    "table": "TABLE",
    "vector": "VECTOR",
}


def sort_key(node):
    """Broker's order of data: by kind, then by value."""
    kind, v = node
    if kind in ("set", "vector"):
        return _RANK[kind], tuple(sort_key(x) for x in v)
    if kind == "table":
        return _RANK[kind], tuple((sort_key(k), sort_key(x)) for k, x in v)
    if v is None:
        return _RANK[kind], ()
    if kind == "address":
        return _RANK[kind], (v.version, v.packed)
    if kind in ("subnet", "port"):
        return _RANK[kind], (str(v),)
    return _RANK[kind], (v,)


def _sorted(items, key=sort_key) -> tuple:
    return tuple(sorted(items, key=key))


class _Iterator:
    """The opaque of ``Broker::*Iterator``: a snapshot of a container's items."""

    __slots__ = ("items", "pos")

    def __init__(self, items):
        self.items = list(items)
        self.pos = 0

    def zeek_describe(self) -> str:
        return "<iterator>"


class DataAPI:
    """The data functions of one host (see the module docstring)."""

    def __init__(self, host):
        self.host = host
        self._make = None
        self._item = None
        self._lib = None

    def lib(self):
        if self._lib is None:
            self._lib = _codec()
        return self._lib

    # ------------------------------------------------------------ values

    def wrap(self, node):
        """A ``Broker::Data`` record holding ``node`` (None: no value)."""
        if self._make is None:
            self._make = record_class(self.host.script_type("Broker::Data"))._zmake
        if node is None:
            return self._make({})
        return self._make({"f_data": self.lib()[0](node, self.host.enum_value)})

    def node_of(self, v):
        """The Broker data of a value passed as ``any``; None if it has none."""
        broker_data, decode_generic, encode_data, any_type_of, errors = self.lib()
        if isinstance(v, Record) and v._rtype.name == "Broker::Data":
            d = getattr(v, "f_data", None)
            return d.node if isinstance(d, broker_data) else None
        try:
            t, x = any_type_of(v)
            raw = encode_data(x, t)
            return decode_generic(raw, 0)[0]
        except errors:
            return None

    def _data(self, d):
        data = getattr(d, "f_data", None)
        return data if isinstance(data, self.lib()[0]) else None

    def _container(self, d, kind: str):
        """``(BrokerData, items)`` of ``d`` if it holds a ``kind``, else (None, ())."""
        data = self._data(d)
        if data is None or data.node[0] != kind:
            return None, ()
        return data, data.node[1]

    # ------------------------------------------------------- conversions

    def data(self, v):
        return self.wrap(self.node_of(v))

    def result(self, v):
        """The ``Broker::Data`` of a store query's result (None: no value)."""
        if v is None:
            return self.wrap(None)
        if isinstance(v, Set):
            # Broker::keys: the keys may be of different types.
            nodes = [self.node_of(k) for k in v]
            if all(n is not None for n in nodes):
                return self.wrap(("set", _sorted(nodes)))
        return self.wrap(self.node_of(v))

    def data_type(self, d):
        data = self._data(d)
        kind = data.node[0] if data is not None else "none"
        return self.host.enum_value("Broker::" + _DATA_TYPES[kind])

    # ---------------------------------------------------------------- sets

    def set_create(self):
        return self.wrap(("set", ()))

    def set_clear(self, s) -> bool:
        data, _ = self._container(s, "set")
        if data is None:
            return False
        data.node = ("set", ())
        return True

    def set_size(self, s) -> int:
        return len(self._container(s, "set")[1])

    def set_contains(self, s, key) -> bool:
        return self.node_of(key) in self._container(s, "set")[1]

    def set_insert(self, s, key) -> bool:
        data, items = self._container(s, "set")
        k = self.node_of(key)
        if data is None or k is None or k in items:
            return False
        data.node = ("set", _sorted((*items, k)))
        return True

    def set_remove(self, s, key) -> bool:
        data, items = self._container(s, "set")
        k = self.node_of(key)
        if data is None or k not in items:
            return False
        data.node = ("set", tuple(x for x in items if x != k))
        return True

    # -------------------------------------------------------------- tables

    def table_create(self):
        return self.wrap(("table", ()))

    def table_clear(self, t) -> bool:
        data, _ = self._container(t, "table")
        if data is None:
            return False
        data.node = ("table", ())
        return True

    def table_size(self, t) -> int:
        return len(self._container(t, "table")[1])

    def table_contains(self, t, key) -> bool:
        k = self.node_of(key)
        return any(x == k for x, _ in self._container(t, "table")[1])

    def _table_get(self, items, k):
        for x, v in items:
            if x == k:
                return v
        return None

    def table_insert(self, t, key, val):
        data, items = self._container(t, "table")
        k, v = self.node_of(key), self.node_of(val)
        if data is None or k is None or v is None:
            return self.wrap(None)
        old = self._table_get(items, k)
        rest = [(x, y) for x, y in items if x != k]
        data.node = ("table", _sorted((*rest, (k, v)), key=lambda kv: sort_key(kv[0])))
        return self.wrap(old)

    def table_remove(self, t, key):
        data, items = self._container(t, "table")
        k = self.node_of(key)
        old = self._table_get(items, k)
        if data is not None and old is not None:
            data.node = ("table", tuple((x, y) for x, y in items if x != k))
        return self.wrap(old)

    def table_lookup(self, t, key):
        return self.wrap(self._table_get(self._container(t, "table")[1], self.node_of(key)))

    def table_item(self, kv):
        if self._item is None:
            self._item = record_class(self.host.script_type("Broker::TableItem"))._zmake
        return self._item({"f_key": self.wrap(kv[0]), "f_val": self.wrap(kv[1])})

    # ---------------------------------------------------- vectors, records

    def vector_create(self):
        return self.wrap(("vector", ()))

    def record_create(self, size: int):
        return self.wrap(("vector", (NONE_NODE,) * size))

    def clear(self, v) -> bool:
        data, _ = self._container(v, "vector")
        if data is None:
            return False
        data.node = ("vector", ())
        return True

    def size(self, v) -> int:
        return len(self._container(v, "vector")[1])

    def vector_insert(self, v, idx: int, d) -> bool:
        data, items = self._container(v, "vector")
        x = self.node_of(d)
        if data is None or x is None:
            return False
        items = list(items)
        items.insert(min(idx, len(items)), x)
        data.node = ("vector", tuple(items))
        return True

    def vector_replace(self, v, idx: int, d):
        data, items = self._container(v, "vector")
        x = self.node_of(d)
        if data is None or x is None or idx >= len(items):
            return self.wrap(None)
        old = items[idx]
        data.node = ("vector", (*items[:idx], x, *items[idx + 1 :]))
        return self.wrap(old)

    def vector_remove(self, v, idx: int):
        data, items = self._container(v, "vector")
        if data is None or idx >= len(items):
            return self.wrap(None)
        old = items[idx]
        data.node = ("vector", (*items[:idx], *items[idx + 1 :]))
        return self.wrap(old)

    def lookup(self, v, idx: int):
        items = self._container(v, "vector")[1]
        if idx >= len(items) or items[idx] == NONE_NODE:
            return self.wrap(None)
        return self.wrap(items[idx])

    def record_assign(self, r, idx: int, d) -> bool:
        data, items = self._container(r, "vector")
        x = self.node_of(d)
        if data is None or x is None or idx >= len(items):
            return False
        data.node = ("vector", (*items[:idx], x, *items[idx + 1 :]))
        return True

    # ----------------------------------------------------------- iterators

    def iterator(self, kind: str):
        return lambda d: _Iterator(self._container(d, kind)[1])

    @staticmethod
    def iterator_last(it: _Iterator) -> bool:
        return it.pos >= len(it.items)

    @staticmethod
    def iterator_next(it: _Iterator) -> bool:
        if it.pos >= len(it.items):
            return False
        it.pos += 1
        return it.pos < len(it.items)

    def iterator_value(self, it: _Iterator):
        if it.pos >= len(it.items):
            return self.wrap(None)
        x = it.items[it.pos]
        return self.wrap(None if x == NONE_NODE else x)

    def table_iterator_value(self, it: _Iterator):
        if it.pos >= len(it.items):
            return self.table_item((None, None))
        return self.table_item(it.items[it.pos])


def register_data_bifs(host) -> DataAPI:
    api = DataAPI(host)
    add = host.add_bif
    D = "Broker::Data"
    add("Broker::data", f"function(d: any): {D}", api.data)
    add("Broker::data_type", f"function(d: {D}): Broker::DataType", api.data_type)
    for kind, it in (
        ("set", "SetIterator"),
        ("table", "TableIterator"),
        ("vector", "VectorIterator"),
        ("record", "RecordIterator"),
    ):
        o = f"opaque of Broker::{it}"
        p = f"Broker::{kind}_"
        node_kind = "vector" if kind == "record" else kind
        add(p + "iterator", f"function(d: {D}): {o}", api.iterator(node_kind))
        add(p + "iterator_last", f"function(it: {o}): bool", api.iterator_last)
        add(p + "iterator_next", f"function(it: {o}): bool", api.iterator_next)
        value = api.table_iterator_value if kind == "table" else api.iterator_value
        result = "Broker::TableItem" if kind == "table" else D
        add(p + "iterator_value", f"function(it: {o}): {result}", value)
    add("Broker::set_create", f"function(): {D}", api.set_create)
    add("Broker::set_clear", f"function(s: {D}): bool", api.set_clear)
    add("Broker::set_size", f"function(s: {D}): count", api.set_size)
    add("Broker::set_contains", f"function(s: {D}, key: any): bool", api.set_contains)
    add("Broker::set_insert", f"function(s: {D}, key: any): bool", api.set_insert)
    add("Broker::set_remove", f"function(s: {D}, key: any): bool", api.set_remove)
    add("Broker::table_create", f"function(): {D}", api.table_create)
    add("Broker::table_clear", f"function(t: {D}): bool", api.table_clear)
    add("Broker::table_size", f"function(t: {D}): count", api.table_size)
    add("Broker::table_contains", f"function(t: {D}, key: any): bool", api.table_contains)
    add("Broker::table_insert", f"function(t: {D}, key: any, val: any): {D}", api.table_insert)
    add("Broker::table_remove", f"function(t: {D}, key: any): {D}", api.table_remove)
    add("Broker::table_lookup", f"function(t: {D}, key: any): {D}", api.table_lookup)
    add("Broker::vector_create", f"function(): {D}", api.vector_create)
    add("Broker::vector_clear", f"function(v: {D}): bool", api.clear)
    add("Broker::vector_size", f"function(v: {D}): count", api.size)
    add("Broker::vector_insert", f"function(v: {D}, idx: count, d: any): bool", api.vector_insert)
    add("Broker::vector_replace", f"function(v: {D}, idx: count, d: any): {D}", api.vector_replace)
    add("Broker::vector_remove", f"function(v: {D}, idx: count): {D}", api.vector_remove)
    add("Broker::vector_lookup", f"function(v: {D}, idx: count): {D}", api.lookup)
    add("Broker::record_create", f"function(sz: count): {D}", api.record_create)
    add("Broker::record_size", f"function(r: {D}): count", api.size)
    add("Broker::record_assign", f"function(r: {D}, idx: count, d: any): bool", api.record_assign)
    add("Broker::record_lookup", f"function(r: {D}, idx: count): {D}", api.lookup)
    return api
