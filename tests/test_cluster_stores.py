"""``Cluster::create_store``: one master, clones everywhere else.

A manager and a worker (ZeroMQ, ports free at run time) both create the
store "shared": the manager gets the master, the worker a clone, and a value
the manager puts reaches the clone.  Outside a cluster the process holds the
master; ``Cluster::stores`` entries choose a store's backend in advance.
"""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """\
global st: Cluster::StoreInfo;

event zeek_init()
	{
	st = Cluster::create_store("shared");
	print "created", Cluster::node, st$master, st$master_node;
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() == Cluster::MANAGER )
		Broker::put(st$store, "k", 7);
	}

event poll()
	{
	when [] ( local r = Broker::get(st$store, "k") )
		{
		if ( r$status == Broker::SUCCESS )
			print "worker got", r$result as count;
		else
			schedule 0.2sec { poll() };
		}
	timeout 1sec { schedule 0.2sec { poll() }; }
	}

event Cluster::node_up(name: string, id: string)
	{
	if ( Cluster::local_node_type() == Cluster::WORKER )
		event poll();
	}
"""


def test_master_on_the_manager_and_a_clone_on_the_worker(local_cluster, tmp_path):
    script = tmp_path / "stores.zs"
    script.write_text(SCRIPT)
    c = local_cluster({"manager": "manager", "worker-1": "worker"})
    c.start_all([script])
    c.wait_for("manager", r"created, manager, T, manager")
    c.wait_for("worker-1", r"created, worker-1, F, manager")
    c.wait_for("worker-1", r"worker got, 7")


STANDALONE = """\
redef Cluster::stores += { ["kept"] = [$backend=Broker::SQLITE] };

event zeek_init()
	{
	local a = Cluster::create_store("plain");
	print a$name, a$master, a$backend;
	local b = Cluster::create_store("kept");
	print b$name, b$master, b$backend;
	local p = Cluster::create_store("durable", T);
	print p$name, p$backend;
	Cluster::create_store("plain");
	}
"""


def test_standalone_stores(tmp_path):
    (tmp_path / "s.zs").write_text(STANDALONE)
    res = subprocess.run(
        [sys.executable, "-m", "zscript", "run", "--bare", "s.zs"],
        cwd=tmp_path,
        env=dict(os.environ, ZSCRIPT_ERROR_FORMAT="zeek"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.stdout.splitlines() == [
        "plain, T, Broker::MEMORY",
        "kept, T, Broker::SQLITE",
        "durable, Broker::SQLITE",
    ], res.stderr
    assert "duplicate cluster store creation for plain" in res.stderr
    assert (tmp_path / "kept.sqlite").exists() and (tmp_path / "durable.sqlite").exists()
