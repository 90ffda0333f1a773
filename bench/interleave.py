"""Two routes of one server measured side by side: `compare`, for `make bench`'s async routes.

Requests go out in bursts, each for one route: 4 keep-alive connections, each asking for the route 10
times, one request at a time, as wrk's connections do; a burst of A, then B, then B, then A, and so on,
each timed from its first byte sent to its last answer's last byte. So both routes meet the machine's
load of the same moment (a burst lasts about a tenth of a second), which wrk runs one after the other
cannot give: under a shared load, two wrk runs of the same route differ by up to a tenth. With 4
connections the server always has a request waiting, as under wrk, so a burst's time is the server's
work on the route rather than the time a lone request spends between the client and the server.

For each round of `seconds`: A's bursts' total time over B's (as many requests), that is B's requests per
second over A's; `ratio` is the median over the rounds. `bad` counts answers other than 200.
"""

import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from urllib.parse import urlsplit

CONNECTIONS = 4
REQUESTS_PER_CONNECTION = 10
REQUESTS_PER_BURST = CONNECTIONS * REQUESTS_PER_CONNECTION


class Connection:
    """An HTTP/1.1 client of one connection, enough for a server that answers with a Content-Length."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def exchange(self, request: bytes) -> int:
        """Sends `request` and reads the whole answer; its status."""
        self.sock.sendall(request)
        data = self.pending
        while (end_of_head := data.find(b"\r\n\r\n")) < 0:
            data += self._receive()
        head = data[:end_of_head].split(b"\r\n")
        lengths = [line.split(b":", 1)[1] for line in head[1:] if line.lower().startswith(b"content-length:")]
        if not lengths:
            raise RuntimeError(f"an answer without Content-Length: {head[0]!r}")
        end = end_of_head + 4 + int(lengths[0])
        while len(data) < end:
            data += self._receive()
        self.pending = data[end:]
        return int(head[0].split()[1])

    def _receive(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        return chunk

    def close(self) -> None:
        self.sock.close()


Route = tuple[str, list[str]]  # a path, and the headers to send with it


def compare(url: str, seconds: int, rounds: int, a: Route, b: Route) -> dict[str, float]:
    """GET requests for routes `a` and `b` of the server at `url`, in bursts in turn, one second of
    warm-up first; see the module. The routes' requests per second are the medians of the rounds'."""
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    with ExitStack() as stack:
        connections = [stack.enter_context(closing(Connection(parts.hostname, parts.port))) for _ in range(CONNECTIONS)]
        pool = stack.enter_context(ThreadPoolExecutor(CONNECTIONS))
        a_message, b_message = (_request(parts.netloc, path, headers) for path, headers in (a, b))
        bad = 0

        def burst(message: bytes) -> int:
            """Nanoseconds for every connection to have asked `message` REQUESTS_PER_CONNECTION times."""
            nonlocal bad
            start = time.perf_counter_ns()
            answers = pool.map(lambda c: [c.exchange(message) for _ in range(REQUESTS_PER_CONNECTION)], connections)
            bad += sum(status != 200 for statuses in answers for status in statuses)
            return time.perf_counter_ns() - start

        def run(duration: float) -> dict[str, int]:
            """The routes' total burst times over `duration` (bursts A B B A A B ...), and the bursts of each."""
            totals = {"a": 0, "b": 0, "bursts": 0}
            order = [("a", a_message), ("b", b_message)]
            deadline = time.monotonic() + duration
            while time.monotonic() < deadline:
                for route, message in order:
                    totals[route] += burst(message)
                totals["bursts"] += 1
                order.reverse()  # neither route always follows the other
            return totals

        run(1)  # warm-up
        bad = 0
        per_round = [run(seconds) for _ in range(rounds)]
    ratios = [totals["a"] / totals["b"] for totals in per_round]

    def rate(route: str) -> float:
        """The route's requests per second, the median of the rounds'."""
        return statistics.median(t["bursts"] * REQUESTS_PER_BURST / (t[route] / 1e9) for t in per_round)

    return {
        "a_per_s": rate("a"),
        "b_per_s": rate("b"),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "requests": sum(2 * t["bursts"] * REQUESTS_PER_BURST for t in per_round),
        "bad": bad,
    }


def _request(host: str, path: str, headers: list[str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", *headers, "", ""]
    return "\r\n".join(lines).encode()
