"""Tab completion for the REPL, from the live host.

What is offered depends on the text before the cursor:

=====================  ======================================================
``:lo``                commands (at the start of an input)
``:load fi``           file names
``&op``                attributes (``&optional``, ``&on_change`` ...)
``r$``, ``r$a$f``      the fields of the record ``r``, ``r$a`` ... has
``event na``           event names only
``Mod::na``            the names declared in module ``Mod``
``na``                 keywords, globals, top-level locals, built-in
                       functions, and ``Mod::`` for each module
=====================  ======================================================

Names come from :meth:`Host.repl_names` each time, so a declaration is
offered as soon as it has been entered.  The completer runs on the event
loop's thread (not in a ``ThreadedCompleter``): the host's checker is not
thread-safe, and the lookups are a few dictionary scans.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from ..syntax.parser import get_parser
from .commands import COMMANDS
from .lexer import ATTRIBUTES

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..host import Host

__all__ = ["ReplCompleter", "keywords"]

_IDENT = r"[A-Za-z_]\w*"
_COMMAND = re.compile(r"\s*(:\w*)$")
_LOAD = re.compile(r"\s*:load\s+(.*)$")
_ATTR = re.compile(r"&(\w*)$")
_FIELD = re.compile(rf"((?:::)?{_IDENT}(?:::{_IDENT})*(?:\$\s*{_IDENT})*)\s*\??\$(\w*)$")
_EVENT = re.compile(r"(?:^|[^\w$])event\s+((?:::)?[\w:]*)$")
_WORD = re.compile(r"(?:^|(?<=[^\w:$&@]))((?:::)?[A-Za-z_][\w]*(?:::\w*)*(?:::)?)$")


def keywords() -> list[str]:
    """The language's keywords, from the grammar."""
    return sorted(k for k in get_parser().literals if k.isidentifier())


class ReplCompleter(Completer):
    """Completes zscript input against ``host``; see the module docstring."""

    def __init__(self, host: Host):
        self.host = host
        self._keywords = keywords()
        self._paths = PathCompleter(expanduser=True)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        text = document.text_before_cursor
        if "\n" not in text:
            m = _LOAD.match(text)
            if m:
                sub = Document(m.group(1), len(m.group(1)))
                yield from self._paths.get_completions(sub, complete_event)
                return
            m = _COMMAND.match(text)
            if m:
                yield from _matching(m.group(1), COMMANDS, lambda c: COMMANDS[c][1])
                return
        if text.lstrip().startswith(":type"):
            text = text.lstrip()[5:]
        m = _ATTR.search(text)
        if m:
            prefix = m.group(1)
            for a in ATTRIBUTES:
                if a.startswith(prefix):
                    yield Completion("&" + a, -len(prefix) - 1, display_meta="attribute")
            return
        m = _FIELD.search(text)
        if m:
            path = [p.strip() for p in m.group(1).split("$")]
            fields = self.host.repl_fields(path)
            yield from _matching(m.group(2), fields, lambda f: "field")
            return
        m = _EVENT.search(text)
        if m:
            names = self.host.repl_names()
            events = [n for n, kind in names.items() if kind == "event"]
            yield from _matching(m.group(1), events, lambda n: "event")
            return
        m = _WORD.search(text)
        if m:
            yield from self._names(m.group(1))

    def _names(self, word: str) -> Iterable[Completion]:
        names = self.host.repl_names()
        offered: dict[str, str] = {}
        bare = word.removeprefix("::")
        if "::" not in bare:
            for k in self._keywords:
                offered[k] = "keyword"
        for name, kind in names.items():
            if kind == "module":
                offered[name + "::"] = "module"
                continue
            offered.setdefault(name, kind)
        lead = word[: len(word) - len(bare)]  # a leading '::' stays
        for cand in sorted(offered):
            if cand.startswith(bare) and cand != bare:
                yield Completion(lead + cand, -len(word), display_meta=offered[cand])


def _matching(prefix: str, candidates, meta) -> Iterable[Completion]:
    for c in sorted(candidates):
        if c.startswith(prefix) and c != prefix:
            yield Completion(c, -len(prefix), display_meta=meta(c))
