"""Loading scripts: where ``@load`` finds them (:mod:`.search`), what a
process loads before the user's scripts and in which order (:mod:`.prelude`),
and the part of the host that parses, checks, compiles and runs each unit of
a script (:mod:`.units`)."""

from __future__ import annotations

from .search import Conditionals, resolve_load

__all__ = ["Conditionals", "resolve_load"]
