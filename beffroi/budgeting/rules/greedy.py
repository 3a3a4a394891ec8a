"""Greedy rules: fund projects in decreasing score while money lasts (what most cities run).

Definition: research note `participatory-budgeting.md` §2.1 (pabulib rule values `greedy`, `greedy-no-skip`,
`greedy-threshold`, pabulib.org/format "rule" field). Score = number of votes for approval ballots, sum of points
for cumulative ballots, positional points for ordinal ballots (position 1 of an L-long ranking gets L points;
Kraków 2019 Bieńczyce: 3/2/1). Ties on score: lowest cost, then most supporters, then the recorded draw
(`TieBreaking`).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from beffroi.budgeting.rules.model import (
    Election,
    Number,
    Outcome,
    Profile,
    ProjectResult,
    Reason,
    TieBreaking,
    TieEvent,
)


def greedy(
    election: Election,
    *,
    stop_at_first_misfit: bool = False,
    threshold: Fraction | int | None = None,
    tie_breaking: TieBreaking | None = None,
    rule: str | None = None,
) -> Outcome:
    """Greedy by score (pabulib `greedy`; with `stop_at_first_misfit`, `greedy-no-skip`).

    Projects are considered in decreasing score. A project is funded if its cost fits in the budget left,
    otherwise it is skipped (`greedy`) or counting stops there (`greedy-no-skip`: every later project loses).
    Projects whose score is below `threshold` (default: the election's `min_project_score_threshold`, as
    pabulib files record it for greedy-threshold and some greedy-no-skip elections) are never funded and do not
    stop the count.
    """
    profile = election.profile
    tie_breaking = tie_breaking or TieBreaking()
    if threshold is None:
        threshold = election.min_score_threshold
    name = rule or ("greedy-no-skip" if stop_at_first_misfit else "greedy")
    eligible = []
    results: dict[int, ProjectResult] = {}
    for p in range(len(profile.ids)):
        if threshold is not None and profile.score[p] < threshold:
            results[p] = _result(profile, p, Reason.BELOW_THRESHOLD, None, None)
        else:
            eligible.append(p)
    winners, fill_results, events = greedy_fill(
        profile,
        eligible,
        election.budget,
        tie_breaking,
        stop_at_first_misfit=stop_at_first_misfit,
        stage=name,
    )
    results.update(fill_results)
    return make_outcome(election, name, winners, results, tie_breaks=events)


def greedy_threshold(election: Election, *, tie_breaking: TieBreaking | None = None) -> Outcome:
    """Greedy with a vote threshold (pabulib `greedy-threshold`): the election must carry a threshold."""
    if election.min_score_threshold is None:
        from beffroi.budgeting.rules.model import ElectionError

        raise ElectionError(
            "la règle greedy-threshold demande un seuil de voix (min_project_score_threshold) qui manque ici"
        )
    return greedy(election, tie_breaking=tie_breaking, rule="greedy-threshold")


def greedy_order(profile: Profile, projects: Iterable[int]) -> list[list[int]]:
    """Projects in decreasing score, as blocks of equal score (each block sorted by the tie-breaking key)."""
    by_score: dict[Number, list[int]] = {}
    for p in projects:
        by_score.setdefault(profile.score[p], []).append(p)
    return [by_score[s] for s in sorted(by_score, reverse=True)]


def greedy_fill(
    profile: Profile,
    projects: Iterable[int],
    budget_left: Fraction,
    tie_breaking: TieBreaking,
    *,
    stop_at_first_misfit: bool = False,
    stage: str = "greedy",
    selected_reason: Reason = Reason.SELECTED,
) -> tuple[list[int], dict[int, ProjectResult], list[TieEvent]]:
    """Add `projects` in decreasing score while they fit in `budget_left`; the core of every greedy rule.

    Within a block of equal score the tie-breaking order applies (lowest cost, most supporters, draw). A draw is
    only required when it changes who is funded: among projects equal on score, cost and supporters, if all
    or none of them fit, their order cannot matter and no lot is needed.
    """
    winners: list[int] = []
    results: dict[int, ProjectResult] = {}
    events: list[TieEvent] = []
    left = budget_left
    stopped = False
    for block in greedy_order(profile, projects):
        block.sort(key=lambda p: tie_breaking.key(profile, p))
        ordered = _order_block(
            profile, block, Fraction(-1) if stopped else left, tie_breaking, stage, stop_at_first_misfit
        )
        chosen_in_block = []
        for p in ordered:
            if stopped:
                results[p] = _result(profile, p, Reason.AFTER_STOP, None, None)
                continue
            cost = profile.cost[p]
            if cost <= left:
                results[p] = _result(profile, p, selected_reason, left, len(winners) + 1)
                winners.append(p)
                chosen_in_block.append(p)
                left -= cost
            elif stop_at_first_misfit:
                results[p] = _result(profile, p, Reason.OVER_BUDGET, left, None)
                stopped = True
            else:
                results[p] = _result(profile, p, Reason.OVER_BUDGET, left, None)
        if len(block) > 1 and chosen_in_block and len(chosen_in_block) < len(block):
            first = chosen_in_block[0]
            others = [p for p in block if p != first]
            if all(profile.cost[o] > profile.cost[first] for o in others):
                criterion = "cost"
            elif all(tie_breaking.key(profile, o) != tie_breaking.key(profile, first) for o in others):
                criterion = "votes"
            else:
                criterion = "draw"
            events.append(
                TieEvent(stage, tuple(profile.ids[p] for p in block), profile.ids[first], criterion)
            )
    return winners, results, events


def _order_block(
    profile: Profile,
    block: list[int],
    left: Fraction,
    tie_breaking: TieBreaking,
    stage: str,
    no_skip: bool,
) -> list[int]:
    """Order a block of equal score; ask the draw only for sub-blocks where the order decides the outcome."""
    result: list[int] = []
    i = 0
    budget = left
    while i < len(block):
        key = tie_breaking.key(profile, block[i])
        j = i
        while j < len(block) and tie_breaking.key(profile, block[j]) == key:
            j += 1
        sub = block[i:j]
        cost = profile.cost[sub[0]]
        fitting = len(sub) if cost == 0 else min(len(sub), int(budget // cost)) if budget >= 0 else 0
        if len(sub) > 1 and 0 < fitting < len(sub):
            sub = tie_breaking.rank(profile, sub, stage)
        elif all(profile.ids[p] in tie_breaking.draw_position for p in sub):
            # the order does not change the outcome, but follow the draw when there is one
            sub.sort(key=lambda p: tie_breaking.draw_position[profile.ids[p]])
        else:
            sub.sort(key=lambda p: profile.ids[p])
        result.extend(sub)
        budget -= cost * fitting
        if no_skip and fitting < len(sub):
            budget = Fraction(-1)  # nothing after this sub-block can be funded
        i = j
    return result


def _result(
    profile: Profile, p: int, reason: Reason, budget_left: Fraction | None, position: int | None
) -> ProjectResult:
    return ProjectResult(
        project_id=profile.ids[p],
        cost=profile.cost[p],
        votes=profile.votes[p],
        score=profile.score[p],
        selected=reason in (Reason.SELECTED, Reason.SELECTED_MES, Reason.SELECTED_COMPLETION),
        position=position,
        reason=reason,
        budget_left=budget_left,
    )


def make_outcome(
    election: Election,
    rule: str,
    winners: list[int],
    results: dict[int, ProjectResult],
    **extra: Any,
) -> Outcome:
    """Assemble an Outcome; projects without a result yet are reported as having no support."""
    profile = election.profile
    ordered = {}
    for p, pid in enumerate(profile.ids):
        ordered[pid] = results.get(p) or _result(profile, p, Reason.NO_SUPPORT, None, None)
    return Outcome(
        rule=rule,
        winners=tuple(profile.ids[p] for p in winners),
        total_cost=sum((profile.cost[p] for p in winners), Fraction(0)),
        budget=election.budget,
        projects=ordered,
        tie_breaks=tuple(extra.pop("tie_breaks", ())),
        **extra,
    )
