"""Requests/s and p95 through nginx with one and with two app servers (docs/operations.md, « Beyond one
machine »), on the loopback topology of bench/_topology.py: nginx, `beffroi serve` processes of one worker
(four threads) each, pgbouncer, a PostgreSQL primary and its streaming replica serving the read paths.

wrk (Debian package), N connections for D seconds per path and step. On a 2-core machine a second app server
adds no core: the figure to watch is that nginx and a second process cost nothing and fail nothing; on two
machines each server brings its cores. Baseline: a village's one `beffroi serve` on SQLite, bench/http_pages.py.

    python bench/topology.py [--duration 15] [--connections 20]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._topology import Topology  # noqa: E402

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d errors=%d non2xx=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""
GOAL_P95_MS = 200.0  # issue #17's goal for pages and API reads


def wrk(url: str, *, duration: int, connections: int, script: Path) -> dict[str, int]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"RESULT (.*)", out)
    if match is None:
        raise SystemExit(out)
    return {key: int(value) for key, value in (item.split("=") for item in match[1].split())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument(
        "--http-port", type=int, default=int(os.environ.get("BEFFROI_TOPOLOGY_HTTP_PORT", "8130"))
    )
    parser.add_argument(
        "--pg-port", type=int, default=int(os.environ.get("BEFFROI_TOPOLOGY_PG_PORT", "55131"))
    )
    args = parser.parse_args()
    for tool in ("wrk", "nginx", "pgbouncer"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: scripts/system-deps.sh --bench")
    root = Path(tempfile.mkdtemp(prefix="beffroi-topology-"))
    root.chmod(0o755)
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(LUA)
    topology = Topology(
        root / "region", http_port=args.http_port, pg_port=args.pg_port, app_servers=2, communes=3
    )
    # (in the region, the first two read the replica, the home page the primary)
    paths = {
        "Open311 requests.json": "/open311/v2/requests.json?jurisdiction_id=commune-1",
        "data dashboard": "/commune-1/donnees/",
        "home page": "/commune-1/",
    }

    def measure(step: str, base: str) -> None:
        for label, path in paths.items():
            wrk(base + path, duration=2, connections=args.connections, script=script)  # warm-up
            r = wrk(base + path, duration=args.duration, connections=args.connections, script=script)
            rate = r["requests"] / (r["duration_us"] / 1e6)
            print(
                f"{step}, {label}: {rate:.0f} req/s, p50 {r['p50_us'] / 1000:.0f} ms, "
                f"p95 {r['p95_us'] / 1000:.0f} ms, errors {r['errors'] + r['non2xx']}"
            )

    print(f"{args.connections} connections, {args.duration} s per path; goal p95 < {GOAL_P95_MS:.0f} ms")
    try:
        # the village: one `beffroi serve` on SQLite, no proxy, the same communes
        village = Topology(root / "village", http_port=args.http_port, pg_port=args.pg_port, communes=3)
        server = village.start_village()
        try:
            measure("village: 1 app server, SQLite, no proxy", f"http://127.0.0.1:{village.app_port(0)}")
        finally:
            village.stop()
            server.wait()
        topology.start()
        for servers in (1, 2):
            topology.set_upstreams(servers)
            measure(
                f"region: nginx → {servers} app server(s), PostgreSQL + replica + pgbouncer", topology.url
            )
    finally:
        topology.stop()
        script.unlink()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
