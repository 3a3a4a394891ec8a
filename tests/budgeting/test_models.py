"""Invariants of the participatory budget held by the database and the models."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from beffroi.budgeting.models import Ballot, BallotChoice, Phase, VoterVerification
from tests.budgeting.conftest import make_budget
from tests.factories import member


def test_database_refuses_a_second_ballot_row_for_the_same_voter(voting_budget, habitant_valbourg):
    budget, _projects = voting_budget
    Ballot.objects.create(budget=budget, voter=habitant_valbourg)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(budget=budget, voter=habitant_valbourg)


def test_database_refuses_the_same_project_twice_on_one_ballot(voting_budget):
    budget, projects = voting_budget
    BallotChoice.objects.create(budget=budget, ballot_token="t" * 64, project=projects[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        BallotChoice.objects.create(budget=budget, ballot_token="t" * 64, project=projects[0])


def test_one_verification_per_voter_and_budget(voting_budget, habitant_valbourg):
    budget, _projects = voting_budget
    VoterVerification.objects.create(budget=budget, voter=habitant_valbourg, method="guichet")
    with pytest.raises(IntegrityError), transaction.atomic():
        VoterVerification.objects.create(budget=budget, voter=habitant_valbourg, method="code")


def test_phase_follows_the_dates_unless_set_explicitly(valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    assert budget.phase == Phase.IDEAS
    budget.ideas_close_at = timezone.now() - timedelta(minutes=1)
    assert budget.phase == Phase.INSTRUCTION
    budget.phase_override = Phase.VOTE
    assert budget.phase == Phase.VOTE


def test_ballot_rows_carry_no_choice_and_choices_carry_no_voter():
    ballot_fields = {f.name for f in Ballot._meta.get_fields()}
    choice_fields = {f.name for f in BallotChoice._meta.get_fields()}
    assert "project" not in ballot_fields and "value" not in ballot_fields
    assert "voter" not in choice_fields and "ballot" not in choice_fields


def test_budget_slugs_are_per_commune(valbourg, hautmesnil, agent_valbourg):
    make_budget(valbourg, agent_valbourg, slug="bp-2026")
    agent_h = member(hautmesnil, "agent", "agent-h@hautmesnil.test")
    assert make_budget(hautmesnil, agent_h, slug="bp-2026").commune == hautmesnil
