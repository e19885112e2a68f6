##! Asynchronous storage operations: ``Storage::Async::open_backend``,
##! ``close_backend``, ``put``, ``get`` and ``erase``, with the same
##! arguments and results as the ``Storage::Sync`` functions (see
##! ``base/frameworks/storage/sync``).
##!
##! They must be called in a ``when`` condition that has a ``timeout``
##! block; the event loop keeps running while the operation is under way
##! (SQLite work runs in a worker thread, Redis commands on the storage I/O
##! loop) and the ``when`` body runs once the result is there::
##!
##!     when [key] ( local r = Storage::Async::get(h, key) )
##!         print r$code, r$value;
##!     timeout 5sec
##!         print "get timed out";
##!
##! A handle opened with ``$forced_sync=T`` runs them synchronously.

@load ./main
