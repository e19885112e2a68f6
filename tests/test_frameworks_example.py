"""The SumStats + Notice cluster example (``examples/cluster/password-guessing``)
passes as the golden cluster test it is: workers replay a login log through
the Input framework, SumStats merges their counts on the manager, Notice
raises one notice per guesser and suppresses the repeats of round two."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cluster" / "password-guessing"


def test_password_guessing_example(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", "test", str(EXAMPLE)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    # The expected output itself says what the example shows.
    manager = (EXAMPLE / "password_guessing.manager.out").read_text()
    assert manager.count("notice: ") == 2 and manager.count("suppressed: ") == 2
