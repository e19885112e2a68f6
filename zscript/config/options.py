"""Options changed at run time (Zeek's ``option.bif``).

``option`` globals are constant for the scripts but not for the process:
:meth:`Options.set` (``Option::set``) checks the new value's type, passes
it through the option's change handlers and stores what the last handler
returns.  Handlers (``Option::set_change_handler``) run highest priority
first, ties in the order they were added; each gets the option's name,
the value the previous handler returned and, if it takes three
parameters, the location of the change.  Nothing changes while the
process shuts down, as in Zeek.

Also here: the introspection the config framework needs,
``global_options()`` and ``Option::any_set_to_any_vec()``.
"""

from __future__ import annotations

import itertools

from ..runtime import zeekorder
from ..runtime.builtins._support import builtin_error
from ..runtime.casts import received_data
from ..runtime.containers import Vector, deep_copy
from ..runtime.values import box, type_of, unbox
from ..types import TableType, same_type

__all__ = ["Options"]


class Options:
    """The change handlers and the option bifs of one host."""

    def __init__(self, host):
        self.host = host
        #: option name -> [(-priority, sequence, handler)], kept sorted.
        self.handlers: dict[str, list] = {}
        self._seq = itertools.count()

    # ``builtin_error`` finds the reporter through ``ctx.host``.

    def _option(self, name: str):
        gid = self.host.checker.globals.get(name)
        if gid is None:
            builtin_error(self, f"Could not find ID named '{name}'")
            return None
        if gid.kind != "option":
            builtin_error(self, f"ID '{name}' is not an option")
            return None
        return gid

    def set(self, name: str, value, location: str = "") -> bool:
        """``Option::set``."""
        gid = self._option(name)
        if gid is None:
            return False
        t = gid.type
        data = received_data(value)
        if data is not None:
            # A value received over Broker in an ``any`` slot (the config
            # framework's cluster_set_option): converted to the option's type,
            # as Zeek's option.bif does with a Broker::Data.
            try:
                value = box(data.cast_to(t), t)
            except ValueError:
                builtin_error(
                    self,
                    f"Incompatible type for set of ID '{name}': got broker data, need '{t.tag}'",
                )
                return False
        vt = type_of(value)
        v = unbox(value)
        if not same_type(t, vt):
            unspecified = isinstance(vt, TableType) and vt.is_unspecified
            if isinstance(t, TableType) and unspecified:
                v = self._empty(t)
            else:
                builtin_error(
                    self,
                    f"Incompatible type for set of ID '{name}': got '{_tag(vt)}', need '{t.tag}'",
                )
                return False
        if self.host.loop.terminating:
            return False
        for _prio, _seq, fn in self.handlers.get(name, ()):
            ft = getattr(fn, "_ztype", None)
            params = ft.params if ft is not None else []
            arg = box(v, t) if len(params) > 1 and params[1].type.tag == "any" else v
            args = (name, arg, location) if len(params) == 3 else (name, arg)
            try:
                v = unbox(fn(*args))
            except Exception as exc:  # noqa: BLE001 - reported; the option keeps its value
                self.host.reporter.exception(exc)
                return False
        self.host.set_global(name, deep_copy(v))
        return True

    def _empty(self, t: TableType):
        return self.host.make_set(t) if t.is_set else self.host.make_table(t)

    def set_change_handler(self, name: str, fn, priority: int = 0) -> bool:
        """``Option::set_change_handler``."""
        gid = self._option(name)
        if gid is None:
            return False
        t = gid.type
        ft = getattr(fn, "_ztype", None) or getattr(fn, "ztype", None)
        if ft is None or ft.tag != "func":
            builtin_error(
                self,
                f"Option::on_change needs function argument; got '{_tag(type_of(fn))}' "
                f"for ID '{name}'",
            )
            return False
        if ft.flavor != "function":
            builtin_error(self, "Option::on_change needs function argument; not hook or event")
            return False
        args = [p.type for p in ft.params]
        if not 2 <= len(args) <= 3:
            builtin_error(
                self,
                "Wrong number of arguments for passed function in Option::on_change for ID "
                f"'{name}'; expected 2 or 3, got {len(args)}",
            )
            return False
        if args[0].tag != "string":
            builtin_error(
                self,
                "First argument of passed function has to be string in Option::on_change for "
                f"ID '{name}'; got '{args[0].tag}'",
            )
            return False
        if not same_type(args[1], t):
            builtin_error(
                self,
                f"Second argument of passed function has to be {t.tag} in Option::on_change "
                f"for ID '{name}'; got '{args[1].tag}'",
            )
            return False
        if len(args) == 3 and args[2].tag != "string":
            builtin_error(
                self,
                "Third argument of passed function has to be string in Option::on_change for "
                f"ID '{name}'; got '{args[2].tag}'",
            )
            return False
        if not same_type(ft.ret, t):
            builtin_error(
                self,
                f"Passed function needs to return type '{t.tag}' for ID '{name}'; "
                f"got '{ft.ret.tag}'",
            )
            return False
        chain = self.handlers.setdefault(name, [])
        chain.append((-int(priority), next(self._seq), fn))
        chain.sort(key=lambda h: h[:2])
        return True

    # ------------------------------------------------------- introspection

    def global_options(self):
        """``global_options()``: the names of all options."""
        t = self.host.script_type("string_set")
        names = [n for n, gid in self.host.checker.globals.items() if gid.kind == "option"]
        return self.host.make_set(t, names)

    def any_set_to_any_vec(self, v):
        """``Option::any_set_to_any_vec``: a set's elements as a ``vector of any``."""
        out = Vector(self.host.script_type("any_vec"))
        t = type_of(v)
        s = unbox(v)
        if not (isinstance(t, TableType) and t.is_set):
            builtin_error(self, "argument is not a set")
            return out
        elem_t = t.indices[0] if len(t.indices) == 1 else None
        for k in zeekorder.keys(s):  # in the set's iteration order (Zeek's, in that mode)
            out.append(box(k, elem_t) if elem_t is not None else k)
        return out


def _tag(t) -> str:
    return t.tag if t is not None else "error"
