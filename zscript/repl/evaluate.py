"""Running one REPL input and showing what it produced.

:class:`Evaluator` takes a complete input (see :mod:`.inputs`) and:

* runs a command (:mod:`.commands`);
* evaluates an expression and prints its value as ``print`` would (``3``, a
  table over several lines); an assignment, ``++``/``--`` or ``schedule``
  typed without ``;`` runs as a statement and prints nothing;
* hands declarations and statements to the host, which processes them at
  once: declarations persist, top-level statements run, raised events are
  dispatched before the next prompt;
* prints static errors and warnings exactly as ``zscript check`` does, with
  :func:`zscript.diagnostics.render` (runtime errors are printed Zeek-style
  by the host's reporter while the input runs).

An input with errors changes nothing else (the host's REPL section explains
the rule), so the session always goes on.  Output goes to whatever
``sys.stdout``/``sys.stderr`` are when it is written, which lets the session
route it above the prompt.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, SourceFile, render
from .commands import run_command
from .inputs import analyze, runs_as_statement

if TYPE_CHECKING:
    from ..host import Host

__all__ = ["Evaluator"]


class Evaluator:
    """Runs REPL inputs against ``host``.

    :param name: the file name inputs have in messages.
    """

    def __init__(self, host: Host, *, name: str = "<repl>"):
        self.host = host
        self.name = name

    def run(self, text: str) -> None:
        """Run one input; raises :class:`~.commands.Quit` for ``:quit``."""
        a = analyze(text, self.name)
        if a.kind == "empty":
            return
        if a.kind == "command":
            run_command(self, text)
            return
        if a.kind in ("incomplete", "error"):
            self.show(a.diagnostics)
            return
        if a.kind == "expression" and not runs_as_statement(a.expr):
            value, diags = self.host.repl_evaluate(a.expr)
            self.show(diags)
            if value is not None:
                self.write(value + "\n")
            return
        if a.kind == "expression":
            # ``x = 1`` without the ';' a statement needs.
            source, statement_mode = SourceFile(self.name, text + ";"), True
        else:
            source, statement_mode = a.source, a.statement_mode
        self.show(self.host.repl_execute(source, statement_mode=statement_mode))

    def load(self, name: str) -> bool:
        """Load a script (``:load``, files named on the command line)."""
        diags = self.host.repl_load(name)
        self.show(diags)
        return not any(d.severity == "error" for d in diags)

    # -- output

    def write(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def error(self, text: str) -> None:
        sys.stdout.flush()
        sys.stderr.write(text)
        sys.stderr.flush()

    def show(self, diags) -> None:
        """Print diagnostics in ``zscript check``'s format."""
        text = "".join(render(d) for d in diags if isinstance(d, Diagnostic))
        if text:
            self.error(text)
