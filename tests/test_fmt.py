"""``zscript fmt``: Zeek's formatter (zeekscript) over scripts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

UNFORMATTED = 'event zeek_init() {\nprint  "hello" ;\n}\n'
FORMATTED = 'event zeek_init()\n\t{\n\tprint "hello";\n\t}\n'


def fmt(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zscript", "fmt", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_diff_and_rewrite(tmp_path):
    f = tmp_path / "a.zs"
    f.write_text(UNFORMATTED)
    proc = fmt("--check", "a.zs", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (1, "would reformat a.zs\n")
    proc = fmt("--diff", "a.zs", cwd=tmp_path)
    assert proc.returncode == 1 and '+\tprint "hello";' in proc.stdout
    assert f.read_text() == UNFORMATTED, "--check and --diff change nothing"
    proc = fmt("a.zs", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "reformatted a.zs\n")
    assert f.read_text() == FORMATTED
    assert fmt("--check", "a.zs", cwd=tmp_path).returncode == 0


def test_stdin_to_stdout(tmp_path):
    proc = fmt("-", cwd=tmp_path, stdin=UNFORMATTED)
    assert (proc.returncode, proc.stdout) == (0, FORMATTED)


def test_valid_zeek_the_formatter_cannot_parse_is_left_alone_and_said_so(tmp_path):
    text = (
        "@if ( Cluster::local_node_type() == Cluster::MANAGER )\n"
        "event zeek_init() &priority=5\n@else\nevent zeek_init() &priority=-5\n@endif\n"
        '\t{\n\tprint "hi";\n\t}\n'
    )
    f = tmp_path / "switch.zs"
    f.write_text(text)
    check = subprocess.run(
        [sys.executable, "-m", "zscript", "check", "switch.zs"], cwd=tmp_path, timeout=60
    )
    assert check.returncode == 0, "the script is valid"
    proc = fmt("switch.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert "switch.zs, line 2: zeekscript cannot parse this" in proc.stderr
    assert "handler's header" in proc.stderr
    assert f.read_text() == text
