"""Pages whose content is kept in the `fragments` cache show every change at once: a new count, a renamed budget
or project, another amount (docs/contributing.md, « A fragment worth caching »)."""

from datetime import timedelta

from django.utils import timezone

from beffroi.budgeting import services
from beffroi.budgeting.models import Budget, Project, ProjectStatus
from beffroi.territory.models import Place
from tests.budgeting.conftest import add_projects, make_budget, verified
from tests.factories import member

BASE = "/valbourg/budget-participatif"


def _count(client, budget, admin):
    client.force_login(admin)
    assert client.post(f"{BASE}/gestion/{budget.slug}/depouiller/").status_code == 302
    client.logout()


def test_results_page_shows_a_new_count_and_a_renamed_budget(
    client, voting_budget, agent_valbourg, admin_valbourg, habitant_valbourg
):
    budget, projects = voting_budget
    verified(budget, agent_valbourg, habitant_valbourg)
    services.ballot_cast(
        commune=budget.commune, budget=budget, voter=habitant_valbourg, choices={projects[2].pk: 1}
    )
    _count(client, budget, admin_valbourg)
    url = f"{BASE}/{budget.slug}/resultats/"
    assert "1 bulletin compté (1 en ligne, 0 papier)" in client.get(url).content.decode()

    # The vote reopened, one more ballot, counted again: the page shows the new count.
    budget, _changed = services.budget_update(
        commune=budget.commune,
        budget=Budget.objects.get(pk=budget.pk),
        actor=agent_valbourg,
        vote_close_at=timezone.now() + timedelta(days=1),
    )
    other = verified(budget, agent_valbourg, member(budget.commune, "habitant", "autre@valbourg.test"))
    services.ballot_cast(commune=budget.commune, budget=budget, voter=other, choices={projects[3].pk: 1})
    _count(client, budget, admin_valbourg)
    assert "2 bulletins comptés (2 en ligne, 0 papier)" in client.get(url).content.decode()

    services.budget_update(
        commune=budget.commune,
        budget=Budget.objects.get(pk=budget.pk),
        actor=agent_valbourg,
        title="Budget des quartiers 2026",
    )
    assert "Résultats : Budget des quartiers 2026" in client.get(url).content.decode()
    services.budget_update(
        commune=budget.commune,
        budget=Budget.objects.get(pk=budget.pk),
        actor=agent_valbourg,
        total_amount=90000,
    )
    assert "sur 90\u202f000\u00a0€." in client.get(url).content.decode()


def test_results_page_follows_the_stored_results_even_written_without_a_new_date(
    client, voting_budget, agent_valbourg, admin_valbourg, habitant_valbourg
):
    budget, projects = voting_budget
    verified(budget, agent_valbourg, habitant_valbourg)
    services.ballot_cast(
        commune=budget.commune, budget=budget, voter=habitant_valbourg, choices={projects[2].pk: 1}
    )
    _count(client, budget, admin_valbourg)
    url = f"{BASE}/{budget.slug}/resultats/"
    assert projects[2].title in client.get(url).content.decode()
    stored = Budget.objects.get(pk=budget.pk).results
    stored["projects"][str(projects[2].pk)]["title"] = "Jardin partagé des Tilleuls"
    Budget.objects.filter(pk=budget.pk).update(results=stored)  # counted_at unchanged
    assert "Jardin partagé des Tilleuls" in client.get(url).content.decode()


def test_ballot_with_a_code_shows_a_new_cost_title_project_and_rule(client, voting_budget, agent_valbourg):
    budget, projects = voting_budget
    url = f"{BASE}/{budget.slug}/voter/code/"
    page = client.get(url).content.decode()
    assert "Cochez de 1 à 3 projets" in page and "Boîte à livres" in page and "2\u202f000\u00a0€" in page

    services.idea_assess(
        commune=budget.commune,
        project=projects[4],
        actor=agent_valbourg,
        feasible=True,
        decision="Ok.",
        final_cost=2500,
    )
    page = client.get(url).content.decode()
    assert "2\u202f500\u00a0€" in page and "2\u202f000\u00a0€" not in page
    Project.objects.filter(pk=projects[4].pk).update(title="Boîte à livres de la gare")
    assert "Boîte à livres de la gare" in client.get(url).content.decode()
    services.idea_assess(
        commune=budget.commune, project=projects[3], actor=agent_valbourg, feasible=False, decision="Non."
    )
    assert "Bancs place du Marché" not in client.get(url).content.decode()
    services.budget_update(
        commune=budget.commune, budget=Budget.objects.get(pk=budget.pk), actor=agent_valbourg, max_choices=2
    )
    assert "Cochez de 1 à 2 projets" in client.get(url).content.decode()


def test_ballot_with_an_account_keeps_the_voters_own_choices(
    client, voting_budget, agent_valbourg, habitant_valbourg
):
    budget, projects = voting_budget
    verified(budget, agent_valbourg, habitant_valbourg)
    url = f"{BASE}/{budget.slug}/voter/"
    client.force_login(habitant_valbourg)
    assert f'value="{projects[1].pk}" id="projet-{projects[1].pk}" data-cost="60000" checked' not in (
        client.get(url).content.decode()
    )
    services.ballot_cast(
        commune=budget.commune, budget=budget, voter=habitant_valbourg, choices={projects[1].pk: 1}
    )
    page = client.get(url).content.decode()
    assert f'value="{projects[1].pk}" id="projet-{projects[1].pk}" data-cost="60000" checked' in page
    other = verified(budget, agent_valbourg, member(budget.commune, "habitant", "autre@valbourg.test"))
    client.force_login(other)
    assert 'data-cost="60000" checked' not in client.get(url).content.decode()


def test_ideas_page_shows_a_decision_a_merge_and_a_renamed_idea(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    first, second = add_projects(
        budget, agent_valbourg, specs=[("Un abri vélo", 8000), ("Des arceaux vélo", 3000)]
    )
    url = f"{BASE}/{budget.slug}/idees/"
    page = client.get(url).content.decode()
    assert (
        f'<h2><a href="{url}{first.pk}/">Un abri vélo</a></h2>' in page
        and "réalisable, soumise au vote" in page
    )
    services.idea_merge(commune=valbourg, project=second, into=first, actor=agent_valbourg, decision="")
    page = client.get(url).content.decode()
    assert "fusionnée avec une autre idée" in page and "<dd>Un abri vélo</dd>" in page
    Project.objects.filter(pk=first.pk).update(title="Un abri vélo couvert", description="Devant la gare.")
    page = client.get(url).content.decode()
    assert (
        f'<h2><a href="{url}{first.pk}/">Un abri vélo couvert</a></h2>' in page
        and "<dd>Un abri vélo couvert</dd>" in page
    )
    assert "Devant la gare." in page
    services.idea_assess(
        commune=valbourg,
        project=first,
        actor=agent_valbourg,
        feasible=False,
        decision="Trop cher pour la gare.",
    )
    page = client.get(url).content.decode()
    assert "Trop cher pour la gare." in page and "non réalisable" in page


def test_budget_page_cards_show_a_new_cost_status_place_and_language(client, voting_budget, agent_valbourg):
    budget, projects = voting_budget
    url = f"{BASE}/{budget.slug}/"
    assert "<dd>15\u202f000\u00a0€</dd>" in client.get(url).content.decode()
    services.idea_assess(
        commune=budget.commune,
        project=projects[2],
        actor=agent_valbourg,
        feasible=True,
        decision="Ok.",
        final_cost=16000,
    )
    page = client.get(url).content.decode()
    assert "<dd>16\u202f000\u00a0€</dd>" in page and "<dd>15\u202f000\u00a0€</dd>" not in page
    place = Place.objects.create(
        commune=budget.commune, name="Square Jean-Moulin", kind="place", latitude=47.3, longitude=5.0
    )
    Project.objects.filter(pk=projects[2].pk).update(place=place, status=ProjectStatus.SELECTED)
    page = client.get(url).content.decode()
    assert "<dd>Square Jean-Moulin</dd>" in page and "lauréat, en cours de réalisation" in page
    Place.objects.filter(pk=place.pk).update(name="Square Lucie-Aubrac")
    assert "<dd>Square Lucie-Aubrac</dd>" in client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    assert "<dd>Square Lucie-Aubrac</dd>" in client.get(url).content.decode()
    assert "lauréat, en cours de réalisation" not in client.get(url).content.decode()


def test_ballot_with_a_code_fills_in_each_slips_own_code(client, voting_budget):
    budget, _projects = voting_budget
    url = f"{BASE}/{budget.slug}/voter/code/"
    assert (
        'name="code" value="KPQR-STUV-WXYZ"' in client.get(url, {"code": "KPQR-STUV-WXYZ"}).content.decode()
    )
    page = client.get(url, {"code": "WXYZ-EFGH-JKLM"}).content.decode()
    assert 'name="code" value="WXYZ-EFGH-JKLM"' in page and "KPQR-STUV-WXYZ" not in page
    page = client.get(url).content.decode()
    assert 'name="code"' in page and "WXYZ-EFGH-JKLM" not in page
    assert "&lt;b&gt;" in client.get(url, {"code": "<b>"}).content.decode()
