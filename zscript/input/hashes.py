"""What a table stream remembers between readings, in Zeek's order.

A table stream keeps, per index, a hash of the line's values (Zeek's
``InputHash`` entries in two dictionaries, the current and the last
reading; see :mod:`.streams`).  At the end of a reading it walks what is
left of the last one to remove those entries, and that walk decides the
order of the ``EVENT_REMOVED`` events and predicate calls.  Zeek walks its
``Dictionary`` in slot order; in Zeek order mode
(:mod:`zscript.runtime.zeekorder`) :class:`InputHashes` replays the same
inserts and removals on a :class:`~zscript.runtime.zeekdict.ZeekDict`,
keyed by the bytes Zeek hashes (``Manager::HashValues``: each field's raw
value and an end-of-field byte), so the walk has Zeek's order.  Otherwise
it is a plain ``dict`` in insertion order.
"""

from __future__ import annotations

import struct

from ..runtime import zeekhash, zeekorder
from ..runtime.zeekdict import ZeekDict

__all__ = ["InputHashes", "new_hashes"]

_PROTO = {"unknown": 0, "tcp": 1, "udp": 2, "icmp": 3}


def _raw(v) -> bytes:
    """``Manager::CopyValue``: the bytes of one reader value."""
    if isinstance(v, bool | int):
        return struct.pack("<q", v) if v < 2**63 else struct.pack("<Q", v)
    if isinstance(v, float):
        return struct.pack("<d", v)
    if isinstance(v, str):
        return v.encode("latin-1", "replace") + b"\x00"
    if isinstance(v, list | tuple):
        return b"".join(_raw(x) for x in v)
    name = type(v).__name__
    if name == "Port":
        return struct.pack("<QI", v.num, _PROTO.get(v.proto, 0))
    if name == "Addr":
        return v.ip.packed
    if name == "Subnet":
        return v.net.network_address.packed + struct.pack("<B", v.net.prefixlen)
    if name == "Pattern":
        return (
            v.text.encode("latin-1", "replace") + b"\x00" + bytes(("i" in v.flags, "s" in v.flags))
        )
    return repr(v).encode()


def _key_bytes(vals) -> bytes:
    """``Manager::HashValues``: raw values, each followed by an end marker."""
    return b"".join((b"" if v is None else _raw(v)) + b"\x01" for v in vals)


class InputHashes(dict):
    """``idx hash -> (value hash, table key)`` with Zeek's iteration order."""

    __slots__ = ("model",)

    def __init__(self):
        super().__init__()
        self.model = ZeekDict()

    def __setitem__(self, key, value) -> None:
        if not dict.__contains__(self, key):
            self.model.insert(key, zeekhash.hash_bytes(_key_bytes(key)) & 0xFFFFFFFF)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key) -> None:
        dict.__delitem__(self, key)
        self.model.remove(key)

    def get(self, key, default=None):
        if dict.__contains__(self, key):
            self.model.lookup(key)
        return dict.get(self, key, default)

    def items(self):
        return [(k, dict.__getitem__(self, k)) for k in self.model.order()]


def new_hashes() -> dict:
    """An empty dictionary of a table stream's hashes (modelled in Zeek order mode)."""
    return InputHashes() if zeekorder.active() else {}
