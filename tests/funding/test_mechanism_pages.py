"""The pages an élu reads about an aid: the catalogue's sheet of a mechanism, and the plan's lines."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from beffroi.funding import services as funding_services
from beffroi.planning import services
from tests.factories import member


@pytest.fixture
def elu(valbourg):
    valbourg.enabled_modules = ["planning"]
    valbourg.save()
    return member(valbourg, "elu", "elu@valbourg.test")


@pytest.fixture
def plan(valbourg, elu):
    project = services.project_create(
        commune=valbourg,
        actor=elu,
        title="Éclairage public intelligent",
        start_date=date(2026, 1, 1),
        investment_budget=Decimal("100000"),
        themes=["eclairage-public"],
    )
    return project.financing_plan


def test_eligibility_is_given_per_beneficiary_in_french_and_the_funder_once(client, valbourg):
    """The sheet repeated « Condition de taille » before raw keys (« epci : … ») and read
    « État (préfets, …) (État) »."""
    html = client.get("/valbourg/financements/dispositifs/FONDS_VERT_BIODECHETS/").content.decode()
    assert "Condition de taille" not in html
    for key in ("commune :", "epci :", "etablissement_public :", "syndicat :"):
        assert key not in html
    assert "<li>Commune : Seulement avec la compétence collecte" in html
    assert "<li>Intercommunalité (EPCI à fiscalité propre) : Seulement avec" in html
    assert "<li>Établissement public ou service de l&#x27;État : Établissement agissant" in html
    assert "(préfets) (État)" not in html
    assert "État (préfets) — Fonds vert</dd>" in html


def test_population_bounds_are_written_with_the_beneficiary(client, valbourg):
    html = client.get("/valbourg/financements/dispositifs/DETR/").content.decode()
    assert "<li>Commune :<ul><li>jusqu&#x27;à 2\u202f000 hab. — 3 500 habitants" in html
    assert "<li>de 2\u202f001 à 20\u202f000 hab., sous condition : potentiel financier par habitant" in html
    assert (
        "Intercommunalité (EPCI à fiscalité propre) : jusqu&#x27;à 50\u202f000 hab., sous condition" in html
    )


def test_a_mechanism_without_dates_says_what_its_calendar_is(client, valbourg):
    html = client.get("/valbourg/financements/dispositifs/BDT_DATAVIZ/").content.decode()
    assert "<dt>Calendrier</dt><dd></dd>" not in html
    assert "<dt>Calendrier</dt><dd>Dispositif permanent, sans date limite publiée.</dd>" in html
    assert "<li>Collectivité d&#x27;outre-mer à statut particulier : Communes du programme" in html
    assert "collectivite_outre_mer" not in html


def test_the_plan_names_the_funder_and_links_it_to_the_mechanism_without_its_code(client, elu, plan):
    funding_services.line_add(
        commune=plan.commune,
        actor=elu,
        plan=plan,
        funder="État — Fonds vert",
        mechanism_code="FONDS_VERT_ECLAIRAGE",
        kind="subvention",
        cost_nature="investment",
        amount=Decimal("50000"),
    )
    client.force_login(elu)
    html = client.get(f"/valbourg/financements/plans/{plan.pk}/").content.decode()
    assert "FONDS_VERT_ECLAIRAGE)" not in html and ">FONDS_VERT_ECLAIRAGE<" not in html
    assert (
        '<th scope="row"><a href="/valbourg/financements/dispositifs/FONDS_VERT_ECLAIRAGE/">'
        "État — Fonds vert</a></th>"
    ) in html


def _offered(html: str) -> set[str]:
    import re

    select = re.search(r'(?s)<select name="mechanism_code".*?</select>', html)
    assert select is not None
    return set(re.findall(r'<option value="([^"]+)"', select.group(0)))


def test_the_line_form_offers_only_the_aids_of_the_communes_territory(client, valbourg, elu, plan):
    """A Côte-d'Or commune was offered the aids of the Charente, the Nièvre, the Calvados and the Grand Est."""
    client.force_login(elu)
    offered = _offered(client.get(f"/valbourg/financements/plans/{plan.pk}/lignes/ajouter/").content.decode())
    assert {"DSIL", "DETR", "FONDS_VERT_ECLAIRAGE"} <= offered
    for elsewhere in ("ATD16_SIG", "SIEEEN_NUMERIQUE", "SDEC_ECLAIRAGE_PUBLIC", "REGION_GE_VILLES_MOYENNES"):
        assert elsewhere not in offered, elsewhere
    # the same rule as the « Aides possibles » page: every aid it matches is offered
    from beffroi.funding import selectors

    assert offered == {
        m.code for m in selectors.mechanism_list_for_commune(commune=valbourg, today=timezone.localdate())
    }


def test_editing_a_line_keeps_the_aid_already_chosen(client, valbourg, elu, plan):
    line = funding_services.line_add(
        commune=valbourg,
        actor=elu,
        plan=plan,
        funder="SDEC Énergie",
        mechanism_code="SDEC_ECLAIRAGE_PUBLIC",
        kind="subvention",
        cost_nature="investment",
        amount=Decimal("1000"),
    )
    client.force_login(elu)
    html = client.get(f"/valbourg/financements/plans/{plan.pk}/lignes/{line.pk}/modifier/").content.decode()
    assert '<option value="SDEC_ECLAIRAGE_PUBLIC" selected>' in html
    assert "ATD16_SIG" not in _offered(html)


def test_catalogue_editors_notes_are_for_the_platform_operator_only(client, valbourg, elu, django_user_model):
    """The maintainer's log of a sheet (« Corrigé : … ; ajoutés : … ») and the notes on its sources (« page
    exacte non relevée dans la note ») are not for residents or élus; the date and page of the check are."""
    url = "/valbourg/financements/dispositifs/FONDS_VERT_ECLAIRAGE/"
    log = "Corrigé : intitulé de la mesure"
    source_note = "page exacte non relevée dans la note"
    for viewer in (None, elu):
        if viewer is not None:
            client.force_login(viewer)
        html = client.get(url).content.decode()
        assert "Fiche comparée le 26 novembre 2026 à la page officielle" in html
        assert log not in html and source_note not in html
        assert "Le Moniteur – circulaire Fonds vert 2024" in html  # the source itself stays listed

    operator = django_user_model.objects.create_user("ops@platform.test", "x", is_staff=True)
    client.force_login(operator)
    html = client.get(url).content.decode()
    assert log in html and source_note in html


def _before_sources(html: str) -> str:
    """What a reader sees before opening the « Sources et vérification » block."""
    return html[: html.index("<details")]


def test_verification_notes_are_in_a_closed_sources_block(client, valbourg):
    """« La fourchette « 20 à 80 % » citée par les fiches Aides-territoires… », « Points non vérifiés » and raw
    addresses were read by the mayor among what the aid funds."""
    html = client.get("/valbourg/financements/dispositifs/DETR/").content.decode()
    main = _before_sources(html)
    for note in ("Aides-territoires", "Points non vérifiés", "2018-514", "https://collectivites"):
        assert note not in main.replace('href="https://collectivites', ""), note
    assert '<details class="sources">\n  <summary>Sources et vérification</summary>' in html
    assert "<details open" not in html
    sources = html[html.index("<details") : html.index("</details>")]
    assert "Fourchette de taux « 20 à 80 % » citée par les fiches Aides-territoires" in sources
    assert "décret n° 2018-514" in sources
    # Links read as titles, never as addresses.
    assert not re.search(r">https?://", html)
    assert (
        ">Collectivités locales (DGCL) – Dotation d&#x27;équipement des territoires ruraux (DETR)</a>"
        in sources
    )
    # What the mayor needs stays in view: the rate, the calendar and the funder's page.
    assert "commission départementale d&#x27;élus fixe les catégories" in main
    assert "<dt>Page officielle</dt>" in main


def test_fonds_vert_names_the_state_without_its_budget_programme(client, valbourg):
    html = client.get("/valbourg/financements/dispositifs/FONDS_VERT/").content.decode()
    assert "programme 380" not in _before_sources(html)
    assert "programme 380" in html


def test_the_line_form_names_each_aid_in_full(client, valbourg, elu, plan):
    """The dropdown read « AAP TID », « GPI-AmbRE », « SRJF », « CPE », « BdT – … »."""
    client.force_login(elu)
    html = client.get(f"/valbourg/financements/plans/{plan.pk}/lignes/ajouter/").content.decode()
    select = re.search(r'(?s)<select name="mechanism_code".*?</select>', html)
    assert select is not None
    labels = re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]*)</option>", select.group(0))
    assert "Dotation d&#x27;équipement des territoires ruraux (DETR)" in labels
    assert not [label for label in labels if label.startswith(("AAP ", "BdT –", "SRJF", "CPE", "GPI-AmbRE"))]


def test_an_acronym_missing_from_the_name_follows_it():
    from beffroi.funding.catalogue import load_mechanisms

    by_code = {m.code: m for m in load_mechanisms()}
    assert by_code["ADEME_BDT_CPE"].display_name.endswith("(ADEME, Banque des Territoires) (CPE)")
    assert by_code["TID"].display_name == by_code["TID"].name  # « (TID, France 2030) » already there
    assert by_code["BDT_PVD"].display_name == by_code["BDT_PVD"].name  # « BdT – projets PVD » is no acronym
