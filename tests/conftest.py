"""Shared pytest configuration.

``pytest --update-golden`` rewrites the expected output of the golden-file
tests from the current behaviour (like ``btest -U``); review the diff before
committing it.
"""

from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden expected files from the current output",
    )
