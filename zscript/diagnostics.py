"""Source positions, diagnostics and their rendering.

Every stage of zscript reports problems as :class:`Diagnostic` objects that
carry a :class:`Span` (file, line, column range).  Static stages collect all
of their diagnostics and raise one :class:`ZScriptError` at the end, so a user
sees every error of a script at once.  Rendering happens in exactly one place,
:func:`render`, which produces Zeek's header followed by the source line and a
caret under the span::

    error in policy.zs, line 4, column 15: unknown identifier 'cnt' (did you mean 'cnt2'?)
        local x = cnt + 1;
                  ^~~

Runtime errors use Zeek's runtime header (``expression error in FILE, line N:``)
without a caret; see :func:`render_runtime`.

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
    "MAX_EXCERPT",
    "MAX_MESSAGE",
    "MAX_REPORTED",
    "Diagnostic",
    "SourceFile",
    "Span",
    "ZScriptError",
    "display_path",
    "render",
    "render_all",
    "render_runtime",
]

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
    """One error or warning at a span."""

    severity: str  # "error" | "warning"
    message: str
    span: Span | None = None
    hint: str | None = None


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


def render(diag: Diagnostic) -> str:
    """Render a static diagnostic with Zeek's header and a caret excerpt."""
    span = diag.span
    if span is None or span.file is None:
        return f"{diag.severity}: {diag.message}\n"
    head = (
        f"{diag.severity} in {span.filename}, line {span.line}, column {span.col}: "
        f"{_clip(diag.message)}"
    )
    if diag.hint:
        head += f" ({_clip(diag.hint)})"
    src = span.file.line(span.line).expandtabs(8)
    raw = span.file.line(span.line)
    col = len(raw[: span.col - 1].expandtabs(8)) + 1
    if span.end_line == span.line:
        end = len(raw[: span.end_col - 1].expandtabs(8)) + 1
        width = max(1, end - col)
    else:
        width = max(1, len(src) - col + 1)
    src, col, width = _window(src, col, width)
    caret = " " * (col - 1) + "^" + "~" * (width - 1)
    return f"{head}\n    {src}\n    {caret}\n"


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


def render_runtime(kind: str, message: str, span: Span | None, detail: str | None = None) -> str:
    """Render a runtime diagnostic the way Zeek prints it on stderr.

    :param kind: ``"expression error"``, ``"runtime error"``, ``"expression warning"`` ...
    """
    text = message if detail is None else f"{message} ({detail})"
    if span is None or span.file is None:
        return f"{kind}: {text}\n"
    return f"{kind} in {span.location()}: {text}\n"
