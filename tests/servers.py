"""Helpers for tests that start a server of their own (``redis-server``,
``nats-server``): a free port to give it, and what happens when the
program or its Python client is missing.

Missing, such a test is skipped with a hint on installing it; where the
environment variable named by the caller is ``1`` (CI sets
``ZSCRIPT_REQUIRE_REDIS`` and ``ZSCRIPT_REQUIRE_NATS``), it fails instead,
so that CI never passes by skipping.
"""

from __future__ import annotations

import os

import pytest

from zscript.testing.golden import free_ports


def free_port() -> int:
    """One free TCP port of 127.0.0.1 (see ``free_ports``)."""
    return free_ports(1)[0]


def missing(what: str, *, required_by: str, hint: str):
    """Skip the test for want of ``what``; fail it where ``required_by`` is set to 1."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{what} is required ({required_by}=1) but missing; {hint}")
    pytest.skip(f"{what} is not available; {hint}")
