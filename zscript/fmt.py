"""``zscript fmt``: format scripts in Zeek's style with ``zeekscript``.

zeekscript (tree-sitter-zeek underneath) is the formatter Zeek's community
uses (``zeek-format``); zscript does not write a second one.  It is an
optional extra (``pip install 'zscript[fmt]'``): without it the command says
how to get it.

* ``zscript fmt FILE...`` rewrites each file in place (only when it changes);
  ``-`` reads stdin and writes stdout.
* ``--check`` writes nothing: it lists the files that are not formatted and
  exits 1 if there is one (for CI); ``--diff`` prints what would change.

zeekscript's grammar rejects some valid Zeek, for example an ``@if`` that
switches between two headers of one handler.  Such a file is left as it is
and reported with its line, saying so; the status is then 1.
"""

from __future__ import annotations

import difflib
import io
import re
import sys

__all__ = ["main"]

_MISSING = (
    "error: zscript fmt needs the zeekscript package (Zeek's script formatter): "
    "pip install 'zscript[fmt]'\n"
)


def _format(source: bytes, name: str):
    """(formatted bytes, None) or (None, message) when zeekscript cannot parse it."""
    import zeekscript

    script = zeekscript.Script(io.BytesIO(source))
    try:
        ok = script.parse()
    except zeekscript.error.Error as e:
        return None, f"{name}: zeekscript cannot parse it: {e}"
    if not ok:
        _, lineno, msg = script.get_error()
        # zeekscript counts lines and columns from 0; messages here from 1.
        msg = re.sub(
            r"line (\d+), col (\d+)",
            lambda m: f"line {int(m[1]) + 1}, column {int(m[2]) + 1}",
            msg or "",
        )
        line = f", line {lineno + 1}" if lineno is not None else ""
        return None, (
            f"{name}{line}: zeekscript cannot parse this ({msg}); the file is left as it is. "
            "If 'zscript check' accepts the file, it is valid Zeek that zeekscript's grammar "
            "rejects (for example an @if switching a handler's header)."
        )
    out = io.BytesIO()
    script.format(out, True)
    return out.getvalue(), None


def main(args) -> int:
    try:
        import zeekscript  # noqa: F401
    except ImportError:
        sys.stderr.write(_MISSING)
        return 2
    status = 0
    unformatted = []
    for name in args.files:
        try:
            if name == "-":
                source = sys.stdin.buffer.read()
            else:
                with open(name, "rb") as f:
                    source = f.read()
        except OSError as e:
            sys.stderr.write(f"error: can't read {name}: {e.strerror}\n")
            status = 1
            continue
        formatted, problem = _format(source, name)
        if problem is not None:
            sys.stderr.write(f"error: {problem}\n")
            status = 1
            continue
        if name == "-" and not (args.check or args.diff):
            sys.stdout.buffer.write(formatted)
            continue
        if formatted == source:
            continue
        unformatted.append(name)
        if args.diff:
            sys.stdout.writelines(
                difflib.unified_diff(
                    source.decode("utf-8", "replace").splitlines(keepends=True),
                    formatted.decode("utf-8", "replace").splitlines(keepends=True),
                    name,
                    f"{name} (formatted)",
                )
            )
        elif args.check:
            print(f"would reformat {name}")
        else:
            with open(name, "wb") as f:
                f.write(formatted)
            print(f"reformatted {name}")
    if (args.check or args.diff) and unformatted:
        status = 1
    return status
