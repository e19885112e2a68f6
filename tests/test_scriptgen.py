"""Script code generated from layout data: values stay literals.

:mod:`zscript.cluster.scriptgen` quotes what a layout file says before it
becomes script text.  Each hostile value here goes through the real parser
and must come back as exactly the same bytes, with nothing else run.
"""

from __future__ import annotations

import io

import pytest

from zscript.cluster.layout import Layout, NodeSpec
from zscript.cluster.scriptgen import addr_literal, string_literal
from zscript.cluster.websocket.config import WebSocketSettings, websocket_config_script
from zscript.diagnostics import SourceFile
from zscript.host import Host

HOSTILE = [
    "",
    "plain",
    'a"b',
    "back\\slash\\",
    '\\"',
    "line\nbreak\r\n",
    'x"; print "owned"; "',
    '"\n@load base/frameworks/cluster\n',
    "nul\x00byte",
    "caf\u00e9 \u2603",
    "bad utf-8 \udcff\udcfe",
    "".join(chr(i) for i in range(1, 128)),
]


def run(src: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=True, stdout=out, stderr=err)
    host.load_source(SourceFile("gen.zs", src))
    host.finish_loading()
    host.run()
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("value", HOSTILE)
def test_string_literal_round_trips(value):
    raw = value.encode("utf-8", "surrogateescape")
    out, err = run(f"print bytestring_to_hexstr({string_literal(value)});")
    assert err == ""
    assert out == raw.hex() + "\n"


def test_addr_literal_takes_addresses_only():
    assert addr_literal("10.1.2.3") == "10.1.2.3"
    assert addr_literal("::1") == "[::1]"
    for bad in ("127.0.0.1, 1.2.3.4", "localhost", "1.2.3.4]", ""):
        with pytest.raises(ValueError):
            addr_literal(bad)


def test_generated_layout_and_websocket_scripts_keep_hostile_paths_as_data():
    evil = 'x.pem", $key_file="y"); print "owned"; #\n'
    script = websocket_config_script(WebSocketSettings("::1", 9, "/" + evil, '/k"\n.pem'))
    assert "$listen_addr=[::1], $listen_port=9/tcp" in script
    # Each path is one literal: the line that sets them is exactly this.
    cert, key = string_literal("/" + evil), string_literal('/k"\n.pem')
    lines = [ln for ln in script.splitlines() if "$cert_file=" in ln]
    assert lines == [
        f"\topts$tls_options = Cluster::WebSocketTLSOptions($cert_file={cert}, $key_file={key});"
    ]
    # And the whole script checks (parse, types) as an ordinary script.
    out, err = run(script)
    assert err == "" and out == ""
    layout = Layout({"manager": NodeSpec("manager", "manager", "::1", 5000, 9991)})
    text = layout.layout_script()
    assert '["manager"] = [$node_type=Cluster::MANAGER, $ip=[::1], $p=5000/tcp' in text
