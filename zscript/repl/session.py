"""The interactive session: a prompt-toolkit prompt sharing one asyncio loop
with the zscript event loop.

:func:`run` creates the :class:`~zscript.host.Host`, loads the files named on
the command line, starts the host (``zeek_init`` runs once) and runs the
event loop's :meth:`~zscript.engine.loop.EventLoop.run_async` as a task.
The REPL counts as one of the loop's I/O sources, so the loop keeps going
between inputs: timers, ``schedule``d events, ``when`` bodies and (later)
cluster events fire while the user types.  ``await session.prompt_async()``
inside ``patch_stdout()`` keeps their output above the prompt line, without
breaking what is being typed.  Quitting (``:quit``, Ctrl-D) removes the
source; the loop then runs Zeek's shutdown (``zeek_done``) and ends.

Input editing:

* Enter runs a complete input.  An unfinished one (see :mod:`.inputs`)
  continues on a ``... `` line, indented by its open braces; Enter on an
  empty line (two inside braces) or Esc Enter submits it as it is.
* A syntax error is caught first by :mod:`.validator`; Ctrl-C discards the
  input and never ends the session; Ctrl-C while an input runs interrupts it.
* History persists in ``$XDG_DATA_HOME/zscript/history`` (default
  ``~/.local/share/zscript/history``) unless ``--history-file`` says
  otherwise.

When standard input or output is not a terminal, the same evaluation runs
without an editor: lines are read until an input is complete, and there is
no prompt, so ``zscript repl < file`` prints only what the inputs produce.

``--node NAME`` joins a running cluster as that node, or as a client that
can publish and subscribe if NAME is not a node of the layout
(:func:`make_host`).  ``--bare`` is Zeek's bare mode, as for ``zscript run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.buffer import ValidationState
from prompt_toolkit.history import FileHistory, History, InMemoryHistory, ThreadedHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.patch_stdout import patch_stdout

from ..host import Host
from ..runtime.errors import ZeekExit
from ..version import __version__
from .commands import Quit
from .completion import ReplCompleter
from .evaluate import Evaluator
from .inputs import analyze, brace_depth
from .lexer import prompt_lexer
from .validator import ReplValidator

__all__ = [
    "PROMPT",
    "ReplError",
    "history_path",
    "make_host",
    "make_session",
    "run",
    "wants_more",
]

PROMPT = ">>> "


class ReplError(Exception):
    """A session that cannot start (the message says why)."""


def run(
    files: list[str],
    *,
    node: str | None = None,
    layout: str | None = None,
    history_file: str | None = None,
    bare: bool = False,
) -> int:
    """Run an interactive session; return the exit status (``bare``: Zeek's ``-b``)."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    return asyncio.run(_main(files, node, layout, history_file, interactive, bare))


def history_path(explicit: str | None = None) -> Path:
    """Where history is kept: ``explicit``, else the XDG data directory."""
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        base = os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "zscript" / "history"


def make_host(node: str | None, layout: str | None, *, bare: bool, stdout=None) -> Host:
    """The session's host (``zscript repl [--node NAME] [--layout FILE]``): a
    node of the layout becomes that node, another name joins the running
    cluster as a client that can publish and subscribe
    (``ClusterSubsystem.join``).  Problems are a :class:`ReplError`."""
    if node is None:
        return Host(stdout=stdout, bare=bare)
    from ..cluster.layout import LayoutError, load_layout
    from ..diagnostics import render

    try:
        member = node in load_layout(layout).nodes
        if member:
            host = Host(node=node, bare=bare, stdout=stdout, options={"layout": layout})
        else:
            host = Host(bare=bare, stdout=stdout)
            host.subsystems["cluster"].join(node, layout)
    except LayoutError as e:
        raise ReplError(str(e)) from None
    if host.failed:
        raise ReplError("cannot join the cluster:\n" + "".join(render(d) for d in host.diagnostics))
    return host


async def _main(
    files: list[str],
    node: str | None,
    layout: str | None,
    history: str | None,
    interactive: bool,
    bare: bool,
) -> int:
    patch = patch_stdout(raw=True) if interactive else contextlib.nullcontext()
    with patch:
        host = make_host(node, layout, bare=bare, stdout=_LiveStdout())
        ev = Evaluator(host)
        try:
            for f in files:
                ev.load(f)
            host.repl_start()
        except ZeekExit as e:
            return e.code
        task = asyncio.create_task(host.loop.run_async())
        await asyncio.sleep(0)  # run_async installs its signal handlers ...
        _sigint_interrupts()  # ... and Ctrl-C must interrupt an input, not end the loop
        code = 0
        try:
            if interactive:
                sys.stdout.write(f"zscript {__version__}; :help lists the commands, Ctrl-D quits\n")
                code = await _interactive(ev, task, history_path(history))
            else:
                code = await _plain(ev, task)
        except ZeekExit as e:  # exit() in an input: no zeek_done, as in Zeek
            code = e.code
            host.repl_abort()
        finally:
            host.repl_stop()
            try:
                await task
            except ZeekExit as e:
                code = e.code
        return code


async def _interactive(ev: Evaluator, task: asyncio.Task, history: Path) -> int:
    session = make_session(ev.host, _open_history(history))

    def loop_ended(_task) -> None:
        if session.app.is_running:
            session.app.exit(exception=EOFError())

    task.add_done_callback(loop_ended)
    while not _loop_over(ev.host, task):
        try:
            text = await session.prompt_async()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        try:
            _run(ev, text)
        except Quit as q:
            return q.code
    return 0


async def _plain(ev: Evaluator, task: asyncio.Task) -> int:
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    aloop = asyncio.get_running_loop()

    def read() -> None:  # a daemon thread: a blocked read never delays exit
        try:
            for line in sys.stdin:
                aloop.call_soon_threadsafe(lines.put_nowait, line)
            aloop.call_soon_threadsafe(lines.put_nowait, None)
        except RuntimeError:  # the loop closed first
            pass

    threading.Thread(target=read, name="zscript-repl-stdin", daemon=True).start()
    pending = ""
    try:
        while not _loop_over(ev.host, task):
            get = asyncio.ensure_future(lines.get())
            done, _ = await asyncio.wait({get, task}, return_when=asyncio.FIRST_COMPLETED)
            if get not in done:
                get.cancel()
                break
            line = get.result()
            if line is None:
                if pending.strip():
                    _run(ev, pending)
                break
            pending += line
            if analyze(pending).complete:
                text, pending = pending, ""
                _run(ev, text)
    except Quit as q:
        return q.code
    return 0


# ------------------------------------------------------------------ the prompt


def make_session(host: Host, history: History | None = None) -> PromptSession:
    """The prompt: highlighting, completion, validation, history, key bindings."""
    return PromptSession(
        PROMPT,
        multiline=True,
        prompt_continuation=_continuation,
        lexer=prompt_lexer(),
        completer=ReplCompleter(host),
        complete_while_typing=True,
        validator=ReplValidator(),
        validate_while_typing=False,
        history=history or InMemoryHistory(),
        auto_suggest=AutoSuggestFromHistory(),
        enable_history_search=False,  # it would turn off complete_while_typing
        key_bindings=_key_bindings(),
    )


def wants_more(text: str) -> bool:
    """Whether Enter after ``text`` should open another line."""
    if analyze(text).complete:
        return False
    lines = text.split("\n")
    if len(lines) > 1 and not lines[-1].strip():
        # An empty line submits; inside braces it takes two.
        return brace_depth(text) > 0 and (len(lines) < 3 or bool(lines[-2].strip()))
    return True


def _key_bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("enter")
    def _enter(event) -> None:
        b = event.current_buffer
        state = b.complete_state
        if state is not None and state.current_completion is not None:
            b.apply_completion(state.current_completion)
            return
        if wants_more(b.text):
            b.insert_text("\n" + "    " * brace_depth(b.document.text_before_cursor))
            return
        if b.validation_error is not None:
            # Enter again on the rejected text: ask the validator again (it lets it through).
            b.validation_state = ValidationState.UNKNOWN
        b.validate_and_handle()

    @kb.add("}")
    def _close(event) -> None:
        b = event.current_buffer
        before = b.document.current_line_before_cursor
        if before and not before.strip():
            b.delete_before_cursor(min(4, len(before)))
        b.insert_text("}")

    return kb


def _continuation(width: int, line_number: int, is_soft_wrap: bool) -> str:
    return "." * (width - 1) + " "


def _open_history(path: Path) -> History:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError as e:
        sys.stderr.write(f"warning: history not kept, can't write {path}: {e.strerror}\n")
        return InMemoryHistory()
    return ThreadedHistory(FileHistory(str(path)))


# ----------------------------------------------------------------- internals


def _run(ev: Evaluator, text: str) -> None:
    """Run one input; Ctrl-C interrupts it (and only it)."""
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        ev.run(text)
    except KeyboardInterrupt:
        ev.error("KeyboardInterrupt\n")
    finally:
        signal.signal(signal.SIGINT, previous)


def _loop_over(host: Host, task: asyncio.Task) -> bool:
    return task.done() or host.loop.terminate_requested


def _sigint_interrupts() -> None:
    """Take SIGINT back from the event loop (which would ``terminate()``)."""
    aloop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        aloop.remove_signal_handler(signal.SIGINT)
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, signal.default_int_handler)


class _LiveStdout:
    """The stream ``print`` writes to: ``sys.stdout`` at the time of writing,
    which is prompt-toolkit's proxy (output above the prompt) while the
    session runs."""

    def write(self, text: str) -> None:
        sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()
