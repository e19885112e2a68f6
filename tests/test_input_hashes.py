"""What a table stream remembers between readings (``zscript.input.hashes``):
the bytes hashed per line are laid out as Zeek's input manager lays them out
(``Manager::HashValues``/``CopyValue``), and in Zeek order mode the entries
are walked in the order of Zeek's dictionary."""

from __future__ import annotations

import struct

from zscript.input.hashes import InputHashes, _key_bytes, new_hashes
from zscript.runtime import zeekhash, zeekorder
from zscript.runtime.addresses import make_addr, make_port, make_subnet
from zscript.runtime.zeekdict import ZeekDict


def test_key_bytes_follow_zeeks_layout():
    # Each present field's raw bytes, then an end-of-field byte 1 (absent: only the 1).
    assert _key_bytes((-2,)) == struct.pack("<q", -2) + b"\x01"
    assert _key_bytes(("ab", None, "")) == b"ab\x00\x01" + b"\x01" + b"\x00\x01"
    assert (
        _key_bytes((True, 1.5)) == struct.pack("<q", 1) + b"\x01" + struct.pack("<d", 1.5) + b"\x01"
    )
    assert _key_bytes((make_port(80, "tcp"),)) == struct.pack("<QI", 80, 1) + b"\x01"
    assert _key_bytes((make_addr("1.2.3.4"),)) == bytes([1, 2, 3, 4, 1])
    assert _key_bytes((make_subnet("10.0.0.0/24"),)) == bytes([10, 0, 0, 0, 24, 1])
    # Containers: their elements' bytes one after another.
    assert _key_bytes(((1, 2),)) == struct.pack("<qq", 1, 2) + b"\x01"


def test_walk_is_zeeks_dictionary_order_in_zeek_order_mode(tmp_path):
    seed = tmp_path / "seed"
    seed.write_text(" ".join(str(n * 2654435761 % 2**32) for n in range(21)))
    try:
        zeekorder.configure(seed_file=str(seed))
        h = new_hashes()
        assert isinstance(h, InputHashes)
        want = ZeekDict()
        keys = [(i, f"k{i}") for i in range(12)]
        for k in keys:
            h[k] = ("value hash", k)
            want.insert(k, zeekhash.hash_bytes(_key_bytes(k)) & 0xFFFFFFFF)
        del h[keys[3]]
        want.remove(keys[3])
        h[keys[0]] = ("changed", keys[0])  # an update is not a new insert
        order = [k for k, _ in h.items()]
        assert order == want.order()
        assert order != keys[:3] + keys[4:]  # not insertion order
        assert h[keys[0]] == ("changed", keys[0]) and keys[3] not in h
    finally:
        zeekorder.configure(zeek_order=False)
    assert type(new_hashes()) is dict  # insertion order when the mode is off
