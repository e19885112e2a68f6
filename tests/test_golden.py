"""Golden-file tests: each ``tests/golden/**/*.zs`` run and compared with its
expected output, through the same machinery users get with ``zscript test``
(:mod:`zscript.testing.golden`, whose docstring lists the directives a test
may carry: ``@expect-fail``, ``@check``, ``@mode``, ``@log`` ...).

Golden scripts run in Zeek's bare mode (``zeek -b``, what Zeek's own language
tests use) unless they say ``# @mode: default``.  Files whose name starts
with ``_`` are helpers loaded by other tests.  ``pytest --update-golden``
rewrites the expected files (review them before committing).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zscript.testing.golden import GoldenTest, discover, run_test

GOLDEN = Path(__file__).parent / "golden"


def _cases() -> list[GoldenTest]:
    return discover([GOLDEN])


@pytest.mark.parametrize("test", _cases(), ids=lambda t: t.name)
def test_golden(test: GoldenTest, request, tmp_path):
    result = run_test(test, tmp_path)
    mismatches = result.mismatches()
    if mismatches and request.config.getoption("--update-golden"):
        result.update()
        mismatches = result.mismatches()
    assert not mismatches, "".join(m.diff() for m in mismatches)


def test_golden_corpus_is_not_empty():
    scripts = [p for p in GOLDEN.rglob("*.zs") if not p.name.startswith("_")]
    assert len(_cases()) == len(scripts), "every golden script needs its .out"
    assert len(scripts) >= 100, "the golden corpus must hold at least 100 scripts"
