"""The pages, as residents and agents use them: plain form posts (no JavaScript), secrecy, isolation."""

import html
import re

import pytest

from beffroi.budgeting import selectors, services
from beffroi.budgeting.models import Ballot, Project, ProjectStatus, VoterVerification
from tests.budgeting.conftest import add_projects, make_budget, verified
from tests.budgeting.test_pictures import photo_with_gps
from tests.factories import member

BASE = "/valbourg/budget-participatif"


def test_list_and_budget_page_show_the_phase_and_projects(client, voting_budget):
    budget, projects = voting_budget
    page = client.get(f"{BASE}/").content.decode()
    assert budget.title in page
    detail = client.get(f"{BASE}/{budget.slug}/").content.decode()
    assert "Phase actuelle" in detail and "vote" in detail
    assert projects[0].title in detail


def test_submit_an_idea_with_category_place_and_cost(client, valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    client.force_login(habitant_valbourg)
    response = client.post(
        f"{BASE}/{budget.slug}/proposer/",
        {
            "title": "Un abri vélo",
            "description": "Devant l'école.",
            "category": "mobilite",
            "estimated_cost": "8000",
            "location": "rue des Écoles",
        },
    )
    assert response.status_code == 302
    idea = Project.objects.get(budget=budget)
    assert (idea.title, idea.category, idea.estimated_cost, idea.status) == (
        "Un abri vélo",
        "mobilite",
        8000,
        ProjectStatus.SUBMITTED,
    )
    assert "Un abri vélo" in client.get(f"{BASE}/{budget.slug}/idees/").content.decode()


def test_an_idea_needs_no_cost_estimate(client, valbourg, agent_valbourg, habitant_valbourg):
    """A resident rarely knows what a bench costs: the estimate is optional, the services set the cost."""
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    client.force_login(habitant_valbourg)
    form = client.get(f"{BASE}/{budget.slug}/proposer/").content.decode()
    assert 'name="estimated_cost"' in form and "laissez vide" in form
    response = client.post(
        f"{BASE}/{budget.slug}/proposer/",
        {"title": "Des bancs", "description": "Le long de la promenade.", "category": "cadre-de-vie"},
    )
    assert response.status_code == 302
    idea = Project.objects.get(budget=budget)
    assert idea.estimated_cost is None and idea.cost == 0
    assert "à estimer par la mairie" in client.get(f"{BASE}/{budget.slug}/idees/").content.decode()


def test_the_demo_has_a_budget_open_for_ideas(valbourg, agent_valbourg, habitant_valbourg):
    from beffroi.budgeting import demo

    demo._load_ideas(valbourg, agent_valbourg, habitant_valbourg)
    budget = selectors.budget_get(commune=valbourg, slug="bp-2027")
    assert budget.phase == "depot"
    assert Project.objects.filter(budget=budget, estimated_cost__isnull=True).exists()


def test_idea_form_errors_are_in_french(client, valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    client.force_login(habitant_valbourg)
    response = client.post(f"{BASE}/{budget.slug}/proposer/", {"title": "", "estimated_cost": "-3"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Erreur — " in page
    assert "Ce champ est obligatoire." in page


def test_vote_with_a_code_then_change_the_vote_without_javascript(
    client, voting_budget, agent_valbourg, habitant_valbourg
):
    budget, projects = voting_budget
    code = services.voting_codes_generate(
        commune=budget.commune, budget=budget, actor=agent_valbourg, count=1
    )[0]
    client.force_login(habitant_valbourg)
    page = client.get(f"{BASE}/{budget.slug}/voter/").content.decode()
    assert "Code de vote" in page
    client.post(f"{BASE}/{budget.slug}/voter/verifier-mon-compte/", {"code": code})
    response = client.post(f"{BASE}/{budget.slug}/voter/", {"project": [projects[0].pk, projects[1].pk]})
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert projects[0].title in done and projects[1].title in done
    client.post(f"{BASE}/{budget.slug}/voter/", {"project": [projects[2].pk]})
    assert selectors.ballot_of(budget=budget, voter=habitant_valbourg) == {projects[2].pk: 1}
    assert Ballot.objects.filter(budget=budget).count() == 1


def test_too_many_projects_on_the_page_gives_a_french_message(
    client, voting_budget, agent_valbourg, habitant_valbourg
):
    budget, projects = voting_budget
    verified(budget, agent_valbourg, habitant_valbourg)
    client.force_login(habitant_valbourg)
    response = client.post(f"{BASE}/{budget.slug}/voter/", {"project": [p.pk for p in projects]})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Trop de projets : 5 choisis, 3 au maximum." in page
    assert "<title>Erreur — " in page
    assert not Ballot.objects.exists()


def test_basket_total_is_recomputed_by_the_server(client, valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, ballot_type="panier", max_choices=None, cost_limit=50000)
    projects = add_projects(budget, agent_valbourg)
    verified(budget, agent_valbourg, habitant_valbourg)
    client.force_login(habitant_valbourg)
    response = client.post(
        f"{BASE}/{budget.slug}/voter/", {"project": [projects[0].pk, projects[3].pk], "action": "recalculer"}
    )
    page = response.content.decode()
    assert "45 000 € sur 50 000 €" in page.replace("\xa0", " ").replace("\u202f", " ")
    assert not Ballot.objects.exists()  # recomputing does not vote
    # the total stays in view while the list scrolls (sticky summary), and an overdraft is said in words
    assert '<div class="pb-summary">' in page
    response = client.post(
        f"{BASE}/{budget.slug}/voter/", {"project": [p.pk for p in projects], "action": "recalculer"}
    )
    page = response.content.decode().replace("\xa0", " ").replace("\u202f", " ")
    assert "(dépassement de " in page and "reste -" not in page
    # only the total was asked for: no « Votre vote n'est pas enregistré », but what to do next
    assert "Votre vote n&#x27;est pas enregistré" not in page and "Total recalculé." in page
    assert "<title>Erreur" not in page


def test_anonymous_visitor_is_asked_to_log_in(client, voting_budget):
    budget, _projects = voting_budget
    page = client.get(f"{BASE}/{budget.slug}/voter/").content.decode()
    assert "Se connecter pour voter" in page
    # the login page that link opens says why it is asked
    login = client.get(f"/valbourg/connexion/?next={BASE}/{budget.slug}/voter/")
    assert "Connectez-vous pour voter." in login.content.decode()


def test_agents_see_who_voted_but_never_what(client, voting_budget, agent_valbourg, habitant_valbourg):
    budget, projects = voting_budget
    verified(budget, agent_valbourg, habitant_valbourg)
    secret = projects[4]
    services.ballot_cast(
        commune=budget.commune, budget=budget, voter=habitant_valbourg, choices={secret.pk: 1}
    )
    client.force_login(agent_valbourg)
    voters = client.get(f"{BASE}/gestion/{budget.slug}/votants/").content.decode()
    assert habitant_valbourg.email in voters
    assert secret.title not in voters
    for url in (f"{BASE}/gestion/{budget.slug}/", f"{BASE}/gestion/{budget.slug}/bulletins-papier/"):
        page = client.get(url).content.decode()
        assert habitant_valbourg.email not in page or secret.title not in page
    # the agent cannot open the voter's confirmation page as themselves either
    assert secret.title not in client.get(f"{BASE}/{budget.slug}/voter/merci/").content.decode()


def test_agent_verifies_a_voter_at_the_counter(client, voting_budget, agent_valbourg, habitant_valbourg):
    budget, _projects = voting_budget
    client.force_login(agent_valbourg)
    client.post(
        f"{BASE}/gestion/{budget.slug}/guichet/",
        {"email": habitant_valbourg.email, "identite": "on", "domicile": "on"},
    )
    assert VoterVerification.objects.filter(budget=budget, voter=habitant_valbourg, method="guichet").exists()


def test_agent_cannot_verify_someone_from_another_commune(client, voting_budget, agent_valbourg, hautmesnil):
    budget, _projects = voting_budget
    outsider = member(hautmesnil, "habitant", "loin@hautmesnil.test")
    client.force_login(agent_valbourg)
    client.post(
        f"{BASE}/gestion/{budget.slug}/guichet/",
        {"email": outsider.email, "identite": "on", "domicile": "on"},
    )
    assert not VoterVerification.objects.exists()


def test_agent_instructs_an_idea_and_the_decision_is_published(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    idea = services.idea_submit(
        commune=valbourg,
        budget=budget,
        author=None,
        title="Fontaine",
        description="Une fontaine.",
        category="cadre-de-vie",
        estimated_cost=30000,
    )
    client.force_login(agent_valbourg)
    response = client.post(
        f"{BASE}/gestion/{budget.slug}/idees/{idea.pk}/",
        {"outcome": "feasible", "final_cost": "35000", "decision": "Réalisable par les services techniques."},
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert (idea.status, idea.final_cost) == (ProjectStatus.FEASIBLE, 35000)
    assert (
        "Réalisable par les services techniques."
        in client.get(f"{BASE}/{budget.slug}/idees/").content.decode()
    )


def test_agent_creates_a_budget_with_the_form(client, valbourg, agent_valbourg):
    client.force_login(agent_valbourg)
    response = client.post(
        f"{BASE}/gestion/nouveau/",
        {
            "title": "BP 2027",
            "slug": "bp-2027",
            "total_amount": "50000",
            "ballot_type": "approval",
            "min_choices": "1",
            "points_total": "10",
            "rule": "mes-add1",
            "ideas_open_at": "2027-01-10T09:00",
            "ideas_close_at": "2027-02-10T18:00",
        },
    )
    assert response.status_code == 302
    assert client.get(f"{BASE}/gestion/bp-2027/").status_code == 200


def test_printed_codes_page_lists_usable_codes(client, voting_budget, agent_valbourg, habitant_valbourg):
    budget, _projects = voting_budget
    client.force_login(agent_valbourg)
    page = client.post(f"{BASE}/gestion/{budget.slug}/codes/", {"count": "3"}).content.decode()
    import re

    codes = re.findall(r'class="pb-code">([A-Z0-9-]+)<', page)
    assert len(codes) == 3
    services.voter_verify_with_code(
        commune=budget.commune, budget=budget, voter=habitant_valbourg, code=codes[1]
    )


def test_paper_double_entry_pages(client, voting_budget, agent_valbourg):
    budget, projects = voting_budget
    second = member(budget.commune, "agent", "agent2@valbourg.test")
    url = f"{BASE}/gestion/{budget.slug}/bulletins-papier/"
    client.force_login(agent_valbourg)
    client.post(url, {"paper_number": "4", "project": [projects[0].pk]})
    client.force_login(second)
    client.post(url, {"paper_number": "4", "project": [projects[1].pk]})
    page = client.get(url).content.decode()
    assert "Saisies divergentes" in page and "n° 4" in page


def test_residents_cannot_open_agent_pages(client, voting_budget, habitant_valbourg):
    budget, _projects = voting_budget
    client.force_login(habitant_valbourg)
    assert client.get(f"{BASE}/gestion/{budget.slug}/votants/").status_code == 403


def test_close_count_and_results_page_with_chart_and_table(
    client, voting_budget, agent_valbourg, admin_valbourg, habitant_valbourg
):
    budget, projects = voting_budget
    verified(budget, agent_valbourg, habitant_valbourg)
    services.ballot_cast(
        commune=budget.commune, budget=budget, voter=habitant_valbourg, choices={projects[2].pk: 1}
    )
    client.force_login(admin_valbourg)
    response = client.post(f"{BASE}/gestion/{budget.slug}/depouiller/")
    assert response.status_code == 302
    page = client.get(f"{BASE}/{budget.slug}/resultats/").content.decode()
    assert 'role="img"' in page and "<caption>" in page
    assert projects[2].title in page
    assert "Et avec un vote à la majorité des voix" in page
    # Each project says why, once ("Non retenu — aucune voix", not "Non retenu — non retenu : aucune voix").
    assert "Non retenu — aucune voix" in page and "non retenu :" not in page
    # the list of budgets says the money is shared out, no longer « à répartir »
    listing = client.get(f"{BASE}/").content.decode().replace("\xa0", " ").replace("\u202f", " ")
    assert "répartis par le vote" in listing and "à répartir" not in listing
    client.cookies["django_language"] = "en"
    english = client.get(f"{BASE}/{budget.slug}/resultats/").content.decode()
    assert "no votes" in english and "aucune voix" not in english


@pytest.mark.parametrize("suffix", ["", "voter/", "idees/", "resultats/", "suivi/"])
def test_another_communes_budget_is_invisible(client, voting_budget, suffix):
    budget, _projects = voting_budget
    assert client.get(f"/hautmesnil/budget-participatif/{budget.slug}/{suffix}").status_code == 404


def test_agent_of_another_commune_cannot_manage(client, voting_budget, agent_hautmesnil):
    budget, _projects = voting_budget
    client.force_login(agent_hautmesnil)
    assert client.get(f"{BASE}/gestion/{budget.slug}/").status_code == 403
    assert client.get(f"/hautmesnil/budget-participatif/gestion/{budget.slug}/").status_code == 404


def _api_key(commune):
    from beffroi.core.services import apikey_create

    return apikey_create(commune=commune, scope="read")[1]


def test_api_lists_budgets_projects_and_results_of_the_keys_commune_only(
    client, voting_budget, agent_valbourg, admin_valbourg, habitant_valbourg, hautmesnil
):
    budget, projects = voting_budget
    verified(budget, agent_valbourg, habitant_valbourg)
    services.ballot_cast(
        commune=budget.commune, budget=budget, voter=habitant_valbourg, choices={projects[1].pk: 1}
    )
    headers = {"Authorization": f"Bearer {_api_key(budget.commune)}"}
    listed = client.get("/api/budgeting/budgets", headers=headers).json()
    assert [b["slug"] for b in listed] == [budget.slug]
    assert client.get(f"/api/budgeting/budgets/{budget.slug}/results", headers=headers).status_code == 404
    items = client.get(f"/api/budgeting/budgets/{budget.slug}/projects", headers=headers).json()
    assert {p["title"] for p in items} == {p.title for p in projects}
    services.budget_close_and_count(commune=budget.commune, budget=budget, actor=admin_valbourg)
    results = client.get(f"/api/budgeting/budgets/{budget.slug}/results", headers=headers)
    body = results.content.decode()
    assert results.status_code == 200
    assert results.json()["num_voters"] == 1
    assert len(results.json()["draw_seed"]) == 32 and results.json()["draw_method"] == "sha256"
    assert sorted(results.json()["draw"]) == sorted(str(p.pk) for p in projects)
    assert results.json()["groups"][0]["name"] == ""
    assert habitant_valbourg.email not in body and "ballot" not in body and "token" not in body
    other = {"Authorization": f"Bearer {_api_key(hautmesnil)}"}
    assert client.get("/api/budgeting/budgets", headers=other).json() == []
    assert client.get(f"/api/budgeting/budgets/{budget.slug}", headers=other).status_code == 404
    assert client.get("/api/budgeting/budgets").status_code == 401


def test_my_space_links_each_idea_to_its_own_page(client, valbourg, agent_valbourg, habitant_valbourg):
    """Review: « Mon espace » linked each idea to the list of ideas; each now opens its own page, which shows
    the whole text (the list cuts it) and the mairie's decision."""
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    long_text = "Un abri couvert pour vingt vélos devant l'école. " + "Les enfants viennent à vélo. " * 30
    idea = services.idea_submit(
        commune=valbourg,
        budget=budget,
        author=habitant_valbourg,
        title="Un abri vélo",
        description=long_text,
        category="mobilite",
        estimated_cost=8000,
    )
    services.idea_assess(
        commune=valbourg, project=idea, actor=agent_valbourg, feasible=True, decision="Réalisable en 2027."
    )
    client.force_login(habitant_valbourg)
    landing = client.get("/valbourg/mon-espace/").content.decode()
    link = f"{BASE}/{budget.slug}/idees/{idea.pk}/"
    assert f'href="{link}"' in landing and f'href="{BASE}/{budget.slug}/idees/"' not in landing
    page = client.get(link).content.decode()
    assert "<h1>Un abri vélo</h1>" in page and page.count("Les enfants viennent à vélo.") == 30
    assert "réalisable, soumise au vote" in page and "Réalisable en 2027." in page
    assert "<dt>Coût estimé</dt><dd>8\u202f000\xa0€</dd>" in page
    assert f'href="{link}"' in client.get(f"{BASE}/{budget.slug}/idees/").content.decode()
    other = make_budget(valbourg, agent_valbourg, slug="bp-autre", phase="ideas")
    assert client.get(f"{BASE}/{other.slug}/idees/{idea.pk}/").status_code == 404


def test_the_printable_codes_page_has_a_print_button_and_says_what_to_do_without_javascript(
    client, voting_budget, agent_valbourg
):
    """Review: the page of codes to print had no « Imprimer » button. It appears when `beffroi/print.js` runs
    (the CSP forbids inline scripts): hidden in the HTML, and a sentence in <noscript> for a browser without
    JavaScript; printed, buttons and menus are left out by `beffroi/print.css`."""
    budget, _projects = voting_budget
    client.force_login(agent_valbourg)
    page = client.post(f"{BASE}/gestion/{budget.slug}/codes/", {"count": "2"}).content.decode()
    assert (
        '<button type="button" class="button pb-print" data-print hidden>Imprimer les codes</button>' in page
    )
    assert '<script src="/static/beffroi/print.js" defer></script>' in page
    assert "<noscript>Utilisez la commande Imprimer de votre navigateur.</noscript>" in page
    assert "onclick" not in page


def _plain(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


def test_the_idea_form_preselects_no_category(client, valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    client.force_login(habitant_valbourg)
    page = client.get(f"{BASE}/{budget.slug}/proposer/").content.decode()
    select = page.split('name="category"')[1].split("</select>")[0]
    assert '<option value="" selected>— choisir —</option>' in select
    assert select.count("selected") == 1
    response = client.post(
        f"{BASE}/{budget.slug}/proposer/", {"title": "Un banc", "description": "Au lavoir.", "category": ""}
    )
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not Project.objects.filter(budget=budget).exists()


def test_an_idea_photo_sent_with_an_error_is_kept_for_the_next_sending(
    client, valbourg, agent_valbourg, habitant_valbourg
):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    client.force_login(habitant_valbourg)
    idea = {"description": "Au lavoir.", "category": "cadre-de-vie"}
    response = client.post(
        f"{BASE}/{budget.slug}/proposer/", {**idea, "title": "", "picture": photo_with_gps()}
    )
    page = _plain(response)
    assert "Garder la photo déjà jointe « IMG_jeanne_maison.jpg »" in page
    assert "choisissez-la de nouveau" not in page
    token = re.search(r'name="picture-gardees" value="([^"]+)"', page).group(1)
    response = client.post(
        f"{BASE}/{budget.slug}/proposer/", {**idea, "title": "Un banc", "picture-gardees": token}
    )
    assert response.status_code == 302
    assert Project.objects.get(budget=budget, title="Un banc").picture


def test_the_basket_total_claims_no_zero_before_anything_is_chosen(
    client, valbourg, agent_valbourg, habitant_valbourg
):
    """Without JavaScript the total is the server's: before a choice it gives the limit, never « 0 € » that
    would stay on screen while boxes are ticked; a recomputed or stored ballot gives its real total."""
    budget = make_budget(valbourg, agent_valbourg, ballot_type="panier", max_choices=None, cost_limit=50000)
    projects = add_projects(budget, agent_valbourg)
    verified(budget, agent_valbourg, habitant_valbourg)
    client.force_login(habitant_valbourg)
    page = _plain(client.get(f"{BASE}/{budget.slug}/voter/"))
    assert "Votre panier peut compter jusqu'à 50 000 € de projets." in page
    assert "Total de votre panier : 0" not in page
    assert "Le total se met à jour quand vous appuyez sur « Recalculer le total »." in page
    services.ballot_cast(
        commune=valbourg, budget=budget, voter=habitant_valbourg, choices={projects[2].pk: 1}
    )
    page = client.get(f"{BASE}/{budget.slug}/voter/").content.decode()
    # amounts keep their euro sign on their line
    assert (
        "Total de votre panier : 15\u202f000\u00a0€ sur 50\u202f000\u00a0€ (reste 35\u202f000\u00a0€)."
        in page
    )
    assert "— 15\u202f000\u00a0€</span>" in page
