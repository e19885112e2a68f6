"""``zscript test [PATH...]``: run golden-file tests, print progress and a summary.

Output follows pytest's habits: one character per test (``.`` passed, ``F``
failed, ``U`` updated), then a unified diff per failing expected file and a
summary line; the status is 0 when every test passed (or was updated), 1
when one failed, 2 for a usage error (no test found).  ``--update`` writes
the expected files from this run (review them: ``git diff``), ``-k TEXT``
keeps the tests whose name contains TEXT, ``-j N`` runs N at once,
``--junit FILE`` writes a JUnit XML report for CI systems.  See
:mod:`.golden` for what a test is and the directives it may carry.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from xml.etree import ElementTree as ET

from .golden import GoldenTest, Result, discover, run_test

__all__ = ["main"]


def _junit(results: list[tuple[Result, list, float]], path: str) -> None:
    suite = ET.Element("testsuite", name="zscript", tests=str(len(results)))
    failures = 0
    for result, mismatches, seconds in results:
        case = ET.SubElement(
            suite, "testcase", classname="zscript", name=result.test.name, time=f"{seconds:.3f}"
        )
        if mismatches:
            failures += 1
            f = ET.SubElement(case, "failure", message=", ".join(m.what for m in mismatches))
            f.text = "".join(m.diff() for m in mismatches)
    suite.set("failures", str(failures))
    ET.ElementTree(suite).write(path, encoding="unicode", xml_declaration=True)


def main(args) -> int:
    try:
        tests = discover(args.paths)
    except FileNotFoundError as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    if args.keyword:
        tests = [t for t in tests if args.keyword in t.name]
    if not tests:
        sys.stderr.write("error: no tests found (a test is NAME.zs with NAME.out beside it)\n")
        return 2
    print(f"zscript test: {len(tests)} test{'s' if len(tests) != 1 else ''}", flush=True)

    def one(test: GoldenTest):
        t0 = time.monotonic()
        result = run_test(test)
        return result, result.mismatches(), time.monotonic() - t0

    t0 = time.monotonic()
    results = []
    marks = {".": 0, "F": 0, "U": 0}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for result, mismatches, seconds in pool.map(one, tests):
            mark = "F" if mismatches else "."
            if mismatches and args.update:
                result.update()  # an exit status or a timeout stays a failure
                mismatches = result.mismatches()
                mark = "F" if mismatches else "U"
            marks[mark] += 1
            sys.stdout.write(mark)
            sys.stdout.flush()
            results.append((result, mismatches, seconds))
    print()
    for result, mismatches, _ in results:
        if mismatches:
            print(f"\n___ {result.test.name} ___")
            for m in mismatches:
                sys.stdout.write(m.diff())
    if args.junit:
        _junit(results, args.junit)
    parts = [f"{marks['.']} passed"]
    if marks["U"]:
        parts.append(f"{marks['U']} updated")
    if marks["F"]:
        parts.append(f"{marks['F']} failed")
    print(f"\n{', '.join(parts)} in {time.monotonic() - t0:.2f}s")
    return 1 if marks["F"] else 0
