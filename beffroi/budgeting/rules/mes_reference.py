"""The Method of Equal Shares as defined, in exact arithmetic: one run's result (`MesRun`), the projects a run can
fund, and `reference_run`, the definition of `mes.py` line by line in `Fraction` arithmetic (slow, obviously
right). The counting engine (`mes.Engine`) gives the same runs faster; `verify=True` on the rules, and every
official count of a commune's budget, recount its result here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from beffroi.budgeting.rules.model import Profile, TieBreaking, TieEvent


@dataclass
class MesRun:
    """One run of MES with a fixed endowment: the winners in order and exact figures to explain them."""

    endowment: Fraction
    winners: list[int]  # project indices, selection order
    prices: list[Fraction]  # price per point (per supporter for approval) of each winner
    tie_events: list[TieEvent] = field(default_factory=list)
    supporters_money: dict[int, Fraction] = field(
        default_factory=dict
    )  # losers: their supporters' money left

    def cost(self, profile: Profile) -> Fraction:
        return sum((profile.cost[p] for p in self.winners), Fraction(0))


def mes_candidates(profile: Profile, eligible: Sequence[int] | None = None) -> tuple[list[int], list[int]]:
    """Projects MES can fund: (with a positive cost and at least one supporter, free with a supporter)."""
    pool = range(len(profile.ids)) if eligible is None else eligible
    paid = [p for p in pool if profile.votes[p] > 0 and profile.cost[p] > 0]
    free = [p for p in pool if profile.votes[p] > 0 and profile.cost[p] == 0]
    return paid, free


# --------------------------------------------------------------------------------------------------------------
# Reference implementation (exact, slow): the definition, line by line.
# --------------------------------------------------------------------------------------------------------------


def reference_run(
    profile: Profile,
    candidates: Sequence[int],
    free: Sequence[int],
    endowment: Fraction,
    tie_breaking: TieBreaking,
) -> MesRun:
    """One MES run in `Fraction` arithmetic, following equalshares.net's published Python code step by step."""
    groups = profile.groups
    money = [endowment] * len(groups)
    winners, prices, events = free_first(profile, free, tie_breaking)
    last_evc: dict[int, Fraction] = {p: Fraction(profile.score[p]) for p in candidates}
    while True:
        best: list[int] = []
        best_evc = Fraction(0)
        best_price: dict[int, Fraction] = {}
        for p in sorted(last_evc, key=lambda p: last_evc[p], reverse=True):
            if last_evc[p] < best_evc:
                break
            cost = profile.cost[p]
            supporters = profile.supporters[p]
            if sum(money[g] * groups[g][2] for g, _ in supporters) < cost:
                del last_evc[p]
                continue
            paid = Fraction(0)
            weight_left = Fraction(profile.score[p])
            for g, w in sorted(supporters, key=lambda gw: money[gw[0]] / gw[1]):
                price = (cost - paid) / weight_left
                if price * w > money[g]:
                    paid += money[g] * groups[g][2]
                    weight_left -= w * groups[g][2]
                    continue
                evc = cost / price
                last_evc[p] = evc
                best_price[p] = price
                if evc > best_evc:
                    best_evc, best = evc, [p]
                elif evc == best_evc:
                    best.append(p)
                break
        if not best:
            break
        ranked, event = tie_breaking.order(profile, best, f"MES, tour {len(winners) + 1}")
        if event:
            events.append(event)
        chosen = ranked[0]
        price = best_price[chosen]
        winners.append(chosen)
        prices.append(price)
        del last_evc[chosen]
        for g, w in profile.supporters[chosen]:
            money[g] = max(Fraction(0), money[g] - price * w)
    run = MesRun(endowment, winners, prices, events)
    chosen_set = set(winners)
    for p in candidates:
        if p not in chosen_set:
            run.supporters_money[p] = sum(
                (money[g] * groups[g][2] for g, _ in profile.supporters[p]), Fraction(0)
            )
    return run


def free_first(
    profile: Profile, free: Sequence[int], tie_breaking: TieBreaking
) -> tuple[list[int], list[Fraction], list[TieEvent]]:
    """Free projects with supporters are funded first (pabutools does the same); they cost nobody anything."""
    ordered = sorted(free, key=lambda p: (tie_breaking.key(profile, p), profile.ids[p]))
    return ordered, [Fraction(0)] * len(ordered), []
