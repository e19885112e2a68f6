"""String literals as values of their own, with the place they were written.

In Zeek every constant in a script is its own value object, created where
the parser read it: two equal literals are two objects (``same_object`` tells
them apart) and a built-in function's error about an argument that came
from a literal names both the call and the literal's line (``Obj::DoMsg``:
``line 7 and FILE, line 20``).  Python merges equal constants, so the code
generator asks :func:`literal_string` for each string literal: a distinct
string object, remembered with its span.  :func:`origin` finds the span
again from the object.  One-character and empty strings are shared by
Python and stay so (they have no origin).

A host makes its literals through its own :class:`Literals`; when the host
(and so its table) is gone, the origins of its literals are forgotten and the
strings let go.
"""

from __future__ import annotations

import weakref

__all__ = ["Literals", "literal_string", "origin"]

#: id of a literal's string object -> (the object, its span).
_ORIGINS: dict[int, tuple[str, object]] = {}


def literal_string(text: str, span, made: list[int] | None = None) -> str:
    """A string object equal to ``text`` that no other literal shares (its
    ``id`` is appended to ``made``)."""
    if len(text) < 2:
        return text
    s = text[:1] + text[1:]
    _ORIGINS[id(s)] = (s, span)
    if made is not None:
        made.append(id(s))
    return s


def _forget(made: list[int]) -> None:
    for key in made:
        _ORIGINS.pop(key, None)


class Literals:
    """The literal strings of one host; forgotten when this table is."""

    def __init__(self):
        self._made: list[int] = []
        weakref.finalize(self, _forget, self._made)

    def string(self, text: str, span) -> str:
        """:func:`literal_string`, remembered until this table is gone."""
        return literal_string(text, span, self._made)


def origin(value):
    """The span of the literal ``value`` is, or None."""
    entry = _ORIGINS.get(id(value))
    if entry is not None and entry[0] is value:
        return entry[1]
    return None
