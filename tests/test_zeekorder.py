"""Zeek's iteration order of tables and sets (``zscript.runtime.zeekhash``,
``zeekdict``, ``zeekorder``).

The expected values are worked out by hand from Zeek's rules, not taken from
running the code: SipHash-2-4's reference outputs (from the SipHash paper),
key bytes laid out as ``src/CompHash.cc`` lays them out, and slot positions
traced through ``src/Dict.h``'s insert, remove and remap steps for hashes
chosen to land in given buckets.
"""

from __future__ import annotations

import io
import os
import random
import struct
import subprocess
import sys

import pytest

from zscript.diagnostics import SourceFile
from zscript.host import Host
from zscript.runtime import zeekhash, zeekorder
from zscript.runtime.addresses import make_addr, make_port, make_subnet
from zscript.runtime.patterns import make_pattern
from zscript.runtime.zeekdict import RobustIteration, ZeekDict, bucket_of
from zscript.types import (
    ADDR,
    BOOL,
    COUNT,
    DOUBLE,
    INT,
    PATTERN,
    PORT,
    STRING,
    SUBNET,
    Field,
    RecordType,
    TableType,
    VectorType,
)

# ------------------------------------------------------------------ SipHash


def test_siphash24_reference_outputs():
    # The SipHash paper (appendix A): key 00 01 .. 0f, message 00 01 .. 0e.
    k0, k1 = struct.unpack("<QQ", bytes(range(16)))
    assert zeekhash.siphash24(k0, k1, bytes(range(15))) == 0xA129CA6149BE45E5
    # The reference implementation's first test vector: the empty message.
    assert zeekhash.siphash24(k0, k1, b"") == 0x726FDB47DD0E0E31


def test_hash_bytes_is_the_reference_siphash_under_the_seeds_key():
    saved = zeekhash.current_seed()
    seed = bytes((i * 37 + 11) & 0xFF for i in range(80))
    try:
        zeekhash.set_seed(seed)
        k0, k1 = zeekhash.siphash_key(seed)
        rng = random.Random(3)
        for n in range(70):
            data = bytes(rng.randrange(256) for _ in range(n))
            assert zeekhash.hash_bytes(data) == zeekhash.siphash24(k0, k1, data)
        zeekhash.set_seed(bytes(64) + bytes(range(16)))
        assert zeekhash.hash_bytes(bytes(range(15))) == 0xA129CA6149BE45E5
    finally:
        zeekhash.set_seed(saved)


def test_seed_file_gives_siphash_key_from_words_16_to_19(tmp_path):
    # 21 numbers: the random() seed, then 20 seed words; SipHash is keyed by
    # bytes 64..79 of the 80-byte seed, i.e. seed words 16..19 (file numbers 17..20).
    f = tmp_path / "seed"
    f.write_text("\n".join(str(n) for n in range(100, 121)) + "\n")
    seed = zeekhash.read_seed_file(str(f))
    assert len(seed) == 80
    assert struct.unpack("<20I", seed) == tuple(range(101, 121))
    assert zeekhash.siphash_key(seed) == (117 | 118 << 32, 119 | 120 << 32)


@pytest.mark.parametrize("text", ["1 2 3\n", "1 2 x 4\n"])
def test_bad_seed_file_is_an_error(tmp_path, text):
    f = tmp_path / "seed"
    f.write_text(text)
    with pytest.raises(zeekhash.SeedError, match="could not load seeds"):
        zeekhash.read_seed_file(str(f))
    with pytest.raises(zeekhash.SeedError, match="could not open"):
        zeekhash.read_seed_file(str(tmp_path / "missing"))


# ------------------------------------------------------------------ key bytes


def q(n: int) -> bytes:
    return struct.pack("<q", n)


def test_singleton_keys():
    kb = zeekhash.key_bytes
    assert kb([COUNT], 5) == b"\5" + b"\0" * 7
    assert kb([INT], -1) == b"\xff" * 8
    assert kb([BOOL], True) == q(1)
    assert kb([DOUBLE], 1.5) == struct.pack("<d", 1.5)
    assert kb([STRING], "ab") == b"ab"  # no length in a singleton key
    assert kb([ADDR], make_addr("1.2.3.4")) == b"\0" * 10 + b"\xff\xff\1\2\3\4"
    assert kb([ADDR], make_addr("::1")) == b"\0" * 15 + b"\1"
    assert (
        kb([SUBNET], make_subnet("10.0.0.0/8"))
        == b"\0" * 10 + b"\xff\xff\x0a\0\0\0" + b"\x08\0\0\0"
    )
    # A port is its number with the protocol's mask (TCP 0x10000, UDP 0x20000).
    assert kb([PORT], make_port(80, "tcp")) == q(0x10050)
    assert kb([PORT], make_port(53, "udp")) == q(0x20035)
    assert kb([PATTERN], make_pattern("a")) == b"^?(a)$?\0^?(.|\\n)*(a)\0"


def test_composite_keys_align_each_value():
    kb = zeekhash.key_bytes
    # string: 4-byte length, bytes; the count is aligned to 8.
    assert kb([STRING, COUNT], ("ab", 5)) == b"\2\0\0\0ab\0\0" + q(5)
    assert kb([COUNT, STRING], (5, "ab")) == q(5) + b"\2\0\0\0ab"
    # addr (aligned to 4) then port (aligned to 8): 16 + 8 bytes.
    assert kb([ADDR, PORT], (make_addr("1.2.3.4"), make_port(22, "tcp"))) == (
        b"\0" * 10 + b"\xff\xff\1\2\3\4" + q(0x10016)
    )
    # The pattern's two texts are preceded by their 8-byte lengths (with the NUL).
    p = make_pattern("a")
    assert kb([COUNT, PATTERN], (1, p)) == q(1) + q(8) + q(13) + b"^?(a)$?\0^?(.|\\n)*(a)\0"


def test_record_keys_mark_optional_and_default_fields():
    r = RecordType([Field("a", COUNT), Field("b", STRING, {"&optional": None})], "R")
    cls = _record_class(r)
    # Unset optional field: just its presence byte (0) after the count.
    assert zeekhash.key_bytes([r], cls(f_a=7)) == q(7) + b"\0"
    # Set: presence byte 1, then the string's length aligned to 4.
    assert zeekhash.key_bytes([r], cls(f_a=7, f_b="x")) == q(7) + b"\1\0\0\0" + b"\1\0\0\0x"
    # A field with &default is implicitly &optional (Attributes::AddAttr).
    d = RecordType([Field("id", COUNT, {"&default": None})], "D")
    assert zeekhash.key_bytes([d], _record_class(d)(f_id=3)) == b"\1" + b"\0" * 7 + q(3)


def test_vector_in_key_reserves_four_bytes_per_presence_flag():
    from zscript.runtime.containers import Vector

    v = VectorType(COUNT)
    key = zeekhash.key_bytes([COUNT, v], (1, Vector(v, [9, None])))
    # Written: count (0-8), size 2 (8-12); element 0: index (12-16), present
    # flag (1 byte at 16), value aligned to 8 (24-32); element 1: index
    # (32-36), flag (36): 37 bytes.  Reserved: each flag as 4 bytes aligned
    # to 4: 8 + 4 + (4 + 4 + 8) + (4 + 4) = 40, the key's length.
    written = q(1) + b"\2\0\0\0" + b"\0\0\0\0" + b"\1" + b"\0" * 7 + q(9) + b"\1\0\0\0" + b"\0"
    assert len(written) == 37
    assert key == written + b"\0" * 3


def _record_class(rt):
    from zscript.runtime.values import record_class

    cls = record_class(rt)
    return lambda **f: cls._zmake(f)


# ------------------------------------------------------------------ the Dict model

_INV = pow(0x9E3779B97F4A7C15, -1, 1 << 32)


def h_for(bucket: int) -> int:
    """A 32-bit hash whose bucket is ``bucket`` (mod 2**bits) at every size."""
    return (bucket * _INV) & 0xFFFFFFFF


def test_bucket_of_is_the_low_bits_of_the_fibonacci_product():
    for b in range(64):
        assert bucket_of(h_for(b), 6) == b
        assert bucket_of(h_for(b), 3) == b % 8
    assert bucket_of(12345, 0) == 0


def test_second_insert_grows_the_table_and_remaps():
    # A (bucket 1) at slot 0; B (bucket 0) finds no room in the one-slot
    # table, which grows to 2 buckets (3 slots); B lands at slot 1 with
    # distance 1.  The remap step leaves B (bucket 0 either way) and moves
    # A to bucket 1: B back-fills slot 0, A goes to slot 1.
    d = ZeekDict()
    d.insert("A", h_for(1))
    d.insert("B", h_for(0))
    assert (d.bits, d.capacity) == (1, 3)
    assert d.slots == ["B", "A", None]
    assert d.order() == ["B", "A"]
    # Buckets 0 and 1 the other way round keep insertion order.
    d = ZeekDict()
    d.insert("A", h_for(0))
    d.insert("B", h_for(1))
    assert d.order() == ["A", "B"]


def test_insert_pushes_the_occupant_to_the_end_of_its_cluster():
    d = ZeekDict(initial_bits=2)  # 4 buckets, 6 slots
    d.insert("A", h_for(1))
    d.insert("B", h_for(2))
    d.insert("C", h_for(1))  # belongs after A, where B is: B moves to slot 3
    assert d.slots == [None, "A", "C", "B", None, None]
    assert d.dist[1:4] == [0, 1, 1]


def test_remove_back_fills_from_the_following_clusters():
    d = ZeekDict(initial_bits=2)
    d.insert("X", h_for(1))
    d.insert("Y", h_for(1))
    d.insert("Z", h_for(2))
    assert d.slots == [None, "X", "Y", "Z", None, None]
    d.remove("X")
    # Y moves into X's slot (distance 0), then Z into Y's (distance 0).
    assert d.slots == [None, "Y", "Z", None, None, None]
    assert d.dist[1:3] == [0, 0]
    d.remove("nope")
    assert len(d) == 2


def test_growth_thresholds():
    # Small tables (<= 8 buckets) grow when full, larger ones at 75%:
    # capacities 1, 3, 6, 11, 20 (threshold 15), 37 (threshold 27).
    d = ZeekDict()
    sizes = {}
    for i in range(28):
        d.insert(i, h_for(i))
        sizes[i + 1] = d.capacity
    assert [sizes[n] for n in (1, 2, 3, 4, 6, 7, 11, 12, 15, 16, 27, 28)] == [
        1, 3, 3, 6, 6, 11, 11, 20, 20, 37, 37, 70,
    ]  # fmt: skip


def test_iterations_hold_back_remapping_and_lookups_resume_it():
    d = ZeekDict()
    d.insert("A", h_for(1))
    d.iterating = 1  # as during a for loop over the table
    d.insert("B", h_for(0))  # grows; the remap step waits
    assert d.slots == ["A", "B", None] and d.remaps == 1
    d.lookup("A")  # no moves while iterating either
    assert d.slots == ["A", "B", None]
    d.iterating = 0
    # Found in its position from before the growth, A moves to bucket 1;
    # B back-fills slot 0.
    d.lookup("A")
    assert d.slots == ["B", "A", None]


def test_for_loops_count_as_iterations_until_they_end():
    from zscript.runtime.containers import new_table

    zeekorder.configure(zeek_order=True)
    try:
        t = new_table(TableType([COUNT], COUNT))
        t[1] = 1
        m, seq = zeekorder.begin_loop(t, "items")
        assert m is t.zorder and m.iterating == 1 and list(seq) == [(1, 1)]
        zeekorder.end_loop(m)
        assert m.iterating == 0
    finally:
        zeekorder.configure(zeek_order=False)
    # Every way out of a loop ends the iteration: the end, break, return
    # (from nested loops) and a run-time error in the body.
    src = """
    global t: table[count] of count;
    global v: vector of count;
    function f(): count
        {
        for ( k in t )
            for ( [x], y in t )
                if ( x > 1 )
                    return x;
        return 0;
        }
    event zeek_init()
        {
        local i = 0;
        while ( ++i < 5 )
            t[i] = i;
        for ( k, z in t )
            for ( zz in t )
                break;
        print f();
        for ( k in t )
            print v[k];
        }
    """
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=True, stdout=out, stderr=err, options={"zeek_order": True})
    try:
        host.load_source(SourceFile("t.zs", src))
        host.finish_loading()
        host.run()
        table = host.ns[host.checker.globals["t"].py_name]
    finally:
        zeekorder.configure(zeek_order=False)
    assert out.getvalue() in ("2\n", "3\n", "4\n")
    assert "index" in err.getvalue()  # v[k] failed inside the last loop
    assert table.zorder.iterating == 0


def test_random_operations_keep_every_key_findable():
    rng = random.Random(7)
    d = ZeekDict()
    present = set()
    for _ in range(3000):
        k = rng.randrange(400)
        op = rng.random()
        if op < 0.55:
            d.insert(k, random.Random(k).getrandbits(32))
            present.add(k)
        elif op < 0.85:
            d.remove(k)
            present.discard(k)
        else:
            d.lookup(k)
        assert sorted(d.order()) == sorted(present)
    for k in present:
        assert d._lookup(k, d.hashes[k])[0] >= 0
    # Once remapping is done, entries sit in bucket order, each cluster contiguous.
    k0 = next(iter(present))
    while d.remaps:  # each insert (even of a present key) remaps 16 more entries
        d.insert(k0, d.hashes[k0])
    buckets = [i - d.dist[i] for i, k in enumerate(d.slots) if k is not None]
    assert buckets == sorted(buckets)


def test_robust_iteration_visits_entries_moved_back_by_removals():
    # One cluster A B C D in bucket 0.  Removing A (the entry being visited)
    # moves the cluster's tail D into the hole, behind the iterator; Zeek's
    # RobustDictIterator visits it next, and so on: A, D, C, B.
    d = ZeekDict(initial_bits=2)
    for k in "ABCD":
        d.insert(k, h_for(0))
    assert d.order() == ["A", "B", "C", "D"]
    it = RobustIteration(d)
    assert d.iterating == 1
    seen = []
    while (k := it.next_key()) is not None:
        seen.append(k)
        d.remove(k)
    assert seen == ["A", "D", "C", "B"]
    assert d.iterating == 0 and d.robust == []


def _random_dict(rng: random.Random) -> ZeekDict:
    d = ZeekDict()
    for k in rng.sample(range(200), rng.randrange(1, 120)):
        d.insert(k, random.Random(k).getrandbits(32))
    return d


def test_robust_iteration_removing_what_it_visits_sees_every_key_once():
    # What the expiration sweep does: each visited entry may be removed.
    rng = random.Random(11)
    for _ in range(300):
        d = _random_dict(rng)
        start, seen = set(d.hashes), []
        it = RobustIteration(d)
        while (k := it.next_key()) is not None:
            seen.append(k)
            if rng.random() < 0.6:
                d.remove(k)
        assert sorted(seen) == sorted(start)
        assert d.iterating == 0


def test_robust_iteration_visits_keys_inserted_meanwhile():
    rng = random.Random(12)
    for _ in range(300):
        d = _random_dict(rng)
        start, added, seen = set(d.hashes), set(), []
        it = RobustIteration(d)
        while (k := it.next_key()) is not None:
            seen.append(k)
            if rng.random() < 0.3:  # the table may grow; nothing remaps meanwhile
                n = 1000 + len(added)
                d.insert(n, random.Random(n).getrandbits(32))
                added.add(n)
        assert sorted(seen) == sorted(start | added)
    # (Zeek's adjustments are not exact for every mix of inserts and removals
    # of other entries -- an entry can come twice -- and the model keeps that.)


# ------------------------------------------------------------------ scripts


def run(src: str, stderr: str = "", **options) -> list[str]:
    """The stdout lines of ``src`` run with ``options``; its stderr must be ``stderr``."""
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=True, stdout=out, stderr=err, options=options)
    try:
        host.load_source(SourceFile("t.zs", src))
        host.finish_loading()
        host.run()
    finally:
        zeekorder.configure(zeek_order=False)
    assert err.getvalue() == stderr
    return out.getvalue().splitlines()


WALKS = """
global t: table[count] of string;
global s: set[string];
event zeek_init()
	{
	local i = 0;
	while ( i < 12 )
		{
		t[i * 7] = fmt("v%d", i);
		add s[fmt("k%d", i)];
		++i;
		}
	delete t[14];
	delete s["k3"];
	print "-- for k";
	for ( k in t )
		print k;
	print "-- for k, v";
	for ( k, v in t )
		print k;
	print "-- for e";
	for ( e in s )
		print e;
	print "-- print t";
	print t;
	print "-- print s";
	print s;
	print "-- to_json";
	print to_json(s);
	print "-- table_keys";
	print table_keys(t);
	print "-- copy";
	print copy(t);
	print "-- any_set_to_any_vec";
	local av = Option::any_set_to_any_vec(s);
	for ( i in av )
		print av[i];
	print "-- join_string_set";
	print join_string_set(s, ":");
	}
"""


def _sections(lines: list[str]) -> dict[str, list[str]]:
    """The lines printed under each ``-- name`` marker, without braces,
    commas and values (``[7] = v1,`` -> ``7``)."""
    out: dict[str, list[str]] = {}
    cur: list[str] = []
    for ln in lines:
        if ln.startswith("-- "):
            cur = out.setdefault(ln[3:], [])
        elif ln not in ("{", "}"):
            cur.append(ln.rstrip(",").split("]")[0].lstrip("["))
    return out


def test_without_zeek_order_tables_iterate_in_insertion_order():
    o = _sections(run(WALKS, zeek_order=False))
    keys = [str(i * 7) for i in range(12) if i != 2]
    assert o["for k"] == o["for k, v"] == o["print t"] == o["copy"] == keys
    assert (
        o["for e"]
        == o["print s"]
        == o["any_set_to_any_vec"]
        == [f"k{i}" for i in range(12) if i != 3]
    )
    assert o["join_string_set"] == [":".join(o["for e"])]


def test_zeek_order_is_the_models_order_everywhere(tmp_path):
    seed = tmp_path / "seed"
    seed.write_text(" ".join(str(n * 2654435761 % 2**32) for n in range(21)))
    o = _sections(run(WALKS, seed_file=str(seed)))
    # What Zeek's Dictionary does with the same keyed hashes and operations.
    zeekhash.set_seed(zeekhash.read_seed_file(str(seed)))
    d, e = ZeekDict(), ZeekDict()
    for i in range(12):
        d.insert(i * 7, zeekhash.hash_bytes(zeekhash.key_bytes([COUNT], i * 7)))
        e.insert(f"k{i}", zeekhash.hash_bytes(zeekhash.key_bytes([STRING], f"k{i}")))
    d.remove(14)
    e.remove("k3")
    want_t = [str(k) for k in d.order()]
    assert want_t != sorted(want_t, key=int)  # the hash order is not insertion order
    assert o["for k"] == o["for k, v"] == o["print t"] == want_t
    assert o["for e"] == o["print s"] == o["any_set_to_any_vec"] == e.order()
    assert o["join_string_set"] == [":".join(e.order())]
    assert o["to_json"] == [",".join(f'"{k}"' for k in e.order())]  # (brackets stripped)
    # table_keys and copy build new tables by inserting in the source's order.
    f = ZeekDict()
    for k in d.order():
        f.insert(k, d.hashes[k])
    assert o["table_keys"] == o["copy"] == [str(k) for k in f.order()]


EXPIRY = """
redef exit_only_after_terminate = T;
redef table_expire_interval = 10msec;
global t: set[string] &create_expire=1sec &on_change=function(s: set[string], c: TableChange, k: string)
	{
	if ( c == TABLE_ELEMENT_EXPIRED )
		print k;
	};
event fill()
	{
	local i = 0;
	while ( i < 7 )
		{
		add t[fmt("k%d", i)];
		++i;
		}
	when ( |t| == 0 )
		terminate();
	}
event zeek_init()
	{
	schedule 1sec { fill() };
	}
"""


def test_expiration_sweeps_in_the_order_of_zeeks_robust_iterator(tmp_path):
    # Zeek's sweep (TableVal::DoExpire) removes entries while its robust
    # iterator walks the table; each removal moves entries back, which the
    # iterator then visits out of slot order.
    seed = tmp_path / "seed"
    seed.write_text(" ".join(str(n * 2654435761 % 2**32) for n in range(21)))
    got = run(EXPIRY, "received termination signal\n", seed_file=str(seed))
    zeekhash.set_seed(zeekhash.read_seed_file(str(seed)))
    d = ZeekDict()
    for i in range(7):
        d.insert(f"k{i}", zeekhash.hash_bytes(zeekhash.key_bytes([STRING], f"k{i}")))
    snapshot = list(d.order())
    it, want = RobustIteration(d), []
    while (k := it.next_key()) is not None:
        want.append(k)
        d.remove(k)
    assert want != snapshot  # (so the test tells the two apart)
    assert got == want


def test_ordered_tables_keep_insertion_order_in_zeek_order(tmp_path):
    src = """
    global t: table[count] of count &ordered;
    event zeek_init()
        {
        local i = 20;
        while ( i > 0 )
            {
            t[i] = i;
            --i;
            }
        local order = "";
        for ( k in t )
            order += fmt("%d ", k);
        print order;
        print |copy(t)|;
        }
    """
    assert run(src, zeek_order=True)[0].split() == [str(i) for i in range(20, 0, -1)]


def test_environment_turns_zeek_order_on(tmp_path):
    seed = tmp_path / "seed"
    seed.write_text(" ".join(str(n) for n in range(21)))
    zeekorder.configure(environ={"ZEEK_SEED_FILE": str(seed)})
    assert zeekorder.active()
    zeekorder.configure(environ={"ZEEK_SEED_FILE": str(seed), "ZSCRIPT_ZEEK_ORDER": "0"})
    assert not zeekorder.active()
    zeekorder.configure(environ={"ZSCRIPT_ZEEK_ORDER": "1"})
    assert zeekorder.active()
    zeekorder.configure(environ={})
    assert not zeekorder.active()


# ------------------------------------------------------------------ command line


def _cli(*args: str, cwd, **env) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("ZEEK_", "ZSCRIPT"))}
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**e, **env},
    )
    assert "Traceback" not in proc.stderr
    return proc


def _elements(printed: str) -> list[str]:
    return sorted(x.strip(",") for x in printed.split() if x not in ("{", "}"))


def test_command_line_switches(tmp_path):
    (tmp_path / "seed").write_text(" ".join(str(n * 40503 % 2**32) for n in range(21)))
    (tmp_path / "t.zs").write_text(
        "global s: set[count];\n"
        "event zeek_init() { local i = 0; while ( ++i <= 12 ) add s[i * 5]; print s; }\n"
    )
    insertion = _cli("run", "standalone", "t.zs", cwd=tmp_path)
    assert insertion.returncode == 0, insertion.stderr
    with_g = _cli("run", "standalone", "-G", "seed", "t.zs", cwd=tmp_path)
    with_env = _cli("run", "standalone", "t.zs", cwd=tmp_path, ZEEK_SEED_FILE="seed")
    assert with_g.returncode == 0 and with_g.stdout == with_env.stdout
    assert _elements(with_g.stdout) == _elements(insertion.stdout)
    assert with_g.stdout != insertion.stdout
    # ZSCRIPT_ZEEK_ORDER=0 keeps insertion order with a seed file.
    off = _cli(
        "run", "standalone", "t.zs", cwd=tmp_path, ZEEK_SEED_FILE="seed", ZSCRIPT_ZEEK_ORDER="0"
    )
    assert off.stdout == insertion.stdout
    # --zeek-order without a seed: some hash order (of the same elements).
    rnd = _cli("run", "standalone", "--zeek-order", "t.zs", cwd=tmp_path)
    assert rnd.returncode == 0 and _elements(rnd.stdout) == _elements(insertion.stdout)
    bad = _cli("run", "standalone", "-G", "missing", "t.zs", cwd=tmp_path)
    assert bad.returncode == 1
    assert (
        bad.stderr == "fatal error: could not open seed file 'missing': No such file or directory\n"
    )
