"""zscript: a Python host for a Zeek-style event language.

The public entry points are re-exported here; see :class:`Host`.
"""

from __future__ import annotations

from .diagnostics import Span as Span  # noqa: E402
from .diagnostics import ZScriptError as ZScriptError  # noqa: E402
from .version import __version__ as __version__  # noqa: E402


def __getattr__(name: str):
    # The host pulls in the whole pipeline; import it only when asked for.
    if name == "Host":
        from .host import Host

        return Host
    raise AttributeError(name)


__all__ = ["Host", "Span", "ZScriptError", "__version__"]
