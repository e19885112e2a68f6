"""The parser and checker never answer an input with a Python traceback.

Thousands of mutated scripts go through the real pipeline in-process
(``Host.load_source`` then ``Host.finish_loading``, as ``zscript check``
does).  Each must either load, or raise :class:`ZScriptError` whose error
diagnostics all point at a file, a line >= 1 and a column >= 1, and render.
Anything else is a bug; the failing input is printed and written to
``tmp_path``.

The mutants come from valid seed scripts (below, plus ``examples/*.zs`` and
``tests/golden/**/*.zs``) through token and character edits: deletions,
duplications, swaps, insertions of punctuation, keywords and odd literals,
splices from other seeds, line edits and truncation, with a fixed random seed
(``ZSCRIPT_FUZZ_SEED``; ``ZSCRIPT_FUZZ_CASES`` sets the count).

Checking runs global initializers, so a mutant can loop forever at load time
(as it would under Zeek).  Each case therefore runs in a forked copy of a
ready-made :class:`Host` (which is also what makes thousands of cases fast),
under a per-case timer.  A case that times out inside compiled script code is
tolerated; one that times out inside the parser, checker or code generator is
a hang and fails.

Known zscript bugs are listed in ``KNOWN_BUGS`` (details in
``/work/scratch/infra-bugs.md``): a failure whose input and error both match
an entry is reported but does not fail the run.  Empty the list once fixed.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zscript.diagnostics import SourceFile, ZScriptError, render
from zscript.host import Host
from zscript.runtime.errors import ZeekExit

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"

N_CASES = int(os.environ.get("ZSCRIPT_FUZZ_CASES", "3000"))
RANDOM_SEED = int(os.environ.get("ZSCRIPT_FUZZ_SEED", "20240611"))
#: Seconds one case may run before it counts as looping (child-side timer).
CASE_TIMEOUT = 2.0
#: Seconds after which the parent kills a child that did not answer at all.
HARD_TIMEOUT = 30.0
#: Golden scripts used as extra seeds (the first ones, sorted by path).
MAX_GOLDEN_SEEDS = 60
JOBS = max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class KnownBug:
    """A zscript bug the suite tolerates until it is fixed.

    A failure is excused when ``input`` matches the script text and ``error``
    matches the failure's detail (traceback).
    """

    id: str
    input: str
    error: str

    def matches(self, text: str, detail: str) -> bool:
        return re.search(self.input, text) is not None and re.search(self.error, detail) is not None


#: Inputs nested or chained deeply enough to hit CPython limits.
_DEEP_INPUT = (
    r"(?:\w{0,40}\s{0,8}[({\[]\s{0,8}){100}"  # f(f(f(..., vector(vector(..., {{{..., [[[...
    r"|(?:\s{0,8}[-+*/%&|^]\s{0,8}\w{1,40}){90}"  # 1 + 1 + 1 ...
    r"|(?:if\s{0,8}\([^()]{0,200}\)\s{0,8}){90}"  # if ( T ) if ( T ) ...
    r"|[-!~+]{400}"  # prefix operators
    r"|(?:\[0\]){400}"  # v[0][0][0]...
)

KNOWN_BUGS: list[KnownBug] = []

SEED_1 = r"""
module Demo;

export {
	type Color: enum { RED, GREEN, BLUE };
	type Info: record {
		name: string;
		n: count &default=0;
		tags: set[string] &optional;
		c: Color &default=RED;
	};
	global lookup: function(k: string): count;
	const limit = 3 &redef;
	global hits: event(i: Info);
}

global tbl: table[string] of count &default=7;
global s: set[addr, port] = { [10.0.0.1, 80/tcp], [192.168.1.1, 53/udp] };
global v: vector of count = vector(1, 2, 3, 5, 8);
global pat = /fo+|ba[rz]/;
global net = 10.0.0.0/8;
global started = double_to_time(0.0);

function lookup(k: string): count
	{
	if ( k in tbl )
		return tbl[k];
	return |k| + limit;
	}

function fact(n: count): count
	{
	return n < 2 ? 1 : n * fact(n - 1);
	}

global f10 = fact(10);
global total = lookup("abc") + f10;

hook check(i: Info)
	{
	if ( i$n > 10 )
		break;
	}

event hits(i: Info) &priority=5
	{
	++tbl[i$name];
	if ( i?$tags )
		print fmt("%s tags=%d", i$name, |i$tags|);
	switch ( i$c ) {
	case RED:
		print "red";
		break;
	case GREEN, BLUE:
		print "not red";
		fallthrough;
	default:
		print "done";
	}
	}

event zeek_init()
	{
	local i = Info($name="x", $tags=set("a", "b"));
	if ( hook check(i) )
		event hits(i);
	for ( k, val in tbl )
		print k, val;
	for ( idx in v )
		print v[idx] * 2;
	print v[1:3], pat in "foobar", 10.1.2.3 in net;
	local j = 0;
	while ( j < 3 )
		{
		++j;
		next;
		}
	schedule 2 secs { hits([$name="later", $n=4]) };
	print total, f10, to_count("42") + 1, 1.5 * 2, 3 msec + 2 sec;
	}
"""


SEED_2 = r"""
type Conn: record {
	id: conn_id;
	bytes: count &default=0;
	note: string &optional;
};

global conns: table[conn_id] of Conn &create_expire=10 secs;
global counts: table[string, count] of vector of string;
global lambdas: vector of function(x: count): count;
const greeting = "hi\tthere\x41\n" &redef;
redef greeting = "hello";
global mask = 0xff & 0x0f | 0x30 ^ 2;
global neg: int = -5;
global absv = |neg|;
global dbl = 1e3 / 7.0;
global when_t = double_to_time(1.0) + 1 hr;

function mk(k: count): function(x: count): count
	{
	return function[k](x: count): count { return x + k; };
	}

global adder = mk(5);
global r = adder(10);

event zeek_init() &priority=-1
	{
	local c: Conn = [$id=[$orig_h=1.2.3.4, $orig_p=1234/tcp, $resp_h=[::1], $resp_p=80/tcp]];
	conns[c$id] = c;
	c$bytes += 100;
	counts["a", 1] = vector("x", "y");
	counts["a", 1] += "z";
	delete conns[c$id];
	lambdas += adder;
	print |counts|, r, mask, absv, dbl;
	local x = c?$note ? c$note : "none";
	when ( local z = r > 10 )
		{
		print "when fired", z;
		}
	timeout 1 sec
		{
		print "timeout";
		}
	assert r == 15, "adder broken";
	print fmt("%s %d %.2f %x", greeting, r, dbl, mask), cat("a", 1, T), to_lower("ABC");
	}

event zeek_done()
	{
	print "bye";
	}
"""


SEED_3 = r"""
@if ( Cluster::local_node_type() == Cluster::NONE )
global mode = "standalone";
@else
global mode = "cluster";
@endif

@ifdef ( Demo::limit )
global has_demo = T;
@endif

redef enum TableChange += { TABLE_ELEMENT_OTHER };
redef record conn_id += { extra: string &optional; };

type Shape: enum { CIRCLE = 1, SQUARE = 2, };
global area: table[Shape] of double = { [CIRCLE] = 3.14, [SQUARE] = 1.0 };
global names: set[string] = set("a", "b", "c");
global svec: string_vec = { "one", "two" };
global xs = [1, 2, 3];

function describe(x: any): string
	{
	switch ( x ) {
	case type count as c:
		return fmt("count %d", c);
	case type string as s:
		return "string " + s;
	default:
		return "other";
	}
	}

global d1 = describe(5);
global d2 = describe("s");
global d3 = describe(1.5);

function sum(v: vector of count): count
	{
	local t = 0;
	for ( i, x in v )
		t += x;
	return t;
	}

global total = sum(vector(1, 2, 3));
print mode, d1, d2, d3, total, area[CIRCLE], "b" in names, |svec|;
print 5 as count, names as set[string], T && !F || F, 7 % 3, 1 << 4, ~5, 2 - -3;
print split_string("a,b,c", /,/), sub("abc", /b/, "X");
"""


SEED_4 = r"""
##! Lexical odds and ends: comments, escapes, literals of every kind.

module Lex;

export {
	## An option with a default.
	option threshold: count = 10;
	const nets: set[subnet] = { 10.0.0.0/8, [2001:db8::]/32 } &redef;
	global on_change: function(t: table[string] of count, tpe: TableChange, k: string, v: count);
}

function on_change(t: table[string] of count, tpe: TableChange, k: string, v: count)
	{
	print "changed", k;
	}

function expire(t: table[string] of count, k: string): interval
	{
	return 0 secs;
	}

global watched: table[string] of count &on_change=on_change &default=0;
global expiring: table[string] of count &read_expire=5 mins &expire_func=expire;
global str = "tab\there \"quoted\" \\ back \x7f hex";
global pats = vector(/^a.*b$/, /[0-9]+/, /(x|y){2,3}/);
global ports = set(22/tcp, 53/udp, 8/icmp, 0/unknown);
global addrs = vector(127.0.0.1, [::1], [fe80::1:2:3:4]);
global ivals = vector(1 usec, 2 msecs, 3 sec, 4 mins, 5 hrs, 6 days, 1.5 day);
global nums = vector(0, 0x10, 0XfF, 123456789012345);
global reals = vector(1.0, .5, 2., 1e10, 3.5e-3, -0.0);
global neg = -1 + +2 - -3;
global bits = (5 & 3) | (1 << 3) ^ (256 >> 2);
global cmp = 1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 != 2 && !(1 == 2);
global inop = 10.1.2.3 in 10.0.0.0/8 && "b" !in set("a") && /oo/ in "foo";
global tern = cmp ? "yes" : "no";
global sized = |"four"| + |vector(1, 2)| + |set(1)| + |-3|;
global casted = (1 as count) + (neg as count);

event zeek_init() &priority=10
	{
	watched["x"] = 1;
	watched["x"] += 2;
	delete watched["x"];
	local copy_of = copy(watched);
	local f = function(a: count): count { return a * 2; };
	print f(21), str, pats[0] == "ab", 22/tcp in ports, addrs[1], ivals[6], nums, reals;
	print neg, bits, cmp, inop, tern, sized, casted, threshold, |copy_of|, type_name(nets);
	}
"""


SEED_SMALL = """\
module Small;
export { global counter: count = 0 &redef; }
global names: vector of string = vector("a", "b");
event zeek_init() { for ( i in names ) ++counter; print counter; }
event zeek_done() { print "done", Small::counter; }
"""

INLINE_SEEDS = [SEED_1, SEED_2, SEED_3, SEED_4, SEED_SMALL]


def seed_scripts() -> list[str]:
    """All seeds: the inline ones, the bundled examples and some golden scripts."""
    seeds = list(INLINE_SEEDS)
    files = sorted((ROOT / "examples").glob("*.zs"))
    files += sorted(GOLDEN.rglob("*.zs"))[:MAX_GOLDEN_SEEDS]
    for f in files:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            seeds.append(f.read_text(encoding="utf-8"))
    return seeds


# ------------------------------------------------------------------ mutation

_TOKEN = re.compile(
    r"""
      "(?:[^"\\\n]|\\.)*"?             # string (possibly unterminated)
    | \#[^\n]*                         # comment
    | @[A-Za-z-]+                      # directive
    | &[A-Za-z_]+                      # attribute
    | \[[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\](?:/\d+)?   # IPv6 literal
    | \d[\w.]*(?:/(?:tcp|udp|icmp|unknown|\d+))?   # number, address, port, subnet
    | [A-Za-z_]\w*(?:::\w+)*           # identifier / keyword / Mod::name
    | \?\$ | :: | \+\+ | -- | \+= | -= | == | != | <= | >= | && | \|\| | !in | << | >>
    | \s+
    | .
    """,
    re.X | re.S,
)

KEYWORDS = [
    "module",
    "export",
    "global",
    "const",
    "option",
    "local",
    "type",
    "record",
    "enum",
    "table",
    "set",
    "vector",
    "of",
    "event",
    "hook",
    "function",
    "return",
    "if",
    "else",
    "for",
    "in",
    "while",
    "when",
    "timeout",
    "schedule",
    "print",
    "add",
    "delete",
    "redef",
    "break",
    "next",
    "fallthrough",
    "switch",
    "case",
    "default",
    "copy",
    "assert",
    "is",
    "as",
    "?as",
    "count",
    "int",
    "double",
    "bool",
    "string",
    "time",
    "interval",
    "addr",
    "port",
    "subnet",
    "pattern",
    "any",
    "void",
    "opaque",
    "file",
    "T",
    "F",
]
PUNCT = list("{}()[];,:$?=+-*/%|&^~!<>.") + [
    "::",
    "?$",
    "++",
    "--",
    "+=",
    "-=",
    "==",
    "!=",
    "&&",
    "||",
    "!in",
]
LITERALS = [
    '"str"',
    '"unterminated',
    '""',
    '"\\x"',
    '"\\',
    "/re+gex/",
    "/",
    "/[/",
    "0",
    "1",
    "-1",
    "42",
    "0x",
    "0xFFFFFFFFFFFFFFFFFF",
    "18446744073709551616",
    "99999999999999999999999999",
    "1e400",
    "1.5e-400",
    "1.",
    ".5",
    "3 secs",
    "1e300 days",
    "80/tcp",
    "99999/udp",
    "1.2.3.4",
    "300.1.2.3",
    "1.2.3.4.5",
    "10.0.0.0/8",
    "1.2.3.4/99",
    "[::1]",
    "[::ffff:1.2.3.4]",
    "[1::2::3]",
    "[2001:db8::]/129",
    "T",
    "F",
    "x",
    "Mod::x",
    "::x",
    "zeek_init",
    "print",
    "fmt",
    "&default",
    "&default=",
    "&redef",
    "&optional",
    "&priority=",
    "&create_expire=1 sec",
    "&on_change=",
    "&log",
    "&bogus",
    "@load",
    "@load nonexistent",
    "@if ( T )",
    "@if (",
    "@else",
    "@endif",
    "@ifdef ( x )",
    "@unknown",
    "# comment",
    "##< doc",
    "\n",
    "\t",
    "|",
    "||",
    "$x",
    "$",
    "function() {}",
    "[$a=1]",
    "table()",
    "set()",
    "vector()",
    "record()",
]
CHARS = list("{}()[];,:$?=+-*/%|&^~!<>.@#\"'\\`") + [
    "\n",
    "\t",
    "\r",
    "\x00",
    "\x0c",
    "é",
    "\u2028",
    "\ufeff",
    "\udcff",
    " ",
]


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _significant(tokens: list[str]) -> list[int]:
    return [i for i, t in enumerate(tokens) if not t.isspace()]


def _fragment(rng: random.Random) -> str:
    pool = rng.choice((KEYWORDS, PUNCT, LITERALS))
    return rng.choice(pool)


def mutate_once(text: str, rng: random.Random, seeds: list[str]) -> str:
    op = rng.randrange(16)
    if op >= 11 or not text:  # character-level
        if not text or op == 11:
            pos = rng.randrange(len(text) + 1)
            return text[:pos] + rng.choice(CHARS) + text[pos:]
        pos = rng.randrange(len(text))
        if op == 12:
            return text[:pos] + text[pos + 1 :]
        if op == 13:
            return text[:pos]  # truncation
        if op == 14:
            end = min(len(text), pos + rng.randrange(1, 40))
            return text[:pos] + text[end:]
        return text[:pos] + text[pos] * rng.randrange(2, 5) + text[pos + 1 :]
    tokens = _tokens(text)
    sig = _significant(tokens)
    if not sig:
        return text + _fragment(rng)
    i = rng.choice(sig)
    if op == 0:  # delete a token
        del tokens[i]
    elif op == 1:  # duplicate a token
        tokens.insert(i, tokens[i])
    elif op == 2:  # swap two tokens (often neighbours)
        j = sig[min(len(sig) - 1, sig.index(i) + 1)] if rng.random() < 0.6 else rng.choice(sig)
        tokens[i], tokens[j] = tokens[j], tokens[i]
    elif op == 3:  # insert a fragment
        tokens.insert(i, " " + _fragment(rng) + " ")
    elif op == 4:  # replace a token
        tokens[i] = " " + _fragment(rng) + " "
    elif op == 5:  # swap bracket kinds
        brackets = [k for k in sig if tokens[k] in "{}()[]"]
        if brackets:
            tokens[rng.choice(brackets)] = rng.choice("{}()[]")
    elif op == 6:  # splice a run of tokens from another seed
        other = _tokens(rng.choice(seeds))
        if other:
            a = rng.randrange(len(other))
            tokens[i:i] = other[a : a + rng.randrange(1, 30)]
    elif op == 7:  # delete a run of tokens
        del tokens[i : i + rng.randrange(2, 12)]
    else:  # line edits
        lines = text.split("\n")
        k = rng.randrange(len(lines))
        if op == 8:
            del lines[k]
        elif op == 9:
            lines.insert(k, lines[rng.randrange(len(lines))])
        else:
            m = rng.randrange(len(lines))
            lines[k], lines[m] = lines[m], lines[k]
        return "\n".join(lines)
    return "".join(tokens)


def mutate(text: str, rng: random.Random, seeds: list[str]) -> str:
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 6))):
        text = mutate_once(text, rng, seeds)
    return text


def generate_cases(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    seeds = seed_scripts()
    return [mutate(rng.choice(seeds), rng, seeds) for _ in range(n)]


# ------------------------------------------------------------------ checking

FAILING = ("crash", "bad-diagnostic", "hang", "died", "hard-timeout")


class CaseTimeout(BaseException):
    """Raised by the case timer; a BaseException so zscript's handlers let it through."""


def new_host() -> Host:
    return Host(virtual_time=True, stdout=io.StringIO(), stderr=io.StringIO())


def _diagnostic_problems(err: ZScriptError) -> list[str]:
    errors = [d for d in err.diagnostics if d.severity == "error"]
    if not errors:
        return ["ZScriptError without any error diagnostic"]
    problems = []
    for d in errors:
        s = d.span
        if s is None or s.file is None or s.line < 1 or s.col < 1:
            problems.append(f"error without a proper position: {d.message!r} span={s!r}")
    return problems


def _classify_timeout(exc: BaseException) -> str:
    """Where was the case when its timer fired: in script code, or in zscript's stages?"""
    for fr in reversed(traceback.extract_tb(exc.__traceback__)):
        name = fr.filename.replace(os.sep, "/")
        if name.startswith("<zscript"):
            return "script-timeout"
        if "/zscript/" in name and not name.endswith(Path(__file__).name):
            inner = name.rsplit("/zscript/", 1)[1]
            if inner.startswith(("runtime/", "engine/")):
                continue  # called by script code; look further out
            return "hang"
    return "hang"


def _on_alarm(signum, frame):
    raise CaseTimeout()


@contextlib.contextmanager
def _case_timer(seconds: float):
    """Raise CaseTimeout after ``seconds`` (main thread with SIGALRM only)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def check_text(text: str, host: Host | None = None, timeout: float = CASE_TIMEOUT) -> dict:
    """Load ``text`` like ``zscript check``; return ``{"status": ..., "detail": ...}``."""
    try:
        if host is None:
            # Made before the case's timer starts: loading the library is not
            # what the case times (bare mode loads the frameworks).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                host = new_host()
        with _case_timer(timeout), warnings.catch_warnings():
            # Python warnings zscript lets through (e.g. re's FutureWarning) are
            # not this test's business; under filterwarnings=error they would
            # turn into exceptions.
            warnings.simplefilter("ignore")
            try:
                host.load_source(SourceFile("fuzz.zs", text))
                host.finish_loading()
            except ZScriptError as e:
                err = e
            else:
                err = None
            # What the CLI prints must render, too.
            diags = err.diagnostics if err is not None else host.warnings()
            "".join(render(d) for d in diags)
    except CaseTimeout as e:
        status = _classify_timeout(e)
        return {"status": status, "detail": "".join(traceback.format_exception(e)[-12:])}
    except ZeekExit:
        # exit(n) in a global initializer ends the process, as in Zeek.
        return {"status": "ok", "detail": "exit()"}
    except BaseException as e:  # noqa: BLE001 - this is what we are looking for
        if isinstance(e, KeyboardInterrupt):
            raise
        return {"status": "crash", "detail": "".join(traceback.format_exception(e))}
    if err is None:
        return {"status": "ok", "detail": ""}
    problems = _diagnostic_problems(err)
    if problems:
        return {"status": "bad-diagnostic", "detail": "\n".join(problems) + "\n" + err.render()}
    return {"status": "error", "detail": ""}


def _child(proto: Host, text: str, fd: int) -> None:
    gc.disable()  # short-lived; avoids touching (and copying) every page
    with contextlib.suppress(Exception):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    res = check_text(text, host=proto)
    data = json.dumps(res).encode()
    while data:
        data = data[os.write(fd, data) :]


def run_cases(texts: list[str], jobs: int = JOBS) -> list[dict]:
    """Check every text; each in a forked copy of one prepared Host."""
    if not hasattr(os, "fork"):
        return [check_text(t) for t in texts]
    proto = new_host()
    results: list[dict | None] = [None] * len(texts)
    running: dict[int, tuple[int, int, float, list[bytes]]] = {}  # fd -> pid, index, start, chunks
    todo = list(enumerate(texts))
    todo.reverse()
    try:
        while todo or running:
            while todo and len(running) < jobs:
                idx, text = todo.pop()
                r, w = os.pipe()
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:  # child: never return into pytest
                    try:
                        os.close(r)
                        _child(proto, text, w)
                    finally:
                        os._exit(0)
                os.close(w)
                running[r] = (pid, idx, time.monotonic(), [])
            ready, _, _ = select.select(list(running), [], [], 0.5)
            for fd in ready:
                pid, idx, start, chunks = running[fd]
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    chunks.append(chunk)
                    continue
                del running[fd]
                os.close(fd)
                _, status = os.waitpid(pid, 0)
                try:
                    results[idx] = json.loads(b"".join(chunks))
                except ValueError:
                    results[idx] = {
                        "status": "died",
                        "detail": f"child exited with wait status {status}",
                    }
            now = time.monotonic()
            for fd, (pid, idx, start, _chunks) in list(running.items()):
                if now - start > HARD_TIMEOUT:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    os.close(fd)
                    del running[fd]
                    results[idx] = {
                        "status": "hard-timeout",
                        "detail": f"no answer after {HARD_TIMEOUT} s",
                    }
    finally:
        for fd, (pid, *_rest) in running.items():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
    return results  # type: ignore[return-value]


def _signature(status: str, detail: str) -> str:
    """A short key grouping failures with the same cause."""
    lines = [ln for ln in detail.strip().splitlines() if ln.strip()]
    if status == "bad-diagnostic":
        return re.sub(r"'[^']*'", "'...'", lines[0]) if lines else "?"
    last = lines[-1] if lines else "?"
    where = [ln.strip() for ln in lines if ln.strip().startswith('File "') and "/zscript/" in ln]
    return f"{last[:120]} @ {where[-1] if where else '?'}"


def report(
    texts: list[str], results: list[dict], tmp_path: Path
) -> tuple[list[str], dict[str, int]]:
    """Failures not excused by KNOWN_BUGS (as printable blocks), and counts of known bugs hit."""
    groups: dict[str, list[int]] = {}
    known: dict[str, int] = {}
    for i, (text, res) in enumerate(zip(texts, results, strict=True)):
        if res["status"] not in FAILING:
            continue
        bug = next((b for b in KNOWN_BUGS if b.matches(text, res["detail"])), None)
        if bug is not None:
            known[bug.id] = known.get(bug.id, 0) + 1
            continue
        groups.setdefault(
            f"{res['status']}: {_signature(res['status'], res['detail'])}", []
        ).append(i)
    blocks = []
    out_dir = tmp_path / "failures"
    for sig, idxs in groups.items():
        out_dir.mkdir(exist_ok=True)
        smallest = min(idxs, key=lambda k: len(texts[k]))
        for k in idxs:
            (out_dir / f"case{k:05d}.zs").write_text(
                texts[k], encoding="utf-8", errors="surrogateescape"
            )
        blocks.append(
            f"=== {len(idxs)} case(s): {sig}\n"
            f"--- smallest input ({out_dir / f'case{smallest:05d}.zs'}):\n{texts[smallest]!r}\n"
            f"--- detail:\n{results[smallest]['detail']}"
        )
    return blocks, known


def _rss_mb() -> int | None:
    try:
        import resource
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _summary(results: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts


# --------------------------------------------------------------------- tests


@pytest.mark.parametrize("index", range(len(INLINE_SEEDS)))
def test_seed_is_valid(index):
    res = check_text(INLINE_SEEDS[index])
    assert res["status"] == "ok", res["detail"]


def test_mutator_is_deterministic():
    assert generate_cases(50, RANDOM_SEED) == generate_cases(50, RANDOM_SEED)


def test_mutated_scripts_never_crash(tmp_path):
    texts = generate_cases(N_CASES, RANDOM_SEED)
    assert len(texts) >= 3000 or "ZSCRIPT_FUZZ_CASES" in os.environ
    t0 = time.monotonic()
    results = run_cases(texts)
    elapsed = time.monotonic() - t0
    counts = _summary(results)
    blocks, known = report(texts, results, tmp_path)
    rss = _rss_mb()
    print(
        f"{len(texts)} cases in {elapsed:.1f} s ({JOBS} jobs, parent RSS {rss} MB): {counts}; known bugs hit: {known}"
    )
    if blocks:
        pytest.fail(
            f"{sum(counts.get(s, 0) for s in FAILING)} failing case(s) in {len(blocks)} group(s) "
            f"(seed {RANDOM_SEED}):\n\n" + "\n\n".join(blocks),
            pytrace=False,
        )
    # The mutants must exercise both outcomes, or the harness is not testing much.
    assert counts.get("error", 0) >= len(texts) // 4, counts
    assert counts.get("ok", 0) >= len(texts) // 100, counts


def _nested(n: int, open_: str, inner: str, close: str) -> str:
    return open_ * n + inner + close * n


#: Hand-written nasty inputs: encodings, limits, odd directives, huge literals.
PATHOLOGICAL: dict[str, str] = {
    "empty": "",
    "whitespace": " \n\t\r\n  ",
    "only-comment": "# nothing here",
    "bom": "\ufeffglobal x = 1;",
    "nul-bytes": "global x\x00 = 1;\x00",
    "invalid-utf8": b'global s = "\xff\xfe";\nprint s\xc3;'.decode("utf-8", "surrogateescape"),
    "crlf": "global x = 1;\r\nevent zeek_init()\r\n\t{\r\n\tprint x;\r\n\t}\r\n",
    "cr-only": "global x = 1;\revent zeek_init() { print x; }\r",
    "line-separator": "global x = 1;\u2028global y = 2;",
    "long-line": 'global s = "' + "a" * 200_000 + '";',
    "many-statements": "global x = 0;\n" + "redef x = 1;\n" * 2000,
    "many-errors": "global x: count = nope;\n" * 2000,
    "unterminated-string": 'global s = "abc',
    "unterminated-string-newline": 'global s = "abc\nprint s;',
    "unterminated-pattern": "global p = /abc",
    "unterminated-block": "event zeek_init() {",
    "unterminated-record": "type R: record { a: count;",
    "unterminated-if": "@if ( T )\nglobal x = 1;\n",
    "endif-alone": "@endif\n",
    "else-alone": "@else\n",
    "if-bad-expr": "@if ( 1 + )\n@endif\n",
    "if-runtime-error": "global t: table[count] of bool;\n@if ( t[1] )\n@endif\n",
    "if-not-bool": '@if ( "yes" )\n@endif\n',
    "load-missing": "@load no/such/script\n",
    "load-empty": "@load\n",
    "load-self": "@load fuzz\n",
    "unknown-directive": "@frobnicate\n",
    "huge-count": "global x = 18446744073709551616;",
    "huge-int": "global x = -9223372036854775809;",
    "huge-double": "global x = 1e999; global y = -1e999; global z = 1e-999;",
    "huge-interval": "global x = 1e300 days;",
    "huge-hex": "global x = 0x" + "f" * 100 + ";",
    "bad-port": "global p = 99999/tcp;",
    "bad-addr": "global a = 300.1.2.3; global b = 1.2.3;",
    "bad-subnet": "global s = 1.2.3.4/99; global t = [::1]/200;",
    "bad-ipv6": "global a = [1::2::3];",
    "recursive-record": "type R: record { r: R; };\nglobal x: R;",
    "recursive-optional-record": "type R: record { r: R &optional; };\nglobal x = R();\nprint x;",
    "mutual-types": "type A: B;\ntype B: A;",
    "self-type": "type A: A;",
    "recursive-table": "type T: table[count] of T;",
    "self-referential-global": "global x = x + 1;",
    "redeclare": "global x = 1;\nglobal x = 2;\ntype x: count;\nfunction x() {}\n",
    "event-as-value": "global e = zeek_init;\nprint e;",
    "call-event": "global x = zeek_init();",
    "schedule-at-load": "event e() {}\nglobal x = schedule 1 sec { e() };",
    "when-at-load": "global x = 1;\nwhen ( x > 1 ) { print 1; }",
    "terminate-at-load": "global x = terminate();",
    "exit-at-load": "function f(): count { exit(3); return 1; }\nglobal x = f();",
    "exit-in-if": "@if ( exit(0) )\n@endif\n",
    "division-by-zero": "global x = 1 / 0;\nglobal y = 1 % 0;\nglobal z = 1.0 / 0.0;",
    "bad-regex": "global p = /(/;\nglobal q = /[/;\nglobal r = /a{99999999999}/;",
    "infinite-loop-at-load": "function f(): count { while ( T ) { } return 1; }\nglobal x = f();",
    "deep-recursion-at-load": "function f(n: count): count { return f(n + 1); }\nglobal x = f(0);",
    "unicode-identifier": "global café = 1;\nglobal ünïcode = café;",
    "keyword-soup": " ".join(KEYWORDS),
    "punct-soup": " ".join(PUNCT) * 20,
    "parens-3000": "global x = " + _nested(3000, "(", "1", ")") + ";",
    "sum-chain-150": "global x = 1" + " + 1" * 150 + ";",
    "sum-chain-3000": "global x = 1" + " + 1" * 3000 + ";",
    "string-concat-150": 'global s = "a"' + ' + "b"' * 150 + ";",
    "nested-vectors-150": "global x = " + _nested(150, "vector(", "1", ")") + ";",
    "nested-calls-250": "function f(n: count): count { return n; }\nglobal x = "
    + _nested(250, "f(", "1", ")")
    + ";",
    "nested-ifs-120": "event zeek_init() { " + "if ( T ) " * 120 + "print 1; }",
    "nested-blocks-600": "event zeek_init() " + _nested(600, "{", "", "}"),
    "prefix-minus-1500": "global x = " + "-" * 1500 + "1;",
    "prefix-not-1500": "global x = " + "!" * 1500 + "T;",
    "index-chain-600": "global v = vector(1);\nglobal x = v" + "[0]" * 600 + ";",
}


def test_pathological_inputs(tmp_path):
    names = list(PATHOLOGICAL)
    texts = [PATHOLOGICAL[n] for n in names]
    results = run_cases(texts)
    blocks, known = report(texts, results, tmp_path)
    print("known bugs hit:", known)
    statuses = {n: r["status"] for n, r in zip(names, results, strict=True)}
    print(statuses)
    if blocks:
        pytest.fail("\n\n".join(blocks), pytrace=False)
    # The case timer works, and attributes the loop to script code.
    assert statuses["infinite-loop-at-load"] == "script-timeout", statuses
    tolerated = {n for n, s in statuses.items() if s == "script-timeout"}
    assert tolerated == {"infinite-loop-at-load"}, tolerated


# The real command line: no traceback, exit status 0 or 1.

_CLI_CASES = [
    "empty",
    "invalid-utf8",
    "crlf",
    "unterminated-string",
    "unterminated-if",
    "bad-regex",
    "recursive-record",
    "exit-at-load",
    "sum-chain-3000",
    "nested-blocks-600",
]


def _cli_inputs() -> list[tuple[str, str]]:
    out = [(f"pathological:{n}", PATHOLOGICAL[n]) for n in _CLI_CASES]
    mutants = generate_cases(8, RANDOM_SEED + 1)
    out += [(f"mutant:{i}", t) for i, t in enumerate(mutants)]
    return out


@pytest.mark.parametrize(("name", "text"), _cli_inputs(), ids=[n for n, _ in _cli_inputs()])
def test_cli_check_never_prints_a_traceback(tmp_path, name, text):
    script = tmp_path / "fuzz.zs"
    script.write_bytes(text.encode("utf-8", "surrogateescape"))
    env = dict(os.environ, TZ="UTC", LC_ALL="C")
    env.pop("ZSCRIPTPATH", None)
    proc = subprocess.run(
        [sys.executable, "-m", "zscript", "check", "fuzz.zs"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        env=env,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    # exit(n) during loading legitimately ends the process with status n.
    allowed = (0, 1) if "exit" not in text else range(256)
    bad = "Traceback" in stderr or "internal error" in stderr or proc.returncode not in allowed
    if bad and any(b.matches(text, stderr) for b in KNOWN_BUGS):
        pytest.skip(f"known bug: {[b.id for b in KNOWN_BUGS if b.matches(text, stderr)]}")
    assert not bad, (
        f"exit status {proc.returncode}; input {text[:2000]!r}\nstderr:\n{stderr[-5000:]}"
    )
    if proc.returncode == 1:
        assert re.match(r"(error in .+, line \d+, column \d+: |error: )", stderr), stderr[:2000]


# A property-based check: random token soup, inside a few likely contexts.

_VOCAB = (
    [k for k in KEYWORDS if k != "while"] + PUNCT + [lit for lit in LITERALS if "\n" not in lit]
)
_CONTEXTS = [
    "{}",
    "global x = {};",
    "event zeek_init() {{ {} }}",
    "function f(a: count): count {{ return {}; }}",
    "type R: record {{ {} }};",
    "global t: table[string] of count = {{ {} }};",
    "@if ( {} )\nglobal y = 1;\n@endif\n",
]


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    context=st.sampled_from(_CONTEXTS),
    words=st.lists(st.sampled_from(_VOCAB), max_size=25),
)
def test_token_soup_never_crashes(context, words):
    text = context.format(" ".join(words))
    res = check_text(text)
    if res["status"] in FAILING and not any(b.matches(text, res["detail"]) for b in KNOWN_BUGS):
        raise AssertionError(f"{res['status']} on input {text!r}:\n{res['detail']}")
