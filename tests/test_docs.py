"""The user guide (``docs/``) stays true: it builds, its links resolve, its
examples still print what the pages say, and its test results are the ones
generated from the committed data.

Samples are marked in the Markdown source (``docs/index.md``, "How the
examples are checked"): ``<!-- sample NAME: run ARGS -->`` or
``<!-- sample NAME: check ARGS -->`` before a fenced script, and
``<!-- expect NAME: stdout|stderr|FILE -->`` before each fenced block of
what the run shows.  Markers inside fenced blocks are text, not markers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from zscript.testing.golden import canonicalize, free_ports

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))

_MARKER = re.compile(r"<!--\s*(sample|expect)\s+([\w.-]+):\s*(.*?)\s*-->\s*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
_LOG_DATE = re.compile(r"^(#(?:open|close)\s+)\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}", re.M)
_MD_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
#: What a sample's environment never inherits (it would change what runs).
_CLEARED_ENV = ("ZSCRIPTPATH", "ZEEKPATH", "CLUSTER_NODE", "ZEEK_SEED_FILE", "ZSCRIPT_ZEEK_ORDER")
#: ``run ARGS`` / ``check ARGS`` / ``fmt ARGS``: a script run, checked or
#: formatted on its own (``zscript VERB ARGS NAME``);
#: ``serve``: a script that serves the WebSocket API; ``client SERVER``: a
#: Python client of that server.
_VERBS = ("run", "check", "fmt", "serve", "client")


@dataclass
class Sample:
    """One runnable script of a page and what the page says it shows."""

    page: str
    line: int
    name: str
    how: list[str]
    script: str = ""
    expect: dict[str, str] = field(default_factory=dict)


def _blocks(text: str):
    """(line number, marker match or None, fenced block text or None) in order:
    each marker outside a fence, and each fenced block's content."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence:
            close = fence.group(1)
            body: list[str] = []
            i += 1
            while i < len(lines) and not (
                lines[i].startswith(close) and not lines[i].strip(close[0])
            ):
                body.append(lines[i])
                i += 1
            yield i, None, "".join(ln + "\n" for ln in body)
        else:
            m = _MARKER.match(lines[i].strip())
            if m:
                yield i + 1, m, None
        i += 1


def collect_samples(page: Path) -> list[Sample]:
    samples: dict[str, Sample] = {}
    pending: tuple[str, str] | None = None  # (kind, name) waiting for its block
    for line, marker, block in _blocks(page.read_text(encoding="utf-8")):
        if marker is not None:
            kind, name, rest = marker.groups()
            if kind == "sample":
                assert name not in samples, f"{page.name}:{line}: sample {name} twice"
                how = rest.split()
                assert how and how[0] in _VERBS, f"{page.name}:{line}: {rest!r}"
                samples[name] = Sample(page.name, line, name, how)
            else:
                assert name in samples, f"{page.name}:{line}: expect before sample {name}"
            pending = (kind, name if kind == "sample" else f"{name}\0{rest}")
        elif pending is not None:
            kind, key = pending
            if kind == "sample":
                samples[key].script = block
            else:
                name, what = key.split("\0")
                samples[name].expect[what] = block
            pending = None
    for s in samples.values():
        assert s.script, f"{s.page}:{s.line}: sample {s.name} has no script block"
        assert s.expect or s.how[0] in ("check", "serve"), f"{s.page}:{s.line}: {s.name}: no output"
    return list(samples.values())


SAMPLES = [s for page in PAGES for s in collect_samples(page)]
SCRIPTS = [s for s in SAMPLES if s.how[0] in ("run", "check", "fmt")]


def _environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ, TZ="UTC", LC_ALL="C", **extra)
    for var in _CLEARED_ENV:
        env.pop(var, None)
    return env


def _canon(text: str, workdir: str) -> str:
    return _LOG_DATE.sub(r"\1XXXX-XX-XX-XX-XX-XX", canonicalize(text, workdir))


@pytest.mark.parametrize("sample", SCRIPTS, ids=[f"{s.page}:{s.name}" for s in SCRIPTS])
def test_sample_prints_what_the_page_says(sample: Sample, tmp_path: Path) -> None:
    (tmp_path / sample.name).write_text(sample.script, encoding="utf-8")
    verb, *args = sample.how
    if verb == "run":
        args = [*args, "--virtual-time"]
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", verb, *args, sample.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=_environment(),
    )
    where = str(tmp_path.resolve())
    actual = {"stdout": proc.stdout, "stderr": proc.stderr}
    for what in sample.expect:
        if what not in actual:
            path = tmp_path / what
            assert path.exists(), f"{sample.page}: {sample.name} wrote no {what}"
            actual[what] = path.read_text(encoding="utf-8")
    # Unless the page shows it, stderr must be empty, and so must a check's
    # stdout (a run sample may show only a file it writes).
    expected = {"stderr": "", **({"stdout": ""} if verb == "check" else {}), **sample.expect}
    for what, text in expected.items():
        assert _canon(actual[what], where) == _canon(text, where), (
            f"{sample.page}:{sample.line}: {sample.name}'s {what} differs from the page"
        )
    failing = "stderr" in sample.expect and "error" in sample.expect["stderr"]
    assert (proc.returncode != 0) == failing, f"{sample.name}: exit status {proc.returncode}"


#: The central proxy's endpoints, which the standalone WebSocket server binds
#: (Zeek's defaults, 5555 and 5556), moved to free ports for the test.
_PROXY_PORTS = """\
redef Cluster::Backend::ZeroMQ::listen_xpub_endpoint = "tcp://127.0.0.1:{xpub}";
redef Cluster::Backend::ZeroMQ::connect_xsub_endpoint = "tcp://127.0.0.1:{xpub}";
redef Cluster::Backend::ZeroMQ::listen_xsub_endpoint = "tcp://127.0.0.1:{xsub}";
redef Cluster::Backend::ZeroMQ::connect_xpub_endpoint = "tcp://127.0.0.1:{xsub}";
"""


def _wait_for_port(port: int, proc: subprocess.Popen, out: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert proc.poll() is None, out.read_text()
            assert time.monotonic() < deadline, f"the server never listened: {out.read_text()}"
            time.sleep(0.1)


SERVERS = [s for s in SAMPLES if s.how[0] == "serve"]


@pytest.mark.parametrize("server", SERVERS, ids=[f"{s.page}:{s.name}" for s in SERVERS])
def test_websocket_clients_print_what_the_page_says(server: Sample, tmp_path: Path) -> None:
    """The server sample runs on free ports; each of its client samples runs
    against it, in page order, and prints what the page says; then the server
    has printed what the page says."""
    clients = [s for s in SAMPLES if s.how == ["client", server.name]]
    assert clients, f"{server.name} has no client sample"
    ws_port, xpub, xsub = free_ports(3)
    (tmp_path / server.name).write_text(server.script, encoding="utf-8")
    (tmp_path / "ports.zs").write_text(_PROXY_PORTS.format(xpub=xpub, xsub=xsub))
    env = _environment(ZEEK_WEBSOCKET_LISTEN_PORT=str(ws_port), PYTHONUNBUFFERED="1")
    out, err = tmp_path / "server.out", tmp_path / "server.err"
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen(
            [sys.executable, "-m", "zscript", "run", "standalone", server.name, "ports.zs"],
            cwd=tmp_path,
            stdout=o,
            stderr=e,
            env=env,
        )
    try:
        _wait_for_port(ws_port, proc, err)
        url = f"ws://127.0.0.1:{ws_port}/v1/messages/json"
        for client in clients:
            (tmp_path / client.name).write_text(client.script, encoding="utf-8")
            run = subprocess.run(
                [sys.executable, client.name],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
                env=_environment(ZEEK_WS_URL=url),
            )
            assert run.returncode == 0, run.stderr
            assert run.stdout == client.expect["stdout"], f"{client.page}: {client.name}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.read_text()
    assert out.read_text() == server.expect["stdout"], f"{server.page}: {server.name}"


def test_the_guide_has_samples_on_every_subject_page() -> None:
    pages = {s.page for s in SAMPLES}
    for page in ("getting-started.md", "logging.md", "storage.md", "cluster.md", "websocket.md"):
        assert page in pages


def test_mkdocs_build_is_strict_clean(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip(
            "mkdocs is not installed (it comes with the dev extra: pip install -e '.[dev]')"
        )
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "site" / "logging" / "index.html").exists()


def _relative_links(text: str) -> list[str]:
    """Link targets outside fenced blocks that are not URLs or in-page anchors."""
    out = []
    body = re.sub(r"^(`{3,}).*?^\1\s*$", "", text, flags=re.M | re.S)
    for target in _MD_LINK.findall(body):
        if not re.match(r"[a-z][a-z0-9+.-]*:", target) and not target.startswith("#"):
            out.append(target)
    return out


def test_readme_links_into_the_guide_resolve() -> None:
    links = _relative_links((ROOT / "README.md").read_text(encoding="utf-8"))
    into_docs = [t for t in links if t.startswith("docs/")]
    assert into_docs, "the README points to the guide"
    for target in links:
        path, _, anchor = target.partition("#")
        assert (ROOT / path).exists(), f"README links to {target}, which does not exist"
        if anchor and path.endswith(".md"):
            slugs = _heading_slugs((ROOT / path).read_text(encoding="utf-8"))
            assert anchor in slugs, f"README links to {target}: no such heading"


def _heading_slugs(text: str) -> set[str]:
    """The anchors Python-Markdown's toc extension gives the headings."""
    body = re.sub(r"^(`{3,}).*?^\1\s*$", "", text, flags=re.M | re.S)
    slugs = set()
    for title in re.findall(r"^#{1,6}\s+(.*?)\s*#*\s*$", body, flags=re.M):
        title = re.sub(r"[`*_]", "", title)
        slug = re.sub(r"[^\w\s-]", "", title).strip().lower()
        slugs.add(re.sub(r"[-\s]+", "-", slug))
    return slugs


# ------------------------------------------------------- generated test results


def _gen_status():
    spec = importlib.util.spec_from_file_location("gen_status", DOCS / "gen_status.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_test_results_section_is_what_the_data_gives() -> None:
    gen = _gen_status()
    page = (DOCS / "from-zeek.md").read_text(encoding="utf-8")
    assert gen.section_of(page) == gen.render(gen.load()), (
        "docs/from-zeek.md is stale: run python docs/gen_status.py write"
    )


def test_the_results_data_is_consistent_and_names_no_paths() -> None:
    data = _gen_status().load()
    assert data["zeek_commit"] and data["suites"]
    for s in data["suites"]:
        assert len(s["failing"]) == s["ran"] - s["passed"], s["suite"]
        assert len({f["name"] for f in s["failing"]}) == len(s["failing"]), s["suite"]
    text = json.dumps(data)
    assert not re.search(r"(?<![\w.>])/(?:tmp|work|home|usr|root|Users)/", text)
    assert "<...>" not in text


def test_refresh_reads_both_harnesses_and_keeps_known_causes(tmp_path: Path) -> None:
    gen = _gen_status()
    conformance = {
        "select": ["language/*"],
        "commit": "c0ffee" * 6 + "0000",
        "tests": [
            {"name": "language.a", "eligible": True, "status": "passed"},
            {"name": "language.b", "eligible": True, "status": "failed"},
            {"name": "language.c", "eligible": True, "status": "timed_out"},
            {"name": "language.d", "eligible": False, "status": "ineligible"},
        ],
    }
    btest = {
        "selects": ["cluster/zeromq"],
        "zeek_commit": "c0ffee" * 6 + "0000",
        "tests": [
            {"name": "cluster.zeromq.x", "status": "passed"},
            {"name": "cluster.zeromq.y", "status": "failed"},
            {"name": "cluster.zeromq.z", "status": "skipped"},
        ],
    }
    (tmp_path / "lang.json").write_text(json.dumps(conformance))
    (tmp_path / "zmq.json").write_text(json.dumps(btest))
    old = {
        "zeek_commit": "old",
        "suites": [
            {
                "suite": "language",
                "harness": "zeek_conformance",
                "ran": 9,
                "passed": 7,
                "skipped": 0,
                "failing": [
                    {"name": "language.b", "cause": "known cause"},
                    {"name": "language.e", "cause": "fixed since"},
                ],
            },
            {
                "suite": "broker",
                "harness": "zeek_btest",
                "ran": 1,
                "passed": 1,
                "skipped": 0,
                "failing": [],
            },
        ],
    }
    data = gen.refresh(old, [tmp_path / "lang.json"], [tmp_path / "zmq.json"])
    suites = {s["suite"]: s for s in data["suites"]}
    assert [s["suite"] for s in data["suites"]] == ["language", "broker", "cluster/zeromq"]
    assert (suites["language"]["ran"], suites["language"]["passed"]) == (3, 1)
    assert suites["language"]["failing"] == [
        {"name": "language.b", "cause": "known cause"},
        {"name": "language.c", "cause": ""},
    ]
    zmq = suites["cluster/zeromq"]
    assert (zmq["ran"], zmq["passed"], zmq["skipped"]) == (2, 1, 1)
    assert suites["broker"]["ran"] == 1  # not in the given runs: kept
    assert data["zeek_commit"] == "c0ffee" * 6 + "0000"
    section = gen.render(data)
    assert "| [`language`](#failing-in-language) | zeek_conformance | 1 | 3 |  |" in section
    assert "- `language.b`: known cause" in section
    assert "| `broker` | zeek_btest | 1 | 1 |  |" in section
