"""``zscript repl``: input analysis, completion, highlighting, evaluation,
and the real REPL driven in a pseudo-terminal.

The first part needs no terminal: it checks how inputs are classified
(complete, unfinished, expression ...), what the completer offers, the
Pygments lexer, and the evaluation semantics on an in-process host.  The
last part starts ``python -m zscript repl`` under ``pexpect`` with a
temporary ``HOME``/``XDG_DATA_HOME`` and types at it; every process is
stopped by its fixture.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zscript.host import Host
from zscript.repl.commands import Quit
from zscript.repl.completion import ReplCompleter
from zscript.repl.evaluate import Evaluator
from zscript.repl.inputs import analyze, offset_of
from zscript.repl.lexer import ATTRIBUTES, ZscriptLexer
from zscript.repl.session import history_path, wants_more
from zscript.repl.validator import ReplValidator

# ------------------------------------------------------------ input analysis


@pytest.mark.parametrize(
    ("text", "kind", "statement_mode"),
    [
        ("", "empty", False),
        ("  # just a comment", "empty", False),
        (":load x.zs", "command", False),
        ("::x", "expression", False),
        ("1 + 2", "expression", False),
        ('fmt("%d", 3)', "expression", False),
        ("x = 5", "expression", False),
        ("1 +", "incomplete", False),
        ("print 1", "incomplete", False),
        ("function f() {", "incomplete", False),
        ("@if ( T )\nprint 1;", "incomplete", False),
        ("print 1;", "units", False),
        ("function f() {\n  print 1;\n}", "units", False),
        ("event e(c: count) { print c; }", "units", False),
        ("event e(1);", "units", True),
        ("event e(1)", "incomplete", True),
        ("@load foo", "units", False),
        ("x y", "error", False),
        ("print 1 +;", "error", False),
        ("}", "error", False),
        ('print "abc', "error", False),
    ],
)
def test_analyze(text, kind, statement_mode):
    a = analyze(text)
    assert (a.kind, a.statement_mode) == (kind, statement_mode)


def test_syntax_error_offset():
    text = "global x = 1;\nprint x +;"
    a = analyze(text)
    assert a.kind == "error"
    assert text[offset_of(text, a.error.span) :] == ";"


@pytest.mark.parametrize(
    ("text", "more"),
    [
        ("print 1", True),  # a missing ';': another line
        ("print 1\n", False),  # ... unless that line stays empty
        ("function f() {", True),
        ("function f() {\n", True),  # inside braces one empty line is not enough
        ("function f() {\n\n", False),
        ("print 1;", False),
        ("1 + 2", False),
        ("x y", False),  # an error: the validator deals with it
    ],
)
def test_enter_continues_unfinished_input(text, more):
    assert wants_more(text) is more


def test_validator_puts_cursor_on_error_once():
    from prompt_toolkit.document import Document
    from prompt_toolkit.validation import ValidationError

    v = ReplValidator()
    doc = Document("print 1 +;")
    with pytest.raises(ValidationError) as exc:
        v.validate(doc)
    assert exc.value.cursor_position == 9
    assert "syntax error" in exc.value.message
    v.validate(doc)  # Enter again: it runs, and the error prints with its caret
    v.validate(Document("print 1;"))


def test_history_path(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history_path() == tmp_path / "zscript" / "history"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert history_path() == tmp_path / ".local" / "share" / "zscript" / "history"
    assert history_path(str(tmp_path / "h")) == tmp_path / "h"


# ----------------------------------------------------------------- the lexer


def test_lexer_knows_new_attributes():
    from pygments.token import Keyword

    code = "global t: set[count] &on_change=f &backend=Broker::MEMORY &ordered &is_used &default_insert=1;"
    toks = [(t, v) for t, v in ZscriptLexer().get_tokens(code) if v.startswith("&")]
    assert toks == [
        (Keyword.Pseudo, a)
        for a in ("&on_change", "&backend", "&ordered", "&is_used", "&default_insert")
    ]


def test_lexer_is_registered_with_pygments():
    from pygments.lexers import get_lexer_by_name, get_lexer_for_filename

    assert type(get_lexer_by_name("zscript")).__name__ == "ZscriptLexer"
    assert type(get_lexer_for_filename("policy.zs")).__name__ == "ZscriptLexer"


def test_attribute_list_matches_the_language():
    from zscript.syntax import lexer

    assert set(ATTRIBUTES) == set(lexer._ATTRS)


# ---------------------------------------------------------------- completion


@pytest.fixture
def host():
    h = Host()
    yield h
    h.repl_stop()


def _complete(host, text):
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    comps = ReplCompleter(host).get_completions(Document(text), CompleteEvent())
    return {text[: len(text) + c.start_position] + c.text for c in comps}


def test_completion(host):
    for text in (
        "module Net; export { global counter: count = 0; }",
        "type Conn: record { orig: addr; resp_port: port; };",
        "global c: Conn;",
        "event ping(n: count) { }",
    ):
        assert host.repl_execute(_source(text)) == []
    assert "print" in _complete(host, "pri")  # keyword
    assert "Net::counter" in _complete(host, "Net::c")  # module member
    assert "Net::" in _complete(host, "Ne")  # module name
    assert {"c$orig"} == _complete(host, "c$or")  # record field
    assert {"c$orig", "c$resp_port"} == _complete(host, "c$")
    assert "event ping" in _complete(host, "event pi")  # event name
    assert "event print" not in _complete(host, "event pri")  # events only
    assert {"x &on_change", "x &optional", "x &ordered"} == _complete(host, "x &o")
    assert {":globals"} == _complete(host, ":gl")  # command
    assert "fmt" in _complete(host, "fm")  # built-in function


def _source(text):
    from zscript.diagnostics import SourceFile

    return SourceFile("<repl>", text)


# ---------------------------------------------------------------- evaluation


class _LiveStdout:
    """``print``'s stream: whatever ``sys.stdout`` is (capsys's) when it writes."""

    def write(self, text: str) -> None:
        sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def repl(capsys):
    """An in-process evaluator on a started host; ``run(text)`` returns (out, err)."""
    h = Host(stdout=_LiveStdout())
    h.repl_start()
    ev = Evaluator(h)

    def run(text: str) -> tuple[str, str]:
        ev.run(text)
        return capsys.readouterr()

    yield run
    h.repl_stop()


def test_expressions_print_like_print(repl):
    repl('global t: table[count] of string = {[1] = "a", [2] = "b"};')
    assert repl("1 + 2") == ("3\n", "")
    assert repl('fmt("%d", 3)') == ("3\n", "")
    assert repl('"tab\\t"') == ("tab\\x09\n", "")
    assert repl("t")[0] == "{\n[1] = a,\n[2] = b\n}\n"
    assert repl("x = 5")[1]  # an assignment runs as a statement: x is unknown


def test_statements_run_and_events_dispatch_at_once(repl):
    # zeek_init ran when the session started; a handler defined now never runs.
    assert repl('event zeek_init() { print "init"; }') == ("", "")
    repl('event e(n: count) { print fmt("e %d", n); }')
    assert repl('event e(1); print "queued";') == ("queued\ne 1\n", "")
    assert repl("event e(2);") == ("e 2\n", "")
    repl("local x = 41;")
    assert repl("++x") == ("", "")
    assert repl("x") == ("42\n", "")
    assert repl('print "later";') == ("later\n", "")


def test_errors_leave_no_half_declared_names(repl):
    out, err = repl('global ok = 1; global bad: count = "x"; global later = 2;')
    assert err.startswith("error in <repl>, line 1, column 36: type clash")
    assert "    global ok = 1;" in err and "^~~" in err
    assert repl("ok") == ("1\n", "")  # units before the error took effect
    assert "unknown identifier 'bad'" in repl("bad")[1]
    assert "unknown identifier 'later'" in repl("later")[1]
    repl("global bad: count = 3;")
    assert repl("bad") == ("3\n", "")
    repl("type R: record { a: count; };")
    assert (
        "unknown type" in repl("redef record R += { b: count &optional; c: nope &optional; };")[1]
    )
    assert repl("R($a=1)") == ("[a=1]\n", "")  # neither b nor c was added


def test_redefining_a_function_or_global(repl):
    repl("function f(): count { return 1; }")
    repl("function f(): count { return 2; }")
    assert repl("f()") == ("2\n", "")
    assert "incompatible function types" in repl('function f(): string { return "x"; }')[1]
    repl("global g = 1;")
    repl("global g = 2;")
    assert repl("g") == ("2\n", "")


def test_runtime_error_does_not_end_the_session(repl):
    repl("global t: table[count] of string;")
    out, err = repl("t[99]")
    assert err == (
        "expression error in <repl>, line 1, column 1: no such index (t[99])\n"
        "    t[99]\n"
        "    ^~~~~\n"
    )
    assert repl('print "alive";') == ("alive\n", "")


def test_commands(repl):
    repl("global n: count = 3;")
    repl("event ping(c: count) { }")
    assert repl(":type n + 1") == ("count\n", "")
    assert repl(":type n")[0] == "count\n"
    out, _ = repl(":globals")
    assert "var n: count" in out and "event ping: event(c:count)" in out
    assert "ping: event(c:count)  (1 handler)" in repl(":events")[0]
    assert ":load FILE" in repl(":help")[0]
    assert "unknown command ':nope'" in repl(":nope")[1]
    with pytest.raises(Quit) as q:
        repl(":quit 3")
    assert q.value.code == 3


def test_load_command(repl, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib.zs").write_text("global from_lib = 7;\n")
    (tmp_path / "broken.zs").write_text("global x: count = nope;\n")
    assert repl(":load lib.zs") == ("", "")
    assert repl("from_lib") == ("7\n", "")
    assert "already loaded" in repl(":load lib.zs")[1]
    assert "error in broken.zs, line 1" in repl(":load broken.zs")[1]
    (tmp_path / "broken.zs").write_text("global x: count = 1;\n")
    assert repl("@load broken") == ("", "")  # a failed file can be loaded again
    assert repl("x") == ("1\n", "")


# ------------------------------------------------------ without a terminal


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, TZ="UTC", LC_ALL="C", PYTHONIOENCODING="utf-8")
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    env.update(TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="100", LINES="24")
    env.pop("ZSCRIPTPATH", None)
    return env


def test_piped_input(tmp_path):
    script = (
        'event zeek_done() { print "done"; }\n'
        "function f(n: count): count {\n    return n * 2;\n}\n"
        "f(21)\n"
        "nope\n"
        "schedule 10 sec { zeek_done() };\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", "repl"],
        input=script,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout=30,
    )
    assert proc.returncode == 0
    assert proc.stdout == "42\ndone\ndone\n"
    assert "error in <repl>, line 1, column 1: unknown identifier 'nope'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_node_option_with_bad_layout(tmp_path):
    (tmp_path / "c.toml").write_text("[nodes.x]\ntype = 'nonsense'\n")
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", "repl", "--node", "worker-1", "--layout", "c.toml"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout=30,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: c.toml [nodes.x]: type must be one of")
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------- in a real terminal

pexpect = pytest.importorskip("pexpect") if os.name == "posix" else None

#: prompt-toolkit turns bracketed paste off when an input is accepted and on
#: again when the next prompt reads, in raw mode: text typed from then on is
#: not lost.
_ACCEPTED = "\x1b[?2004l"
_READY = "\x1b[?2004h"


class Terminal:
    """A ``zscript repl`` in a pseudo-terminal, with a transcript of its output.

    :meth:`run` types a complete input and waits until the next prompt reads;
    :meth:`type` types without waiting (continuation lines, text for the
    completer).  :meth:`expect_line` waits for an output line written since
    the last :meth:`run`: output reaches the screen asynchronously, before or
    after the next prompt appears.  Expected lines are chosen to differ from
    the typed text (``"a" + "b"`` prints ``ab``), so the echo never matches.
    """

    def __init__(self, tmp_path: Path, *args: str):
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "zscript", "repl", *args],
            cwd=str(tmp_path),
            env=_env(tmp_path),
            encoding="utf-8",
            timeout=15,
            dimensions=(24, 100),
        )
        self.raw = ""
        self.mark = 0
        self._wait_for(lambda text: _READY in text)

    def _wait_for(self, found, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not found(self.raw[self.mark :]):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"not shown in time; the terminal shows:\n{self.raw[self.mark :]!r}"
                )
            try:
                self.raw += self.child.read_nonblocking(65536, timeout=min(left, 0.5))
            except pexpect.TIMEOUT:
                pass

    def type(self, text: str, pause: float = 0.0) -> None:
        self.child.send(text)
        if pause:
            time.sleep(pause)

    def run(self, text: str) -> None:
        """Type a complete input and wait until the next prompt reads."""
        self.mark = len(self.raw)
        self.child.send(text + "\r")
        self._wait_for(lambda t: _ACCEPTED in t and _READY in t[t.index(_ACCEPTED) :])

    def expect(self, pattern: str, timeout: float = 15) -> None:
        """Wait for ``pattern`` (a regex) in what was shown since the last :meth:`run`."""
        self._wait_for(lambda text: re.search(pattern, text) is not None, timeout)

    def expect_line(self, line: str, timeout: float = 15) -> None:
        """Wait for an output line (the echo of input is never a whole line)."""
        self.expect(r"(?:\x1b\[[0-9;?]*[A-Za-z]|\n)" + re.escape(line) + r"\r\n", timeout)

    def settle(self, quiet: float = 0.3) -> None:
        """Wait until the terminal shows nothing new for ``quiet`` seconds."""
        with contextlib.suppress(pexpect.EOF):
            while True:
                try:
                    self.raw += self.child.read_nonblocking(65536, timeout=quiet)
                except pexpect.TIMEOUT:
                    return

    def close(self) -> int | None:
        """Quit with Ctrl-D (at a quiet prompt: a key typed while output is
        written may be dropped), or kill the REPL; return its exit status."""
        for _ in range(3):
            if not self.child.isalive():
                break
            self.settle()
            self.child.sendcontrol("d")
            with contextlib.suppress(pexpect.TIMEOUT):
                self.child.expect(pexpect.EOF, timeout=3)
        else:
            self.child.terminate(force=True)
        self.child.close()
        return self.child.exitstatus


@pytest.fixture
def term(tmp_path):
    t = Terminal(tmp_path)
    yield t
    t.close()


def test_terminal_multi_line_input(term):
    term.type("function f(n: count): count {\r")
    term.expect(r"\.\.\.")  # the continuation prompt
    term.type("return n + 40;\r")
    term.run("}")
    term.run("f(2)")
    term.expect_line("42")
    term.type('print "x"\r')  # no ';' yet: another line
    term.expect(r"\.\.\.")
    term.run('+ "y";')
    term.expect_line("xy")


def test_terminal_completion(term):
    term.run("global unique_counter = 5;")
    term.run("type Rec: record { alpha: count; beta: string; };")
    term.run('global rec = Rec($alpha=1, $beta="b");')
    term.type("unique_cou", pause=0.5)
    term.type("\t", pause=0.3)
    term.run(" + 1")
    term.expect_line("6")
    term.type("rec$al", pause=0.5)
    term.type("\t", pause=0.3)
    term.run(" + 10")
    term.expect_line("11")


def test_terminal_errors_do_not_end_the_session(term):
    term.run("nope + 1;")
    term.expect("error in <repl>, line 1, column 1: unknown identifier 'nope'")
    term.expect(r"\^~~~")
    term.type("print 1 +;\r")  # a syntax error: the cursor goes to it ...
    term.expect("Enter again runs it anyway")
    term.run("")  # ... and Enter again prints it with its caret
    term.expect('error in <repl>, line 1, column 10: syntax error, at or near ";"')
    term.run("global t: table[count] of string;")
    term.run("t[1]")
    term.expect(re.escape("expression error in <repl>, line 1, column 1: no such index (t[1])"))
    term.type('print "never";', pause=0.2)
    term.child.sendcontrol("c")  # discards the input, does not quit
    term.run('print "still" + "here";')
    term.expect_line("stillhere")


def test_terminal_scheduled_event_fires_while_idle(term):
    term.run('event tick() { print "ti" + "ck"; }')
    term.run("schedule 1 sec { tick() };")
    term.type("print 4", pause=0.1)  # half-typed when the event fires
    term.expect(r"tick\r\n", timeout=10)
    term.run(" + 1;")  # the typed text survived the output
    term.expect_line("5")


def test_terminal_quit_and_history(tmp_path):
    t = Terminal(tmp_path)
    t.run('event zeek_done() { print "bye" + "bye"; }')
    t.settle()
    t.type(":quit 3\r")
    t.expect_line("byebye")
    assert t.close() == 3
    history = (tmp_path / "data" / "zscript" / "history").read_text()
    assert "+:quit 3" in history


# -------------------------------------------------------- joining a cluster

_PUBLISHER = """
global hello: event(s: string);
global from_repl: event(s: string);

global answered = F;

# Say hello on test.topic every second until the REPL answered, so a client
# that subscribes later sees it.
event tick(n: count)
	{
	if ( answered )
		return;

	Cluster::publish("test.topic", hello, fmt("tick %d", n));
	schedule 1sec { tick(n + 1) };
	}

event zeek_init() { schedule 1sec { tick(1) }; }

event from_repl(s: string)
	{
	answered = T;
	print fmt("manager got: %s", s);
	}
event Cluster::node_up(name: string, id: string) { print fmt("node_up %s", name); }
"""


@pytest.mark.parametrize("as_node", ["repl-client", "worker-1"])
def test_terminal_joins_a_cluster(tmp_path, local_cluster, as_node):
    """The REPL joins a running cluster (as a client outside the layout, or as a
    layout node), receives what is published on its subscription, and
    publishes an event the manager handles."""
    script = tmp_path / "publisher.zs"
    script.write_text(_PUBLISHER)
    c = local_cluster({"manager": "manager", "worker-1": "worker"})
    c.start("manager", [script])
    t = Terminal(tmp_path, "--node", as_node, "--layout", str(c.layout))
    try:
        t.run("global hello: event(s: string);")
        t.run("global from_repl: event(s: string);")
        t.run('event hello(s: string) { print fmt("repl got: %s", s); }')
        t.run('Cluster::subscribe("test.topic");')
        t.expect(r"repl got: tick \d+", timeout=20)
        t.run('Cluster::publish(Cluster::manager_topic, from_repl, "hi from the prompt");')
        c.wait_for("manager", "manager got: hi from the prompt")
        t.run('print fmt("node=[%s]", Cluster::node);')
        if as_node == "worker-1":
            t.expect_line("node=[worker-1]")
            c.wait_for("manager", "node_up worker-1")  # a member: the handshake ran
        else:
            t.expect_line("node=[]")  # a client, not a member of the layout
            assert "node_up" not in c.output("manager")
    finally:
        assert t.close() == 0
