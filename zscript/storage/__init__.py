"""The storage framework, ``&backend`` tables and Broker-style data stores.

Layout (each module's docstring states its contract):

==================  ==========================================================
``backend``         :class:`StorageBackend`: public template methods and the
                    ``_do_*`` hooks backends implement; ``OperationResult``,
                    ``ReturnCode``
``memory``,         the built-in backends (``Storage::STORAGE_BACKEND_*``)
``sqlite``,
``redis``
``serializers``     :class:`Serializer` plugins; ``JSONv1`` (Zeek's format)
``manager``         plugin lookup by entry point, open handles, expiration sweep
``aio``             the storage I/O thread and the bridge back to the event loop
``bifs``            ``Storage::Sync::*``, ``Storage::Async::*``
``transport``       :class:`StoreTransport`, the seam to the cluster layer
``codec``           keys and values of replicated stores on the wire
``replication``     :class:`ReplicatedStore`: master/clone protocol, expiry,
                    persistence
``tables``          ``&backend`` tables and sets
``brokerstore``     ``Broker::create_master``, ``create_clone`` and friends
``install``         ``install(host)``: wiring into a host
==================  ==========================================================

The package sits at level L4: it imports the runtime and engine, never the
syntax, checker, compiler or host.
"""

from __future__ import annotations

from .backend import AsyncStorageBackend, OperationResult, ReturnCode, StorageBackend
from .replication import ReplicatedStore
from .serializers import JSONSerializer, Serializer
from .transport import InProcessBus, LocalTransport, StoreTransport

__all__ = [
    "AsyncStorageBackend",
    "InProcessBus",
    "JSONSerializer",
    "LocalTransport",
    "OperationResult",
    "ReplicatedStore",
    "ReturnCode",
    "Serializer",
    "StorageBackend",
    "StoreTransport",
]
