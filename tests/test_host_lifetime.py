"""Several hosts in one process (the REPL, in-process tests, embedding).

A host that is dropped lets go of everything its scripts made (compiled
code, line maps, literals, the record_fields builder), so memory stays
bounded however many hosts a process makes; and each host's runtime errors
are located in its own scripts, whatever another host compiled since.
"""

from __future__ import annotations

import gc
import io
import tracemalloc
import weakref

from zscript.diagnostics import SourceFile
from zscript.host import Host

# A string literal (its origin is remembered), record_fields (built by the
# host), a function, a library body compiled on its first call, and a runtime
# error located through the line maps.
SCRIPT = """\
function twice(s: string): string { return s + s; }
event zeek_init() {
    print twice("ab"), |record_fields("record_field")|;
    print split_string1("a,b", /,/);
    local v: vector of count;
    print v[3];
}
"""


def _host(src: str, name: str = "t.zs") -> tuple[Host, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=True, stdout=out, stderr=err)
    host.load_source(SourceFile(name, src))
    host.finish_loading()
    return host, out, err


def _run_one() -> weakref.ref:
    host, out, err = _host(SCRIPT)
    host.run()
    assert out.getvalue().startswith("abab, 5\n")
    assert "line 6" in err.getvalue() and "no such index (v[3])" in err.getvalue()
    return weakref.ref(host)


def test_hosts_made_one_after_another_keep_memory_bounded():
    _run_one()  # what one host loads once for every later one (modules, caches)
    gc.collect()
    tracemalloc.start()
    try:
        gone = [_run_one() for _ in range(2)]
        gc.collect()
        first, _ = tracemalloc.get_traced_memory()
        gone += [_run_one() for _ in range(2)]
        gc.collect()
        last, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [ref() for ref in gone] == [None] * len(gone)
    # A host kept ~3.5 MB of this script's data alive when its nodes, line
    # maps and literals were registered for good; now the later hosts add
    # what the process' small bounded caches hold.
    assert last - first < 2 * 300_000, f"{(last - first) / 2:.0f} bytes kept per host"


def test_each_hosts_runtime_errors_are_located_in_its_own_script():
    a = "global v: vector of count;\nevent go() {\n    print v[7];\n}\nevent zeek_init() { event go(); }\n"
    # Compiled after a, with more units: unit numbers that a's units have too.
    b = "".join(f"global g{i} = {i};\n" for i in range(300)) + "event zeek_init() { print g3; }\n"
    host_a, _, err_a = _host(a, "a.zs")
    host_b, out_b, _ = _host(b, "b.zs")
    host_b.run()
    host_a.run()
    assert out_b.getvalue() == "3\n"
    assert "expression error in a.zs, line 3, column 11: no such index (v[7])" in err_a.getvalue()
