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
    assert "Candélabre 1" in text
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
    assert "Candélabre" not in client.get("/hautmesnil/donnees/").content.decode()


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
    assert "<td>Candélabre</td>" in page and "<td>Streetlight</td>" not in page
    # The colon, with the no-break space French puts before it, belongs to the translated string.
    assert "Taux de remplissage\u00a0: " in page and " %" in page
    assert "CO₂\u00a0: " in page and "ppm" in page
    assert page.index(">Candélabre 2<") < page.index(">Candélabre 10<")
    meter = Entity.objects.get(entity_id="urn:ngsi-ld:ACMeasurement:valbourg-001")
    detail = client.get(f"/valbourg/donnees/equipement/{meter.pk}/").content.decode()
    assert "Compteur électrique <span" in detail and "(ACMeasurement)" in detail
    assert "Énergie consommée" in detail and "kWh" in detail


def test_energy_is_compared_with_last_year_only_when_last_year_was_measured(client, loaded, agent_valbourg):
    client.force_login(agent_valbourg)
    page = client.get("/valbourg/donnees/").content.decode()
    assert "même période l'an dernier" in page and "Évolution" in page
    # A commune that started recording a few weeks ago: no comparison, and it says why.
    meters = list(
        Entity.objects.filter(commune=loaded, type_name="ACMeasurement").values_list("pk", flat=True)
    )
    DailyRollup.objects.filter(entity_id__in=meters, bucket__lt=timezone.now() - timedelta(days=300)).delete()
    page = client.get("/valbourg/donnees/").content.decode()
    assert "Pas encore de mesures complètes sur la même période l'an dernier" in page
    assert "Évolution" not in page


def test_asset_page_shows_its_own_properties_and_french_axes(client, loaded, agent_valbourg):
    client.force_login(agent_valbourg)
    lamp = Entity.objects.get(entity_id="urn:ngsi-ld:Streetlight:valbourg-004")
    html = client.get(f"/valbourg/donnees/equipement/{lamp.pk}/").content.decode()
    assert "<dt>État</dt><dd>lampe défectueuse</dd>" in html
    assert "<dt>Alimentation</dt><dd>allumé</dd>" in html
    axis_labels = re.findall(r'text-anchor="end">([^<]+)</text>', html)
    assert axis_labels and not any("." in label for label in axis_labels)
