"""Shared pytest configuration.

``pytest --update-golden`` rewrites the expected output of the golden-file
tests from the current behaviour (like ``btest -U``); review the diff before
committing it.  ``ZEEK_ALLOW_INIT_ERRORS`` is set as in Zeek's test suite.
Diagnostics use the default (rich) format whatever ``ZSCRIPT_ERROR_FORMAT``
says in the caller's environment; tests of the Zeek format ask for it.
"""

from __future__ import annotations

import os

import pytest

# As in Zeek's btest configuration: runtime errors while initializing are
# reported but not fatal, so tests can show them.  Tests of the fatal
# behaviour remove the variable themselves.
os.environ.setdefault("ZEEK_ALLOW_INIT_ERRORS", "1")
os.environ.pop("ZSCRIPT_ERROR_FORMAT", None)


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden expected files from the current output",
    )


@pytest.fixture
def local_cluster(tmp_path):
    """``local_cluster(nodes, **kw)`` makes a :class:`clusterutil.LocalCluster`
    in the test's directory; every process it started is stopped afterwards."""
    from clusterutil import LocalCluster

    made = []

    def make(nodes: dict[str, str], **kw) -> LocalCluster:
        c = LocalCluster(tmp_path, nodes, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.stop_all()
