"""The integer and linear programs of the lottery, on HiGHS (highspy), and the feasibility check of the quotas.

A panel is described by how many volunteers it takes from each group (`counts[g]`, between 0 and the group's
size): it meets the quotas when the counts add up to k and, for every (category, feature) row, the sum over the
groups having the feature lies between the row's min and max. `PanelProgram` is that integer program, reused
with a new objective for each pricing step of LEXIMIN.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence

import highspy
import numpy as np

from beffroi.participation.sortition.model import InfeasibleQuotas, Pool

INF = highspy.kHighsInf
_banner_lock = threading.Lock()
_banner_done = False


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance. HiGHS writes a banner on standard output when its first instance is created in a
    process; it is swallowed so that `--json` output stays valid JSON."""
    global _banner_done
    with _banner_lock:
        if _banner_done:
            highs = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as devnull:
                    os.dup2(devnull.fileno(), 1)
                    highs = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_done = True
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    return highs


# Each attempt's options; the first is HiGHS' default (dual simplex), restored after a retry.
LP_ATTEMPTS: tuple[dict[str, str | int], ...] = (
    {"solver": "choose", "simplex_strategy": 1},
    {"solver": "ipm", "simplex_strategy": 1},
    {"solver": "simplex", "simplex_strategy": 4},
)
MIP_TIME_LIMIT = 120.0  # seconds for one panel search: beyond, an error rather than a hung page
LP_TIME_LIMIT = 30.0  # seconds per attempt: a cycling simplex is cut short and retried another way


def run_lp(highs: highspy.Highs) -> highspy.HighsModelStatus:
    """Solve a linear program, retrying with the interior-point then the primal simplex solver when the
    default one stalls (HiGHS' dual simplex can cycle on the highly degenerate programs of LEXIMIN).
    Presolve is off: pointless on these small programs, and what triggered the stalls."""
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("time_limit", LP_TIME_LIMIT)
    status = highspy.HighsModelStatus.kNotset
    for attempt in LP_ATTEMPTS:
        for name, value in attempt.items():
            highs.setOptionValue(name, value)
        highs.run()
        status = highs.getModelStatus()
        if status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible):
            break
        highs.clearSolver()
    for name, value in LP_ATTEMPTS[0].items():
        highs.setOptionValue(name, value)
    return status


def _int_array(values: Sequence[int]) -> np.ndarray:
    return np.array(values, dtype=np.int32)


class PanelProgram:
    """The panels meeting the quotas, as an integer program over the groups' counts (see the module docstring).

    `best(weights)` returns the panel maximising Σ weights[g]·counts[g] and HiGHS' proven upper bound on that
    maximum (its MIP dual bound), which LEXIMIN needs to prove each stage optimal.
    """

    def __init__(self, pool: Pool):
        self.pool = pool
        self.found: list[tuple[int, ...]] = []
        n = len(pool.groups)
        self.highs = highs = new_highs()
        highs.setOptionValue("mip_rel_gap", 1e-9)
        highs.setOptionValue("mip_abs_gap", 1e-10)
        highs.setOptionValue("time_limit", MIP_TIME_LIMIT)
        # Every improving panel the search meets is kept: LEXIMIN adds them all as columns.
        highs.setOptionValue("mip_improving_solution_save", True)
        for group in pool.groups:
            highs.addVar(0.0, float(group.size))
        highs.changeColsIntegrality(n, _int_array(range(n)), np.array([highspy.HighsVarType.kInteger] * n))
        highs.addRow(float(pool.k), float(pool.k), n, _int_array(range(n)), np.ones(n))
        for _, _, lo, hi, members in pool.rows:
            highs.addRow(float(lo), float(hi), len(members), _int_array(members), np.ones(len(members)))
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)

    def best(self, weights: Sequence[float]) -> tuple[tuple[int, ...], float] | None:
        """The panel (counts per group) of largest weight and the proven bound on that weight; None if none.

        `self.found` then lists every panel the search met on its way (the best one included)."""
        n = len(self.pool.groups)
        self.highs.changeColsCost(n, _int_array(range(n)), np.array(weights, dtype=float))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS n'a pas résolu le programme des panels ({status})")
        values = self.highs.getSolution().col_value
        counts = tuple(round(v) for v in values)
        self.found = [tuple(round(v) for v in s.col_value) for s in self.highs.getSavedMipSolutions()]
        info = self.highs.getInfo()
        bound = max(info.mip_dual_bound, info.objective_function_value)
        return counts, float(bound)


def check_feasible(pool: Pool) -> PanelProgram:
    """Refuse quotas that no panel of size k meets, naming the category that makes them so.

    First the checks one category can fail alone (the sum of its minimums exceeds k; its features cannot fill k
    seats given their maximums and the volunteers having them; a feature's minimum exceeds the volunteers having
    it); then, if the categories only conflict together, an integer program relaxes as few categories as
    possible (a relaxed category's bounds become 0..k) to find a panel, and names the relaxed one.
    Returns the panel program, ready for LEXIMIN.
    """
    sizes = [g.size for g in pool.groups]
    k = pool.k
    for category in pool.categories:
        rows = [r for r in pool.rows if r[0] == category]
        total_min = sum(r[2] for r in rows)
        if total_min > k:
            raise InfeasibleQuotas(
                f"catégorie « {category} » : la somme des minimums ({total_min}) dépasse la taille du panel ({k})",
                category=category,
            )
        for _, feature, lo, _, members in rows:
            available = sum(sizes[g] for g in members)
            if lo > available:
                raise InfeasibleQuotas(
                    f"catégorie « {category} » : le minimum de « {feature} » ({lo}) dépasse le nombre de "
                    f"volontaires ayant cette valeur ({available})",
                    category=category,
                )
        total_max = sum(r[3] for r in rows)
        if total_max < k:
            raise InfeasibleQuotas(
                f"catégorie « {category} » : la somme des maximums ({total_max}) est inférieure à la taille du "
                f"panel ({k})",
                category=category,
            )
        fillable = sum(min(r[3], sum(sizes[g] for g in r[4])) for r in rows)
        if fillable < k:
            raise InfeasibleQuotas(
                f"catégorie « {category} » : compte tenu des maximums et des volontaires disponibles, au plus "
                f"{fillable} places peuvent être pourvues sur {k}",
                category=category,
            )
    program = PanelProgram(pool)
    if program.best([0.0] * len(pool.groups)) is not None:
        return program
    culprit = _culprit_category(pool)
    raise InfeasibleQuotas(
        f"catégorie « {culprit} » : ses quotas ne peuvent pas être respectés en même temps que ceux des "
        f"autres catégories avec ces volontaires (aucun panel de {k} personnes ne convient)",
        category=culprit,
    )


def _culprit_category(pool: Pool) -> str:
    """The category whose relaxation makes the quotas feasible, by an integer program minimising the number of
    relaxed categories (ties: the later category in the file, as the earlier ones are usually the primary ones
    such as sex and age)."""
    n = len(pool.groups)
    m = len(pool.categories)
    highs = new_highs()
    for group in pool.groups:
        highs.addVar(0.0, float(group.size))
    for _ in pool.categories:
        highs.addVar(0.0, 1.0)
    highs.changeColsIntegrality(
        n + m, _int_array(range(n + m)), np.array([highspy.HighsVarType.kInteger] * (n + m))
    )
    # Relaxing a later category costs slightly less, so the answer is deterministic.
    costs = [0.0] * n + [1.0 - 0.001 * i / max(1, m) for i in range(m)]
    highs.changeColsCost(n + m, _int_array(range(n + m)), np.array(costs))
    highs.addRow(float(pool.k), float(pool.k), n, _int_array(range(n)), np.ones(n))
    for category, _, lo, hi, members in pool.rows:
        relax = n + pool.categories.index(category)
        # Σ counts + lo·relax ≥ lo, and Σ counts − k·relax ≤ hi.
        index = _int_array([*members, relax])
        highs.addRow(float(lo), INF, len(index), index, np.array([1.0] * len(members) + [float(lo)]))
        highs.addRow(-INF, float(hi), len(index), index, np.array([1.0] * len(members) + [-float(pool.k)]))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        # Even without any quota no panel exists: only the size is at fault, which build_pool already refuses.
        return pool.categories[0]
    values = highs.getSolution().col_value
    relaxed = [c for i, c in enumerate(pool.categories) if values[n + i] > 0.5]
    return relaxed[-1] if relaxed else pool.categories[-1]
