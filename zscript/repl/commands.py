"""The REPL's own commands: inputs that start with ``:``.

=================  ==========================================================
``:load FILE``     load a script, as ``@load`` would (a path, or a name found
                   on ``ZSCRIPTPATH`` and in the bundled library)
``:type EXPR``     show the static type of an expression without running it
``:events``        list the events, their parameters and handler counts
``:globals [all]`` list the globals declared in this session (``all``: the
                   bundled library and built-in functions too)
``:help``          list the commands
``:quit [CODE]``   end the session (so does Ctrl-D); ``zeek_done`` runs
=================  ==========================================================

:data:`COMMANDS` is the table the completer offers.  A command writes to
the evaluator's streams; ``:quit`` raises :class:`Quit`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .inputs import analyze

if TYPE_CHECKING:
    from .evaluate import Evaluator

__all__ = ["COMMANDS", "Quit", "run_command"]

#: Command -> (argument synopsis, one-line help).
COMMANDS: dict[str, tuple[str, str]] = {
    ":load": ("FILE", "load a script, as @load does"),
    ":type": ("EXPR", "show the type of an expression without evaluating it"),
    ":events": ("", "list events with their parameters and number of handlers"),
    ":globals": ("[all]", "list the globals of this session ('all': with the library)"),
    ":help": ("", "show this help"),
    ":quit": ("[CODE]", "leave (Ctrl-D too); zeek_done handlers run first"),
}

_HELP_TAIL = """\
Anything else is zscript: declarations (global, type, function, event
handlers, @load) persist; statements run at once; an expression written
without ';' prints its value.  An unfinished input ('{' not closed, ';'
missing) continues on the next line; Enter on an empty line, or Esc Enter,
submits it as it is.  Ctrl-C discards the current input.
"""


class Quit(Exception):
    """``:quit``: end the session with exit status ``code``."""

    def __init__(self, code: int = 0):
        super().__init__(code)
        self.code = code


def run_command(ev: Evaluator, text: str) -> None:
    name, _, arg = text.strip().partition(" ")
    arg = arg.strip()
    handler = _HANDLERS.get(name)
    if handler is None:
        ev.error(f"error: unknown command '{name}' (:help lists the commands)\n")
        return
    handler(ev, arg)


def _load(ev: Evaluator, arg: str) -> None:
    if not arg:
        ev.error("error: :load needs a file name\n")
        return
    ev.load(arg)


def _type(ev: Evaluator, arg: str) -> None:
    a = analyze(arg, ev.name)
    if a.kind in ("incomplete", "error"):
        ev.show(a.diagnostics)
        return
    if a.kind != "expression":
        ev.error("error: :type needs an expression\n")
        return
    text, diags = ev.host.repl_type_of(a.expr)
    ev.show(diags)
    if text is not None:
        ev.write(text + "\n")


def _events(ev: Evaluator, arg: str) -> None:
    lines = []
    for name, sig, n in ev.host.repl_events():
        count = "1 handler" if n == 1 else f"{n} handlers"
        lines.append(f"{name}: {sig}  ({count})\n")
    ev.write("".join(lines))


def _globals(ev: Evaluator, arg: str) -> None:
    if arg not in ("", "all"):
        ev.error("error: :globals takes no argument but 'all'\n")
        return
    rows = ev.host.repl_globals(library=arg == "all")
    if not rows:
        ev.write("no globals declared yet (':globals all' lists the library's)\n")
        return
    ev.write("".join(f"{kind} {name}: {t}\n" for kind, name, t in rows))


def _help(ev: Evaluator, arg: str) -> None:
    width = max(len(c) + len(a) for c, (a, _) in COMMANDS.items()) + 1
    rows = [f"  {(c + ' ' + a).strip():<{width}}  {h}\n" for c, (a, h) in COMMANDS.items()]
    ev.write("Commands:\n" + "".join(rows) + "\n" + _HELP_TAIL)


def _quit(ev: Evaluator, arg: str) -> None:
    try:
        code = int(arg) if arg else 0
    except ValueError:
        ev.error(f"error: :quit takes an exit status, not '{arg}'\n")
        return
    raise Quit(code)


_HANDLERS = {
    ":load": _load,
    ":type": _type,
    ":events": _events,
    ":globals": _globals,
    ":help": _help,
    ":quit": _quit,
}
