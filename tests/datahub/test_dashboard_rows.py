"""The dashboard's assets: the table and the map's points (kept rendered under every value they show) follow
each change of a shown value, and the street lights' hours read the right roll-ups."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from beffroi.datahub import services
from beffroi.datahub.models import Entity
from beffroi.datahub.ngsild import context as ldctx

pytestmark = pytest.mark.django_db

SDM = "https://raw.githubusercontent.com/smart-data-models/dataModel.{}/master/context.jsonld"
LIGHTING = "https://smartdatamodels.org/dataModel.Streetlighting/"
WASTE = "https://smartdatamodels.org/dataModel.WasteManagement/"


def _create(commune, kind, domain, number, name, *, status=None, public=True):
    body = {
        "id": f"urn:ngsi-ld:{kind}:t-{number}",
        "type": kind,
        "name": {"type": "Property", "value": name},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [5.04, 47.32]}},
        "@context": [SDM.format(domain)],
    }
    if status is not None:
        body["status"] = {"type": "Property", "value": status}
    return services.entity_create(commune=commune, entity=ldctx.expand_entity(body), is_public=public)


def _measure(commune, entity, attribute, value, *, ago=timedelta(minutes=5)):
    moment = timezone.now().replace(microsecond=0) - ago
    result = services.observation_ingest_batch(
        commune=commune, measurements=[services.Measurement(entity.entity_id, attribute, moment, value, "")]
    )
    assert result.accepted == 1


def _row(page, name):
    """The assets' table row of one entity, as text (tags removed)."""
    table = page[page.index('<table class="table-stack">') :]
    row = re.search(rf"<tr><th scope=\"row\"><a [^>]+>{re.escape(name)}</a>.*?</tr>", table)
    assert row, f"no row for {name}"
    return re.sub(r"[ \n]+", " ", re.sub(r"<[^>]+>", " ", row.group(0))).strip()


def _points(page):
    found = re.search(r'<script id="datahub-points" type="application/json">(.*?)</script>', page)
    assert found
    return json.loads(found.group(1))


@pytest.fixture
def assets(valbourg):
    bin_ = _create(valbourg, "WasteContainer", "WasteManagement", 1, "Benne du marché", status="ok")
    light = _create(valbourg, "Streetlight", "Streetlighting", 1, "Lampadaire du pont", status="ok")
    _measure(valbourg, bin_, WASTE + "fillingLevel", 0.3)
    _measure(valbourg, light, LIGHTING + "powerConsumption", 40)
    return bin_, light


def test_a_new_measurement_changes_the_row_and_its_state(client, valbourg, assets):
    bin_, _light = assets
    page = client.get("/valbourg/donnees/").content.decode()
    assert "Normal Taux de remplissage\u00a0: 30 %" in _row(page, "Benne du marché")
    _measure(valbourg, bin_, WASTE + "fillingLevel", 0.9, ago=timedelta(minutes=1))
    page = client.get("/valbourg/donnees/").content.decode()
    row = _row(page, "Benne du marché")
    assert "À vider Taux de remplissage\u00a0: 90 %" in row and "30 %" not in row
    assert {p["title"]: p["state"] for p in _points(page)}["Benne du marché"] == "À vider"


def test_a_renamed_asset_is_renamed_in_the_table_and_on_the_map(client, valbourg, assets):
    _bin, light = assets
    page = client.get("/valbourg/donnees/").content.decode()
    assert "Lampadaire du pont" in [p["title"] for p in _points(page)]
    services.entity_merge(
        commune=valbourg,
        entity_id=light.entity_id,
        fragment=ldctx.expand_entity(
            {
                "id": light.entity_id,
                "type": "Streetlight",
                "name": {"type": "Property", "value": "Lampadaire 7"},
                "@context": [SDM.format("Streetlighting")],
            }
        ),
    )
    page = client.get("/valbourg/donnees/").content.decode()
    assert "Lampadaire du pont" not in page
    assert "Lampadaire 7 Lampadaire En service" in _row(page, "Lampadaire 7")
    assert "Lampadaire 7" in [p["title"] for p in _points(page)]


def test_a_lamp_whose_document_turns_defective_is_shown_failing(client, valbourg, assets):
    _bin, light = assets
    page = client.get("/valbourg/donnees/").content.decode()
    assert "En service" in _row(page, "Lampadaire du pont")
    services.entity_merge(
        commune=valbourg,
        entity_id=light.entity_id,
        fragment=ldctx.expand_entity(
            {
                "id": light.entity_id,
                "type": "Streetlight",
                "status": {"type": "Property", "value": "defectiveLamp"},
                "@context": [SDM.format("Streetlighting")],
            }
        ),
    )
    page = client.get("/valbourg/donnees/").content.decode()
    assert "En panne" in _row(page, "Lampadaire du pont")
    assert {p["title"]: p["badge"] for p in _points(page)}["Lampadaire du pont"] == "badge-danger"


def test_a_moved_asset_moves_on_the_map(client, valbourg, assets):
    bin_, _light = assets
    page = client.get("/valbourg/donnees/").content.decode()
    assert {p["title"]: p["lon"] for p in _points(page)}["Benne du marché"] == pytest.approx(5.04)
    services.entity_merge(
        commune=valbourg,
        entity_id=bin_.entity_id,
        fragment=ldctx.expand_entity(
            {
                "id": bin_.entity_id,
                "type": "WasteContainer",
                "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [5.05, 47.33]}},
            }
        ),
    )
    page = client.get("/valbourg/donnees/").content.decode()
    assert {p["title"]: p["lon"] for p in _points(page)}["Benne du marché"] == pytest.approx(5.05)


def test_the_table_follows_the_language(client, valbourg, assets, settings):
    french = client.get("/valbourg/donnees/").content.decode()
    assert 'data-label="Dernière mesure"' in french
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/valbourg/donnees/").content.decode()
    assert 'data-label="Dernière mesure"' not in english


def test_lit_hours_count_every_name_of_the_illuminance_and_its_history(client, valbourg):
    """The street lights' hours over 7 days: the illuminance under any @context (its IRI ends with
    /illuminanceLevel), history kept after its latest value is gone, nothing older than 7 days, nothing dark,
    nothing of another measurement."""
    first = _create(valbourg, "Streetlight", "Streetlighting", 1, "Lampadaire 1")
    second = _create(valbourg, "Streetlight", "Streetlighting", 2, "Lampadaire 2")
    hidden = _create(valbourg, "Streetlight", "Streetlighting", 3, "Lampadaire 3", public=False)
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)

    def history(entity, attribute, hours, maximum=5.0):
        services.rollup_write_history(
            entity=entity,
            attribute=attribute,
            hourly=[(hour - timedelta(hours=h), 0.0, maximum, maximum, 1) for h in hours],
        )

    history(first, LIGHTING + "illuminanceLevel", range(1, 11))  # 10 lit hours
    history(first, LIGHTING + "illuminanceLevel", range(200, 210))  # more than 7 days ago
    history(first, LIGHTING + "powerConsumption", range(1, 30))  # another measurement
    history(second, "https://uri.etsi.org/ngsi-ld/default-context/illuminanceLevel", range(1, 4))  # 3
    history(second, LIGHTING + "illuminanceLevel", range(4, 8), maximum=0.0)  # dark
    history(second, LIGHTING + "maxIlluminanceLevel", range(1, 20))  # another name
    history(hidden, LIGHTING + "illuminanceLevel", range(1, 20))  # not published
    page = client.get("/valbourg/donnees/").content.decode()
    assert "Heures d'allumage cumulées sur 7 jours : 13." in page
    assert not Entity.objects.get(pk=first.pk).latest_values.exists()  # (history alone, no latest value)
