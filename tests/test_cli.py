"""The ``zscript`` command line, run as a real subprocess.

Each test writes its scripts into ``tmp_path`` and runs ``python -m zscript``
there, so messages show bare file names.  Every run must end without a
Python traceback on stderr.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import zscript

ROOT = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    env = dict(os.environ, TZ="UTC", LC_ALL="C", PYTHONIOENCODING="utf-8")
    env.pop("ZSCRIPTPATH", None)
    env.pop("ZSCRIPT_VIRTUAL_TIME", None)
    env.pop("ZSCRIPT_ERROR_FORMAT", None)
    return env


def run_cli(
    *args: str, cwd: Path, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m zscript ARGS`` in ``cwd``; fail on any Python traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**_env(), **(env or {})},
    )
    assert "Traceback" not in proc.stderr, (
        f"zscript {' '.join(args)} printed a traceback:\n{proc.stderr}"
    )
    return proc


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HELLO = 'event zeek_init()\n\t{\n\tprint "hello, world";\n\t}\n'

# ----------------------------------------------------------------- version


def test_version_via_module(tmp_path):
    proc = run_cli("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"zscript {zscript.__version__}"


def test_version_via_console_script(tmp_path):
    exe = Path(sys.executable).with_name("zscript")
    if not exe.exists():
        pytest.skip("the zscript console script is not installed next to this interpreter")
    proc = subprocess.run(
        [str(exe), "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"zscript {zscript.__version__}"


def test_no_command_is_a_usage_error(tmp_path):
    proc = run_cli(cwd=tmp_path)
    assert proc.returncode == 2
    assert "usage: zscript" in proc.stderr


@pytest.mark.parametrize("args", [["run"], ["run", "standalone"], ["run", "--bare"]])
def test_run_without_a_script_is_a_usage_error(tmp_path, args):
    proc = run_cli(*args, cwd=tmp_path, env={"CLUSTER_NODE": ""})
    assert proc.returncode == 2
    assert "usage: zscript run" in proc.stderr
    assert "no script to run" in proc.stderr


def test_run_with_only_code_runs_it(tmp_path):
    proc = run_cli("run", "-e", 'print "from -e";', cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "from -e\n")


# ------------------------------------------------------------------- check

ROLE_SCRIPT = """\
@if ( Cluster::local_node_type() != Cluster::WORKER )
global not_on_workers = 1;
@endif

event zeek_init()
\t{
\tprint not_on_workers;
\t}
"""


def test_check_reports_a_role_where_the_script_breaks(tmp_path):
    write(tmp_path, "roles.zs", ROLE_SCRIPT)
    proc = run_cli("check", "roles.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("as worker-1 (worker):\n"), proc.stderr
    assert "unknown identifier 'not_on_workers'" in proc.stderr
    assert "as manager" not in proc.stderr


def test_check_as_one_node(tmp_path):
    write(tmp_path, "roles.zs", ROLE_SCRIPT)
    assert run_cli("check", "--node", "manager", "roles.zs", cwd=tmp_path).returncode == 0
    proc = run_cli("check", "--node", "worker-2", "roles.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert "unknown identifier 'not_on_workers'" in proc.stderr
    assert not proc.stderr.startswith("as "), "one node: no role headers"


def test_check_uses_the_layout_given(tmp_path):
    """A layout without workers: no worker role to break in."""
    write(tmp_path, "roles.zs", ROLE_SCRIPT)
    write(
        tmp_path,
        "layout.toml",
        '[nodes.manager]\ntype = "manager"\n\n[nodes.logger-1]\ntype = "logger"\nport = 27761\n',
    )
    proc = run_cli("check", "--layout", "layout.toml", "roles.zs", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_check_good_file(tmp_path):
    write(
        tmp_path,
        "good.zs",
        HELLO + "global x: count = 1;\nfunction f(n: count): count { return n + x; }\n",
    )
    proc = run_cli("check", "good.zs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == ""


def test_check_does_not_run_handlers(tmp_path):
    write(tmp_path, "h.zs", HELLO)
    proc = run_cli("check", "h.zs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "hello" not in proc.stdout


_HEADER = re.compile(
    r"^error in (?P<file>.+?), line (?P<line>\d+), column (?P<col>\d+): (?P<msg>.+)$"
)


def parse_static_errors(stderr: str) -> list[dict]:
    """Split rendered static errors into header fields, source line and caret line."""
    lines = stderr.splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = _HEADER.match(lines[i])
        assert m, f"unexpected stderr line {lines[i]!r} in:\n{stderr}"
        assert i + 2 < len(lines), f"error without source excerpt:\n{stderr}"
        out.append({**m.groupdict(), "source": lines[i + 1], "caret": lines[i + 2]})
        i += 3
    return out


@pytest.mark.parametrize(
    ("text", "line", "col", "token", "message"),
    [
        # unknown identifier; the line starts with a tab, which the excerpt expands
        (
            "event zeek_init()\n\t{\n\tlocal x = cnt + 1;\n\t}\n",
            3,
            12,
            "cnt",
            "unknown identifier 'cnt'",
        ),
        # type error
        ('global x: count = "a string";\n', 1, 19, '"a string"', ""),
        # syntax error
        ("global x = 1;\nglobal y = x +;\n", 2, 15, ";", "syntax error"),
    ],
    ids=["unknown-identifier", "type-error", "syntax-error"],
)
def test_check_bad_file(tmp_path, text, line, col, token, message):
    write(tmp_path, "bad.zs", text)
    proc = run_cli("check", "bad.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    errors = parse_static_errors(proc.stderr)
    first = errors[0]
    assert first["file"] == "bad.zs"
    assert (int(first["line"]), int(first["col"])) == (line, col), proc.stderr
    assert message in first["msg"]
    # The excerpt is the offending source line (tabs expanded), indented by 4.
    src_line = text.split("\n")[line - 1]
    assert first["source"] == "    " + src_line.expandtabs(8)
    # The caret sits under the token and is followed by ~ for the rest of it.
    caret = first["caret"]
    assert re.fullmatch(r" *\^~*", caret), caret
    start = caret.index("^")
    assert first["source"][start : start + len(caret.strip())] == token


def test_check_reports_errors_from_every_file(tmp_path):
    write(tmp_path, "one.zs", "global a: count = nope1;\n")
    write(tmp_path, "two.zs", "global b: count = nope2;\n")
    proc = run_cli("check", "one.zs", "two.zs", cwd=tmp_path)
    assert proc.returncode == 1
    errors = parse_static_errors(proc.stderr)
    assert [(e["file"], e["msg"]) for e in errors] == [
        ("one.zs", "unknown identifier 'nope1'"),
        ("two.zs", "unknown identifier 'nope2'"),
    ]


def test_check_missing_file(tmp_path):
    proc = run_cli("check", "does-not-exist.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: can't find does-not-exist.zs"


# --------------------------------------------------------------------- run


def test_run_hello(tmp_path):
    write(tmp_path, "hello.zs", HELLO)
    proc = run_cli("run", "standalone", "hello.zs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "hello, world\n"
    assert proc.stderr == ""


def test_run_bundled_example(tmp_path):
    proc = run_cli(
        "run", "--virtual-time", "standalone", str(ROOT / "examples" / "hello.zs"), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "sighting 1 of a.example" in proc.stdout
    assert "all ticks seen" in proc.stdout


def test_run_script_named_without_suffix(tmp_path):
    # As zeek: ``./boot`` on the command line is boot.zeek (or boot.zs).
    write(tmp_path, "boot.zeek", 'print "boot";\n')
    write(tmp_path, "main.zs", 'print "main";\n')
    proc = run_cli("run", "standalone", "./boot", "./main", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "boot\nmain\n"


def test_run_missing_file(tmp_path):
    proc = run_cli("run", "standalone", "nope.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip() == "error: can't find nope.zs"


def test_run_missing_second_file_runs_nothing(tmp_path):
    write(tmp_path, "hello.zs", HELLO)
    proc = run_cli("run", "standalone", "hello.zs", "nope.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "can't find nope.zs" in proc.stderr


def test_run_static_error_runs_nothing(tmp_path):
    write(tmp_path, "bad.zs", HELLO + "global x: count = no_such_name;\n")
    proc = run_cli("run", "standalone", "bad.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert parse_static_errors(proc.stderr)[0]["msg"] == "unknown identifier 'no_such_name'"


RUNTIME_ERROR = """\
global t: table[string] of count;

event later()
	{
	print "later event";
	}

event zeek_init()
	{
	print "before";
	print t["nope"];
	print "not reached";
	}

event zeek_init() &priority=-5
	{
	print "next handler";
	schedule 1 sec { later() };
	}

event zeek_done()
	{
	print "done";
	}
"""


def test_runtime_error_format_and_next_event_runs(tmp_path):
    write(tmp_path, "f.zs", RUNTIME_ERROR)
    proc = run_cli("run", "--virtual-time", "standalone", "f.zs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # The rich format: the column, the source line and a caret under the expression.
    assert proc.stderr == (
        "expression error in f.zs, line 11, column 8: no such index (t[nope])\n"
        '            print t["nope"];\n'
        "                  ^~~~~~~~~\n"
    )
    # The failing handler stops; the other handler, later events and zeek_done run.
    assert proc.stdout == "before\nnext handler\nlater event\ndone\n"


ZEEK_FORMAT_CASES = {
    # (script, exit status, stderr in Zeek's one-line form)
    "runtime": (RUNTIME_ERROR, 0, "expression error in ./f.zs, line 11: no such index (t[nope])\n"),
    "static": (
        "event zeek_init()\n\t{\n\tlocal x = 1;\n\tx = nope;\n\t}\n",
        1,
        'error in ./f.zs, line 4: unknown identifier nope, at or near "nope"\n',
    ),
    "syntax": ("global x = 1 +;\n", 1, 'error in ./f.zs, line 1: syntax error, at or near ";"\n'),
}


@pytest.mark.parametrize("case", sorted(ZEEK_FORMAT_CASES))
@pytest.mark.parametrize("how", ["flag", "env"])
def test_zeek_error_format(tmp_path, case, how):
    script, status, stderr = ZEEK_FORMAT_CASES[case]
    write(tmp_path, "f.zs", script)
    if how == "flag":
        proc = run_cli(
            "run", "--virtual-time", "standalone", "--error-format", "zeek", "./f.zs", cwd=tmp_path
        )
    else:
        env = {"ZSCRIPT_ERROR_FORMAT": "zeek"}
        proc = run_cli("run", "--virtual-time", "standalone", "./f.zs", cwd=tmp_path, env=env)
    assert proc.returncode == status
    assert proc.stderr.replace("fatal error: errors occurred while initializing\n", "") == stderr


def test_error_format_flag_wins_over_env(tmp_path):
    write(tmp_path, "f.zs", "global x = 1 +;\n")
    env = {"ZSCRIPT_ERROR_FORMAT": "zeek"}
    proc = run_cli("check", "--error-format", "rich", "f.zs", cwd=tmp_path, env=env)
    assert proc.returncode == 1
    assert parse_static_errors(proc.stderr)[0]["col"] == "15"


def test_check_takes_error_format(tmp_path):
    write(tmp_path, "f.zs", "global x = 1 +;\n")
    proc = run_cli("check", "--error-format", "zeek", "./f.zs", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (
        1,
        'error in ./f.zs, line 1: syntax error, at or near ";"\n',
    )


def test_unknown_error_format_in_env_is_a_usage_error(tmp_path):
    write(tmp_path, "f.zs", HELLO)
    proc = run_cli("run", "standalone", "f.zs", cwd=tmp_path, env={"ZSCRIPT_ERROR_FORMAT": "xml"})
    assert proc.returncode == 2
    assert proc.stderr == "error: unknown error format 'xml' (one of: rich, zeek)\n"
    assert proc.stdout == ""


A_ZS = 'global greeting = "from a";\nevent zeek_init() { print "init a"; }\nprint "top a";\n'
B_ZS = 'event zeek_init() { print "init b"; }\nprint "top b", greeting;\n'


def test_multiple_files_run_in_order(tmp_path):
    write(tmp_path, "a.zs", A_ZS)
    write(tmp_path, "b.zs", B_ZS)
    proc = run_cli("run", "standalone", "a.zs", "b.zs", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "top a\ntop b, from a\ninit a\ninit b\n"


def test_multiple_files_order_matters(tmp_path):
    # b.zs uses a global declared in a.zs: loading b first must fail statically.
    write(tmp_path, "a.zs", A_ZS)
    write(tmp_path, "b.zs", B_ZS)
    proc = run_cli("run", "standalone", "b.zs", "a.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    err = parse_static_errors(proc.stderr)[0]
    assert (err["file"], err["line"], err["msg"]) == ("b.zs", "2", "unknown identifier 'greeting'")


def test_exec_code_alone(tmp_path):
    proc = run_cli(
        "run", "standalone", "-e", 'event zeek_init() { print "from -e"; }', cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "from -e\n"


def test_exec_code_runs_after_files(tmp_path):
    write(tmp_path, "a.zs", A_ZS)
    proc = run_cli(
        "run",
        "standalone",
        "a.zs",
        "-e",
        'event zeek_init() { print "from -e", greeting; }',
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "top a\ninit a\nfrom -e, from a\n"


def test_exec_code_error_names_command_line(tmp_path):
    proc = run_cli("run", "standalone", "-e", "print 1 +;", cwd=tmp_path)
    assert proc.returncode == 1
    err = parse_static_errors(proc.stderr)[0]
    assert (err["file"], err["line"], err["col"]) == ("<command line>", "1", "10")
    assert err["source"] == "    print 1 +;"


PARAMS_ZS = (
    'const site = "none" &redef;\n'
    "const n = 1 &redef;\n"
    "option ports: set[port] = {};\n"
    "global plain = 3;\n"
    "event zeek_init() { print site, n, |ports|, 80/tcp in ports; }\n"
)


def test_command_line_redefinitions(tmp_path):
    """``NAME=VALUE`` after the files redefines a global, as ``zeek x.zeek NAME=VALUE``:
    strings are quoted, other values are script text, ``NAME+=VALUE`` adds."""
    write(tmp_path, "p.zs", PARAMS_ZS)
    proc = run_cli("run", "p.zs", "site=web 1", "n+=41", "ports=set(80/tcp)", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "web 1, 42, 1, T\n"
    # They come before -e code, and a node name may precede them.
    proc = run_cli("run", "standalone", "p.zs", "n=5", "-e", "print n;", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "5\nnone, 5, 0, F\n"


def test_info_after_command_line_redefinitions(tmp_path):
    """Zeek's messages from outside any script show where its parser stopped:
    ``<params>, line 1`` once the command line redefined something."""
    write(
        tmp_path,
        "t.zs",
        "redef exit_only_after_terminate = T;\n"
        "const n = 1 &redef;\n"
        "event zeek_init() { print n; terminate(); }\n",
    )
    proc = run_cli("run", "t.zs", "n=2", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "2\n"), proc.stderr
    assert proc.stderr == "<params>, line 1: received termination signal\n"
    proc = run_cli("run", "t.zs", cwd=tmp_path)
    assert (proc.stdout, proc.stderr) == ("1\n", "received termination signal\n")


def test_no_unused_warnings(tmp_path):
    """Zeek's usage warnings are on by default; ``--no-unused-warnings`` turns them off."""
    write(tmp_path, "u.zs", "module M;\nfunction f() { }\nevent zeek_init() { print 1; }\n")
    proc = run_cli("run", "--error-format", "zeek", "u.zs", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stderr == (
        "warning in u.zs, line 2: non-exported function does not have any callers (M::f)\n"
    )
    proc = run_cli("run", "--no-unused-warnings", "u.zs", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "1\n", "")


@pytest.mark.parametrize(
    "param, message",
    [
        ("nope=1", "error: unknown identifier 'nope' in command-line options"),
        ("n=", "error: must assign non-empty value to 'n' in command-line options"),
        ("plain=4", "error in <params>, line 1: 'plain' is not a redef-able variable"),
        ("n=x", 'error in <params>, line 1: unknown identifier x, at or near "x"'),
    ],
)
def test_command_line_redefinition_errors(tmp_path, param, message):
    write(tmp_path, "p.zs", PARAMS_ZS)
    proc = run_cli("run", "--error-format", "zeek", "p.zs", param, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith(message), proc.stderr


@pytest.mark.parametrize(
    "layout",
    ["options-before-node", "options-after-files", "cli-option-between-node-and-files"],
)
def test_run_option_positions(tmp_path, layout):
    write(tmp_path, "hello.zs", HELLO)
    args = {
        "options-before-node": ["run", "--virtual-time", "standalone", "hello.zs"],
        "options-after-files": ["run", "standalone", "hello.zs", "--virtual-time"],
        # The form README.md documents.
        "cli-option-between-node-and-files": ["run", "standalone", "--virtual-time", "hello.zs"],
    }[layout]
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "hello, world\n"


# ------------------------------------------------------------- SIGPIPE


def test_output_reader_going_away_ends_the_run_quietly(tmp_path):
    """``zscript run ... | head -1``: the end of the pipe stops zscript as SIGPIPE would."""
    write(
        tmp_path,
        "many.zs",
        "event zeek_init() { local i = 0; while ( i < 1000000 ) { print i; ++i; } }\n",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "zscript", "run", "standalone", "many.zs"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    try:
        assert proc.stdout.readline() == b"0\n"
        proc.stdout.close()  # the reader goes away
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == -13  # SIGPIPE
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert err == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_running_node_ignores_sigpipe(tmp_path):
    """Writes to sockets whose peer left are errors handled where they happen
    (metrics, WebSocket clients), never a SIGPIPE that kills the node."""
    write(
        tmp_path,
        "wait.zs",
        'redef exit_only_after_terminate = T;\nevent zeek_init() { print "up"; }\n',
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "zscript", "run", "standalone", "wait.zs"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        env=_env(),
    )
    try:
        assert proc.stdout.readline() == b"up\n"
        status = Path(f"/proc/{proc.pid}/status").read_text()
        ignored = int(re.search(r"^SigIgn:\s*([0-9a-f]+)$", status, re.M).group(1), 16)
        assert ignored & (1 << (13 - 1)), "SIGPIPE is not ignored"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()


# ------------------------------------------------- no internal errors (issue 12)

_NO_INTERNAL_ERRORS = [
    (
        "local-compound-init",
        "event zeek_init() { local n: count += 1; print n; }\n",
        1,
        "can't use += / -= for initializations of local variables",
    ),
    ("huge-count-literal", "global x = " + "9" * 4500 + ";\n", 1, "integer constant out of range"),
    ("huge-port-literal", "global p = " + "9" * 4500 + "/tcp;\n", 1, "bad port number"),
    ("zero-padded-literal", "global x = " + "0" * 5000 + "7;\nprint x;\n", 0, ""),
    ("long-load-name", "@load " + "a" * 300 + "\n", 1, "can't find aaaa"),
    (
        "missing-return-value",
        "function f(): count { if ( F ) return 1; }\nevent zeek_init() { print f() + 1; print 2; }\n",
        0,
        "warning: non-void function returning without a value: f",
    ),
    (
        "fmt-without-format-string",
        "event zeek_init() { print fmt(3735928559); }\n",
        1,
        "first argument to util::fmt() needs to be a format string",
    ),
    (
        "fmt-called-indirectly",
        "event zeek_init() { local f = fmt; print f(12); print 3; }\n",
        0,
        "first argument to util::fmt() needs to be a format string",
    ),
    (
        "to-count-of-5000-digits",
        'event zeek_init() { print to_count("' + "9" * 5000 + '"); }\n',
        0,
        "",
    ),
]


@pytest.mark.parametrize(
    ("name", "text", "status", "message"),
    _NO_INTERNAL_ERRORS,
    ids=[c[0] for c in _NO_INTERNAL_ERRORS],
)
def test_inputs_that_were_internal_errors(tmp_path, name, text, status, message):
    write(tmp_path, "t.zs", text)
    proc = run_cli("run", "standalone", "t.zs", cwd=tmp_path)
    assert "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode == status, proc.stderr
    assert message in proc.stderr
    if status == 0 and name != "missing-return-value":
        assert proc.stdout.strip() != ""


def test_loading_a_file_that_is_no_script_does_not_echo_it(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("password: hunter2 # not a script\n")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    write(sub, "s.zs", "@load ../../secret\n")
    proc = run_cli("check", "a/b/s.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert "hunter2" not in proc.stderr
    assert "a/b/../../secret is not a zscript file" in proc.stderr
    if Path("/etc/passwd").is_file():
        up = "../" * (len(tmp_path.resolve().parts) + 2)
        write(sub, "p.zs", f"@load {up}etc/passwd\n")
        proc = run_cli("check", "a/b/p.zs", cwd=tmp_path)
        assert proc.returncode == 1 and "is not a zscript file" in proc.stderr
        assert "root:" not in proc.stderr
    # A script without a suffix that parses still loads.
    (tmp_path / "plain").write_text('print "plain loaded";\n')
    write(tmp_path, "ok.zs", "@load ./plain\n")
    assert run_cli("run", "standalone", "ok.zs", cwd=tmp_path).stdout == "plain loaded\n"


# ------------------------------------------------ bounded output (issue 12)


def test_thousands_of_errors_on_one_long_line_stay_readable(tmp_path):
    names = ", ".join(f"u{i}" for i in range(8000))  # a line of ~60 KB
    write(tmp_path, "t.zs", f"event zeek_init() {{ print {names}; }}\n")
    proc = run_cli("check", "t.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert len(proc.stderr) < 60_000, len(proc.stderr)
    assert proc.stderr.count("unknown identifier") == 100
    assert proc.stderr.rstrip().endswith("(7900 more errors not shown)")
    # Each excerpt is a window around the caret, not the whole line.
    lines = proc.stderr.splitlines()
    assert max(len(ln) for ln in lines) < 400
    tenth = next(j for j, ln in enumerate(lines) if ln.endswith("'u9'"))
    assert "u9" in lines[tenth + 1] and lines[tenth + 2].strip().startswith("^~")


def test_overlong_messages_and_patterns(tmp_path):
    write(tmp_path, "t.zs", "global p = /" + "a" * (5 << 20) + "/;\n")
    proc = run_cli("check", "t.zs", cwd=tmp_path)
    assert proc.returncode == 1
    assert "bad pattern: pattern too long (5242880 characters; at most 1048576)" in proc.stderr
    assert len(proc.stderr) < 3000
    write(tmp_path, "ok.zs", "global p = /" + "ab" * 300_000 + "/;\nprint |p|;\n")
    assert run_cli("check", "ok.zs", cwd=tmp_path).returncode == 0
