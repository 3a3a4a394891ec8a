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

    def certificates(self, taken: Sequence[int]) -> dict[int, tuple[int, ...]]:
        """For each group that can give the next panelist, a completion z of the draw with z_g ≥ 1."""
        pool, n, highs = self.pool, self.n, self.highs
        remaining = [g.size - t for g, t in zip(pool.groups, taken, strict=True)]
        seats = pool.k - sum(taken)
        highs.changeColsBounds(n, np.arange(n, dtype=np.int32), np.zeros(n), np.array(remaining, dtype=float))
        highs.changeRowBounds(0, float(seats), float(seats))
        for r, (_, _, lo, hi, members) in enumerate(pool.rows):
            inside = sum(taken[g] for g in members)
            highs.changeRowBounds(1 + r, float(lo - inside), float(hi - inside))
        unknown = {g for g in range(n) if remaining[g] > 0}
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
    memo: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    n = len(pool.groups)
    totals = [0] * n
    for _ in range(runs):
        taken = [0] * n
        for _step in range(pool.k):
            state = tuple(taken)
            choices = memo.get(state)
            if choices is None:
                found = completion.certificates(taken)
                # (group, weight): a volunteer is drawn uniformly, so a group weighs its members not yet drawn.
                choices = [(g, pool.groups[g].size - taken[g]) for g in sorted(found)]
                memo[state] = choices
            if not choices:  # cannot happen when the quotas are feasible: the previous step kept a completion
                raise RuntimeError("le tirage glouton n'a plus de volontaire admissible")
            ticket = rng.randrange(sum(w for _, w in choices))
            for g, w in choices:
                if ticket < w:
                    taken[g] += 1
                    break
                ticket -= w
        for g in range(n):
            totals[g] += taken[g]
    return [totals[g] / (runs * pool.groups[g].size) for g in range(n)]
