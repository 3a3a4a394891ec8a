"""A project's indicators as an élu reads them: French numbers with their unit, and a data hub measurement
said for what it is (a yearly indicator is never shown the reading of the last hour)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from beffroi.planning import services
from beffroi.planning.indicator_units import (
    conversion_factor,
    format_quantity,
    parse_unit,
    round_measurement,
)
from tests.factories import member

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def elu(valbourg):
    valbourg.enabled_modules = ["planning"]
    valbourg.save()
    return member(valbourg, "elu", "elu@valbourg.test")


@pytest.fixture
def project(valbourg, elu):
    return services.project_create(
        commune=valbourg, actor=elu, title="Détection de fuites", start_date=date(2026, 1, 1)
    )


def test_values_are_written_the_french_way_with_their_unit():
    assert format_quantity(Decimal("410000.000"), "kWh/an") == f"410{NNBSP}000{NBSP}kWh/an"
    assert format_quantity(Decimal("21.000"), "jours") == f"21{NBSP}jours"
    assert format_quantity(Decimal("1.000"), "jours") == f"1{NBSP}jour"
    assert format_quantity(Decimal("5.000"), "%") == f"5{NBSP}%"
    assert format_quantity(Decimal("61000.000")) == f"61{NNBSP}000"
    assert format_quantity(Decimal("0.125"), "t") == f"0,125{NBSP}t"  # a typed decimal is kept
    assert format_quantity(None, "W") == "—"


def test_units_per_period_and_conversions():
    assert parse_unit("m³/an").quantity == "m³" and parse_unit("m³/an").period_days == 365
    assert parse_unit("kWh par mois").period_days == 30
    assert parse_unit("kWh/m²/an").quantity == "kWh/m²"
    assert parse_unit("%").period_days is None
    assert conversion_factor("L", "m³") == Decimal("0.001")
    assert conversion_factor("m³", "kWh") is None and conversion_factor("W", "kWh") is None
    assert round_measurement(Decimal("6542.3267")) == 6542 and round_measurement(
        Decimal("2.0604")
    ) == Decimal("2.06")


def test_project_page_shows_baseline_and_target_with_their_unit(client, elu, project):
    services.indicator_add(
        commune=project.commune,
        actor=elu,
        project=project,
        name="Consommation annuelle de l'éclairage public",
        unit="kWh/an",
        baseline=Decimal("410000"),
        target=Decimal("205000"),
    )
    client.force_login(elu)
    html = client.get(f"/valbourg/projet/feuille-de-route/projets/{project.pk}/").content.decode()
    assert f"410{NNBSP}000{NBSP}kWh/an" in html and f"205{NNBSP}000{NBSP}kWh/an" in html
    assert "410000,000" not in html and "205000,000" not in html


def _water_meters(valbourg, days: int, per_hour: float):
    """Two water meters, each reading ``per_hour`` m³ every hour of the last ``days`` full days."""
    datahub = pytest.importorskip("beffroi.datahub.services")
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    for number in (1, 2):
        entity_id = f"urn:ngsi-ld:WaterConsumptionObserved:{number}"
        datahub.entity_create(commune=valbourg, entity={"id": entity_id, "type": "WaterConsumptionObserved"})
        datahub.observation_ingest_batch(
            commune=valbourg,
            measurements=[
                datahub.Measurement(
                    entity_id=entity_id,
                    attribute=datahub.DEFAULT_VOCAB + "waterConsumption",
                    observed_at=midnight - timedelta(hours=hour + 1),
                    value=per_hour,
                    unit_code="MTQ",
                )
                for hour in range(24 * days)
            ],
        )
    return midnight


def test_a_yearly_indicator_reads_the_volume_of_the_year_not_the_last_reading(client, valbourg, elu, project):
    """The demo showed « 1,7101 m³/an » beside a baseline of 61 000 m³/an: the sum of the meters' readings of
    the last hour, written in the indicator's unit."""
    midnight = _water_meters(valbourg, days=3, per_hour=0.5)
    services.indicator_add(
        commune=valbourg,
        actor=elu,
        project=project,
        name="Volumes perdus par fuites",
        unit="m³/an",
        baseline=Decimal("61000"),
        datahub_ref="WaterConsumptionObserved/waterConsumption",
    )
    client.force_login(elu)
    html = client.get(f"/valbourg/projet/feuille-de-route/projets/{project.pk}/").content.decode()
    from beffroi.core.formatting import format_date_long

    first, last = (midnight - timedelta(days=3)).date(), (midnight - timedelta(days=1)).date()
    # 2 meters × 72 hours × 0,5 m³: the volume of the days measured, with those days and how many they are
    assert (
        f"Consommation d&#x27;eau : 72{NBSP}m³ du {format_date_long(first)} au {format_date_long(last)}"
        in html
    )
    assert "(3 jours mesurés sur 365)" in html
    assert "total de 2 capteurs « Compteur d&#x27;eau »" in html
    assert f"1{NBSP}m³/an" not in html and "1,0000" not in html


def test_a_reading_in_another_unit_says_it_is_not_in_the_indicators_unit(client, valbourg, elu, project):
    _water_meters(valbourg, days=1, per_hour=0.25)
    services.indicator_add(
        commune=valbourg,
        actor=elu,
        project=project,
        name="Consommation rapportée aux habitants",
        unit="L/habitant",
        datahub_ref="WaterConsumptionObserved/waterConsumption",
    )
    client.force_login(elu)
    html = client.get(f"/valbourg/projet/feuille-de-route/projets/{project.pk}/").content.decode()
    assert f"Consommation d&#x27;eau : 0,5{NBSP}m³ au dernier relevé" in html
    assert "ce n'est pas une valeur en L/habitant" in html


def test_the_indicator_form_offers_what_the_sensors_measure_in_words(client, valbourg, elu, project):
    """Not « type d'entité/attribut … StreetLight/powerConsumption » to type: the commune's sensors' measures,
    named, to choose; a measure the hub does not hold is refused."""
    _water_meters(valbourg, days=1, per_hour=0.25)
    client.force_login(elu)
    html = client.get(f"/valbourg/projet/feuille-de-route/projets/{project.pk}/").content.decode()
    assert 'value="WaterConsumptionObserved/waterConsumption"' in html
    assert "Compteur d&#x27;eau — Consommation d&#x27;eau (2 capteurs)" in html
    assert "StreetLight/powerConsumption" not in html
    url = f"/valbourg/projet/feuille-de-route/projets/{project.pk}/indicateurs/"
    typed = {"indicateur-name": "Fuites", "indicateur-unit": "m³/an", "indicateur-target": "30000"}
    refused = client.post(url, {**typed, "indicateur-datahub_ref": "Inconnu/rien"})
    assert refused.status_code == 400 and project.indicators.count() == 0
    added = client.post(url, {**typed, "indicateur-datahub_ref": "WaterConsumptionObserved/waterConsumption"})
    assert added.status_code == 302
    assert project.indicators.get().datahub_ref == "WaterConsumptionObserved/waterConsumption"
