"""Zeek's option machinery behind the config framework (``Option::set``,
change handlers, ``global_options``).

Layer L4; the host installs it (:mod:`.install`).  The config framework's
scripts are in ``stdlib/base/frameworks/config``; reading options from
files is the input framework's config reader
(:mod:`zscript.input.readers.config`).
"""
