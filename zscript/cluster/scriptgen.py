"""Script text generated from data: literals that stay literals.

The cluster layer turns a layout (a TOML file anyone may have written) into
script code: the ``cluster-layout`` script, the transport settings, the
WebSocket switch.  Every value taken from the data goes through one of
these functions, so that it becomes exactly one literal of the script and
never code, whatever characters it holds:

* :func:`string_literal`: a string constant whose bytes are the value's
  UTF-8 bytes; ``\\``, ``"`` and every byte outside printable ASCII are
  escaped (``\\xHH``), so no quote, newline or directive can end the literal;
* :func:`addr_literal`: an ``addr`` constant, only for a valid IPv4 or IPv6
  address (``ValueError`` otherwise; IPv6 in brackets, as Zeek writes it).
"""

from __future__ import annotations

import ipaddress

__all__ = ["addr_literal", "string_literal"]


def string_literal(value: str) -> str:
    """``value`` as a quoted script string (see the module docstring)."""
    raw = value.encode("utf-8", "surrogateescape")
    out = []
    for b in raw:
        c = chr(b)
        if c in '\\"' or not 0x20 <= b < 0x7F:
            out.append("\\x%02x" % b)
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def addr_literal(host: str) -> str:
    """``host`` (an IP address) as a script ``addr`` constant.

    :raises ValueError: ``host`` is not an IPv4 or IPv6 address.
    """
    ip = ipaddress.ip_address(host)
    return f"[{ip}]" if ip.version == 6 else str(ip)
