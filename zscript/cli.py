"""The ``zscript`` command.

``zscript run [NODE] FILE...``  load the files in order and run them as node
NODE, like ``zeek FILE...``.  NODE is a node of the cluster layout or
``standalone`` (no cluster).  Without NODE, the node is named by the
environment variable ``CLUSTER_NODE``, as in Zeek, and is ``standalone``
if that is unset or empty; a NODE given on the command line wins.  The first
argument is taken as NODE unless it names a script: it ends in ``.zs`` or
``.zeek``, contains a ``/``, or is a file (or a name ``@load`` finds).

``-b``/``--bare`` is Zeek's bare mode: only ``base/init-bare`` and
``base/init-frameworks-and-bifs`` are loaded before the files; without it
``base/init-default`` is loaded too (see :mod:`zscript.loader.prelude`).

``zscript check FILE...``  parse, resolve and type-check only (like
``zeek -a``: declarations are processed, so ``@if`` conditions and global
initializers are evaluated, but no event is dispatched).  Always standalone.

``zscript repl [FILE...]``  an interactive session (see :mod:`zscript.repl`):
the files load first, then each input is processed as it is entered, with
the event loop running in between.

Static errors print with file, line, column and a caret, and exit with
status 1; ``--error-format zeek`` (or ``ZSCRIPT_ERROR_FORMAT=zeek``) prints
every error and warning in Zeek's one-line form instead (see
:mod:`zscript.diagnostics`).

SIGPIPE stays ignored (Python's default), so a write to a socket whose peer
has gone (a metrics scraper, a WebSocket client hanging up) is an error the
code handles, never the end of the process.  Only the standard streams end
the process when their reader goes away (``zscript run ... | head``), quietly
and with the status SIGPIPE gives, like other Unix tools (and Zeek):
:func:`_end_quietly_when_output_closes`.  No input makes the command print a Python traceback: an
unexpected internal failure is reported in one line, with a request to
file a bug, and exit status 70 (``ZSCRIPT_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import signal
import sys

from .version import __version__

__all__ = ["main"]


def _keep_bytecode() -> None:
    """With ``PYTHONDONTWRITEBYTECODE`` set (as in some development setups),
    every start would compile zscript's modules again (a quarter of a second);
    the command keeps their bytecode in zscript's cache directory instead of
    next to the sources, which is what that setting protects.
    ``ZSCRIPT_NO_CACHE=1`` keeps Python's behaviour.  (Only the command does
    this: a program importing zscript keeps its own settings.)"""
    if not sys.dont_write_bytecode or sys.pycache_prefix is not None:
        return
    from .resources import cache_dir

    base = cache_dir()
    if base is not None:
        sys.pycache_prefix = str(base / "pycache")
        sys.dont_write_bytecode = False


_keep_bytecode()


def _pause_gc() -> None:
    """Start-up (importing the pipeline, loading the library) allocates a
    few hundred thousand objects that live as long as the process, and the
    cyclic garbage collector would walk them again and again while they are
    made (about a tenth of the start-up time) to find no garbage.  So the
    ``run`` and ``check`` commands start with it off; :func:`_resume_gc`
    turns it back on once loading is done."""
    gc.disable()


def _resume_gc() -> None:
    """Loading is done: what exists now lives as long as the process, so it
    is moved out of the collector's sight (``gc.freeze``; the collection at
    the interpreter's exit skips it too), and collection starts again for
    what the scripts create while they run."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _print_diagnostics(diags) -> None:
    from .diagnostics import render_all

    sys.stderr.write(render_all(diags))


def _load(host, files: list[str], code: str | None, params: list[str] = ()) -> bool:
    """Load ``files``, ``params`` and ``code`` into ``host``, printing what it reports."""
    ok, diags = _load_quietly(host, files, code, params)
    _print_diagnostics(diags)
    return ok


def _load_quietly(host, files: list[str], code: str | None, params=()) -> tuple[bool, list]:
    """(loaded without errors, the diagnostics to show) of loading ``files``,
    the command-line redefinitions ``params`` and ``code`` into ``host``."""
    from .diagnostics import SourceFile, ZScriptError

    for f in files:
        if not os.path.exists(f):
            from .loader import resolve_load

            # As Zeek: a script named on the command line is found as an
            # @load would be from the working directory (``./x`` is x.zeek).
            found = resolve_load(f, os.getcwd())
            if found is None:
                sys.stderr.write(f"error: can't find {f}\n")
                return False, []
            f = str(found)
        host.load_file(f)
    if params:
        host.load_params(list(params))
    if code:
        host.load_source(SourceFile("<command line>", code))
    try:
        host.finish_loading()
    except ZScriptError as e:
        return False, e.diagnostics
    return True, host.warnings()


def _names_script(arg: str) -> bool:
    """Whether the first argument of ``zscript run`` is a script rather than NODE."""
    if arg == "standalone":
        return False
    if arg == "-" or arg.endswith((".zs", ".zeek")) or "/" in arg or os.sep in arg:
        return True
    if os.path.isfile(arg):
        return True
    from .loader import resolve_load

    return resolve_load(arg, None) is not None


def split_node(
    positionals: list[str], env=os.environ, layout: str | None = None
) -> tuple[str, list[str]]:
    """``zscript run [NODE] FILE...``: the node name and the files.

    NODE given on the command line wins over ``CLUSTER_NODE``; without
    either the process is ``standalone``.  A first word that names both a
    script (``manager`` for ``./manager.zs``) and a node of the layout
    (``layout``, else the default one) is the node when files follow it:
    ``zscript run manager manager.zs`` runs the manager."""
    if positionals and not _names_script(positionals[0]):
        return positionals[0], positionals[1:]
    if len(positionals) > 1 and _names_node(positionals[0], layout):
        return positionals[0], positionals[1:]
    return env.get("CLUSTER_NODE") or "standalone", positionals


def _names_node(word: str, layout: str | None) -> bool:
    from .cluster.layout import LayoutError, load_layout

    try:
        return word in load_layout(layout).nodes
    except LayoutError:
        return False  # reported when the node starts


def _set_error_format(args) -> bool:
    from .diagnostics import set_error_format

    try:
        set_error_format(getattr(args, "error_format", None))
    except ValueError as e:
        sys.stderr.write(f"error: {e}\n")
        return False
    return True


def cmd_run(args) -> int:
    from .host import Host
    from .loader.params import is_param

    # As zeek: every argument with a '=' is a redefinition (NAME=VALUE).
    params = [a for a in args.args if is_param(a)]
    node, files = split_node([a for a in args.args if not is_param(a)], layout=args.layout)
    args.files = files
    if not files and args.exec_code is None and node == "standalone":
        # Nothing to run (a cluster node without scripts still is one).
        args.parser.error("no script to run: give FILE... or -e CODE")

    virtual = args.virtual_time or os.environ.get("ZSCRIPT_VIRTUAL_TIME") == "1"
    options = {"layout": args.layout, "seed_file": args.load_seeds, "defer_usage_warnings": True}
    if args.supervisor:
        # Zeek's -j: the scripts also run in every node the supervisor creates.
        options.update(supervisor=True, script_files=files, script_code=args.exec_code)
    if args.zeek_order:
        options["zeek_order"] = True
    if args.no_unused_warnings:
        options["usage_warnings"] = False
    host = Host(node=node, bare=args.bare, virtual_time=virtual, options=options)
    if args.debug:
        host.reporter.debug = True
    if not _load(host, args.files, args.exec_code, params):
        return 1
    _resume_gc()
    # After the subsystems started (Zeek's InitPostScript), unless one failed.
    host.on_start.append(
        lambda: host.reporter.errors or _print_diagnostics(host.deferred_diagnostics)
    )
    return host.run()


def _cluster_aware(files: list[str]) -> bool:
    """Whether any of the scripts named on the command line can differ between
    a cluster's roles: it mentions the cluster or has a conditional directive."""
    for f in files:
        try:
            with open(f, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        if "Cluster::" in text or "@if" in text:
            return True
    return False


def cmd_check(args) -> int:
    """``zscript check``: as ``--node NAME`` would load the scripts, or, without
    ``--node``, standalone and then (for scripts that mention the cluster or
    have conditionals) as one node of each type of the layout, since ``@if``
    and the cluster framework make each role load something else.  A role
    whose result differs from standalone is reported under its name."""
    from .cluster.layout import LayoutError, load_layout
    from .diagnostics import render
    from .host import Host

    options = {"layout": args.layout}
    if args.node is not None:
        ok = _load(Host(node=args.node, bare=args.bare, options=options), args.files, None)
        _resume_gc()
        return 0 if ok else 1
    ok, diags = _load_quietly(Host(node="standalone", bare=args.bare), args.files, None)
    _resume_gc()  # also spares the exit a last collection of everything loaded
    _print_diagnostics(diags)
    if not ok or (args.layout is None and not _cluster_aware(args.files)):
        return 0 if ok else 1
    try:
        layout = load_layout(args.layout)
    except LayoutError as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    seen = {render(d) for d in diags}
    for node_type in ("manager", "logger", "proxy", "worker"):
        nodes = layout.of_type(node_type)
        if not nodes:
            continue
        host = Host(node=nodes[0].name, bare=args.bare, options=options)
        role_ok, role_diags = _load_quietly(host, args.files, None)
        new = [d for d in role_diags if render(d) not in seen]
        if new or not role_ok:
            sys.stderr.write(f"as {nodes[0].name} ({node_type}):\n")
            _print_diagnostics(new)
        ok = ok and role_ok
    return 0 if ok else 1


def _add_test_arguments(p) -> None:
    from .testing import add_arguments  # shutil, tempfile ...: only for ``zscript test``

    add_arguments(p)


def cmd_test(args) -> int:
    from .testing.runner import main

    return main(args)


def cmd_fmt(args) -> int:
    from .fmt import main

    return main(args)


def cmd_logs_nats(args) -> int:
    """``zscript logs nats PATH``: print records stored by ``Log::WRITER_NATS``."""
    try:
        from .logs.natsread import NATSReadError, read, render
    except ImportError:
        sys.stderr.write("error: needs the nats-py package (pip install 'zscript[nats]')\n")
        return 2
    try:
        schema, records, opened = read(
            args.url, args.stream, args.subject_prefix, args.path, args.timeout
        )
        for line in render(schema, records, args.format, opened):
            sys.stdout.write(line)
    except NATSReadError as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    return 0


def _add_logs_parser(sub) -> None:
    lg = sub.add_parser("logs", help="read logs stored outside files (NATS JetStream)")
    lsub = lg.add_subparsers(dest="logs_command", required=True)
    n = lsub.add_parser(
        "nats",
        help="print the records Log::WRITER_NATS stored for a path, as Zeek TSV or JSON",
        description="Print the records of PATH stored in a JetStream stream by Log::WRITER_NATS.",
    )
    n.add_argument("path", metavar="PATH", help="the log path (conn, notice, ...)")
    n.add_argument("--url", default="nats://127.0.0.1:4222", help="NATS server(s), comma-separated")
    n.add_argument("--stream", default="zeek_logs", help="the stream (LogNATS::stream)")
    n.add_argument(
        "--subject-prefix", default="zeek.logs", help="subject prefix (LogNATS::subject_prefix)"
    )
    n.add_argument("--format", choices=("tsv", "json"), default="tsv", help="output format")
    n.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the server")
    n.set_defaults(func=cmd_logs_nats)


def cmd_repl(args) -> int:
    if args.layout is not None and args.node is None:
        sys.stderr.write("error: --layout needs --node\n")
        return 2
    from .repl import ReplError, run

    try:
        return run(
            args.files,
            node=args.node,
            layout=args.layout,
            history_file=args.history_file,
            bare=args.bare,
        )
    except ReplError as e:
        sys.stderr.write(f"error: {e}\n")
        return 1


def _add_bare(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-b",
        "--bare",
        action="store_true",
        help="bare mode, as zeek -b: load only base/init-bare and base/init-frameworks-and-bifs "
        "(default: base/init-default too)",
    )


def _add_error_format(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--error-format",
        choices=("rich", "zeek"),
        help="how errors and warnings are printed: 'rich' (default: line, column, excerpt)"
        " or 'zeek' (Zeek's one-line form); also ZSCRIPT_ERROR_FORMAT",
    )


def build_parser(*, cluster: bool = True, test: bool = True) -> argparse.ArgumentParser:
    """The command-line parser.  Without ``cluster``, ``zscript cluster`` is
    only listed: its parser (and the supervisor behind it) is not imported,
    which keeps the start-up of the other commands short; likewise without
    ``test`` the options of ``zscript test`` (and the test runner)."""
    p = argparse.ArgumentParser(prog="zscript", description="Run Zeek-style event scripts.")
    p.add_argument("--version", action="version", version=f"zscript {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser(
        "run",
        help="run scripts as a node (standalone, or a cluster node name)",
        usage="%(prog)s [options] [NODE] FILE... [NAME=VALUE...]\n       %(prog)s [options] [NODE] [FILE...] -e CODE\n       %(prog)s [options] NODE  (a cluster node: its layout's scripts only)",
        description="Run scripts.  NODE is 'standalone' or a node of the cluster layout; "
        "without it, $CLUSTER_NODE names the node (standalone if unset).",
    )
    r.add_argument(
        "args",
        nargs="*",
        metavar="[NODE] FILE",
        help="the node name (optional), then the scripts to load, in order; "
        "NAME=VALUE redefines a global after them, as zeek does",
    )
    _add_bare(r)
    r.add_argument("-e", "--exec", dest="exec_code", help="zscript code to run after the files")
    r.add_argument(
        "--layout", help="cluster layout file (TOML; default: the built-in local layout)"
    )
    r.add_argument(
        "--virtual-time", action="store_true", help="jump to the next timer instead of sleeping"
    )
    r.add_argument(
        "-j",
        "--supervisor",
        action="store_true",
        help="run as a supervisor (zeek -j): the scripts start nodes with Supervisor::create",
    )
    r.add_argument(
        "--debug", action="store_true", help="print Python tracebacks of internal errors"
    )
    r.add_argument(
        "--zeek-order",
        action="store_true",
        help="iterate tables and sets in Zeek's hash order (on by itself with -G or "
        "ZEEK_SEED_FILE; ZSCRIPT_ZEEK_ORDER=1 also turns it on)",
    )
    r.add_argument(
        "-G",
        "--load-seeds",
        metavar="FILE",
        help="read the hash seed from FILE (Zeek's seed file format), as zeek -G",
    )
    r.add_argument(
        "--no-unused-warnings",
        action="store_true",
        help="no warnings for handlers nothing raises and functions nothing calls (as zeek's)",
    )
    _add_error_format(r)
    r.set_defaults(func=cmd_run, parser=r)

    c = sub.add_parser("check", help="parse and type-check scripts without running them")
    c.add_argument("files", nargs="+")
    c.add_argument(
        "--node",
        help="check as this node of the layout loads the scripts (default: standalone, then "
        "one node of each type when the scripts mention the cluster or use @if)",
    )
    c.add_argument(
        "--layout", help="cluster layout file (TOML; default: the built-in local layout)"
    )
    _add_bare(c)
    _add_error_format(c)
    c.set_defaults(func=cmd_check)

    t = sub.add_parser(
        "test",
        help="run golden-file tests: each NAME.zs against its NAME.out (and .err, logs)",
        description="Run golden-file tests of scripts (see the README's 'Testing your scripts').",
    )
    if test:
        _add_test_arguments(t)
    t.set_defaults(func=cmd_test)

    f = sub.add_parser(
        "fmt",
        help="format scripts in Zeek's style (zeekscript, an optional extra)",
        description="Format scripts in place with zeekscript, Zeek's formatter.",
    )
    f.add_argument("files", nargs="+", help="scripts to format ('-': stdin to stdout)")
    f.add_argument("--check", action="store_true", help="change nothing; fail if a file would")
    f.add_argument("--diff", action="store_true", help="change nothing; print what would change")
    f.set_defaults(func=cmd_fmt)

    i = sub.add_parser("repl", help="interactive session: declarations persist, timers run")
    i.add_argument("files", nargs="*", help="scripts to load first")
    i.add_argument("--node", help="join a running cluster as this node")
    i.add_argument("--layout", help="the cluster layout file (with --node)")
    i.add_argument(
        "--history-file",
        help="where to keep input history (default: $XDG_DATA_HOME/zscript/history)",
    )
    _add_bare(i)
    _add_error_format(i)
    i.set_defaults(func=cmd_repl)

    _add_logs_parser(sub)
    if cluster:
        from .cluster.cli import add_cluster_parser  # zscript cluster layout|start|status|stop

        add_cluster_parser(sub)
    else:
        sub.add_parser("cluster", help=_CLUSTER_HELP)
    return p


#: Must say what ``add_cluster_parser`` says, for ``zscript --help``.
_CLUSTER_HELP = "start, watch and stop a whole cluster on this machine"


_VALUE_OPTIONS = {
    "-e",
    "--exec",
    "-G",
    "--load-seeds",
    "--error-format",
    "--layout",
    "--node",
    "--history-file",
    "--run-dir",
    "--timeout",
}
#: Options taking a value that only one subcommand has (``-j`` is Zeek's
#: supervisor flag elsewhere).
_COMMAND_VALUE_OPTIONS = {
    "test": {"-k", "-j", "--junit"},
    "start": {"--host"},
    "nats": {"--url", "--stream", "--subject-prefix", "--format", "--timeout"},
}


def _options_first(argv: list[str]) -> list[str]:
    """Move a subcommand's options before its positional arguments, so that
    ``zscript run standalone --virtual-time f.zs`` works like the other orders."""
    if not argv or argv[0].startswith("-"):
        return argv
    if argv[0] in ("cluster", "logs") and len(argv) > 1 and not argv[1].startswith("-"):
        return [argv[0], *_options_first(argv[1:])]  # the options of `cluster COMMAND`
    opts: list[str] = []
    rest: list[str] = []
    it = iter(argv[1:])
    for a in it:
        if a == "--":
            rest.extend(it)
            break
        if a.startswith("-") and a != "-":
            opts.append(a)
            if a in _VALUE_OPTIONS or a in _COMMAND_VALUE_OPTIONS.get(argv[0], ()):
                opts.append(next(it, ""))
        else:
            rest.append(a)
    return [argv[0], *opts, *rest]


def _reader_gone() -> None:
    """The reader of stdout or stderr went away: end as SIGPIPE's default action does."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    os._exit(141)  # 128 + SIGPIPE, should the signal not end the process first


class _StreamEnd(io.RawIOBase):
    """File descriptor ``fd`` (1 or 2) as a raw stream that ends the process
    quietly when the reader of the pipe has gone, instead of raising."""

    def __init__(self, fd: int):
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, b) -> int:
        try:
            return os.write(self._fd, b)
        except BrokenPipeError:
            _reader_gone()
            raise


def _end_quietly_when_output_closes() -> None:
    """Route ``sys.stdout`` and ``sys.stderr`` through :class:`_StreamEnd` (their
    encoding and buffering kept), see the module docstring."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            fd = stream.fileno()
            stream.flush()
        except (AttributeError, OSError, ValueError):
            continue  # not a real file (captured output): leave it alone
        raw = _StreamEnd(fd)
        buffered = isinstance(getattr(stream, "buffer", None), io.BufferedIOBase)
        wrapped = io.TextIOWrapper(
            io.BufferedWriter(raw) if buffered else raw,
            encoding=stream.encoding,
            errors=stream.errors,
            line_buffering=stream.line_buffering,
            write_through=getattr(stream, "write_through", False),
        )
        setattr(sys, name, wrapped)


def main(argv: list[str] | None = None) -> int:
    command = sys.argv[1:2] if argv is None else argv[:1]
    if argv is None:  # the real command, not a test calling main([...])
        _end_quietly_when_output_closes()
        if command in (["run"], ["check"]):
            _pause_gc()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(cluster=command == ["cluster"], test=command == ["test"]).parse_args(
        _options_first(argv)
    )
    from .runtime.errors import ZeekExit
    from .runtime.zeekhash import SeedError

    if not _set_error_format(args):
        return 2
    try:
        return args.func(args)
    except ZeekExit as e:
        sys.stdout.flush()
        return e.code
    except SeedError as e:  # -G FILE or ZEEK_SEED_FILE unreadable, as Zeek
        sys.stderr.write(f"fatal error: {e}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as e:  # noqa: BLE001 - never show users a raw traceback
        if os.environ.get("ZSCRIPT_DEBUG") or getattr(args, "debug", False):
            raise
        sys.stderr.write(
            f"internal error: {type(e).__name__}: {e}\n"
            "This is a bug in zscript; please report it (ZSCRIPT_DEBUG=1 shows the Python traceback).\n"
        )
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
