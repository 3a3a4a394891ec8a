"""Erasing an account (RGPD art. 17): no copy of the address is left in any table, while the voters' roll still
stops the same person from voting twice."""

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import connection

from beffroi.accounts import services as accounts
from beffroi.accounts.models import User
from beffroi.budgeting import selectors as budgeting_selectors
from beffroi.budgeting import services as budgeting
from beffroi.budgeting.models import Ballot, BallotChoice
from beffroi.core.models import AuditEntry
from beffroi.reports.models import Report
from tests.accounts.conftest import EMAIL, NAME, NEW_PASSWORD
from tests.factories import member


@pytest.fixture
def queued_tasks(settings):
    """Mails queued in the database, as in production (`beffroi worker` sends them and keeps their rows)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def tables_holding(*needles: str) -> dict[str, list[str]]:
    """Every table of the database, every column of every row, read as text: where any needle appears."""
    wanted = {n.lower() for n in needles} | {json.dumps(n)[1:-1].lower() for n in needles}
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = (
                        value.decode(errors="replace") if isinstance(value, bytes) else str(value)
                    ).lower()
                    if any(n in text for n in wanted):
                        found.setdefault(table, []).append(column)
    return found


def test_the_journey_leaves_the_address_in_many_tables(queued_tasks, journey):
    # The reproduction of the defect: before erasure the address is in the login log, the queued mails, the
    # reports' contact details… so the search below can find it.
    found = tables_holding(EMAIL)
    assert {"accounts_user", "axes_accesslog", "reports_report"} <= set(found)
    assert any("task" in table for table in found)


def test_after_erasure_no_table_holds_the_address_or_the_name(queued_tasks, journey, client, admin_valbourg):
    user = journey.user
    LogEntry.objects.log_actions(
        user_id=admin_valbourg.pk, queryset=User.objects.filter(pk=user.pk), action_flag=CHANGE
    )  # the platform operator once corrected the account in the Django admin
    client.post("/valbourg/deconnexion/")
    client.post("/valbourg/connexion/", {"username": EMAIL, "password": "encore-faux"})  # left as a failure
    client.force_login(user)
    response = client.post("/valbourg/compte/supprimer/", {"password": NEW_PASSWORD})
    assert response.status_code == 302

    assert tables_holding(EMAIL, NAME) == {}
    # What must stay does: the reports and the idea (without their author), the ballot and its choices, the
    # audit log under an account number.
    assert Report.objects.filter(pk__in=[r.pk for r in journey.reports], contact_email="").count() == 2
    assert Ballot.objects.filter(budget=journey.budget, voter=None).exclude(voter_key="").count() == 1
    assert BallotChoice.objects.filter(budget=journey.budget).count() == 1
    assert AuditEntry.objects.filter(summary=f"compte n° {user.pk}", action="budget.voter.verify").exists()


def test_the_counter_still_refuses_a_second_ballot_after_erasure(
    queued_tasks, journey, client, agent_valbourg, django_capture_on_commit_callbacks
):
    budget = journey.budget
    accounts.user_delete(user=journey.user)

    # At the counter, the agent types the address of the person in front of them: no account has it any more,
    # and the agent is told this address has already voted.
    client.force_login(agent_valbourg)
    response = client.post(
        f"/valbourg/budget-participatif/gestion/{budget.slug}/guichet/",
        {"email": EMAIL.upper(), "identite": "on", "domicile": "on"},
        follow=True,
    )
    assert "a voté en ligne le" in response.content.decode()
    assert "ne peut pas voter une seconde fois" in response.content.decode()

    # The person signs up again with the same address: the counter refuses to verify the new account, and the
    # vote refuses its ballot.
    again = member(budget.commune, "habitant", EMAIL)
    response = client.post(
        f"/valbourg/budget-participatif/gestion/{budget.slug}/guichet/",
        {"email": EMAIL, "identite": "on", "domicile": "on"},
        follow=True,
    )
    assert "déjà servi à voter à ce budget" in response.content.decode()
    with pytest.raises(ValidationError, match="déjà servi à voter"):
        budgeting.voter_verify_at_counter(
            commune=budget.commune,
            budget=budget,
            actor=agent_valbourg,
            voter=again,
            checks=["identite", "domicile"],
        )
    with pytest.raises(ValidationError, match="déjà servi à voter"):
        budgeting.ballot_cast(
            commune=budget.commune, budget=budget, voter=again, choices={journey_project(budget): 1}
        )
    assert Ballot.objects.filter(budget=budget).count() == 1

    # Somebody else is not affected.
    neighbour = member(budget.commune, "habitant", "voisin@exemple.test")
    budgeting.voter_verify_at_counter(
        commune=budget.commune,
        budget=budget,
        actor=agent_valbourg,
        voter=neighbour,
        checks=["identite", "domicile"],
    )
    budgeting.ballot_cast(
        commune=budget.commune, budget=budget, voter=neighbour, choices={journey_project(budget): 1}
    )
    assert Ballot.objects.filter(budget=budget).count() == 2


def journey_project(budget) -> int:
    return budget.projects.filter(status="recevable").values_list("pk", flat=True).first()


def test_the_voters_list_tells_the_agent_an_erased_voter_is_recognised(journey, client, agent_valbourg):
    accounts.user_delete(user=journey.user)
    client.force_login(agent_valbourg)
    html = client.get(
        f"/valbourg/budget-participatif/gestion/{journey.budget.slug}/votants/"
    ).content.decode()
    assert "compte supprimé" in html
    assert "reconnue si on la saisit au guichet" in html
    assert EMAIL not in html


def test_the_deletion_page_says_what_is_erased_and_what_is_kept(client, habitant_valbourg):
    client.force_login(habitant_valbourg)
    html = client.get("/valbourg/compte/supprimer/").content.decode()
    assert "journaux de connexion" in html
    assert "empreinte chiffrée de votre adresse" in html


def test_an_agent_who_entered_paper_ballots_can_be_erased_and_the_ballots_still_count(
    journey, client, agent_valbourg, admin_valbourg
):
    budget = journey.budget
    project = journey_project(budget)
    for agent in (agent_valbourg, admin_valbourg):
        budgeting.paper_entry_record(
            commune=budget.commune, budget=budget, actor=agent, paper_number=7, choices={project: 1}
        )
    second = member(budget.commune, "agent", "second-saisie@valbourg.test")
    budgeting.paper_entry_record(
        commune=budget.commune, budget=budget, actor=second, paper_number=8, choices={project: 1}
    )
    budgeting.paper_entry_record(
        commune=budget.commune, budget=budget, actor=admin_valbourg, paper_number=8, choices={}, kind="blanc"
    )

    accounts.user_delete(
        user=agent_valbourg
    )  # was refused (PROTECT): a server error on « Supprimer mon compte »
    accounts.user_delete(user=second)

    tally = budgeting_selectors.paper_tally(budget=budget)
    assert tally["valid"] == 1  # ballot 7: both entries kept, still agreeing
    client.force_login(admin_valbourg)
    html = client.get(
        f"/valbourg/budget-participatif/gestion/{budget.slug}/bulletins-papier/"
    ).content.decode()
    assert (
        "un agent dont le compte a été supprimé" in html
    )  # ballot 8 disagrees; its first author is named so
    assert "second-saisie@valbourg.test" not in html
