"""Source positions, diagnostics and their rendering, in two formats.

Every stage of zscript reports problems as :class:`Diagnostic` objects that
carry a :class:`Span` (file, line, column range).  Static stages collect all
of their diagnostics and raise one :class:`ZScriptError` at the end, so a user
sees every error of a script at once.  Run-time errors and warnings are
rendered by the same code (:func:`render_runtime`).

Two formats exist (:func:`set_error_format`, chosen by ``--error-format`` or
``ZSCRIPT_ERROR_FORMAT``):

``rich`` (the default): Zeek's header with the column added, then the source
line and a caret under the span, then advice when there is some::

    error in policy.zs, line 4, column 15: unknown identifier 'cnt' (did you mean 'cnt2'?)
        local x = cnt + 1;
                  ^~~

``zeek``: exactly the one line Zeek prints (``Reporter::DoLog`` in Zeek's
``src/Reporter.cc``): ``KIND in LOCATION: MESSAGE (DETAIL)``, where LOCATION is
``FILE, line N`` or ``FILE, lines N-M`` (``Location::Describe`` in
``src/Obj.cc``), or two such locations joined by `` and `` when a message is
about two objects (``Obj::DoMsg``), and DETAIL is Zeek's description of the
offending expression (``Obj::PinPoint``).  A diagnostic may carry Zeek's own
wording (``zeek``) when it differs from ours, and its own location
(``zeek_span``) when Zeek places the message elsewhere than our caret.

Run-time errors use the same two formats (:func:`render_runtime`).

Output stays bounded whatever the input: the excerpt shows at most
:data:`MAX_EXCERPT` columns of the line around the caret (``...`` marks what
is cut), a message or hint longer than :data:`MAX_MESSAGE` characters is
cut, and :func:`render_all` prints at most :data:`MAX_REPORTED` diagnostics,
then how many more there were.
"""

from __future__ import annotations

import os

import attrs

__all__ = [
    "ERROR_FORMATS",
    "MAX_EXCERPT",
    "MAX_MESSAGE",
    "MAX_REPORTED",
    "Diagnostic",
    "SourceFile",
    "Span",
    "ZScriptError",
    "display_path",
    "error_format",
    "render",
    "render_all",
    "render_runtime",
    "set_error_format",
]

#: The diagnostic formats, the default first.
ERROR_FORMATS = ("rich", "zeek")

_FORMAT: list[str] = []


def set_error_format(name: str | None) -> None:
    """Choose the format of every diagnostic printed from now on.

    ``None`` takes ``ZSCRIPT_ERROR_FORMAT`` from the environment, else ``rich``.
    """
    if name is None:
        name = os.environ.get("ZSCRIPT_ERROR_FORMAT") or ERROR_FORMATS[0]
    if name not in ERROR_FORMATS:
        raise ValueError(f"unknown error format '{name}' (one of: {', '.join(ERROR_FORMATS)})")
    _FORMAT[:] = [name]


def error_format() -> str:
    if not _FORMAT:
        try:
            set_error_format(None)
        except ValueError:
            _FORMAT[:] = [ERROR_FORMATS[0]]
    return _FORMAT[0]


#: Columns of a source line shown in an excerpt.
MAX_EXCERPT = 160
#: Characters of a message or hint.
MAX_MESSAGE = 500
#: Diagnostics :func:`render_all` prints before it only counts.
MAX_REPORTED = 100


@attrs.define(eq=False)
class SourceFile:
    """A script's text and the path it was loaded from."""

    path: str
    text: str
    _lines: list[str] | None = attrs.field(default=None, init=False, repr=False)

    @property
    def display(self) -> str:
        return self.path

    def line(self, lineno: int) -> str:
        if self._lines is None:
            self._lines = self.text.split("\n")
        if 1 <= lineno <= len(self._lines):
            return self._lines[lineno - 1]
        return ""


def display_path(path: str) -> str:
    """Return ``path`` as Zeek shows it: relative when below the working directory."""
    if path.startswith("<"):
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    if rel.startswith(".."):
        return path
    return rel if os.sep in rel else "./" + rel


@attrs.define(frozen=True, eq=False)
class Span:
    """A region of a source file; lines and columns are 1-based, end is inclusive."""

    file: SourceFile | None
    line: int
    col: int
    end_line: int
    end_col: int

    def to(self, other: Span | None) -> Span:
        """The span from the start of ``self`` to the end of ``other``."""
        if other is None:
            return self
        return Span(self.file, self.line, self.col, other.end_line, other.end_col)

    def __reduce__(self):
        # Pickled (the parse cache) as a constructor call: attrs' own
        # __setstate__ for frozen slotted classes is several times slower, and
        # every node of every cached library script has a span.
        return (Span, (self.file, self.line, self.col, self.end_line, self.end_col))

    def first_line(self) -> Span:
        """The span cut to its first line (Zeek locates some messages by one line)."""
        if self.end_line == self.line:
            return self
        return Span(self.file, self.line, self.col, self.line, self.col + 1)

    @property
    def filename(self) -> str:
        return self.file.display if self.file else "<unknown>"

    def location(self) -> str:
        """Zeek's location text: ``FILE, line N`` or ``FILE, lines N-M``."""
        if self.end_line != self.line:
            return f"{self.filename}, lines {self.line}-{self.end_line}"
        return f"{self.filename}, line {self.line}"

    def __repr__(self) -> str:
        return f"<Span {self.filename}:{self.line}:{self.col}-{self.end_line}:{self.end_col}>"


NO_SPAN = Span(None, 0, 0, 0, 0)


@attrs.define
class Diagnostic:
    """One error or warning at a span.

    :param severity: Zeek's prefix: ``error``, ``warning``, ``fatal error``,
        ``internal error``, ``expression error`` ...
    :param message: our wording (both formats, unless ``zeek`` is set).
    :param hint: advice shown by the rich format only (``did you mean ...``).
    :param detail: the object the message is about, as Zeek describes it; both
        formats print it in parentheses after the message.
    :param zeek: Zeek's complete wording (message and detail) where it differs.
    :param related: a second location (Zeek's ``A and B``); the rich format
        names the other place in its message instead.
    :param zeek_span: where Zeek locates the message, when not at ``span``.
    :param zeek_where: Zeek's location text outright, for messages about a
        type and an expression (``bool and FILE, line 8``: a built-in type's
        "location" is its name).
    :param syntax: Zeek reports this from its parser and parses no further
        (``yyerror`` in Zeek's ``src/parse.y``, or a fatal error).
    :param zeek_only: Zeek's follow-up message that the rich format leaves out
        (``fatal error: invalid definition ... (see previous errors)``).
    :param rich_only: our detail that Zeek's format leaves out (Zeek gives
        one ``zeek_only`` message for several of ours).
    :param unit_head: for a syntax error, the first tokens of the declaration
        it is in, as ``(type, text, span)``: Zeek's parser knows what a name
        is while it parses, so the loader may reword the error with what the
        checker knows (``redef`` of a type name).
    """

    severity: str
    message: str
    span: Span | None = None
    hint: str | None = None
    detail: str | None = None
    zeek: str | None = None
    related: Span | None = None
    zeek_span: Span | None = None
    zeek_where: str | None = None
    syntax: bool = False
    zeek_only: bool = False
    rich_only: bool = False
    unit_head: tuple = ()


class ZScriptError(Exception):
    """Raised by a static stage with every diagnostic it collected."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.message for d in diagnostics))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def render(self) -> str:
        return render_all(self.diagnostics)


def render(diag: Diagnostic, fmt: str | None = None) -> str:
    """Render a diagnostic in the chosen format (default: :func:`error_format`)."""
    if (fmt or error_format()) == "zeek":
        return _render_zeek(diag)
    if diag.zeek_only:
        return ""
    return _render_rich(diag)


def _render_zeek(diag: Diagnostic) -> str:
    if diag.rich_only:
        return ""
    if diag.zeek is not None:
        text = diag.zeek
    elif diag.detail is not None:
        text = f"{diag.message} ({diag.detail})"
    else:
        text = diag.message
    span = diag.zeek_span or diag.span
    if diag.zeek_where is not None:
        return f"{diag.severity} in {diag.zeek_where}: {text}\n"
    if span is None or span.file is None:
        return f"{diag.severity}: {text}\n"
    where = span.location()
    if diag.related is not None and diag.related.file is not None:
        where += " and " + diag.related.location()
    return f"{diag.severity} in {where}: {text}\n"


def _render_rich(diag: Diagnostic) -> str:
    span = diag.span
    text = _clip(diag.message if diag.detail is None else f"{diag.message} ({diag.detail})")
    if diag.hint:
        text += f" ({_clip(diag.hint)})"
    if span is None or span.file is None:
        return f"{diag.severity}: {text}\n"
    head = f"{diag.severity} in {span.filename}, line {span.line}, column {span.col}: {text}"
    return f"{head}\n{_excerpt(span)}"


def _excerpt(span: Span) -> str:
    """The span's first source line and a caret under it (tabs expanded; at
    most :data:`MAX_EXCERPT` columns around the caret)."""
    raw = span.file.line(span.line) if span.file is not None else ""
    src = raw.expandtabs(8)
    col = len(raw[: span.col - 1].expandtabs(8)) + 1
    if span.end_line == span.line:
        end = len(raw[: span.end_col - 1].expandtabs(8)) + 1
        width = max(1, end - col)
    else:
        width = max(1, len(src) - col + 1)
    src, col, width = _window(src, col, width)
    caret = " " * (col - 1) + "^" + "~" * (width - 1)
    return f"    {src}\n    {caret}\n"


def _clip(text: str) -> str:
    if len(text) <= MAX_MESSAGE:
        return text
    return text[:MAX_MESSAGE] + f"... ({len(text) - MAX_MESSAGE} more characters)"


def _window(src: str, col: int, width: int) -> tuple[str, int, int]:
    """At most :data:`MAX_EXCERPT` columns of ``src`` around the caret at ``col``
    (1-based) that spans ``width`` columns; returns the shown text and the
    caret's column and width in it."""
    if len(src) <= MAX_EXCERPT:
        return src, col, width
    start = max(0, col - 1 - MAX_EXCERPT // 3)
    text = src[start : start + MAX_EXCERPT]
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + MAX_EXCERPT < len(src) else ""
    col = col - start + len(prefix)
    width = max(1, min(width, len(text) + len(prefix) - col + 1))
    return prefix + text + suffix, col, width


def render_all(diags, limit: int = MAX_REPORTED) -> str:
    """:func:`render` each diagnostic, at most ``limit`` of them, then a count of the rest."""
    diags = list(diags)
    out = [render(d) for d in diags[:limit]]
    rest = diags[limit:]
    if rest:
        errors = sum(d.severity == "error" for d in rest)
        parts = []
        if errors:
            parts.append(f"{errors} more error{'s' if errors != 1 else ''}")
        if len(rest) > errors:
            n = len(rest) - errors
            parts.append(f"{n} more warning{'s' if n != 1 else ''}")
        out.append(f"({' and '.join(parts)} not shown)\n")
    return "".join(out)


def render_runtime(
    kind: str, message: str, span: Span | None, detail: str | None = None, fmt: str | None = None
) -> str:
    """Render a run-time diagnostic (``expression error``, ``runtime error``,
    ``error``, ``warning`` ...) in the chosen format (or ``fmt``)."""
    return render(Diagnostic(kind, message, span, detail=detail), fmt)
