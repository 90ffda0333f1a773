"""Two routes of one server measured side by side, request by request; printed as one JSON object.

    python bench/interleave.py URL SECONDS:ROUNDS A_PATH B_PATH [B_HEADER ...]

One keep-alive connection sends A, then B, then B, then A, and so on, one request at a time, and times
each from the first byte sent to the last byte of the answer. So both routes meet the machine's load of
the same moment, which runs of wrk one after another cannot give: under a shared load, two wrk runs of
the same route differ by up to a tenth. One connection, because a request that waits in a queue behind
the other route's waits as long whichever route it is for: the more connections, the less a difference
in the routes' own time shows.

For each round of SECONDS: the median time of each route; `ratio`, the median over the ROUNDS of A's
median / B's, is B's requests per second over A's. `bad` counts answers other than 200.
"""

import json
import socket
import statistics
import sys
import time
from urllib.parse import urlsplit


class Connection:
    """An HTTP/1.1 client of one connection, enough for a server that answers with a Content-Length."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def exchange(self, request: bytes) -> tuple[int, int]:
        """Sends `request`, reads the whole answer: its status and the nanoseconds it took."""
        start = time.perf_counter_ns()
        self.sock.sendall(request)
        data = self.pending
        while (end_of_head := data.find(b"\r\n\r\n")) < 0:
            data += self._receive()
        head = data[:end_of_head].split(b"\r\n")
        status = int(head[0].split()[1])
        lengths = [line.split(b":", 1)[1] for line in head[1:] if line.lower().startswith(b"content-length:")]
        if not lengths:
            raise RuntimeError(f"an answer without Content-Length: {head[0]!r}")
        end = end_of_head + 4 + int(lengths[0])
        while len(data) < end:
            data += self._receive()
        elapsed = time.perf_counter_ns() - start
        self.pending = data[end:]
        return status, elapsed

    def _receive(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        return chunk


def request(host: str, path: str, headers: list[str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", *headers, "", ""]
    return "\r\n".join(lines).encode()


def compare(url: str, seconds: int, rounds: int, a: bytes, b: bytes) -> dict[str, float]:
    """Requests `a` and `b` (made by `request`) in turn, one second of warm-up first; see the module."""
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    connection = Connection(parts.hostname, parts.port)
    bad = 0

    def run(duration: float) -> dict[str, list[int]]:
        nonlocal bad
        times: dict[str, list[int]] = {"a": [], "b": []}
        order = [("a", a), ("b", b)]
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            for route, message in order:
                status, elapsed = connection.exchange(message)
                bad += status != 200
                times[route].append(elapsed)
            order.reverse()  # A B B A A B ...: neither route always follows the other
        return times

    run(1)  # warm-up
    bad = 0
    medians = []
    requests = 0
    for _ in range(rounds):
        times = run(seconds)
        requests += sum(len(ns) for ns in times.values())
        medians.append({route: statistics.median(ns) / 1000 for route, ns in times.items()})
    connection.sock.close()
    ratios = [m["a"] / m["b"] for m in medians]
    return {
        "a_us": statistics.median(m["a"] for m in medians),
        "b_us": statistics.median(m["b"] for m in medians),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "requests": requests,
        "bad": bad,
    }


def main() -> None:
    url, plan, a_path, b_path, *b_headers = sys.argv[1:]
    seconds, rounds = map(int, plan.split(":"))
    host = urlsplit(url).netloc
    figures = compare(url, seconds, rounds, request(host, a_path, []), request(host, b_path, b_headers))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
