"""Redefinitions given on the command line: ``zscript run x.zs Site::name=web1``.

As ``zeek x.zeek NAME=VALUE`` (Zeek's ``Options.cc`` takes every argument
with a ``=`` for one; ``scan.l`` turns them into a script): after the files,
each ``NAME OP=VALUE`` becomes ``redef NAME OP= VALUE;`` in a script named
``<params>``, loaded before ``-e`` code.  ``NAME`` is a global's full name
(letters, digits, ``_`` and ``::``), ``OP`` what stands between it and the
``=`` (``+`` for ``NAME+=VALUE``).  A string-typed global gets ``VALUE`` in
double quotes; any other type takes ``VALUE`` as script text, so
``ports=set(80/tcp)`` works.  The redefinition is checked as one written in
a script would be (the global must be ``&redef`` or an ``option``).
"""

from __future__ import annotations

from ..diagnostics import Diagnostic

__all__ = ["is_param", "params_script"]

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:")


def is_param(arg: str) -> bool:
    """Whether a command-line argument is a redefinition (it has a ``=``)."""
    return "=" in arg


def params_script(globals_: dict, params: list[str]) -> tuple[str, list[Diagnostic]]:
    """The ``<params>`` script for ``params``, and the errors of those it
    cannot turn into a redefinition (Zeek's wording, without a location)."""
    lines = []
    errors = []
    for p in params:
        i = 0
        while i < len(p) and p[i] in _NAME_CHARS:
            i += 1
        eq = p.index("=", i) if "=" in p[i:] else len(p)
        name, op, value = p[:i], p[i:eq], p[eq + 1 :]
        gid = globals_.get(name[2:] if name.startswith("::") else name)
        if gid is None:
            errors.append(
                Diagnostic("error", f"unknown identifier '{name}' in command-line options")
            )
            continue
        if gid.type is None:
            errors.append(
                Diagnostic(
                    "error",
                    f"can't set value of '{name}' in command-line options: unknown type",
                )
            )
            continue
        is_string = gid.type.tag == "string"
        if not value and not is_string:
            errors.append(
                Diagnostic(
                    "error", f"must assign non-empty value to '{name}' in command-line options"
                )
            )
            continue
        value = f'"{value}"' if is_string else value
        lines.append(f"redef {name} {op}= {value};")
    return "".join(lines), errors
