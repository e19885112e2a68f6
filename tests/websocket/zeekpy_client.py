"""zeekpy (unmodified, from PyPI) against zscript's WebSocket server.

Run by tests/test_websocket.py with ``TZ=UTC`` (zeekpy reads zone-less times
as local time)::

    python zeekpy_client.py URL

Subscribes to ``zscript.test.ws.client.zeekpy``, publishes ``Test::hello``
(one argument of each kind, in zeekpy's own encodings: float-nanosecond
intervals, microsecond times with ``+00:00``) to the worker's topic, waits
for the worker's ``Test::reply`` and prints what it got as one JSON line.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import sys

import zeekpy


def main(url: str) -> None:
    client = zeekpy.Zeek(
        url, topics=["zscript.test.ws.client.zeekpy"], app_name="zeekpy-test", timeout=20
    )
    got: dict = {}

    @client.on("Test::reply")
    def reply(
        msg: str, n: zeekpy.count, t: datetime.datetime, iv: datetime.timedelta, d: float
    ) -> None:
        got.update(msg=msg, n=n, t=t.isoformat(), iv=iv.total_seconds(), d=d)
        client.stop()

    when = datetime.datetime(2025, 1, 2, 3, 4, 5, 678123, tzinfo=datetime.UTC)
    args = [
        "from zeekpy",
        zeekpy.count(41),
        -3,
        2.25,
        when,
        datetime.timedelta(seconds=1.5),
        ipaddress.IPv4Address("192.0.2.9"),
        ipaddress.IPv4Network("10.1.0.0/16"),
        zeekpy.port(8080, "udp"),
        zeekpy.enum("Test::RED"),
        {"b"},
        {"k": zeekpy.count(7)},
        [1, 2, 3],
        (zeekpy.count(5), "note"),
    ]
    with client:
        got.update(endpoint=client.endpoint, version=client.version)
        client.publish("zscript.test.ws.worker", "Test::hello", args)
        client.consume(timeout=20)
    print(json.dumps(got), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
