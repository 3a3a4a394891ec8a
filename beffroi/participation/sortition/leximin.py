"""LEXIMIN: the fairest distribution over panels that meet the quotas.

Flanigan, Gölz, Gupta, Hennig, Procaccia, « Fair algorithms for selecting citizens' assemblies », Nature 596
(2021), Methods « LEXIMIN »: among all probability distributions over quota-satisfying panels, maximise the
smallest selection probability of any volunteer, then, keeping it, the second smallest, and so on.

Each stage solves, by column generation, the dual linear program of the paper

    minimise ŷ − Σ_{i fixed} p_i · y_i   subject to   Σ_{i ∈ P} y_i ≤ ŷ for every panel P in hand,
                                                     Σ_{i not fixed} y_i = 1,  y ≥ 0,

then prices a new panel by an integer program (the panel maximising Σ_{i ∈ P} y_i). When no panel beats ŷ
(up to the tolerance), the stage's value is optimal: (max_P Σ_{i∈P} y_i, y) is feasible for the dual over *all*
panels, so `max_P Σ y_i − Σ p_i y_i` (with HiGHS' proven MIP bound for the max) bounds the best achievable
value from above, while the restricted primal reaches ŷ − Σ p_i y_i. The volunteers with a positive dual value
cannot all do better: their probability is fixed at the stage's value and the next stage starts.

Volunteers with the same features in every category are interchangeable (`model.Group`); the leximin-optimal
probability vector is unique, so it gives them the same probability, and the programs work on the groups: a
panel is the number it takes from each group, y is one value per group (weighted by 1/size in the panel sums).
This is the same LP and the same optimum as the paper's, on a few dozen variables instead of thousands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import highspy
import numpy as np

from beffroi.participation.sortition.model import Pool, Quotas, Volunteer, build_pool
from beffroi.participation.sortition.programs import INF, PanelProgram, check_feasible, new_highs

TOLERANCE = 1e-7  # a stage ends when no panel improves the dual by more than this
FIX_THRESHOLD = 1e-9  # a dual value above this marks a group whose probability the stage fixes


@dataclass(frozen=True)
class Distribution:
    """A LEXIMIN distribution over quota-satisfying panels.

    `compositions[j]` is a panel given as the number of volunteers it takes from each of `pool.groups`, drawn
    with probability `composition_weights[j]`; inside a group the members are drawn uniformly. `panels` and
    `weights` spell the same distribution out volunteer by volunteer (exactly, see `panels`).
    `probabilities` maps each volunteer id to its selection probability; `min_probability` is the smallest;
    `upper_bound` is the dual bound proving that no distribution does better for the minimum, `gap` the
    difference (≤ 1e-4 is the project's goal, usually ~1e-9). `stages` and `columns` count the work done.
    """

    pool: Pool
    compositions: tuple[tuple[int, ...], ...]
    composition_weights: tuple[float, ...]
    probabilities: dict[str, float]
    min_probability: float
    upper_bound: float
    gap: float
    stages: int = 0
    columns: int = 0
    group_probabilities: tuple[float, ...] = field(default=())

    @property
    def k(self) -> int:
        return self.pool.k

    @cached_property
    def _expanded(self) -> tuple[tuple[tuple[str, ...], ...], tuple[float, ...]]:
        panels: list[tuple[str, ...]] = []
        weights: list[float] = []
        for counts, weight in zip(self.compositions, self.composition_weights, strict=True):
            for panel, share in expand_composition(self.pool, counts):
                panels.append(panel)
                weights.append(weight * float(share))
        return tuple(panels), tuple(weights)

    @property
    def panels(self) -> tuple[tuple[str, ...], ...]:
        """The distribution's panels, volunteer ids sorted, each drawn with `weights[i]`.

        Exact: inside a group of n of which a composition takes c, the panels rotate over the n/gcd(n, c)
        cyclic windows of c consecutive members (ids sorted), each window with the same share, so each member
        is in exactly c/n of them. The windows of all groups are combined on a common time line, which for a
        large pool makes a long list: the lottery (`round_to_lottery`) is what a draw uses.
        """
        return self._expanded[0]

    @property
    def weights(self) -> tuple[float, ...]:
        return self._expanded[1]


def expand_composition(pool: Pool, counts: Sequence[int]) -> list[tuple[tuple[str, ...], Fraction]]:
    """One composition as panels of volunteers with their exact shares (adding up to 1); see `panels`."""
    periods = []
    for group, c in zip(pool.groups, counts, strict=True):
        periods.append(group.size // math.gcd(group.size, c) if 0 < c < group.size else 1)
    cuts = sorted({Fraction(s, p) for p in set(periods) for s in range(p + 1)})
    result = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        middle = (start + end) / 2
        members: list[str] = []
        for group, c, period in zip(pool.groups, counts, periods, strict=True):
            window = math.floor(middle * period)
            members.extend(group.ids[(window * c + r) % group.size] for r in range(c))
        result.append((tuple(sorted(members)), end - start))
    return result


def leximin(
    volunteers: Sequence[Volunteer], quotas: Quotas, k: int, *, tolerance: float = TOLERANCE
) -> Distribution:
    """The LEXIMIN distribution for a pool, quotas and panel size k (see the module docstring).

    Raises `SortitionError` for a bad pool and `InfeasibleQuotas` (naming the category) when no panel of size k
    meets the quotas.
    """
    pool = build_pool(volunteers, quotas, k)
    program = check_feasible(pool)
    return leximin_pool(pool, program, tolerance=tolerance)


class _DualProgram:
    """The restricted dual LP of a stage: column 0 is ŷ (free), column 1+g is y_g; row 0 is Σ_{unfixed} y = 1,
    row 1+j is the constraint of composition j."""

    def __init__(self, sizes: Sequence[int]):
        self.sizes = sizes
        n = len(sizes)
        self.highs = highs = new_highs()
        highs.addVar(-INF, INF)
        for _ in sizes:
            highs.addVar(0.0, INF)
        highs.changeColCost(0, 1.0)
        highs.addRow(1.0, 1.0, n, np.arange(1, n + 1, dtype=np.int32), np.ones(n))

    def add_composition(self, counts: Sequence[int]) -> None:
        index = [0] + [1 + g for g, c in enumerate(counts) if c]
        values = [-1.0] + [c / self.sizes[g] for g, c in enumerate(counts) if c]
        self.highs.addRow(-INF, 0.0, len(index), np.array(index, dtype=np.int32), np.array(values))

    def fix(self, group: int, probability: float) -> None:
        self.highs.changeCoeff(0, 1 + group, 0.0)
        self.highs.changeColCost(1 + group, -probability)

    def solve(self) -> tuple[float, list[float], float]:
        """ŷ, y per group, and the objective value."""
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS n'a pas résolu le programme dual de LEXIMIN ({status})")
        values = list(self.highs.getSolution().col_value)
        return (
            values[0],
            [max(0.0, v) for v in values[1:]],
            float(self.highs.getInfo().objective_function_value),
        )


def leximin_pool(pool: Pool, program: PanelProgram, *, tolerance: float = TOLERANCE) -> Distribution:
    """LEXIMIN on a checked pool whose quotas are feasible (`check_feasible` returned `program`)."""
    sizes = [g.size for g in pool.groups]
    n = len(sizes)
    compositions: list[tuple[int, ...]] = []
    known: set[tuple[int, ...]] = set()
    fixed: dict[int, float] = {}

    def add(counts: tuple[int, ...]) -> bool:
        if counts in known:
            return False
        known.add(counts)
        compositions.append(counts)
        dual.add_composition(counts)
        return True

    dual = _DualProgram(sizes)
    # Initial panels: for each group not yet in one, the panel taking the most of it (a little weight on the
    # others spreads the panels). A group that no panel can take is fixed at probability 0 at once.
    for g in range(n):
        if any(c[g] for c in compositions):
            continue
        weights = [1e-3 / sizes[h] for h in range(n)]
        weights[g] = 1.0
        best = program.best(weights)
        assert best is not None  # the quotas were checked feasible
        if best[0][g] == 0:
            fixed[g] = 0.0
            dual.fix(g, 0.0)
        else:
            add(best[0])

    # A group no panel can take makes the minimum 0, whatever the distribution.
    upper_bound: float | None = 0.0 if fixed else None
    stages = 0
    while len(fixed) < n:
        stages += 1
        while True:
            y_hat, y, objective = dual.solve()
            fixed_part = sum(fixed[g] * y[g] for g in fixed)
            best = program.best([y[g] / sizes[g] for g in range(n)])
            assert best is not None
            counts, bound = best
            value = sum(y[g] * counts[g] / sizes[g] for g in range(n))
            if value > y_hat + tolerance / 10 and add(counts):
                continue
            stage_value = y_hat - fixed_part
            if upper_bound is None:
                upper_bound = bound - fixed_part
            break
        newly = [g for g in range(n) if g not in fixed and y[g] > FIX_THRESHOLD]
        if not newly:  # numerically all dual values tiny: fix the largest one, progress is guaranteed
            newly = [max((g for g in range(n) if g not in fixed), key=lambda g: y[g])]
        for g in newly:
            fixed[g] = max(0.0, min(1.0, stage_value))
            dual.fix(g, fixed[g])

    weights = _final_primal(compositions, sizes, fixed)
    group_probabilities = [
        sum(w * c[g] for c, w in zip(compositions, weights, strict=True)) / sizes[g] for g in range(n)
    ]
    probabilities = {vid: group_probabilities[g] for g, group in enumerate(pool.groups) for vid in group.ids}
    minimum = min(group_probabilities)
    if upper_bound is None:  # every group fixed at 0 before any stage: nobody can be selected
        upper_bound = 0.0
    kept = [(c, w) for c, w in zip(compositions, weights, strict=True) if w > 1e-12]
    total = sum(w for _, w in kept)
    return Distribution(
        pool=pool,
        compositions=tuple(c for c, _ in kept),
        composition_weights=tuple(w / total for _, w in kept),
        probabilities=probabilities,
        min_probability=minimum,
        upper_bound=upper_bound,
        gap=max(0.0, upper_bound - minimum),
        stages=stages,
        columns=len(compositions),
        group_probabilities=tuple(group_probabilities),
    )


def _final_primal(
    compositions: Sequence[tuple[int, ...]], sizes: Sequence[int], fixed: dict[int, float]
) -> list[float]:
    """Weights λ over the compositions giving every group at least its fixed probability: minimise the largest
    shortfall s (0 up to rounding) subject to Σ λ = 1, Σ_j λ_j c_jg / n_g + s ≥ p_g."""
    highs = new_highs()
    count = len(compositions)
    for _ in compositions:
        highs.addVar(0.0, INF)
    highs.addVar(0.0, INF)  # s
    highs.changeColCost(count, 1.0)
    highs.addRow(1.0, 1.0, count, np.arange(count, dtype=np.int32), np.ones(count))
    for g, size in enumerate(sizes):
        index = [j for j, c in enumerate(compositions) if c[g]] + [count]
        values = [compositions[j][g] / size for j in index[:-1]] + [1.0]
        highs.addRow(fixed[g], INF, len(index), np.array(index, dtype=np.int32), np.array(values))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError("HiGHS n'a pas résolu le programme final de LEXIMIN")
    return [max(0.0, v) for v in list(highs.getSolution().col_value)[:count]]
