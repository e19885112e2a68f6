"""Syntax highlighting: a Pygments lexer for zscript, and its prompt-toolkit wrapper.

:class:`ZscriptLexer` is Pygments' own ``ZeekLexer`` (zscript's syntax *is*
Zeek's) with what that lexer lacks: the attributes Zeek gained after it was
written (``&on_change``, ``&backend``, ``&ordered``, ``&is_used`` ...) are
``Keyword.Pseudo`` like the older ones instead of an ``&`` operator and a
name, and ``assert`` is a keyword.  It claims ``*.zs`` files and is
registered under the ``pygments.lexers`` entry point (``pyproject.toml``), so
``pygmentize -l zscript`` and Sphinx find it.

:data:`ATTRIBUTES` lists every attribute zscript's lexer accepts (the REPL
completes them); a test keeps it equal to the lexer's table.
"""

from __future__ import annotations

from pygments.lexer import inherit, words
from pygments.lexers.dsls import ZeekLexer
from pygments.token import Keyword

__all__ = ["ATTRIBUTES", "ZscriptLexer", "prompt_lexer"]

#: Every attribute name (without ``&``) of the language.
ATTRIBUTES: tuple[str, ...] = (
    "add_func",
    "backend",
    "broker_store",
    "broker_allow_complex_type",
    "create_expire",
    "default",
    "default_insert",
    "delete_func",
    "deprecated",
    "error_handler",
    "expire_func",
    "group",
    "is_assigned",
    "is_used",
    "log",
    "no_CPP_opt",
    "no_ZAM_opt",
    "on_change",
    "optional",
    "ordered",
    "priority",
    "publish_on_change",
    "raw_output",
    "read_expire",
    "redef",
    "type_column",
    "write_expire",
)

#: Attributes ZeekLexer does not know.  Listed longest first, so that a
#: prefix (``&default``) never hides a longer name (``&default_insert``).
_NEW_ATTRIBUTES = (
    "broker_allow_complex_type",
    "publish_on_change",
    "default_insert",
    "broker_store",
    "is_assigned",
    "no_CPP_opt",
    "no_ZAM_opt",
    "on_change",
    "backend",
    "is_used",
    "ordered",
    "group",
)


class ZscriptLexer(ZeekLexer):
    """Pygments lexer for zscript (Zeek script syntax, ``*.zs`` files)."""

    name = "zscript"
    url = "https://docs.zeek.org/en/master/script-reference/"
    aliases = ["zscript"]
    filenames = ["*.zs"]
    mimetypes = ["text/x-zscript"]

    tokens = {
        "attributes": [
            (words(_NEW_ATTRIBUTES, prefix=r"&", suffix=r"\b"), Keyword.Pseudo),
            inherit,
        ],
        "keywords": [
            (words(("assert",), suffix=r"\b"), Keyword),
            inherit,
        ],
    }


def prompt_lexer():
    """The lexer prompt-toolkit uses to colour the input line."""
    from prompt_toolkit.lexers import PygmentsLexer

    return PygmentsLexer(ZscriptLexer)
