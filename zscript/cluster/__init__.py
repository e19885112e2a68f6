"""Clustering: processes exchanging events over Zeek 8's ZeroMQ wire protocol (level L4).

May import the L0 modules (``diagnostics``, ``types``, ``numfmt``), ``zscript.runtime``
and ``zscript.engine``; never ``syntax``, ``check``, ``compile`` or ``host``.
"""
