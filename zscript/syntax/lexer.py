"""The zscript lexer: script text to Lark tokens, with Zeek's lexical context rules.

The lexer is hand-written around one compiled regular expression because a
few lexemes need context that a context-free lexer does not have:

* ``|`` opens an absolute-value/size expression (``|x|``) when it cannot end
  an operand, closes one when an absolute value is open at the same bracket
  depth, and is a bitwise or otherwise;
* ``/`` starts a pattern literal (``/foo/``) where an operand may start and
  is a division elsewhere;
* interval (``5 min``), port (``80/tcp``), address and subnet literals are
  single tokens, as in Zeek's flex scanner;
* ``T`` and ``F`` are boolean constants; keywords come from the grammar.

Directives are not tokens of the grammar.  The lexer returns them as
:class:`Directive` objects and the parse driver acts on them (``@load`` loads
a file, ``@if`` evaluates its condition); when a conditional is false the
driver calls :meth:`Lexer.skip_conditional` and the lexer drops everything up
to the matching ``@else``/``@endif``, even text that is not valid zscript.
``@DIR`` and ``@FILENAME`` become string constants.
"""

from __future__ import annotations

import functools
import os
import re

import attrs

from ..diagnostics import SourceFile, Span

__all__ = ["Directive", "IncompleteInput", "LexError", "Lexer", "OPERAND_END", "Token"]


class Token(str):
    """A token: its text, with its terminal type and position.

    It has the fields of Lark's ``Token``, so the Lark parser takes it as
    one; being our own, the lexer (and a tree read back from the cache of
    parsed scripts) does not import Lark, which only parsing needs.
    """

    __slots__ = (
        "type",
        "value",
        "start_pos",
        "line",
        "column",
        "end_line",
        "end_column",
        "end_pos",
    )

    def __new__(
        cls,
        type: str,  # noqa: A002 - Lark's name
        value: str,
        start_pos: int | None = None,
        line: int | None = None,
        column: int | None = None,
        end_line: int | None = None,
        end_column: int | None = None,
        end_pos: int | None = None,
    ):
        self = super().__new__(cls, value)
        self.type = type
        self.value = value
        self.start_pos = start_pos
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.end_pos = end_pos
        return self

    def __reduce__(self):
        return (
            Token,
            (
                self.type,
                self.value,
                self.start_pos,
                self.line,
                self.column,
                self.end_line,
                self.end_column,
                self.end_pos,
            ),
        )

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r})"


class IncompleteInput(Exception):
    """The input ended inside a unit (used by the REPL to ask for more lines)."""


class LexError(Exception):
    """A lexical error; ``zeek`` is Zeek's wording where it differs."""

    def __init__(self, message: str, span: Span, zeek: str | None = None, severity: str = "error"):
        super().__init__(message)
        self.message = message
        self.span = span
        self.zeek = zeek
        #: "fatal error": Zeek's scanner gives up there.
        self.severity = severity


@attrs.define
class Directive:
    """``@load``, ``@if`` ... as met in the token stream."""

    name: str  # "load", "if", "ifdef", "ifndef", "else", "endif", "unload", "prefixes", ...
    arg: str  # the path for @load, the raw condition text for @if/@ifdef
    span: Span
    #: For ``@if``: the tokens of the condition (without the parentheses).
    tokens: list[Token] = attrs.field(factory=list)
    #: For ``@if``: the condition already parsed (the cache of parsed scripts
    #: keeps it), or None to parse ``tokens``.
    expr: object = None
    #: For ``@if`` in a body: the body's locals the condition names.
    locals: tuple = ()


_ATTRS = [
    "default_insert",
    "default",
    "optional",
    "redef",
    "add_func",
    "delete_func",
    "expire_func",
    "create_expire",
    "read_expire",
    "write_expire",
    "raw_output",
    "priority",
    "log",
    "error_handler",
    "type_column",
    "deprecated",
    "is_assigned",
    "is_used",
    "ordered",
    "on_change",
    "publish_on_change",
    "broker_allow_complex_type",
    "broker_store",
    "backend",
    "group",
    "no_ZAM_opt",
    "no_CPP_opt",
]

_IDENT = r"[A-Za-z_][A-Za-z_0-9]*"
_HEX4 = r"[0-9a-fA-F]{0,4}"
#: The token alternation, compiled by the first Lexer (:func:`_token_re`):
#: a run that finds every script in the parse cache never lexes, and compiling
#: it was a noticeable part of start-up.
_TOKEN_SOURCE = "|".join(
    [
        r"(?P<nl>\n)",
        r"(?P<ws>[ \t\r\f\v]+)",
        r"(?P<comment>\#[^\n]*)",
        r"(?P<directive>@[A-Za-z_][A-Za-z_\-]*)",
        # Runs of plain characters in one step: a per-character alternation
        # backtracks through every character (seconds and gigabytes for a
        # megabyte-long literal).
        r'(?P<string>"[^"\\\n]*(?:\\.[^"\\\n]*)*")',
        r'(?P<badstring>"[^"\\\n]*(?:\\.[^"\\\n]*)*)',
        # IPv6 address (needs at least two colons) optionally with a prefix
        # length; Zeek's scanner also takes a "0x" before the first group.
        rf"(?P<addr6>\[(?:0x)?(?:{_HEX4}:){{2,7}}(?:{_HEX4}|\d+\.\d+\.\d+\.\d+)\](?:[ \t]*/[ \t]*\d+)?)",
        r"(?P<addr4>\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?:[ \t]*/[ \t]*\d+)?(?![\d.]))",
        r"(?P<port>\d+/(?:tcp|udp|icmp|unknown)\b)",
        r"(?P<interval>(?:\d+\.\d*|\d*\.\d+|\d+)(?:[eE][+-]?\d+)?[ \t]*"
        r"(?:usec|msec|sec|min|hr|day)s?\b)",
        r"(?P<hex>0[xX][0-9a-fA-F]+)",
        r"(?P<double>(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)",
        r"(?P<int>\d+)",
        rf"(?P<ident>(?:::)?{_IDENT}(?:::{_IDENT})*)",
        rf"(?P<attr>&(?:{'|'.join(_ATTRS)})(?![A-Za-z_0-9]))",
        r"(?P<op>!in\b|\?as\b|\?\$|\+\+|--|\+=|-=|==|!=|<=|>=|<<|>>|&&|\|\||[-+*/%&|^~!<>=?:;,(){}\[\]$])",
    ]
)


@functools.cache
def _token_re() -> re.Pattern:
    return re.compile(_TOKEN_SOURCE)


_PATTERN_RE = re.compile(r"/([^/\\\n]*(?:\\.[^/\\\n]*)*)/([is]*)")
#: A pattern running over lines (an error, see Lexer._unterminated_pattern).
_PATTERN_ANY_LINES = re.compile(r"/(?:[^/\\]|\\.)*/[is]*", re.S)

#: Token types after which an operand has ended (so `/` divides and `|` closes or ors).
OPERAND_END = frozenset(
    "ID INT_LIT HEX_LIT DOUBLE_LIT INTERVAL_LIT STRING_LIT PATTERN_LIT PORT_LIT ADDR_LIT "
    "SUBNET_LIT BOOL_LIT RPAR RSQB ABS_CLOSE "
    # A basic type keyword ends an operand in `x as count / 2` and `|x as time|`.
    "BOOL INT COUNT DOUBLE STRING TIME INTERVAL ADDR PORT SUBNET PATTERN ANY VOID".split()
)
#: Keywords that cannot start an operand (so `|x| in s` closes the bars).
_NON_OPERAND_WORDS = frozenset(["in", "as", "is", "of"])
_NEXT_LEXEME = re.compile(r"[ \t\r\f\v]*(?:([A-Za-z_][A-Za-z_0-9]*)|([0-9\"(\[~]|!(?![=i])))")
_OPENERS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


class Lexer:
    """Tokenizes one source file.

    :param source: the file to read.
    :param literals: map from literal text (``"("``, ``"global"``) to the grammar's
        terminal name, as derived from the Lark grammar.
    """

    def __init__(self, source: SourceFile, literals: dict[str, str]):
        self.source = source
        self.text = source.text
        self.literals = literals
        self.pos = 0
        self.line = 1
        self.line_start = 0
        self.prev_type: str | None = None
        self.depth = 0
        self.abs_stack: list[int] = []
        #: Open conditionals: True while the current branch is being read.
        self.cond_stack: list[bool] = []
        #: Inside a `when` condition `local` is WHEN_LOCAL (Zeek's TOK_WHEN_LOCAL).
        self.when_pending = False
        self.when_depths: list[int] = []
        self.errors: list[LexError] = []
        #: Names declared ``local`` (or ``const``) in the body being read: an
        #: ``@if`` there cannot use them (Zeek's parser knows its locals).
        self.local_names: set[str] = set()
        self._match_token = _token_re().match

    # ------------------------------------------------------------------ helpers

    def _span(self, start: int, end: int, line: int, line_start: int) -> Span:
        # Columns are 1-based; end column is exclusive (one past the last char).
        end_line = line + self.text.count("\n", start, end)
        if end_line == line:
            end_col = end - line_start + 1
        else:
            end_col = end - (self.text.rfind("\n", start, end) + 1) + 1
        return Span(self.source, line, start - line_start + 1, end_line, end_col)

    def _token(self, type_: str, value: str, start: int, end: int) -> Token:
        col = start - self.line_start + 1
        tok = Token(
            type_,
            value,
            start_pos=start,
            line=self.line,
            column=col,
            end_line=self.line,
            end_column=col + (end - start),
            end_pos=end,
        )
        self.prev_type = type_
        return tok

    def span_of(self, tok: Token) -> Span:
        return Span(self.source, tok.line, tok.column, tok.end_line, tok.end_column)

    # --------------------------------------------------------------- main entry

    def next(self) -> Token | Directive | None:
        """Return the next token or directive, or None at end of input."""
        text = self.text
        n = len(text)
        while self.pos < n:
            m = self._match_token(text, self.pos)
            start = self.pos
            if m is None:
                ch = text[start]
                self.pos += 1
                span = self._span(start, start + 1, self.line, self.line_start)
                zeek = f"unrecognized character: '{ch}'"
                self.errors.append(LexError(f"unexpected character {ch!r}", span, zeek))
                continue
            kind = m.lastgroup
            value = m.group(kind)
            end = m.end()
            if kind == "nl":
                self.pos = end
                self.line += 1
                self.line_start = end
                continue
            if kind in ("ws", "comment"):
                self.pos = end
                continue
            if kind == "directive":
                return self._directive(value, start, end)
            if kind == "badstring":
                # Zeek's scanner rejects the quote alone and reads on
                # (src/scan.l); we skip the rest of the line.
                self.pos = end
                span = self._span(start, end, self.line, self.line_start)
                zeek = "unrecognized character: '\"'"
                self.errors.append(LexError("unterminated string constant", span, zeek))
                continue
            if kind == "op" and value == "/" and self.prev_type not in OPERAND_END:
                pm = _PATTERN_RE.match(text, start)
                if pm:
                    self.pos = pm.end()
                    return self._token("PATTERN_LIT", pm.group(0), start, pm.end())
                tok = self._unterminated_pattern(start)
                if tok is True:
                    continue
                if tok is not None:
                    return tok
            self.pos = end
            return self._classify(kind, value, start, end)
        return None

    def _unterminated_pattern(self, start: int):
        """A pattern without its closing ``/`` on the line.  Zeek's scanner
        (its ``RE`` state, src/scan.l) reports each end of line and reads on
        to the next ``/`` (then the pattern is a token), or to the end of the
        file; so do we.  None if the file ends on this line (``/`` is then
        an operator, and a syntax error)."""
        text = self.text
        pos = text.find("\n", start)
        if pos == -1:
            return None
        m = _PATTERN_ANY_LINES.match(text, start)
        stop = m.end() if m else len(text)
        first_line, first_start = self.line, self.line_start
        seg = start
        while pos != -1 and pos < stop:
            self.errors.append(
                LexError(
                    "unterminated pattern (no closing '/' on the line)",
                    self._span(seg, pos, self.line, self.line_start),
                    "pattern not terminated before end of line",
                )
            )
            self.line += 1
            seg = self.line_start = pos + 1
            pos = text.find("\n", seg)
        self.pos = stop
        if m is None:
            return True
        tok = self._token("PATTERN_LIT", m.group(0), start, stop)
        tok.line, tok.column = first_line, start - first_start + 1
        tok.end_column = stop - self.line_start + 1
        return tok

    def _classify(self, kind: str, value: str, start: int, end: int) -> Token:
        if kind == "ident":
            if value in ("T", "F"):
                return self._token("BOOL_LIT", value, start, end)
            lit = self.literals.get(value)
            if lit is not None and "::" not in value:
                if value == "when":
                    self.when_pending = True
                elif value == "local" and self.when_depths and self.depth >= self.when_depths[-1]:
                    lit = "WHEN_LOCAL"
                return self._token(lit, value, start, end)
            if value.startswith("::"):
                # Zeek's scanner: GLOBAL_ID is "::" and one component only.
                second = value.find("::", 2)
                if second != -1:
                    end = self.pos = start + second
                    value = value[:second]
                return self._token("GLOBAL_ID", value, start, end)
            if self.depth > 0 and self.prev_type in ("LOCAL", "CONST"):
                self.local_names.add(value)
            return self._token("ID", value, start, end)
        if kind == "op":
            return self._operator(value, start, end)
        if kind == "string":
            if "\x00" in value:
                # Zeek's scanner (src/scan.l): a fatal error.
                self.errors.append(
                    LexError(
                        "a string cannot contain a NUL byte; write \\x00 instead",
                        self._span(start, end, self.line, self.line_start),
                        "strings cannot contain NUL bytes - use a \\x00 escape sequence instead",
                        "fatal error",
                    )
                )
            return self._token("STRING_LIT", value, start, end)
        if kind == "attr":
            return self._token("ATTR", value, start, end)
        if kind == "addr4":
            return self._token("SUBNET_LIT" if "/" in value else "ADDR_LIT", value, start, end)
        if kind == "addr6":
            return self._token("SUBNET_LIT" if "/" in value else "ADDR_LIT", value, start, end)
        return self._token(kind.upper() + "_LIT", value, start, end)

    def _operator(self, value: str, start: int, end: int) -> Token:
        if value == "|":
            if self.prev_type not in OPERAND_END:
                self.abs_stack.append(self.depth)
                return self._token("ABS_OPEN", value, start, end)
            if (
                self.abs_stack
                and self.abs_stack[-1] == self.depth
                and not self._operand_follows(end)
            ):
                self.abs_stack.pop()
                return self._token("ABS_CLOSE", value, start, end)
            return self._token("BAR", value, start, end)
        delta = _OPENERS.get(value)
        if delta is not None:
            self.depth += delta
            if delta < 0:
                if self.depth <= 0:
                    self.local_names.clear()
                while self.abs_stack and self.abs_stack[-1] > self.depth:
                    self.abs_stack.pop()
                while self.when_depths and self.when_depths[-1] > self.depth:
                    self.when_depths.pop()
            elif value == "(" and self.when_pending:
                self.when_pending = False
                self.when_depths.append(self.depth)
        name = self.literals.get(value)
        if name is None:
            span = self._span(start, end, self.line, self.line_start)
            self.errors.append(LexError(f"unexpected '{value}'", span))
            name = "SEMICOLON"
        return self._token(name, value, start, end)

    def _operand_follows(self, pos: int) -> bool:
        """Does an operand start after ``pos``?  Then ``|`` is a bitwise or, as in
        bison's resolution of ``|a | b|``; otherwise it closes the bars."""
        m = _NEXT_LEXEME.match(self.text, pos)
        if m is None:
            return False
        word = m.group(1)
        return word not in _NON_OPERAND_WORDS if word is not None else True

    # ---------------------------------------------------------------- directives

    def _directive(self, word: str, start: int, end: int) -> Token | Directive:
        name = word[1:]
        line, line_start = self.line, self.line_start
        if name == "DIR":
            # Zeek joins the working directory and the path as given: `/cwd/.`
            self.pos = end
            given = os.path.dirname(self.source.path) or "."
            path = given if os.path.isabs(given) else os.path.join(os.getcwd(), given)
            return self._token("STRING_LIT", '"' + path.replace("\\", "\\\\") + '"', start, end)
        if name == "FILENAME":
            self.pos = end
            path = os.path.basename(self.source.path)
            return self._token("STRING_LIT", '"' + path.replace("\\", "\\\\") + '"', start, end)
        if name in ("if", "ifdef", "ifndef"):
            return self._conditional(name, start, end, line, line_start)
        # Line directives: the argument is the rest of the line.
        eol = self.text.find("\n", end)
        if eol < 0:
            eol = len(self.text)
        rest = self.text[end:eol]
        hash_pos = rest.find("#")
        if hash_pos >= 0:
            rest = rest[:hash_pos]
        self.pos = eol
        span = self._span(start, end + len(rest.rstrip()), line, line_start)
        return Directive(name, rest.strip(), span)

    def _conditional(
        self, name: str, start: int, end: int, line: int, line_start: int
    ) -> Directive:
        """Read ``@if ( expr )``: the condition's tokens up to the balancing ``)``."""
        self.pos = end
        saved_prev = self.prev_type
        self.prev_type = None
        tokens: list[Token] = []
        depth = 0
        first = True
        while True:
            tok = self.next()
            if tok is None or isinstance(tok, Directive):
                span = self._span(start, self.pos, line, line_start)
                self.errors.append(LexError(f"unterminated @{name} condition", span))
                break
            if first:
                first = False
                if tok.value != "(":
                    self.errors.append(LexError(f"'(' expected after @{name}", self.span_of(tok)))
                    break
                depth = 1
                continue
            if tok.value in ("(", "[", "{"):
                depth += 1
            elif tok.value in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    break
            tokens.append(tok)
        # The structural depth counter saw the condition's brackets: rebalance.
        self.depth = 0 if self.depth < 0 else self.depth
        self.prev_type = saved_prev
        span = self._span(start, self.pos, line, line_start)
        raw = self.text[end : self.pos].strip()
        refs = tuple(t.value for t in tokens if t.type == "ID" and t.value in self.local_names)
        return Directive(name, raw, span, tokens, locals=refs)

    def skip_conditional(self) -> str:
        """Skip the rest of a false branch; return ``"else"`` or ``"endif"``.

        Text in the skipped branch is only scanned for nested directives, so
        it need not be valid zscript.
        """
        nesting = 0
        text = self.text
        cond_re = re.compile(r"@(ifdef|ifndef|if|else|endif)\b|\n|\"(?:[^\"\\\n]|\\.)*\"|#[^\n]*")
        while True:
            m = cond_re.search(text, self.pos)
            if m is None:
                self.pos = len(text)
                return "eof"
            self._advance_lines(self.pos, m.start())
            if m.group(0) == "\n":
                self.pos = m.end()
                self.line += 1
                self.line_start = m.end()
                continue
            self.pos = m.end()
            word = m.group(1)
            if word is None:
                continue
            if word in ("if", "ifdef", "ifndef"):
                nesting += 1
            elif word == "endif":
                if nesting == 0:
                    return "endif"
                nesting -= 1
            elif word == "else" and nesting == 0:
                return "else"

    def _advance_lines(self, start: int, end: int) -> None:
        k = self.text.count("\n", start, end)
        if k:
            self.line += k
            self.line_start = self.text.rfind("\n", start, end) + 1
