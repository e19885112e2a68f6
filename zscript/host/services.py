"""What the host lends to the stages below it: the code generator's
compile-time services and the built-in functions' :class:`~.runtime.bifs.BifContext`.

Both are thin views of one :class:`~.core.Host`; they hold no state of their own.
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING

from ..runtime import bifs as bifs_mod
from ..runtime.addresses import make_addr, make_port, make_subnet
from ..runtime.asyncval import Pending
from ..runtime.errors import ZeekExit
from ..runtime.literals import Literals
from ..runtime.patterns import make_pattern
from ..runtime.values import TypeVal
from ..syntax.printer import expr_text
from ..types import FuncType

if TYPE_CHECKING:
    from .core import Host

__all__ = ["HostBifContext", "Services", "script_id"]


class Services:
    """Runtime services the code generator needs at compile time."""

    def __init__(self, host: Host):
        self.host = host
        self.make_pattern = make_pattern
        self.make_port = make_port
        self.make_addr = make_addr
        self.make_subnet = make_subnet
        self.TypeVal = TypeVal
        #: Literal strings with their origins, forgotten with the host.
        self.literal_string = Literals().string

    def handler(self, name: str, ztype: FuncType):
        return self.host.loop.handler(name, ztype)


def script_id(host: Host, gid):
    """A global identifier as the introspection bifs see it."""
    kind = gid.kind
    t = gid.value if kind == "type" else gid.type
    if kind == "type":
        value = None
    elif kind == "enum":
        value = functools.partial(host.enum_value, gid.name)
    else:
        ns, py = host.ns, gid.py_name
        value = functools.partial(lambda: ns.get(py))
    attrs = [(name, None if e is None else expr_text(e)) for name, e in gid.attrs.items()]
    return bifs_mod.ScriptId(
        gid.name,
        kind,
        t,
        t.describe() if t is not None else "",
        exported=gid.is_export,
        redef=gid.is_redef,
        backend="&backend" in gid.attrs,
        attrs=[a for a in attrs if a[0].startswith("&")],
        value=value,
    )


class HostBifContext(bifs_mod.BifContext):
    def __init__(self, host: Host):
        self.host = host

    def network_time(self) -> float:
        return self.host.loop.network_time

    def current_event_time(self) -> float:
        return self.host.loop.metadata.current_time()

    def set_network_time(self, t: float) -> None:
        self.host.loop.set_network_time(t)

    def terminate(self) -> bool:
        return self.host.loop.terminate()

    def raise_event(self, name: str, args: tuple) -> bool:
        return self.host.loop.raise_by_name(name, args)

    def record_field_table(self, rt, rec):
        return self.host._record_fields(rt, rec)

    def is_terminating(self) -> bool:
        return self.host.loop.terminating

    def exit(self, code: int):
        raise ZeekExit(code)

    def types_by_name(self, name: str):
        gid = self.host.checker.globals.get(name)
        return gid.value if gid is not None and gid.kind == "type" else None

    def global_value(self, name: str, default=None):
        """The current value of a script global (``max_find_all_string_length`` ...)."""
        return self.host._global_value(name, default)

    def builtin_error(self, message: str, detail: str | None = None) -> None:
        """Zeek's non-fatal builtin error, at the calling script expression."""
        from ..diagnostics import render_runtime
        from ..runtime.linemap import builtin_call_location, describe_node

        span, node = builtin_call_location(3)
        call = describe_node(node) or None
        text = f"{call} and {detail}" if call and detail is not None else (call or detail)
        self.host.reporter.errors += 1
        self.host.reporter.write(render_runtime("error", message, span, text))

    def reporter_error(self, message: str) -> None:
        self.host.reporter.error(message)

    def script_ids(self) -> list:
        host = self.host
        out = [script_id(host, gid) for gid in host.checker.globals.values()]
        for m in sorted(host.checker.modules):
            out.append(
                bifs_mod.ScriptId(
                    f"module {m}",
                    "module",
                    None,
                    "module",
                    exported=False,
                    redef=False,
                    backend=False,
                    attrs=[],
                    value=None,
                )
            )
        return out

    def script_id(self, name: str):
        gid = self.host.checker.globals.get(name)
        return script_id(self.host, gid) if gid is not None else None

    def event_handled(self, name: str) -> bool:
        h = self.host.loop.registry.lookup(name)
        return h is not None and bool(h.handlers)

    def in_script_function(self) -> bool:
        return self.host._running

    def run_blocking(self, fn):
        loop = self.host.loop
        pending = Pending()
        loop.sources += 1

        def done(fut) -> None:
            loop.sources -= 1
            exc = fut.exception()
            pending.resolve(None if exc is not None else fut.result())
            loop.wake()

        loop.add_io(lambda aloop: aloop.run_in_executor(None, fn).add_done_callback(done))
        return pending

    def reporter_warning(self, message: str) -> None:
        self.host.reporter.warnings += 1
        self.host.reporter.write(f"warning: {message}\n")

    def write_stdout(self, text: str) -> None:
        """Write script bytes (characters 0-255) to the print stream unchanged."""
        out = self.host.stdout
        if out is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("latin-1", "replace"))
            sys.stdout.buffer.flush()
        else:
            out.write(text)
