"""Zeek's input framework: reading files, commands and databases into
tables and events (``Input::add_table``, ``Input::add_event``).

Layer L4: imports ``runtime`` and ``engine`` below it; the host wires it in
(:mod:`.install`).  The pieces, in the order data flows:

* :mod:`.readers` -- the reader plugins (ASCII, raw, config, SQLite,
  binary, benchmark) on the :class:`~.reader.ReaderBackend` interface;
* :mod:`.thread` -- each reader on its own thread, messages back in order;
* :mod:`.formatter` -- parsing ASCII fields (shared by several readers);
* :mod:`.manager`, :mod:`.streams`, :mod:`.convert` -- streams, their
  checks, and what their lines do to tables and events.
"""
