"""Shared pytest configuration.

``pytest --update-golden`` rewrites the expected output of the golden-file
tests from the current behaviour (like ``btest -U``); review the diff before
committing it.  ``ZEEK_ALLOW_INIT_ERRORS`` is set as in Zeek's test suite;
``CLUSTER_NODE`` and ``ZEEKPATH`` are removed from the environment, and the
cache of parsed scripts is a temporary directory of the session.
Diagnostics use the default (rich) format whatever ``ZSCRIPT_ERROR_FORMAT``
says in the caller's environment; tests of the Zeek format ask for it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import pytest
from natsutil import backend_cluster, nats_server  # noqa: F401 - fixtures of the NATS tests

# As in Zeek's btest configuration: runtime errors while initializing are
# reported but not fatal, so tests can show them.  Tests of the fatal
# behaviour remove the variable themselves.
os.environ.setdefault("ZEEK_ALLOW_INIT_ERRORS", "1")
os.environ.pop("ZSCRIPT_ERROR_FORMAT", None)
# A node name or search path of the calling shell (a Zeek test run) would
# change what every test loads; tests that want them set them themselves.
for _var in ("CLUSTER_NODE", "ZEEKPATH", "ZSCRIPT_NO_CACHE"):
    os.environ.pop(_var, None)
# Parsed scripts are cached in a directory of this test session (shared by
# the processes the tests start, and by the workers of ``pytest -n N``, which
# inherit it from the controlling process), never in the user's cache.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
_CACHE = os.environ.get("ZSCRIPT_TEST_SESSION_CACHE") if _WORKER else None
if not _CACHE:
    _CACHE = tempfile.mkdtemp(prefix="zscript-test-cache-")
    os.environ["ZSCRIPT_TEST_SESSION_CACHE"] = _CACHE
os.environ["ZSCRIPT_CACHE_DIR"] = _CACHE


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    """Before any test (and before ``-n`` workers start): fill the session's
    cache with the library as every kind of process loads it, so that tests
    starting several nodes at once do not all parse it at the same time (each
    entry is written once, by this process)."""
    if _WORKER:
        return
    import io

    from zscript.host import Host

    for node in ("standalone", "manager", "logger-1", "proxy-1", "worker-1"):
        Host(node=node, bare=False, stdout=io.StringIO(), stderr=io.StringIO())
    Host(bare=True, stdout=io.StringIO(), stderr=io.StringIO())


def pytest_sessionfinish(session, exitstatus):
    # The fuzz cases' fork server (tests/forkserver.py), if this process started one.
    forkserver = sys.modules.get("forkserver")
    if forkserver is not None:
        forkserver.stop_shared()
    if not _WORKER:
        shutil.rmtree(_CACHE, ignore_errors=True)


#: Files with tests of ten seconds or more (``--durations``).  They run first:
#: under pytest-xdist, a long test that starts near the end keeps one worker
#: busy while the others have nothing left to do.
LONG_FIRST = (
    "adversarial/test_scripts.py",
    "adversarial/test_kill9.py",
    "adversarial/test_network.py",
    "test_bench_smoke.py",
    "test_robustness.py",
    "test_zscript_test.py",
    "test_storage_cluster.py",
)


def pytest_collection_modifyitems(session, config, items):
    """The files of :data:`LONG_FIRST` first, in that order; the others keep
    theirs (a stable sort, so a module's tests stay together)."""
    here = os.path.dirname(os.path.abspath(__file__))
    rank = {os.path.join(here, *name.split("/")): i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(str(item.path), len(rank)))


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
