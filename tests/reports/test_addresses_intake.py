"""Reports located on the commune's address base, and counter intake that keeps the private part private.

The defects they guard: the confirmation echoed raw coordinates; an address typed without JavaScript found no
point; the agent's text at the counter went public whole."""

import pytest

from beffroi.reports.models import Report, ReportEvent
from beffroi.territory import services as territory_services
from tests.reports.conftest import file_report

pytestmark = pytest.mark.django_db

BAL = (
    "uid_adresse;cle_interop;commune_insee;commune_nom;voie_nom;lieudit_complement_nom;numero;suffixe;position;"
    "x;y;long;lat;cad_parcelles;source;date_der_maj;certification_commune\n"
    ";21990_0120_00012;21990;Valbourg;Rue des Écoles;;12;;entrée;;;4.832000;47.318000;;Commune;2026-01-02;1\n"
    ";21990_0120_00014;21990;Valbourg;Rue des Écoles;;14;;entrée;;;4.832300;47.318100;;Commune;2026-01-02;1\n"
    ";21990_0130_00014;21990;Valbourg;Rue de l'École;;14;;entrée;;;4.840000;47.320000;;Commune;2026-01-02;1\n"
    ";21990_0100_00003;21990;Valbourg;Rue de la République;;3;;entrée;;;4.835000;47.316000;;Commune;2026-01-02;1\n"
)


@pytest.fixture
def addressed(setup_reports, valbourg):
    result = territory_services.addresses_import(commune=valbourg, text=BAL)
    assert result.imported == 4 and not result.errors
    return setup_reports


def test_a_tapped_point_is_shown_as_near_an_address_not_as_coordinates(client, addressed, valbourg):
    response = client.post(
        "/valbourg/signalements/signaler/nid-de-poule/",
        {
            "latitude": "47.318010",
            "longitude": "4.832010",
            "description": "Trou",
            "q_danger": "oui",
            "website": "",
        },
    )
    report = Report.objects.get()
    receipt = client.get(response["Location"]).content.decode()
    assert "près du 12 rue des Écoles" in receipt
    assert "47.318010" not in receipt and "47,318010" not in receipt
    track = client.get(f"/valbourg/signalements/suivi/{report.tracking_code}/").content.decode()
    assert "près du 12 rue des Écoles" in track and "Coordonnées" not in track
    assert "près du 12 rue des Écoles" in client.get(f"/valbourg/signalements/{report.pk}/").content.decode()


def test_open311_gives_the_nearest_address_when_none_was_typed(client, addressed, valbourg):
    file_report(valbourg, addressed["pothole"], latitude="47.318010", longitude="4.832010")
    items = client.get("/open311/v2/requests.json", {"jurisdiction_id": "valbourg"}).json()
    assert items[0]["address"] == "près du 12 rue des Écoles, Valbourg"


def test_an_address_typed_without_javascript_places_the_report(client, addressed):
    step1 = client.get(
        "/valbourg/signalements/signaler/", {"category": "nid-de-poule", "address": "14 r. des ecoles"}
    )
    assert step1.status_code == 302
    step2 = client.get(step1["Location"]).content.decode()
    assert "Nous avons placé le signalement au 14 rue des Écoles." in step2
    assert 'name="latitude" value="47.3181"' in step2


def test_an_address_placed_to_seven_decimals_is_sent_without_javascript(client, setup_reports, valbourg):
    """BAL files (the demo's too) give 7 decimals: the report is placed and sent, not refused with an error
    about the hidden latitude field the resident cannot see."""
    precise = (
        BAL.splitlines()[0]
        + "\n"
        + (
            ";21990_0120_00014;21990;Valbourg;Rue des Écoles;;14;;entrée;;;4.8323456;47.3181234;;Commune;2026-01-02;1\n"
        )
    )
    assert territory_services.addresses_import(commune=valbourg, text=precise).imported == 1
    step1 = client.get(
        "/valbourg/signalements/signaler/", {"category": "nid-de-poule", "address": "14 rue des ecoles"}
    )
    response = client.post(
        step1["Location"],
        {
            "latitude": "47.3181234",
            "longitude": "4.8323456",
            "address": "14 rue des Écoles",
            "description": "Trou",
            "q_danger": "oui",
            "website": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get()
    assert (str(report.latitude), str(report.longitude)) == ("47.318123", "4.832346")


def test_an_ambiguous_address_asks_which_one(client, addressed):
    page = client.get(
        "/valbourg/signalements/signaler/", {"category": "nid-de-poule", "address": "14 rue ecol"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and "Plusieurs adresses correspondent" in html
    assert 'value="14 rue des Écoles"' in html and 'value="14 rue de l&#x27;École"' in html
    chosen = client.get(
        "/valbourg/signalements/signaler/", {"category": "nid-de-poule", "address": "14 rue des Écoles"}
    )
    assert chosen.status_code == 302 and "lat=47.3181" in chosen["Location"]


def test_the_autocomplete_answers_json_from_the_commune_s_base_only(client, addressed, hautmesnil):
    found = client.get("/valbourg/territoire/adresses/recherche.json", {"q": "12 rue des ec"}).json()[
        "results"
    ]
    assert found[0]["label"] == "12 rue des Écoles" and found[0]["lat"] == 47.318
    assert client.get("/hautmesnil/territoire/adresses/recherche.json", {"q": "12 rue des ec"}).json() == {
        "results": []
    }


def test_bal_import_reports_each_bad_line_in_french(valbourg, admin_valbourg):
    text = BAL + (
        ";21990_0120_00016;21990;Valbourg;Rue des Écoles;;18;;entrée;;;4.83;47.31;;Commune;2026-01-02;1\n"
        ";21991_0120_00016;21991;Hautmesnil;Rue des Écoles;;16;;entrée;;;4.83;47.31;;Commune;2026-01-02;1\n"
        ";21990_0120_00020;21990;Valbourg;Rue des Écoles;;20;;entrée;;;;;;Commune;2026-01-02;1\n"
        "garbage\n"
    )
    result = territory_services.addresses_import(commune=valbourg, text=text, actor=admin_valbourg)
    assert result.imported == 4
    assert result.errors == [
        (6, "Le numéro 18 ne correspond pas à celui de la clé 21990_0120_00016."),
        (7, "Adresse de la commune 21991 : ce fichier doit être celui de la commune 21990."),
        (8, "Les coordonnées long/lat (ou x/y) ne sont pas renseignées."),
        (9, "1 colonnes au lieu de 17."),
    ]


def test_the_counter_s_private_note_never_reaches_public_pages_open311_or_the_map(
    client, addressed, valbourg, agent_valbourg
):
    secret = "Mme Durand, 06 12 34 56 78, ne peut plus sortir de chez elle"
    client.force_login(agent_valbourg)
    form = client.get("/valbourg/signalements/gestion/nouveau/", {"categorie": addressed["pothole"].pk})
    html = form.content.decode()
    assert "Note interne (jamais publiée)" in html and "Description publique du problème" in html
    assert "Dangereux ?" in html and 'id="reports-map"' in html  # the category's questions, the map
    response = client.post(
        "/valbourg/signalements/gestion/nouveau/",
        {
            "channel": "guichet",
            "category": addressed["pothole"].pk,
            "description": "Trou sur le trottoir",
            "private_note": secret,
            "address": "3 rue de la République",
            "q_danger": "oui",
            "contact_name": "Mme Durand",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.answers == {"danger": "oui"} and float(report.latitude) == 47.316
    assert ReportEvent.objects.get(report=report, kind="note").public is False
    assert secret in client.get(f"/valbourg/signalements/gestion/{report.pk}/").content.decode()
    receipt = client.get(response["Location"]).content.decode()  # handed to the resident, printed
    assert f"/valbourg/signalements/suivi/{report.tracking_code}/" in receipt and 'class="qr-code"' in receipt
    assert "06 12 34 56 78" not in receipt and "3 rue de la République" in receipt
    client.logout()
    for url in (
        f"/valbourg/signalements/{report.pk}/",
        f"/valbourg/signalements/suivi/{report.tracking_code}/",
        "/valbourg/signalements/carte/",
        "/valbourg/signalements/",
        "/open311/v2/requests.json?jurisdiction_id=valbourg",
        f"/open311/v2/requests/{report.pk}.json?jurisdiction_id=valbourg",
        "/open311/v2/requests.xml?jurisdiction_id=valbourg",
    ):
        body = client.get(url).content.decode()
        assert "06 12 34 56 78" not in body and "ne peut plus sortir" not in body, url


def test_without_javascript_a_report_s_page_shows_a_plan_of_its_streets(client, addressed, valbourg):
    territory_services.map_layer_import(
        commune=valbourg,
        kind="voies",
        collection={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "Rue des Écoles", "kind": "residentielle"},
                    "geometry": {"type": "LineString", "coordinates": [[4.8300, 47.3181], [4.8345, 47.3181]]},
                }
            ],
        },
    )
    report = file_report(valbourg, addressed["pothole"], latitude="47.318010", longitude="4.832010")
    html = client.get(f"/valbourg/signalements/suivi/{report.tracking_code}/").content.decode()
    plan = html[html.index("<noscript><svg") : html.index("</svg></noscript>")]
    assert 'aria-label="Plan autour du signalement : près du 12 rue des Écoles"' in plan
    assert ">Rue des Écoles</text>" in plan and 'class="static-map-marker"' in plan


def test_without_javascript_the_map_of_reports_is_a_plan_of_the_town_with_each_report(
    client, addressed, valbourg
):
    territory_services.map_layer_import(
        commune=valbourg,
        kind="voies",
        collection={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "Rue des Écoles", "kind": "residentielle"},
                    "geometry": {"type": "LineString", "coordinates": [[4.8300, 47.3181], [4.8345, 47.3181]]},
                }
            ],
        },
    )
    for lat in ("47.318010", "47.318500", "47.317500"):
        file_report(valbourg, addressed["pothole"], latitude=lat, longitude="4.832010")
    html = client.get("/valbourg/signalements/carte/").content.decode()
    plan = html[html.index("<noscript><svg") : html.index("</svg></noscript>")]
    assert "Plan de la commune avec les signalements de la liste" in plan
    assert plan.count('class="static-map-marker"') == 3 and ">Rue des Écoles</text>" in plan


def test_reports_filed_before_the_address_base_are_named_once_it_is_imported(setup_reports, valbourg):
    report = file_report(valbourg, setup_reports["pothole"], latitude="47.318010", longitude="4.832010")
    far = file_report(valbourg, setup_reports["pothole"], latitude="47.330000", longitude="4.850000")
    assert report.near_address == ""
    territory_services.addresses_import(commune=valbourg, text=BAL)
    report.refresh_from_db()
    far.refresh_from_db()
    assert report.location_label == "près du 12 rue des Écoles" and far.near_address == ""


def test_the_agents_csv_export_says_near_which_address(client, addressed, valbourg, agent_valbourg):
    """The export names the place as the pages do: the commune's address nearest to the point."""
    file_report(valbourg, addressed["pothole"], latitude="47.318010", longitude="4.832010")
    client.force_login(agent_valbourg)
    lines = client.get("/valbourg/signalements/gestion/export.csv?service=tous").content.decode("utf-8-sig")
    header, row = (line.split(";") for line in lines.splitlines()[:2])
    assert row[header.index("Adresse la plus proche")] == "12 rue des Écoles"
