"""A commune is offered the aids of its own territory and the open ones, as Aides-territoires searches them.

Reported on the demo: Valbourg (Côte-d'Or, Bourgogne-Franche-Comté) read in its catalogue the aids of the Grand
Est, the Charente, the Nièvre, the Calvados, the Savoie and the Drôme; closed calls were listed as if open; and
« non vérifié » was not explained.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from beffroi.funding import selectors
from beffroi.funding import services as funding_services
from beffroi.funding.aides_territoires import aid_to_mechanism
from beffroi.funding.catalogue import load_mechanisms, mechanism_from_dict
from beffroi.funding.matching import (
    CommuneProfile,
    Criterion,
    MatchingEngine,
    ProjectProfile,
    Status,
    TerritoryScope,
    territory_scope,
)
from beffroi.planning import services as planning_services
from tests.factories import CommuneFactory, member

TODAY = date(2026, 12, 6)
MECHANISMS = {m.code: m for m in load_mechanisms()}
# Every aid of the catalogue reserved to a territory other than the Côte-d'Or and Bourgogne-Franche-Comté.
ELSEWHERE_THAN_COTE_DOR = {
    "REGION_GE_VILLES_MOYENNES",  # Grand Est
    "ATD16_ASSISTANCE_NUMERIQUE",  # Charente
    "ATD16_SIG",
    "SIEEEN_NUMERIQUE",  # Nièvre (same region, another département)
    "SDEC_ECLAIRAGE_PUBLIC",  # Calvados
    "SDEC_SERVICES_RESEAU_ECLAIRAGE",
    "SDEC_CONSEIL_ENERGIE_PARTAGE",
    "SDES73_DIAGNOSTIC_ECLAIRAGE",  # Savoie
    "SDED_TRAVAUX_ECONOMIES_ENERGIE",  # Drôme
}
CLOSED = {"TID", "FRANCE_RELANCE_TNCT", "TERRITOIRES_INNOVATION"}


def cote_dor(**overrides):
    values = {"population": 3214, "departement": "21"}
    values.update(overrides)
    return CommuneProfile(**values)


def record(code, **fields):
    base = {
        "code": code,
        "name": f"Dispositif {code}",
        "funder": {"name": "État", "kind": "etat"},
        "beneficiaries": ["commune"],
        "aid_types": ["subvention"],
        "themes": ["eclairage-public"],
        "stages": ["investissement"],
        "availability": "permanent",
    }
    base.update(fields)
    return base


LIGHTING = ProjectProfile(
    themes={"eclairage-public"}, stage="investissement", investment_cost=Decimal("90000")
)


# -- the rule (pure) ---------------------------------------------------------------------------------------


def test_the_catalogues_perimeters_seen_from_the_cote_dor():
    commune = cote_dor()
    elsewhere = {
        code for code, m in MECHANISMS.items() if territory_scope(m, commune) is TerritoryScope.ELSEWHERE
    }
    assert elsewhere == ELSEWHERE_THAN_COTE_DOR
    assert territory_scope(MECHANISMS["DSIL"], commune) is TerritoryScope.NATIONAL
    assert (
        territory_scope(MECHANISMS["FEDER"], commune) is TerritoryScope.NATIONAL
    )  # European, in every region


def test_a_grand_est_commune_is_inside_the_grand_est_scheme_and_outside_the_nievre_one():
    marne = CommuneProfile(population=15000, departement="51")
    assert marne.region == "44"
    assert territory_scope(MECHANISMS["REGION_GE_VILLES_MOYENNES"], marne) is TerritoryScope.LOCAL
    assert territory_scope(MECHANISMS["SIEEEN_NUMERIQUE"], marne) is TerritoryScope.ELSEWHERE
    assert territory_scope(MECHANISMS["SIEEEN_NUMERIQUE"], cote_dor(departement="58")) is TerritoryScope.LOCAL


def test_an_intercommunal_aid_is_for_its_members_only():
    engine = MatchingEngine([record("EPCI_AID", territory={"epcis": ["CC des Coteaux du Val"]})])
    member_commune = cote_dor(epci="Communauté de communes des Coteaux du Val")
    neighbour = cote_dor(epci="Communauté de communes du Pays de Nuits-Saint-Georges")
    unknown = cote_dor()
    assert engine.matched_codes(member_commune, LIGHTING, today=TODAY) == ["EPCI_AID"]
    assert engine.matched_codes(neighbour, LIGHTING, today=TODAY) == []
    territory = {
        profile: next(
            r
            for r in engine.explain("EPCI_AID", profile, LIGHTING, today=TODAY)
            if r.criterion == "territoire"
        )
        for profile in (member_commune, neighbour, unknown)
    }
    assert territory[member_commune].status is Status.OK
    assert territory[neighbour].status is Status.KO
    assert "Pays de Nuits-Saint-Georges" in territory[neighbour].message
    # Not known: kept, and the reason says what is missing.
    assert engine.matched_codes(unknown, LIGHTING, today=TODAY) == ["EPCI_AID"]
    assert territory[unknown].status is Status.TO_CHECK
    assert "intercommunalité de la collectivité n'est pas renseignée" in territory[unknown].message


def test_an_intercommunality_is_recognised_by_its_siren():
    engine = MatchingEngine([record("EPCI_AID", territory={"epcis": ["200099001"]})])
    assert engine.matched_codes(cote_dor(epci_siren="200099001"), LIGHTING, today=TODAY) == ["EPCI_AID"]
    assert engine.matched_codes(cote_dor(epci_siren="200012345"), LIGHTING, today=TODAY) == []


def test_a_perimeter_the_catalogue_cannot_place_is_kept_and_said_so():
    """An Aides-territoires perimeter such as a LEADER group is not « tout le territoire national »."""
    engine = MatchingEngine(
        [
            record(
                "GAL",
                conditions=["dans_perimetre_aides_territoires"],
                territory={"perimeter": "GAL Ouest Charente - Pays du Cognac"},
            )
        ]
    )
    assert engine.matched_codes(cote_dor(), LIGHTING, today=TODAY) == ["GAL"]
    assert territory_scope(engine.get("GAL"), cote_dor()) is TerritoryScope.UNKNOWN
    reasons = engine.explain("GAL", cote_dor(), LIGHTING, today=TODAY)
    [territory] = [r for r in reasons if r.criterion is Criterion.TERRITORY]
    assert territory.status is Status.TO_CHECK
    assert "GAL Ouest Charente - Pays du Cognac" in territory.message
    assert "national" not in territory.message


def test_a_mechanism_is_closed_after_its_deadline_or_when_marked_closed():
    windowed = mechanism_from_dict(record("W", availability="fenetre", closes_on="2026-12-06"))
    assert not windowed.is_closed(date(2026, 12, 6))  # the deadline day is still open
    assert windowed.is_closed(date(2026, 12, 7))
    assert MECHANISMS["TID"].is_closed(TODAY)
    assert MECHANISMS["TERRITOIRES_INNOVATION"].is_closed(TODAY)  # closed, no date
    assert not MECHANISMS["DSIL"].is_closed(TODAY)


def test_the_importer_keeps_an_intercommunal_perimeter_as_such():
    aid = {
        "id": 9001,
        "name": "Fonds de concours numérique",
        "slug": "9001-fonds-de-concours",
        "perimeter": "CC des Coteaux du Val",
        "perimeter_scale": "EPCI",
        "targeted_audiences": ["Communes"],
        "aid_types": ["Subvention"],
        "mobilization_steps": ["Mise en œuvre / réalisation"],
        "categories": ["Énergies / Déchets / Éclairage public"],
        "financers": ["Communauté de communes des Coteaux du Val"],
    }
    imported = aid_to_mechanism(aid).mechanism
    assert imported["territory"]["epcis"] == ["CC des Coteaux du Val"]
    assert "dans_perimetre_aides_territoires" not in imported["conditions"]
    mechanism = mechanism_from_dict(imported)
    assert territory_scope(mechanism, cote_dor(epci="Communauté de communes des Coteaux du Val")) is (
        TerritoryScope.LOCAL
    )
    assert territory_scope(mechanism, cote_dor(epci="Dijon Métropole")) is TerritoryScope.ELSEWHERE


# -- the catalogue page ------------------------------------------------------------------------------------


def _codes(html):
    return re.findall(r'<a href="/[^"]+/financements/dispositifs/([A-Z0-9_]+)/">', html)


def _open_and_closed(html):
    """The codes listed among the open aids, and those listed apart as closed."""
    main, _sep, closed = html.partition('<h2 id="clotures">')
    return set(_codes(main)), set(_codes(closed))


@pytest.fixture
def vitry(db):
    return CommuneFactory(
        name="Vitry",
        slug="vitry",
        insee_code="51649",
        population=12000,
        departement="Marne",
        departement_code="51",
        region="Grand Est",
    )


def test_a_cote_dor_commune_sees_its_territorys_aids_and_the_national_ones(client, valbourg):
    html = client.get("/valbourg/financements/").content.decode()
    shown, _closed = _open_and_closed(html)
    assert not shown & ELSEWHERE_THAN_COTE_DOR
    assert "SIEEEN_NUMERIQUE" not in shown and "REGION_GE_VILLES_MOYENNES" not in shown
    assert {"DSIL", "DETR", "FONDS_VERT", "FEDER", "LEADER", "BDT_PVD"} <= shown
    # What the demo's mayor reads: every other open aid of the catalogue.
    assert shown == set(MECHANISMS) - ELSEWHERE_THAN_COTE_DOR - CLOSED
    assert "9 dispositifs réservés à d'autres régions, départements ou intercommunalités" in html
    assert "Territoire de la commune (Côte-d&#x27;Or, Bourgogne-Franche-Comté)" in html
    assert '<a href="?zone=toutes">Voir toutes les zones</a>' in html


def test_every_zone_on_demand_with_those_of_elsewhere_marked_in_words(client, valbourg):
    html = client.get("/valbourg/financements/?zone=toutes&theme=eclairage-public").content.decode()
    shown, _closed = _open_and_closed(html)
    assert {"SDEC_ECLAIRAGE_PUBLIC", "SDES73_DIAGNOSTIC_ECLAIRAGE", "FONDS_VERT_ECLAIRAGE"} <= shown
    card = html[html.index("/dispositifs/SDES73_DIAGNOSTIC_ECLAIRAGE/") :]
    card = card[: card.index("</li>")]
    assert "Zone\u00a0: Savoie (73)" in card
    assert '<span class="badge">hors du territoire de la commune</span>' in card
    national = html[html.index("/dispositifs/FONDS_VERT_ECLAIRAGE/") :]
    national = national[: national.index("</li>")]
    assert "Zone\u00a0: Toute la France" in national and "hors du territoire" not in national
    assert '<option value="toutes" selected>Toutes les zones</option>' in html


def test_a_grand_est_commune_sees_the_grand_est_scheme(client, vitry):
    shown, _closed = _open_and_closed(client.get("/vitry/financements/").content.decode())
    assert "REGION_GE_VILLES_MOYENNES" in shown
    assert "SIEEEN_NUMERIQUE" not in shown and "ATD16_SIG" not in shown
    assert "DSIL" in shown


def test_a_commune_whose_departement_is_not_recorded_sees_every_zone_and_is_told(client, db):
    CommuneFactory(slug="sans-departement", departement="", departement_code="", region="")
    html = client.get("/sans-departement/financements/").content.decode()
    shown, _closed = _open_and_closed(html)
    assert "REGION_GE_VILLES_MOYENNES" in shown
    assert "Le département de la commune n'est pas renseigné\u00a0:" in html
    assert "hors du territoire de la commune</span></p>" not in html  # nothing is said to be elsewhere


def test_closed_aids_are_hidden_by_default_and_listed_apart_on_demand(client, valbourg):
    html = client.get("/valbourg/financements/").content.decode()
    shown, closed = _open_and_closed(html)
    assert not shown & CLOSED and not closed
    assert "3 dispositifs clôturés (date limite passée ou dispositif fermé) ne sont pas affichés." in html
    assert '<a href="?clotures=afficher#clotures">Afficher les dispositifs clôturés</a>' in html

    html = client.get("/valbourg/financements/?clotures=afficher").content.decode()
    shown, closed = _open_and_closed(html)
    assert closed == CLOSED and not shown & CLOSED
    tid = html[html.index("/dispositifs/TID/") :]
    tid = tid[: tid.index("</li>")]
    assert '<span class="badge">Clôturé</span>' in tid
    assert "Dépôts clos le 7 novembre 2022\u00a0: on ne peut plus y déposer de dossier." in tid


def test_an_aid_past_its_deadline_is_closed_from_the_next_day(client, valbourg, monkeypatch):
    today = timezone.localdate()
    records = [
        record("ENCORE_OUVERT", availability="fenetre", closes_on=today.isoformat()),
        record("DATE_PASSEE", availability="fenetre", closes_on=(today - timedelta(days=1)).isoformat()),
    ]
    mechanisms = tuple(mechanism_from_dict(r) for r in records)
    monkeypatch.setattr(selectors, "load_mechanisms", lambda: mechanisms)
    monkeypatch.setattr(selectors, "matching_engine", lambda: MatchingEngine(mechanisms))
    shown, closed = _open_and_closed(client.get("/valbourg/financements/?clotures=afficher").content.decode())
    assert shown == {"ENCORE_OUVERT"} and closed == {"DATE_PASSEE"}
    offered = selectors.mechanism_list_for_commune(commune=valbourg, today=today)
    assert [m.code for m in offered] == ["ENCORE_OUVERT"]


def test_the_badges_are_explained_in_words_on_the_list(client, valbourg):
    html = client.get("/valbourg/financements/").content.decode()
    legend = html[html.index('<h2 id="mentions">') : html.index("</section>")]
    assert '<dt><span class="badge badge-warn">non vérifié</span></dt>' in legend
    assert "n'a pas encore été relue sur la page officielle du financeur" in legend
    assert "ce n'est pas le rôle de la commune" in legend
    assert "Aides-territoires" in legend
    assert "vérifiez-la auprès du financeur avant de déposer un dossier" in legend
    assert '<dt><span class="badge">Clôturé</span></dt>' in legend
    assert '<dt><span class="badge">hors du territoire de la commune</span></dt>' in legend
    # Each unverified card says it in words beside the badge, not by its colour alone.
    card = html[html.index("/dispositifs/FRANCE_SERVICES/") :]
    card = card[: card.index("</li>")]
    assert (
        '<span class="badge badge-warn">non vérifié</span> Fiche pas encore relue sur la page officielle du '
        "financeur\u00a0: montant, taux et dates à confirmer auprès de lui." in card
    )


def test_the_sheet_of_an_aid_says_when_it_is_closed_or_for_elsewhere(client, valbourg):
    tid = client.get("/valbourg/financements/dispositifs/TID/").content.decode()
    assert '<span class="badge">Clôturé</span> On ne peut plus déposer de dossier' in tid
    grand_est = client.get("/valbourg/financements/dispositifs/REGION_GE_VILLES_MOYENNES/").content.decode()
    assert (
        "réservé à un autre territoire que celui de la commune (Côte-d&#x27;Or, Bourgogne-Franche-Comté)"
        in grand_est
    )
    assert "<dt>Territoire</dt><dd>Région Grand Est</dd>" in grand_est
    dsil = client.get("/valbourg/financements/dispositifs/DSIL/").content.decode()
    assert "hors du territoire de la commune" not in dsil and "On ne peut plus déposer" not in dsil
    assert "<dt>Territoire</dt><dd>Toute la France</dd>" in dsil


def test_the_sheet_of_the_grand_est_scheme_does_not_say_elsewhere_to_a_grand_est_commune(client, vitry):
    html = client.get("/vitry/financements/dispositifs/REGION_GE_VILLES_MOYENNES/").content.decode()
    assert "hors du territoire de la commune" not in html


# -- financing lines and a project's matches ---------------------------------------------------------------


@pytest.fixture
def elu(valbourg):
    return member(valbourg, "elu", "elu@valbourg.test")


@pytest.fixture
def data_project(valbourg, elu):
    return planning_services.project_create(
        commune=valbourg,
        actor=elu,
        title="Plateforme de données",
        start_date=date(2027, 3, 1),
        investment_budget=Decimal("60000"),
        themes=["donnees", "administration-numerique"],
    )


def _offered(html):
    select = re.search(r'(?s)<select name="mechanism_code".*?</select>', html)
    assert select is not None
    return set(re.findall(r'<option value="([^"]+)"', select.group(0)))


def test_a_closed_aid_is_never_offered_for_a_new_line(client, elu, data_project):
    client.force_login(elu)
    plan = data_project.financing_plan
    offered = _offered(client.get(f"/valbourg/financements/plans/{plan.pk}/lignes/ajouter/").content.decode())
    assert not offered & CLOSED
    assert not offered & ELSEWHERE_THAN_COTE_DOR
    assert {"DSIL", "FEDER"} <= offered
    # A line recorded on an aid before it closed keeps it when edited.
    line = funding_services.line_add(
        commune=plan.commune,
        actor=elu,
        plan=plan,
        funder="France 2030",
        mechanism_code="TID",
        kind="subvention",
        cost_nature="investment",
        amount=Decimal("20000"),
    )
    html = client.get(f"/valbourg/financements/plans/{plan.pk}/lignes/{line.pk}/modifier/").content.decode()
    assert '<option value="TID" selected>' in html
    assert not (_offered(html) - {"TID"}) & CLOSED


def test_a_projects_matches_leave_out_closed_aids_and_other_territories(valbourg, data_project):
    from beffroi.planning import selectors as planning_selectors

    results = planning_selectors.project_matches(commune=valbourg, project=data_project, today=TODAY)
    matched = {r.code for r in results if r.matched}
    assert "DSIL" in matched  # a national aid
    assert not matched & CLOSED  # TID was a data call: closed, never proposed
    assert not matched & ELSEWHERE_THAN_COTE_DOR
    tid = next(r for r in results if r.code == "TID")
    assert any(r.criterion is Criterion.CALENDAR and r.status is Status.KO for r in tid.reasons)
