"""Requests/s and p50/p95 latency of the commune home page served by `beffroi serve`.

50 concurrent connections for 20 s with wrk (Debian package), against a fresh demo data directory.
Goal on a 2-core machine: p95 < 100 ms with zero errors.

    python bench/http_pages.py [--duration 20] [--connections 50] [--path /valbourg/]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from _processes import free_port, wait_until_up  # noqa: E402

BEFFROI = str(ROOT / ".venv" / "bin" / "beffroi")
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d errors=%d non2xx=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""
GOAL_P95_MS = 100.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--path", default="/valbourg/")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")
    data_dir = tempfile.mkdtemp(prefix="beffroi-bench-")
    env = {**os.environ, "BEFFROI_DATA_DIR": data_dir, "BEFFROI_HTTPS": "0", "DEBUG": "0"}
    subprocess.run([BEFFROI, "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(
        [BEFFROI, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = f"http://127.0.0.1:{port}{args.path}"
        wait_until_up(url, process=server)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(LUA)
        subprocess.run(["wrk", "-t2", "-c10", "-d3s", url], check=True, capture_output=True)  # warm-up
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--timeout",
                "5s",
                "-s",
                lua.name,
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
    fields = dict(re.findall(r"(\w+)=(\d+)", out.split("RESULT", 1)[1]))
    requests, duration = int(fields["requests"]), int(fields["duration_us"]) / 1e6
    p50, p95, p99 = (int(fields[k]) / 1000 for k in ("p50_us", "p95_us", "p99_us"))
    errors = int(fields["errors"]) + int(fields["non2xx"])
    print(
        f"GET {args.path} — {args.connections} connections, {args.duration} s, beffroi serve ({os.cpu_count()} cores)"
    )
    print(f"  requests/s : {requests / duration:8.1f}")
    print(f"  p50        : {p50:8.1f} ms")
    print(
        f"  p95        : {p95:8.1f} ms   (goal < {GOAL_P95_MS:.0f} ms: {'met' if p95 < GOAL_P95_MS else 'NOT met'})"
    )
    print(f"  p99        : {p99:8.1f} ms")
    print(f"  errors     : {errors:8d}     (goal 0)")
    sys.exit(0)


if __name__ == "__main__":
    main()
