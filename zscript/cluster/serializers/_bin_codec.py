"""Compiled binary encoders and decoders for zscript types (``broker-bin-v1``).

:class:`BinCodec` builds one encoder ``enc(value, out: bytearray)`` and one
decoder ``dec(buf: bytes, pos) -> (value, pos)`` per zscript type, once, and
caches them.  Composite encoders call their element encoders directly, so no
dispatch on the type happens per value.  The byte layout is in
:mod:`._bin_format`; the value mapping (Zeek's ``src/broker/Data.cc``) in
:mod:`._values`: records, patterns and functions travel as Broker vectors,
a table's composite index as a vector key, an unset record field as none;
the mergeable opaques (HyperLogLog, top-k) as in :mod:`._opaques`.

Record codecs read the field list when first used and again after
``redef record`` adds fields, so recursive record types compile lazily.
"""

from __future__ import annotations

from ...runtime.containers import Set, Table, Vector
from ...runtime.values import Record
from ...types import Type
from ._bin_format import (
    ATOM_DECODERS,
    ATOM_ENCODERS,
    T_ENUM,
    T_NONE,
    T_SET,
    T_TABLE,
    T_VECTOR,
    dec_string,
    decode_generic,
    read_bytes,
    read_count,
    read_varbyte,
    skip,
    write_varbyte,
)
from ._data import atom_of_node, unwrap_data
from ._opaques import opaque_decoder, opaque_encoder
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

__all__ = ["BinCodec"]


# ------------------------------------------------------------------ codec


class BinCodec(TypeCodec):
    """Compiled, cached binary encoders and decoders per zscript type."""

    # ------------------------------------------------------------- encoders

    def _build_encoder(self, t: Type):
        fn = ATOM_ENCODERS.get(t.tag)
        if fn is not None:
            return fn
        if t.tag == "vector":
            return self._vector_encoder(t)
        if t.tag == "table":
            return self._table_encoder(t)
        if t.tag == "record":
            return self._record_encoder(t)
        if t.tag == "any":
            return self._any_encoder()
        if t.tag == "opaque":
            return opaque_encoder(self)
        raise Mismatch(f"cannot serialize values of type {t}")

    def _vector_encoder(self, t):
        if t.elem is None:
            return self._untyped_vector_encoder()
        elem = self.encoder(t.elem)

        def enc(v, out):
            out.append(T_VECTOR)
            write_varbyte(out, len(v))
            for x in v:
                if x is None:
                    raise Unsupported("serialization of vectors with holes is unsupported")
                elem(x, out)

        return enc

    def _untyped_vector_encoder(self):
        def enc(v, out):
            out.append(T_VECTOR)
            write_varbyte(out, len(v))
            if v:
                raise Mismatch("cannot serialize elements of an untyped vector")

        return enc

    def _key_encoder(self, indices: list[Type]):
        if len(indices) == 1:
            return self.encoder(indices[0])
        encs = [self.encoder(i) for i in indices]
        n = len(encs)

        def enc(k, out):
            out.append(T_VECTOR)
            out.append(n)
            for e, x in zip(encs, k, strict=True):
                e(x, out)

        return enc

    def _table_encoder(self, t):
        if not t.indices:
            raise Mismatch(f"cannot serialize values of type {t}")
        key = self._key_encoder(t.indices)
        if t.is_set:

            def enc_set(v, out):
                out.append(T_SET)
                write_varbyte(out, len(v))
                for k in v:
                    key(k, out)

            return enc_set
        val = self.encoder(t.yield_)

        def enc_table(v, out):
            out.append(T_TABLE)
            write_varbyte(out, len(v))
            for k, x in v.items():
                key(k, out)
                val(x, out)

        return enc_table

    def _record_encoder(self, rt):
        fields = rt.fields
        layout: list = []

        def enc(v, out):
            if len(layout) != len(fields):  # first use, or after ``redef record``
                layout[:] = field_layout(fields, self.encoder)
            if not isinstance(v, Record):
                raise Mismatch(f"expected a record of type {rt}, got {v!r}")
            out.append(T_VECTOR)
            write_varbyte(out, len(layout))
            d = v.__dict__
            for attr, fenc, lazy in layout:
                x = d.get(attr, MISSING)
                if x is MISSING and lazy:  # a &default not computed yet
                    x = getattr(v, attr, MISSING)
                if x is MISSING:
                    out.append(T_NONE)
                else:
                    fenc(x, out)

        return enc

    def _any_encoder(self):
        def enc(v, out):
            data = unwrap_data(v)
            if data is not None:  # received in an ``any``: sent as it came
                self._encode_node(data.node, out)
                return
            t, x = any_type_of(v)
            if t.tag == "any":
                raise Mismatch(f"cannot serialize {v!r} in 'any'")
            self.encoder(t)(x, out)

        return enc

    def _encode_node(self, node, out) -> None:
        kind, v = node
        if kind == "none":
            out.append(T_NONE)
        elif kind in ("vector", "set", "table"):
            out.append({"vector": T_VECTOR, "set": T_SET, "table": T_TABLE}[kind])
            write_varbyte(out, len(v))
            for x in v:
                if kind == "table":
                    self._encode_node(x[0], out)
                    self._encode_node(x[1], out)
                else:
                    self._encode_node(x, out)
        else:
            tag, x = atom_of_node(node)
            ATOM_ENCODERS[tag](x, out)

    # ------------------------------------------------------------- decoders

    def _build_decoder(self, t: Type):
        fn = ATOM_DECODERS.get(t.tag)
        if fn is not None:
            return fn
        tag = t.tag
        if tag == "enum":
            return self._enum_decoder(t)
        if tag == "vector":
            return self._vector_decoder(t)
        if tag == "table":
            return self._table_decoder(t)
        if tag == "record":
            return self._record_decoder(t)
        if tag == "func":
            return self._func_decoder()
        if tag == "any":
            return self._any_decoder()
        if tag == "opaque":
            return opaque_decoder(self, t.opaque_name)
        raise Mismatch(f"cannot deserialize values of type {t}")

    def _enum_decoder(self, et):
        def dec(b, p):
            if b[p] != T_ENUM:
                raise Mismatch
            name, p = read_bytes(b, p + 1)
            return enum_by_name(et, name.decode("latin-1")), p

        return dec

    def _vector_decoder(self, vt):
        if vt.elem is None:
            raise Mismatch(f"cannot deserialize values of type {vt}")
        elem = self.decoder(vt.elem)

        def dec(b, p):
            if b[p] != T_VECTOR:
                raise Mismatch
            n, p = read_count(b, p + 1)
            items = []
            append = items.append
            for _ in range(n):
                x, p = elem(b, p)
                append(x)
            return Vector(vt, items), p

        return dec

    def _key_decoder(self, indices: list[Type]):
        decs = [self.decoder(i) for i in indices]
        if len(decs) == 1:
            single = decs[0]
            if is_vector_like(indices[0]):
                return single

            def dec1(b, p):
                if b[p] == T_VECTOR:  # a one-element composite key
                    n, p = read_varbyte(b, p + 1)
                    if n != 1:
                        raise Mismatch
                return single(b, p)

            return dec1
        n_idx = len(decs)

        def dec(b, p):
            if b[p] != T_VECTOR:
                raise Mismatch
            n, p = read_varbyte(b, p + 1)
            if n != n_idx:
                raise Mismatch
            key = []
            for d in decs:
                x, p = d(b, p)
                key.append(x)
            return tuple(key), p

        return dec

    def _table_decoder(self, tt):
        if not tt.indices:
            raise Mismatch(f"cannot deserialize values of type {tt}")
        key = self._key_decoder(tt.indices)
        if tt.is_set:

            def dec_set(b, p):
                if b[p] != T_SET:
                    raise Mismatch
                n, p = read_count(b, p + 1)
                s = Set(tt)
                for _ in range(n):
                    k, p = key(b, p)
                    if k in s:
                        raise Mismatch("duplicate set element")
                    s[k] = None
                return s, p

            return dec_set
        val = self.decoder(tt.yield_)

        def dec_table(b, p):
            if b[p] != T_TABLE:
                raise Mismatch
            n, p = read_count(b, p + 1, 2)
            t = Table(tt)
            for _ in range(n):
                k, p = key(b, p)
                x, p = val(b, p)
                if k in t:
                    raise Mismatch("duplicate table key")
                t[k] = x
            return t, p

        return dec_table

    def _record_decoder(self, rt):
        fields = rt.fields
        layout: list = []
        make = record_maker(rt)

        def dec(b, p):
            if len(layout) != len(fields):
                layout[:] = [("f_" + f.name, self.decoder(f.type)) for f in fields]
            if b[p] != T_VECTOR:
                raise Mismatch
            n, p = read_count(b, p + 1)
            if n < len(layout):
                raise Mismatch("too few record fields")
            given = {}
            for attr, fdec in layout:
                if b[p] == T_NONE:
                    p += 1
                    continue
                given[attr], p = fdec(b, p)
            for _ in range(n - len(layout)):  # Zeek ignores extra elements
                p = skip(b, p)
            return make(given), p

        return dec

    def _func_decoder(self):
        def dec(b, p):
            if b[p] != T_VECTOR:
                raise Mismatch
            n, p = read_varbyte(b, p + 1)
            if n != 1:  # captures (n == 2) are not supported
                raise Mismatch
            name, p = dec_string(b, p)
            fn = self.resolve_function(name) if self.resolve_function else None
            if fn is None:
                raise Mismatch(f"unknown function '{name}'")
            return fn, p

        return dec

    def _any_decoder(self):
        def dec(b, p):
            node, p = decode_generic(b, p)
            return self.any_value(node), p

        return dec
