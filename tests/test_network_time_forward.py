"""``allow_network_time_forward`` and ``set_network_time`` (Zeek's options for
tests that control time): with the option F network time stays where it is
until a script moves it, and timers fire only when it has moved past them."""

from __future__ import annotations

import io

import pytest

from zscript.diagnostics import SourceFile
from zscript.host import Host

SCRIPT = """
redef allow_network_time_forward = %s;
redef exit_only_after_terminate = T;
event later(n: count)
	{
	print "later", n, network_time();
	if ( n == 2 )
		terminate();
	else
		{
		schedule 5 sec { later(n + 1) };
		set_network_time(network_time() + 5 sec);
		}
	}
event zeek_init()
	{
	print "init", network_time();
	schedule 3 sec { later(0) };
	print set_network_time(double_to_time(10.0)), network_time();
	}
"""


def run(src: str, *, virtual: bool) -> list[str]:
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=virtual, stdout=out, stderr=err)
    host.load_source(SourceFile("t.zs", src))
    host.finish_loading()
    host.run()
    return out.getvalue().splitlines()


@pytest.mark.parametrize("virtual", [True, False])
def test_time_moves_only_by_set_network_time(virtual):
    assert run(SCRIPT % "F", virtual=virtual) == [
        "init, 0.0",
        "T, 10.0",
        "later, 0, 10.0",
        "later, 1, 15.0",
        "later, 2, 20.0",
    ]


def test_by_default_time_follows_the_clock():
    lines = run(SCRIPT % "T", virtual=True)
    assert lines[0] != "init, 0.0"  # the clock's time, not zero
