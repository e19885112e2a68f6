"""Wiring the option machinery into a host: ``install(host)``.

Registers ``Option::set``, ``Option::set_change_handler``,
``Option::any_set_to_any_vec`` and ``global_options`` (``lookup_ID`` is
:mod:`zscript.runtime.builtins.introspection`'s); the
:class:`~.options.Options` object behind them is created on first use.
"""

from __future__ import annotations

__all__ = ["install"]


def install(host):
    """Install the option bifs into ``host``; return the subsystem object."""
    return ConfigSubsystem(host)


class ConfigSubsystem:
    def __init__(self, host):
        self.host = host
        self._options = None
        add = host.add_bif
        add(
            "Option::set",
            'function(ID: string, val: any, location: string &default=""): bool',
            lambda name, val, location="": self.options.set(name, val, location),
        )
        add(
            "Option::set_change_handler",
            "function(ID: string, on_change: any, priority: int &default=0): bool",
            lambda name, fn, prio=0: self.options.set_change_handler(name, fn, prio),
        )
        add(
            "Option::any_set_to_any_vec",
            "function(v: any): any_vec",
            lambda v: self.options.any_set_to_any_vec(v),
        )
        add("global_options", "function(): string_set", lambda: self.options.global_options())

    @property
    def options(self):
        if self._options is None:
            from .options import Options

            self._options = Options(self.host)
        return self._options
