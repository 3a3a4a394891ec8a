"""Our rules against pabutools (the reference library, a test-only dependency) on random instances.

pabutools is given the same tie-breaking order (lowest cost, most votes, then the draw), cost satisfaction
(`Cost_Sat`: the equalshares.net "cost utilities"), and for points ballots the additive satisfaction
points × cost, so both libraries compute the same definitions.
"""

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabutools.election import (
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    Cardinality_Sat,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
    Instance,
)
from pabutools.election import Project as PabutoolsProject
from pabutools.election.satisfaction import Additive_Cardinal_Sat
from pabutools.fractions import frac
from pabutools.rules import (
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    popularity_comparison,
)
from pabutools.tiebreaking import TieBreakingRule

from beffroi.budgeting.rules import (
    BallotType,
    Election,
    Project,
    TieBreaking,
    greedy,
    mes_add1,
    mes_add1_comparison,
    mes_add1_utilitarian,
)
from beffroi.budgeting.rules import (
    method_of_equal_shares as our_mes,
)

ORACLE = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _points_times_cost(instance, profile, ballot, project, precomputed):
    return ballot.get(project, 0) * project.cost


class PointsCostSat(AdditiveSatisfaction):
    """Cost utilities for points ballots: a voter's utility for a project is its points × its cost."""

    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot, _points_times_cost)


def _money(value: Fraction):
    return frac(value.numerator, value.denominator)


def to_pabutools(election: Election, tie: TieBreaking):
    projects = {p.id: PabutoolsProject(p.id, _money(p.cost)) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=_money(election.budget))
    if election.ballot_type is BallotType.CUMULATIVE:
        profile = CumulativeProfile(
            [CumulativeBallot({projects[p]: w for p, w in b}) for b in election.ballots], instance=instance
        )
        sat = PointsCostSat
    else:
        profile = ApprovalProfile(
            [ApprovalBallot([projects[p] for p in b]) for b in election.ballots], instance=instance
        )
        sat = Cost_Sat
    ours = election.profile
    keys = {pid: (*tie.key(ours, ours.index[pid]), tie.draw_position[pid]) for pid in ours.ids}
    tie_rule = TieBreakingRule(lambda inst, prof, project: keys[project.name])
    return instance, profile, sat, tie_rule


def names(allocation) -> tuple[str, ...]:
    return tuple(p.name for p in allocation)


@st.composite
def elections(draw, points: bool = False, max_projects: int = 6, max_voters: int = 10):
    m = draw(st.integers(2, max_projects))
    ids = [f"p{i}" for i in range(m)]
    # costs in whole and half units; several equal costs so that ties go down to the draw
    costs = draw(st.lists(st.integers(1, 24).map(lambda c: Fraction(c, 2)), min_size=m, max_size=m))
    n = draw(st.integers(1, max_voters))
    ballots = []
    for _ in range(n):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=m))
        ballots.append(tuple((p, draw(st.integers(1, 3))) for p in chosen) if points else tuple(chosen))
    budget = draw(st.integers(1, 30))
    draw_order = tuple(draw(st.permutations(ids)))
    election = Election(
        projects=tuple(Project(p, c) for p, c in zip(ids, costs, strict=True)),
        budget=budget,
        ballots=tuple(ballots),
        ballot_type=BallotType.CUMULATIVE if points else BallotType.APPROVAL,
    )
    return election, TieBreaking(draw=draw_order)


@ORACLE
@given(case=elections())
def test_greedy_matches_pabutools(case):
    election, tie = case
    instance, profile, sat, tie_rule = to_pabutools(election, tie)
    expected = greedy_utilitarian_welfare(instance, profile, sat_class=sat, tie_breaking=tie_rule)
    assert greedy(election, tie_breaking=tie).winners == names(expected)


@ORACLE
@given(case=elections(points=True))
def test_greedy_by_points_matches_pabutools(case):
    election, tie = case
    instance, profile, sat, tie_rule = to_pabutools(election, tie)
    expected = greedy_utilitarian_welfare(instance, profile, sat_class=sat, tie_breaking=tie_rule)
    assert greedy(election, tie_breaking=tie).winners == names(expected)


@ORACLE
@given(case=elections(), points=st.booleans())
def test_mes_matches_pabutools(case, points):
    election, tie = case
    if points:
        election = Election(
            projects=election.projects,
            budget=election.budget,
            ballots=tuple(tuple((p, 1 + i % 3) for i, p in enumerate(b)) for b in election.ballots),
            ballot_type=BallotType.CUMULATIVE,
        )
    instance, profile, sat, tie_rule = to_pabutools(election, tie)
    expected = method_of_equal_shares(instance, profile, sat_class=sat, tie_breaking=tie_rule)
    assert our_mes(election, tie_breaking=tie).winners == names(expected)


@ORACLE
@given(case=elections())
def test_mes_add1_exhaustive_stop_matches_pabutools(case):
    election, tie = case
    instance, profile, sat, tie_rule = to_pabutools(election, tie)
    expected = method_of_equal_shares(
        instance, profile, sat_class=sat, tie_breaking=tie_rule, voter_budget_increment=1
    )
    assert mes_add1(election, tie_breaking=tie).winners == names(expected)


@ORACLE
@given(case=elections(points=True, max_projects=5, max_voters=8))
def test_mes_add1_points_matches_pabutools(case):
    election, tie = case
    instance, profile, sat, tie_rule = to_pabutools(election, tie)
    expected = method_of_equal_shares(
        instance, profile, sat_class=sat, tie_breaking=tie_rule, voter_budget_increment=1
    )
    assert mes_add1(election, tie_breaking=tie).winners == names(expected)


def _pabutools_add1_without_exhaustive_stop(election, instance, profile, sat, tie_rule):
    return exhaustion_by_budget_increase(
        instance,
        profile,
        method_of_equal_shares,
        {"sat_class": sat, "tie_breaking": tie_rule},
        exhaustive_stop=False,
        budget_step=election.num_voters,
    )


@ORACLE
@given(case=elections())
def test_mes_add1_without_exhaustive_stop_matches_pabutools(case):
    election, tie = case
    instance, profile, sat, tie_rule = to_pabutools(election, tie)
    expected = _pabutools_add1_without_exhaustive_stop(election, instance, profile, sat, tie_rule)
    ours = mes_add1(election, exhaustive_stop=False, tie_breaking=tie)
    supported = {p.id for p in election.projects if election.profile.votes[election.profile.index[p.id]]}
    if set(ours.winners) == supported:
        # everything with a supporter is funded: we stop there; pabutools keeps adding money up to its bound,
        # which funds the same projects, possibly in another order
        assert set(names(expected)) == supported
    else:
        assert ours.winners == names(expected)


@ORACLE
@given(case=elections())
def test_mes_add1_utilitarian_matches_pabutools(case):
    election, tie = case
    instance, profile, sat, tie_rule = to_pabutools(election, tie)
    expected = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [
            {"sat_class": sat, "tie_breaking": tie_rule, "voter_budget_increment": 1},
            {"sat_class": sat, "tie_breaking": tie_rule},
        ],
    )
    assert mes_add1_utilitarian(election, tie_breaking=tie).winners == names(expected)


@ORACLE
@given(case=elections())
def test_comparison_step_matches_pabutools_popularity_comparison(case):
    election, tie = case
    instance, profile, sat, tie_rule = to_pabutools(election, tie)
    mes_outcome = _pabutools_add1_without_exhaustive_stop(election, instance, profile, sat, tie_rule)
    greedy_outcome = greedy_utilitarian_welfare(instance, profile, sat_class=sat, tie_breaking=tie_rule)
    popular = popularity_comparison(
        instance,
        profile,
        Cardinality_Sat,
        [lambda *args, **kwargs: mes_outcome, lambda *args, **kwargs: greedy_outcome],
    )
    ours = mes_add1_comparison(election, tie_breaking=tie)
    supported = {p.id for p in election.projects if election.profile.votes[election.profile.index[p.id]]}
    if set(mes_outcome) != set(greedy_outcome) and set(names(mes_outcome)) != supported:
        greedy_wins = len(popular) == 1 and popular[0] == greedy_outcome
        assert ours.comparison.kept == ("greedy" if greedy_wins else "mes")
        assert ours.winners == names(greedy_outcome if greedy_wins else mes_outcome)


def test_the_points_satisfaction_is_what_pabutools_calls_additive_cardinal_times_cost():
    election = Election(
        projects=(Project("a", 10), Project("b", 4)),
        budget=10,
        ballots=((("a", 2), ("b", 1)), (("b", 3),)),
        ballot_type=BallotType.CUMULATIVE,
    )
    instance, profile, sat, _ = to_pabutools(election, TieBreaking(draw=("a", "b")))
    for ballot in profile:
        cardinal = Additive_Cardinal_Sat(instance, profile, ballot)
        ours = PointsCostSat(instance, profile, ballot)
        for project in instance:
            assert ours.sat_project(project) == cardinal.sat_project(project) * project.cost


@pytest.mark.slow
def test_real_elections_match_pabutools():
    from pathlib import Path

    from beffroi.budgeting.pabulib import read_pabulib

    folder = Path(__file__).resolve().parents[1] / "data" / "pabulib"
    for name in (
        "Netherlands_Assen_2024.pb",
        "Poland_Swiecie_2023.pb",
        "Poland_Wieliczka_2023_Green_Budget.pb",
    ):
        pb = read_pabulib(folder / name)
        election = pb.election()
        tie = TieBreaking(draw=tuple(p.id for p in pb.projects))
        instance, profile, sat, tie_rule = to_pabutools(election, tie)
        multi = profile.as_multiprofile()
        expected = method_of_equal_shares(
            instance, multi, sat_class=sat, tie_breaking=tie_rule, voter_budget_increment=1
        )
        assert mes_add1(election, tie_breaking=tie).winners == names(expected), name
