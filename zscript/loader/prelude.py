"""What a process loads before the user's scripts, and in which order.

Zeek (``src/zeek-setup.cc``) loads ``base/init-bare.zeek``, then
``base/init-frameworks-and-bifs.zeek`` and, unless run with ``-b``
(``--bare``), ``base/init-default.zeek``; the scripts named on the command
line come after.  zscript's library has the same three files, and
:func:`load_prelude` loads them in that order, giving the host's subsystems
two chances to add scripts of their own:

1. ``base/init-bare``: the types and declarations every script can use.
2. Each subsystem's ``before_frameworks()``: what this process *is*, which
   the frameworks' ``@if`` conditions must see.  A cluster node declares its
   name (``Cluster::node``) and provides its layout as the script
   ``cluster-layout`` here.
3. ``base/init-frameworks-and-bifs``: the frameworks Zeek loads even in bare
   mode (logging, broker, cluster, telemetry options, ...).
4. ``base/init-default``, unless bare: what ``zeek`` loads by default, as far
   as it makes sense without a packet engine.
5. Each subsystem's ``load_scripts()``: scripts this process needs that a
   Zeek user would have loaded by hand (a cluster node's backend and its
   layout's settings).

To add a framework to a mode, add its ``@load`` line to the library file of
that mode; nothing here needs to change.
"""

from __future__ import annotations

from ..resources import stdlib_dir
from .checked import CheckedBodies

__all__ = ["BARE_SCRIPTS", "DEFAULT_SCRIPTS", "load_prelude"]

#: Loaded in every mode (Zeek's "essential input files").
BARE_SCRIPTS = ("base/init-bare.zs", "base/init-frameworks-and-bifs.zs")
#: Loaded too unless in bare mode.
DEFAULT_SCRIPTS = ("base/init-default.zs",)


def _each(subsystems, hook: str) -> None:
    for sub in subsystems.values():
        fn = getattr(sub, hook, None)
        if fn is not None:
            fn()


def load_prelude(host, *, bare: bool) -> None:
    """Load the library scripts of the mode (``bare``: Zeek's ``-b``) into
    ``host``, with the subsystems' hooks in between (see the module docstring).
    ``host.init_bare_loaded()`` is called once ``base/init-bare`` is in."""
    lib = stdlib_dir()
    init_bare, frameworks = BARE_SCRIPTS
    bodies = host.checked_bodies = CheckedBodies.from_environment()
    if bodies.enabled:
        # Library bodies certified clean are checked on first call (.checked).
        bodies.enter("bare" if bare else "default")
        host.checker.bodies = bodies
    try:
        host.load_file(str(lib / init_bare))
        host.init_bare_loaded()
        _each(host.subsystems, "before_frameworks")
        host.load_file(str(lib / frameworks))
        if not bare:
            for name in DEFAULT_SCRIPTS:
                host.load_file(str(lib / name))
        _each(host.subsystems, "load_scripts")
    finally:
        host.checker.bodies = None
    host.unit_cache.flush()  # the built-ins' declarations parsed anew
    bodies.flush()
