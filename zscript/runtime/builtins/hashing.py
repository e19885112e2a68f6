"""Digests, keyed hashes and randomness tests.

Like Zeek, the digest functions hash string arguments as their bytes and
other values in Zeek's binary description (a 4-byte type tag followed by
the 8-byte value for numbers), so ``md5_hash(1)`` and ``fnv1a32(1.0)``
produce Zeek's values.  The HMAC keys derive from Zeek's seed file when
``ZEEK_SEED_FILE`` names one (Zeek's own convention), else from random data.

Incremental digests and entropy tests are opaque values
(``opaque of md5`` ... ``opaque of entropy``).

Provides: md5_hash, sha1_hash, sha224_hash, sha256_hash, sha384_hash,
sha512_hash, their ``*_init``/``*_update``/``*_finish`` variants, md5_hmac,
sha256_hmac, fnv1a32, fnv1a64, hrw_weight, find_entropy,
entropy_test_init, entropy_test_add, entropy_test_finish.
"""

from __future__ import annotations

import math
import struct

from ...types import OpaqueType
from .. import zeekhash
from ..bifs import bif
from ..values import EnumVal, Record, record_class, type_of, unbox
from ._support import describe_arg, script_type

__all__ = ["keyed_digest"]

#: Zeek's type tags, as written in binary descriptions.
_TAGS = {
    "bool": 1,
    "int": 2,
    "count": 3,
    "double": 4,
    "time": 5,
    "interval": 6,
    "string": 7,
    "pattern": 8,
    "enum": 9,
    "port": 10,
    "addr": 11,
    "subnet": 12,
    "table": 14,
    "record": 15,
    "vector": 19,
}


def binary_describe(v) -> bytes:
    """The bytes Zeek digests for a value (its ``DESC_BINARY`` description)."""
    t = type_of(v)
    raw = unbox(v)
    tag = t.tag if t is not None else ""
    if tag == "string":
        return raw.encode("latin-1")
    head = struct.pack("<i", _TAGS.get(tag, 0))
    if tag in ("bool", "int"):
        return head + struct.pack("<q", int(raw))
    if tag == "count":
        return head + struct.pack("<Q", raw & 0xFFFFFFFFFFFFFFFF)
    if tag in ("double", "time", "interval"):
        return head + struct.pack("<d", raw)
    if tag == "enum" and type(raw) is EnumVal:
        return head + struct.pack("<q", raw.value)
    text = raw._zkey() if isinstance(raw, Record) else describe_arg(v)
    return head + str(text).encode("latin-1", "replace") + b"\0"


# ------------------------------------------------------------ digests


class HashState:
    """An incremental digest (``opaque of md5`` ...)."""

    __slots__ = ("h", "ztype")

    def __init__(self, algorithm: str):
        import hashlib  # here: OpenSSL loads slowly (start-up)

        self.h = hashlib.new(algorithm)
        self.ztype = _OPAQUE[algorithm]

    def __str__(self) -> str:
        return self.ztype.opaque_name

    @property
    def json_type(self) -> str:
        return self.ztype.opaque_name.upper() + "Val"

    def __deepcopy__(self, memo):
        c = object.__new__(HashState)
        c.h = self.h.copy()
        c.ztype = self.ztype
        return c


_ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
_OPAQUE = {a: OpaqueType(a) for a in _ALGORITHMS}


def _digest(algorithm: str, args) -> str:
    import hashlib  # here: OpenSSL loads slowly (start-up)

    h = hashlib.new(algorithm)
    for a in args:
        h.update(binary_describe(a))
    return h.hexdigest()


def _register_digest(algorithm: str) -> None:
    """Register ``<alg>_hash``, ``<alg>_hash_init``, ``_update`` and ``_finish``."""

    def one_shot(*args):
        return _digest(algorithm, args)

    def init():
        return HashState(algorithm)

    def update(handle, data):
        handle.h.update(data.encode("latin-1"))
        return True

    def finish(handle):
        return handle.h.hexdigest()

    opaque = f"opaque of {algorithm}"
    bif(f"{algorithm}_hash", "function(): string", varargs=True)(one_shot)
    bif(f"{algorithm}_hash_init", f"function(): {opaque}")(init)
    bif(f"{algorithm}_hash_update", f"function(handle: {opaque}, data: string): bool")(update)
    bif(f"{algorithm}_hash_finish", f"function(handle: {opaque}): string")(finish)


for _alg in _ALGORITHMS:
    _register_digest(_alg)


def _seed_data() -> bytes:
    """The 80 bytes of hash seed (Zeek's seed file, ``-G``, or random)."""
    return zeekhash.current_seed()


def _hmac_key(algorithm: str) -> bytes:
    """The process's key for ``algorithm`` (``KeyedHash::InitializeSeeds``)."""
    import hashlib  # here: OpenSSL loads slowly (start-up)

    if algorithm == "md5":
        return hashlib.md5(_seed_data()[:64]).digest()
    return hashlib.sha256(_seed_data()[8:]).digest()


def keyed_digest(algorithm: str, data: bytes) -> bytes:
    """Zeek's keyed hash of ``data`` (``hmac_md5``/``hmac_sha256`` in
    ``src/util.cc``): the digest of (the digest of ``data`` XOR the key)."""
    import hashlib  # here: OpenSSL loads slowly (start-up)

    inner = hashlib.new(algorithm, data).digest()
    key = _hmac_key(algorithm)
    return hashlib.new(algorithm, bytes(a ^ b for a, b in zip(inner, key, strict=True))).digest()


@bif("md5_hmac", "function(): string", varargs=True)
def md5_hmac(*args):
    return keyed_digest("md5", b"".join(binary_describe(a) for a in args)).hex()


@bif("sha256_hmac", "function(): string", varargs=True)
def sha256_hmac(*args):
    return keyed_digest("sha256", b"".join(binary_describe(a) for a in args)).hex()


def _fnv1a(v, offset: int, prime: int, bits: int) -> int:
    mask = (1 << bits) - 1
    h = offset
    for b in binary_describe(v):
        h = ((h ^ b) * prime) & mask
    return h


@bif("fnv1a32", "function(input: any): count")
def fnv1a32(v):
    return _fnv1a(v, 2166136261, 16777619, 32)


@bif("fnv1a64", "function(input: any): count")
def fnv1a64(v):
    return _fnv1a(v, 0xCBF29CE484222325, 0x100000001B3, 64)


@bif("hrw_weight", "function(key_digest: count, site_id: count): count")
def hrw_weight(key_digest, site_id):
    """Rendezvous-hashing weight (32-bit arithmetic as in Zeek)."""
    a, b = 1103515245, 12345
    d = key_digest & 0x7FFFFFFF
    inner = ((a * (site_id & 0xFFFFFFFF) + b) ^ d) & 0xFFFFFFFFFFFFFFFF
    return ((a * inner + b) & 0xFFFFFFFFFFFFFFFF) % 2147483648 & 0xFFFFFFFF


# ------------------------------------------------------------ entropy


#: ``ent`` computes log2 through log10; keep its rounding.
_LOG2_OF_10 = 3.32192809488736234787


class RandomnessTest:
    """John Walker's ``ent`` statistics over a byte stream (``opaque of entropy``)."""

    MONTEN = 6
    INCIRC = (256.0 ** (MONTEN // 2) - 1) ** 2
    ztype = OpaqueType("entropy")

    def __init__(self):
        self.counts = [0] * 256
        self.total = 0
        self.monte: list[int] = []
        self.mcount = 0
        self.inmont = 0
        self.first: int | None = None
        self.last = 0
        self.t1 = self.t2 = self.t3 = 0.0

    json_type = "EntropyVal"

    def __str__(self) -> str:
        return "entropy"

    def __deepcopy__(self, memo):
        c = RandomnessTest()
        c.__dict__.update(self.__dict__)
        c.counts = list(self.counts)
        c.monte = list(self.monte)
        return c

    def add(self, data: bytes) -> None:
        for oc in data:
            self.counts[oc] += 1
            self.total += 1
            self.monte.append(oc)
            if len(self.monte) == self.MONTEN:
                self._monte_carlo_point()
            if self.first is None:
                self.first = oc
            else:
                self.t1 += self.last * oc
            self.t2 += oc
            self.t3 += oc * oc
            self.last = oc

    def _monte_carlo_point(self) -> None:
        half = self.MONTEN // 2
        x = y = 0.0
        for j in range(half):
            x = x * 256.0 + self.monte[j]
            y = y * 256.0 + self.monte[half + j]
        self.mcount += 1
        if x * x + y * y <= self.INCIRC:
            self.inmont += 1
        self.monte.clear()

    def result(self) -> tuple[float, float, float, float, float]:
        """(entropy, chi_square, mean, monte_carlo_pi, serial_correlation)."""
        n = self.total
        t1 = self.t1 + self.last * (self.first or 0)
        t2 = self.t2 * self.t2
        scc = n * self.t3 - t2
        scc = -100000.0 if scc == 0.0 else (n * t1 - t2) / scc
        expected = n / 256.0
        chisq = ent = datasum = 0.0
        for i, c in enumerate(self.counts):
            chisq += (c - expected) ** 2 / expected if expected else math.nan
            datasum += i * c
            p = c / n if n else 0.0
            if p > 0.0:
                ent += p * _LOG2_OF_10 * math.log10(1 / p)
        montepi = 4.0 * self.inmont / self.mcount if self.mcount else 0.0
        mean = datasum / n if n else math.nan
        return ent, chisq, mean, montepi, scc


def _make_entropy_result(ctx, test: RandomnessTest):
    rt = script_type(ctx, "entropy_test_result")
    names = ("entropy", "chi_square", "mean", "monte_carlo_pi", "serial_correlation")
    return record_class(rt)._zmake({"f_" + k: v for k, v in zip(names, test.result(), strict=True)})


@bif("find_entropy", "function(data: string): entropy_test_result", context=True)
def find_entropy(ctx, data):
    test = RandomnessTest()
    test.add(data.encode("latin-1"))
    return _make_entropy_result(ctx, test)


@bif("entropy_test_init", "function(): opaque of entropy")
def entropy_test_init():
    return RandomnessTest()


@bif("entropy_test_add", "function(handle: opaque of entropy, data: string): bool")
def entropy_test_add(handle, data):
    handle.add(data.encode("latin-1"))
    return True


@bif(
    "entropy_test_finish", "function(handle: opaque of entropy): entropy_test_result", context=True
)
def entropy_test_finish(ctx, handle):
    return _make_entropy_result(ctx, handle)
