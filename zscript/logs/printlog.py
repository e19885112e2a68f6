"""``print`` redirected to a log (Zeek's ``Log::print_to_log``).

With ``Log::print_to_log = Log::REDIRECT_STDOUT`` every ``print`` that would
write to standard output writes a line to the ``Log::PRINTLOG`` stream
instead (path ``Log::print_log_path``, columns ``Log::PrintLogInfo``: the
network time and each printed value as :func:`print` shows it); with
``REDIRECT_ALL`` prints into files are redirected too, the file being the
first value.  The choice is read once, when the run starts (Zeek reads it
at the first ``print``).  Behaviour as Zeek's ``do_print_stmt`` and
``print_log`` in ``src/Stmt.cc``.

:func:`install_redirect` replaces the host's ``_z_print``/``_z_fprint``
helpers, which compiled ``print`` statements call with the printed values
already formatted.
"""

from __future__ import annotations

import sys

from ..runtime.containers import Vector
from ..runtime.describe import formatter
from ..runtime.files import ScriptFile, print_to
from ..runtime.values import record_class

__all__ = ["install_redirect"]


def install_redirect(host, mgr) -> None:
    """Redirect ``print`` as ``Log::print_to_log`` says (nothing for ``REDIRECT_NONE``)."""
    mode = host.global_value("Log::print_to_log")
    everything = mode is host.enum_value("Log::REDIRECT_ALL")
    if mode is None or not (everything or mode is host.enum_value("Log::REDIRECT_STDOUT")):
        return
    info = host.script_type("Log::PrintLogInfo")
    vec_t = host.script_type("string_vec")
    stream = host.enum_value("Log::PRINTLOG")
    if info is None or vec_t is None or stream is None:
        return
    cls = record_class(info)
    loop = host.loop
    describe_file = formatter(ScriptFile.ztype)

    def log(parts) -> None:
        mgr.write(stream, cls._zmake({"f_ts": loop.network_time, "f_vals": Vector(vec_t, parts)}))

    def print_stdout(*parts: str) -> None:
        log(parts)

    host.ns["_z_print"] = print_stdout

    def print_file(f: ScriptFile, *parts: str) -> None:
        if not f.is_open:
            return
        if everything or f.handle is sys.stdout.buffer:  # a file that is stdout too
            log((describe_file(f), *parts))
        else:
            print_to(f, *parts)

    host.ns["_z_fprint"] = print_file
