"""Voting: verification, rules of the ballot (refused in French), replacement until close, paper double entry."""

import hashlib
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from beffroi.budgeting import selectors, services
from beffroi.budgeting.models import Ballot, BallotChoice, PaperBallotEntry, VoterVerification, VotingCode
from tests.budgeting.conftest import add_projects, make_budget, verified
from tests.factories import member

BASE = "/valbourg/budget-participatif"


def cast(budget, user, projects, values=None):
    choices = {p.pk: (values[i] if values else 1) for i, p in enumerate(projects)}
    return services.ballot_cast(commune=budget.commune, budget=budget, voter=user, choices=choices)


def test_an_unverified_resident_cannot_vote(voting_budget, habitant_valbourg):
    budget, projects = voting_budget
    with pytest.raises(ValidationError, match="code de vote"):
        cast(budget, habitant_valbourg, projects[:1])


def test_a_printed_code_works_once(voting_budget, agent_valbourg, habitant_valbourg):
    budget, projects = voting_budget
    code = services.voting_codes_generate(
        commune=budget.commune, budget=budget, actor=agent_valbourg, count=2
    )[0]
    services.voter_verify_with_code(
        commune=budget.commune, budget=budget, voter=habitant_valbourg, code=code.lower()
    )
    cast(budget, habitant_valbourg, projects[:2])
    other = member(budget.commune, "habitant", "voisin@valbourg.test")
    with pytest.raises(ValidationError, match="déjà servi"):
        services.voter_verify_with_code(commune=budget.commune, budget=budget, voter=other, code=code)


def test_too_many_projects_is_refused_in_french(voting_budget, agent_valbourg, habitant_valbourg):
    budget, projects = voting_budget
    verified(budget, agent_valbourg, habitant_valbourg)
    with pytest.raises(ValidationError) as error:
        cast(budget, habitant_valbourg, projects[:4])
    assert "Trop de projets : 4 choisis, 3 au maximum." in error.value.messages
    assert not Ballot.objects.filter(budget=budget).exists()


def test_basket_over_the_cost_limit_is_refused(valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, ballot_type="panier", max_choices=None, cost_limit=70000)
    projects = add_projects(budget, agent_valbourg)
    verified(budget, agent_valbourg, habitant_valbourg)
    with pytest.raises(ValidationError) as error:
        cast(budget, habitant_valbourg, projects[:2])  # 40 000 + 60 000
    assert "plus que la limite de 70 000 €" in error.value.messages[0]
    cast(budget, habitant_valbourg, [projects[0], projects[2], projects[3]])  # 60 000
    assert Ballot.objects.filter(budget=budget).count() == 1


def test_cumulative_points_over_the_total_are_refused(valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, ballot_type="points", points_total=10, max_choices=None)
    projects = add_projects(budget, agent_valbourg)
    verified(budget, agent_valbourg, habitant_valbourg)
    with pytest.raises(ValidationError, match="11 points, 10 au maximum"):
        cast(budget, habitant_valbourg, projects[:2], [6, 5])
    cast(budget, habitant_valbourg, projects[:2], [6, 4])


def test_ranking_must_be_consecutive(valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, ballot_type="classement")
    projects = add_projects(budget, agent_valbourg)
    verified(budget, agent_valbourg, habitant_valbourg)
    with pytest.raises(ValidationError, match="rangs doivent se suivre"):
        cast(budget, habitant_valbourg, projects[:2], [1, 3])
    cast(budget, habitant_valbourg, projects[:2], [2, 1])


def test_voting_outside_the_dates_is_refused(valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="closed")
    projects = add_projects(budget, agent_valbourg)
    verified(budget, agent_valbourg, habitant_valbourg)
    with pytest.raises(ValidationError, match="Le vote n'est pas ouvert"):
        cast(budget, habitant_valbourg, projects[:1])


def test_changing_the_ballot_replaces_the_choices(voting_budget, agent_valbourg, habitant_valbourg):
    budget, projects = voting_budget
    verified(budget, agent_valbourg, habitant_valbourg)
    cast(budget, habitant_valbourg, projects[:3])
    cast(budget, habitant_valbourg, projects[3:5])
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert set(BallotChoice.objects.filter(budget=budget).values_list("project_id", flat=True)) == {
        projects[3].pk,
        projects[4].pk,
    }
    assert selectors.ballot_of(budget=budget, voter=habitant_valbourg) == {
        projects[3].pk: 1,
        projects[4].pk: 1,
    }


def test_a_resident_of_another_commune_cannot_vote(voting_budget, agent_valbourg, hautmesnil):
    budget, projects = voting_budget
    outsider = member(hautmesnil, "habitant", "h@hautmesnil.test")
    services.voter_verify_at_counter(
        commune=budget.commune,
        budget=budget,
        actor=agent_valbourg,
        voter=outsider,
        checks=["identite", "domicile"],
    )
    with pytest.raises(ValidationError, match="pas inscrit"):
        cast(budget, outsider, projects[:1])


def test_an_agent_of_another_commune_cannot_verify_or_count(
    voting_budget, agent_hautmesnil, habitant_valbourg
):
    budget, _projects = voting_budget
    with pytest.raises(PermissionDenied):
        services.voter_verify_at_counter(
            commune=budget.commune,
            budget=budget,
            actor=agent_hautmesnil,
            voter=habitant_valbourg,
            checks=["identite", "domicile"],
        )
    with pytest.raises(PermissionDenied):
        services.budget_close_and_count(commune=budget.commune, budget=budget, actor=agent_hautmesnil)


def test_paper_ballots_count_only_when_two_agents_agree(voting_budget, agent_valbourg, admin_valbourg):
    budget, projects = voting_budget
    second = member(budget.commune, "agent", "agent2@valbourg.test")
    a, b, c = projects[0].pk, projects[1].pk, projects[2].pk
    record = services.paper_entry_record
    record(commune=budget.commune, budget=budget, actor=agent_valbourg, paper_number=1, choices={a: 1, b: 1})
    record(commune=budget.commune, budget=budget, actor=second, paper_number=1, choices={b: 1, a: 1})
    record(commune=budget.commune, budget=budget, actor=agent_valbourg, paper_number=2, choices={a: 1})
    record(commune=budget.commune, budget=budget, actor=second, paper_number=2, choices={c: 1})
    record(commune=budget.commune, budget=budget, actor=agent_valbourg, paper_number=3, choices={c: 1})
    state = selectors.paper_reconciliation(budget=budget)
    assert [n for n, _e in state["matching"]] == [1]
    assert [n for n, _e in state["mismatch"]] == [2]
    assert [n for n, _e in state["single"]] == [3]
    ballots, online, paper = selectors.collected_ballots(budget=budget)
    assert (online, paper) == (0, 1)
    assert ballots == [tuple(sorted((str(a), str(b))))]
    # the agent who mistyped corrects their own entry: now it counts
    record(commune=budget.commune, budget=budget, actor=second, paper_number=2, choices={a: 1})
    assert selectors.collected_ballots(budget=budget)[2] == 2
    assert PaperBallotEntry.objects.filter(budget=budget, paper_number=2).count() == 2


def test_a_paper_ballot_breaking_the_rules_is_refused(voting_budget, agent_valbourg):
    budget, projects = voting_budget
    with pytest.raises(ValidationError, match="Trop de projets"):
        services.paper_entry_record(
            commune=budget.commune,
            budget=budget,
            actor=agent_valbourg,
            paper_number=9,
            choices={p.pk: 1 for p in projects},
        )


def test_new_codes_use_the_report_codes_alphabet_and_old_codes_still_work(
    client, voting_budget, agent_valbourg, habitant_valbourg
):
    """Review: codes such as « WT9L-7HUL-2JLQ » held an L, which the tracking codes leave out (read as I or 1).
    New codes take `core.codes.ALPHABET`; a code printed before, with its L, is still accepted as typed."""
    budget, _projects = voting_budget
    client.force_login(agent_valbourg)
    page = client.post(f"{BASE}/gestion/{budget.slug}/codes/", {"count": "200"}).content.decode()
    printed = re.findall(r'class="pb-code">([^<]+)<', page)
    assert len(printed) == 200
    assert all(
        re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}){2}", c)
        for c in printed
    )
    assert not any(ch in "".join(printed) for ch in "IL1O0")

    # A slip printed with the former alphabet (its hash stored as the former service stored it).
    VotingCode.objects.create(
        commune=budget.commune,
        budget=budget,
        code_hash=hashlib.sha256(b"WT9L7HUL2JLQ").hexdigest(),
    )
    client.force_login(habitant_valbourg)
    page = client.post(
        f"{BASE}/{budget.slug}/voter/verifier-mon-compte/", {"code": "wt9l 7hul-2jlq"}, follow=True
    ).content.decode()
    assert "Code accepté : vous pouvez voter." in page
    assert VoterVerification.objects.filter(budget=budget, voter=habitant_valbourg, method="code").exists()
