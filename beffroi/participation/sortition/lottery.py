"""The public draw: a uniform lottery over m panels, one ticket picked by a published seed, and replacements.

Rounding (Flanigan, Kehne, Procaccia, « Fair sortition made transparent », NeurIPS 2021): the LEXIMIN
distribution gives each panel a weight λ; a lottery gives each of m tickets the same weight 1/m, so each
panel must get an integer number of tickets close to m·λ. We implement the paper's **Beck–Fiala** rounding
(iterative rounding of x = m·λ to integers, keeping Σ x = m exactly), on the composition of the panels by group:

- a row per group g: Σ_j x_j · c_jg / n_g (m times a member's probability), column j's entries add up to
  s_j = Σ_g c_jg / n_g, and S = max_j s_j;
- while some x_j are fractional, the rows whose fractional entries weigh more than 2S stay exactly constant
  (with Σ x = m) while x moves in their null space until one more x_j is an integer; there are fewer such
  rows than half the fractional variables, so the move always exists;
- a row is let go only when its fractional entries weigh at most 2S, and each of them then moves by less than
  1: the row ends less than 2S tickets away from its target.

The tickets of each composition are then filled group by group, round-robin over the group's members (ids
sorted): every member gets ⌊T/n⌋ or ⌈T/n⌉ of the group's T seats, hence at most one ticket more error.
Bound, checked on every lottery: each volunteer's share of tickets differs from its LEXIMIN probability by
less than (2S + 1)/m (S ≤ min(k, number of groups); e.g. 0.007 for a panel of 12 among 80, m = 1000).

Draw: tickets are numbered 1..m in the published order; the drawn ticket is the one with the smallest SHA-256
(hexadecimal) of "<seed>:<ticket number>", the convention of the participatory budget's tie-breaking draw
(projects ordered by SHA-256 of "<seed>:<project id>"), so anyone can recompute it with any SHA-256 tool.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from beffroi.participation.sortition.leximin import Distribution
from beffroi.participation.sortition.model import (
    InfeasibleQuotas,
    Quotas,
    SortitionError,
    Volunteer,
    build_pool,
)

DEFAULT_TICKETS = 1000
ROUNDING_METHOD = "beck-fiala"


@dataclass(frozen=True)
class Lottery:
    """A uniform lottery: `panels[t - 1]` is ticket t (ids sorted); each ticket has probability 1/m.

    `probabilities` is each volunteer's share of tickets; `max_deviation` the largest difference from the
    LEXIMIN probability; `bound` the guarantee (2S + 1)/m it never exceeds (see the module docstring).
    """

    panels: tuple[tuple[str, ...], ...]
    probabilities: dict[str, float]
    max_deviation: float
    bound: float
    method: str = ROUNDING_METHOD

    @property
    def m(self) -> int:
        return len(self.panels)


def new_seed() -> str:
    """A fresh public seed (32 hexadecimal characters), as the budget's draw makes them."""
    return secrets.token_hex(16)


def ticket_fingerprint(seed: str, ticket: int) -> str:
    """A ticket's place in the draw: the SHA-256 (hex) of "<seed>:<ticket number>"; anyone can recompute it."""
    return hashlib.sha256(f"{seed}:{ticket}".encode()).hexdigest()


def draw(lottery: Lottery, seed: str) -> tuple[int, tuple[str, ...]]:
    """The drawn ticket number (1..m) and its panel: the ticket with the smallest `ticket_fingerprint`."""
    if not seed:
        raise SortitionError("la graine du tirage est vide")
    ticket = min(range(1, lottery.m + 1), key=lambda t: ticket_fingerprint(seed, t))
    return ticket, lottery.panels[ticket - 1]


def _beck_fiala(x: np.ndarray, rows: np.ndarray, threshold: float) -> np.ndarray:
    """Round x (adding up to an integer) to integers with the same sum; each row of `rows` @ x moves by less
    than `threshold` (Beck–Fiala iterative rounding, see the module docstring)."""
    x = x.astype(float).copy()
    floor = np.floor(x + 1e-9)
    x[np.abs(x - np.round(x)) <= 1e-9] = np.round(x[np.abs(x - np.round(x)) <= 1e-9])
    floor = np.floor(x)
    while True:
        fractional = np.flatnonzero(x - floor > 1e-9)
        if fractional.size == 0:
            break
        if fractional.size == 1:  # only rounding noise can leave one: the sum is an integer
            j = fractional[0]
            x[j] = np.round(x[j])
            floor[j] = x[j]
            continue
        block = rows[:, fractional]
        active = block[block.sum(axis=1) > threshold + 1e-12]
        system = np.vstack([active, np.ones((1, fractional.size))])
        _, _, vt = np.linalg.svd(system, full_matrices=True)
        direction = vt[-1]
        pivot = np.flatnonzero(np.abs(direction) > 1e-12)[0]
        if direction[pivot] < 0:
            direction = -direction
        lower = floor[fractional]
        current = x[fractional]
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(direction > 1e-12, (lower + 1 - current) / direction, np.inf)
            down = np.where(direction < -1e-12, (current - lower) / -direction, np.inf)
        step = float(min(up.min(), down.min()))
        current = current + step * direction
        reached = (np.abs(current - lower) <= 1e-9) | (np.abs(current - lower - 1) <= 1e-9)
        current[reached] = np.round(current[reached])
        x[fractional] = np.clip(current, lower, lower + 1)
        floor[fractional] = np.where(reached, current, lower)
    return np.round(x).astype(int)


def round_to_lottery(distribution: Distribution, m: int = DEFAULT_TICKETS) -> Lottery:
    """Round a LEXIMIN distribution to a uniform lottery over m tickets (Beck–Fiala, module docstring)."""
    if m <= 0:
        raise SortitionError(f"le nombre de tickets doit être positif (reçu : {m})")
    pool = distribution.pool
    sizes = np.array([g.size for g in pool.groups], dtype=float)
    counts = np.array(distribution.compositions, dtype=float)  # compositions × groups
    rows = (counts / sizes).T  # groups × compositions
    spread = float(rows.sum(axis=0).max())
    x = m * np.array(distribution.composition_weights)
    x *= m / x.sum()
    tickets = _beck_fiala(x, rows, 2 * spread)
    # Round-robin inside each group, over the tickets in order.
    pointer = [0] * len(pool.groups)
    panels: list[tuple[str, ...]] = []
    for composition, copies in zip(distribution.compositions, tickets, strict=True):
        for _ in range(int(copies)):
            members: list[str] = []
            for g, (group, c) in enumerate(zip(pool.groups, composition, strict=True)):
                members.extend(group.ids[(pointer[g] + r) % group.size] for r in range(c))
                pointer[g] = (pointer[g] + c) % group.size
            panels.append(tuple(sorted(members)))
    seen: dict[str, int] = dict.fromkeys(distribution.probabilities, 0)
    for panel in panels:
        for vid in panel:
            seen[vid] += 1
    probabilities = {vid: seen[vid] / m for vid in distribution.probabilities}
    deviation = max(abs(probabilities[v] - distribution.probabilities[v]) for v in probabilities)
    return Lottery(
        panels=tuple(panels),
        probabilities=probabilities,
        max_deviation=deviation,
        bound=(2 * spread + 1) / m,
    )


@dataclass(frozen=True)
class Replacement:
    """Who replaces a panelist who withdrew: `chosen`, drawn from `candidates` (each with `probability`)."""

    withdrawn: str
    chosen: str
    candidates: tuple[str, ...]
    probability: float
    seed: str


def replacement_candidates(
    panel: Sequence[str], withdrawn: str, volunteers: Sequence[Volunteer], quotas: Quotas
) -> tuple[str, ...]:
    """The volunteers not on the panel who, in place of `withdrawn`, keep every quota (ids sorted).

    Raises `InfeasibleQuotas` naming the first category (in the quotas' order) that no volunteer left can keep,
    and `SortitionError` if the panel is not a quota-satisfying panel of these volunteers or `withdrawn` is not
    on it.
    """
    pool = build_pool(volunteers, quotas, len(panel))
    on_panel = set(panel)
    if len(on_panel) != len(panel):
        raise SortitionError("le panel contient deux fois la même personne")
    if withdrawn not in on_panel:
        raise SortitionError(f"« {withdrawn} » n'est pas membre du panel")
    group_of = pool.group_of()
    unknown = [vid for vid in panel if vid not in group_of]
    if unknown:
        raise SortitionError(f"membre du panel absent des volontaires : « {unknown[0]} »")
    counts = [0] * len(pool.groups)
    for vid in panel:
        counts[group_of[vid]] += 1
    if not pool.meets_quotas(counts):
        raise SortitionError("le panel actuel ne respecte pas les quotas")
    counts[group_of[withdrawn]] -= 1
    groups = [g for g in range(len(pool.groups)) if any(v not in on_panel for v in pool.groups[g].ids)]
    for position, category in enumerate(pool.categories):
        rows = [r for r in pool.rows if r[0] == category]
        allowed = set()
        for _, feature, lo, hi, members in rows:
            inside = sum(counts[g] for g in members)
            others_ok = all(sum(counts[g] for g in m2) >= lo2 for _, f2, lo2, _, m2 in rows if f2 != feature)
            if lo <= inside + 1 <= hi and others_ok:
                allowed.add(feature)
        groups = [g for g in groups if pool.groups[g].features[position] in allowed]
        if not groups:
            raise InfeasibleQuotas(
                f"catégorie « {category} » : aucun volontaire hors du panel ne peut remplacer "
                f"« {withdrawn} » en respectant les quotas de cette catégorie",
                category=category,
            )
    return tuple(sorted(v for g in groups for v in pool.groups[g].ids if v not in on_panel))


def replacement(
    panel: Sequence[str], withdrawn: str, volunteers: Sequence[Volunteer], quotas: Quotas, *, seed: str
) -> Replacement:
    """Replace a panelist who withdraws, keeping every quota.

    Rule: the seat goes to one of `replacement_candidates`, each equally likely — this is LEXIMIN for the
    single free seat (the rest of the panel fixed, every feasible candidate gets the same, largest possible
    probability). The pick is public like the panel's draw: the candidate with the smallest SHA-256 of
    "<seed>:<volunteer id>".
    """
    if not seed:
        raise SortitionError("la graine du tirage est vide")
    candidates = replacement_candidates(panel, withdrawn, volunteers, quotas)
    chosen = min(candidates, key=lambda vid: (hashlib.sha256(f"{seed}:{vid}".encode()).hexdigest(), vid))
    return Replacement(
        withdrawn=withdrawn,
        chosen=chosen,
        candidates=candidates,
        probability=1 / len(candidates),
        seed=seed,
    )
