"""What a REPL input is: nothing, a command, an expression, script units,
an unfinished input, or a syntax error.

:func:`analyze` decides with zscript's own lexer and parser, never with
guesses about the text:

* an input whose first character is ``:`` followed by a letter is a command
  (``:load`` ...; ``::x`` is an expression);
* an input that parses as one expression (written without ``;``) is an
  expression, and the REPL prints its value;
* anything else is parsed unit by unit as a script is, first in declaration
  mode and, if that fails, in statement mode, where ``event e(1);`` raises an
  event instead of starting a handler definition;
* it is *incomplete* when the parser reaches the end of the text inside a
  unit (an unclosed ``{``, a missing ``;``: Lark's LALR parser stops on
  ``$END``) or inside an ``@if`` block; the REPL then asks for another line;
* otherwise each syntax error is a :class:`~zscript.diagnostics.Diagnostic`
  with a span, which :func:`offset_of` turns into a cursor position.

Nothing here acts on the input: directives are not carried out and no name
is looked up.  The host does that when the input runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..diagnostics import Diagnostic, SourceFile, Span, ZScriptError
from ..syntax import ast as A
from ..syntax.lexer import Directive, Lexer
from ..syntax.parser import IncompleteInput, UnitParser, get_parser, parse_expression

__all__ = ["Analysis", "analyze", "brace_depth", "is_command", "offset_of", "runs_as_statement"]

#: The parser's message when the text ends inside a unit.
_AT_END = "syntax error: unexpected end of file"
_COMMAND = re.compile(r"\s*:[A-Za-z]")
_OPEN_IF = frozenset({"if", "ifdef", "ifndef"})


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyze`.

    ``kind`` is ``"empty"``, ``"command"``, ``"expression"`` (``expr`` holds
    the parsed, unchecked expression), ``"units"`` (run it with the host's
    ``repl_execute``; ``statement_mode`` says how to parse it),
    ``"incomplete"`` or ``"error"``; the last two carry the parser's
    ``diagnostics``.
    """

    kind: str
    source: SourceFile | None = None
    expr: A.Expr | None = None
    statement_mode: bool = False
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def complete(self) -> bool:
        return self.kind != "incomplete"

    @property
    def error(self) -> Diagnostic | None:
        return next((d for d in self.diagnostics if d.severity == "error"), None)


def is_command(text: str) -> bool:
    return _COMMAND.match(text) is not None


def analyze(text: str, name: str = "<repl>") -> Analysis:
    """Classify one input; see the module docstring."""
    if is_command(text):
        return Analysis("command")
    source = SourceFile(name, text)
    tokens, directives, lex_ok, depth_if = _scan(source)
    if not tokens and not directives and lex_ok:
        return Analysis("empty", source)
    if depth_if > 0:
        return Analysis("incomplete", source)
    if tokens and not directives and lex_ok:
        try:
            return Analysis("expression", source, expr=parse_expression(tokens, source))
        except ZScriptError:
            pass
    state, errors = _parse_units(source, "decl")
    if state == "error":
        state2, errors2 = _parse_units(source, "stmt")
        if state2 != "error":
            return Analysis(state2, source, statement_mode=True, diagnostics=tuple(errors2))
    return Analysis(state, source, diagnostics=tuple(errors))


def _scan(source: SourceFile) -> tuple[list, list[Directive], bool, int]:
    """Tokens, directives, whether lexing was clean, and ``@if`` nesting at the end."""
    lexer = Lexer(source, get_parser().literals)
    tokens: list = []
    directives: list[Directive] = []
    depth = 0
    while (tok := lexer.next()) is not None:
        if isinstance(tok, Directive):
            directives.append(tok)
            if tok.name in _OPEN_IF:
                depth += 1
            elif tok.name == "endif":
                depth -= 1
        else:
            tokens.append(tok)
    return tokens, directives, not lexer.errors, depth


def _parse_units(source: SourceFile, mode: str) -> tuple[str, list[Diagnostic]]:
    """Parse without acting on directives: ``units``, ``incomplete`` or ``error``."""
    parser = UnitParser(source)
    parser.mode = mode
    try:
        for _ in parser.units():
            pass
    except IncompleteInput:
        pass
    if not parser.errors:
        return "units", []
    if all(d.message == _AT_END for d in parser.errors):
        return "incomplete", parser.errors
    return "error", parser.errors


def runs_as_statement(expr: A.Expr) -> bool:
    """Expressions typed for their effect, which the REPL runs as a statement
    and does not print: assignments, ``++``/``--`` and ``schedule``."""
    if isinstance(expr, (A.Assign, A.ScheduleExpr)):
        return True
    return isinstance(expr, A.UnaryOp) and expr.op in ("++", "--")


def offset_of(text: str, span: Span | None) -> int:
    """The index in ``text`` of the start of ``span`` (for the cursor)."""
    if span is None:
        return len(text)
    lines = text.split("\n")
    line = min(max(span.line, 1), len(lines))
    offset = sum(len(x) + 1 for x in lines[: line - 1])
    return min(offset + max(span.col - 1, 0), len(text))


def brace_depth(text: str) -> int:
    """How many ``{`` are open at the end of ``text`` (for indentation)."""
    lexer = Lexer(SourceFile("<repl>", text), get_parser().literals)
    depth = 0
    while (tok := lexer.next()) is not None:
        if isinstance(tok, Directive):
            continue
        if tok.type == "LBRACE":
            depth += 1
        elif tok.type == "RBRACE":
            depth = max(0, depth - 1)
    return depth
