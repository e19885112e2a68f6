"""Event serializers: the payload formats of Zeek cluster messages.

``get_serializer("broker-bin-v1")`` (Zeek's default) or
``get_serializer("broker-json-v1")`` returns an :class:`EventSerializer`;
more formats can be added through the ``zscript.event_serializers`` entry
point group.  See :mod:`.base` for the contract, :mod:`.bin_v1` and
:mod:`.json_v1` for the formats.
"""

from __future__ import annotations

from .base import (
    ENTRY_POINT_GROUP,
    EventLookup,
    EventSerializer,
    SerializationError,
    UnknownEventError,
    available_serializers,
    get_serializer,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "EventLookup",
    "EventSerializer",
    "SerializationError",
    "UnknownEventError",
    "available_serializers",
    "get_serializer",
]
