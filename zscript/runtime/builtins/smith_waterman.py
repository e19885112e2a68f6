"""``str_smith_waterman``: common substrings of two strings, by the
Smith-Waterman alignment variant Zeek implements (``src/SmithWaterman.cc``).

The dynamic-programming matrix has a row per byte of ``s1`` and a column per
byte of ``s2`` (plus row and column 0).  A cell whose bytes match scores its
upper-left neighbour plus 1, plus 99 more when that neighbour matched too
(long runs win); another cell takes its best neighbour's score.  A matched
cell links to its upper-left neighbour, another to the one above if it took
that score, else to the one on its left.  Walking the links back from a cell yields matching runs
separated by gaps; runs of at least ``min_strlen`` bytes are the substrings,
each with its start in both strings, and the last one found (the first in
the strings) is marked as the start of an alignment (``new``).

``sw_variant`` 0 (single) walks back from the first cell with the best
score; 1 (multiple) walks back from every matched cell not walked through
yet, bottom-right first, and drops an alignment when a substring of another
covers one of its own (same strings, a range that contains it).  The result
is ordered by position in the longer string (the second on a tie of lengths).
"""

from __future__ import annotations

from ..bifs import bif
from ..containers import Vector
from ..values import field_attr, record_class
from ._support import script_type

__all__ = ["smith_waterman"]


class _Sub:
    __slots__ = ("at1", "at2", "new", "text")

    def __init__(self, text: str, at1: int, at2: int):
        self.text = text
        self.at1 = at1
        self.at2 = at2
        self.new = False

    def covers(self, other: _Sub) -> bool:
        n, m = len(self.text), len(other.text)
        return all(
            a <= b and a + n >= b + m for a, b in ((self.at1, other.at1), (self.at2, other.at2))
        )


class _Matrix:
    """Scores, matched bytes and back links of every cell (row-major)."""

    def __init__(self, s1: str, s2: str):
        self.width = w = len(s2) + 1
        size = (len(s1) + 1) * w
        self.score = [0] * size
        self.byte: list[str | None] = [None] * size
        self.prev = [-1] * size
        self.visited = [False] * size
        self.best = -1
        best_score = 1
        score, byte, prev = self.score, self.byte, self.prev
        for i in range(1, len(s1) + 1):
            c1 = s1[i - 1]
            for j in range(1, w):
                cur = i * w + j
                tl, top, left = cur - w - 1, cur - w, cur - 1
                s_tl = score[tl]
                if c1 == s2[j - 1]:
                    s_tl += 100 if byte[tl] is not None else 1
                    byte[cur] = c1
                    score[cur] = s_tl
                    prev[cur] = tl
                else:
                    s = score[cur] = max(score[top], score[left], s_tl)
                    prev[cur] = top if s == score[top] else left
                if score[cur] > best_score:
                    best_score = score[cur]
                    self.best = cur

    def walk(self, node: int, min_len: int) -> list[_Sub]:
        """The substrings on the path back from ``node``, last-found first-marked."""
        out: list[_Sub] = []
        run: list[str] = []
        row = col = 0
        while node >= 0:
            self.visited[node] = True
            b = self.byte[node]
            if b is not None:
                row, col = divmod(node, self.width)
                run.append(b)
            else:
                if len(run) >= min_len:
                    out.append(_Sub("".join(reversed(run)), row - 1, col - 1))
                run = []
            node = self.prev[node]
        if run:
            out.append(_Sub("".join(reversed(run)), row - 1, col - 1))
        if out:
            out[-1].new = True
        return out


def _multiple(m: _Matrix, rows: int, min_len: int) -> list[_Sub]:
    found: list[list[_Sub] | None] = []
    for i in range(rows - 1, 0, -1):
        for j in range(m.width - 1, 0, -1):
            node = i * m.width + j
            if m.byte[node] is None or m.visited[node]:
                continue
            new = m.walk(node, min_len)
            keep = True
            for k, old in enumerate(found):
                if old is None:
                    continue
                clash = next(((o, n) for o in old for n in new if o.covers(n) or n.covers(o)), None)
                if clash is not None:
                    if clash[0].covers(clash[1]):
                        keep = False
                    else:
                        found[k] = None
                    break
            if keep:
                found.append(new)
    return [s for al in found if al is not None for s in al]


def smith_waterman(s1: str, s2: str, min_len: int, variant: int) -> list[_Sub]:
    if len(s1) < min_len or len(s2) < min_len:
        return []
    m = _Matrix(s1, s2)
    if variant == 1:
        subs = _multiple(m, len(s1) + 1, min_len)
    else:
        subs = m.walk(m.best, min_len) if m.best >= 0 else []
    subs.sort(key=(lambda s: s.at1) if len(s1) > len(s2) else (lambda s: s.at2))
    return subs


@bif(
    "str_smith_waterman",
    "function(s1: string, s2: string, params: sw_params): sw_substring_vec",
    context=True,
)
def str_smith_waterman(ctx, s1, s2, params):
    subs = smith_waterman(
        s1, s2, getattr(params, field_attr("min_strlen")), getattr(params, field_attr("sw_variant"))
    )
    sub_cls = record_class(script_type(ctx, "sw_substring"))
    align_cls = record_class(script_type(ctx, "sw_align"))
    align_vec = script_type(ctx, "sw_align_vec")
    out = []
    for s in subs:
        aligns = [
            align_cls._zmake({field_attr("str"): whole, field_attr("index"): at})
            for whole, at in ((s1, s.at1), (s2, s.at2))
        ]
        out.append(
            sub_cls._zmake(
                {
                    field_attr("str"): s.text,
                    field_attr("aligns"): Vector(align_vec, aligns),
                    field_attr("new"): s.new,
                }
            )
        )
    return Vector(script_type(ctx, "sw_substring_vec"), out)
