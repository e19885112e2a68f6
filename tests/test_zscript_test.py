"""``zscript test`` and the pytest plugin: golden-file tests for users' scripts."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "tests"


def zscript(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zscript", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_examples_pass(tmp_path):
    proc = zscript("test", str(EXAMPLES), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[:2] == ["zscript test: 4 tests", "...."]
    assert "4 passed" in proc.stdout


def _copy_examples(tmp_path: Path) -> Path:
    d = tmp_path / "zs"
    shutil.copytree(EXAMPLES, d)
    return d


def test_a_changed_output_fails_with_a_diff_and_update_fixes_it(tmp_path):
    d = _copy_examples(tmp_path)
    script = d / "greeting.zs"
    script.write_text(script.read_text().replace('greet("zeek")', 'greet("zscript")'))
    proc = zscript("test", "-k", "greeting", str(d), cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[1] == "F"
    assert "___ greeting.zs ___" in proc.stdout
    assert "-hello, zeek\n+hello, zscript\n" in proc.stdout
    assert "1 failed" in proc.stdout

    proc = zscript("test", "--update", "-k", "greeting", str(d), cwd=tmp_path)
    assert proc.returncode == 0 and "1 updated" in proc.stdout, proc.stdout
    assert (d / "greeting.out").read_text() == "hello, world\nhello, zscript\n"
    assert zscript("test", "-k", "greeting", str(d), cwd=tmp_path).returncode == 0


def test_a_log_is_compared_and_junit_is_written(tmp_path):
    d = _copy_examples(tmp_path)
    expected = d / "connections.conn_summary.log"
    expected.write_text(expected.read_text().replace("10.0.0.2\t1", "10.0.0.2\t2"))
    report = tmp_path / "junit.xml"
    proc = zscript("test", "-j", "2", "--junit", str(report), str(d), cwd=tmp_path)
    assert proc.returncode == 1
    assert "-10.0.0.2\t2\n+10.0.0.2\t1\n" in proc.stdout
    suite = ET.parse(report).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("4", "1")
    failed = [c.get("name") for c in suite if c.find("failure") is not None]
    assert failed == ["connections.zs"]


def test_an_expected_failure_that_passes_is_reported(tmp_path):
    d = _copy_examples(tmp_path)
    (d / "typo.zs").write_text((d / "typo.zs").read_text().replace("gret(", "fmt("))
    proc = zscript("test", str(d / "typo.zs"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "+0" in proc.stdout  # exit status 0, where a failure was expected


def test_a_hanging_test_is_stopped(tmp_path):
    (tmp_path / "hang.zs").write_text(
        "# @timeout: 2\n# @wall-clock\nredef exit_only_after_terminate = T;\n"
    )
    proc = zscript("test", "--update", "hang.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert "stopped after 2 s" in proc.stdout


def test_no_tests_is_a_usage_error(tmp_path):
    proc = zscript("test", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2
    assert "no tests found" in proc.stderr


def test_the_pytest_plugin_collects_golden_tests_when_turned_on(tmp_path):
    d = _copy_examples(tmp_path)
    (d / "greeting.out").write_text("hello, world\n")
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\nzscript_golden = zs\n")
    run = [
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        # Plugins of this suite, not of what is tested: hypothesis alone
        # takes 2 s to import in each of the three runs.
        "-p",
        "no:hypothesispytest",
        "-p",
        "no:xdist",
        "-c",
        str(ini),
        "--rootdir",
        str(tmp_path),
    ]
    proc = subprocess.run(
        [sys.executable, *run, str(d)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1, proc.stdout
    assert "1 failed, 3 passed" in proc.stdout
    assert "+hello, zeek" in proc.stdout
    # The update, on the failing test only: the other three (one a whole
    # cluster) just passed, and nothing of theirs changed.
    proc = subprocess.run(
        [sys.executable, *run, "--zscript-update", str(d / "greeting.zs")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "1 passed" in proc.stdout, proc.stdout
    assert (d / "greeting.out").read_text() == (EXAMPLES / "greeting.out").read_text()
    # Off unless turned on: without the ini setting nothing is collected.
    ini.write_text("[pytest]\n")
    proc = subprocess.run(
        [sys.executable, *run, str(d)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert "no tests ran" in proc.stdout


def test_a_cluster_test_compares_each_node_and_a_hanging_cluster_is_torn_down(tmp_path):
    d = _copy_examples(tmp_path)
    out = d / "roles.worker-2.out"
    out.write_text(out.read_text().replace("WORKER", "PROXY"))
    proc = zscript("test", str(d / "roles.zs"), cwd=tmp_path)
    assert proc.returncode == 1
    assert (
        "-worker-2 starts as Cluster::PROXY\n+worker-2 starts as Cluster::WORKER\n" in proc.stdout
    )

    # A manager that never ends the cluster: stopped at the timeout, every node gone.
    hang = d / "hang.zs"
    hang.write_text("# @cluster\n# @timeout: 8\nevent zeek_init() { print Cluster::node; }\n")
    (d / "hang.manager.out").write_text("manager\n")
    started = time.time()
    proc = zscript("test", str(hang), cwd=tmp_path)
    assert proc.returncode == 1 and "stopped after 8 s" in proc.stdout, proc.stdout
    assert time.time() - started < 60
    leftover = subprocess.run(["pgrep", "-f", "hang.zs"], capture_output=True, text=True)
    assert leftover.stdout == "", "a node outlived its test"


def test_forked_runs_are_the_fresh_runs(tmp_path, monkeypatch):
    """Tests run in forks of a prepared interpreter (zscript.testing.zygote)
    give exactly what fresh processes give: status, stdout, stderr, logs;
    a test's own environment and working directory apply to its fork only."""
    from zscript.testing import golden

    d = _copy_examples(tmp_path)
    (d / "env.zs").write_text(
        '# @env: GREETING=hi there\nevent zeek_init() { print getenv("GREETING"), getenv("TZ"); }\n'
    )
    (d / "env.out").write_text("")
    (d / "later.zs").write_text('event zeek_init() { print getenv("GREETING") == ""; }\n')
    (d / "later.out").write_text("")
    tests = [t for t in golden.discover([d]) if not t.cluster]
    assert len(tests) == 5
    forked = {t.name: golden.run_test(t, tmp_path / "f" / t.name) for t in tests}
    assert golden._POOLS and golden._POOLS[0]._all, "the forks were not used"
    monkeypatch.setenv("ZSCRIPT_TEST_FORK", "0")
    fresh = {t.name: golden.run_test(t, tmp_path / "s" / t.name) for t in tests}
    for name, r in fresh.items():
        f = forked[name]
        assert (f.status, f.stdout, f.stderr, f.logs) == (r.status, r.stdout, r.stderr, r.logs), (
            name
        )
    assert forked["env.zs"].stdout == "hi there, UTC\n"
    assert forked["later.zs"].stdout == "T\n"  # the first test's variable did not stay
    assert forked["typo.zs"].status == 1 and "gret" in forked["typo.zs"].stderr


def test_a_hanging_forked_test_is_killed(tmp_path):
    from zscript.testing import golden

    (tmp_path / "hang.zs").write_text(
        "# @timeout: 2\n# @wall-clock\nredef exit_only_after_terminate = T;\n"
    )
    (test,) = golden.discover([tmp_path / "hang.zs"])
    t0 = time.monotonic()
    result = golden.run_test(test, tmp_path / "run")
    assert result.status is None and 2 <= time.monotonic() - t0 < 30
    pool = next(p for p in golden._POOLS if p.fits(test.environment()))
    assert pool._all and all(z.alive() for z in pool._all), "the zygote outlives its child"
