"""Tests of the ASCII writer's files: devices, gzip, shadow files and leftover logs.

* a path under ``/dev/`` is written to as it is (no extension, no rotation);
* ``LogAscii::gzip_level`` compresses (also per filter, ``$config``), with
  ``gzip_file_extension``, and rotation keeps the extension;
* with ``LogAscii::enable_leftover_log_rotation`` a log with a rotation
  interval has a shadow file while it is open, naming its extension and
  postprocessor, removed by the rotation;
* at start-up, leftover logs (a shadow file and its log) are rotated and
  postprocessed, stale shadow files removed, unknown or wrongly typed
  postprocessors replaced by the default with Zeek's warning.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from logutil import manager, run_script

from zscript.logs import FilterSpec, LogManager, LogServices, StreamSpec
from zscript.logs.writers.leftover import find_leftover_logs, rotate_leftover_logs
from zscript.runtime.values import record_class
from zscript.types import COUNT, STRING, Field, RecordType

INFO = RecordType(
    [Field("n", COUNT, {"&log": None}), Field("s", STRING, {"&log": None, "&optional": None})],
    "Test::Info",
)


def rec(**fields):
    return record_class(INFO)._zmake({"f_" + k: v for k, v in fields.items()})


def stream(mgr: LogManager, **filter_kw) -> None:
    mgr.create_stream("Test::LOG", StreamSpec(INFO, path="test"))
    mgr.add_filter("Test::LOG", FilterSpec("default", **filter_kw))


# ------------------------------------------------------------------ devices


def test_dev_path_is_written_as_is(tmp_path):
    # /dev/null accepts writes and shows that no extension or log directory is added.
    mgr = manager(tmp_path)
    mgr.create_stream("Test::LOG", StreamSpec(INFO))
    mgr.add_filter("Test::LOG", FilterSpec("default", path="/dev/null", interval=60.0))
    mgr.write("Test::LOG", rec(n=1))
    mgr.flush("Test::LOG")
    fe = next(iter(mgr._streams["Test::LOG"].writers.values()))
    assert fe.backend.fname == "/dev/null"
    mgr.services.advance(60.0)  # no rotation of a device
    mgr.terminate()
    assert mgr.services.errors == []
    assert list(tmp_path.iterdir()) == []


def test_dev_stdout_from_a_script(tmp_path):
    script = """
@load base/frameworks/logging
module Test;
export { redef enum Log::ID += { LOG }; type Info: record { n: count; } &log; }
event zeek_init()
    {
    Log::create_stream(Test::LOG, [$columns=Info, $path="/dev/stdout"]);
    Log::write(Test::LOG, [$n=42]);
    }
"""
    proc = run_script(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "#path\t/dev/stdout" in lines
    assert "42" in lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.zeek"]


# --------------------------------------------------------------------- gzip


def test_gzip_level_and_extension(tmp_path):
    mgr = manager(tmp_path, **{"LogAscii::gzip_level": 6, "LogAscii::gzip_file_extension": "gzip"})
    stream(mgr)
    mgr.write("Test::LOG", rec(n=1, s="a"))
    mgr.write("Test::LOG", rec(n=2))
    mgr.terminate()
    text = gzip.decompress((tmp_path / "test.log.gzip").read_bytes()).decode()
    rows = [line for line in text.splitlines() if not line.startswith("#")]
    assert rows == ["1\ta", "2\t-"]
    assert text.splitlines()[-1].startswith("#close\t")


def test_gzip_per_filter_and_rotation(tmp_path):
    mgr = manager(tmp_path)
    stream(mgr, config={"gzip_level": "1"}, interval=60.0)
    mgr.write("Test::LOG", rec(n=1))
    mgr.services.advance(60.0)
    mgr.terminate()
    rotated = sorted(p.name for p in tmp_path.iterdir())
    assert rotated == ["test.2023-11-14-22-13-20.log.gz"]
    assert "1\t-" in gzip.decompress((tmp_path / rotated[0]).read_bytes()).decode()


@pytest.mark.parametrize("level", ["10", "-1"])
def test_gzip_level_out_of_range(tmp_path, level):
    mgr = manager(tmp_path)
    stream(mgr, config={"gzip_level": level})
    mgr.write("Test::LOG", rec(n=1))
    mgr.terminate()
    assert mgr.services.errors[0] == (
        "test/Log::WRITER_ASCII: invalid value for 'gzip_level', must be a number between 0 and 9."
    )


# ------------------------------------------------------------- shadow files


def test_shadow_file_while_open(tmp_path):
    def my_postprocessor(*args):
        return True

    my_postprocessor._zname = "Test::my_postprocessor"
    mgr = manager(tmp_path, **{"LogAscii::enable_leftover_log_rotation": True})
    stream(mgr, interval=3600.0, postprocessor=my_postprocessor)
    mgr.write("Test::LOG", rec(n=1))
    mgr.flush("Test::LOG")
    shadow = tmp_path / ".shadow.test.log"
    assert shadow.read_text() == ".log\nTest::my_postprocessor\n"
    mgr.services.terminating = True
    fe = next(iter(mgr._streams["Test::LOG"].writers.values()))
    assert mgr.rotate(fe) is not None
    assert not shadow.exists()
    mgr.terminate()
    assert mgr.services.errors == []


def test_no_shadow_without_rotation_interval(tmp_path):
    mgr = manager(tmp_path, **{"LogAscii::enable_leftover_log_rotation": True})
    stream(mgr)
    mgr.write("Test::LOG", rec(n=1))
    mgr.terminate()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.log"]


# ------------------------------------------------------------ leftover logs


class _Services(LogServices):
    """Records rotation callbacks; knows one postprocessor by name."""

    def __init__(self, options):
        super().__init__(options, now=1700000000.0)
        self.finished = []

    def postprocessor_named(self, name):
        return "custom" if name == "Test::pp" else None

    def rotation_finished(self, writer, new_name, path, open_time, close_time, term, pp):
        self.finished.append((writer, new_name, path, pp, term))
        return True


def _leftover(directory: Path, name: str, shadow: str, content: str = "data\n") -> None:
    (directory / name).write_text(content)
    (directory / f".shadow.{name}").write_text(shadow)


def test_leftover_logs_are_rotated(tmp_path):
    _leftover(tmp_path, "conn.log", ".log\nTest::pp\n", "conn data\n")
    _leftover(tmp_path, "dns.log", ".log\nnope\n")
    (tmp_path / ".shadow.gone.log").write_text(".log\n\n")
    svc = _Services(
        {"Log::default_logdir": str(tmp_path), "LogAscii::enable_leftover_log_rotation": True}
    )
    assert rotate_leftover_logs(svc) == 2
    names = sorted(p.name for p in tmp_path.iterdir())
    assert not [n for n in names if n.startswith(".shadow.")]  # the stale one too
    assert [f[2:4] for f in svc.finished] == [("conn", "custom"), ("dns", None)]
    conn_target = svc.finished[0][1]
    assert Path(conn_target).read_text() == "conn data\n"
    assert conn_target.endswith(".log") and Path(conn_target).parent == tmp_path
    assert svc.warnings == [
        f"Could not postprocess log '{tmp_path}/dns.log' with intended postprocessor "
        "function 'nope', proceeding  with the default function"
    ]
    assert svc.infos == [
        f"Rotated/postprocessed leftover log '{tmp_path}/{n}.log' -> '{t}' "
        for n, t in (("conn", conn_target), ("dns", svc.finished[1][1]))
    ]


def test_leftover_rotation_is_off_by_default(tmp_path):
    _leftover(tmp_path, "conn.log", ".log\n\n")
    svc = _Services({"Log::default_logdir": str(tmp_path)})
    assert rotate_leftover_logs(svc) == 0
    assert (tmp_path / "conn.log").exists()


def test_invalid_shadow_file_uses_defaults(tmp_path):
    _leftover(tmp_path, "conn.log", "garbage")
    svc = _Services({"Log::default_logdir": str(tmp_path)})
    (found,) = find_leftover_logs(svc)
    assert (found.extension, found.post_proc_func, found.path) == (".log", "", "conn")
    assert svc.warnings[0].startswith(f"Found leftover log, '{tmp_path}/conn.log', but the")


def test_leftover_from_a_script(tmp_path):
    _leftover(tmp_path, "conn.log", ".log\nmy_pp\n", "leftover conn log\n")
    script = """
@load base/frameworks/logging
function my_pp(info: Log::RotationInfo) : bool
    {
    print fmt("postprocessing %s -> %s", info$path, info$fname);
    return T;
    }
redef LogAscii::enable_leftover_log_rotation = T;
redef Log::default_rotation_date_format = "rotated";
event zeek_init() { print "zeek_init"; }
"""
    proc = run_script(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    # my_pp is not the default postprocessor: rotation_format_func's other format.
    (rotated,) = [p.name for p in tmp_path.glob("conn-*.log")]
    assert proc.stdout == f"postprocessing conn -> {rotated}\nzeek_init\n"
    assert (tmp_path / rotated).read_text() == "leftover conn log\n"
    assert not (tmp_path / ".shadow.conn.log").exists()
    assert proc.stderr == (
        f"Rotated/postprocessed leftover log '{tmp_path}/conn.log' -> '{rotated}' \n"
    )


# ---------------------------------------------------------------- print log

PRINTS = """
redef Log::print_to_log = Log::%s;
event zeek_init()
    {
    local f = open("other");
    print f, "into, a file";
    print "to stdout,", 2;
    print f, T;
    close(f);
    print f, "closed";
    }
"""

# (With REDIRECT_ALL this print would be logged too, raising the event again.)
EVENTS = """
event Log::log_print(rec: Log::PrintLogInfo)
    {
    print open_for_append("events"), |rec$vals|;
    }
"""


def _rows(path) -> list[str]:
    return [ln.split("\t", 1)[1] for ln in path.read_text().splitlines() if ln[0] != "#"]


def test_print_to_log_stdout(tmp_path):
    proc = run_script(tmp_path, PRINTS % "REDIRECT_STDOUT" + EVENTS)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    # Each value of a print is one element (a comma inside one is escaped).
    assert _rows(tmp_path / "print.log") == ["to stdout\\x2c,2"]
    assert (tmp_path / "other").read_text() == "into, a file\nT\n"
    assert (tmp_path / "events").read_text() == "2\n"


def test_print_to_log_all(tmp_path):
    proc = run_script(
        tmp_path, PRINTS.replace("\n", '\nredef Log::print_log_path = "p";', 1) % "REDIRECT_ALL"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert _rows(tmp_path / "p.log") == [
        'file "other" of string,into\\x2c a file',
        "to stdout\\x2c,2",
        'file "other" of string,T',
    ]
    assert (tmp_path / "other").read_text() == ""


def test_print_without_redirect(tmp_path):
    proc = run_script(tmp_path, PRINTS % "REDIRECT_NONE")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "to stdout,, 2\n"
    assert not (tmp_path / "print.log").exists()
