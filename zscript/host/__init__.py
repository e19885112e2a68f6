"""The composition root: a :class:`Host` is one zscript process.

Everything is wired here and nowhere else (ARCHITECTURE.md: ``host`` sits
above every stage and subsystem and imports them all; nothing below imports
it).  The package's parts:

* :mod:`.core`: :class:`Host` itself: creating one, the built-in functions,
  the API the subsystems' ``install(host)`` use, and :meth:`Host.run`;
* :mod:`.wiring`: installing and connecting the subsystems, and the
  runtime services compiled code calls;
* :mod:`.services`: the views of the host lent to the code generator and to
  the built-in functions;
* :mod:`.containers`: the tables and sets compiled code makes;
* :mod:`.interactive`: the REPL's interface.

What is loaded before the user's scripts is :mod:`zscript.loader.prelude`
(Zeek's bare and default modes); how each unit of a script is parsed,
checked, compiled and run is :class:`zscript.loader.units.ScriptLoading`.
"""

from .core import Host

__all__ = ["Host"]
