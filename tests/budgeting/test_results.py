"""Counting a budget: the stored results are what the pure rules give on the anonymous ballots."""

import random

import pytest
from django.core.exceptions import ValidationError

from beffroi.budgeting import rules, selectors, services
from beffroi.budgeting.models import ProjectStatus, SubBudget
from beffroi.budgeting.pabulib import parse_pabulib
from tests.budgeting.conftest import add_projects, make_budget, verified
from tests.factories import member

# The classic case: 6 voters want the A projects, 4 the B ones, all at 30 000 €. Greedy gives the majority
# everything it wants (A1, A2, A3) and the minority nothing; equal shares give each group its share (2 A, 1 B).
SPECS = [
    ("Halle A1", 30000),
    ("Halle A2", 30000),
    ("Halle A3", 30000),
    ("Verger B1", 30000),
    ("Verger B2", 30000),
]


def _vote(budget, agent, ballots):
    for i, chosen in enumerate(ballots):
        user = verified(budget, agent, member(budget.commune, "habitant", f"votant{i}@valbourg.test"))
        services.ballot_cast(
            commune=budget.commune, budget=budget, voter=user, choices={p.pk: 1 for p in chosen}
        )


@pytest.fixture
def counted(valbourg, agent_valbourg, admin_valbourg):
    budget = make_budget(valbourg, agent_valbourg, max_choices=None)
    a1, a2, a3, b1, b2 = add_projects(budget, agent_valbourg, SPECS)
    _vote(budget, agent_valbourg, [[a1, a2, a3]] * 6 + [[b1, b2]] * 4)
    budget = services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    return budget, (a1, a2, a3, b1, b2)


def test_results_match_the_pure_rules(counted):
    budget, projects = counted
    ballots, online, paper = selectors.collected_ballots(budget=budget)
    election = selectors.election_for(budget=budget, ballots=ballots)
    expected = rules.count(
        election, "mes-add1", tie_breaking=rules.TieBreaking(draw=tuple(budget.results["draw"]))
    )
    greedy = rules.count(
        election, "greedy", tie_breaking=rules.TieBreaking(draw=tuple(budget.results["draw"]))
    )
    assert budget.results["winners"] == list(expected.winners)
    assert budget.results["greedy_winners"] == list(greedy.winners)
    assert budget.results["num_voters"] == online == 10 and paper == 0


def test_mes_gives_the_minority_its_share_where_greedy_gives_nothing(counted):
    budget, (a1, a2, a3, b1, b2) = counted
    data = budget.results
    assert sorted(data["greedy_winners"]) == sorted(str(p.pk) for p in (a1, a2, a3))
    assert len([w for w in data["winners"] if w in {str(a1.pk), str(a2.pk), str(a3.pk)}]) == 2
    assert len([w for w in data["winners"] if w in {str(b1.pk), str(b2.pk)}]) == 1
    assert data["share_with_funded"] == 1.0
    assert data["greedy_share_with_funded"] == 0.6
    row = data["projects"][str(data["winners"][0])]
    assert row["effective_votes"] is not None and row["price"] is not None


def test_counting_marks_winners_for_follow_up(counted):
    budget, projects = counted
    winners = set(budget.results["winners"])
    for p in projects:
        p.refresh_from_db()
        expected = ProjectStatus.SELECTED if str(p.pk) in winners else ProjectStatus.NOT_SELECTED
        assert p.status == expected
    assert budget.results_published


def test_export_pb_is_readable_and_reproduces_the_winners(counted, client):
    budget, _projects = counted
    response = client.get(f"/valbourg/budget-participatif/{budget.slug}/resultats.pb")
    assert response.status_code == 200
    pb = parse_pabulib(response.content.decode())
    assert len(pb.voters) == 10
    assert sorted(pb.selected_ids()) == sorted(budget.results["winners"])
    outcome = rules.count(
        pb.election(), "mes-add1", tie_breaking=rules.TieBreaking(draw=tuple(budget.results["draw"]))
    )
    assert sorted(outcome.winners) == sorted(budget.results["winners"])


def test_export_csv_has_one_line_per_project(counted, client):
    budget, projects = counted
    response = client.get(f"/valbourg/budget-participatif/{budget.slug}/resultats.csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("projet;titre;cout;voix")
    assert len(lines) == 1 + len(projects)


def test_sub_budgets_are_counted_separately(valbourg, agent_valbourg, admin_valbourg):
    budget = make_budget(valbourg, agent_valbourg, max_choices=None, total_amount=60000)
    north = SubBudget.objects.create(budget=budget, name="Quartier nord", amount=20000)
    a, b, c = add_projects(
        budget, agent_valbourg, [("Nord A", 15000), ("Centre B", 30000), ("Centre C", 35000)]
    )
    a.sub_budget = north
    a.save()
    _vote(budget, agent_valbourg, [[a, b, c]] * 3 + [[b]])
    budget = services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    assert str(a.pk) in budget.results["winners"]  # its own envelope
    assert [g["amount"] for g in budget.results["groups"]] == [20000, 40000]
    assert budget.results["total_cost"] <= 60000


def test_counting_before_the_vote_is_refused(valbourg, agent_valbourg, admin_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    with pytest.raises(ValidationError, match="une fois le vote ouvert"):
        services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)


def test_random_budgets_match_the_rules_with_points(valbourg, agent_valbourg, admin_valbourg):
    rng = random.Random(7)
    budget = make_budget(valbourg, agent_valbourg, ballot_type="points", points_total=6, max_choices=None)
    projects = add_projects(
        budget, agent_valbourg, [(f"Projet {i}", rng.randrange(5, 60) * 1000) for i in range(6)]
    )
    for i in range(12):
        user = verified(budget, agent_valbourg, member(valbourg, "habitant", f"p{i}@valbourg.test"))
        chosen = rng.sample(projects, 2)
        services.ballot_cast(
            commune=valbourg, budget=budget, voter=user, choices={chosen[0].pk: 4, chosen[1].pk: 2}
        )
    budget = services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    election = selectors.election_for(budget=budget, ballots=selectors.collected_ballots(budget=budget)[0])
    expected = rules.count(
        election, "mes-add1", tie_breaking=rules.TieBreaking(draw=tuple(budget.results["draw"]))
    )
    assert budget.results["winners"] == list(expected.winners)
