"""A small HTTP/1.1 load generator on asyncio streams (keep-alive connections, no dependency), shared by the
benchmarks that need latencies per kind of request, which wrk does not give.

Each of `connections` loops draws a request from `next_request()` (a coroutine factory returning a `Call`),
sends it on its own kept-alive connection and records (kind, seconds, ok). Responses are read whole
(Content-Length or chunked)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Call:
    kind: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    expect: tuple[int, ...] = (200,)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, call: Call, timeout: float = 10.0) -> Response:
        try:
            return await asyncio.wait_for(self._request(call), timeout)
        except BaseException:
            await self.close()
            raise

    async def _request(self, call: Call) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{call.method} {call.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        headers = {"User-Agent": "beffroi-bench", **call.headers}
        if call.body or call.method == "POST":
            headers["Content-Length"] = str(len(call.body))
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + call.body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed by the server")
        status = int(status_line.split()[1])
        received: dict[str, str] = {}
        cookies: list[str] = []
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "set-cookie":
                cookies.append(value.strip())
            received[name.strip().lower()] = value.strip()
        if cookies:
            received["set-cookie"] = "\n".join(cookies)
        if received.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            body = b"".join(chunks)
        elif "content-length" in received:
            body = await self.reader.readexactly(int(received["content-length"]))
        else:
            body = await self.reader.read()
            await self.close()
        if received.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, received, body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, str] = field(default_factory=dict)  # one example of each kind's error
    elapsed: float = 0.0
    server_cpu: float = 0.0  # seconds of CPU the server used during the run (set by the caller)
    database_cpu: float | None = None  # the same for the database server, when known
    client_cpu: float = 0.0  # the same for the process generating the load

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        self.latencies[kind].append(seconds)
        if error:
            self.errors[kind] += 1
            self.samples.setdefault(kind, error)


Step = Callable[[Connection, Results], Awaitable[None]]


async def run(
    host: str, port: int, *, connections: int, duration: float, step: Step, results: Results | None = None
) -> Results:
    """Run `connections` loops for `duration` seconds, each calling `step(connection, results)` again and
    again; a step times and records its own requests (a vote is a GET then a POST)."""
    results = results or Results()
    deadline = time.monotonic() + duration

    async def loop() -> None:
        connection = Connection(host, port)
        while time.monotonic() < deadline:
            await step(connection, results)
        await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(connections)))
    results.elapsed = time.monotonic() - started
    return results


async def timed(connection: Connection, call: Call, results: Results) -> Response | None:
    """Send one call, record its latency and whether it failed (status not expected, or no answer)."""
    started = time.perf_counter()
    try:
        response = await connection.request(call)
    except (TimeoutError, OSError, ConnectionError, ValueError, IndexError) as exc:
        results.record(call.kind, time.perf_counter() - started, f"{type(exc).__name__} {call.path}")
        return None
    error = None
    if response.status not in call.expect:
        error = f"{response.status} {call.method} {call.path}: {response.body[:200]!r}"
    results.record(call.kind, time.perf_counter() - started, error)
    return response if error is None else None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
