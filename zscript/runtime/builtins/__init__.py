"""More built-in functions, grouped by topic; importing a module registers its bifs.

Each module uses :func:`zscript.runtime.bifs.bif` exactly like the core bifs
in :mod:`zscript.runtime.bifs`.
"""
