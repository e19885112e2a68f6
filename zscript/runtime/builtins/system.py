"""Running shell commands (Zeek's ``system`` and ``system_env``).

The command runs in the background through ``/bin/sh`` with its standard
output sent to standard error, as ``(cmd) 1>&2 &``; the result is the shell's
status for starting it (0), not the command's exit status, as in Zeek.
``system_env`` adds ``ZEEK_ARG_<NAME>`` variables (names upper-cased) to the
command's environment only.  ``piped_exec`` runs a command with the given
string on its standard input and waits for it (Zeek's ``popen``/``pclose``);
the command's output goes where the script's goes.
"""

from __future__ import annotations

import os
import subprocess
import sys

from ..bifs import bif

__all__ = []


def _run(cmd: str, env: dict[str, str] | None) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    text = cmd.encode("latin-1", "replace")
    try:
        done = subprocess.run([b"/bin/sh", b"-c", b"(" + text + b") 1>&2 &"], env=env, check=False)
    except OSError:
        return -1
    return done.returncode


@bif("system", "function(str: string): int")
def system(s):
    return _run(s, None)


@bif("system_env", "function(str: string, env: table[string] of string): int")
def system_env(s, env):
    full = dict(os.environ)
    for k, v in env.items():
        full["ZEEK_ARG_" + str(k).upper()] = v
    return _run(s, full)


@bif("piped_exec", "function(program: string, to_write: string): bool")
def piped_exec(program, to_write):
    sys.stdout.flush()
    sys.stderr.flush()
    data = to_write.encode("latin-1", "replace") if isinstance(to_write, str) else bytes(to_write)
    try:
        subprocess.run(
            [b"/bin/sh", b"-c", program.encode("latin-1", "replace")], input=data, check=False
        )
    except OSError:
        return False
    return True
