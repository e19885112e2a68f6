"""A pytest plugin that makes golden-file tests of scripts pytest items.

Installed with zscript (entry point ``pytest11``) and off until a project
turns it on, either in pytest's configuration::

    [tool.pytest.ini_options]
    zscript_golden = ["tests/zs"]

or on the command line with ``--zscript-golden DIR``.  Every test script
below those directories (see :mod:`.golden`: ``NAME.zs`` with ``NAME.out``
beside it) becomes one item, collected when pytest walks the directory;
``--zscript-update`` writes the expected files from the run instead of
failing.  A failure shows a unified diff per differing file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .golden import SUFFIXES, GoldenTest, has_expected_output, run_test

__all__ = ["GoldenItem"]


def pytest_addoption(parser) -> None:
    group = parser.getgroup("zscript", "zscript golden-file tests")
    group.addoption(
        "--zscript-golden",
        action="append",
        default=[],
        metavar="DIR",
        help="collect zscript golden tests below DIR (repeatable)",
    )
    group.addoption(
        "--zscript-update", action="store_true", help="write the golden tests' expected files"
    )
    parser.addini("zscript_golden", "directories holding zscript golden tests", type="paths")


def _roots(config) -> list[Path]:
    given = [Path(d).resolve() for d in config.getoption("zscript_golden")]
    return given + [Path(p).resolve() for p in config.getini("zscript_golden")]


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix not in SUFFIXES or file_path.name.startswith("_"):
        return None
    if not has_expected_output(file_path):
        return None
    path = file_path.resolve()
    for root in _roots(parent.config):
        if path.is_relative_to(root):
            return GoldenFile.from_parent(parent, path=file_path)
    return None


class GoldenFile(pytest.File):
    def collect(self):
        yield GoldenItem.from_parent(self, name=self.path.name)


class GoldenItem(pytest.Item):
    """One golden test: run the script, compare with its expected files."""

    def runtest(self) -> None:
        test = GoldenTest.at(self.path, self.path.parent)
        result = run_test(test)
        mismatches = result.mismatches()
        if mismatches and self.config.getoption("zscript_update"):
            result.update()  # an exit status or a timeout stays a failure
            mismatches = result.mismatches()
        if mismatches:
            raise GoldenMismatch(mismatches)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, GoldenMismatch):
            return "".join(m.diff() for m in excinfo.value.mismatches)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"zscript golden: {self.path.name}"


class GoldenMismatch(Exception):
    def __init__(self, mismatches):
        super().__init__(", ".join(m.what for m in mismatches))
        self.mismatches = mismatches
