"""Machine-readable benchmark results, shared by every script in ``bench/``.

Each benchmark prints its table for people and, given ``--json FILE``, writes
the same figures as a JSON list of rows so they can be tracked over time::

    [{"name": "startup_bare", "value": 0.241, "unit": "s", "ratio": 18.5}, ...]

``value`` is zscript's figure (a median, in ``unit``), ``ratio`` the figure
divided by its baseline measured in the same run (None where a benchmark has
no baseline); extra keys (``baseline``, ``target`` ...) may follow.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["Report", "add_json_argument", "parse_or_run_role"]


def add_json_argument(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON rows")


def parse_or_run_role(ap: argparse.ArgumentParser, argv, roles: dict):
    """Parse ``argv`` with ``--json`` and a hidden ``--role NAME ARGS...``.

    A bench runs its raw baselines in child processes of itself: given a role,
    ``roles[NAME](*ARGS)`` runs and None is returned; else the parsed options."""
    ap.add_argument("--role", help=argparse.SUPPRESS)
    add_json_argument(ap)
    args, rest = ap.parse_known_args(argv)
    if args.role:
        roles[args.role](*rest)
        return None
    if rest:
        ap.error(f"unrecognized arguments: {' '.join(rest)}")
    return args


class Report:
    """Rows collected while a benchmark runs; :meth:`write` saves them."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, name: str, value: float, unit: str, ratio: float | None = None, **extra) -> None:
        self.rows.append({"name": name, "ratio": ratio, "value": value, "unit": unit, **extra})

    def write(self, path: str | None) -> None:
        """Write the rows to ``path`` (nothing when None)."""
        if path:
            Path(path).write_text(json.dumps(self.rows, indent=1) + "\n", encoding="utf-8")
