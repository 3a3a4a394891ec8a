"""The benchmarks' look at their server processes: a free port, waiting for a server to answer, and the CPU time
and memory of a process with all its descendants (read from /proc)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 120, process: subprocess.Popen | None = None) -> None:
    """Until `url` answers 200; stops early when the server's `process` has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 — loopback only
                if response.status == 200:
                    return
        except OSError:
            if process is not None and process.poll() is not None:
                raise SystemExit(
                    f"the server stopped (exit {process.returncode}) before answering {url}"
                ) from None
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def tree_pids(pids: list[int]) -> list[int]:
    """These processes and all their descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    stack, seen = list(pids), set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack.extend(children.get(pid, []))
    return sorted(seen)


def tree_rss_kb(pids: list[int]) -> int:
    """Resident memory (kB) of these processes and all their descendants."""
    total = 0
    for pid in tree_pids(pids):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def tree_cpu_seconds(pids: list[int], with_reaped: bool = False) -> float:
    """CPU time (user + system) used so far by these processes and their living descendants; `with_reaped`
    adds what their children that have ended used (a database server's short-lived connections)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in tree_pids(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if with_reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / ticks
