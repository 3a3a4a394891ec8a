"""Dashboards: public view of public entities, agents see all, charts with data tables, CSV, demo."""

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from beffroi.core.models import Commune
from beffroi.datahub import demo
from beffroi.datahub.models import DailyRollup, Entity, HourlyRollup
from tests.conftest import isolated_settings
from tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _demo_loaded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The data-hub demo (two years of history: seconds to load) is loaded once for the module, in a transaction
    rolled back after its last test. Each test runs in a savepoint inside it, rolled back after the test, so a
    test may change the demo without another one seeing it."""
    with (
        isolated_settings(tmp_path_factory.mktemp("media")),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        commune = CommuneFactory(name="Valbourg", slug="valbourg", insee_code="21990", population=3214)
        demo.load()
        yield commune.pk
        transaction.set_rollback(True)


@pytest.fixture
def valbourg(_demo_loaded_once, db):
    return Commune.objects.get(pk=_demo_loaded_once)


@pytest.fixture
def loaded(valbourg):
    return valbourg


def test_demo_loads_many_types_with_history_and_is_idempotent(loaded):
    entities = Entity.objects.filter(commune=loaded)
    assert entities.count() >= 60
    assert entities.values("type_name").distinct().count() >= 8
    rollups = (DailyRollup.objects.count(), HourlyRollup.objects.count())
    assert DailyRollup.objects.filter(entity__type_name="WeatherObserved").count() >= 2 * 365
    demo.load()
    assert Entity.objects.filter(commune=loaded).count() == entities.count()
    assert (DailyRollup.objects.count(), HourlyRollup.objects.count()) == rollups


def test_anonymous_sees_public_assets_only(client, loaded):
    page = client.get("/valbourg/donnees/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Lampadaire 1" in text
    assert "Compteur électrique" not in text  # building meters are not published
    hidden = Entity.objects.get(entity_id="urn:ngsi-ld:ACMeasurement:valbourg-001")
    assert client.get(f"/valbourg/donnees/equipement/{hidden.pk}/").status_code == 404


def test_agent_sees_everything_with_chart_table_and_csv(client, loaded, agent_valbourg):
    client.force_login(agent_valbourg)
    page = client.get("/valbourg/donnees/").content.decode()
    assert "Compteur électrique" in page
    assert "Bennes à vider" in page and "Énergie des bâtiments publics" in page
    meter = Entity.objects.get(entity_id="urn:ngsi-ld:ACMeasurement:valbourg-001")
    detail = client.get(f"/valbourg/donnees/equipement/{meter.pk}/?periode=year")
    html = detail.content.decode()
    assert 'role="img"' in html and "<caption>" in html
    csv = client.get(
        f"/valbourg/donnees/equipement/{meter.pk}/export.csv",
        {"attribut": "https://smartdatamodels.org/dataModel.Energy/activeEnergyImport", "periode": "year"},
    )
    assert csv.status_code == 200
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("debut_periode") and len(lines) > 300


def test_other_commune_sees_nothing(client, loaded, hautmesnil, agent_hautmesnil):
    client.force_login(agent_hautmesnil)
    meter = Entity.objects.get(entity_id="urn:ngsi-ld:Streetlight:valbourg-001")
    assert client.get(f"/hautmesnil/donnees/equipement/{meter.pk}/").status_code == 404
    assert "Lampadaire" not in client.get("/hautmesnil/donnees/").content.decode()


def test_simulation_feeds_the_demo_devices_through_ingestion(loaded):
    from django.core.management import call_command

    from beffroi.datahub.models import Device, LatestValue

    assert Device.objects.filter(commune=loaded).count() >= 50
    before = LatestValue.objects.count()
    call_command("simulate", "--rounds", "1", "--interval", "0")
    light = Entity.objects.get(entity_id="urn:ngsi-ld:Streetlight:valbourg-001")
    assert LatestValue.objects.filter(entity=light).count() == 2
    assert LatestValue.objects.count() == before
    newest = LatestValue.objects.filter(entity=light).latest("observed_at").observed_at
    assert timezone.now() - newest < timedelta(minutes=5)
    # Running it again in the same minute is a replay: nothing more is stored.
    call_command("simulate", "--rounds", "1", "--interval", "0")


def test_dashboard_reads_in_french_with_faults_and_last_measurement(client, loaded, agent_valbourg):
    client.force_login(agent_valbourg)
    page = client.get("/valbourg/donnees/").content.decode()
    # The two street lights whose document says "defectiveLamp" are faults, in the panel and in the list.
    assert "2 points lumineux en panne." in page
    assert page.count("En panne") >= 2
    # Types and measurements in French, with units, in natural order.
    assert ">Lampadaire</td>" in page and ">Streetlight</td>" not in page
    # The colon, with the no-break space French puts before it, belongs to the translated string.
    assert "Taux de remplissage\u00a0: " in page and " %" in page
    assert "CO₂\u00a0: " in page and "ppm" in page
    assert page.index(">Lampadaire 2<") < page.index(">Lampadaire 10<")
    meter = Entity.objects.get(entity_id="urn:ngsi-ld:ACMeasurement:valbourg-001")
    detail = client.get(f"/valbourg/donnees/equipement/{meter.pk}/").content.decode()
    assert "<dd>Compteur électrique</dd>" in detail and "ACMeasurement" not in detail
    visible = re.sub(r"<[^>]+>", " ", detail)  # the text a person reads (ids and links aside)
    assert "urn:ngsi-ld" not in visible and "activeEnergyImport" not in visible
    assert "Énergie consommée" in detail and "kWh" in detail


def test_energy_is_compared_with_last_year_only_when_last_year_was_measured(client, loaded, agent_valbourg):
    client.force_login(agent_valbourg)
    page = client.get("/valbourg/donnees/").content.decode()
    assert "Même période l'an dernier" in page and re.search(r"(Hausse|Baisse) de \d+,\d %", page)
    # A commune that started recording a few weeks ago: no comparison, and it says why.
    meters = list(
        Entity.objects.filter(commune=loaded, type_name="ACMeasurement").values_list("pk", flat=True)
    )
    DailyRollup.objects.filter(entity_id__in=meters, bucket__lt=timezone.now() - timedelta(days=300)).delete()
    page = client.get("/valbourg/donnees/").content.decode()
    assert "Pas encore de mesures complètes sur la même période l'an dernier" in page
    assert "Hausse de" not in page and "Baisse de" not in page


def test_asset_page_shows_its_own_properties_and_french_axes(client, loaded, agent_valbourg):
    client.force_login(agent_valbourg)
    lamp = Entity.objects.get(entity_id="urn:ngsi-ld:Streetlight:valbourg-004")
    html = client.get(f"/valbourg/donnees/equipement/{lamp.pk}/").content.decode()
    assert re.search(
        r'<th scope="row">État</th><td>lampe défectueuse</td><td>\d{1,2}(er)? \w+ \d{4} à \d{1,2}\u00a0h(\u00a0\d\d)?</td>',
        html,
    )
    assert re.search(r'<th scope="row">Alimentation</th><td>hors tension</td>', html)
    axis_labels = re.findall(r'text-anchor="end">([^<]+)</text>', html)
    assert axis_labels and not any("." in label for label in axis_labels)


def test_a_parking_spot_page_shows_its_state_where_its_values_are(client, loaded, agent_valbourg):
    """A parking spot transmits no measurement, only its state: the page shows that state, dated, in its table
    of latest values, never « Aucune mesure » under a heading that shows a state."""
    client.force_login(agent_valbourg)
    spot = Entity.objects.filter(commune=loaded, type_name="ParkingSpot").first()
    html = client.get(f"/valbourg/donnees/equipement/{spot.pk}/").content.decode()
    assert re.search(r'<th scope="row">État</th><td>(libre|occupé)</td><td>\d{1,2}(er)? \w+ \d{4} à', html)
    assert "Aucune mesure." not in html


def test_a_measurement_older_than_the_period_says_when_it_was_last_read(client, loaded, agent_valbourg):
    from beffroi.datahub import services

    client.force_login(agent_valbourg)
    three_days_ago = (timezone.now() - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    meter = services.entity_create(
        commune=loaded,
        entity={"id": "urn:ngsi-ld:WaterConsumptionObserved:vieux", "type": "WaterConsumptionObserved"},
        audit=False,
    )
    services.observation_ingest_batch(
        commune=loaded,
        measurements=[
            services.Measurement(
                meter.entity_id,
                "https://smartdatamodels.org/dataModel.WaterConsumption/waterConsumption",
                three_days_ago,
                1.5,
                "MTQ",
            )
        ],
    )
    url = f"/valbourg/donnees/equipement/{meter.pk}/"
    day = client.get(url, {"periode": "day"}).content.decode().replace("&#x27;", "'")
    assert "Consommation d'eau : aucune mesure sur cette période. Dernière mesure le " in day
    assert "Pas d'historique sur cette période." not in day
    assert "<td>1,50 m³</td>" in day  # (the latest values' table)
    week = client.get(url, {"periode": "week"}).content.decode()
    assert "aucune mesure sur cette période" not in week


def test_no_engineer_names_on_the_dashboard(client, loaded, agent_valbourg):
    client.force_login(agent_valbourg)
    page = client.get("/valbourg/donnees/").content.decode()
    assert "urn:ngsi-ld" not in page
    for code in ("Streetlight", "AirQualityObserved", "WasteContainer", "ACMeasurement"):
        assert f">{code}<" not in page and f"({code})" not in page
    assert ">Capteur de qualité de l&#x27;air</td>" in page


def test_a_broken_lamp_draws_nothing_and_is_dark(loaded):
    lamp = Entity.objects.get(entity_id="urn:ngsi-ld:Streetlight:valbourg-004")  # « defectiveLamp »
    power = HourlyRollup.objects.filter(entity=lamp, attribute__endswith="/powerConsumption")
    assert power.exists() and max(power.values_list("maximum", flat=True)) == 0
    working = Entity.objects.get(entity_id="urn:ngsi-ld:Streetlight:valbourg-001")
    assert (
        max(
            HourlyRollup.objects.filter(entity=working, attribute__endswith="/powerConsumption").values_list(
                "maximum", flat=True
            )
        )
        > 60
    )


def test_energy_in_kwh_and_euros_at_the_configured_price(client, loaded, agent_valbourg, settings):
    client.force_login(agent_valbourg)
    settings.BEFFROI_ENERGY_PRICE_EUR_PER_KWH = 0.2
    page = client.get("/valbourg/donnees/").content.decode()
    found = re.search(r"30 derniers jours : ([\d\u202f]+) kWh, soit environ ([\d\u202f]+)\u00a0€", page)
    assert found, page
    kwh, eur = (int(g.replace("\u202f", "")) for g in found.groups())
    assert abs(eur - kwh * 0.2) <= 1
    assert "Au prix de 0,20 € le kWh." in page


def test_co2_read_against_the_schools_guidance(client, loaded, agent_valbourg):
    from beffroi.datahub import services

    client.force_login(agent_valbourg)
    page = client.get("/valbourg/donnees/").content.decode()
    assert "aérer au-dessus de 800 ppm" in page
    school = Entity.objects.get(entity_id="urn:ngsi-ld:AirQualityObserved:valbourg-004")
    services.alert_rule_create(
        commune=loaded,
        actor=agent_valbourg,
        label="CO₂ trop haut",
        entity_type="AirQualityObserved",
        attribute="co2",
        kind="above",
        threshold=1200,
        duration_minutes=30,
        team=None,
    )
    html = client.get(f"/valbourg/donnees/equipement/{school.pk}/?periode=week").content.decode()
    start = html.index('class="chart-svg')
    svg = html[start : html.index("</svg>", start)]
    # The guidance and the alert rule drawn as named lines, the axis from zero, instants along the time axis.
    assert (
        "Aérer (800 ppm)" in svg
        and "Agir (1\u202f500 ppm)" in svg
        and "Seuil d&#x27;alerte (1\u202f200 ppm)" in svg
    )
    axis = re.findall(r'text-anchor="end">([^<]+)</text>', svg)
    assert "0" in axis
    assert (
        len(re.findall(r'y="\d+(?:\.\d)?" fill="#161616" text-anchor="(?:start|middle|end)">\d\d/\d\d<', svg))
        >= 4
    )
    assert "Période affichée : du " in html


def test_filling_level_charted_as_percentages(client, loaded, agent_valbourg):
    client.force_login(agent_valbourg)
    bin_ = Entity.objects.get(entity_id="urn:ngsi-ld:WasteContainer:valbourg-002")
    # the demo's day depends on the hour it is loaded: a reading of 85 % an hour ago makes the scale reach 100
    from beffroi.datahub import services
    from beffroi.datahub.models import Observation

    attribute = Observation.objects.filter(entity=bin_, attribute__endswith="fillingLevel").values_list(
        "attribute", flat=True
    )[0]
    an_hour_ago = timezone.now() - timedelta(hours=1)
    services.observation_ingest_batch(
        commune=bin_.commune,
        measurements=[services.Measurement(bin_.entity_id, attribute, an_hour_ago, 0.85, "P1")],
    )
    html = client.get(f"/valbourg/donnees/equipement/{bin_.pk}/?periode=day").content.decode()
    start = html.index('class="chart-svg')
    svg = html[start : html.index("</svg>", start)]
    assert ">%</text>" in svg and ">100</text>" in svg
    table = html[html.index('<table class="chart-table"') :].split("</table>")[0]
    cells = re.findall(r'<td class="num">([^<]+)</td>', table)
    assert cells and all("," not in cell and 0 <= int(cell) <= 100 for cell in cells)  # 80, not 0,80
