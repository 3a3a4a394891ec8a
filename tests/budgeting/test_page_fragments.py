"""Pages whose content is kept in the `fragments` cache show every change at once: a new count, a renamed budget
or project, another amount (docs/contributing.md, « A fragment worth caching »)."""

from datetime import timedelta

from django.utils import timezone

from beffroi.budgeting import services
from beffroi.budgeting.models import Budget
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
