"""``&backend`` tables and Broker stores: replication, persistence, expiry.

Several :class:`~zscript.host.Host` objects in one process play a cluster:
a manager (masters) and workers (clones) joined by an
:class:`~zscript.storage.transport.InProcessBus`, which delivers messages
only when the test pumps it, so the interleavings are chosen here.
"""

from __future__ import annotations

import io
import random
import sqlite3
import textwrap
import time

import pytest

from zscript.diagnostics import SourceFile
from zscript.host import Host
from zscript.storage.transport import InProcessBus

TABLES = """
global t: table[string] of count &backend=Broker::MEMORY;
global s: set[string] &backend=Broker::MEMORY;
global multi: table[string, count] of string &backend=Broker::MEMORY;

event write(key: string, n: count) { t[key] = n; add s[key]; multi[key, n] = fmt("%s-%d", key, n); }
event remove(key: string) { delete t[key]; delete s[key]; }
event wipe() { clear_table(t); }
"""

#: A table of counts and ints, whose keys and values travel as JSON numbers
#: rather than texts (see zscript/storage/codec.py); more handlers of the same
#: events.  Several writes per handler: the master answers them with one update.
NUMBERS = """
global num: table[count] of int &backend=Broker::MEMORY;

event write(key: string, n: count) { num[|key|] = -n; num[|key| + 10] = n; num[|key|] = -n - 1; }
event write_one(k: count, v: int) { num[k] = v; }
event remove(key: string) { delete num[|key|]; }
event wipe() { clear_table(num); }
"""


class Node:
    """A host started without blocking in ``run()``; events are dispatched by the test."""

    def __init__(
        self, code: str, transport=None, *, name: str = "node", start: float | None = None
    ):
        self.out, self.err = io.StringIO(), io.StringIO()
        self.host = Host(virtual_time=True, stdout=self.out, stderr=self.err)
        if start is not None:  # the virtual clock starts there, not at the wall clock's now
            self.host.loop.clock.t = start
        self.storage = self.host.subsystems["storage"]
        if transport is not None:
            self.storage.set_transport(transport)
            if hasattr(transport, "after_delivery"):
                # As the host's event loop does after I/O callbacks.
                transport.after_delivery = self.host.loop.queue.run_after_handlers
        self.host.load_source(SourceFile(f"{name}.zs", textwrap.dedent(code)))
        self.host.finish_loading()
        for cb in self.host.on_start:
            cb()
        self.host.loop.start(self.host.global_statements)

    def event(self, name: str, *args) -> None:
        assert self.host.raise_event(name, args), name
        self.host.loop.drain()

    def value(self, name: str):
        return self.host.global_value(name)

    def advance(self, seconds: float) -> None:
        loop = self.host.loop
        loop.clock.advance_to(loop.network_time + seconds)
        loop.update_time()
        loop.timers.expire(loop.network_time)
        loop.drain()

    def stop(self) -> None:
        self.host.loop.shutdown()
        self.storage.close()


def cluster(code: str, workers: int = 2):
    # One start for every node's virtual clock, as if their clocks agreed:
    # made one after the other, each would start at its own wall-clock time
    # (seconds apart on a busy machine), and expiry times set by one node
    # would be compared against another's later clock.
    bus = InProcessBus()
    t0 = time.time()
    manager = Node(code, bus.endpoint(is_master=True), name="manager", start=t0)
    ws = [
        Node(code, bus.endpoint(is_master=False), name=f"worker-{i + 1}", start=t0)
        for i in range(workers)
    ]
    bus.pump()
    return bus, manager, ws


def contents(node: Node) -> tuple:
    return (dict(node.value("t")), set(node.value("s")), dict(node.value("multi")))


@pytest.mark.parametrize("seed", range(8))
def test_concurrent_writes_converge(seed):
    rng = random.Random(seed)
    bus, manager, workers = cluster(TABLES + NUMBERS)
    keys = ["hot", "warm", "a", "b"]
    for step in range(200):
        node = rng.choice(workers) if rng.random() < 0.85 else manager
        key = rng.choice(keys)
        r = rng.random()
        if r < 0.75:
            node.event("write", key, step)
        elif r < 0.97:
            node.event("remove", key)
        else:
            node.event("wipe")
        if rng.random() < 0.3:
            bus.pump(limit=rng.randint(0, 5))
    bus.pump()
    final = contents(manager)
    assert final[0], "the test should leave some data"
    for w in workers:
        assert contents(w) == final
        assert dict(w.value("num")) == dict(manager.value("num"))
    # The master's store and its table are one and the same.
    store = manager.storage.tables.bound["___sync_store_t"][1]
    assert store.data is manager.value("t")


def test_writes_and_other_changes_in_one_handler_keep_their_order():
    """A clone forwards its table writes when the handler returns, but a
    delete or clear made between them still reaches the master in between:
    the master's ``&on_change`` sees the changes in the order they were made."""
    code = """
    global changes: vector of string;
    function changed(tbl: table[string] of count, tpe: TableChange, k: string, v: count) {
        changes += fmt("%s %s %d", tpe, k, v);
    }
    global t: table[string] of count &backend=Broker::MEMORY &on_change=changed;
    global s: set[string] &backend=Broker::MEMORY;
    event mixed() {
        t["a"] = 1; t["b"] = 1; add s["a"];
        delete t["a"]; delete s["a"];
        t["a"] = 2; t["c"] = 3;
        clear_table(t);
        t["d"] = 4; t["a"] = 5; t["d"] = 6; add s["x"];
    }
    """
    bus, manager, (w1, w2) = cluster(code)
    w1.event("mixed")
    assert dict(w1.value("t")) == {"d": 6, "a": 5}
    bus.pump()
    for node in (manager, w1, w2):
        assert dict(node.value("t")) == {"d": 6, "a": 5}
        assert set(node.value("s")) == {"x"}
    assert list(manager.value("changes")) == [
        "TABLE_ELEMENT_NEW a 1",
        "TABLE_ELEMENT_NEW b 1",
        "TABLE_ELEMENT_REMOVED a 1",
        "TABLE_ELEMENT_NEW a 2",
        "TABLE_ELEMENT_NEW c 3",
        "TABLE_ELEMENT_REMOVED b 1",
        "TABLE_ELEMENT_REMOVED a 2",
        "TABLE_ELEMENT_REMOVED c 3",
        "TABLE_ELEMENT_NEW d 4",
        "TABLE_ELEMENT_NEW a 5",
        "TABLE_ELEMENT_CHANGED d 4",
    ]
    # Every write was confirmed: nothing waits on the clone.
    store = w1.storage.tables.bound["___sync_store_t"][1]
    assert not store.unconfirmed and not store.pending and not store._newest


def test_last_write_applied_by_the_master_wins():
    bus, manager, (w1, w2) = cluster(TABLES)
    w1.event("write", "k", 1)
    w2.event("write", "k", 2)
    # Each worker reads its own write until the master's updates arrive.
    assert (w1.value("t")["k"], w2.value("t")["k"]) == (1, 2)
    bus.pump()
    # The master received w1's write first, then w2's: 2 wins everywhere.
    assert [n.value("t")["k"] for n in (manager, w1, w2)] == [2, 2, 2]
    # w1's copy held its write when the master's update for it came: not
    # applied again.  w2's write was hidden by w1's update meanwhile: its
    # echo had to be applied.
    skipped = [n.storage.tables.bound["___sync_store_t"][1].echoes_skipped for n in (w1, w2)]
    assert skipped == [1, 0]


@pytest.mark.parametrize("other", ["manager", "w2 before", "w2 after"])
@pytest.mark.parametrize("event", ["write", "write_one"])
def test_a_count_key_hidden_by_another_nodes_write_takes_the_echo_again(other, event):
    """Count keys travel as numbers: the master's update for its own write
    (or another clone's) and the echo of this clone's write name the key
    alike, so the clone sees that the other write hid its own and applies
    the echo when the master applied this clone's write last."""
    bus, manager, (w1, w2) = cluster(TABLES + NUMBERS)
    # Three writes per handler (answered with one update), or one.
    args = {"write": (("abc", 1), ("xyz", 2)), "write_one": ((3, -2), (3, -3))}[event]
    if other == "w2 before":  # reaches the master first: w1's write wins
        w2.event(event, *args[1])  # num[3] = -3
    w1.event(event, *args[0])  # num[3] = -2, not at the master yet
    if other == "manager":  # applied at once, before w1's write: w1's wins
        manager.event(event, *args[1])
    elif other == "w2 after":
        w2.event(event, *args[1])
    bus.pump()
    final = manager.value("num")[3]
    assert final == (-3 if other == "w2 after" else -2)
    assert [n.value("num")[3] for n in (w1, w2)] == [final, final]


def test_the_masters_update_for_a_run_of_writes_keeps_the_newest_of_each_key():
    """A worker writes num[3] twice in one handler: the master answers the
    run with one update, and the older write's part of it does not undo the
    newer one on that worker (nor does the worker apply what it holds)."""
    bus, manager, (w1, w2) = cluster(TABLES + NUMBERS)
    w1.event("write", "abc", 1)  # num[3] = -1; num[13] = 1; num[3] = -2
    bus.pump()
    for n in (manager, w1, w2):
        assert dict(n.value("num")) == {3: -2, 13: 1}
    store = w1.storage.tables.bound["___sync_store_num"][1]
    assert store.echoes_skipped == 2 and not store.unconfirmed


def test_a_clones_newer_write_is_not_undone_by_the_echo_of_an_older_one():
    """A worker adds a key and deletes it before the master's updates come
    back: the update for the add must not bring it back there (no second
    NEW/REMOVED pair for its &on_change), and everybody ends without it."""
    code = """
        function changed(tbl: table[string, count] of count, tpe: TableChange, k0: string, k1: count, v: count) {
            print tpe, k0, k1, v;
        }
        global t: table[string, count] of count &backend=Broker::MEMORY &on_change=changed;
        event fill() { t["a", 1] = 12; t["b", 2] = 23; }
        event drop() { delete t["b", 2]; }
    """
    bus, manager, (w1, w2) = cluster(code)
    w1.event("fill")
    w1.event("drop")
    bus.pump()
    assert w1.out.getvalue().splitlines() == [
        "TABLE_ELEMENT_NEW, a, 1, 12",
        "TABLE_ELEMENT_NEW, b, 2, 23",
        "TABLE_ELEMENT_REMOVED, b, 2, 23",
    ]
    assert w2.out.getvalue() == manager.out.getvalue() == w1.out.getvalue()
    for n in (manager, w1, w2):
        assert dict(n.value("t")) == {("a", 1): 12}


def test_a_clones_clear_overtaken_by_its_newer_write_still_clears_the_rest():
    """A worker clears the table and writes again before the master's updates
    come back, while another worker's write reached the master before the
    clear: that write arrives at the first worker after its clear, and the
    update for the clear must still remove it there (it kept it, and its
    copy differed for good, in 38 of 300 random runs of the test above)."""
    bus, manager, (w1, w2) = cluster(TABLES)
    w1.event("write", "a", 1)
    bus.pump()
    w2.event("write", "hot", 2)
    w1.event("wipe")
    w1.event("write", "b", 3)
    bus.pump()
    final = contents(manager)
    assert final[0] == {"b": 3}
    assert contents(w1) == contents(w2) == final


def test_late_clone_gets_a_snapshot_and_gaps_resync():
    bus, manager, (w1,) = cluster(TABLES, workers=1)
    for i in range(5):
        manager.event("write", f"k{i}", i)
    bus.pump()
    late = Node(TABLES, bus.endpoint(is_master=False), name="late")
    bus.pump()
    assert contents(late) == contents(manager)
    # Lose an update on its way to the clones: the next one reveals the gap.
    manager.event("write", "lost", 1)
    bus._queue.clear()
    manager.event("write", "after", 2)
    bus.pump()
    assert contents(w1) == contents(manager) == contents(late)
    assert w1.value("t")["lost"] == 1


def test_master_restart_clones_follow_the_new_master():
    bus, manager, (w1,) = cluster(TABLES, workers=1)
    w1.event("write", "old", 1)
    bus.pump()
    manager.stop()
    bus._endpoints.remove(manager.storage.transport)
    new_manager = Node(TABLES, bus.endpoint(is_master=True), name="manager2")
    bus.pump()
    # A MEMORY master starts empty: the clone converges to it.
    assert dict(w1.value("t")) == {} == dict(new_manager.value("t"))
    w1.event("write", "new", 2)
    bus.pump()
    assert dict(new_manager.value("t")) == {"new": 2} == dict(w1.value("t"))


def test_on_change_and_expiry_reach_the_clones():
    code = """
        redef table_expire_interval = 1sec;
        function changed(tbl: table[string] of count, tpe: TableChange, k: string, v: count) {
            print tpe, k, v;
        }
        global t: table[string] of count &backend=Broker::MEMORY &write_expire=3sec &on_change=changed;
        event write(key: string, n: count) { t[key] = n; }
    """
    bus, manager, (w1,) = cluster(code, workers=1)
    w1.event("write", "k", 1)
    bus.pump()
    manager.event("write", "k", 2)
    bus.pump()
    for _ in range(5):
        manager.advance(1.0)
        w1.advance(1.0)
        bus.pump()
    assert dict(manager.value("t")) == {} == dict(w1.value("t"))
    assert w1.out.getvalue().splitlines() == [
        "TABLE_ELEMENT_NEW, k, 1",
        "TABLE_ELEMENT_CHANGED, k, 1",
        "TABLE_ELEMENT_EXPIRED, k, 2",
    ]
    assert manager.out.getvalue().splitlines() == [
        "TABLE_ELEMENT_NEW, k, 1",
        "TABLE_ELEMENT_CHANGED, k, 1",
        "TABLE_ELEMENT_EXPIRED, k, 2",
    ]


def test_create_expire_counts_from_the_first_write():
    code = """
        redef table_expire_interval = 1sec;
        global t: table[string] of count &backend=Broker::MEMORY &create_expire=3sec;
        event write(key: string, n: count) { t[key] = n; }
    """
    node = Node(code)
    node.event("write", "k", 1)
    node.advance(2.0)
    node.event("write", "k", 2)  # does not restart the clock
    node.advance(1.5)
    assert dict(node.value("t")) == {}


def test_copies_and_locals_are_plain_tables():
    code = """
        global t: table[string] of count &backend=Broker::MEMORY;
        global c: table[string] of count;
        event write() { t["a"] = 1; c = copy(t); c["b"] = 2; }
    """
    bus, manager, (w1,) = cluster(code, workers=1)
    w1.event("write")
    bus.pump()
    assert dict(manager.value("t")) == {"a": 1}
    assert dict(w1.value("c")) == {"a": 1, "b": 2}


# ------------------------------------------------------------ persistence

PERSIST = """
@load base/frameworks/broker
redef Broker::table_store_db_directory = "{dir}";
global t: table[string] of count &default=0 &backend=Broker::SQLITE;
global s: set[addr] &backend=Broker::SQLITE;
global r: table[count] of record {{ a: count; b: vector of string; }} &broker_allow_complex_type &backend=Broker::SQLITE;
global init: table[string] of count = {{ ["init"] = 100 }} &backend=Broker::SQLITE;

event zeek_init() {{
    print "start", t, |s|, |r|, init;
    t["runs"] += 1;
    add s[1.2.3.4];
    r[|r|] = [$a=|r|, $b=vector("x")];
    init["init"] += 1;
}}
"""


def run_once(directory) -> str:
    out = io.StringIO()
    host = Host(virtual_time=True, stdout=out)
    host.load_source(SourceFile("p.zs", PERSIST.format(dir=directory)))
    host.finish_loading()
    assert host.run() == 0
    host.subsystems["storage"].close()
    return out.getvalue()


def test_sqlite_tables_survive_restarts(tmp_path):
    first = run_once(tmp_path)
    assert first.splitlines()[0] == "start, {"
    second = run_once(tmp_path)
    third = run_once(tmp_path)
    assert "[runs] = 1" in second and "[runs] = 2" in third
    assert "[init] = 101" in second and "[init] = 102" in third
    assert ", 1, 1, {" in second and ", 1, 2, {" in third
    db = sqlite3.connect(tmp_path / "___sync_store_t.sqlite")
    assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    assert db.execute("select key_str, value_str from store").fetchall() == [(b'"runs"', b"3")]


def test_sqlite_table_in_a_missing_directory_is_reported(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=True, stdout=out, stderr=err)
    code = PERSIST.format(dir=tmp_path / "missing")
    host.load_source(SourceFile("p.zs", code))
    host.finish_loading()
    # As Zeek (an error while the stores are attached, before zeek_init):
    # the process does not start rather than run without its persistence.
    assert host.run() == 1
    assert "cannot open the store of t at" in err.getvalue()
    assert "unable to open database file" in err.getvalue()
    assert "start" not in out.getvalue()


# ----------------------------------------------------------- Broker stores

STORES = """
@load base/frameworks/broker
global h: opaque of Broker::Store;
global role = "";

event setup(master: bool) {
    h = master ? Broker::create_master("shared") : Broker::create_clone("shared");
}

event do_put(k: string, v: count) { Broker::put(h, k, v); }
event do_put_expiring(k: string, v: count) { Broker::put(h, k, v, 2sec); }
event do_incr(k: string) { Broker::increment(h, k, 1); }
event do_erase(k: string) { Broker::erase(h, k); }

event query(k: string) {
    when [k] ( local r = Broker::get(h, k) ) {
        if ( r$status == Broker::SUCCESS )
            print "get", k, r$result as count;
        else
            print "get", k, "missing";
    } timeout 1sec { print "timeout"; }
    when [k] ( local e = Broker::exists(h, k) ) {
        print "exists", k, e$result as bool;
    } timeout 1sec { print "timeout"; }
}

event list() {
    when ( local r = Broker::keys(h) ) {
        print "keys", r$result as set[string];
    } timeout 1sec { print "timeout"; }
}

event unique(k: string, v: count) {
    when [k, v] ( local r = Broker::put_unique(h, k, v) ) {
        print "put_unique", k, r$result as bool;
    } timeout 5sec { print "put_unique timeout"; }
}
"""


def stores_cluster():
    bus = InProcessBus()
    t0 = time.time()  # one start for every clock (see cluster())
    manager = Node(STORES, bus.endpoint(is_master=True), name="manager", start=t0)
    workers = [Node(STORES, bus.endpoint(is_master=False), name=f"w{i}", start=t0) for i in (1, 2)]
    manager.event("setup", True)
    for w in workers:
        w.event("setup", False)
    bus.pump()
    return bus, manager, workers


def test_broker_store_master_and_clones():
    bus, manager, (w1, w2) = stores_cluster()
    w1.event("do_put", "a", 1)
    # A clone sees its write once the master has applied it (as in Broker).
    w1.event("query", "a")
    bus.pump()
    w1.event("query", "a")
    w2.event("query", "a")
    for _ in range(10):
        w1.event("do_incr", "n")
        w2.event("do_incr", "n")
    bus.pump()
    manager.event("query", "n")
    w2.event("list")
    assert w1.out.getvalue().splitlines() == [
        "get, a, missing",
        "exists, a, F",
        "get, a, 1",
        "exists, a, T",
    ]
    # Increments run on the master: none is lost.
    assert manager.out.getvalue().splitlines() == ["get, n, 20", "exists, n, T"]
    assert w2.out.getvalue().splitlines()[-4:] == ["keys, {", "a,", "n", "}"]
    assert sorted(w2.value("h").store.data) == ['string|"a"', 'string|"n"']


def test_broker_store_put_unique_on_a_clone_waits_for_the_master():
    bus, manager, (w1, w2) = stores_cluster()
    w1.event("unique", "u", 1)
    w2.event("unique", "u", 2)
    assert w1.out.getvalue() == ""  # the master decides
    bus.pump()
    for w in (w1, w2):
        w.host.loop.drain()
    assert w1.out.getvalue() == "put_unique, u, T\n"
    assert w2.out.getvalue() == "put_unique, u, F\n"


def test_broker_store_expiry():
    bus, manager, (w1, _w2) = stores_cluster()
    manager.event("do_put_expiring", "e", 7)
    bus.pump()
    w1.event("query", "e")
    for _ in range(3):
        manager.advance(1.0)
        w1.advance(1.0)
        bus.pump()
    w1.event("query", "e")
    assert w1.out.getvalue().splitlines() == [
        "get, e, 7",
        "exists, e, T",
        "get, e, missing",
        "exists, e, F",
    ]


def test_broker_sqlite_master_persists(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = """
        @load base/frameworks/broker
        global h: opaque of Broker::Store;
        event zeek_init() {
            h = Broker::create_master("persist", Broker::SQLITE);
            when ( local r = Broker::get(h, "runs") ) {
                local n = r$status == Broker::SUCCESS ? (r$result as count) : 0;
                print "runs", n;
                Broker::put(h, "runs", n + 1);
            } timeout 1sec { print "timeout"; }
        }
    """
    outputs = []
    for _ in range(3):
        out = io.StringIO()
        host = Host(virtual_time=True, stdout=out)
        host.load_source(SourceFile("b.zs", textwrap.dedent(code)))
        host.finish_loading()
        host.run()
        host.subsystems["storage"].close()
        outputs.append(out.getvalue())
    assert outputs == ["runs, 0\n", "runs, 1\n", "runs, 2\n"]
    assert (tmp_path / "persist.sqlite").exists()


def test_cluster_with_sqlite_master_survives_a_full_restart(tmp_path):
    code = f"""
        @load base/frameworks/broker
        redef Broker::table_store_db_directory = "{tmp_path}";
        global t: table[string] of count &backend=Broker::SQLITE;
        event write(key: string, n: count) {{ t[key] = n; }}
    """
    bus, manager, (w1, w2) = cluster(code)
    w1.event("write", "from-w1", 1)
    w2.event("write", "from-w2", 2)
    w2.event("write", "from-w1", 3)
    bus.pump()
    expected = {"from-w1": 3, "from-w2": 2}
    assert dict(manager.value("t")) == expected
    for n in (manager, w1, w2):
        n.stop()
    # Only the master writes the file; everyone gets the data back from it.
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".sqlite") == [
        "___sync_store_t.sqlite"
    ]
    bus2, manager2, workers2 = cluster(code)
    for n in (manager2, *workers2):
        assert dict(n.value("t")) == expected


def test_backend_globals_are_named_when_built(monkeypatch):
    from zscript.storage.install import StorageSubsystem

    def no_scan(self, classes):
        raise AssertionError("the globals were searched")

    monkeypatch.setattr(StorageSubsystem, "global_names", no_scan)
    code = """
        module Test;
        export { global t: table[string] of count &backend=Broker::MEMORY; }
        global s: set[string] &backend=Broker::MEMORY;
        global u: table[count] of string = table([1] = "one") &backend=Broker::MEMORY;
    """
    node = Node(code)
    bound = node.storage.tables.bound
    assert sorted(bound) == [
        "___sync_store_Test::s",
        "___sync_store_Test::t",
        "___sync_store_Test::u",
    ]
    assert bound["___sync_store_Test::u"][0] is node.value("Test::u")


def test_whole_table_assignment_keeps_the_backend():
    code = """
        global t: table[string] of count &backend=Broker::MEMORY &default=7;
        global s: set[string] &backend=Broker::MEMORY;
        event write(key: string, n: count) { t[key] = n; add s[key]; }
        event replace() { t = table(["x"] = 1, ["y"] = 2); s = set("p"); }
        event show() { print t["nope"], |t|, |s|; }
    """
    bus, manager, (w1, w2) = cluster(code)
    manager.event("write", "old", 1)
    bus.pump()
    w1.event("replace")
    table_before = w1.value("t")
    bus.pump()
    # The global still holds the replicated table (with its &default) ...
    assert w1.value("t") is table_before and w1.value("t").zstore is not None
    # ... whose new contents reached every node.
    for node in (manager, w1, w2):
        assert dict(node.value("t")) == {"x": 1, "y": 2}
        assert set(node.value("s")) == {"p"}
    w2.event("show")
    assert w2.out.getvalue().splitlines() == ["7, 2, 1"]
    store = manager.storage.tables.bound["___sync_store_t"][1]
    assert store.data is manager.value("t")


def test_heartbeats_reveal_lost_updates():
    bus = InProcessBus()
    endpoints = [bus.endpoint(is_master=True), bus.endpoint(is_master=False)]
    for ep in endpoints:
        ep.heartbeat = 1.0  # as the cluster's transport
    manager = Node(TABLES, endpoints[0], name="manager")
    w1 = Node(TABLES, endpoints[1], name="worker-1")
    bus.pump()
    manager.event("write", "k", 1)
    bus._queue.clear()  # the last update of a burst is lost: no later one reveals it
    assert "k" not in w1.value("t")
    manager.advance(1.0)  # the master's heartbeat
    bus.pump()
    assert contents(w1) == contents(manager)
    assert w1.value("t")["k"] == 1


RESYNC_TOLD = (
    TABLES
    + """
event Broker::store_resync(store_name: string, reason: string)
    { print fmt("resync %s %s", store_name, reason); }
"""
)


def test_an_overflowing_send_queue_resyncs_and_tells_the_scripts():
    """A clone whose queue of unsent store messages overflows (its writes
    dropped) resynchronizes and sends its writes again: nothing diverges,
    nothing it wrote is lost, and its scripts get ``Broker::store_resync``."""
    bus = InProcessBus()
    manager = Node(RESYNC_TOLD, bus.endpoint(is_master=True), name="manager")
    ep = bus.endpoint(is_master=False, max_queued=1)
    w1 = Node(RESYNC_TOLD, ep, name="worker-1")
    bus.pump()
    for i in range(3):
        w1.event("write", f"k{i}", i)  # one message per handler; two are dropped
    assert ep.dropped >= 2
    assert w1.out.getvalue().count("resync ___sync_store_t overflow") == 1
    for _ in range(5):
        bus.pump()
        w1.advance(1.0)
        manager.advance(1.0)
    assert contents(w1) == contents(manager)
    assert dict(manager.value("t")) == {"k0": 0, "k1": 1, "k2": 2}
    assert "resync" not in manager.out.getvalue()


def test_lost_updates_raise_store_resync_and_the_copies_agree():
    bus = InProcessBus()
    endpoints = [bus.endpoint(is_master=True), bus.endpoint(is_master=False)]
    manager = Node(RESYNC_TOLD, endpoints[0], name="manager")
    w1 = Node(RESYNC_TOLD, endpoints[1], name="worker-1")
    bus.pump()
    manager.event("write", "lost", 1)
    bus._queue.clear()  # lost on the way
    manager.event("write", "after", 2)
    bus.pump()
    assert contents(w1) == contents(manager)
    assert w1.value("t") == {"lost": 1, "after": 2}
    w1.advance(0.0)  # the event loop runs the event raised while receiving
    # Each of the three tables lost the update "write" made to it.
    assert sorted(w1.out.getvalue().splitlines()) == [
        f"resync ___sync_store_{name} gap" for name in ("multi", "s", "t")
    ]
