"""``Storage::STORAGE_BACKEND_MEMORY``: a backend that keeps entries in a dict.

Each opened handle has its own private dict; nothing survives the
process.  Entries whose expiration time has passed are invisible at once
and removed by the framework's periodic sweep.  Operations are cheap, so
asynchronous calls complete inline (they still reach the script through
the ``when`` trigger).
"""

from __future__ import annotations

from .backend import OperationResult, ReturnCode, StorageBackend

__all__ = ["MemoryBackend"]


class MemoryBackend(StorageBackend):
    tag = "STORAGE_BACKEND_MEMORY"
    blocking = False

    def __init__(self) -> None:
        super().__init__()
        #: key -> (value, expire_at); expire_at 0 means never.
        self._data: dict[bytes, tuple[bytes, float]] = {}

    def config_label(self) -> str:
        return "memory"

    def _do_open(self, config: dict) -> OperationResult:
        self._data = {}
        return OperationResult(ReturnCode.SUCCESS)

    def _do_close(self) -> OperationResult:
        self._data = {}
        return OperationResult(ReturnCode.SUCCESS)

    def _do_put(self, key, value, overwrite, expire_at, now) -> OperationResult:
        if not overwrite:
            old = self._data.get(key)
            if old is not None and not (0 < old[1] <= now):
                return OperationResult(ReturnCode.KEY_EXISTS)
        self._data[key] = (value, expire_at)
        return OperationResult(ReturnCode.SUCCESS)

    def _do_get(self, key, now) -> OperationResult:
        entry = self._data.get(key)
        if entry is None or 0 < entry[1] <= now:
            return OperationResult(ReturnCode.KEY_NOT_FOUND)
        return OperationResult(ReturnCode.SUCCESS, "", entry[0])

    def _do_erase(self, key) -> OperationResult:
        self._data.pop(key, None)
        return OperationResult(ReturnCode.SUCCESS)

    def _do_expire(self, now: float) -> int:
        gone = [k for k, (_v, x) in self._data.items() if 0 < x <= now]
        for k in gone:
            del self._data[k]
        return len(gone)

    def _do_items(self, now: float):
        return [(k, v, x) for k, (v, x) in self._data.items() if not 0 < x <= now]
