"""The NATS JetStream log writer (``Log::WRITER_NATS``) and its reader
(``zscript logs nats``), against a real ``nats-server`` (``natsutil``).

What is checked: each record is one message on ``<prefix>.<path>`` holding
the bytes our JSON writer writes for it (compared with the ASCII writer's
JSON file of the same run), TSV records, the reader's TSV and JSON output
(compared with the ASCII writer's files), many records with few
acknowledgements in flight, records that are never acknowledged (counted
as lost, reported, in the telemetry counter), and a server that is not
there when the writer starts.
"""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path

from logutil import run_script

from zscript.cli import main as cli_main

SCRIPT = """
@load policy/frameworks/logging/nats
redef LogNATS::url = "URL";
{redefs}
module Foo;
export {{
    redef enum Log::ID += {{ LOG }};
    type Info: record {{
        ts: time &log;
        s: string &log;
        n: count &log &optional;
        d: double &log;
        i: interval &log;
        a: addr &log;
        p: port &log;
        b: bool &log;
        v: set[string] &log;
        vv: vector of count &log;
        e: string &log &optional;
    }};
}}
event zeek_init() {{
    Log::create_stream(LOG, [$columns=Info, $path="foo"]);
    Log::remove_default_filter(LOG);
    Log::add_filter(LOG, [$name="nats", $writer=Log::WRITER_NATS]);
    Log::add_filter(LOG, [$name="file", $path="foo-file", $config=table(["use_json"] = "{json}")]);
    local i = 0;
    while ( i < {n} ) {{
        Log::write(LOG, [$ts=double_to_time(1700000000.25 + i), $s=fmt("r%d\\tx\\xff \\"q\\"", i),
                         $n=(i % 2 == 0 ? i : 7), $d=i / 3.0, $i=1.5 min, $a=10.0.0.1, $p=80/tcp,
                         $b=(i % 3 == 0), $v=set("a", fmt("b%d", i)), $vv=vector(i, 2 * i),
                         $e=(i == 1 ? "" : "e")]);
        ++i;
    }}
}}
{extra}
"""


def script(url: str, *, n: int = 5, json: str = "T", redefs: str = "", extra: str = "") -> str:
    text = SCRIPT.format(n=n, json=json, redefs=redefs, extra=extra)
    return text.replace("URL", url)


def messages(url: str, stream: str = "zeek_logs") -> list[tuple[str, bytes]]:
    """Every (subject, data) of ``stream``, in order."""

    async def read():
        import nats

        nc = await nats.connect(url)
        js = nc.jetstream()
        info = await js.stream_info(stream)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            m = await js.get_msg(stream, seq=seq)
            out.append((m.subject, m.data or b""))
        await nc.close()
        return out

    return asyncio.run(read())


def reader(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        rc = cli_main(["logs", "nats", *args])
    return rc, out.getvalue()


def body(tsv: str) -> list[str]:
    """A TSV log without its #open/#close lines (times of the run) and #path."""
    skip = ("#open", "#close", "#path")
    return [line for line in tsv.splitlines() if not line.startswith(skip)]


def test_json_records_are_the_json_writers_bytes(nats_server, tmp_path):
    url = nats_server.default.url
    proc = run_script(tmp_path, script(url))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    msgs = messages(url)
    assert [s for s, _ in msgs] == ["zeek.logs._schema.foo"] + ["zeek.logs.foo"] * 5
    file_lines = (tmp_path / "foo-file.log").read_bytes().splitlines()
    assert [d for _, d in msgs[1:]] == file_lines
    assert file_lines[1].startswith(b'{"ts":1700000001.25,"s":"r1\\tx\\\\xff \\"q\\"","n":7,')
    # The reader prints them back as stored ...
    rc, out = reader("foo", "--url", url, "--format", "json")
    assert rc == 0 and out.encode("latin-1").splitlines() == file_lines
    # ... and as Zeek TSV, the ASCII writer's file of the same records.
    proc = run_script(tmp_path, script(url, json="F").replace('"nats"', '"nats2"'))
    assert proc.returncode == 0, proc.stderr
    rc, out = reader("--url", url, "foo")  # options after or before PATH
    assert rc == 0
    tsv = (tmp_path / "foo-file.log").read_text("latin-1")
    # Both runs' records (the first run's file was replaced by the second's).
    assert body(out)[:6] + body(out)[11:] == body(tsv)
    assert body(out)[6:11] == body(tsv)[6:]
    assert "#path\tfoo" in out.splitlines()


def test_tsv_records_and_reader(nats_server, tmp_path):
    url = nats_server.default.url
    proc = run_script(tmp_path, script(url, json="F", redefs="redef LogNATS::use_json = F;"))
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    tsv = (tmp_path / "foo-file.log").read_text("latin-1")
    records = [line for line in tsv.splitlines() if not line.startswith("#")]
    msgs = messages(url)
    assert [d.decode("latin-1") for _, d in msgs[1:]] == records
    rc, out = reader("foo", "--url", url)
    assert rc == 0 and body(out) == body(tsv)
    out_err = io.StringIO()
    from contextlib import redirect_stderr

    with redirect_stderr(out_err):
        rc, _ = reader("foo", "--url", url, "--format", "json")
    assert rc == 1
    assert out_err.getvalue() == "error: the records of foo are stored as TSV: use --format tsv\n"


def test_many_records_few_in_flight_all_acknowledged(nats_server, tmp_path):
    url = nats_server.default.url
    proc = run_script(
        tmp_path,
        script(
            url, n=3000, redefs="redef LogNATS::max_pending = 7; redef Log::write_buffer_size = 50;"
        ),
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    msgs = messages(url)
    assert len(msgs) == 3001
    assert [d for _, d in msgs[1:]] == (tmp_path / "foo-file.log").read_bytes().splitlines()


def test_unacknowledged_records_are_counted_and_reported(nats_server, tmp_path):
    """The stream stops taking records (the test deletes it once the first
    records are stored, then tells the script to go on): every record after
    that is refused, counted as lost and reported, never silently gone."""
    import subprocess
    import sys

    url = nats_server.default.url
    extra = """
    event late() {
        if ( file_size("go") < 0.0 ) { schedule 50msec { late() }; return; }
        local i = 0;
        while ( i < 4 ) { Log::write(LOG, [$ts=double_to_time(1.0), $s="late", $d=0.0, $i=1sec,
                                            $a=10.0.0.2, $p=1/udp, $b=T, $v=set(), $vv=vector()]); ++i; }
        Log::flush(LOG);
        terminate();
    }
    event zeek_init() &priority=-10 { Log::flush(LOG); schedule 50msec { late() }; }
    """
    text = script(
        url,
        n=2,
        redefs="redef LogNATS::ack_timeout = 1sec; redef exit_only_after_terminate = T;",
        extra=extra,
    )
    (tmp_path / "t.zeek").write_text(text)

    async def delete_stream_when_stored():
        import nats

        nc = await nats.connect(url)
        js = nc.jetstream()
        for _ in range(1200):  # the schema and the first two records
            try:
                if (await js.stream_info("zeek_logs")).state.messages == 3:
                    break
            except Exception:  # noqa: BLE001 - not there yet
                pass
            await asyncio.sleep(0.05)
        await js.delete_stream("zeek_logs")
        await nc.close()
        (tmp_path / "go").write_text("")

    p = subprocess.Popen(
        [sys.executable, "-m", "zscript", "run", "standalone", "t.zeek"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        asyncio.run(delete_stream_when_stored())
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    lines = err.splitlines()
    # The refusals may arrive before or after terminate(): either order.
    assert len(lines) == 2 and "received termination signal" in lines, err
    (error,) = [ln for ln in lines if ln != "received termination signal"]
    assert error.startswith(
        "error: foo/Log::WRITER_NATS: 4 log records to zeek.logs.foo were not acknowledged by"
        " JetStream and are lost (refused: "
    ), err


def test_lost_records_in_telemetry(nats_server, tmp_path):
    """In-process: records refused by the server count in the writer's counters."""
    from zscript.logs.schema import LogField
    from zscript.logs.writers import find_writer, writer_samples
    from zscript.logs.writers import nats as W
    from zscript.logs.writers.base import WriterInfo

    url = nats_server.default.url
    errors: list[str] = []
    info = WriterInfo(path="tele", fields=(LogField("s", "string"),), writer="Log::WRITER_NATS")
    opts = {"url": url, "stream": "tele_logs", "subject_prefix": "tele", "ack_timeout": 1.0}
    cls = find_writer("Log::WRITER_NATS")
    assert cls is W.NATSWriter
    w = cls(info, opts, report=errors.append)
    assert w.init() and w.write([["a"], ["b"]])
    # Nobody stores "other.*": a record sent there is refused (no responders).
    w2 = W.NATSWriter(
        WriterInfo(path="other", fields=(LogField("s", "string"),), config={"subject": "nope.x"}),
        opts,
        report=errors.append,
    )
    assert w2.init() and w2.write([["c"], ["d"], ["e"]])
    assert w.close(0.0) and w2.close(0.0)
    # What the host's telemetry source (writer_samples) collects.
    got = {(s[0], s[3]["path"]): s[4] for s in writer_samples()}
    assert got[("zscript_log_nats_records_acked_total", "tele")] == 2
    assert got[("zscript_log_nats_records_lost_total", "tele")] == 0
    assert got[("zscript_log_nats_records_lost_total", "other")] == 3
    assert got[("zscript_log_nats_records_acked_total", "other")] == 0
    assert len(errors) == 1 and errors[0].startswith(
        "other/nats: 3 log records to nope.x were not acknowledged by JetStream and are lost"
        " (refused: "
    ), errors


def test_no_server_stops_the_writer_with_a_message(tmp_path):
    from natsutil import free_port

    proc = run_script(
        tmp_path,
        script(f"nats://127.0.0.1:{free_port()}", redefs="redef LogNATS::connect_timeout = 1sec;"),
    )
    assert proc.returncode == 0
    lines = proc.stderr.splitlines()
    assert any(
        "foo/Log::WRITER_NATS: cannot connect to NATS at nats://127.0.0.1:" in line
        and "Connect call failed" in line
        for line in lines
    ), proc.stderr
    assert any("foo/Log::WRITER_NATS: terminating thread" in line for line in lines)
    assert len((tmp_path / "foo-file.log").read_text().splitlines()) == 5  # the other filter


def test_reader_without_the_log(nats_server, capsys):
    rc, out = reader("nothing", "--url", nats_server.default.url)
    assert (rc, out) == (1, "")
    assert capsys.readouterr().err.startswith("error: ")


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cluster" / "logs-to-nats"


def test_cluster_without_a_logger_logs_to_jetstream(nats_server, local_cluster, tmp_path):
    """The example: two workers and a manager, no logger; every record is in
    JetStream once, and no node wrote a log file."""
    url = nats_server.default.url
    n = 300
    c = local_cluster({"manager": "manager", "worker-1": "worker", "worker-2": "worker"})
    settings = tmp_path / "settings.zs"
    settings.write_text(f'redef LogNATS::url = "{url}";\nredef Sightings::n_records = {n};\n')
    c.start_all([EXAMPLE / "logs-to-nats.zs", settings])
    assert c.wait_exit("manager") == 0
    out = c.output("manager")
    assert "worker-1 wrote 300 records" in out and "worker-2 wrote 300 records" in out, out
    c.stop_all()  # the workers: SIGTERM, their writers wait for the last acknowledgements
    rc, tsv = reader("sightings", "--url", url)
    assert rc == 0
    rows = [line.split("\t") for line in tsv.splitlines() if not line.startswith("#")]
    assert Counter((node, int(i)) for _ts, node, i in rows) == Counter(
        (w, i) for w in ("worker-1", "worker-2") for i in range(n)
    )
    assert not list(c.dir.glob("**/sightings*.log"))
    for node in ("manager", "worker-1", "worker-2"):
        assert "error" not in c.output(node), c.output(node)
