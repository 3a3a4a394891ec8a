"""A commune with reports and a participatory budget, and a resident who uses both, built through the real
services and pages: the account tests walk what such a person did, downloads and erases."""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from beffroi.accounts.models import User
from beffroi.budgeting import services as budgeting
from beffroi.budgeting.models import Budget, Project
from beffroi.core.services import commune_update
from beffroi.reports import services as reports
from beffroi.reports.models import Report

EMAIL = "nadia.belkacem@exemple.test"
NAME = "Nadia Belkacem"
NEW_PASSWORD = "un-mot-de-passe-long-42"


@pytest.fixture
def participation(valbourg, agent_valbourg):
    """Valbourg with Signalements and Budget participatif on, one category, and a budget in its vote."""
    commune_update(
        commune=valbourg,
        enabled_modules=["reports", "budgeting"],
        latitude=Decimal("47.318"),
        longitude=Decimal("4.832"),
    )
    reports.states_ensure(commune=valbourg)
    category = reports.category_create(
        commune=valbourg, code="eclairage", name="Éclairage public", actor=None
    )
    now = timezone.now()
    day = timedelta(days=1)
    budget = budgeting.budget_create(
        commune=valbourg,
        actor=agent_valbourg,
        title="Budget participatif 2027",
        slug="bp-2027",
        total_amount=100000,
        ideas_open_at=now - 20 * day,
        ideas_close_at=now - 10 * day,
        vote_open_at=now - day,
        vote_close_at=now + 5 * day,
        max_choices=3,
        voter_verification=True,
    )
    projects = []
    for title, cost in (("Aire de jeux", 40000), ("Jardin partagé", 15000)):
        idea = budgeting.idea_submit(
            commune=valbourg,
            budget=budget,
            author=None,
            title=title,
            description=f"{title}.",
            category="cadre-de-vie",
            estimated_cost=cost,
            check_phase=False,
        )
        budgeting.idea_assess(
            commune=valbourg, project=idea, actor=agent_valbourg, feasible=True, decision="Réalisable."
        )
        projects.append(Project.objects.get(pk=idea.pk))
    return {"commune": valbourg, "category": category, "budget": budget, "projects": projects}


def deliver() -> None:
    """What `beffroi worker` does with tasks queued in the database (their rows stay, marked done); nothing to
    do under the immediate backend of the other tests."""
    from django_tasks_db.models import DBTaskResult

    for row in DBTaskResult.objects.filter(status="READY"):
        value = row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        DBTaskResult.objects.filter(pk=row.pk).update(
            status="SUCCESSFUL", return_value=value, finished_at=timezone.now()
        )


def confirmation_link(message) -> str:
    """The path of the absolute link in a confirmation mail (checked absolute and clickable)."""
    match = re.search(r"^(https?://testserver)(/\S+/)$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(2)


@dataclass
class Journey:
    """What the resident did, to compare with the download and to look for after erasure."""

    user: User
    reports: list[Report] = field(default_factory=list)
    supported: list[Report] = field(default_factory=list)
    ideas: list[Project] = field(default_factory=list)
    budget: Budget | None = None


@pytest.fixture
def journey(client, participation, agent_valbourg, admin_valbourg, django_capture_on_commit_callbacks):
    """Nadia signs up on the site, mistypes her password once, confirms her address from the mail, files a
    report with her address as contact, supports another report, proposes an idea, is checked at the counter,
    votes; an agent also files a report for her at the counter, with her address."""
    commune, category = participation["commune"], participation["category"]
    budget, projects = participation["budget"], participation["projects"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/valbourg/inscription/",
            {"email": EMAIL, "full_name": NAME, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    deliver()
    user = User.objects.get(email=EMAIL)
    link = confirmation_link(mail.outbox[-1])
    client.post("/valbourg/deconnexion/")
    client.post("/valbourg/connexion/", {"username": EMAIL, "password": "pas-le-bon"})
    client.post("/valbourg/connexion/", {"username": EMAIL, "password": NEW_PASSWORD})
    client.get(link)
    user.refresh_from_db()
    assert user.email_confirmed

    other = reports.report_create(
        commune=commune,
        category=category,
        description="Lampadaire éteint rue Haute",
        latitude=Decimal("47.318"),
        longitude=Decimal("4.832"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        own = reports.report_create(
            commune=commune,
            category=category,
            description="Lampadaire qui clignote place de l'Église",
            latitude=Decimal("47.319"),
            longitude=Decimal("4.833"),
            reporter=user,
            contact_email=EMAIL,
        )
        at_counter = reports.report_create(
            commune=commune,
            category=category,
            description="Panneau arraché",
            address_string="Chemin des Vignes",
            channel=Report.Channel.COUNTER,
            actor=agent_valbourg,
            contact_email=EMAIL,
        )
    deliver()
    client.post(f"/valbourg/signalements/{other.pk}/soutenir/")

    idea = budgeting.idea_submit(
        commune=commune,
        budget=budget,
        author=user,
        title="Boîte à livres au lavoir",
        description="Une boîte à livres abritée près du lavoir.",
        category="culture",
        estimated_cost=1800,
        check_phase=False,
    )
    client.force_login(agent_valbourg)
    client.post(
        "/valbourg/budget-participatif/gestion/bp-2027/guichet/",
        {"email": EMAIL, "identite": "on", "domicile": "on"},
    )
    client.force_login(user)
    budgeting.ballot_cast(commune=commune, budget=budget, voter=user, choices={projects[0].pk: 1})
    return Journey(
        user=user,
        reports=[own, at_counter],
        supported=[other],
        ideas=[Project.objects.get(pk=idea.pk)],
        budget=budget,
    )
