"""The élu's journey through the pages: assess, pick a use case, plan a project, fund it, print the report."""

import re
from datetime import date
from decimal import Decimal

import pytest

from beffroi.funding.catalogue import load_mechanisms
from beffroi.funding.models import FinancingLine
from beffroi.planning import services
from beffroi.planning.models import Assessment, Project
from tests.factories import member


@pytest.fixture
def elu_valbourg(valbourg):
    valbourg.enabled_modules = ["planning"]
    valbourg.save()
    return member(valbourg, "elu", "elu@valbourg.test")


@pytest.fixture
def project(valbourg, elu_valbourg):
    return services.project_create(
        commune=valbourg,
        actor=elu_valbourg,
        title="Éclairage public intelligent",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        investment_budget=Decimal("100000"),
        themes=["eclairage-public"],
    )


def test_roadmap_create_project_and_see_it(client, elu_valbourg):
    client.force_login(elu_valbourg)
    response = client.post(
        "/valbourg/projet/feuille-de-route/projets/nouveau/",
        {
            "title": "Détection de fuites d'eau",
            "status": "prevu",
            "stage": "investissement",
            "start_date": "2026-03-01",
            "end_date": "2026-09-30",
            "investment_budget": "45 000,50",
            "operating_budget": "1200",
            "themes": ["eau-assainissement"] if "eau-assainissement" in _themes() else [],
        },
    )
    assert response.status_code == 302
    project = Project.objects.get(commune__slug="valbourg")
    assert project.investment_budget == Decimal("45000.50")
    assert project.financing_plan is not None
    page = client.get("/valbourg/projet/feuille-de-route/").content.decode()
    assert "Détection de fuites d&#x27;eau" in page
    assert "T1 2026" in page or "trimestre 2026" in page


def _themes():
    from beffroi.funding.selectors import vocabulary

    return vocabulary().themes


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("investment_budget", "-5", "ne peut pas être négatif"),
        ("investment_budget", "beaucoup", "n&#x27;est pas un nombre"),
        ("end_date", "2025-01-01", "La date de fin ne peut pas précéder la date de début"),
    ],
)
def test_bad_project_input_gets_french_message_and_keeps_saved_data(
    client, elu_valbourg, project, field, value, message
):
    client.force_login(elu_valbourg)
    data = {
        "title": "Titre changé",
        "status": "prevu",
        "stage": "investissement",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "investment_budget": "100000",
        "operating_budget": "0",
    }
    data[field] = value
    response = client.post(f"/valbourg/projet/feuille-de-route/projets/{project.pk}/modifier/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "<title>Erreur" in html
    project.refresh_from_db()
    assert project.title == "Éclairage public intelligent"
    assert project.investment_budget == Decimal("100000")


def test_phase_end_before_start_is_refused(client, elu_valbourg, project):
    client.force_login(elu_valbourg)
    response = client.post(
        f"/valbourg/projet/feuille-de-route/projets/{project.pk}/phases/",
        {"phase-title": "Travaux", "phase-start_date": "2026-06-01", "phase-end_date": "2026-05-01"},
    )
    assert response.status_code == 400
    assert "La date de fin ne peut pas précéder la date de début" in response.content.decode()
    assert project.phases.count() == 0
    ok = client.post(
        f"/valbourg/projet/feuille-de-route/projets/{project.pk}/phases/",
        {"phase-title": "Travaux", "phase-start_date": "2026-05-01", "phase-end_date": "2026-06-01"},
    )
    assert ok.status_code == 302
    assert project.phases.get().title == "Travaux"


def test_indicator_with_text_target_is_refused_then_added_and_removed(client, elu_valbourg, project):
    client.force_login(elu_valbourg)
    url = f"/valbourg/projet/feuille-de-route/projets/{project.pk}/indicateurs/"
    good = {
        "indicateur-name": "Consommation de l'éclairage",
        "indicateur-unit": "kWh",
        "indicateur-target": "1000",
    }
    bad = client.post(url, {**good, "indicateur-target": "beaucoup"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "<title>Erreur" in html and "Saisissez un nombre" in html
    assert 'value="Consommation de l&#x27;éclairage"' in html  # what was typed is kept
    assert project.indicators.count() == 0
    ok = client.post(url, good)
    assert ok.status_code == 302 and ok["Location"].endswith("#indicateurs")
    indicator = project.indicators.get()
    gone = client.post(f"{url}{indicator.pk}/supprimer/")
    assert gone.status_code == 302 and gone["Location"].endswith("#indicateurs")
    assert project.indicators.count() == 0


def test_phase_is_removed_and_page_returns_to_the_phases(client, elu_valbourg, project):
    client.force_login(elu_valbourg)
    url = f"/valbourg/projet/feuille-de-route/projets/{project.pk}/phases/"
    client.post(
        url, {"phase-title": "Études", "phase-start_date": "2026-01-01", "phase-end_date": "2026-02-01"}
    )
    phase = project.phases.get()
    response = client.post(f"{url}{phase.pk}/supprimer/")
    assert response.status_code == 302 and response["Location"].endswith("#phases")
    assert project.phases.count() == 0


def test_financing_line_bad_amount_loses_nothing(client, elu_valbourg, project):
    client.force_login(elu_valbourg)
    url = f"/valbourg/financements/plans/{project.financing_plan.pk}/lignes/ajouter/"
    good = {
        "funder": "Commune",
        "kind": "autofinancement",
        "cost_nature": "investment",
        "amount": "20 000",
        "status": "prevu",
    }
    assert client.post(url, good).status_code == 302
    for amount, message in (("-1", "ne peut pas être négatif"), ("mille", "n&#x27;est pas un nombre")):
        response = client.post(url, {**good, "funder": "État", "kind": "subvention", "amount": amount})
        assert response.status_code == 400
        assert message in response.content.decode()
    lines = list(FinancingLine.objects.filter(plan=project.financing_plan))
    assert [(line.funder, line.amount) for line in lines] == [("Commune", Decimal("20000.00"))]


def _add(client, plan, funder, kind, amount):
    return client.post(
        f"/valbourg/financements/plans/{plan.pk}/lignes/ajouter/",
        {"funder": funder, "kind": kind, "cost_nature": "investment", "amount": amount, "status": "demande"},
        follow=True,
    )


@pytest.mark.parametrize(
    "regime,prefect,own,aid,ok",
    [
        ("standard", False, "20000", "80000", True),
        ("standard", False, "20000", "80000.01", False),
        ("chef_de_file", False, "30000", "70000", True),
        ("chef_de_file", False, "30000", "70000.01", False),
        ("school_energy_renovation", True, "10000", "90000", True),
        ("school_energy_renovation", True, "10000", "90000.01", False),
        ("school_energy_renovation", False, "10000", "90000", False),
    ],
)
def test_l1111_10_thresholds_on_the_plan_page(client, elu_valbourg, project, regime, prefect, own, aid, ok):
    client.force_login(elu_valbourg)
    plan = project.financing_plan
    client.post(
        f"/valbourg/financements/plans/{plan.pk}/regime/",
        {"regime": regime, **({"prefect_decision": "on"} if prefect else {})},
    )
    _add(client, plan, "Commune de Valbourg", "autofinancement", own)
    response = _add(client, plan, "État — DSIL", "subvention", aid)
    html = response.content.decode()
    assert "L1111-10" in html
    if ok:
        assert "Règle respectée" in html
        assert "non respectée" not in html
    else:
        assert "Règle non respectée" in html
        assert "Attention : ce plan ne respecte pas" in html
    # Whatever the verdict, both lines are kept.
    assert plan.lines.count() == 2


def test_refused_aid_and_private_money_are_outside_the_base(client, elu_valbourg, project):
    client.force_login(elu_valbourg)
    plan = project.financing_plan
    _add(client, plan, "Commune", "autofinancement", "20000")
    _add(client, plan, "État", "subvention", "80000")
    _add(client, plan, "Mécène", "prive", "50000")
    html = client.get(f"/valbourg/financements/plans/{plan.pk}/").content.decode()
    assert "Règle respectée" in html
    line = _add(client, plan, "Région", "subvention", "10000")
    assert "Règle non respectée" in line.content.decode()
    refused = plan.lines.get(funder="Région")
    client.post(
        f"/valbourg/financements/plans/{plan.pk}/lignes/{refused.pk}/modifier/",
        {
            "funder": "Région",
            "kind": "subvention",
            "cost_nature": "investment",
            "amount": "10000",
            "status": "refuse",
        },
    )
    assert "Règle respectée" in client.get(f"/valbourg/financements/plans/{plan.pk}/").content.decode()


def test_agent_reads_but_cannot_edit(client, valbourg, agent_valbourg, project):
    client.force_login(agent_valbourg)
    assert client.get("/valbourg/projet/feuille-de-route/").status_code == 200
    page = client.get(f"/valbourg/projet/feuille-de-route/projets/{project.pk}/").content.decode()
    assert "Modifier le projet" not in page
    assert client.get(f"/valbourg/financements/plans/{project.financing_plan.pk}/").status_code == 200
    assert client.get("/valbourg/projet/feuille-de-route/projets/nouveau/").status_code == 403
    response = client.post(
        f"/valbourg/financements/plans/{project.financing_plan.pk}/lignes/ajouter/",
        {"funder": "X", "kind": "subvention", "cost_nature": "investment", "amount": "1", "status": "prevu"},
    )
    assert response.status_code == 403
    assert project.financing_plan.lines.count() == 0


def test_project_page_writes_the_first_of_a_month_1er(client, agent_valbourg, project):
    client.force_login(agent_valbourg)
    url = f"/valbourg/projet/feuille-de-route/projets/{project.pk}/"
    page = client.get(url).content.decode()
    assert "à partir du 1er janvier 2026" in page and "1 janvier" not in page
    client.cookies["django_language"] = "en"
    assert "1 January 2026" in client.get(url).content.decode()


def test_a_resident_following_a_link_to_the_roadmap_reads_the_public_page_not_access_denied(
    client, habitant_valbourg, project
):
    """The roadmap and the council report answered « Accès refusé » to a resident: they now lead to the public
    pages of the commune's project. The agents' tools stay closed, and an anonymous visitor (perhaps an agent
    whose session ended) is asked to sign in, told where residents read the project."""
    login = client.get("/valbourg/projet/feuille-de-route/", follow=True)
    assert login.redirect_chain[0][0].startswith("/valbourg/connexion/")
    assert "Les habitants le suivent sans compte" in login.content.decode()
    client.force_login(habitant_valbourg)
    for url, public in (
        ("/valbourg/projet/feuille-de-route/", "/valbourg/projet/"),
        (
            f"/valbourg/projet/feuille-de-route/projets/{project.pk}/",
            f"/valbourg/projet/projets/{project.pk}/",
        ),
        ("/valbourg/projet/rapport/", "/valbourg/projet/"),
        ("/valbourg/projet/rapport.pdf", "/valbourg/projet/"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == public, url
        assert client.get(public).status_code == 200
    for url in (
        f"/valbourg/projet/feuille-de-route/projets/{project.pk}/modifier/",
        f"/valbourg/projet/feuille-de-route/projets/{project.pk}/financements/",
        f"/valbourg/financements/plans/{project.financing_plan.pk}/",
        "/valbourg/projet/diagnostic/",
    ):
        assert client.get(url).status_code == 403, url
    # The catalogues are public.
    assert client.get("/valbourg/financements/").status_code == 200


def test_other_commune_sees_nothing(client, hautmesnil, project):
    mayor = member(hautmesnil, "elu", "maire@hautmesnil.test")
    client.force_login(mayor)
    assert (
        "Éclairage public intelligent"
        not in client.get("/hautmesnil/projet/feuille-de-route/").content.decode()
    )
    assert client.get(f"/hautmesnil/projet/feuille-de-route/projets/{project.pk}/").status_code == 404
    assert client.get(f"/hautmesnil/financements/plans/{project.financing_plan.pk}/").status_code == 404
    response = client.post(
        f"/hautmesnil/financements/plans/{project.financing_plan.pk}/lignes/ajouter/",
        {"funder": "X", "kind": "subvention", "cost_nature": "investment", "amount": "1", "status": "prevu"},
    )
    assert response.status_code == 404
    assert project.financing_plan.lines.count() == 0
    assert "Éclairage public intelligent" not in client.get("/hautmesnil/projet/rapport/").content.decode()


def test_funding_matches_explain_why(client, elu_valbourg, project):
    client.force_login(elu_valbourg)
    html = client.get(
        f"/valbourg/projet/feuille-de-route/projets/{project.pk}/financements/?tous=1"
    ).content.decode()
    assert "correspond" in html
    assert "ne correspond pas" in html
    assert "DSIL" in html


def test_mechanism_catalogue_shows_source_and_verification(client, valbourg):
    html = client.get("/valbourg/financements/dispositifs/DSIL/").content.decode()
    assert "mairesdefrance.com" in html
    assert "vérifié" in html and "26 novembre 2026" in html
    assert 'href="https://www.prefectures-regions.gouv.fr/normandie/' in html
    unverified = client.get("/valbourg/financements/dispositifs/FRANCE_SERVICES/").content.decode()
    assert "non vérifié" in unverified
    mechanisms = load_mechanisms()
    verified = sum(1 for m in mechanisms if m.verified_on is not None)
    assert 0 < verified < len(mechanisms)
    listing = client.get("/valbourg/financements/?zone=toutes&clotures=afficher").content.decode()
    assert f"{verified} fiches sur {len(mechanisms)} ont été comparées" in listing
    # every unverified card says so, and the legend explains the badge once
    assert (
        listing.count('<span class="badge badge-warn">non vérifié</span>') == len(mechanisms) - verified + 1
    )
    assert client.get("/valbourg/financements/dispositifs/INCONNU/").status_code == 404


def test_use_case_says_dans_beffroi_only_for_a_module_installed_and_enabled(client, valbourg):
    """The catalogue promised « Dans Beffroi » for modules that do not exist (opendata, procedures…) or
    that the commune has switched off; it named them by their code."""
    valbourg.enabled_modules = ["planning", "reports"]
    valbourg.save()
    listing = client.get("/valbourg/projet/").content.decode()
    assert listing.count("Dans Beffroi") == 1 and "Dans Beffroi : Signalements" in listing
    reports = client.get("/valbourg/projet/cas-d-usage/signalements-citoyens/").content.decode()
    assert "La commune le met déjà en œuvre dans Beffroi" in reports and ">Signalements</a>" in reports
    for code in (
        "portail-open-data",
        "teleprocedures",
        "eclairage-intelligent",
    ):  # not installed / switched off
        page = client.get(f"/valbourg/projet/cas-d-usage/{code}/").content.decode()
        assert "ne le met pas en œuvre dans Beffroi" in page
        assert "« opendata »" not in page and "« datahub »" not in page and "« procedures »" not in page


def _assessment_answers(client):
    form = client.get("/valbourg/projet/diagnostic/nouveau/").context["form"]
    data = {"assessed_on": "2026-02-01"}
    data.update(
        {name: "1" for name, field in form.fields.items() if name.startswith("q_") and field.required}
    )
    return data


def test_diagnostic_sent_with_errors_names_and_links_each_one(client, valbourg, elu_valbourg):
    """A percentage over 100, a negative count and a level past 4 are each named in the summary, with a link
    to the field, and shown beside it; nothing is saved."""
    client.force_login(elu_valbourg)
    data = {
        **_assessment_answers(client),
        "i_A.cybersecurite": "150",
        "i_A.services_mutualises": "-2",
        "i_A.pilotage": "5",
    }
    data.pop("q_A1")
    response = client.post("/valbourg/projet/diagnostic/nouveau/", data)
    assert response.status_code == 400
    page = response.content.decode()
    summary = page[
        page.index('class="error-summary"') : page.index("</ul>", page.index('class="error-summary"'))
    ]
    assert "Le formulaire contient des erreurs" in summary
    assert 'href="#id_i_A.cybersecurite"' in summary and "Hygiène informatique (%) :" in summary
    assert 'href="#id_i_A.services_mutualises"' in summary and "Services numériques mutualisés" in summary
    assert 'href="#id_i_A.pilotage"' in summary and "Pilotage de la feuille de route" in summary
    assert 'href="#id_q_A1_0"' in summary and "Choisissez un niveau pour cette question." in summary
    assert summary.count("<li>") == 4
    assert 'id="id_i_A.cybersecurite_error"' in page  # and beside the field
    assert not Assessment.objects.filter(commune=valbourg).exists()


def test_a_duration_whole_once_rounded_is_written_without_a_trailing_zero(client, elu_valbourg, project):
    """15,96 jours at the tenth is « 16 jours », never « 16,0 jours »; 13,94 stays « 13,9 jours »."""
    client.force_login(elu_valbourg)
    url = f"/valbourg/projet/feuille-de-route/projets/{project.pk}/indicateurs/"
    response = client.post(
        url,
        {
            "indicateur-name": "Délai de clôture des signalements",
            "indicateur-unit": "jours",
            "indicateur-baseline": "15.96",
            "indicateur-target": "13.94",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/valbourg/projet/feuille-de-route/projets/{project.pk}/").content.decode()
    assert "16\u00a0jours" in page and "16,0" not in page
    assert "13,9\u00a0jours" in page


def test_the_communes_population_is_written_with_a_thousands_separator(
    client, valbourg, elu_valbourg, project
):
    """« 3214 habitants » on the aids of a project and « 3214 » among what the platform knows."""
    valbourg.population = 3214
    valbourg.save()
    client.force_login(elu_valbourg)
    funding = client.get(
        f"/valbourg/projet/feuille-de-route/projets/{project.pk}/financements/"
    ).content.decode()
    assert "(Valbourg, 3\u202f214 habitants)" in funding
    form = client.get("/valbourg/projet/diagnostic/nouveau/").content.decode()
    assert "<dd>3\u202f214</dd>" in form and "3214" not in form


def test_funding_matches_keep_verification_notes_in_closed_sources_blocks(client, elu_valbourg, project):
    """« Points non vérifiés dans la fiche : … », « programme 380 », « décret n° 2018-514 » and raw addresses
    were read among the reasons an aid fits the project."""
    client.force_login(elu_valbourg)
    html = client.get(
        f"/valbourg/projet/feuille-de-route/projets/{project.pk}/financements/"
    ).content.decode()
    outside = re.sub(r"(?s)<details.*?</details>", "", html)
    for note in (
        "Points non vérifiés",
        "Fiche vérifiée le",
        "programme 380",
        "2018-514",
        "Aides-territoires",
    ):
        assert note not in outside, note
    assert not re.search(r">https?://", html)
    assert "<summary>Sources et vérification</summary>" in html and "<details open" not in html
    assert "Fourchette de taux « 20 à 80 % »" in html  # kept, inside the block
    assert (
        "ne commence pas avant que le dossier soit complet" in outside
        or "dossier soit déclaré complet" in outside
    )


def test_use_case_costs_are_whole_euros_with_their_basis_said_once(client, valbourg):
    """« 30 000,00 € – 150 000,00 € » and the long « Estimation Beffroi : … » repeated in each row."""
    html = client.get("/valbourg/projet/cas-d-usage/eclairage-intelligent/").content.decode()
    assert "30\u202f000\u00a0€ – 150\u202f000\u00a0€" in html
    table = html[html.index("<table") : html.index("</table>")]
    assert ",00\u00a0€" not in table
    assert html.count("Estimation Beffroi") == 1 and "Estimation Beffroi" not in table
    assert html.index("Estimation Beffroi") > html.index("</table>")
    assert "Smart Data Models" not in html and "NGSI-LD" not in html
    assert "formats ouverts et standard" in html


def test_use_case_with_a_sourced_example_links_its_source_in_each_row(client, valbourg):
    html = client.get("/valbourg/projet/cas-d-usage/services-mutualises-intercommunalite/").content.decode()
    table = html[html.index("<table") : html.index("</table>")]
    assert table.count(">voir la source<") == 3 and "Exemple sourcé" not in table
    assert "Exemple sourcé" in html


def test_diagnostic_form_gives_the_grid_version_as_a_small_note(client, elu_valbourg):
    client.force_login(elu_valbourg)
    html = client.get("/valbourg/projet/diagnostic/nouveau/").content.decode()
    assert "Grille version" not in html
    assert html.index("Version de la grille : 2026.1") > html.index("</form>")
