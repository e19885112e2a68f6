"""Compiled JSON data-model encoders and decoders for zscript types (``broker-json-v1``).

:class:`JsonCodec` builds one encoder ``enc(value) -> object`` and one decoder
``dec(object) -> value`` per zscript type, once, and caches them; composite
codecs call their element codecs directly.  The data model and the atomic
types are in :mod:`._json_format`; the value mapping (Zeek's
``src/broker/Data.cc``) in :mod:`._values`.  Decoders raise
:class:`~._values.Mismatch` when the data does not fit the type and
:class:`~._values.Malformed` when extra record elements are not valid data.
"""

from __future__ import annotations

from ...runtime.containers import Set, Table, Vector
from ...runtime.values import Record
from ...types import Type
from ._data import atom_of_node, unwrap_data
from ._json_format import (
    ATOM_DECODERS,
    ATOM_ENCODERS,
    DT,
    NONE,
    data_of,
    is_none,
    node_from_json,
    str_data,
    text_to_latin1,
)
from ._values import (
    MISSING,
    Mismatch,
    TypeCodec,
    Unsupported,
    any_type_of,
    enum_by_name,
    field_layout,
    is_vector_like,
    record_maker,
)

__all__ = ["JsonCodec"]


def _encode_untyped_vector(v):
    if v:
        raise Mismatch("cannot serialize elements of an untyped vector")
    return {DT: "vector", "data": []}


# ------------------------------------------------------------------ codec


class JsonCodec(TypeCodec):
    """Compiled, cached JSON data-model encoders and decoders per zscript type."""

    # ------------------------------------------------------------- encoders

    def _build_encoder(self, t: Type):
        fn = ATOM_ENCODERS.get(t.tag)
        if fn is not None:
            return fn
        if t.tag == "vector" and t.elem is None:  # ``vector()``: only empty ones
            return _encode_untyped_vector
        if t.tag == "vector":
            elem = self.encoder(t.elem)

            def enc_vector(v):
                if None in v:
                    raise Unsupported("serialization of vectors with holes is unsupported")
                return {DT: "vector", "data": [elem(x) for x in v]}

            return enc_vector
        if t.tag == "table" and t.indices:
            return self._table_encoder(t)
        if t.tag == "record":
            return self._record_encoder(t)
        if t.tag == "any":
            return self._encode_any
        raise Mismatch(f"cannot serialize values of type {t}")

    def _table_encoder(self, t):
        if len(t.indices) == 1:
            key = self.encoder(t.indices[0])
        else:
            encs = [self.encoder(i) for i in t.indices]

            def key(k):
                return {DT: "vector", "data": [e(x) for e, x in zip(encs, k, strict=True)]}

        if t.is_set:
            return lambda v: {DT: "set", "data": [key(k) for k in v]}
        val = self.encoder(t.yield_)
        return lambda v: {
            DT: "table",
            "data": [{"key": key(k), "value": val(x)} for k, x in v.items()],
        }

    def _record_encoder(self, rt):
        fields = rt.fields
        layout: list = []

        def enc(v):
            if len(layout) != len(fields):  # first use, or after ``redef record``
                layout[:] = field_layout(fields, self.encoder)
            if not isinstance(v, Record):
                raise Mismatch(f"expected a record of type {rt}, got {v!r}")
            out = []
            d = v.__dict__
            for attr, fenc, lazy in layout:
                x = d.get(attr, MISSING)
                if x is MISSING and lazy:  # a &default not computed yet
                    x = getattr(v, attr, MISSING)
                out.append(NONE if x is MISSING else fenc(x))
            return {DT: "vector", "data": out}

        return enc

    def _encode_any(self, v):
        data = unwrap_data(v)
        if data is not None:  # received in an ``any``: sent as it came
            return self._encode_node(data.node)
        t, x = any_type_of(v)
        if t.tag == "any":
            raise Mismatch(f"cannot serialize {v!r} in 'any'")
        return self.encoder(t)(x)

    def _encode_node(self, node):
        kind, v = node
        if kind == "none":
            return NONE
        if kind == "table":
            items = [{"key": self._encode_node(k), "value": self._encode_node(x)} for k, x in v]
            return {DT: "table", "data": items}
        if kind in ("vector", "set"):
            return {DT: kind, "data": [self._encode_node(x) for x in v]}
        tag, x = atom_of_node(node)
        return ATOM_ENCODERS[tag](x)

    # ------------------------------------------------------------- decoders

    def _build_decoder(self, t: Type):
        fn = ATOM_DECODERS.get(t.tag)
        if fn is not None:
            return fn
        tag = t.tag
        if tag == "enum":
            return lambda o: enum_by_name(t, str_data(o, "enum-value"))
        if tag == "vector" and t.elem is not None:
            elem = self.decoder(t.elem)

            def dec_vector(o):
                v = data_of(o, "vector")
                if type(v) is not list:
                    raise Mismatch
                return Vector(t, [elem(x) for x in v])

            return dec_vector
        if tag == "table" and t.indices:
            return self._table_decoder(t)
        if tag == "record":
            return self._record_decoder(t)
        if tag == "func":
            return self._decode_func
        if tag == "any":
            return lambda o: self.any_value(node_from_json(o))
        raise Mismatch(f"cannot deserialize values of type {t}")

    def _key_decoder(self, indices: list[Type]):
        decs = [self.decoder(i) for i in indices]
        if len(decs) == 1:
            single = decs[0]
            if is_vector_like(indices[0]):
                return single

            def dec1(o):
                if type(o) is dict and o.get(DT) == "vector":  # a one-element composite key
                    v = o.get("data")
                    if type(v) is not list or len(v) != 1:
                        raise Mismatch
                    o = v[0]
                return single(o)

            return dec1

        def dec(o):
            v = data_of(o, "vector")
            if type(v) is not list or len(v) != len(decs):
                raise Mismatch
            return tuple(d(x) for d, x in zip(decs, v, strict=True))

        return dec

    def _table_decoder(self, tt):
        key = self._key_decoder(tt.indices)
        if tt.is_set:

            def dec_set(o):
                v = data_of(o, "set")
                if type(v) is not list:
                    raise Mismatch
                s = Set(tt)
                for x in v:
                    k = key(x)
                    if k in s:
                        raise Mismatch("duplicate set element")
                    s[k] = None
                return s

            return dec_set
        val = self.decoder(tt.yield_)

        def dec_table(o):
            v = data_of(o, "table")
            if type(v) is not list:
                raise Mismatch
            t = Table(tt)
            for kv in v:
                if type(kv) is not dict:
                    raise Mismatch
                k = key(kv.get("key"))
                if k in t:
                    raise Mismatch("duplicate table key")
                t[k] = val(kv.get("value"))
            return t

        return dec_table

    def _record_decoder(self, rt):
        fields = rt.fields
        layout: list = []
        make = record_maker(rt)

        def dec(o):
            if len(layout) != len(fields):
                layout[:] = [("f_" + f.name, self.decoder(f.type)) for f in fields]
            v = data_of(o, "vector")
            if type(v) is not list or len(v) < len(layout):
                raise Mismatch
            given = {}
            for (attr, fdec), x in zip(layout, v, strict=False):
                if not is_none(x):
                    given[attr] = fdec(x)
            for x in v[len(layout) :]:  # Zeek ignores extra elements (but validates them)
                node_from_json(x)
            return make(given)

        return dec

    def _decode_func(self, o):
        v = data_of(o, "vector")
        if type(v) is not list or len(v) != 1:  # captures are not supported
            raise Mismatch
        name = text_to_latin1(str_data(v[0], "string"))
        fn = self.resolve_function(name) if self.resolve_function else None
        if fn is None:
            raise Mismatch(f"unknown function '{name}'")
        return fn
