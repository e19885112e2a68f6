##! Synchronous storage operations.  Each returns when the operation is done
##! (a Redis backend is waited for).  They are built-in functions:
##!
##! ``Storage::Sync::open_backend(btype: Storage::Backend, options: Storage::BackendOptions,
##! key_type: any, val_type: any): Storage::OperationResult``
##!     Opens a backend; ``key_type`` and ``val_type`` are types
##!     (``open_backend(Storage::STORAGE_BACKEND_SQLITE, opts, string, count)``).
##!     Later keys and values are checked against them, and ``get`` returns
##!     values of ``val_type``.  The result's ``$value`` is the handle, an
##!     ``opaque of Storage::BackendHandle`` (also when the open failed).
##!
##! ``Storage::Sync::close_backend(backend: opaque of Storage::BackendHandle): Storage::OperationResult``
##!     Closes the handle; later operations return ``NOT_CONNECTED``.
##!
##! ``Storage::Sync::put(backend: opaque of Storage::BackendHandle, args: Storage::PutArgs): Storage::OperationResult``
##!     Stores ``args$value`` under ``args$key``.
##!
##! ``Storage::Sync::get(backend: opaque of Storage::BackendHandle, key: any): Storage::OperationResult``
##!     Looks ``key`` up: ``SUCCESS`` with the value, or ``KEY_NOT_FOUND``.
##!
##! ``Storage::Sync::erase(backend: opaque of Storage::BackendHandle, key: any): Storage::OperationResult``
##!     Removes ``key`` (``SUCCESS`` also when it was absent).
##!
##! ``Storage::is_open(backend)`` and ``Storage::is_forced_sync(backend)``
##! tell whether a handle is open and was opened with ``$forced_sync=T``.

@load ./main
