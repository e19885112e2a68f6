"""Patterns (``/regex/``).

Zeek patterns are POSIX-style regular expressions; they are translated to
Python's ``re`` syntax (character classes and repetition are the same for
the common subset).  ``p == s`` is an exact match, ``p in s`` a search.
A pattern prints as Zeek shows it: ``/^?(foo)$?/``.

The network types (addr, subnet, port) are in :mod:`.addresses`; they are
also importable from here, where they used to live.
"""

from __future__ import annotations

import functools
import re

from .addresses import Addr, Port, Subnet, make_addr, make_port, make_subnet

__all__ = [
    "MAX_PATTERN",
    "Addr",
    "Pattern",
    "Port",
    "Subnet",
    "make_addr",
    "make_port",
    "make_subnet",
    "compile_pattern",
    "pattern_problem",
    "translate",
    "make_pattern",
]


_POSIX_CLASSES = {
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "a-zA-Z0-9",
    "upper": "A-Z",
    "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v",
    "blank": " \\t",
    "punct": "!-/:-@\\[-`{-~",
    "print": " -~",
    "graph": "!-~",
    "cntrl": "\\x00-\\x1f\\x7f",
    "xdigit": "0-9A-Fa-f",
}
_POSIX_RE = re.compile(r"\[:(\w+):\]")


#: The characters :func:`translate` looks at; everything else is copied in runs.
_SPECIAL = re.compile(r'[\\\[\]$"{}]')


@functools.lru_cache(maxsize=512)
def translate(text: str) -> str:
    """Zeek (flex-style) regular expression to Python ``re`` syntax.

    Handles POSIX classes (``[[:digit:]]``), quoted literal text
    (``"foo"``, case-sensitive even under ``/i``) and a literal ``[`` inside
    a bracket expression, which Python would warn about as a nested set.
    Text between those characters is copied in one step (long patterns).
    """
    text = _POSIX_RE.sub(lambda m: _POSIX_CLASSES.get(m.group(1), m.group(0)), text)
    out = []
    in_class = False
    i = 0
    search = _SPECIAL.search
    while i < len(text):
        m = search(text, i)
        j = m.start() if m is not None else len(text)
        if j > i:
            out.append(text[i:j])
            i = j
            continue
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "[":
                out.append("\\[")
            elif c == "]" and not (out and out[-1] in ("[", "[^")):
                in_class = False
                out.append(c)
            else:
                out.append(c)
        elif c == "$":
            # Zeek's $ matches only at the very end (Python's also before a final newline).
            out.append("\\Z")
        elif c == '"':
            # flex syntax: a quoted string is literal text, matched case-sensitively.
            end = text.find('"', i + 1)
            if end < 0:
                end = len(text)
            out.append("(?-i:" + re.escape(text[i + 1 : end]) + ")")
            i = end + 1
            continue
        elif c == "{":
            # flex takes "{" only to start a repetition ("{2}", "{1,3}"); any
            # other brace is a syntax error (Python would match it literally).
            end = text.find("}", i)
            if not text[i + 1 : i + 2].isdigit() or end < 0:
                raise re.error("syntax error")
            out.append(text[i : end + 1])
            i = end + 1
            continue
        elif c == "}":
            raise re.error("syntax error")
        elif c == "[":
            in_class = True
            if text[i + 1 : i + 2] == "^":
                out.append("[^")
                i += 2
                continue
            out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


#: Characters of a pattern's text.  Python's regex compiler takes about a
#: second per million characters and much memory; longer patterns are refused.
MAX_PATTERN = 1 << 20


class PatternTooLong(re.error):
    pass


def compile_pattern(text: str, flags: str = "") -> re.Pattern:
    if len(text) > MAX_PATTERN:
        raise PatternTooLong(f"pattern too long ({len(text)} characters; at most {MAX_PATTERN})")
    rflags = re.DOTALL if "s" in flags else 0
    if "i" in flags:
        rflags |= re.IGNORECASE
    return re.compile(translate(text), rflags)


def pattern_problem(text: str, flags: str = "") -> str | None:
    """Why ``/text/`` is not a valid pattern, or None."""
    try:
        compile_pattern(text, flags)
    except (re.error, OverflowError, RecursionError) as e:
        return str(e)
    return None


class Pattern:
    """A compiled pattern; ``display`` is the text Zeek prints between slashes."""

    __slots__ = ("display", "flags", "regex", "text")

    def __init__(self, text: str, flags: str = "", display: str | None = None):
        self.text = text
        self.flags = flags
        self.regex = compile_pattern(text, flags)
        self.display = display if display is not None else f"^?({text})$?"

    def match_exact(self, s: str) -> bool:
        return self.regex.fullmatch(s) is not None

    def search(self, s: str) -> bool:
        return self.regex.search(s) is not None

    def __str__(self) -> str:
        return f"/{self.display}/"

    def __deepcopy__(self, memo) -> Pattern:
        # ``copy()`` of a pattern is a new value (Zeek's PatternVal::DoClone);
        # the compiled regex is shared, it never changes.
        c = object.__new__(Pattern)
        c.text, c.flags, c.regex, c.display = self.text, self.flags, self.regex, self.display
        return c

    def __eq__(self, other) -> bool:
        return isinstance(other, Pattern) and other.text == self.text and other.flags == self.flags

    def __hash__(self) -> int:
        return hash((self.text, self.flags))


def make_pattern(text: str, flags: str = "") -> Pattern:
    return Pattern(text, flags)


def _inline(p: Pattern) -> str:
    """``p``'s regex with its flags made inline, for combining patterns."""
    flags = "".join(f for f in "is" if f in p.flags)
    return f"(?{flags}:{p.text})" if flags else f"(?:{p.text})"


def pattern_concat(a: Pattern, b: Pattern) -> Pattern:
    """``a & b``: a string matching ``a`` followed by one matching ``b``."""
    return Pattern(_inline(a) + _inline(b), "", f"({a.display})({b.display})")


def pattern_union(a: Pattern, b: Pattern) -> Pattern:
    """``a | b``: either pattern."""
    return Pattern(f"{_inline(a)}|{_inline(b)}", "", f"({a.display})|({b.display})")


def pattern_add_to(a: Pattern, b: Pattern) -> Pattern:
    """``a += b``: either pattern, ``b`` first as Zeek writes it (``PatternVal::AddTo``
    builds a matcher from ``b``'s text and adds ``a``'s)."""
    return Pattern(f"{_inline(b)}|{_inline(a)}", "", f"(^?({b.display})$?)|(^?({a.display})$?)")


def pattern_lookup(table, s: str, vtype):
    """``t[s]`` on a ``table[pattern] of T``: the values of every matching pattern."""
    from .containers import Vector

    return Vector(vtype, [v for p, v in table.items() if p.regex.fullmatch(s) is not None])


def pattern_in(s: str, container) -> bool:
    """``s in t`` for a table or set of patterns: does any pattern match?"""
    return any(p.regex.fullmatch(s) is not None for p in container)


def pmatch(p: Pattern, s: str) -> bool:
    return p.match_exact(s)


def psearch(p: Pattern, s: str) -> bool:
    return p.search(s)
