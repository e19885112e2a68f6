"""The cache of parsed scripts (``zscript/loader/cache.py``).

A hit must behave exactly as a miss, a changed file must never get an old
entry, processes starting together must not corrupt it, and a corrupt or
unwritable cache is never an error.
"""

from __future__ import annotations

import io
import marshal
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from zscript.diagnostics import SourceFile, ZScriptError
from zscript.host import Host
from zscript.loader import cache as cache_mod
from zscript.loader import codecache as codecache_mod

SCRIPT = """\
@load ./helper
module Demo;
export {
	type Info: record { name: string; n: count &default=2; };
	global shout: function(i: Info): string;
}
function shout(i: Info): string { return fmt("%s x%d (%s)", to_upper(i$name), i$n, helper()); }
event zeek_init() { print shout(Info($name="hit")); print |shout(Info($name="x", $n=3))|; }
"""
HELPER = 'function helper(): string { return "helped"; }\n'


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("ZSCRIPT_CACHE_DIR", str(d))
    monkeypatch.delenv("ZSCRIPT_NO_CACHE", raising=False)
    return d


def load(path: Path, *, bare: bool = True) -> tuple[Host, str]:
    out = io.StringIO()
    host = Host(bare=bare, virtual_time=True, stdout=out, stderr=io.StringIO())
    host.load_file(str(path))
    host.finish_loading()
    host.run()
    return host, out.getvalue()


def entries(d: Path) -> list[Path]:
    return sorted((d / "units").rglob("*.pickle"))


def parsed(d: Path) -> int:
    """How many texts the cache holds: an entry per file, and the built-ins'
    declarations, which share one entry."""
    n = 0
    for p in entries(d):
        n += len(pickle.loads(p.read_bytes())) if p.name.startswith("declarations-") else 1
    return n


def scripts(tmp_path: Path) -> Path:
    (tmp_path / "helper.zs").write_text(HELPER)
    main = tmp_path / "main.zs"
    main.write_text(SCRIPT)
    return main


def test_hit_behaves_as_miss(tmp_path, cache_dir):
    main = scripts(tmp_path)
    first, out1 = load(main)
    assert first.unit_cache.misses > 0  # (built-ins with the same signature share one)
    assert out1 == "HIT x2 (helped)\n13\n"
    n = parsed(cache_dir)  # the library files, both scripts, the built-ins used
    assert n == first.unit_cache.misses > 10
    second, out2 = load(main)
    assert second.unit_cache.misses == 0
    # Library bodies certified by the first run are checked on first call
    # (zscript/check/deferral.py): fewer built-ins' declarations are read.
    assert 0 < second.unit_cache.hits <= first.unit_cache.hits + first.unit_cache.misses
    assert out2 == out1
    # Spans point at the file as loaded now: a runtime error names it.
    assert sorted(second.loaded) == sorted(first.loaded)


def test_error_locations_from_a_cached_parse(tmp_path, cache_dir):
    # The file parses (and is cached), then fails to check: the second run's
    # diagnostics name the same file, line and column.
    bad = tmp_path / "bad.zs"
    bad.write_text("event zeek_init()\n\t{\n\tprint nope;\n\t}\n")
    diags = []
    for _ in range(2):
        host = Host(virtual_time=True, stdout=io.StringIO())
        host.load_file(str(bad))
        with pytest.raises(ZScriptError) as e:
            host.finish_loading()
        (d,) = e.value.diagnostics
        diags.append((d.message, d.span.file.path, d.span.line, d.span.col, d.span.file.line(3)))
    assert host.unit_cache.hits > 0
    assert diags[0] == diags[1] == ("unknown identifier 'nope'", str(bad), 3, 8, "\tprint nope;")


def test_changed_file_is_not_served_stale(tmp_path, cache_dir):
    main = scripts(tmp_path)
    load(main)
    (tmp_path / "helper.zs").write_text('function helper(): string { return "changed"; }\n')
    host, out = load(main)
    assert out == "HIT x2 (changed)\n14\n"
    assert host.unit_cache.misses == 1  # only the edited file was parsed again


def test_same_text_elsewhere_shares_the_entry(tmp_path, cache_dir):
    main = scripts(tmp_path)
    load(main)
    other = tmp_path / "copy"
    other.mkdir()
    main2 = scripts(other)
    host, out = load(main2)
    assert host.unit_cache.misses == 0
    assert out == "HIT x2 (helped)\n13\n"
    assert str(main2) in {s.file.path for s in _spans(host)}


def test_a_file_naming_its_place_is_cached_per_place(tmp_path, cache_dir):
    # @DIR and @FILENAME become constants when the file is parsed: a copy
    # elsewhere must not get the first place's.
    text = "print @DIR, @FILENAME;\n"
    outs = []
    for d in ("one", "two"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "where.zs").write_text(text)
        outs.append(load(tmp_path / d / "where.zs")[1])
    assert outs == [f"{tmp_path / d}, where.zs\n" for d in ("one", "two")]
    host, out = load(tmp_path / "two" / "where.zs")
    assert host.unit_cache.misses == 0 and out == outs[1]


def _spans(host):
    gid = host.checker.globals["Demo::shout"]
    return [gid.span]


def test_parse_errors_are_not_cached(tmp_path, cache_dir):
    bad = tmp_path / "syntax.zs"
    bad.write_text("global x: count = ;\n")
    misses = []
    for _ in range(2):
        host = Host(virtual_time=True, stdout=io.StringIO())
        host.load_file(str(bad))
        with pytest.raises(ZScriptError):
            host.finish_loading()
        misses.append(host.unit_cache.misses)
    assert misses[1] == 1  # the library came from the cache, the bad file did not


CONDITIONAL = """\
print "start";
@if ( Demo::mode == 1 )
print "one";
@ifdef ( Demo::sub )
print "one, sub";
@else
print "one, no sub";
@endif
@else
@if ( Demo::mode == 2 )
print "two";
@endif
print "not one";
@endif
print fmt("end %d", Demo::mode);
"""


def run_conditional(path: Path, mode: int, sub: bool) -> tuple[Host, str]:
    out = io.StringIO()
    host = Host(bare=True, virtual_time=True, stdout=out, stderr=io.StringIO())
    setup = f"module Demo; export {{ const mode = {mode}; }}\n"
    if sub:
        setup += "export { global sub = T; }\n"
    host.load_source(SourceFile("<setup>", setup))
    host.load_file(str(path))
    host.finish_loading()
    host.run()
    return host, out.getvalue()


def test_conditionals_replay_as_parsed(tmp_path, cache_dir, monkeypatch):
    """Each run takes its own branches; the cache follows, whatever came before."""
    cond = tmp_path / "cond.zs"
    cond.write_text(CONDITIONAL)
    runs = [
        (1, True),
        (1, True),
        (1, False),
        (3, False),
        (2, True),
        (1, True),
        (3, True),
        (2, False),
    ]
    expected = {}
    monkeypatch.setenv("ZSCRIPT_NO_CACHE", "1")
    for mode, sub in set(runs):
        expected[mode, sub] = run_conditional(cond, mode, sub)[1]
    monkeypatch.delenv("ZSCRIPT_NO_CACHE")
    assert expected[1, True] == "start\none\none, sub\nend 1\n"
    assert expected[2, False] == "start\ntwo\nnot one\nend 2\n"
    seen = set()
    for mode, sub in runs:
        host, out = run_conditional(cond, mode, sub)
        assert out == expected[mode, sub], (mode, sub)
        outcome = (mode == 1, sub if mode == 1 else mode == 2)
        first = not seen
        # The first run parses; a new outcome has the cache read the file up
        # to where it differs, then a parser finish it; a known one is read.
        assert host.unit_cache.resumed == (0 if first or outcome in seen else 1), (mode, sub)
        seen.add(outcome)


def test_corrupt_entries_are_survived_and_rewritten(tmp_path, cache_dir):
    main = scripts(tmp_path)
    load(main)
    files = entries(cache_dir)
    n = parsed(cache_dir)
    for i, p in enumerate(files):
        data = p.read_bytes()
        # Garbage, a truncated entry, an empty file.
        p.write_bytes([b"not a pickle", data[: len(data) // 2], b""][i % 3])
    host, out = load(main)
    assert out == "HIT x2 (helped)\n13\n"
    # Every file is parsed again, and each built-in declared (fewer than the
    # first run declared: library bodies are now checked on first call).
    n_files = sum(1 for p in files if not p.name.startswith("declarations-"))
    assert n_files < host.unit_cache.misses <= n
    host, out = load(main)
    assert host.unit_cache.misses == 0
    assert out == "HIT x2 (helped)\n13\n"


def test_corrupt_item_inside_an_entry(tmp_path, cache_dir):
    """An entry that reads, with one unit that does not: the units before it
    come from the cache, a parser takes over from there."""
    main = scripts(tmp_path)
    load(main)
    c = cache_mod.UnitCache(cache_dir / "units")
    path = c._path(c.key(main.read_text()))
    entry = pickle.loads(path.read_bytes())
    outcomes, items = entry["variants"][0]
    kinds = [k for k, _data, _action in items]
    assert kinds == ["d", "u", "u", "u", "u"]  # @load ./helper, module, export, function, event
    items[3] = ("u", b"\x80\x05garbage", None)
    path.write_bytes(pickle.dumps(entry))
    host, out = load(main)
    assert out == "HIT x2 (helped)\n13\n"
    assert host.unit_cache.resumed == 1
    host, out = load(main)  # the parser's recording replaced the entry
    assert host.unit_cache.resumed == 0
    assert out == "HIT x2 (helped)\n13\n"


def test_key_depends_on_the_version(tmp_path, cache_dir, monkeypatch):
    c = cache_mod.UnitCache(cache_dir)
    k1 = c.key("print 1;")
    monkeypatch.setattr(cache_mod, "__version__", "0.0.0-other")
    assert cache_mod.UnitCache(cache_dir).key("print 1;") != k1
    assert c.key("print 2;") != k1


def test_unwritable_cache_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("ZSCRIPT_CACHE_DIR", str(blocker / "below-a-file"))
    host, out = load(scripts(tmp_path))
    assert out == "HIT x2 (helped)\n13\n"


def test_cache_can_be_turned_off(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setenv("ZSCRIPT_NO_CACHE", "1")
    host, out = load(scripts(tmp_path))
    assert out == "HIT x2 (helped)\n13\n"
    assert host.unit_cache.directory is None
    assert not cache_dir.exists()


def test_xdg_cache_home(tmp_path, monkeypatch):
    from zscript.resources import cache_dir

    monkeypatch.delenv("ZSCRIPT_CACHE_DIR", raising=False)
    monkeypatch.delenv("ZSCRIPT_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "zscript"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "zscript"


def test_concurrent_starts_share_the_cache(tmp_path, cache_dir):
    """Five processes start at once on an empty cache (a cluster's nodes):
    every one runs correctly, and what they wrote is complete."""
    main = scripts(tmp_path)
    env = dict(os.environ, ZSCRIPT_CACHE_DIR=str(cache_dir))
    cmd = [sys.executable, "-m", "zscript", "run", "--bare", "--virtual-time", str(main)]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(5)
    ]
    try:
        results = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert out == "HIT x2 (helped)\n13\n"
    assert not list((cache_dir / "units").rglob(".tmp-*"))  # no temporary file left
    host, out = load(main)
    assert host.unit_cache.misses == 0  # every entry is complete and readable
    assert out == "HIT x2 (helped)\n13\n"


RUNTIME_ERROR = """\
function divide(x: count): count
	{
	return 10 / x;
	}

event zeek_init()
	{
	print divide(2);
	print divide(0);
	}
"""


def run_capturing(path: Path, *, bare: bool) -> tuple[Host, str, str]:
    out, err = io.StringIO(), io.StringIO()
    host = Host(bare=bare, virtual_time=True, stdout=out, stderr=err)
    host.load_file(str(path))
    host.finish_loading()
    host.run()
    return host, out.getvalue(), err.getvalue()


def test_cached_code_reports_runtime_errors_at_the_script_line(tmp_path, cache_dir):
    """Compiled code from the cache maps back to the script's lines, also
    when it was compiled under another name (another mode numbers the units
    differently)."""
    script = tmp_path / "div.zs"
    script.write_text(RUNTIME_ERROR)
    first = run_capturing(script, bare=True)
    assert first[0].code_cache.misses > 0
    assert first[1] == "5\n"
    assert "line 3" in first[2] and "division by zero" in first[2]
    for bare in (True, False, False):
        host, out, err = run_capturing(script, bare=bare)
        assert (out, err) == first[1:]
    assert host.code_cache.misses == 0 and host.code_cache.hits > 0


def test_code_buckets_let_go_of_old_code(tmp_path, cache_dir):
    """A file's bucket of compiled code keeps what a run uses and at most
    KEEP times as much other code (other modes, old versions of the code
    generator), so it does not grow without end; what the run used stays."""
    script = tmp_path / "div.zs"
    script.write_text(RUNTIME_ERROR)
    first = run_capturing(script, bare=True)
    buckets = sorted(cache_dir.glob("code-*/*/*.marshal"))
    assert buckets
    stale = compile("x = 1", "<stale>", "exec")
    for p in buckets:
        codes = marshal.loads(p.read_bytes())
        old = {f"stale-{i}": stale for i in range(50 * len(codes) + 1)}
        p.write_bytes(marshal.dumps({**old, **codes}))
    host, out, err = run_capturing(script, bare=True)
    assert (out, err) == first[1:] and host.code_cache.misses == 0
    trimmed = 0
    for p in buckets:
        codes = marshal.loads(p.read_bytes())
        used = [k for k in codes if not k.startswith("stale-")]
        if used:
            assert len(codes) - len(used) <= codecache_mod.KEEP * len(used)
            trimmed += 1
    assert trimmed > 0
    host, out, err = run_capturing(script, bare=True)
    assert (out, err) == first[1:] and host.code_cache.misses == 0


def test_bytecode_kept_in_the_cache_when_python_writes_none(tmp_path):
    """PYTHONDONTWRITEBYTECODE would recompile zscript's modules at every
    start: the command keeps their bytecode in the cache directory instead
    (never next to the sources), unless the cache is off."""
    (tmp_path / "hello.zs").write_text('print "hi";\n')
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", ZSCRIPT_CACHE_DIR=str(tmp_path / "c"))
    env.pop("PYTHONPYCACHEPREFIX", None)
    cmd = [sys.executable, "-m", "zscript", "run", "--bare", "hello.zs"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.stdout == "hi\n", proc.stderr
    kept = list((tmp_path / "c" / "pycache").rglob("host/core.*.pyc"))
    assert kept and "zscript" in str(kept[0])
    env["ZSCRIPT_NO_CACHE"] = "1"
    env["ZSCRIPT_CACHE_DIR"] = str(tmp_path / "off")
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.stdout == "hi\n", proc.stderr
    assert not (tmp_path / "off").exists()


# Library bodies checked on first call (zscript/check/deferral.py,
# zscript/loader/checked.py): a start after the first defers the library
# bodies the first certified, and a user sees nothing different.
DEFERRED = """\
module Demo;
global other: event();
function unused_helper() { }
event never_handled() { }
event zeek_init()
	{
	# A library function never called: its text is what checking resolves.
	print Log::default_path_func;
	# A built-in's error inside a library function is located at the call.
	local no_key = Cluster::WebSocketTLSOptions($cert_file="cert.pem");
	print Cluster::listen_websocket([$listen_addr=127.0.0.1, $tls_options=no_key,
	$listen_port=1234/tcp]);
	event Demo::other();
	}
"""


def _run_deferred(path: Path, *, bare: bool):
    out, err = io.StringIO(), io.StringIO()
    host = Host(bare=bare, virtual_time=True, stdout=out, stderr=err)
    host.load_file(str(path))
    host.finish_loading()
    host.run()
    warnings = [(d.message, d.span.line if d.span else None) for d in host.warnings()]
    return host, out.getvalue(), err.getvalue(), warnings


def test_library_bodies_certified_once_are_checked_on_first_call(tmp_path, cache_dir):
    script = tmp_path / "deferred.zs"
    script.write_text(DEFERRED)
    first = _run_deferred(script, bare=True)
    certified = first[0].checked_bodies.certified
    assert certified > 100 and first[0].checked_bodies.deferred == 0
    assert "return (cat(to_lower(Log::parts[0])" in first[1]
    assert "line 11" in first[2] and "Invalid tls_options" in first[2]
    messages = [m for m, _ in first[3]]
    assert "event 'Demo::other' is raised but has no handler" in messages
    assert "non-exported function does not have any callers" in messages
    assert "handler for non-existing event cannot be invoked" in messages
    for _ in range(2):
        again = _run_deferred(script, bare=True)
        bodies = again[0].checked_bodies
        assert (bodies.deferred, bodies.certified) == (certified, 0)
        # The bodies of functions never called are not even read.
        assert len(again[0].unit_cache.pending) > certified // 2
        assert again[1:] == first[1:]
        assert again[0].code_cache.misses == 0  # the first start compiled the same code
    # Another mode loads other files: what only it loads is certified anew,
    # and nothing it prints differs from a start with no certificates.
    other = _run_deferred(script, bare=False)
    assert other[0].checked_bodies.certified > 0
    assert _run_deferred(script, bare=False)[1:] == other[1:]


def test_late_code_is_found_again_after_another_script(tmp_path, cache_dir):
    """The code of a library body compiled on first call does not depend on
    the user's script before it: a start with a longer script finds all of
    it in the cache (``late.marshal`` is not written again)."""
    first = tmp_path / "first.zs"
    first.write_text(DEFERRED)
    _run_deferred(first, bare=True)  # certifies
    _run_deferred(first, bare=True)  # compiles the certified bodies late
    late = next(cache_dir.rglob("late.marshal"))
    before = late.read_bytes()
    padded = tmp_path / "padded.zs"
    padded.write_text(
        DEFERRED.replace(
            "module Demo;\n",
            "module Demo;\n"
            'global pad: table[count] of string = { [1] = "a", [2] = "b" };\n'
            "function padf(x: count): count { local y = x + 1; return y * |pad|; }\n",
        )
    )
    host, out, _err, _ = _run_deferred(padded, bare=True)
    assert host.checked_bodies.deferred > 100 and "cat(to_lower" in out
    assert late.read_bytes() == before


def test_a_late_check_sees_only_what_was_declared_before_the_body(tmp_path, cache_dir):
    """Names in a deferred body resolve as they did in its place: a global
    declared later (here a module's own ``to_lower``) is not visible."""
    from zscript.check.deferral import Deferred

    script = tmp_path / "later.zs"
    script.write_text(
        "module Log;\n"
        'function to_lower(s: string): string { return "shadowed"; }\n'
        'event zeek_init() { print Log::default_path_func(Log::UNKNOWN, "", 5); }\n'
    )
    _run_deferred(script, bare=True)  # certifies
    host, out, err, _ = _run_deferred(script, bare=True)
    fn = host.ns[host.checker.globals["Log::default_path_func"].py_name]
    deferred = fn._zdecl.info.deferred
    assert isinstance(deferred, Deferred) and not deferred.checked and deferred.done is fn
    assert (out, err) == ("log_unknown\n", "")
