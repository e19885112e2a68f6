"""Helpers for tests that start a server of their own (``redis-server``,
``nats-server``): a free port to give it, what happens when the program or
its Python client is missing, and running a script against it.

Missing, such a test is skipped with a hint on installing it; where the
environment variable named by the caller is ``1`` (CI sets
``ZSCRIPT_REQUIRE_REDIS`` and ``ZSCRIPT_REQUIRE_NATS``), it fails instead,
so that CI never passes by skipping.
"""

from __future__ import annotations

import io
import os
import textwrap
import threading
import time

import pytest

from zscript.diagnostics import SourceFile
from zscript.host import Host
from zscript.testing.golden import free_ports


def free_port() -> int:
    """One free TCP port of 127.0.0.1 (see ``free_ports``)."""
    return free_ports(1)[0]


def missing(what: str, *, required_by: str, hint: str):
    """Skip the test for want of ``what``; fail it where ``required_by`` is set to 1."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{what} is required ({required_by}=1) but missing; {hint}")
    pytest.skip(f"{what} is not available; {hint}")


def run_script(
    name: str,
    src: str,
    *,
    virtual_time: bool = True,
    during=None,
    before=None,
    hosts=None,
) -> tuple[str, str]:
    """Run script ``src`` in a host until it ends; its output and errors.

    The storage subsystem is closed afterwards (the backends' connections).
    ``before()`` is called just before the host runs, ``during()`` once the
    script printed its first line (e.g. to stop the server after the script's
    first operation); the host is appended to ``hosts``.
    """
    out, err = io.StringIO(), io.StringIO()
    host = Host(virtual_time=virtual_time, stdout=out, stderr=err)
    if hosts is not None:
        hosts.append(host)
    host.load_source(SourceFile(name, textwrap.dedent(src)))
    host.finish_loading()
    if before is not None:
        before()
    if during is not None:

        def after_first_line() -> None:
            deadline = time.monotonic() + 60
            while "\n" not in out.getvalue() and time.monotonic() < deadline:
                time.sleep(0.005)
            during()

        threading.Thread(target=after_first_line, daemon=True).start()
    assert host.run() == 0
    host.subsystems["storage"].close()
    return out.getvalue(), err.getvalue()
