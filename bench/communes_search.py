"""Search in the bundled official list of communes (beffroi/territory/official_list.py): loading the file and
building the normalised index once, then one search as typed letter by letter.

Baseline: a search-as-you-type request is sent at each key press; a query must answer well under the 50 ms a
person notices, so the goal is the slowest of the typed queries under 20 ms, and loading under 1 s (once per
process).

    python bench/communes_search.py
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from beffroi.territory import official_list  # noqa: E402

QUERIES = [
    "s",
    "st",
    "st j",
    "st jean",
    "st jean de",
    "saint-jean-de-l",
    "bourg",
    "l'isle",
    "21",
    "2A004",
    "75001",
]


def main() -> None:
    start = time.perf_counter()
    communes = official_list.load()
    loading = time.perf_counter() - start
    print(f"loading {len(communes)} communes and their index: {loading * 1000:.0f} ms (goal < 1000 ms)")
    timings = []
    for query in QUERIES:
        runs = []
        for _ in range(20):
            begin = time.perf_counter()
            communes.search(query)
            runs.append(time.perf_counter() - begin)
        timings.append(statistics.median(runs))
        print(f"  {query!r:20} {statistics.median(runs) * 1000:6.2f} ms (median of 20)")
    print(f"slowest query: {max(timings) * 1000:.2f} ms (goal < 20 ms)")


if __name__ == "__main__":
    main()
