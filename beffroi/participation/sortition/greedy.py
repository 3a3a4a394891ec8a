"""The greedy baseline: draw panelists one at a time, uniformly among those who keep the quotas feasible.

This is the « LEGACY »-style method the LEXIMIN paper compares against (Flanigan et al., Nature 596, 2021): at
each step every volunteer not yet drawn whose selection still leaves some way to complete a quota-satisfying
panel is equally likely. Its selection probabilities have no closed form; they are estimated by simulating the
draw many times with a seeded generator (same seed, same estimate). Members of a group are symmetric for the
method, so a volunteer's probability is the expected number drawn from its group divided by the group's size.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import highspy
import numpy as np

from beffroi.participation.sortition.model import Pool, Quotas, Volunteer, build_pool
from beffroi.participation.sortition.programs import check_feasible, new_highs

DEFAULT_RUNS = 1000


class _Completion:
    """Which groups can give the next panelist: a panel completing the current draw must exist after it.

    The integer program has z_g (how many more to take from group g) and a binary b_g ≤ z_g; maximising the
    number of b_g over the groups not yet known finds, in a few solves, a completion for every group that has
    one. Each completion is kept as the certificate for the state after drawing from that group.
    """

    def __init__(self, pool: Pool):
        self.pool = pool
        n = len(pool.groups)
        self.n = n
        self.rows_of = [[r for r, row in enumerate(pool.rows) if g in row[4]] for g in range(n)]
        self.category_rows = [
            [r for r, row in enumerate(pool.rows) if row[0] == category] for category in pool.categories
        ]
        self.rows_of_set = [{r for r, row in enumerate(pool.rows) if g in row[4]} for g in range(n)]
        self.available = [sum(pool.groups[g].size for g in row[4]) for row in pool.rows]
        self.highs = highs = new_highs()
        for _ in range(n):
            highs.addVar(0.0, 0.0)
        for _ in range(n):
            highs.addVar(0.0, 1.0)
        highs.changeColsIntegrality(
            2 * n, np.arange(2 * n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * (2 * n))
        )
        highs.addRow(0.0, 0.0, n, np.arange(n, dtype=np.int32), np.ones(n))
        for _, _, _, _, members in pool.rows:
            highs.addRow(0.0, 0.0, len(members), np.array(members, dtype=np.int32), np.ones(len(members)))
        for g in range(n):
            highs.addRow(
                -highspy.kHighsInf, 0.0, 2, np.array([n + g, g], dtype=np.int32), np.array([1.0, -1.0])
            )
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)

    def certificates(
        self, taken: Sequence[int], hint: tuple[int, ...] | None = None
    ) -> dict[int, tuple[int, ...]]:
        """For each group that can give the next panelist, a completion z of the draw with z_g ≥ 1.

        `hint`, a completion already known (the previous step's, less the panelist drawn), is tried first and
        repaired by one swap (one seat moved from a group to another) before any integer program is solved.
        """
        pool, n = self.pool, self.n
        remaining = [g.size - t for g, t in zip(pool.groups, taken, strict=True)]
        inside = [sum(taken[g] for g in members) for _, _, _, _, members in pool.rows]
        found: dict[int, tuple[int, ...]] = {}
        seats = pool.k - sum(taken) - 1
        unknown = set()
        for g in range(n):
            # Each category alone must still be completable after drawing from g (cheap, no program needed).
            if remaining[g] > 0 and self._each_category_completes(inside, g, seats):
                unknown.add(g)
        if hint is not None:
            for g in list(unknown):
                if hint[g] >= 1:
                    found[g] = hint
                    unknown.discard(g)
            givers = [h for h in range(n) if hint[h] >= 1]
            rows = pool.rows
            # The full panel taken + hint meets the quotas; moving a seat from h to g changes only the rows
            # of their differing features.
            full = [inside[r] + sum(hint[g] for g in row[4]) for r, row in enumerate(rows)]
            for g in sorted(unknown):
                if hint[g] >= remaining[g]:
                    continue
                gains = [r for r in self.rows_of[g] if full[r] + 1 > rows[r][3]]
                for h in givers:
                    if any(r not in self.rows_of_set[h] for r in gains):
                        continue
                    if any(full[r] - 1 < rows[r][2] for r in self.rows_of[h] if r not in self.rows_of_set[g]):
                        continue
                    candidate = list(hint)
                    candidate[g] += 1
                    candidate[h] -= 1
                    found[g] = tuple(candidate)
                    unknown.discard(g)
                    break
        hard = set()
        for g in sorted(unknown):
            after = list(taken)
            after[g] += 1
            outcome = self._search(after)
            if isinstance(outcome, tuple):
                found[g] = tuple(c + (h == g) for h, c in enumerate(outcome))
            elif outcome is None:
                hard.add(g)
        if hard:
            found.update(self._solve(taken, remaining, inside, hard))
        return found

    def _search(self, taken: Sequence[int]) -> tuple[int, ...] | bool | None:
        """A completion of `taken` by depth-first search over the groups (pruned category by category), False if
        there is none, None if the search grew too large (the integer program then decides)."""
        pool, n = self.pool, self.n
        rows = pool.rows
        remaining = [g.size - t for g, t in zip(pool.groups, taken, strict=True)]
        count = [sum(taken[g] for g in members) for _, _, _, _, members in rows]
        if any(c > row[3] for c, row in zip(count, rows, strict=True)):
            return False
        # suffix[i][r]: volunteers still available for row r in groups i, i+1, …
        suffix = [[0] * len(rows) for _ in range(n + 1)]
        for i in range(n - 1, -1, -1):
            suffix[i] = list(suffix[i + 1])
            for r in self.rows_of[i]:
                suffix[i][r] += remaining[i]
        categories = self.category_rows
        failed: set[tuple[int, int, tuple[int, ...]]] = set()
        z = [0] * n
        budget = [20_000]

        def possible(i: int, seats: int) -> bool:
            for members in categories:
                need = room = 0
                for r in members:
                    lo, hi = rows[r][2], rows[r][3]
                    if lo - count[r] > suffix[i][r]:
                        return False
                    need += max(0, lo - count[r])
                    room += min(hi - count[r], suffix[i][r])
                if not need <= seats <= room:
                    return False
            return True

        def walk(i: int, seats: int) -> bool | None:
            if seats == 0:
                return all(count[r] >= rows[r][2] for r in range(len(rows)))
            if i == n:
                return False
            key = (i, seats, tuple(count))
            if key in failed:
                return False
            budget[0] -= 1
            if budget[0] < 0:
                return None
            for x in range(min(remaining[i], seats), -1, -1):
                if any(count[r] + x > rows[r][3] for r in self.rows_of[i]):
                    continue
                for r in self.rows_of[i]:
                    count[r] += x
                z[i] = x
                result = possible(i + 1, seats - x) and walk(i + 1, seats - x)
                for r in self.rows_of[i]:
                    count[r] -= x
                if result is None:
                    return None
                if result:
                    return True
            z[i] = 0
            failed.add(key)
            return False

        seats = pool.k - sum(taken)
        if not possible(0, seats):
            return False
        result = walk(0, seats)
        if result is None:
            return None
        if not result:
            return False
        return tuple(z) if self._completes(taken, z) else None

    def _each_category_completes(self, inside: Sequence[int], g: int, seats: int) -> bool:
        need: dict[str, int] = {}
        room: dict[str, int] = {}
        for r, (category, _, lo, hi, _) in enumerate(self.pool.rows):
            count = inside[r] + (1 if r in self.rows_of_set[g] else 0)
            if count > hi:
                return False
            need[category] = need.get(category, 0) + max(0, lo - count)
            room[category] = room.get(category, 0) + min(hi, self.available[r]) - count
        return all(need[c] <= seats <= room[c] for c in need)

    def _completes(self, taken: Sequence[int], z: Sequence[int]) -> bool:
        total = [t + c for t, c in zip(taken, z, strict=True)]
        return self.pool.meets_quotas(total)

    def _solve(
        self, taken: Sequence[int], remaining: Sequence[int], inside: Sequence[int], unknown: set[int]
    ) -> dict[int, tuple[int, ...]]:
        pool, n, highs = self.pool, self.n, self.highs
        seats = pool.k - sum(taken)
        highs.changeColsBounds(n, np.arange(n, dtype=np.int32), np.zeros(n), np.array(remaining, dtype=float))
        highs.changeRowBounds(0, float(seats), float(seats))
        for r, (_, _, lo, hi, _) in enumerate(pool.rows):
            highs.changeRowBounds(1 + r, float(lo - inside[r]), float(hi - inside[r]))
        found: dict[int, tuple[int, ...]] = {}
        while unknown:
            costs = [0.0] * n + [1.0 if g in unknown else 0.0 for g in range(n)]
            highs.changeColsCost(2 * n, np.arange(2 * n, dtype=np.int32), np.array(costs))
            highs.run()
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
            z = tuple(round(v) for v in list(highs.getSolution().col_value)[:n])
            newly = [g for g in unknown if z[g] >= 1]
            if not newly:
                break
            for g in newly:
                found[g] = z
                unknown.discard(g)
        return found


def greedy_probabilities(
    volunteers: Sequence[Volunteer],
    quotas: Quotas,
    k: int,
    *,
    runs: int = DEFAULT_RUNS,
    seed: int | str = 0,
) -> dict[str, float]:
    """Each volunteer's selection probability under the greedy draw, estimated over `runs` seeded draws.

    The estimate's standard error is at most 0.5/√runs (0.016 for 1,000 runs). Raises like `leximin` on bad
    input or infeasible quotas.
    """
    pool = build_pool(volunteers, quotas, k)
    check_feasible(pool)
    group_probabilities = greedy_group_probabilities(pool, runs=runs, seed=seed)
    return {vid: group_probabilities[g] for g, group in enumerate(pool.groups) for vid in group.ids}


def greedy_group_probabilities(pool: Pool, *, runs: int = DEFAULT_RUNS, seed: int | str = 0) -> list[float]:
    """The greedy draw's probability for a member of each group (see `greedy_probabilities`)."""
    if runs <= 0:
        raise ValueError("runs must be positive")
    rng = random.Random(str(seed))
    completion = _Completion(pool)
    # state (counts drawn per group) → [(group, weight, completion after drawing from it)]
    memo: dict[tuple[int, ...], list[tuple[int, int, tuple[int, ...]]]] = {}
    n = len(pool.groups)
    totals = [0] * n
    for _ in range(runs):
        taken = [0] * n
        hint: tuple[int, ...] | None = None
        for _step in range(pool.k):
            state = tuple(taken)
            choices = memo.get(state)
            if choices is None:
                found = completion.certificates(taken, hint)
                # A volunteer is drawn uniformly, so a group weighs its members not yet drawn.
                choices = [
                    (g, pool.groups[g].size - taken[g], tuple(c - (h == g) for h, c in enumerate(found[g])))
                    for g in sorted(found)
                ]
                memo[state] = choices
            if not choices:  # cannot happen when the quotas are feasible: the previous step kept a completion
                raise RuntimeError("le tirage glouton n'a plus de volontaire admissible")
            ticket = rng.randrange(sum(w for _, w, _ in choices))
            for g, w, after in choices:
                if ticket < w:
                    taken[g] += 1
                    hint = after
                    break
                ticket -= w
        for g in range(n):
            totals[g] += taken[g]
    return [totals[g] / (runs * pool.groups[g].size) for g in range(n)]
