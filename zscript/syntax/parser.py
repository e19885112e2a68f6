"""The parse driver: one top-level declaration or statement at a time.

Zeek acts on each declaration as soon as it is parsed: an ``@if`` condition
may call a function defined a few lines earlier, and ``@load`` makes a file's
declarations visible to the rest of the including file.  zscript does the
same.  :class:`UnitParser` pulls tokens from the :class:`~.lexer.Lexer` and
feeds them to Lark's interactive LALR parser, one *unit* at a time.  A unit
ends when the parser could accept end-of-input and the next token cannot
continue it (so ``if (...) x; else y;`` stays one unit).  Each finished unit
is handed to the caller, which checks, compiles and runs it before the next
one is parsed.

Like Zeek's grammar (``zeek: decl_list stmt_list``), a file starts in
declaration mode; the first top-level statement switches it to statement
mode, where ``event f(...);`` and ``hook h(...);`` are statements rather than
handler definitions.

The Lark parser is built once per process and its tables are cached on disk
(``cache=``, in :func:`~zscript.resources.cache_dir`), which keeps start-up
fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer as LarkLexer
from lark.parsers.lalr_analysis import Shift as _SHIFT

from ..diagnostics import Diagnostic, SourceFile, Span, ZScriptError
from ..resources import cache_dir, grammar_path
from . import ast as A
from .builder import AstBuilder
from .lexer import Directive, IncompleteInput, Lexer, Token

__all__ = ["IncompleteInput", "UnitParser", "get_parser", "parse_expression", "parse_source"]


class _NoLexer(LarkLexer):
    """Placeholder: tokens are fed by :class:`UnitParser`, never lexed by Lark."""

    def __init__(self, conf):
        pass

    def lex(self, lexer_state, parser_state):  # pragma: no cover - never called
        raise NotImplementedError


#: Directives that Zeek's scanner passes to its parser as tokens.
_CONDITIONALS = frozenset({"if", "ifdef", "ifndef", "else", "endif"})
_DECL_STARTS = frozenset({"MODULE", "EXPORT", "GLOBAL", "OPTION", "REDEF", "TYPE"})
_PUNCT_NAMES = {";": "';'", "}": "'}'", ")": "')'", "]": "']'"}


class _Grammar:
    """The Lark parser plus the literal-to-terminal table the lexer needs."""

    def __init__(self):
        path = grammar_path()
        directory = cache_dir()
        cache_file: str | bool = False
        if directory is not None:
            try:
                os.makedirs(directory, mode=0o700, exist_ok=True)
                cache_file = os.path.join(directory, "grammar.lark.cache")
            except OSError:
                pass
        self.builder = AstBuilder()
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.lark = Lark(
            text,
            parser="lalr",
            lexer=_NoLexer,
            start=["start_decl", "start_stmt", "start_expr"],
            keep_all_tokens=True,
            transformer=self.builder,
            cache=cache_file,
        )
        self.literals: dict[str, str] = {}
        for term in self.lark.terminals:
            if term.pattern.type == "str":
                self.literals[term.pattern.value] = term.name
        self.states = self.lark.parser.parser.parser.parse_table.states


_GRAMMAR: _Grammar | None = None


def get_parser() -> _Grammar:
    global _GRAMMAR
    if _GRAMMAR is None:
        _GRAMMAR = _Grammar()
    return _GRAMMAR


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    return f'"{tok.value}"'


#: Syntax errors after which the rest of a file is skipped.
MAX_SYNTAX_ERRORS = 50


class UnitParser:
    """Parses a source file unit by unit.

    :param source: the file.
    :param on_directive: called with each :class:`Directive` and the lexer;
        it may call ``lexer.skip_conditional()``.  It runs after the previous
        unit was handed out, so it sees that unit's effects.
    :param recover: after a syntax error, skip to the next declaration and go
        on (reporting every error); ``False`` stops there, like Zeek.
    """

    def __init__(
        self,
        source: SourceFile,
        on_directive: Callable[[Directive, Lexer], None] | None = None,
        *,
        recover: bool = True,
    ):
        self.grammar = get_parser()
        self.source = source
        self.lexer = Lexer(source, self.grammar.literals)
        self.on_directive = on_directive
        #: False: stop at the first syntax error, as Zeek's parser does.
        self.recover = recover
        #: Errors in source order; the caller may take them as units come out.
        self.errors: list[Diagnostic] = []
        #: The "unexpected end of file" error, if the file ended inside a unit.
        self.eof_error: Diagnostic | None = None
        #: An error Zeek locates at the next token (see _misplaced_directive).
        self._late_error: Diagnostic | None = None
        self.mode = "decl"
        self._pending: list[Token | Directive | None] = []
        self._open_braces: list[Token] = []
        #: The first two tokens of the current unit (see Diagnostic.unit_head).
        self._head: list[Token] = []

    # ------------------------------------------------------------------ tokens

    def _next(self) -> Token | Directive | None:
        if self._pending:
            return self._pending.pop()
        return self._lex()

    def _peek(self) -> Token | Directive | None:
        if not self._pending:
            self._pending.append(self._lex())
        return self._pending[-1]

    def _lex(self) -> Token | Directive | None:
        tok = self.lexer.next()
        if self.lexer.errors:
            self._lex_errors()
        return tok

    def _push_back(self, tok) -> None:
        self._pending.append(tok)

    def _span(self, tok: Token) -> Span:
        return Span(self.source, tok.line, tok.column, tok.end_line, tok.end_column)

    # ------------------------------------------------------------------- units

    def _start_for(self, tok: Token) -> str:
        t = tok.type
        if t in _DECL_STARTS:
            return "start_decl"
        if t == "FUNCTION":
            nxt = self._peek()
            named = isinstance(nxt, Token) and nxt.type in ("ID", "GLOBAL_ID")
            return "start_decl" if named else "start_stmt"
        if self.mode == "decl" and t in ("EVENT", "HOOK", "CONST"):
            return "start_decl"
        self.mode = "stmt"
        return "start_stmt"

    def _accepts_end(self, ip) -> bool:
        return self._would_accept(ip, "$END")

    def _would_accept(self, ip, ttype: str) -> bool:
        """Would the parser shift ``ttype`` (or accept, for ``$END``)?

        LALR tables merge lookaheads, so a token listed in the current state
        may still fail after some reductions; run the automaton on a copy of
        the state stack, without building values, to find out.
        """
        states = self.grammar.states
        pstate = ip.parser_state
        stack = list(pstate.state_stack)
        end_state = pstate.parse_conf.end_state
        while True:
            act = states[stack[-1]].get(ttype)
            if act is None:
                return False
            action, arg = act
            if action is _SHIFT:
                return True
            size = len(arg.expansion)
            if size:
                del stack[-size:]
            stack.append(states[stack[-1]][arg.origin.name][1])
            if ttype == "$END" and stack[-1] == end_state:
                return True

    def _is_body_position(self, ip) -> bool:
        """Is the parser waiting for the single statement of an ``if``,
        ``else``, ``for`` or ``while`` (a statement may come, ``}`` may not)?"""
        return self._would_accept(ip, "PRINT") and not self._would_accept(ip, "RBRACE")

    def _misplaced_directive(self, d: Directive, ip) -> Token:
        """Zeek's grammar reads a directive as an empty statement and rejects
        it as the body of a statement (``reject_directive`` in Zeek's
        ``src/scan.l``).  We do the same: the body becomes ``;``.  Zeek
        reports it when the statement is reduced: for an ``if`` without
        ``else`` that is at the next token."""
        diag = Diagnostic(
            "error",
            f"@{d.name} cannot be the body of a statement (put {{ }} around it)",
            d.span,
            zeek="incorrect use of directive",
        )
        sp = d.span
        semi = Token("SEMICOLON", ";", 0, sp.line, sp.col, sp.line, sp.col + 1, 0)
        ip.feed_token(semi)
        if self._would_accept(ip, "ELSE"):
            self._late_error = diag
        else:
            self.errors.append(diag)
        return semi

    def _flush_late_error(self, line: int | None) -> None:
        """Report the pending error, located (for Zeek) at the next token's line."""
        if line is not None:
            self._late_error.zeek_span = Span(self.source, line, 1, line, 1)
        self.errors.append(self._late_error)
        self._late_error = None

    def _track_brace(self, tok: Token) -> None:
        if tok.type == "LBRACE":
            self._open_braces.append(tok)
        elif tok.type == "RBRACE" and self._open_braces:
            self._open_braces.pop()

    def units(self) -> Iterator[A.Node]:
        """Yield each declaration or statement of the file in order.

        Syntax errors are collected in :attr:`errors`; after one, the parser
        skips to the next token that can start a declaration.
        """
        builder = self.grammar.builder
        ip = None
        last_tok: Token | None = None
        while True:
            tok = self._next()
            if isinstance(tok, Directive):
                conditional = tok.name in _CONDITIONALS
                if conditional and self._late_error is not None:
                    # Zeek's scanner hands @if/@else ... to its parser as tokens.
                    self._flush_late_error(tok.span.line)
                if ip is not None and self._is_body_position(ip):
                    last_tok = self._misplaced_directive(tok, ip)
                if ip is not None and self._accepts_end(ip):
                    builder.source = self.source
                    result = ip.feed_eof(last_tok)
                    ip = None
                    yield result
                if self.on_directive is not None:
                    self.on_directive(tok, self.lexer)
                if conditional and self._late_error is not None and self.lexer.line > tok.span.line:
                    # A skipped branch: its closing @else/@endif is Zeek's next token.
                    self._flush_late_error(self.lexer.line)
                continue
            if self._late_error is not None:
                self._flush_late_error(tok.line if tok is not None else None)
            if tok is None:
                if ip is not None:
                    if self._accepts_end(ip):
                        builder.source = self.source
                        yield ip.feed_eof(last_tok)
                    else:
                        self._eof_error(last_tok)
                self._lex_errors()
                return
            if ip is None:
                if tok.type == "SEMICOLON":
                    # An empty statement: nothing to run (and a unit costs a compile).
                    self.mode = "stmt"
                    last_tok = tok
                    continue
                ip = self.grammar.lark.parse_interactive(start=self._start_for(tok))
                self._head = []
            if len(self._head) < 2:
                self._head.append(tok)
            builder.source = self.source
            try:
                if self._accepts_end(ip) and not self._would_accept(ip, tok.type):
                    result = ip.feed_eof(last_tok)
                    ip = None
                    self._push_back(tok)
                    yield result
                    continue
                ip.feed_token(tok)
                self._track_brace(tok)
                last_tok = tok
            except UnexpectedInput as e:
                if ip is not None and self._accepts_end(ip):
                    # LALR may reduce before noticing the error; the unit is complete.
                    pass
                self._syntax_error(tok, e, ip)
                ip = None
                if not self.recover:
                    return
                if len(self.errors) >= MAX_SYNTAX_ERRORS:
                    # Nobody reads further, and recovering through a huge
                    # broken file costs time.
                    self.errors.append(
                        Diagnostic(
                            "error",
                            f"more than {MAX_SYNTAX_ERRORS} syntax errors; "
                            "the rest of the file is not read",
                            self._span(tok),
                        )
                    )
                    return
                self._recover()

    def _lex_errors(self) -> None:
        for err in self.lexer.errors:
            fatal = err.severity != "error"
            self.errors.append(
                Diagnostic(err.severity, err.message, err.span, zeek=err.zeek, syntax=fatal)
            )
        self.lexer.errors.clear()

    def _hint(self, ip, tok: Token, expected: set[str]) -> str | None:
        """Advice for the rich format: a closing token the parser would take here.

        LALR tables merge lookaheads, so ``expected`` lists more than the
        parser accepts; each candidate is checked by running the automaton."""
        if ip is None:
            return None
        for ttype, text in (("RPAR", "')'"), ("RSQB", "']'"), ("SEMICOLON", "';'")):
            if ttype != tok.type and ttype in expected and self._would_accept(ip, ttype):
                return f"missing {text}?"
        return None

    def _syntax_error(self, tok: Token, exc: Exception, ip=None) -> None:
        self._lex_errors()
        expected = getattr(exc, "expected", None) or set()
        hint = self._hint(ip, tok, expected)
        msg = f"syntax error, at or near {_describe_token(tok)}"
        head = tuple((t.type, t.value, self._span(t)) for t in self._head)
        self.errors.append(
            Diagnostic("error", msg, self._span(tok), hint, syntax=True, unit_head=head)
        )

    def _eof_error(self, last_tok: Token | None) -> None:
        self._lex_errors()
        # Zeek: "at end of file FILE", located at the file's last line only
        # when earlier errors stopped its scanner there (see the host).
        zeek = f"syntax error, at end of file {self.source.display}"
        if self._open_braces:
            span = self._span(self._open_braces[-1])
            hint = "unclosed '{' here"
        else:
            span = self._span(last_tok) if last_tok is not None else Span(self.source, 1, 1, 1, 1)
            hint = "missing ';'?" if last_tok is not None and last_tok.type != "SEMICOLON" else None
        self.eof_error = Diagnostic(
            "error", "syntax error: unexpected end of file", span, hint, zeek=zeek, syntax=True
        )
        self.errors.append(self.eof_error)
        if not self._open_braces:
            raise IncompleteInput()

    def _recover(self) -> None:
        """Skip tokens until one that starts a top-level declaration at brace depth 0."""
        depth = len(self._open_braces)
        self._open_braces.clear()
        starts = _DECL_STARTS | {"FUNCTION", "EVENT", "HOOK"}
        while True:
            tok = self._next()
            if tok is None:
                self._push_back(None)
                return
            if isinstance(tok, Directive):
                self._push_back(tok)
                return
            if tok.type == "LBRACE":
                depth += 1
            elif tok.type == "RBRACE":
                depth = max(0, depth - 1)
            elif depth == 0 and tok.type in starts and tok.column == 1:
                self._push_back(tok)
                self.mode = "decl"
                return


def parse_source(source: SourceFile) -> list[A.Node]:
    """Parse a whole file without acting on directives (tests, tools).

    Conditionals are treated as true; ``@load`` is ignored.
    """
    p = UnitParser(source)
    units: list[A.Node] = []
    try:
        units.extend(p.units())
    except IncompleteInput:
        pass
    if p.errors:
        raise ZScriptError(p.errors)
    return units


def parse_expression(tokens: list[Token], source: SourceFile) -> A.Expr:
    """Parse already-lexed tokens (an ``@if`` condition) as one expression."""
    g = get_parser()
    g.builder.source = source
    ip = g.lark.parse_interactive(start="start_expr")
    last = None
    try:
        for tok in tokens:
            ip.feed_token(tok)
            last = tok
        return ip.feed_eof(last)
    except (UnexpectedToken, UnexpectedCharacters) as e:
        tok = getattr(e, "token", None) or last
        span = Span(source, tok.line, tok.column, tok.end_line, tok.end_column) if tok else None
        name = _describe_token(tok) if tok else "end of condition"
        raise ZScriptError(
            [Diagnostic("error", f"syntax error, at or near {name}", span)]
        ) from None
