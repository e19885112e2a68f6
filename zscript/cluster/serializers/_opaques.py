"""Opaque values on the wire (``broker-bin-v1``): the mergeable counters.

Zeek sends an opaque value as a Broker vector holding its type's name and
the state its ``DoSerializeData`` writes (``src/OpaqueVal.cc``), so that
SumStats can merge the workers' HyperLogLog and top-k counters on the
manager.  zscript does the same for those two, in its own layout:

* ``opaque of cardinality``: ``["cardinality", registers]``, the registers
  as a string of bytes (one per register);
* ``opaque of topk``: ``["topk", size, pruned, element type, buckets]``
  where ``buckets`` is a vector of ``[count, [[epsilon, value], ...]]``,
  smallest count first, and the element type travels by name (a basic
  type's, or a script type's that the receiver resolves with its own
  declaration of that name; ``""`` for an empty counter).

Other opaques are refused as before.  A payload that is not one of these
layouts is a :class:`Mismatch` (the event is dropped with an error), never a
crash.
"""

from __future__ import annotations

from ...runtime.builtins.probabilistic import CardinalityCounter, TopK
from ...runtime.values import Boxed, unbox
from ...types import BASIC_TYPES, Type
from ._bin_format import (
    ATOM_DECODERS,
    ATOM_ENCODERS,
    T_VECTOR,
    dec_string,
    read_varbyte,
    write_varbyte,
)
from ._values import Mismatch

__all__ = ["opaque_decoder", "opaque_encoder"]

_enc_count = ATOM_ENCODERS["count"]
_enc_string = ATOM_ENCODERS["string"]
_enc_bool = ATOM_ENCODERS["bool"]
_dec_count = ATOM_DECODERS["count"]
_dec_bool = ATOM_DECODERS["bool"]


def _vector_head(out: bytearray, n: int) -> None:
    out.append(T_VECTOR)
    write_varbyte(out, n)


def _read_vector(b: bytes, p: int, n: int | None = None) -> tuple[int, int]:
    if b[p] != T_VECTOR:
        raise Mismatch("expected a vector")
    size, p = read_varbyte(b, p + 1)
    if n is not None and size != n:
        raise Mismatch(f"expected a vector of {n} elements")
    return size, p


def type_name(t: Type) -> str:
    """How a counter's element type travels: a basic type's tag or a
    script type's name."""
    name = t.tag if t.tag in BASIC_TYPES else getattr(t, "name", None)
    if not name:
        raise Mismatch(f"cannot send top-k elements of unnamed type {t}")
    return name


def opaque_encoder(codec):
    """``enc(value, out)`` for opaque values, using ``codec`` for elements."""

    def enc(v, out):
        if isinstance(v, CardinalityCounter):
            _vector_head(out, 2)
            _enc_string("cardinality", out)
            _enc_string(v.state().decode("latin-1"), out)
        elif isinstance(v, TopK):
            _vector_head(out, 5)
            _enc_string("topk", out)
            _enc_count(v.size, out)
            _enc_bool(v.pruned, out)
            t = v.elem_type
            _enc_string("" if t is None else type_name(t), out)
            buckets = v.state()
            _vector_head(out, len(buckets))
            elem = codec.encoder(t) if buckets else None
            for count, elements in buckets:
                _vector_head(out, 2)
                _enc_count(count, out)
                _vector_head(out, len(elements))
                for epsilon, value in elements:
                    _vector_head(out, 2)
                    _enc_count(epsilon, out)
                    elem(unbox(value), out)
        else:
            raise Mismatch(f"cannot serialize opaque value {v}")

    return enc


def _element_type(codec, name: str) -> Type:
    t = BASIC_TYPES.get(name)
    if t is None and codec.resolve_type is not None:
        t = codec.resolve_type(name)
    if t is None:
        raise Mismatch(f"unknown top-k element type {name!r}")
    return t


def opaque_decoder(codec, opaque_name: str):
    """``dec(buf, pos) -> (value, pos)`` for ``opaque of <opaque_name>``."""

    def dec(b, p):
        n, p = _read_vector(b, p)
        name, p = dec_string(b, p)
        if name != opaque_name:
            raise Mismatch(f"expected an opaque of {opaque_name}, got {name!r}")
        if name == "cardinality" and n == 2:
            registers, p = dec_string(b, p)
            try:
                return CardinalityCounter.restore(registers.encode("latin-1")), p
            except ValueError as e:
                raise Mismatch(str(e)) from None
        if name == "topk" and n == 5:
            return _dec_topk(codec, b, p)
        raise Mismatch(f"malformed opaque of {name}")

    return dec


def _dec_topk(codec, b, p):
    size, p = _dec_count(b, p)
    pruned, p = _dec_bool(b, p)
    tname, p = dec_string(b, p)
    n_buckets, p = _read_vector(b, p)
    t = _element_type(codec, tname) if n_buckets else None
    elem = codec.decoder(t) if t is not None else None
    # Counts, addresses ... are kept boxed with their type, as topk_add keeps them.
    self_describing = t is None or t.tag not in BASIC_TYPES or t.tag in ("string", "bool")
    buckets = []
    for _ in range(n_buckets):
        _, p = _read_vector(b, p, 2)
        count, p = _dec_count(b, p)
        n_elems, p = _read_vector(b, p)
        elements = []
        for _ in range(n_elems):
            _, p = _read_vector(b, p, 2)
            epsilon, p = _dec_count(b, p)
            value, p = elem(b, p)
            elements.append((epsilon, value if self_describing else Boxed(t, value)))
        buckets.append((count, elements))
    try:
        return TopK.restore(size, pruned, t, buckets), p
    except ValueError as e:
        raise Mismatch(str(e)) from None
