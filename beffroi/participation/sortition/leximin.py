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

Shortcut (`leximin_pool`, on by default): the leximin over the *linear relaxation* of the panels (expected
counts per group in the quota polytope) takes only plain LPs and is lexicographically at least as good as the
true LEXIMIN. Panels are sought that mix to it exactly (Carathéodory peeling on the relaxation's faces, then
the column generation above towards that target); when they do, it is the LEXIMIN, each stage proven optimal
by the relaxation's LP dual. When they do not, the paper's stages run, keeping every panel already found.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import highspy
import numpy as np

from beffroi.participation.sortition.model import Pool, Quotas, Volunteer, build_pool
from beffroi.participation.sortition.programs import (
    INF,
    MIP_TIME_LIMIT,
    PanelProgram,
    check_feasible,
    new_highs,
    run_lp,
)

TOLERANCE = 1e-7  # a stage ends when no panel improves the dual by more than this
FIX_THRESHOLD = 1e-9
PEELS = 8  # peelings (each with its own objective) tried before the column generation runs on its own
PEEL_CHECK = 5  # column generation iterations allowed after each peeling  # a dual value above this marks a group whose probability the stage fixes


@dataclass(frozen=True)
class Distribution:
    """A LEXIMIN distribution over quota-satisfying panels.

    `compositions[j]` is a panel given as the number of volunteers it takes from each of `pool.groups`, drawn
    with probability `composition_weights[j]`; inside a group the members are drawn uniformly. `panels` and
    `weights` spell the same distribution out volunteer by volunteer (exactly, see `panels`).
    `probabilities` maps each volunteer id to its selection probability; `min_probability` is the smallest;
    `upper_bound` is the dual bound proving that no distribution does better for the minimum, `gap` the
    difference (≤ 1e-4 is the project's goal, usually ~1e-9). `stages` and `columns` count the work done;
    `method` says how optimality was proven: "stages" (the paper's stages, each closed by the pricing's dual
    bound) or "relaxation" (the leximin of the linear relaxation, proven stage by stage by its LP duals, was
    reached exactly by quota-satisfying panels).
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
    method: str = "stages"

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
    volunteers: Sequence[Volunteer],
    quotas: Quotas,
    k: int,
    *,
    tolerance: float = TOLERANCE,
    shortcut: bool = True,
) -> Distribution:
    """The LEXIMIN distribution for a pool, quotas and panel size k (see the module docstring).

    Raises `SortitionError` for a bad pool and `InfeasibleQuotas` (naming the category) when no panel of size k
    meets the quotas. `shortcut=False` skips the relaxation shortcut (`leximin_pool`): same result, slower.
    """
    pool = build_pool(volunteers, quotas, k)
    program = check_feasible(pool)
    return leximin_pool(pool, program, tolerance=tolerance, shortcut=shortcut)


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

    def aim(self, targets: Sequence[float]) -> None:
        """Turn the program into « how close can the panels in hand come to `targets` »: its optimum is then
        max over distributions of min_g (p_g − targets_g), which is 0 exactly when the targets are reached."""
        n = len(self.sizes)
        self.highs.changeColsCost(n, np.arange(1, n + 1, dtype=np.int32), -np.array(targets, dtype=float))

    def fix(self, group: int, probability: float) -> None:
        self.highs.changeCoeff(0, 1 + group, 0.0)
        self.highs.changeColCost(1 + group, -probability)

    def solve(self) -> tuple[float, list[float], float]:
        """ŷ, y per group, and the objective value."""
        status = run_lp(self.highs)
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS n'a pas résolu le programme dual de LEXIMIN ({status})")
        values = list(self.highs.getSolution().col_value)
        return (
            values[0],
            [max(0.0, v) for v in values[1:]],
            float(self.highs.getInfo().objective_function_value),
        )


def leximin_pool(
    pool: Pool, program: PanelProgram, *, tolerance: float = TOLERANCE, shortcut: bool = True
) -> Distribution:
    """LEXIMIN on a checked pool whose quotas are feasible (`check_feasible` returned `program`).

    With `shortcut` (see `_relaxed_leximin`), the leximin of the linear relaxation is computed first and, when
    panels reaching it exactly are found by column generation, it is the answer; otherwise (or without
    `shortcut`) the paper's stages run, keeping the panels already found.
    """
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

    if shortcut and not fixed:
        relaxed = _relaxed_leximin(pool)
        if relaxed is not None:
            targets, relaxed_bound, relaxed_stages = relaxed
            point = [t * size for t, size in zip(targets, sizes, strict=True)]
            reached: bool | None = None
            for salt in range(PEELS):
                for counts in _peel(pool, point, salt):
                    add(counts)
                reached = _reach(dual, program, add, targets, sizes, tolerance, budget=PEEL_CHECK)
                if reached is not None:
                    break
            if reached is None:
                reached = _reach(dual, program, add, targets, sizes, tolerance)
            if reached:
                return _distribution(
                    pool,
                    compositions,
                    _final_primal(compositions, sizes, dict(enumerate(targets))),
                    upper_bound=relaxed_bound,
                    stages=relaxed_stages,
                    method="relaxation",
                )
            dual.aim([0.0] * n)  # not reached: back to the paper's stages, keeping the panels found

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
                for other in program.found:
                    if sum(y[g] * other[g] / sizes[g] for g in range(n)) > y_hat + tolerance / 10:
                        add(other)
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

    if upper_bound is None:  # every group fixed at 0 before any stage: nobody can be selected
        upper_bound = 0.0
    return _distribution(
        pool, compositions, _final_primal(compositions, sizes, fixed), upper_bound=upper_bound, stages=stages
    )


def _distribution(
    pool: Pool,
    compositions: Sequence[tuple[int, ...]],
    weights: Sequence[float],
    *,
    upper_bound: float,
    stages: int,
    method: str = "stages",
) -> Distribution:
    sizes = [g.size for g in pool.groups]
    n = len(sizes)
    group_probabilities = [
        sum(w * c[g] for c, w in zip(compositions, weights, strict=True)) / sizes[g] for g in range(n)
    ]
    probabilities = {vid: group_probabilities[g] for g, group in enumerate(pool.groups) for vid in group.ids}
    minimum = min(group_probabilities)
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
        method=method,
        group_probabilities=tuple(group_probabilities),
    )


def _relaxed_leximin(pool: Pool) -> tuple[list[float], float, int] | None:
    """The leximin probabilities over the *linear relaxation* of the panels (expected counts per group in the
    polytope 0 ≤ c ≤ n, Σ c = k, quota rows), by the same stages on plain linear programs, and the first
    stage's value, an upper bound on the achievable minimum proven by the LP's duality.

    Every quota-satisfying distribution has its expected counts in this polytope, so this vector is
    lexicographically at least as good as the true LEXIMIN; when panels reaching it exactly exist it *is* the
    LEXIMIN (each stage is then proven optimal by the relaxation's dual). None if HiGHS fails.
    """
    sizes = [g.size for g in pool.groups]
    n = len(sizes)
    highs = new_highs()
    for size in sizes:
        highs.addVar(0.0, float(size))
    highs.addVar(-INF, INF)  # t
    highs.addRow(float(pool.k), float(pool.k), n, np.arange(n, dtype=np.int32), np.ones(n))
    for _, _, lo, hi, members in pool.rows:
        highs.addRow(
            float(lo), float(hi), len(members), np.array(members, dtype=np.int32), np.ones(len(members))
        )
    first = 1 + len(pool.rows)
    for g, size in enumerate(sizes):  # c_g / n_g − t ≥ 0
        highs.addRow(0.0, INF, 2, np.array([g, n], dtype=np.int32), np.array([1.0 / size, -1.0]))
    highs.changeColCost(n, 1.0)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    fixed: dict[int, float] = {}
    bound: float | None = None
    stages = 0
    while len(fixed) < n:
        stages += 1
        if run_lp(highs) != highspy.HighsModelStatus.kOptimal:
            return None
        value = float(highs.getInfo().objective_function_value)
        if bound is None:
            bound = value
        duals = highs.getSolution().row_dual
        newly = [g for g in range(n) if g not in fixed and abs(duals[first + g]) > FIX_THRESHOLD]
        if not newly:
            return None
        for g in newly:
            fixed[g] = max(0.0, min(1.0, value))
            highs.changeCoeff(first + g, n, 0.0)
            highs.changeRowBounds(first + g, fixed[g], INF)
    assert bound is not None
    return [fixed[g] for g in range(n)], bound, stages


def _peel(pool: Pool, point: Sequence[float], salt: int = 0) -> list[tuple[int, ...]]:
    """Panels whose mix gives the expected counts `point`, by Carathéodory peeling on the faces of the
    relaxation: find a quota-satisfying panel v on the smallest face holding the point (an integer program with
    the point's tight constraints as equalities), move the point away from v until it meets a new constraint,
    and repeat on that smaller face. The panels found seed the column generation that checks the mix exactly;
    if some face holds no panel, the peeling stops and the column generation carries on from what it found.
    """
    sizes = [g.size for g in pool.groups]
    n = len(sizes)
    x = np.array(point, dtype=float)
    rows = [(np.array(members, dtype=np.int32), float(lo), float(hi)) for _, _, lo, hi, members in pool.rows]
    found: list[tuple[int, ...]] = []
    eps = 1e-7
    cost = np.array([((g * 7919 + salt * 104729) % 97) / 97.0 for g in range(n)])  # fixed, deterministic
    for _ in range(n + 2):
        nearest = np.round(x)
        if np.all(np.abs(x - nearest) <= eps):
            found.append(tuple(int(v) for v in nearest))
            break
        highs = new_highs()
        for g, size in enumerate(sizes):
            lo = hi = None
            if x[g] <= eps:
                lo = hi = 0.0
            elif x[g] >= size - eps:
                lo = hi = float(size)
            highs.addVar(0.0 if lo is None else lo, float(size) if hi is None else hi)
        highs.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n)
        )
        highs.addRow(float(pool.k), float(pool.k), n, np.arange(n, dtype=np.int32), np.ones(n))
        for members, lo, hi in rows:
            total = float(x[members].sum())
            if abs(total - lo) <= eps:
                hi = lo
            elif abs(total - hi) <= eps:
                lo = hi
            highs.addRow(lo, hi, len(members), members, np.ones(len(members)))
        highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        highs.setOptionValue("time_limit", MIP_TIME_LIMIT)
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        v = np.round(np.array(highs.getSolution().col_value))
        found.append(tuple(int(c) for c in v))
        d = x - v
        step = np.inf
        # The constraints tight at x stay tight along d (v meets them as equalities): only the others limit θ.
        for g, size in enumerate(sizes):  # 0 ≤ x_g + θ d_g ≤ n_g
            if eps < x[g] < size - eps:
                if d[g] < -1e-12:
                    step = min(step, x[g] / -d[g])
                elif d[g] > 1e-12:
                    step = min(step, (size - x[g]) / d[g])
        for members, lo, hi in rows:
            total, change = float(x[members].sum()), float(d[members].sum())
            if lo + eps < total < hi - eps:
                if change < -1e-12:
                    step = min(step, (total - lo) / -change)
                elif change > 1e-12:
                    step = min(step, (hi - total) / change)
        if not np.isfinite(step) or step <= 1e-12:
            break
        x = np.clip(x + step * d, 0.0, np.array(sizes, dtype=float))
    return found


def _reach(
    dual: _DualProgram,
    program: PanelProgram,
    add: Callable[[tuple[int, ...]], bool],
    targets: Sequence[float],
    sizes: Sequence[int],
    tolerance: float,
    budget: int | None = None,
) -> bool | None:
    """Column generation towards `targets`: True once the panels in hand can give every group its target
    (up to `tolerance`), False when the pricing finds no panel that brings them closer, None when `budget`
    iterations did not settle it."""
    n = len(sizes)
    dual.aim(targets)
    iterations = 0
    while True:
        iterations += 1
        if budget is not None and iterations > budget:
            return None
        y_hat, y, objective = dual.solve()
        if objective >= -tolerance:
            return True
        best = program.best([y[g] / sizes[g] for g in range(n)])
        if best is None:
            return False
        counts, _ = best
        value = sum(y[g] * counts[g] / sizes[g] for g in range(n))
        if not (value > y_hat + tolerance / 10 and add(counts)):
            return False
        for other in program.found:
            if sum(y[g] * other[g] / sizes[g] for g in range(n)) > y_hat + tolerance / 10:
                add(other)


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
    if run_lp(highs) != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError("HiGHS n'a pas résolu le programme final de LEXIMIN")
    return [max(0.0, v) for v in list(highs.getSolution().col_value)[:count]]
