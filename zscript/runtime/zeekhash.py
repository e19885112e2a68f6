"""Zeek's keyed hash of table indices: the seed, SipHash-2-4 and the key bytes.

Zeek hashes a table index in two steps (``src/CompHash.cc``, ``src/Hash.cc``):

1. the index value becomes *key bytes* (``CompositeHash::MakeHashKey``): a
   single index type is a *singleton* key, several index types a *composite*
   one, and the two lay values out differently (see :func:`key_bytes`);
2. the key bytes are hashed with SipHash-2-4 (``KeyedHash::Hash64``), keyed
   by 16 bytes of the process's hash seed.

The seed is 80 bytes (twenty 32-bit words). Zeek reads it from the file
named by ``-G FILE`` or ``ZEEK_SEED_FILE`` (``init_random_seed`` in
``src/util.cc``: a first number that seeds ``random()``, then twenty more,
each stored as a native little-endian word), or draws it at random.
``KeyedHash::InitializeSeeds`` keys SipHash with bytes 64-79 of it.

:func:`siphash24` is SipHash-2-4 written out in Python, the reference;
:func:`hash_bytes`, the hot path (every new key of every table in Zeek
order mode), computes the same with the ``siphashc`` C extension, a few
hundred times faster.

This module only computes; which tables use it is decided in
:mod:`.zeekorder`.
"""

from __future__ import annotations

import os
import struct

from siphashc import siphash as _c_siphash

from ..types import RecordType, TableType, Type, VectorType

__all__ = [
    "SEED_WORDS",
    "SeedError",
    "current_seed",
    "hash_bytes",
    "hash_sorted",
    "key_bytes",
    "read_seed_file",
    "read_seed_words",
    "siphash24",
    "set_seed",
    "siphash_key",
]

#: Number of 32-bit words of hash seed after the ``random()`` seed.
SEED_WORDS = 20

_M64 = 0xFFFFFFFFFFFFFFFF


class SeedError(ValueError):
    """A seed file that cannot be read or has too few numbers."""


def read_seed_file(path: str) -> bytes:
    """The 80 bytes of hash seed in Zeek's seed file ``path``.

    The file holds whitespace-separated unsigned numbers: the ``random()``
    seed, then :data:`SEED_WORDS` seed words (``read_random_seeds``).
    """
    return read_seed_words(path)[1]


def read_seed_words(path: str) -> tuple[int, bytes]:
    """Zeek's seed file ``path`` as its ``random()`` seed and the 80 bytes
    of hash seed (see :func:`read_seed_file`)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise SeedError(f"could not open seed file '{path}': {e.strerror}") from None
    try:
        words = [int(w) for w in text.split()]
    except ValueError:
        words = []
    if len(words) < SEED_WORDS + 1 or any(w < 0 for w in words[: SEED_WORDS + 1]):
        raise SeedError(f"could not load seeds from file '{path}'")
    seed = struct.pack(f"<{SEED_WORDS}I", *(w & 0xFFFFFFFF for w in words[1 : SEED_WORDS + 1]))
    return words[0] & 0xFFFFFFFF, seed


def random_seed() -> bytes:
    return os.urandom(4 * SEED_WORDS)


def siphash_key(seed: bytes) -> tuple[int, int]:
    """SipHash's two key words from an 80-byte seed (its bytes 64-79)."""
    return struct.unpack_from("<QQ", seed, 64)


def _rounds(v0: int, v1: int, v2: int, v3: int, n: int) -> tuple[int, int, int, int]:
    """``n`` SipRounds (rotations written out: this is the hot loop)."""
    for _ in range(n):
        v0 = (v0 + v1) & _M64
        v1 = ((v1 << 13) | (v1 >> 51)) & _M64 ^ v0
        v0 = ((v0 << 32) | (v0 >> 32)) & _M64
        v2 = (v2 + v3) & _M64
        v3 = ((v3 << 16) | (v3 >> 48)) & _M64 ^ v2
        v0 = (v0 + v3) & _M64
        v3 = ((v3 << 21) | (v3 >> 43)) & _M64 ^ v0
        v2 = (v2 + v1) & _M64
        v1 = ((v1 << 17) | (v1 >> 47)) & _M64 ^ v2
        v2 = ((v2 << 32) | (v2 >> 32)) & _M64
    return v0, v1, v2, v3


def siphash24(k0: int, k1: int, data: bytes) -> int:
    """SipHash-2-4 (Aumasson and Bernstein, 2012) of ``data`` under key ``(k0, k1)``.

    ``k0``/``k1`` are the key's two little-endian 64-bit halves; the result
    is the 64-bit hash as an integer.
    """
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    n = len(data)
    tail = n & ~7
    words = list(struct.unpack_from(f"<{tail >> 3}Q", data)) if tail else []
    words.append(((n & 0xFF) << 56) | int.from_bytes(data[tail:], "little"))
    for m in words:
        v3 ^= m
        v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    v2 ^= 0xFF
    v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


# ------------------------------------------------------------------ key bytes


class UnhashableIndex(TypeError):
    """An index Zeek cannot hash (or that this module does not model)."""


class _KeyWriter:
    """Zeek's ``HashKey`` buffer: sizes are *reserved* before values are *written*.

    ``CompositeHash`` first reserves the key's size (``Reserve*``), then
    writes each value (``Write*``); both round their offset up to the
    item's alignment, and padding is zero.  Reservation and writing agree
    except for a vector element's presence flag (4 bytes reserved, 1 byte
    written), so both offsets are kept; the hashed key is ``reserved`` bytes
    long (bytes never written are zero here; in Zeek they are whatever the
    allocation held).
    """

    __slots__ = ("buf", "reserved")

    def __init__(self):
        self.buf = bytearray()
        self.reserved = 0

    @staticmethod
    def _align(offset: int, alignment: int) -> int:
        if alignment and offset % alignment:
            offset += alignment - offset % alignment
        return offset

    def put(self, data: bytes, alignment: int = 0, reserve: int | None = None, ralign=None):
        """Reserve ``reserve`` (default ``len(data)``) bytes aligned to ``ralign``
        (default ``alignment``), then write ``data`` aligned to ``alignment``."""
        ralign = alignment if ralign is None else ralign
        self.reserved = self._align(self.reserved, ralign) + (
            len(data) if reserve is None else reserve
        )
        pad = self._align(len(self.buf), alignment) - len(self.buf)
        self.buf += b"\0" * pad + data

    def key(self) -> bytes:
        if len(self.buf) < self.reserved:
            self.buf += b"\0" * (self.reserved - len(self.buf))
        return bytes(self.buf)


_PORT_MASK = {"tcp": 0x10000, "udp": 0x20000, "icmp": 0x30000}

#: Function values used as indices get ids in the order they are first hashed
#: (``CompositeHash::BuildFuncMappings``).
_FUNC_IDS: dict[int, int] = {}


def _addr16(ip) -> bytes:
    if ip.version == 4:
        return b"\0" * 10 + b"\xff\xff" + ip.packed
    return ip.packed


def _pattern_texts(p) -> tuple[bytes, bytes]:
    """``RE_Matcher::PatternText`` / ``AnywherePatternText`` (``src/RE.cc``)."""
    exact = p.display
    anywhere = f"^?(.|\\n)*({p.text})"
    if "i" in getattr(p, "flags", ""):
        anywhere = f"(?i:{anywhere})"
    return exact.encode("latin-1", "replace") + b"\0", anywhere.encode("latin-1", "replace") + b"\0"


def _scalar(t: Type, v) -> bytes | None:
    """The bytes of a fixed-size value that Zeek stores in the key's own union
    (a singleton int, count, double ... is its 8 bytes, unaligned)."""
    tag = t.tag
    if tag in ("int", "bool"):
        return struct.pack("<q", int(v))
    if tag == "enum":
        return struct.pack("<q", v.value)
    if tag == "count":
        return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)
    if tag == "port":
        return struct.pack("<Q", v.num | _PORT_MASK.get(v.proto, 0))
    if tag in ("double", "time", "interval"):
        return struct.pack("<d", v)
    if tag == "func":
        return struct.pack("<I", _FUNC_IDS.setdefault(id(v), len(_FUNC_IDS)))
    return None


def _write(w: _KeyWriter, t: Type, v) -> None:
    """``CompositeHash::SingleValHash`` of ``v`` (of type ``t``) inside a composite key."""
    tag = t.tag
    if tag in ("int", "bool", "enum", "count", "port", "double", "time", "interval"):
        w.put(_scalar(t, v), 8)
    elif tag == "func":
        w.put(_scalar(t, v), 4)
    elif tag == "string":
        data = v.encode("latin-1", "replace")
        w.put(struct.pack("<i", len(data)), 4)
        w.put(data)
    elif tag == "addr":
        w.put(_addr16(v.ip), 4)
    elif tag == "subnet":
        w.put(_addr16(v.net.network_address), 4)
        w.put(struct.pack("<i", v.net.prefixlen), 4)
    elif tag == "pattern":
        exact, anywhere = _pattern_texts(v)
        w.put(struct.pack("<Q", len(exact)), 8)
        w.put(struct.pack("<Q", len(anywhere)), 8)
        w.put(exact)
        w.put(anywhere)
    elif isinstance(t, RecordType):
        for f in t.fields:
            try:
                fv = getattr(v, "f_" + f.name)
            except AttributeError:
                fv = None
            # A field with &default is implicitly &optional (Attributes::AddAttr).
            if f.optional or f.has_default:
                w.put(b"\1" if fv is not None else b"\0")
                if fv is None:
                    continue
            elif fv is None:
                raise UnhashableIndex(f"record field {f.name} is unset")
            _write(w, f.type, fv)
    elif isinstance(t, VectorType):
        w.put(struct.pack("<I", len(v)), 4)
        for i, x in enumerate(v):
            w.put(struct.pack("<I", i), 4)
            w.put(b"\1" if x is not None else b"\0", 0, reserve=4, ralign=4)
            if x is not None:
                _write(w, t.elem, x)
    elif isinstance(t, TableType):
        _write_table(w, t, v)
    else:
        raise UnhashableIndex(f"cannot hash an index of type {t}")


def hash_sorted(index_types: list[Type], keys) -> list:
    """``keys`` in the order of their hash keys (``ordered_hashkeys``: by the
    64-bit hash, then the key's size, then its bytes)."""
    entries = []
    for k in keys:
        kb = key_bytes(index_types, k)
        entries.append((hash_bytes(kb), len(kb), kb, k))
    entries.sort(key=lambda e: e[:3])
    return [e[3] for e in entries]


def _write_table(w: _KeyWriter, t: TableType, v) -> None:
    """A table or set inside a key: its size, then its entries in hash-key
    order, each index as a list value."""
    idx = t.indices
    w.put(struct.pack("<i", len(v)), 4)
    for k in hash_sorted(idx, list(dict.keys(v))):
        parts = k if len(idx) > 1 else (k,)
        w.put(struct.pack("<i", len(parts)), 4)
        for it, x in zip(idx, parts, strict=True):
            _write(w, it, x)
        if t.yield_ is not None:
            _write(w, t.yield_, dict.__getitem__(v, k))


def key_bytes(index_types: list[Type], key) -> bytes:
    """Zeek's hash key bytes for ``key`` in a table indexed by ``index_types``.

    A singleton index (one type) is laid out on its own: fixed-size values
    as their native 8 (a function: 4) bytes, a string as its bytes without a
    length, an address as 16 bytes (IPv4 mapped into ``::ffff:0:0/96``), a
    subnet as its prefix's 16 bytes and a 32-bit width, a pattern as its two
    NUL-terminated texts.  In a composite key (several types; also the
    fields of a record) every value is aligned to its size, strings and
    patterns carry lengths, and an ``&optional`` field is preceded by a
    presence byte.
    """
    if len(index_types) == 1:
        t = index_types[0]
        data = _scalar(t, key)
        if data is not None:
            return data
        tag = t.tag
        if tag == "string":
            return key.encode("latin-1", "replace")
        if tag == "pattern":
            exact, anywhere = _pattern_texts(key)
            return exact + anywhere
        w = _KeyWriter()
        _write(w, t, key)
        return w.key()
    w = _KeyWriter()
    for t, v in zip(index_types, key, strict=True):
        _write(w, t, v)
    return w.key()


#: The process's seed and the SipHash key words taken from it (see :func:`set_seed`).
_SEED: list[bytes] = [random_seed()]
_KEY: list[tuple[int, int]] = [siphash_key(_SEED[0])]
#: The same key as the 16 bytes the C SipHash takes.
_KEY_BYTES: list[bytes] = [_SEED[0][64:80]]
_FROM_FILE: list[bool] = [False]


def set_seed(seed: bytes, *, from_file: bool = False) -> None:
    """Make ``seed`` (80 bytes) the process's hash seed; ``from_file``: it
    was asked for (Zeek's ``have_random_seed``), so output that Zeek makes
    deterministic then (UIDs) is deterministic here too."""
    _SEED[0] = seed
    _KEY[0] = siphash_key(seed)
    _KEY_BYTES[0] = seed[64:80]
    _FROM_FILE[0] = from_file


def seed_from_file() -> bool:
    """Whether the seed came from a seed file (``-G``, ``ZEEK_SEED_FILE``)."""
    return _FROM_FILE[0]


def current_seed() -> bytes:
    """The process's 80-byte hash seed (random unless :func:`set_seed` was called)."""
    return _SEED[0]


def hash_bytes(data: bytes) -> int:
    """``KeyedHash::Hash64``: the keyed SipHash-2-4 of ``data``."""
    return _c_siphash(_KEY_BYTES[0], data)
