"""Sub-budgets (per district or category): the pure split count, pabulib files that carry them, the agents' pages,
and the results per envelope."""

import html
import json
import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from beffroi.budgeting import rules, services
from beffroi.budgeting.models import Project, SubBudget
from beffroi.budgeting.pabulib import parse_pabulib
from beffroi.core.models import AuditEntry
from tests.budgeting.conftest import PABULIB_DIR, add_projects, make_budget, verified
from tests.factories import member

AMSTERDAM = PABULIB_DIR / "Netherlands_Amsterdam_179.pb"
BASE = "/valbourg/budget-participatif"


# -- pure rules ------------------------------------------------------------------------------------------------------


def _election(budget=100, ballots=()):
    projects = [
        rules.Project("n1", 30),
        rules.Project("n2", 30),
        rules.Project("s1", 40),
        rules.Project("g1", 20),
    ]
    return rules.Election(projects=projects, budget=budget, ballots=ballots)


def test_each_envelope_is_counted_on_its_own_projects_and_amount():
    # Everybody prefers the north: a global greedy would fund n1, n2 and nothing in the south.
    ballots = [("n1", "n2", "s1")] * 6 + [("n1", "n2")] * 4 + [("g1",)]
    election = _election(100, ballots)
    draw = rules.TieBreaking(draw=("n1", "n2", "s1", "g1"))
    global_greedy = rules.count(election, "greedy", tie_breaking=draw)
    assert global_greedy.winners == ("n1", "n2", "s1")
    subs = [rules.SubBudget("Nord", 30, ("n1", "n2")), rules.SubBudget("Sud", 40, ("s1",))]
    split = rules.count_by_sub_budget(election, "greedy", subs, tie_breaking=draw)
    assert [p.name for p in split.parts] == ["Nord", "Sud", ""]
    assert split.parts[0].outcome.winners == ("n1",)  # only 30 for the north
    assert split.parts[1].outcome.winners == ("s1",)
    assert split.parts[2].amount == 30 and split.parts[2].outcome.winners == ("g1",)
    assert split.winners == ("n1", "s1", "g1") and split.total_cost == 90


def test_envelopes_over_the_budget_or_sharing_a_project_are_refused():
    election = _election(100, [("n1",)])
    with pytest.raises(rules.ElectionError, match="plus que le budget"):
        rules.count_by_sub_budget(
            election, "greedy", [rules.SubBudget("Nord", 70, ()), rules.SubBudget("Sud", 40, ())]
        )
    with pytest.raises(rules.ElectionError, match="deux enveloppes"):
        rules.count_by_sub_budget(
            election, "greedy", [rules.SubBudget("Nord", 30, ("n1",)), rules.SubBudget("Sud", 30, ("n1",))]
        )


def test_leftover_funds_remaining_projects_by_votes():
    ballots = [("n1", "n2")] * 5 + [("s1",)] * 2
    election = _election(100, ballots)
    subs = [rules.SubBudget("Nord", 40, ("n1", "n2")), rules.SubBudget("Sud", 60, ("s1", "g1"))]
    draw = rules.TieBreaking(draw=("n1", "n2", "s1", "g1"))
    without = rules.count_by_sub_budget(election, "mes-add1", subs, tie_breaking=draw)
    with_leftover = rules.count_by_sub_budget(election, "mes-add1", subs, leftover=True, tie_breaking=draw)
    assert "n2" not in without.winners
    assert with_leftover.leftover is not None and "n2" in with_leftover.leftover.outcome.winners
    assert with_leftover.total_cost <= 100


def test_amsterdam_per_category_budgets_are_applied_by_the_command():
    out = StringIO()
    call_command("pb", "count", str(AMSTERDAM), "--rule", "greedy", "--json", stdout=out)
    data = json.loads(out.getvalue())
    by_name = {s["name"]: s for s in data["sub_budgets"]}
    assert list(by_name) == ["Jeugd", "Groen", "Ontmoeting"]
    assert by_name["Groen"]["winners"] == ["15045", "15035", "15039", "15036", "15037", "15046"]
    assert by_name["Groen"]["total_cost"] <= 53000
    assert by_name["Ontmoeting"]["winners"] == ["15034", "15014", "15004", "15010", "15026", "15013", "15024"]
    assert by_name["Ontmoeting"]["total_cost"] == 113286 <= 115000
    assert by_name["Jeugd"]["winners"] == []
    # leftover_budget: the 84 013 not spent funds the remaining projects by votes
    assert data["leftover"]["amount"] == 250000 - 52701 - 113286
    assert data["leftover"]["winners"][:2] == ["15044", "15002"]
    assert data["total_cost"] == 248763 <= 250000
    text = StringIO()
    call_command("pb", "count", str(AMSTERDAM), "--rule", "mes-add1", stdout=text)
    assert "Enveloppe « Groen » : 53 000" in text.getvalue()
    plain = StringIO()
    call_command(
        "pb", "count", str(AMSTERDAM), "--rule", "greedy", "--json", "--ignore-category-budgets", stdout=plain
    )
    assert "sub_budgets" not in json.loads(plain.getvalue())


def test_a_project_in_two_budgeted_categories_is_refused():
    text = AMSTERDAM.read_text(encoding="utf-8-sig").replace(
        "15034;19206;134;Het Noorderparkbad extra geopend in de avonduren;Ontmoeting",
        '15034;19206;134;Het Noorderparkbad;"Ontmoeting,Groen"',
    )
    election = parse_pabulib(text).election()
    with pytest.raises(rules.ElectionError, match="plusieurs catégories"):
        rules.category_sub_budgets(election)


@pytest.mark.django_db
def test_importing_amsterdam_creates_the_envelopes_and_counts_them(valbourg):
    from beffroi.budgeting.pabulib import read_pabulib

    budget = services.budget_import_pabulib(
        commune=valbourg, actor=None, pb=read_pabulib(AMSTERDAM), slug="amsterdam", rule="greedy"
    )
    assert sorted(budget.sub_budgets.values_list("name", "amount")) == [
        ("Groen", 53000),
        ("Jeugd", 82000),
        ("Ontmoeting", 115000),
    ]
    assert budget.fund_leftover
    ids = {p.pk: p.decision.split("projet ")[1].rstrip(").") for p in budget.projects.all()}
    groups = {g["name"]: [ids[int(w)] for w in g["winners"]] for g in budget.results["groups"]}
    assert groups["Groen"] == ["15045", "15035", "15039", "15036", "15037", "15046"]
    assert len(budget.results["winners"]) == 22


# -- services ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sub_budget_services_validate_in_french_and_audit(valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas", total_amount=60000)
    north = services.sub_budget_create(
        commune=valbourg, budget=budget, actor=agent_valbourg, name="Quartier nord", amount=40000
    )
    with pytest.raises(ValidationError) as exc:
        services.sub_budget_create(
            commune=valbourg, budget=budget, actor=agent_valbourg, name="Quartier sud", amount=30000
        )
    assert "plus que le budget (60\u202f000 €)" in exc.value.message_dict["amount"][0]
    assert "il reste 20\u202f000 €" in exc.value.message_dict["amount"][0]
    with pytest.raises(ValidationError, match="porte déjà ce nom"):
        services.sub_budget_create(
            commune=valbourg, budget=budget, actor=agent_valbourg, name="quartier NORD", amount=100
        )
    services.sub_budget_update(
        commune=valbourg, sub_budget=north, actor=agent_valbourg, name="Nord", amount=20000
    )
    with pytest.raises(ValidationError, match="montant total ne peut pas être inférieur"):
        services.budget_update(commune=valbourg, budget=budget, actor=agent_valbourg, total_amount=10000)
    services.sub_budget_delete(commune=valbourg, sub_budget=north, actor=agent_valbourg)
    assert not SubBudget.objects.filter(budget=budget).exists()
    actions = set(AuditEntry.objects.filter(commune=valbourg).values_list("action", flat=True))
    assert {"budget.subbudget.create", "budget.subbudget.update", "budget.subbudget.delete"} <= actions


@pytest.mark.django_db
def test_sub_budgets_are_frozen_once_the_vote_is_open(valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="vote")
    with pytest.raises(ValidationError, match="ne peuvent plus être modifiées"):
        services.sub_budget_create(
            commune=valbourg, budget=budget, actor=agent_valbourg, name="Nord", amount=10
        )


@pytest.mark.django_db
def test_another_communes_agent_cannot_touch_sub_budgets(valbourg, agent_valbourg, agent_hautmesnil, client):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    sub = services.sub_budget_create(
        commune=valbourg, budget=budget, actor=agent_valbourg, name="Nord", amount=10
    )
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.sub_budget_delete(commune=valbourg, sub_budget=sub, actor=agent_hautmesnil)
    client.force_login(agent_hautmesnil)
    assert client.get(f"{BASE}/gestion/{budget.slug}/enveloppes/").status_code in (403, 404)
    assert (
        client.post(
            f"/hautmesnil/budget-participatif/gestion/{budget.slug}/enveloppes/{sub.pk}/supprimer/"
        ).status_code
        == 404
    )
    assert SubBudget.objects.filter(pk=sub.pk).exists()


# -- pages -----------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_agent_manages_sub_budgets_in_the_agent_pages(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas", total_amount=50000)
    client.force_login(agent_valbourg)
    page = client.get(f"{BASE}/gestion/{budget.slug}/").content.decode()
    assert "Gérer les enveloppes du budget" in page
    url = f"{BASE}/gestion/{budget.slug}/enveloppes/"
    response = client.post(url, {"name": "Quartier nord", "amount": "30000"})
    assert response.status_code == 302
    response = client.post(url, {"name": "Quartier sud", "amount": "30000"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Erreur — " in page
    assert "plus que le budget (50\u202f000 €)" in page
    north = SubBudget.objects.get(budget=budget)
    response = client.post(f"{url}{north.pk}/", {"name": "Nord", "amount": "25000"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Nord" in page and "25\u202f000" in page.replace("\xa0", "\u202f")
    assert "Supprimer l'enveloppe" in client.get(f"{url}{north.pk}/supprimer/").content.decode()
    client.post(f"{url}{north.pk}/supprimer/")
    assert not SubBudget.objects.filter(budget=budget).exists()


@pytest.mark.django_db
def test_agent_places_a_project_in_an_envelope_during_instruction(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    sub = services.sub_budget_create(
        commune=valbourg, budget=budget, actor=agent_valbourg, name="Sud", amount=50000
    )
    idea = services.idea_submit(
        commune=valbourg,
        budget=budget,
        author=None,
        title="Banc",
        description="Un banc.",
        category="cadre-de-vie",
        estimated_cost=800,
    )
    client.force_login(agent_valbourg)
    response = client.post(
        f"{BASE}/gestion/{budget.slug}/idees/{idea.pk}/",
        {"outcome": "feasible", "decision": "Réalisable.", "sub_budget": str(sub.pk)},
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=idea.pk).sub_budget == sub


def _envelopes_sentence(page):
    """The budget page's « Enveloppes : … » sentence, as text."""
    match = re.search(r"<p>Enveloppes\s:\s(.*?)</p>", page)
    assert match, "the budget page lists no envelopes"
    return html.unescape(match.group(1))


def _euros(text):
    """« 40 000 € » (any spaces) -> 40000."""
    return int(re.sub(r"\D", "", text))


@pytest.mark.django_db
def test_budget_page_states_what_the_envelopes_leave_for_the_other_projects(client, valbourg, agent_valbourg):
    """Review: the page listed the district envelopes (3 × 40 000 €) but not the 30 000 € left for the projects
    of the whole commune, which appeared only in the results: the amounts listed must add up to the budget."""
    budget = make_budget(valbourg, agent_valbourg, phase="ideas", total_amount=100000)
    for name, amount in (("Quartier nord", 30000), ("Quartier sud", 40000)):
        services.sub_budget_create(
            commune=valbourg, budget=budget, actor=agent_valbourg, name=name, amount=amount
        )
    page = client.get(f"{BASE}/{budget.slug}/").content.decode()
    sentence = _envelopes_sentence(page)
    assert re.fullmatch(
        r"Quartier nord \(30\s000\s€\), Quartier sud \(40\s000\s€\), "
        r"budget général pour les projets hors enveloppe \(30\s000\s€\)\.",
        sentence,
    ), sentence
    listed = sum(_euros(amount) for amount in re.findall(r"\(([^()]*€)\)", sentence))
    lead = re.search(r'<p class="lead">([^<]*) pour des projets', page)
    assert lead and _euros(lead.group(1)) == listed == 100000


@pytest.mark.django_db
def test_budget_page_names_no_general_envelope_when_the_envelopes_take_it_all(
    client, valbourg, agent_valbourg
):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas", total_amount=70000)
    for name, amount in (("Jeunesse", 30000), ("Nature", 40000)):
        services.sub_budget_create(
            commune=valbourg, budget=budget, actor=agent_valbourg, name=name, amount=amount
        )
    page = client.get(f"{BASE}/{budget.slug}/").content.decode()
    assert re.fullmatch(r"Jeunesse \(30\s000\s€\), Nature \(40\s000\s€\)\.", _envelopes_sentence(page))
    plain = make_budget(valbourg, agent_valbourg, phase="ideas", slug="bp-sans-enveloppe")
    page = client.get(f"{BASE}/{plain.slug}/").content.decode()
    assert "Enveloppes\xa0:" not in page and "budget général" not in page


def _vote(budget, agent, ballots):
    for i, chosen in enumerate(ballots):
        user = verified(budget, agent, member(budget.commune, "habitant", f"env{i}@valbourg.test"))
        services.ballot_cast(
            commune=budget.commune, budget=budget, voter=user, choices={p.pk: 1 for p in chosen}
        )


@pytest.mark.django_db
def test_results_page_shows_winners_per_envelope_and_export_keeps_them(
    client, valbourg, agent_valbourg, admin_valbourg, tmp_path
):
    budget = make_budget(
        valbourg, agent_valbourg, phase="ideas", total_amount=100000, max_choices=None, rule="greedy"
    )
    north = services.sub_budget_create(
        commune=valbourg, budget=budget, actor=agent_valbourg, name="Quartier nord", amount=30000
    )
    south = services.sub_budget_create(
        commune=valbourg, budget=budget, actor=agent_valbourg, name="Quartier sud", amount=40000
    )
    n1, n2, s1, g1 = add_projects(
        budget, agent_valbourg, [("Nord un", 30000), ("Nord deux", 25000), ("Sud un", 40000), ("Tous", 20000)]
    )
    for project, sub in ((n1, north), (n2, north), (s1, south)):
        project.sub_budget = sub
        project.save()
    services.budget_update(commune=valbourg, budget=budget, actor=agent_valbourg, phase_override="vote")
    _vote(budget, agent_valbourg, [[n1, n2, s1]] * 6 + [[n1]] * 4 + [[g1]])
    budget = services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    groups = {g["name"]: g for g in budget.results["groups"]}
    assert groups["Quartier nord"]["winners"] == [str(n1.pk)]
    assert groups["Quartier sud"]["winners"] == [str(s1.pk)]
    assert groups[""]["winners"] == [str(g1.pk)] and groups[""]["amount"] == 30000
    page = client.get(f"{BASE}/{budget.slug}/resultats/").content.decode()
    assert "Lauréats par enveloppe" in page
    assert page.index("Quartier nord —") < page.index("Nord un — 30") < page.index("Quartier sud —")
    assert "Hors enveloppe (budget général)" in page
    csv_lines = client.get(f"{BASE}/{budget.slug}/resultats.csv").content.decode().splitlines()
    assert csv_lines[0].endswith(";enveloppe;retenu_avec_reliquat")
    assert any(line.startswith(f"{n1.pk};Nord un;") and ";Quartier nord;" in line for line in csv_lines)
    # the exported file carries the envelopes: counting it again gives the same winners
    pb = client.get(f"{BASE}/{budget.slug}/resultats.pb").content.decode()
    assert "budget_per_category;30000,40000" in pb
    path = tmp_path / "export.pb"
    path.write_text(pb, encoding="utf-8")
    out = StringIO()
    call_command("pb", "count", str(path), "--rule", "greedy", "--json", stdout=out)
    assert set(json.loads(out.getvalue())["winners"]) == set(budget.results["winners"])


def test_the_rules_stay_pure():
    """The counting rules (envelopes included), the pabulib reader and the command line import no Django."""
    import subprocess
    import sys

    code = (
        "import sys, beffroi.budgeting.rules, beffroi.budgeting.pabulib, beffroi.budgeting.cli;"
        "print(any(m.startswith('django') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
