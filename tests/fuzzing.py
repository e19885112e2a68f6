"""Mutated scripts for the robustness tests: seeds, mutations, a forked runner.

The mutants come from valid seed scripts (below, plus ``examples/*.zs`` and
``tests/golden/**/*.zs``) through token and character edits: deletions,
duplications, swaps, insertions of punctuation, keywords and odd literals,
splices from other seeds, line edits and truncation, with a fixed random seed
(``ZSCRIPT_FUZZ_SEED``), so a run is reproducible: the seed is printed and
every failing input is written to a file the failure names.

Checking runs global initializers, so a mutant can loop forever at load time
(as it would under Zeek), and running it can too.  Each case therefore runs
in a forked copy of a ready-made :class:`Host` (which is also what makes
thousands of cases fast), under a per-case timer (:class:`_Timer`); the
copies are forked by a small dedicated process (:mod:`forkserver`), not by
the test process.  A case
that is still in compiled script code after :data:`CASE_TIMEOUT` seconds is
a script that loops and is tolerated; one still inside zscript itself after
:data:`HANG_TIMEOUT` seconds is a hang and fails.  Used by
``tests/test_robustness.py`` and ``tests/adversarial/test_scripts.py``.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import signal
import tempfile
import threading
import traceback
import warnings
from pathlib import Path

from zscript.diagnostics import SourceFile, ZScriptError, render_all
from zscript.host import Host
from zscript.runtime.errors import ZeekExit

ROOT = Path(__file__).resolve().parent.parent
#: Frames of these test modules are not zscript's (the clone may be named zscript).
_TESTS = str(ROOT / "tests").replace(os.sep, "/") + "/"
GOLDEN = ROOT / "tests" / "golden"

RANDOM_SEED = int(os.environ.get("ZSCRIPT_FUZZ_SEED", "20240611"))
#: CPU seconds after which a case running script code counts as a script that
#: loops (tolerated: scripts may loop, as under Zeek).  CPU time, not wall
#: time: a busy CI machine must not turn slow into hung.
CASE_TIMEOUT = 2.0
#: CPU seconds after which a case still inside zscript itself (parser,
#: checker, code generator, runtime library) is a hang, and fails.
HANG_TIMEOUT = 10.0
#: Bytes of diagnostics a case may produce (what ``zscript check`` prints).
MAX_OUTPUT = 256 * 1024
#: Wall-clock seconds after which the parent kills a child that did not
#: answer at all (its own CPU timer failed to stop it).
HARD_TIMEOUT = 180.0
#: Golden scripts used as extra seeds (the first ones, sorted by path).
MAX_GOLDEN_SEEDS = 60
JOBS = max(1, min(4, os.cpu_count() or 1))


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
		break;
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

FAILING = ("crash", "bad-diagnostic", "hang", "died", "hard-timeout", "internal-error", "flood")


class CaseTimeout(BaseException):
    """Raised by the case timer; a BaseException so zscript's handlers let it through."""


def new_host() -> Host:
    return Host(virtual_time=True, stdout=io.StringIO(), stderr=io.StringIO())


def _diagnostic_problems(err: ZScriptError) -> list[str]:
    errors = [d for d in err.diagnostics if d.severity in ("error", "fatal error")]
    if not errors:
        return ["ZScriptError without any error diagnostic"]
    problems = []
    for d in errors:
        s = d.span
        if s is None or s.file is None or s.line < 1 or s.col < 1:
            problems.append(f"error without a proper position: {d.message!r} span={s!r}")
    return problems


def _in_script_code(frames) -> bool:
    """Whether the innermost zscript frame of ``frames`` (outermost first) is
    compiled script code, or a runtime helper called by it."""
    for name in reversed([f.replace(os.sep, "/") for f in frames]):
        if name.startswith("<zscript"):
            return True
        if "/zscript/" in name and not name.startswith(_TESTS):
            inner = name.rsplit("/zscript/", 1)[1]
            if inner.startswith(("runtime/", "engine/")):
                continue  # called by script code; look further out
            return False
    return False


def _classify_timeout(exc: BaseException) -> str:
    """Where was the case when its timer fired: in script code, or in zscript's stages?"""
    frames = [fr.filename for fr in traceback.extract_tb(exc.__traceback__)]
    return "script-timeout" if _in_script_code(frames) else "hang"


class _Timer:
    """The per-case timer (main thread, SIGPROF: the process's CPU time).

    At :data:`CASE_TIMEOUT` it stops a case that is running script code (a
    loop in the script); a case inside zscript itself gets until
    :data:`HANG_TIMEOUT` (a slow machine must not turn a big input into a
    false hang), then it is stopped wherever it is.
    """

    def __init__(self, first: float, limit: float):
        self.first, self.limit = first, limit
        self.fired = 0

    def __call__(self, signum, frame):
        self.fired += 1
        if self.fired == 1 and self.limit > self.first:
            stack = []
            f = frame
            while f is not None:
                stack.append(f.f_code.co_filename)
                f = f.f_back
            if not _in_script_code(list(reversed(stack))):
                signal.setitimer(signal.ITIMER_PROF, self.limit - self.first)
                return
        raise CaseTimeout()


@contextlib.contextmanager
def _case_timer(seconds: float, limit: float | None = None):
    """Raise CaseTimeout as :class:`_Timer` says (main thread with SIGPROF only)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return
    old = signal.signal(signal.SIGPROF, _Timer(seconds, limit if limit is not None else seconds))
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def check_text(
    text: str,
    host: Host | None = None,
    timeout: float = CASE_TIMEOUT,
    *,
    run: bool = False,
    limit: float = HANG_TIMEOUT,
) -> dict:
    """Load ``text`` like ``zscript check`` (and with ``run``, run it like
    ``zscript run standalone --virtual-time``); return ``{"status": ..., "detail": ...}``.

    Statuses: ``ok``, ``error`` (diagnostics, as expected of most mutants),
    ``script-timeout`` (the script loops); failures: ``crash`` (a Python
    exception escaped), ``bad-diagnostic`` (an error without a position),
    ``hang``, ``internal-error`` (zscript reported an internal error while
    running), ``flood`` (more than :data:`MAX_OUTPUT` bytes of diagnostics).
    """
    ran = False
    try:
        if host is None:
            # Made before the case's timer starts: loading the library is not
            # what the case times (bare mode loads the frameworks).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                host = new_host()
        with _case_timer(timeout, limit), warnings.catch_warnings():
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
            # What the CLI prints must render, and stay bounded.
            diags = err.diagnostics if err is not None else host.warnings()
            shown = render_all(diags)
            if len(shown) > MAX_OUTPUT:
                return {"status": "flood", "detail": f"{len(shown)} bytes:\n{shown[:3000]}"}
            if run and err is None:
                ran = True
                host.run()
    except CaseTimeout as e:
        status = _classify_timeout(e)
        return {"status": status, "detail": "".join(traceback.format_exception(e)[-12:])}
    except ZeekExit:
        # exit(n) ends the process, as in Zeek.
        return {"status": "ok", "detail": "exit()"}
    except BaseException as e:  # noqa: BLE001 - this is what we are looking for
        if isinstance(e, KeyboardInterrupt):
            raise
        return {"status": "crash", "detail": "".join(traceback.format_exception(e))}
    if ran:
        errors = (
            host.reporter.stream.getvalue() if hasattr(host.reporter.stream, "getvalue") else ""
        )
        if "internal error" in errors:
            return {"status": "internal-error", "detail": errors[-5000:]}
    if err is None:
        return {"status": "ok", "detail": ""}
    problems = _diagnostic_problems(err)
    if problems:
        return {"status": "bad-diagnostic", "detail": "\n".join(problems) + "\n" + err.render()}
    return {"status": "error", "detail": ""}


def run_cases(texts: list[str], jobs: int = JOBS, *, run: bool = False) -> list[dict]:
    """Check (and with ``run``, run) every text; each in a forked copy of one
    prepared Host, forked by a small dedicated process (:mod:`forkserver`)."""
    # Scripts that run may write files (logs, file bifs): in a scratch
    # directory, never the caller's.
    with tempfile.TemporaryDirectory(prefix="zscript-fuzz-") as scratch:
        if not hasattr(os, "fork"):
            old_cwd = os.getcwd()
            os.chdir(scratch)
            try:
                return [check_text(t, run=run) for t in texts]
            finally:
                os.chdir(old_cwd)
        import forkserver

        return forkserver.shared().run(texts, jobs, run=run, cwd=scratch)


def _signature(status: str, detail: str) -> str:
    """A short key grouping failures with the same cause."""
    lines = [ln for ln in detail.strip().splitlines() if ln.strip()]
    if status == "bad-diagnostic":
        return re.sub(r"'[^']*'", "'...'", lines[0]) if lines else "?"
    last = lines[-1] if lines else "?"
    where = [ln.strip() for ln in lines if ln.strip().startswith('File "') and "/zscript/" in ln]
    return f"{last[:120]} @ {where[-1] if where else '?'}"


def report(texts: list[str], results: list[dict], out_dir: Path) -> list[str]:
    """The failures, grouped by cause, as printable blocks; every failing input
    is written to ``out_dir`` (the block names the smallest one)."""
    groups: dict[str, list[int]] = {}
    for i, res in enumerate(results):
        if res["status"] in FAILING:
            groups.setdefault(
                f"{res['status']}: {_signature(res['status'], res['detail'])}", []
            ).append(i)
    blocks = []
    for sig, idxs in groups.items():
        out_dir.mkdir(parents=True, exist_ok=True)
        smallest = min(idxs, key=lambda k: len(texts[k]))
        for k in idxs:
            (out_dir / f"case{k:05d}.zs").write_text(
                texts[k], encoding="utf-8", errors="surrogateescape"
            )
        blocks.append(
            f"=== {len(idxs)} case(s): {sig}\n"
            f"--- smallest input ({out_dir / f'case{smallest:05d}.zs'}):\n{texts[smallest][:3000]!r}\n"
            f"--- detail:\n{results[smallest]['detail'][-5000:]}"
        )
    return blocks


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
