"""MES as cities run it: completions (Add1, Add1 + utilitarian), comparison with greedy, eligibility pre-filter.

Sources: equalshares.net `docs/implementation/completion.mdx` and its code generator
(`src/components/CodeSnippet/pythonSnippet.js`: `add1options` "exhaustive" and "integral", `utilitarian_completion`,
`comparisonStep`), `docs/elections/swiecie-2024.mdx` (eligibility rule), research note §2.4 and §4.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from beffroi.budgeting.rules import ahead
from beffroi.budgeting.rules.greedy import greedy_fill, make_outcome
from beffroi.budgeting.rules.mes import Engine
from beffroi.budgeting.rules.mes_reference import MesRun, mes_candidates, reference_run
from beffroi.budgeting.rules.model import (
    Comparison,
    Election,
    ElectionError,
    Outcome,
    Profile,
    ProjectResult,
    Reason,
    TieBreaking,
    VerificationError,
)

Runner = Callable[[Fraction], MesRun]


def eligible_projects(election: Election, factor: int | Fraction = 3) -> list[str]:
    """Świecie's eligibility pre-filter: keep a project only if votes / voters ≥ cost / (factor × budget).

    equalshares.net `docs/elections/swiecie-2024.mdx`: a project is ineligible when the share of voters who
    support it is below its cost divided by three times the budget (factor 3), i.e. a project costing half the
    budget needs the support of at least a sixth of the voters.
    """
    profile = election.profile
    n = profile.n
    budget = election.budget
    return [
        pid
        for p, pid in enumerate(profile.ids)
        if profile.votes[p] * factor * budget >= profile.cost[p] * n and (n > 0 or profile.cost[p] == 0)
    ]


def method_of_equal_shares(
    election: Election,
    *,
    endowment: Fraction | int | None = None,
    tie_breaking: TieBreaking | None = None,
    eligibility_factor: int | Fraction | None = None,
    engine: str = "fast",
    verify: bool = False,
) -> Outcome:
    """MES with cost utilities, no completion (pabulib `equalshares`); see `mes.py` for the definition.

    `endowment` is the money each voter receives (default: budget / number of voters). `engine="reference"`
    runs the line-by-line Fraction implementation instead of the counting engine (same outcome, slower).
    `verify=True` recounts the result with that reference implementation and raises `ElectionError` if the two
    differ (for an official count: a second, independent computation in exact arithmetic).
    """
    tie_breaking = tie_breaking or TieBreaking()
    eligible, runner = _prepare(election, tie_breaking, eligibility_factor, engine)
    if runner is None:
        return _empty_outcome(election, "mes", eligible)
    e = Fraction(endowment) if endowment is not None else election.budget / election.num_voters
    run = runner(e)
    if verify:
        _verify(election, eligible, tie_breaking, run, None)
    return _mes_outcome(election, "mes", run, eligible, add1_runs=None)


def mes_add1(
    election: Election,
    *,
    exhaustive_stop: bool = True,
    integral_start: bool = False,
    increment: int | Fraction = 1,
    tie_breaking: TieBreaking | None = None,
    eligibility_factor: int | Fraction | None = None,
    engine: str = "fast",
    rule: str | None = None,
    verify: bool = False,
) -> Outcome:
    """MES with the Add1 completion (pabulib `equalshares/add1`).

    equalshares.net `completion.mdx` "Add1": run MES with endowment budget / voters; then, while the next
    endowment (one more `increment` currency unit per voter) gives an outcome that still fits in the real
    budget, adopt it. With `exhaustive_stop` (pabutools `voter_budget_increment=1`), also stop as soon as the
    outcome is exhaustive (no unfunded candidate fits in the money left); without it, Wieliczka 2023's official
    computation (research note §4.1). With `integral_start`, the endowments after the first are
    ⌊budget / voters⌋ + k × increment (the generator's "integral" option). The same tie-breaking order is used in
    every run. The loop also ends when every project with a supporter is funded (nothing more can change).
    `verify=True` recounts, with the exact reference implementation, the adopted run and the run that ended the
    loop by overspending, and raises `ElectionError` if either disagrees.
    """
    tie_breaking = tie_breaking or TieBreaking()
    name = rule or ("mes-add1" if exhaustive_stop else "mes-add1-nonexhaustive")
    eligible, runner = _prepare(election, tie_breaking, eligibility_factor, engine)
    if runner is None:
        return _empty_outcome(election, name, eligible)
    run, runs, rejected = add1(
        election,
        runner,
        eligible,
        exhaustive_stop=exhaustive_stop,
        integral_start=integral_start,
        increment=Fraction(increment),
    )
    if verify:
        _verify(election, eligible, tie_breaking, run, rejected)
    return _mes_outcome(election, name, run, eligible, add1_runs=runs)


def mes_add1_utilitarian(
    election: Election,
    *,
    exhaustive_stop: bool = True,
    integral_start: bool = False,
    increment: int | Fraction = 1,
    tie_breaking: TieBreaking | None = None,
    eligibility_factor: int | Fraction | None = None,
    engine: str = "fast",
    verify: bool = False,
) -> Outcome:
    """Add1 followed by the utilitarian completion ("Add1U", the compute tool's default).

    equalshares.net `utilitarian_completion`: after MES + Add1, consider the remaining projects in decreasing
    score (votes, or points) and add each one that still fits in the budget left.
    """
    tie_breaking = tie_breaking or TieBreaking()
    outcome = mes_add1(
        election,
        exhaustive_stop=exhaustive_stop,
        integral_start=integral_start,
        increment=increment,
        tie_breaking=tie_breaking,
        eligibility_factor=eligibility_factor,
        engine=engine,
        rule="mes-add1-utilitarian",
        verify=verify,
    )
    return utilitarian_completion(election, outcome, tie_breaking, eligibility_factor)


def mes_add1_comparison(
    election: Election,
    *,
    exhaustive_stop: bool = False,
    integral_start: bool = False,
    increment: int | Fraction = 1,
    measure: str = "satisfaction",
    tie_breaking: TieBreaking | None = None,
    eligibility_factor: int | Fraction | None = None,
    engine: str = "fast",
    verify: bool = False,
) -> Outcome:
    """Add1, then the comparison with greedy (pabulib `equalshares/add1-comparison`, Wieliczka 2023).

    equalshares.net `comparisonStep`: compute the greedy outcome (decreasing votes, skipping what does not fit);
    count the voters who prefer each outcome — `measure="satisfaction"`: more of their approved projects funded
    (more of their points, for points ballots); `"exclusion"`: at least one funded project in one outcome and
    none in the other. If more voters prefer greedy, greedy's outcome is the result. Wieliczka computed Add1
    without the exhaustive stop, hence the default.
    """
    if measure not in ("satisfaction", "exclusion"):
        raise ElectionError(f"mesure de comparaison inconnue : {measure}")
    tie_breaking = tie_breaking or TieBreaking()
    mes_outcome = mes_add1(
        election,
        exhaustive_stop=exhaustive_stop,
        integral_start=integral_start,
        increment=increment,
        tie_breaking=tie_breaking,
        eligibility_factor=eligibility_factor,
        engine=engine,
        rule="mes-add1-comparison",
        verify=verify,
    )
    profile = election.profile
    pool = _eligible_indices(election, eligibility_factor)
    greedy_winners, greedy_results, greedy_events = greedy_fill(
        profile, pool, election.budget, tie_breaking, stage="greedy (comparaison)"
    )
    mes_winners = [profile.index[pid] for pid in mes_outcome.winners]
    prefer_mes, prefer_greedy = compare_outcomes(profile, mes_winners, greedy_winners, measure)
    comparison = Comparison(
        measure=measure,
        prefer_mes=prefer_mes,
        prefer_greedy=prefer_greedy,
        kept="greedy" if prefer_greedy > prefer_mes else "mes",
        greedy_winners=tuple(profile.ids[p] for p in greedy_winners),
    )
    if comparison.kept == "mes":
        return _replace(mes_outcome, comparison=comparison)
    results = {p: greedy_results[p] for p in greedy_results}
    for p in range(len(profile.ids)):
        if p not in results:
            results[p] = _plain(profile, p, Reason.INELIGIBLE)
    return make_outcome(
        election,
        "mes-add1-comparison",
        greedy_winners,
        results,
        tie_breaks=greedy_events,
        comparison=comparison,
    )


def compare_outcomes(
    profile: Profile, first: Sequence[int], second: Sequence[int], measure: str
) -> tuple[int, int]:
    """Voters who prefer `first`, voters who prefer `second` (see `mes_add1_comparison`)."""
    a, b = set(first), set(second)
    prefer_a = prefer_b = 0
    for projects, weights, mult in profile.groups:
        if measure == "satisfaction":
            sat_a = sum(w for p, w in zip(projects, weights, strict=True) if p in a)
            sat_b = sum(w for p, w in zip(projects, weights, strict=True) if p in b)
        else:
            sat_a = any(p in a for p in projects)
            sat_b = any(p in b for p in projects)
        if sat_a > sat_b:
            prefer_a += mult
        elif sat_b > sat_a:
            prefer_b += mult
    return prefer_a, prefer_b


def utilitarian_completion(
    election: Election,
    outcome: Outcome,
    tie_breaking: TieBreaking | None = None,
    eligibility_factor: int | Fraction | None = None,
) -> Outcome:
    """Add the projects left out, in decreasing score, while they fit (equalshares.net `utilitarian_completion`)."""
    tie_breaking = tie_breaking or TieBreaking()
    profile = election.profile
    chosen = [profile.index[pid] for pid in outcome.winners]
    chosen_set = set(chosen)
    pool = [p for p in _eligible_indices(election, eligibility_factor) if p not in chosen_set]
    added, results, events = greedy_fill(
        profile,
        pool,
        election.budget - outcome.total_cost,
        tie_breaking,
        stage="complément",
        selected_reason=Reason.SELECTED_COMPLETION,
    )
    projects = dict(outcome.projects)
    for res in results.values():
        before = projects[res.project_id]
        position = len(chosen) + res.position if res.position else None
        projects[res.project_id] = ProjectResult(
            project_id=res.project_id,
            cost=res.cost,
            votes=res.votes,
            score=res.score,
            selected=res.selected,
            position=position,
            reason=res.reason,
            budget_left=res.budget_left,
            effective_votes=before.effective_votes,
            price=before.price,
            supporters_money=before.supporters_money,
        )
    winners = outcome.winners + tuple(profile.ids[p] for p in added)
    return _replace(
        outcome,
        winners=winners,
        total_cost=outcome.total_cost + sum((profile.cost[p] for p in added), Fraction(0)),
        projects=projects,
        tie_breaks=outcome.tie_breaks + tuple(events),
    )


def add1(
    election: Election,
    runner: Runner,
    eligible: Sequence[int],
    *,
    exhaustive_stop: bool,
    integral_start: bool,
    increment: Fraction,
) -> tuple[MesRun, int, Fraction | None]:
    """The Add1 loop (see `mes_add1`).

    Returns the adopted run, the number of MES runs made, and the endowment whose outcome overspent the budget
    and ended the loop (None when it ended on an exhaustive outcome or with every fundable project funded).
    """
    if increment <= 0:
        raise ElectionError("l'incrément de la complétion Add1 doit être positif")
    profile = election.profile
    budget = election.budget
    n = election.num_voters
    candidates, free = mes_candidates(profile, eligible)
    fundable = len(candidates) + len(free)
    current = runner(budget / n)
    runs = 1
    base = Fraction(budget // n) if integral_start else budget / n

    def endowment(step: int) -> Fraction:
        return base + step * increment

    def final(run: MesRun) -> bool:
        """Whether the loop stops at `run` (all funded, or exhaustive with the exhaustive stop)."""
        if len(run.winners) >= fundable:
            return True
        if not exhaustive_stop:
            return False
        spent = run.cost(profile)
        chosen = set(run.winners)
        return all(p in chosen or spent + profile.cost[p] > budget for p in candidates)

    # a one-shot command may make the runs two at a time (`ahead.parallel_add1`); same outcome
    runs_ahead = None
    if ahead.enabled() and not final(current):
        try:
            runs_ahead = ahead.RunsAhead(
                runner, endowment, lambda run: run.cost(profile) > budget or final(run)
            )
        except OSError:  # no process could be started: one run after the other
            runs_ahead = None
    rejected = None
    try:
        step = 1
        while not final(current):
            following = runs_ahead.get(step) if runs_ahead is not None else runner(endowment(step))
            runs += 1
            if following.cost(profile) > budget:
                rejected = following.endowment
                break
            current = following
            step += 1
    finally:
        if runs_ahead is not None:
            runs_ahead.close()
    if ahead.made_ahead(current):
        current = runner(current.endowment)  # made by the child: made again here, to be explained
    return current, runs, rejected


def _verify(
    election: Election,
    eligible: Sequence[int],
    tie_breaking: TieBreaking,
    run: MesRun,
    rejected: Fraction | None,
) -> None:
    """Recount `run` (and the overspending run after it) with the exact reference implementation."""
    profile = election.profile
    candidates, free = mes_candidates(profile, eligible)
    engine = getattr(run, "_engine", None)
    if engine is not None:
        engine.explain(run)
    check = reference_run(profile, candidates, free, run.endowment, tie_breaking)
    if check.winners != run.winners or check.prices != run.prices:
        raise VerificationError(
            "la vérification en arithmétique exacte donne un autre résultat : "
            f"{[profile.ids[p] for p in check.winners]} au lieu de {[profile.ids[p] for p in run.winners]}"
        )
    if (
        rejected is not None
        and reference_run(profile, candidates, free, rejected, tie_breaking).cost(profile) <= election.budget
    ):
        raise VerificationError(
            "la vérification en arithmétique exacte ne confirme pas l'arrêt du complément Add1"
        )


def _eligible_indices(election: Election, eligibility_factor: int | Fraction | None) -> list[int]:
    profile = election.profile
    if eligibility_factor is None:
        return list(range(len(profile.ids)))
    return [profile.index[pid] for pid in eligible_projects(election, eligibility_factor)]


def _prepare(
    election: Election,
    tie_breaking: TieBreaking,
    eligibility_factor: int | Fraction | None,
    engine: str,
) -> tuple[list[int], Runner | None]:
    profile = election.profile
    eligible = _eligible_indices(election, eligibility_factor)
    if election.num_voters == 0:
        return eligible, None
    candidates, free = mes_candidates(profile, eligible)
    if engine == "fast":
        fast = Engine(profile, candidates, free, tie_breaking)

        def run_fast(e: Fraction) -> MesRun:
            return fast.run(e)

        return eligible, run_fast
    if engine == "reference":

        def run_reference(e: Fraction) -> MesRun:
            return reference_run(profile, candidates, free, e, tie_breaking)

        return eligible, run_reference
    raise ElectionError(f"moteur de calcul inconnu : {engine}")


def _mes_outcome(
    election: Election, rule: str, run: MesRun, eligible: Sequence[int], add1_runs: int | None
) -> Outcome:
    profile = election.profile
    engine = getattr(run, "_engine", None)
    if engine is not None:
        engine.explain(run)
    eligible_set = set(eligible)
    results: dict[int, ProjectResult] = {}
    for position, (p, price) in enumerate(zip(run.winners, run.prices, strict=True), start=1):
        results[p] = ProjectResult(
            project_id=profile.ids[p],
            cost=profile.cost[p],
            votes=profile.votes[p],
            score=profile.score[p],
            selected=True,
            position=position,
            reason=Reason.SELECTED_MES,
            effective_votes=profile.cost[p] / price if price else None,
            price=price,
        )
    for p in range(len(profile.ids)):
        if p in results:
            continue
        if p not in eligible_set:
            results[p] = _plain(profile, p, Reason.INELIGIBLE)
        elif p in run.supporters_money:
            results[p] = ProjectResult(
                project_id=profile.ids[p],
                cost=profile.cost[p],
                votes=profile.votes[p],
                score=profile.score[p],
                selected=False,
                position=None,
                reason=Reason.NOT_AFFORDABLE,
                supporters_money=run.supporters_money[p],
            )
    return make_outcome(
        election,
        rule,
        run.winners,
        results,
        endowment=run.endowment,
        add1_runs=add1_runs,
        tie_breaks=run.tie_events,
    )


def _empty_outcome(election: Election, rule: str, eligible: Sequence[int]) -> Outcome:
    profile = election.profile
    eligible_set = set(eligible)
    results = {
        p: _plain(profile, p, Reason.INELIGIBLE) for p in range(len(profile.ids)) if p not in eligible_set
    }
    return make_outcome(election, rule, [], results)


def _plain(profile: Profile, p: int, reason: Reason) -> ProjectResult:
    return ProjectResult(
        project_id=profile.ids[p],
        cost=profile.cost[p],
        votes=profile.votes[p],
        score=profile.score[p],
        selected=False,
        position=None,
        reason=reason,
    )


def _replace(outcome: Outcome, **changes: Any) -> Outcome:
    from dataclasses import replace

    return replace(outcome, **changes)
