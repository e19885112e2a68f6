"""DNS lookups: ``lookup_addr``, ``lookup_hostname``, ``lookup_hostname_txt``.

As in Zeek (src/DNS_Mgr.cc) the lookups are asynchronous: they may only be
called in a ``when`` condition, which resumes once the answer is there.  The
system resolver runs in a worker thread (``socket.gethostbyaddr``,
``socket.getaddrinfo``); TXT records need a DNS library zscript does not
use, so ``lookup_hostname_txt`` answers ``<error>`` outside fake mode.

With ``ZEEK_DNS_FAKE`` set in the environment (Zeek's test mode) no query
is sent and the answers are made up at once: ``fake_addr_lookup_result_ADDR``
for an address, ``fake_lookup_result_16_NAME`` for a TXT record, and for a
host name one IPv6 address derived from a hash of the name (Zeek hashes
with its seeded key, so the address differs from Zeek's).

Provides: lookup_addr, lookup_hostname, lookup_hostname_txt,
blocking_lookup_hostname, get_dns_stats.
"""

from __future__ import annotations

import os
import socket

from ...types import ADDR, TableType
from ..addresses import addr_from_bits, parse_addr
from ..bifs import bif
from ..containers import Set
from ..values import record_class
from ._support import script_type

__all__ = []

_ADDR_SET = TableType([ADDR], None)
#: DNS's record type number for TXT (what Zeek's fake answers name).
_TXT = 16

_STATS = {"requests": 0, "successful": 0, "failed": 0}


def _fake() -> bool:
    return bool(os.environ.get("ZEEK_DNS_FAKE"))


def _fake_addresses(name: str) -> Set:
    import hashlib  # here: OpenSSL loads slowly (start-up)

    n = int.from_bytes(hashlib.blake2b(name.encode("latin-1"), digest_size=16).digest(), "big")
    return Set(_ADDR_SET, [addr_from_bits(n)])


def _count(ok: bool) -> None:
    _STATS["requests"] += 1
    _STATS["successful" if ok else "failed"] += 1


def _reverse(a) -> str:
    try:
        name = socket.gethostbyaddr(str(a))[0]
    except OSError:
        _count(False)
        return "<???>"
    _count(True)
    return name


def _forward(name: str) -> Set:
    out = Set(_ADDR_SET)
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        _count(False)
        return out
    for info in infos:
        a = parse_addr(str(info[4][0]).split("%")[0])
        if a is not None:
            out.zadd(a)
    _count(True)
    return out


@bif("lookup_addr", "function(host: addr): string", context=True, is_async=True)
def lookup_addr(ctx, host):
    if _fake():
        return f"fake_addr_lookup_result_{host}"
    return ctx.run_blocking(lambda: _reverse(host))


@bif("lookup_hostname", "function(host: string): addr_set", context=True, is_async=True)
def lookup_hostname(ctx, host):
    if _fake():
        return _fake_addresses(host)
    return ctx.run_blocking(lambda: _forward(host))


@bif("lookup_hostname_txt", "function(host: string): string", context=True, is_async=True)
def lookup_hostname_txt(ctx, host):
    if _fake():
        return f"fake_lookup_result_{_TXT}_{host}"
    return "<error>"


@bif("blocking_lookup_hostname", "function(host: string): addr_set")
def blocking_lookup_hostname(host):
    return _fake_addresses(host) if _fake() else _forward(host)


@bif("get_dns_stats", "function(): DNSStats", context=True)
def get_dns_stats(ctx):
    cls = record_class(script_type(ctx, "DNSStats"))
    given = {f"f_{k}": v for k, v in _STATS.items()}
    for k in ("pending", "cached_hosts", "cached_addresses", "cached_texts", "cached_total"):
        given[f"f_{k}"] = 0
    return cls._zmake(given)
