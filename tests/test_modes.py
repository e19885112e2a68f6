"""Zeek's load modes, the script search path and the node name, through the
real command line.

* ``zscript run`` loads ``base/init-bare`` and ``base/init-frameworks-and-bifs``,
  then ``base/init-default`` unless ``--bare``/``-b`` (``zscript check`` and
  ``zscript repl`` too).
* ``@load`` searches ``ZSCRIPTPATH`` then ``ZEEKPATH`` (``.`` entries are the
  current directory), then the library and its ``policy/`` directory.
* ``zscript run [NODE] FILE...``: NODE on the command line, else
  ``CLUSTER_NODE``, else ``standalone``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess:
    full = dict(os.environ, TZ="UTC", LC_ALL="C")
    for var in ("ZSCRIPTPATH", "ZEEKPATH", "CLUSTER_NODE", "ZSCRIPT_VIRTUAL_TIME"):
        full.pop(var, None)
    full.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=full,
        input=stdin,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def write(d: Path, name: str, text: str) -> Path:
    p = d / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------- modes

#: Uses the frameworks of init-frameworks-and-bifs (no @load) and tells
#: whether init-default's storage framework is there.
FRAMEWORKS = """\
module Demo;
export {
	redef enum Log::ID += { LOG };
	type Info: record { n: count &log; };
}
event zeek_init()
	{
	print Log::create_stream(LOG, [$columns=Info, $path="demo"]);
	print Cluster::is_enabled(), Cluster::local_node_type();
	local opts = Cluster::WebSocketServerOptions($listen_addr=127.0.0.1, $listen_port=1/tcp);
	print opts$listen_port;
@ifdef ( Storage::Sync::open_backend )
	print "init-default";
@else
	print "bare";
@endif
	}
"""


@pytest.mark.parametrize("bare_flag", ["--bare", "-b"])
def test_bare_mode_loads_the_frameworks_only(tmp_path, bare_flag):
    write(tmp_path, "f.zs", FRAMEWORKS)
    proc = run("run", bare_flag, "f.zs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "T\nF, Cluster::NONE\n1/tcp\nbare\n"
    assert proc.stderr == ""


def test_default_mode_loads_init_default(tmp_path):
    write(tmp_path, "f.zs", FRAMEWORKS)
    proc = run("run", "f.zs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "T\nF, Cluster::NONE\n1/tcp\ninit-default\n"
    assert proc.stderr == ""


def test_check_takes_the_mode(tmp_path):
    write(tmp_path, "s.zs", "global f = Storage::Sync::open_backend;\n")
    assert run("check", "s.zs", cwd=tmp_path).returncode == 0
    proc = run("check", "--bare", "s.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert "unknown identifier 'Storage::Sync::open_backend'" in proc.stderr


def test_repl_takes_the_mode(tmp_path):
    code = "print Storage::STORAGE_BACKEND_SQLITE;\n"
    proc = run("repl", cwd=tmp_path, stdin=code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Storage::STORAGE_BACKEND_SQLITE\n"
    proc = run("repl", "--bare", cwd=tmp_path, stdin=code)
    assert "unknown identifier 'Storage::STORAGE_BACKEND_SQLITE'" in proc.stderr


def test_help_lists_bare(tmp_path):
    # Zeek's test harness passes `-b` on as `--bare` when `run --help` offers it.
    assert "--bare" in run("run", "--help", cwd=tmp_path).stdout


# ------------------------------------------------------------- search path

LIB = 'event zeek_init() { print "lib from %s"; }\n'


def test_zeekpath_is_searched(tmp_path):
    write(tmp_path / "zp", "mylib.zeek", LIB % "ZEEKPATH")
    write(tmp_path / "work", "main.zs", "@load mylib\n")
    env = {"ZEEKPATH": f"/nonexistent{os.pathsep}{tmp_path / 'zp'}"}
    proc = run("run", "-b", "main.zs", cwd=tmp_path / "work", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "lib from ZEEKPATH\n"


def test_zscriptpath_comes_before_zeekpath(tmp_path):
    write(tmp_path / "zp", "mylib.zs", LIB % "ZEEKPATH")
    write(tmp_path / "zsp", "mylib.zs", LIB % "ZSCRIPTPATH")
    write(tmp_path / "work", "main.zs", "@load mylib\n")
    env = {"ZEEKPATH": str(tmp_path / "zp"), "ZSCRIPTPATH": str(tmp_path / "zsp")}
    proc = run("run", "-b", "main.zs", cwd=tmp_path / "work", env=env)
    assert proc.stdout == "lib from ZSCRIPTPATH\n", proc.stderr


def test_zeekpath_dot_is_the_current_directory(tmp_path):
    # The loading script lives elsewhere; "sub/mylib" is found below the
    # current directory through the "." entry (and the current directory).
    write(tmp_path / "work" / "sub", "mylib.zeek", LIB % "dot")
    write(tmp_path / "scripts", "main.zs", "@load sub/mylib\n")
    proc = run(
        "run",
        "-b",
        str(tmp_path / "scripts" / "main.zs"),
        cwd=tmp_path / "work",
        env={"ZEEKPATH": "."},
    )
    assert proc.stdout == "lib from dot\n", proc.stderr


def test_dot_load_is_relative_to_the_loading_file_only(tmp_path):
    write(tmp_path / "work", "mylib.zs", LIB % "cwd")
    write(tmp_path / "scripts", "main.zs", "@load ./mylib\n")
    proc = run(
        "run",
        "-b",
        str(tmp_path / "scripts" / "main.zs"),
        cwd=tmp_path / "work",
        env={"ZEEKPATH": "."},
    )
    assert proc.returncode == 1
    assert "can't find ./mylib" in proc.stderr


def test_policy_directory_is_on_the_path(tmp_path):
    # Zeek's default path has <scripts>/policy: "frameworks/..." finds policy scripts.
    write(
        tmp_path,
        "main.zs",
        "@load frameworks/storage/backend/sqlite\nprint Storage::Backend::SQLite::Options;\n",
    )
    proc = run("run", "main.zs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_script_argument_found_on_zeekpath(tmp_path):
    write(tmp_path / "zp", "tool.zeek", 'print "tool";\n')
    proc = run("run", "-b", "tool", cwd=tmp_path, env={"ZEEKPATH": str(tmp_path / "zp")})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "tool\n"


# ---------------------------------------------------------------- node name

NODE = """\
event zeek_init() &priority=1000
	{
	print Cluster::node, Cluster::local_node_type();
	exit(0);
	}
"""


def test_node_name_from_cluster_node(tmp_path):
    # exit(0) before the backend's zeek_init: nothing is bound or connected.
    write(tmp_path, "n.zs", NODE)
    proc = run("run", "-b", "n.zs", cwd=tmp_path, env={"CLUSTER_NODE": "worker-1"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "worker-1, Cluster::WORKER\n"


def test_command_line_node_wins_over_cluster_node(tmp_path):
    write(tmp_path, "n.zs", NODE)
    env = {"CLUSTER_NODE": "worker-1"}
    proc = run("run", "-b", "proxy-1", "n.zs", cwd=tmp_path, env=env)
    assert proc.stdout == "proxy-1, Cluster::PROXY\n", proc.stderr
    proc = run("run", "-b", "standalone", "n.zs", cwd=tmp_path, env=env)
    assert proc.stdout == ", Cluster::NONE\n", proc.stderr


@pytest.mark.parametrize("env", [{}, {"CLUSTER_NODE": ""}])
def test_no_node_is_standalone(tmp_path, env):
    write(tmp_path, "n.zs", NODE)
    proc = run("run", "-b", "n.zs", cwd=tmp_path, env=env)
    assert proc.stdout == ", Cluster::NONE\n", proc.stderr


def test_unknown_node_from_the_environment_is_an_error(tmp_path):
    write(tmp_path, "n.zs", NODE)
    proc = run("run", "-b", "n.zs", cwd=tmp_path, env={"CLUSTER_NODE": "nope"})
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "'nope' is not a node of the cluster layout" in proc.stderr


@pytest.mark.parametrize(
    "args, files",
    [
        (["n.zs"], "script"),
        (["n"], "script"),  # a file without suffix in the current directory
        (["sub/n2"], "script"),  # a path
        (["worker-1", "n.zs"], "node"),
        (["standalone", "n.zs"], "node"),
        (["missing.zs"], "missing"),
    ],
)
def test_first_argument_is_node_unless_it_names_a_script(tmp_path, args, files):
    write(tmp_path, "n.zs", NODE)
    write(tmp_path, "n", NODE)
    write(tmp_path / "sub", "n2.zs", NODE)
    proc = run("run", "-b", *args, cwd=tmp_path)
    if files == "missing":
        assert proc.returncode == 1
        assert proc.stderr.strip() == "error: can't find missing.zs"
        return
    assert proc.returncode == 0, proc.stderr
    expect = "worker-1, Cluster::WORKER\n" if args[0] == "worker-1" else ", Cluster::NONE\n"
    assert proc.stdout == expect


def test_a_directory_named_like_the_node_is_not_a_script(tmp_path):
    # The supervisor's run directory holds one directory per node.
    (tmp_path / "worker-1").mkdir()
    write(tmp_path, "n.zs", NODE)
    proc = run("run", "-b", "worker-1", "n.zs", cwd=tmp_path)
    assert proc.stdout == "worker-1, Cluster::WORKER\n", proc.stderr


@pytest.mark.parametrize("layout", [False, True])
def test_a_script_named_like_the_node_still_runs_as_that_node(tmp_path, layout):
    """``zscript run manager manager.zs`` is the manager running manager.zs,
    with the default layout or a layout file naming the node; alone,
    ``manager`` still names the script."""
    write(tmp_path, "manager.zs", NODE)
    write(tmp_path, "worker-1.zs", NODE)
    extra = []
    if layout:
        write(tmp_path, "l.toml", '[nodes.boss]\ntype = "manager"\nport = 1\n')
        write(tmp_path, "boss.zs", NODE)
        extra = ["--layout", "l.toml"]
        proc = run("run", "-b", "boss", "boss.zs", *extra, cwd=tmp_path)
        assert proc.stdout == "boss, Cluster::MANAGER\n", proc.stderr
        # Not a node of this layout: both words are scripts.
        proc = run("run", "-b", "worker-1", "manager.zs", *extra, cwd=tmp_path)
        assert proc.stdout == ", Cluster::NONE\n", proc.stderr
        return
    proc = run("run", "-b", "manager", "manager.zs", cwd=tmp_path)
    assert proc.stdout == "manager, Cluster::MANAGER\n", proc.stderr
    proc = run("run", "-b", "worker-1", "worker-1.zs", cwd=tmp_path)
    assert proc.stdout == "worker-1, Cluster::WORKER\n", proc.stderr
    proc = run("run", "-b", "manager", cwd=tmp_path)
    assert proc.stdout == ", Cluster::NONE\n", proc.stderr


def test_cluster_command_listed_without_importing_it():
    """`zscript run` does not build the cluster command's parser (start-up
    time), yet `zscript --help` describes it the same way."""
    from zscript.cli import build_parser

    light = build_parser(cluster=False).format_help()
    full = build_parser(cluster=True).format_help()
    assert light == full
    assert "cluster" in light
