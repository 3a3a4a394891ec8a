"""A resident may submit an idea without an account: optional name and e-mail, honeypot, rate limit."""

import html

from django.test import override_settings

from beffroi.budgeting.models import Project, ProjectStatus
from tests.budgeting.conftest import make_budget

BASE = "/valbourg/budget-participatif"
IDEA = {
    "title": "Un banc au lavoir",
    "description": "Pour s'asseoir.",
    "category": "cadre-de-vie",
    "estimated_cost": "900",
}


def test_anonymous_visitor_submits_an_idea_that_goes_to_instruction(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    page = client.get(f"{BASE}/{budget.slug}/proposer/").content.decode()
    assert "Pas besoin de compte" in page and "Votre adresse électronique" in page
    response = client.post(
        f"{BASE}/{budget.slug}/proposer/",
        {**IDEA, "author_name": "Jeanne", "contact_email": "jeanne@exemple.fr"},
    )
    assert response.status_code == 302
    idea = Project.objects.get(budget=budget)
    assert idea.status == ProjectStatus.SUBMITTED and idea.author is None
    assert (idea.author_name, idea.contact_email) == ("Jeanne", "jeanne@exemple.fr")
    assert "Un banc au lavoir" in client.get(f"{BASE}/{budget.slug}/idees/").content.decode()
    assert "jeanne@exemple.fr" not in client.get(f"{BASE}/{budget.slug}/idees/").content.decode()
    client.force_login(agent_valbourg)
    agent_page = client.get(f"{BASE}/gestion/{budget.slug}/idees/{idea.pk}/").content.decode()
    assert "Jeanne" in agent_page and "jeanne@exemple.fr" in agent_page
    # name and e-mail are optional
    client.logout()
    assert client.post(f"{BASE}/{budget.slug}/proposer/", {**IDEA, "title": "Deux"}).status_code == 302


def test_honeypot_refuses_robots(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    response = client.post(f"{BASE}/{budget.slug}/proposer/", {**IDEA, "website": "http://spam"})
    assert "pris pour celui d'un robot" in html.unescape(response.content.decode())
    assert not Project.objects.exists()


@override_settings(BEFFROI_IDEAS_RATE_LIMIT=2)
def test_rate_limit_per_connection(client, valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    for i in range(2):
        assert (
            client.post(f"{BASE}/{budget.slug}/proposer/", {**IDEA, "title": f"Idée {i}"}).status_code == 302
        )
    response = client.post(f"{BASE}/{budget.slug}/proposer/", {**IDEA, "title": "Une de trop"})
    assert "Trop d'idées envoyées" in html.unescape(response.content.decode())
    assert Project.objects.count() == 2
    # a resident with an account is not limited and is recorded as the author
    client.force_login(habitant_valbourg)
    page = client.get(f"{BASE}/{budget.slug}/proposer/").content.decode()
    assert "Votre adresse électronique" not in page
    assert client.post(f"{BASE}/{budget.slug}/proposer/", {**IDEA, "title": "Avec compte"}).status_code == 302
    assert Project.objects.get(title="Avec compte").author == habitant_valbourg


def test_no_idea_outside_the_ideas_phase(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="vote")
    client.post(f"{BASE}/{budget.slug}/proposer/", IDEA)
    assert not Project.objects.filter(title=IDEA["title"]).exists()
