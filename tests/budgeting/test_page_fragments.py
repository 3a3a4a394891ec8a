"""Pages whose content is kept in the `fragments` cache show every change at once: a new count, a renamed budget
or project, another amount (docs/contributing.md, « A fragment worth caching »)."""

from datetime import timedelta

from django.utils import timezone

from beffroi.budgeting import services
from beffroi.budgeting.models import Budget, Project
from tests.budgeting.conftest import verified
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
    assert "Cochez de 1 à 3 projets" in page and "Boîte à livres" in page and "2\u00a0000 €" in page

    services.idea_assess(
        commune=budget.commune,
        project=projects[4],
        actor=agent_valbourg,
        feasible=True,
        decision="Ok.",
        final_cost=2500,
    )
    page = client.get(url).content.decode()
    assert "2\u00a0500 €" in page and "2\u00a0000 €" not in page
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
