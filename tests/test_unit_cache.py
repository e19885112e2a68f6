"""The cache of parsed scripts (``zscript/loader/cache.py``).

A hit must behave exactly as a miss, a changed file must never get an old
entry, processes starting together must not corrupt it, and a corrupt or
unwritable cache is never an error.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zscript.diagnostics import ZScriptError
from zscript.host import Host
from zscript.loader import cache as cache_mod

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


def _uncached(host: Host) -> int:
    """How many of the library files the host loaded have conditionals (never cached)."""
    n = 0
    for path in host.loaded:
        if not path.startswith("<") and "/stdlib/" in path:
            text = Path(path).read_text()
            n += any(line.startswith(("@if", "@ifdef", "@ifndef")) for line in text.splitlines())
    return n


def entries(d: Path) -> list[Path]:
    return sorted((d / "units").rglob("*.pickle"))


def scripts(tmp_path: Path) -> Path:
    (tmp_path / "helper.zs").write_text(HELPER)
    main = tmp_path / "main.zs"
    main.write_text(SCRIPT)
    return main


def test_hit_behaves_as_miss(tmp_path, cache_dir):
    main = scripts(tmp_path)
    first, out1 = load(main)
    assert first.unit_cache.hits == 0 and first.unit_cache.misses > 0
    assert out1 == "HIT x2 (helped)\n13\n"
    n = len(entries(cache_dir))  # the library files and both scripts ...
    uncached = first.unit_cache.misses - n  # ... but those with @if
    assert n > 10 and 0 < uncached < 5
    second, out2 = load(main)
    assert second.unit_cache.hits == n and second.unit_cache.misses == uncached
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
    assert host.unit_cache.misses == 1 + _uncached(host)  # only the edited file was parsed again


def test_same_text_elsewhere_shares_the_entry(tmp_path, cache_dir):
    main = scripts(tmp_path)
    load(main)
    other = tmp_path / "copy"
    other.mkdir()
    main2 = scripts(other)
    host, out = load(main2)
    assert host.unit_cache.misses == _uncached(host)
    assert out == "HIT x2 (helped)\n13\n"
    assert str(main2) in {s.file.path for s in _spans(host)}


def _spans(host):
    gid = host.checker.globals["Demo::shout"]
    return [gid.span]


def test_parse_errors_and_conditionals_are_not_cached(tmp_path, cache_dir):
    cond = tmp_path / "cond.zs"
    cond.write_text("@if ( T )\nprint 1;\n@else\nprint 2;\n@endif\n")
    load(cond)
    before = set(entries(cache_dir))
    host, out = load(cond)
    assert out == "1\n"
    assert host.unit_cache.misses == 1 + _uncached(host)
    assert set(entries(cache_dir)) == before
    bad = tmp_path / "syntax.zs"
    bad.write_text("global x: count = ;\n")
    for _ in range(2):
        host = Host(virtual_time=True, stdout=io.StringIO())
        host.load_file(str(bad))
        with pytest.raises(ZScriptError):
            host.finish_loading()
        assert host.unit_cache.misses == 1 + _uncached(host)


def test_corrupt_entries_are_survived_and_rewritten(tmp_path, cache_dir):
    main = scripts(tmp_path)
    load(main)
    files = entries(cache_dir)
    for i, p in enumerate(files):
        data = p.read_bytes()
        # Garbage, a truncated entry, an empty file, one without its end marker.
        p.write_bytes([b"not a pickle", data[: len(data) // 2], b"", data[:-12]][i % 4])
    host, out = load(main)
    assert out == "HIT x2 (helped)\n13\n"
    assert host.unit_cache.hits == 0
    host, out = load(main)
    assert host.unit_cache.misses == _uncached(host)
    assert out == "HIT x2 (helped)\n13\n"


def test_key_depends_on_the_version(tmp_path, cache_dir, monkeypatch):
    c = cache_mod.UnitCache(cache_dir)
    k1 = c._key("print 1;")
    monkeypatch.setattr(cache_mod, "__version__", "0.0.0-other")
    assert cache_mod.UnitCache(cache_dir)._key("print 1;") != k1
    assert c._key("print 2;") != k1


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
    assert host.unit_cache.misses == _uncached(host)  # every entry is complete and readable
    assert out == "HIT x2 (helped)\n13\n"
