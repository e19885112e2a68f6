"""The parser and checker never answer an input with a Python traceback.

Hand-written nasty inputs (encodings, limits, odd directives, huge literals),
the real command line on a sample of them, and random token soup inside likely
contexts go through the real pipeline (``Host.load_source`` then
``Host.finish_loading``, as ``zscript check`` does).  Each must either load,
or raise :class:`ZScriptError` whose error diagnostics all point at a file, a
line >= 1 and a column >= 1, and render.  Anything else is a bug; the failing
input is printed and written to ``tmp_path``.  The cases run as in
:mod:`fuzzing` (forked hosts, a per-case timer); the thousands of mutated
scripts are in ``tests/adversarial/test_scripts.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from fuzzing import (
    FAILING,
    INLINE_SEEDS,
    KEYWORDS,
    LITERALS,
    PUNCT,
    RANDOM_SEED,
    check_text,
    generate_cases,
    report,
    run_cases,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# --------------------------------------------------------------------- tests


@pytest.mark.parametrize("index", range(len(INLINE_SEEDS)))
def test_seed_is_valid(index):
    res = check_text(INLINE_SEEDS[index])
    assert res["status"] == "ok", res["detail"]


def test_mutator_is_deterministic():
    assert generate_cases(50, RANDOM_SEED) == generate_cases(50, RANDOM_SEED)


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
    # Huge inputs: each used to take tens of seconds or gigabytes (issue 12).
    "string-5mb": 'global s = "' + "a" * (5 << 20) + '";',
    "pattern-1mb": "global p = /" + "ab" * (1 << 19) + "/;",
    "pattern-5mb": "global p = /" + "a" * (5 << 20) + "/;",
    "semicolons-1m": ";" * 1_000_000,
    "errors-on-a-100kb-line": "event zeek_init() { print "
    + ", ".join(f"u{i}" for i in range(12000))
    + "; }",
    "syntax-errors-50k": "global x = ;\n" * 50_000,
}


def test_pathological_inputs(tmp_path):
    names = list(PATHOLOGICAL)
    texts = [PATHOLOGICAL[n] for n in names]
    results = run_cases(texts)
    blocks = report(texts, results, tmp_path / "failures")
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
    assert not bad, (
        f"exit status {proc.returncode}; input {text[:2000]!r}\nstderr:\n{stderr[-5000:]}"
    )
    if proc.returncode == 1:
        assert re.match(r"((fatal )?error in .+, line \d+, column \d+: |error: )", stderr), stderr[
            :2000
        ]


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
    # In a forked copy of a prepared host, as every other case: a fresh host
    # per example cost ten times the example itself.
    (res,) = run_cases([text])
    if res["status"] in FAILING:
        raise AssertionError(f"{res['status']} on input {text!r}:\n{res['detail']}")
