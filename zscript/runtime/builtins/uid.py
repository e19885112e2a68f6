"""Unique identifiers: ``unique_id`` and ``unique_id_from`` (Zeek's ``UID``,
``src/UID.cc`` and ``calculate_unique_id`` in ``src/util.cc``).

An identifier is 96 bits (the default of Zeek's ``bits_per_uid``) made of
64-bit words, each the keyed hash (:func:`~..zeekhash.hash_bytes`) of its
pool's *instance* and a counter the pool increments per word; when the bits
are not a multiple of 64 the first word keeps only its top bits.  The words
are written in base 62, least significant digit first, after the prefix.

With a seed file (``-G``, ``ZEEK_SEED_FILE``) the instance is the pool
number, so the identifiers repeat from run to run, as Zeek's do; otherwise
it is random.  ``unique_id`` draws from pool 2 (Zeek's default script pool);
``unique_id_from(pool, ...)`` from ``pool + 10``, apart from Zeek's own pools.
"""

from __future__ import annotations

import secrets
import struct

from .. import zeekhash
from ..bifs import bif

__all__ = ["make_uid"]

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SCRIPT_POOL = 2
_CUSTOM_POOL_BASE = 10
_MAX_POOL = 10000
_MAX_BITS = 128
_M64 = (1 << 64) - 1

#: pool -> [instance, counter]
_POOLS: dict[int, list[int]] = {}


def _next_word(pool: int) -> int:
    entry = _POOLS.get(pool)
    if entry is None:
        instance = pool if zeekhash.seed_from_file() else secrets.randbits(64) | 1
        entry = _POOLS[pool] = [instance & _M64, 0]
    entry[1] += 1
    return zeekhash.hash_bytes(struct.pack("<QQ", entry[0], entry[1] & _M64))


def _digits(n: int) -> str:
    out = []
    while True:
        n, r = divmod(n, 62)
        out.append(_DIGITS[r])
        if not n:
            return "".join(out)


def make_uid(prefix: str, bits: int = 96, pool: int = _SCRIPT_POOL) -> str:
    if pool < 0 or pool >= _MAX_POOL:
        pool = 1  # Zeek warns and uses its default internal pool
    bits = min(bits, _MAX_BITS)
    nwords, rem = divmod(bits, 64)
    if rem:
        nwords += 1
    words = [_next_word(pool) for _ in range(nwords)]
    if rem and words:
        words[0] >>= 64 - rem
    return prefix + "".join(_digits(w) for w in words)


@bif("unique_id", "function(prefix: string): string")
def unique_id(prefix):
    return make_uid(prefix)


@bif("unique_id_from", "function(pool: int, prefix: string): string")
def unique_id_from(pool, prefix):
    return make_uid(prefix, pool=pool + _CUSTOM_POOL_BASE)
