"""Wiring the input framework into a host: ``install(host)``.

The host calls :func:`install` once (``SUBSYSTEMS`` in ``zscript/host/wiring.py``) and keeps the
returned :class:`InputSubsystem` as ``host.subsystems["input"]``.  It
registers the built-in functions the scripts in
``stdlib/base/frameworks/input`` call (Zeek's ``input.bif``); the
:class:`~.manager.InputManager`, its threads and the readers are created
when a script first creates a stream, so a process that reads no input
pays for none of it.
"""

from __future__ import annotations

__all__ = ["InputSubsystem", "install"]


def install(host) -> InputSubsystem:
    """Install the input subsystem into ``host``; return it."""
    return InputSubsystem(host)


class InputSubsystem:
    """The input framework of one host."""

    def __init__(self, host):
        self.host = host
        self._manager = None
        add = host.add_bif
        add(
            "Input::__create_table_stream",
            "function(description: Input::TableDescription): bool",
            lambda d: self.manager.create_table_stream(d),
        )
        add(
            "Input::__create_event_stream",
            "function(description: Input::EventDescription): bool",
            lambda d: self.manager.create_event_stream(d),
        )
        add(
            "Input::__create_analysis_stream",
            "function(description: Input::AnalysisDescription): bool",
            lambda d: self.manager.create_analysis_stream(d),
        )
        add(
            "Input::__remove_stream",
            "function(id: string): bool",
            lambda name: self._manager is not None and self._manager.remove_stream(name),
        )
        add(
            "Input::__force_update",
            "function(id: string): bool",
            lambda name: self.manager.force_update(name),
        )

    @property
    def manager(self):
        """The input manager (created on first use)."""
        if self._manager is None:
            from .manager import InputManager

            self._manager = InputManager(self.host)
        return self._manager
