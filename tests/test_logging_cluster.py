"""Remote logging between real processes: workers push log batches to a
logger over ZeroMQ PUSH/PULL (or NATS, ``backend_cluster``), and the logger
writes the files.

The nodes run ``tests/cluster/remote_logging.zs`` (see its header for the
phases) with ``clusterutil.LocalCluster``: 127.0.0.1, free ports, every
process stopped at the end.  All nodes share the test's directory as their
working directory; only the logger writes ``test.log`` there.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

SCRIPT = Path(__file__).parent / "cluster" / "remote_logging.zs"
NODES = {"manager": "manager", "logger-1": "logger", "worker-1": "worker", "worker-2": "worker"}
WORKERS = ("worker-1", "worker-2")


def rows(path: Path) -> list[tuple[str, str, int]]:
    """(node, phase, n) of every data row of a TSV log (header lines skipped)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            node, phase, n = line.split("\t")
            out.append((node, phase, int(n)))
    return out


def wait_rows(path: Path, phase: str, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while sum(1 for r in rows(path) if r[1] == phase) < count:
        if time.monotonic() > deadline:
            seen = Counter((r[0], r[1]) for r in rows(path))
            raise AssertionError(f"{path}: fewer than {count} rows of phase {phase}: {seen}")
        time.sleep(0.1)


def settings(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "settings.zs"
    p.write_text(text)
    return p


def test_two_workers_each_write_n_and_the_logger_holds_2n(backend_cluster, tmp_path):
    n = 2000
    c = backend_cluster(NODES)
    extra = settings(tmp_path, f"redef Test::n_records = {n};\n")
    c.start_all([SCRIPT, extra])
    for w in WORKERS:
        c.wait_for(w, f"{w} wrote {n} in phase a")
    log = c.dir / "test.log"
    wait_rows(log, "a", 2 * n)
    c.stop_all()  # SIGTERM: the logger closes its files
    got = rows(log)
    assert len(got) == 2 * n
    assert Counter(got) == Counter((w, "a", i) for w in WORKERS for i in range(n))
    text = log.read_text()
    assert text.splitlines()[6] == "#fields\tnode\tphase\tn"
    assert text.splitlines()[-1].startswith("#close\t")
    # Only the logger writes logs: no other node left a test.log elsewhere.
    assert sorted(p.name for p in c.dir.glob("**/test*.log")) == ["test.log"]


def test_two_loggers_share_the_load(backend_cluster, tmp_path):
    """With two loggers, each worker's PUSH socket (NATS: the loggers' queue
    group) spreads its batches over both; together they hold every row
    exactly once."""
    n = 1000
    nodes = {
        "manager": "manager",
        "logger-1": "logger",
        "logger-2": "logger",
        **{w: "worker" for w in WORKERS},
    }
    c = backend_cluster(nodes)
    for lg in ("logger-1", "logger-2"):
        (c.dir / lg).mkdir()
    extra = settings(
        tmp_path,
        f"redef Test::n_records = {n};\n"
        "redef Log::write_buffer_size = 10;\n"
        "@if ( Cluster::local_node_type() == Cluster::LOGGER )\n"
        "redef Log::default_logdir = Cluster::node;\n"
        "@endif\n",
    )
    c.start_all([SCRIPT, extra])
    for w in WORKERS:
        c.wait_for(w, f"{w} wrote {n} in phase a")
    logs = [c.dir / lg / "test.log" for lg in ("logger-1", "logger-2")]
    deadline = time.monotonic() + 20
    while sum(len(rows(p)) for p in logs) < 2 * n and time.monotonic() < deadline:
        time.sleep(0.1)
    c.stop_all()
    got = [rows(p) for p in logs]
    assert Counter(got[0] + got[1]) == Counter((w, "a", i) for w in WORKERS for i in range(n))
    for part in got:  # both loggers had a fair share (ZeroMQ round-robins batches)
        assert len(part) > n // 2, [len(x) for x in got]
    assert not (c.dir / "test.log").exists()


def test_logger_restart_loses_nothing_sent_after_it_is_back(local_cluster, tmp_path):
    """kill -9 the logger, write while it is down, restart it, write again.

    Everything written after the logger came back is in its new file, once.
    Of what was written while it was down, the PUSH socket queues what its
    high-water mark allows (delivered after the restart, in order) and the
    sender counts the rest and says so when it stops.  (Rows handed to
    ZeroMQ in the instant the logger dies can vanish with the connection:
    ZeroMQ delivers at most once, as for Zeek; so the script writes phase b
    a second after it saw the logger go.)
    """
    n, down = 40, 10000
    c = local_cluster(NODES, split_stderr=True)
    # A tiny send queue and small batches: some of the rows written while the
    # logger is down cannot be queued, and must be counted (phases a and c
    # write 4 batches each, far below what the queue holds).
    extra = settings(
        tmp_path,
        f"redef Test::n_records = {n};\n"
        f"redef Test::n_while_down = {down};\n"
        "redef Log::write_buffer_size = 10;\n"
        "redef Cluster::Backend::ZeroMQ::log_sndhwm = 50;\n",
    )
    c.start_all([SCRIPT, extra])
    log = c.dir / "test.log"
    wait_rows(log, "a", 2 * n)
    c.kill("logger-1", signal.SIGKILL)
    log.rename(c.dir / "test.first-run.log")
    for w in WORKERS:
        c.wait_for(w, f"{w} wrote {down} in phase b")
    c.start("logger-1", [SCRIPT, extra])
    for w in WORKERS:
        c.wait_for(w, f"{w} wrote {n} in phase c")
    wait_rows(log, "c", 2 * n)
    time.sleep(0.5)  # anything unexpected (duplicates) would arrive now
    c.stop_all()
    first, second = rows(c.dir / "test.first-run.log"), rows(log)
    assert Counter(r for r in first if r[1] == "a") == Counter(
        (w, "a", i) for w in WORKERS for i in range(n)
    )
    assert Counter(r for r in second if r[1] == "c") == Counter(
        (w, "c", i) for w in WORKERS for i in range(n)
    )
    assert not [r for r in first if r[1] != "a"]
    for w in WORKERS:
        delivered = [r[2] for r in second if r[0] == w and r[1] == "b"]
        assert delivered == sorted(set(delivered))  # in order, no duplicates
        err = c.errors[w].read_text()
        lost = [ln for ln in err.splitlines() if "could not be delivered to a logger" in ln]
        assert len(lost) == 1, err  # the small queue overflowed, and the worker said so
        count = int(lost[0].split("warning: ")[-1].split()[0])
        # The first rows were queued, the rest counted; the count also has the
        # few cluster.log rows the worker wrote while the logger was down.
        assert delivered == list(range(len(delivered))), delivered
        assert 0 <= count - (down - len(delivered)) <= 10, (len(delivered), err)
