"""Paraglob: matching a string against many glob patterns (``opaque of paraglob``).

Like Zeek's paraglob library, each pattern is indexed by its *meta words*
(the literal runs between ``*``, ``?`` and ``[...]``).  A lookup collects,
in the order the meta words were first added, the patterns of every meta
word occurring in the text that glob-match it (each word's patterns in
sorted order), then the patterns without any literal run (which always
match); repeated neighbours are dropped.  This reproduces Zeek's result
order, e.g. ``[d?g, d[!wl]g, d?g, d[!wl]g, *og, *]`` for ``"dog"``.

Provides: paraglob_init, paraglob_match, paraglob_equals.
"""

from __future__ import annotations

import fnmatch
import re

from ...types import STRING, OpaqueType, VectorType
from ..bifs import bif
from ..containers import Vector
from ._support import reporter_error

__all__ = []

_STRING_VEC = VectorType(STRING)
_BRACKETS = re.compile(r"\[[^\]]*\]")
_WILDCARDS = re.compile(r"[*?]")


def meta_words(pattern: str) -> list[str]:
    """The literal runs of a glob pattern (bracket expressions and wildcards separate them)."""
    # An opening bracket without a closing one stays literal, as in paraglob.
    words: list[str] = []
    for part in _BRACKETS.split(pattern):
        words.extend(w for w in _WILDCARDS.split(part) if w)
    return words


def _c_string(s: str) -> str:
    """The text up to the first NUL (the library compares C strings)."""
    return s.split("\x00", 1)[0]


class Paraglob:
    __slots__ = ("nodes", "single_wildcards")

    ztype = OpaqueType("paraglob")
    json_type = "ParaglobVal"

    def __init__(self, patterns=()):
        #: meta word -> its patterns (insertion order of the words is kept).
        self.nodes: dict[str, set[str]] = {}
        self.single_wildcards: list[str] = []
        for p in patterns:
            self.add(p)

    def __str__(self) -> str:
        return "paraglob"

    def __deepcopy__(self, memo):
        c = Paraglob()
        c.nodes = {w: set(ps) for w, ps in self.nodes.items()}
        c.single_wildcards = list(self.single_wildcards)
        return c

    def add(self, pattern: str) -> None:
        words = meta_words(pattern)
        if not words and pattern:
            self.single_wildcards.append(pattern)
        for w in words:
            self.nodes.setdefault(w, set()).add(pattern)

    def get(self, text: str) -> list[str]:
        subject = _c_string(text)
        found: list[str] = []
        for word, patterns in self.nodes.items():
            if word in text:
                found.extend(
                    p for p in sorted(patterns) if fnmatch.fnmatchcase(subject, _c_string(p))
                )
        found.extend(self.single_wildcards)
        return [p for i, p in enumerate(found) if i == 0 or p != found[i - 1]]

    def __eq__(self, other) -> bool:
        return isinstance(other, Paraglob) and self.nodes == other.nodes

    __hash__ = object.__hash__


@bif("paraglob_init", "function(v: any): opaque of paraglob", context=True)
def paraglob_init(ctx, v):
    elem = getattr(getattr(v, "ztype", None), "elem", None)
    if not isinstance(v, Vector) or elem is None or elem.tag != "string":
        reporter_error(ctx, "paraglob requires a vector of strings for initialization.")
        return None
    return Paraglob(x for x in v if x is not None)


@bif("paraglob_match", "function(handle: opaque of paraglob, match: string): string_vec")
def paraglob_match(handle, match):
    return Vector(_STRING_VEC, handle.get(match))


@bif("paraglob_equals", "function(p_one: opaque of paraglob, p_two: opaque of paraglob): bool")
def paraglob_equals(p_one, p_two):
    return p_one == p_two
