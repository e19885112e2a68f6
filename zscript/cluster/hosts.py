"""Which nodes of a layout run on this host.

A layout places every node on an IP address (its ``host``).  ``zscript
cluster start`` on one machine starts the nodes whose address belongs to
that machine, so the same layout file, copied to every host, starts each
host's share of the cluster.  An address belongs to this host when a socket
can be bound to it (:func:`is_local_address`; the kernel answers
``EADDRNOTAVAIL`` for anybody else's), which also holds inside a network
namespace, and for all of 127.0.0.0/8 on Linux.

``--host`` names the host instead: an address of the layout, or a name
that resolves to some (``/etc/hosts``, DNS).  Several hosts on one machine
(a layout on 127.0.0.1 and 127.0.0.2, say) are started one ``--host`` at a
time, each in a run directory of its own.
"""

from __future__ import annotations

import errno
import ipaddress
import socket

from .layout import Layout, LayoutError

__all__ = ["is_local_address", "resolve_host", "select_nodes"]


def is_local_address(addr: str) -> bool:
    """Whether ``addr`` is an address of this host (of this network namespace)."""
    ip = ipaddress.ip_address(addr)
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((str(ip), 0))
        except OSError as e:
            # Another error (no IPv6 at all, ...) also means "not here".
            return e.errno == errno.EADDRINUSE
    return True


def resolve_host(name: str) -> set[str]:
    """The addresses ``name`` stands for: itself if it is one, else what it resolves to.

    :raises LayoutError: the name does not resolve.
    """
    try:
        return {str(ipaddress.ip_address(name))}
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as e:
        raise LayoutError(f"--host {name}: not an address, and it does not resolve ({e})") from None
    return {str(ipaddress.ip_address(info[4][0])) for info in infos}


def select_nodes(layout: Layout, hosts: list[str] | None = None) -> list[str]:
    """Names of the nodes to run here, in layout order.

    Without ``hosts``: every node whose address is local.  With it: every
    node on one of those hosts' addresses.

    :raises LayoutError: no node of the layout would run here (the message
        lists the layout's hosts).
    """
    if hosts:
        wanted: set[str] = set()
        for h in hosts:
            wanted |= resolve_host(h)
        chosen = [n.name for n in layout.nodes.values() if n.host in wanted]
        why = f"on {', '.join(hosts)}"
    else:
        local = {a: is_local_address(a) for a in {n.host for n in layout.nodes.values()}}
        chosen = [n.name for n in layout.nodes.values() if local[n.host]]
        why = "on an address of this host"
    if not chosen:
        addrs = sorted({n.host for n in layout.nodes.values()})
        raise LayoutError(
            f"no node of the layout is {why} (the layout's hosts: {', '.join(addrs)}); "
            "name the host with --host"
        )
    return chosen


#: Seconds ``zscript cluster status`` waits for the manager's answer.
ASK_TIMEOUT = 3.0


def manager_url(layout: Layout) -> str | None:
    """Where the manager serves its view of the cluster (``/cluster.json`` on
    its metrics endpoint), or None when it has no metrics port."""
    m = layout.manager
    if not m.metrics_port:
        return None
    host = f"[{m.host}]" if ":" in m.host else m.host
    return f"http://{host}:{m.metrics_port}/cluster.json"


def ask_manager(layout: Layout, timeout: float = ASK_TIMEOUT) -> tuple[dict | None, str]:
    """The manager's view of the cluster (every node it knows, up or down) and
    ``""``; or None and why it could not be had."""
    import json
    import urllib.error
    import urllib.request

    url = manager_url(layout)
    if url is None:
        return None, f"the manager ({layout.manager.name}) has no metrics_port in the layout"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - http only
            view = json.loads(r.read())
    except (OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        return None, f"cannot ask the manager at {url}: {reason}"
    if not isinstance(view, dict) or not isinstance(view.get("nodes"), list):
        return None, f"the manager at {url} answered something else than its view"
    return view, ""
