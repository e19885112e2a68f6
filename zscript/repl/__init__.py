"""``zscript repl``: an interactive session on a live host.

The package sits at the top of the layering (L6) with the CLI: it uses the
host's REPL section (``Host.repl_*``), the parser (to tell complete input
from unfinished input), prompt-toolkit and Pygments; nothing in zscript
imports it except :mod:`zscript.cli`, lazily.

=================  ========================================================
:mod:`.session`    the prompt, history, key bindings, asyncio integration
:mod:`.inputs`     what an input is: expression, units, unfinished, error
:mod:`.evaluate`   running an input and showing its value or errors
:mod:`.commands`   ``:load``, ``:type``, ``:events``, ``:globals`` ...
:mod:`.completion` completion from the live host
:mod:`.validator`  syntax errors put the cursor on the offending token
:mod:`.lexer`      ``ZscriptLexer`` for Pygments (``pygmentize -l zscript``)
=================  ========================================================
"""

from __future__ import annotations

from .session import ReplError, run

__all__ = ["ReplError", "run"]
