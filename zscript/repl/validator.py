"""Checking an input's syntax before it runs, with the cursor put on the error.

When Enter submits a complete input, :class:`ReplValidator` parses it (see
:mod:`.inputs`).  A syntax error keeps the input in the editor, moves the
cursor to the offending token and shows the parser's message in the
toolbar, as ptpython does for Python.  Enter again on the unchanged text
runs it anyway: the error is then printed with its caret, the input is
dropped, and a fresh prompt follows.  Unfinished input is not an error
here; the Enter key binding decides whether to continue it.
"""

from __future__ import annotations

from prompt_toolkit.document import Document
from prompt_toolkit.validation import ValidationError, Validator

from .inputs import analyze, offset_of

__all__ = ["ReplValidator"]


class ReplValidator(Validator):
    """Rejects an input with a syntax error once; see the module docstring."""

    def __init__(self) -> None:
        self._rejected: str | None = None

    def validate(self, document: Document) -> None:
        text = document.text
        a = analyze(text)
        err = a.error if a.kind == "error" else None
        if err is None or text == self._rejected:
            self._rejected = None
            return
        self._rejected = text
        message = err.message + (f" ({err.hint})" if err.hint else "")
        raise ValidationError(
            cursor_position=offset_of(text, err.span),
            message=f"{message}; Enter again runs it anyway",
        )
