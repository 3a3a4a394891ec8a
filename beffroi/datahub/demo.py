"""Demo step: Valbourg's connected assets (64 entities, 8 Smart Data Models types) with a year of history.

History older than two days is written straight into the daily (thirteen months, so that the dashboards
can compare a month with the same month a year ago) and hourly (last month) roll-ups; the last two days go through observation_ingest_batch like live data. Idempotent: an entity that
exists is left alone. Deterministic (fixed seed).
"""

from __future__ import annotations

import math
import random
import struct
from datetime import UTC, datetime, timedelta

from django.db import connection

from beffroi.core import demo
from beffroi.core.models import Commune
from beffroi.datahub import services
from beffroi.datahub.models import DailyRollup, Device, Entity, HourlyRollup
from beffroi.datahub.ngsild import context as ldctx
from beffroi.territory import demo_geography

HISTORY_DAYS = 400
SDM = "https://raw.githubusercontent.com/smart-data-models/dataModel.{}/master/context.jsonld"

# type, domain, count, public, series: (attribute, unit, daily profile function(hour, day, rng) -> value)
KINDS = [
    ("Streetlight", "Streetlighting", 20, True),
    ("WasteContainer", "WasteManagement", 12, True),
    ("AirQualityObserved", "Environment", 4, True),
    ("WeatherObserved", "Weather", 2, True),
    ("ParkingSpot", "Parking", 10, True),
    ("ACMeasurement", "Energy", 6, False),
    ("WaterConsumptionObserved", "WaterConsumption", 6, False),
    ("TrafficFlowObserved", "Transportation", 4, True),
]

SCHOOLS = ["École Jules-Ferry", "École des Tilleuls", "Collège Lamartine", "Crèche Les Petits Pas"]
BUILDINGS = [
    "Mairie",
    "Salle des fêtes",
    "Gymnase",
    "Médiathèque",
    "École Jules-Ferry",
    "Ateliers municipaux",
]


# Street lights whose lamp is broken (status « defectiveLamp »): they stay dark and draw nothing; and since
# their power was cut (powerState « off ») a few hours ago they transmit nothing, so the rule « Lampadaire muet »
# opens an alert for each, the two the dashboard calls « en panne ».
DEFECTIVE_LIGHTS = (3, 11)
POWER_CUT_HOURS_AGO = 6


def _lit(t: datetime, i: int) -> bool:
    return i not in DEFECTIVE_LIGHTS and (t.hour >= 18 or t.hour < 7)


def _series(kind: str):
    """(attribute, unitCode, value(moment, index, rng)) of the measured attributes of a type."""
    if kind == "Streetlight":
        return [
            ("illuminanceLevel", "", lambda t, i, r: 1.0 if _lit(t, i) else 0.0),
            ("powerConsumption", "WTT", lambda t, i, r: (70 + r.random() * 5) if _lit(t, i) else 0.0),
        ]
    if kind == "WasteContainer":
        return [
            (
                "fillingLevel",
                "",
                lambda t, i, r: round(
                    ((t.timestamp() / 3600 + i * 17) % (24 * (3 + i % 4))) / (24 * (3 + i % 4)), 3
                ),
            )
        ]
    if kind == "AirQualityObserved":
        return [
            (
                "co2",
                "59",
                lambda t, i, r: (
                    420
                    + (500 + 250 * i)
                    * (1 if 8 <= t.hour < 17 and t.weekday() < 5 else 0)
                    * math.sin(math.pi * (t.hour - 8) / 9) ** 2
                    + r.random() * 30
                ),
            )
        ]
    if kind == "WeatherObserved":
        return [
            (
                "temperature",
                "CEL",
                lambda t, i, r: (
                    11
                    + 9 * math.sin(2 * math.pi * (t.timetuple().tm_yday - 110) / 365)
                    + 4 * math.sin(math.pi * (t.hour - 9) / 12)
                    + r.random()
                ),
            )
        ]
    if kind == "ACMeasurement":
        return [
            (
                "activeEnergyImport",
                "KWH",
                lambda t, i, r: (
                    (2 + i)
                    * (1.6 if t.month in (11, 12, 1, 2) else 1.0)
                    * (1.5 if 8 <= t.hour < 18 else 0.4)
                    * (0.97 if t.year >= 2026 else 1.0)
                    + r.random() * 0.2
                ),
            )
        ]
    if kind == "WaterConsumptionObserved":
        return [
            (
                "waterConsumption",
                "MTQ",
                lambda t, i, r: (0.05 + 0.01 * i) * (3 if 7 <= t.hour < 20 else 0.3) * (r.random() + 0.5),
            )
        ]
    if kind == "TrafficFlowObserved":
        return [
            (
                "intensity",
                "",
                lambda t, i, r: round(
                    max(0.0, 60 * math.sin(math.pi * (t.hour - 5) / 16) if 5 <= t.hour < 21 else 2)
                    * (1 + i / 4)
                    + r.random() * 5
                ),
            )
        ]
    return []


def _entity(
    kind: str, domain: str, index: int, lon: float, lat: float, rng: random.Random, slug: str = "valbourg"
) -> dict:
    ident = f"urn:ngsi-ld:{kind}:{slug}-{index + 1:03d}"
    body: dict = {
        "id": ident,
        "type": kind,
        "location": {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        },
        "@context": [SDM.format(domain)],
    }
    names = {
        "Streetlight": f"Lampadaire {index + 1}",
        "WasteContainer": f"Benne {index + 1}",
        "AirQualityObserved": SCHOOLS[index % len(SCHOOLS)],
        "WeatherObserved": f"Station météo {index + 1}",
        "ParkingSpot": f"Place {index + 1} — parking de la mairie",
        "ACMeasurement": f"Compteur électrique — {BUILDINGS[index % len(BUILDINGS)]}",
        "WaterConsumptionObserved": f"Compteur d'eau — {BUILDINGS[index % len(BUILDINGS)]}",
        "TrafficFlowObserved": f"Comptage routier {index + 1}",
    }
    body["name"] = {"type": "Property", "value": names[kind]}
    if kind == "Streetlight":
        body["status"] = {"type": "Property", "value": "defectiveLamp" if index in DEFECTIVE_LIGHTS else "ok"}
        body["powerState"] = {"type": "Property", "value": "off" if index in DEFECTIVE_LIGHTS else "on"}
    if kind == "WasteContainer":
        body["status"] = {"type": "Property", "value": "ok"}
    if kind == "ParkingSpot":
        body["status"] = {"type": "Property", "value": rng.choice(["free", "occupied"])}
        body["category"] = {"type": "Property", "value": ["onStreet"]}
        body["refParkingSite"] = {
            "type": "Relationship",
            "object": f"urn:ngsi-ld:OffStreetParking:{slug}-mairie",
        }
    return body


#: Where each named sensor of Valbourg stands on its streets (territory.demo_geography): the schools' air
#: sensors, the meters of the public buildings, the road counters on the main roads.
LIGHTED_STREETS = [
    "Rue de la République",
    "Rue des Écoles",
    "Rue Pasteur",
    "Avenue de la Gare",
    "Rue du Château",
    "Rue Jean-Jaurès",
]
BIN_STREETS = [
    "Place du Marché",
    "Impasse des Tilleuls",
    "Rue du Stade",
    "Rue Victor-Hugo",
    "Rue des Jardins",
]
SPOTS = {
    "École Jules-Ferry": ("landmark", "École élémentaire Jules-Ferry"),
    "École des Tilleuls": ("street", "Impasse des Tilleuls", 0.9, 18.0),
    "Collège Lamartine": ("street", "Avenue de la Gare", 0.75, 25.0),
    "Crèche Les Petits Pas": ("street", "Rue Pasteur", 0.35, 18.0),
    "Mairie": ("landmark", "Mairie"),
    "Salle des fêtes": ("landmark", "Salle des fêtes"),
    "Gymnase": ("landmark", "Gymnase municipal"),
    "Médiathèque": ("street", "Rue de la République", 0.62, 18.0),
    "Ateliers municipaux": ("street", "Rue du Moulin", 0.85, -22.0),
}
WEATHER = [("landmark", "Mairie"), ("landmark", "Stade")]
COUNTERS = [
    ("Route de Dijon", 0.7),
    ("Rue de la République", 0.3),
    ("Avenue de la Gare", 0.45),
    ("Route de Beaune", 0.25),
]


def _spot(town: demo_geography.Town, spot: tuple) -> tuple[float, float]:
    if spot[0] == "landmark":
        return demo_geography.landmark_point(town, spot[1])
    return demo_geography.street_point(town, spot[1], spot[2], spot[3])


def device_position(town: demo_geography.Town, kind: str, index: int, count: int) -> tuple[float, float]:
    """Where the demo device ``index`` of ``kind`` stands in the demo town: lamp posts along the lit streets'
    pavements, bins along the residential streets, air sensors at the schools, meters in the public buildings,
    parking spots side by side on the place de la Mairie, road counters on the main roads."""
    if kind == "Streetlight":
        return demo_geography.along_streets(town, count, streets=LIGHTED_STREETS, offset=6.0)[index]
    if kind == "WasteContainer":
        return demo_geography.along_streets(town, count, streets=BIN_STREETS, offset=7.0)[index]
    if kind == "AirQualityObserved":
        return _spot(town, SPOTS[SCHOOLS[index % len(SCHOOLS)]])
    if kind in ("ACMeasurement", "WaterConsumptionObserved"):
        lon, lat = _spot(town, SPOTS[BUILDINGS[index % len(BUILDINGS)]])
        # the water meter a few metres from the electricity meter, so both markers can be told apart
        return (lon + 0.00008, lat) if kind == "WaterConsumptionObserved" else (lon, lat)
    if kind == "WeatherObserved":
        return _spot(town, WEATHER[index % len(WEATHER)])
    if kind == "ParkingSpot":
        return demo_geography.to_lonlat(town, -40.0 + index * 9.0, -60.0)
    if kind == "TrafficFlowObserved":
        street, fraction = COUNTERS[index % len(COUNTERS)]
        return demo_geography.street_point(town, street, fraction)
    raise ValueError(kind)


def demo_dev_eui(kind: str, index: int, commune_number: int = 0) -> str:
    """A stable DevEUI per demo asset (70B3D5 prefix + commune number + type number + index); Valbourg's
    commune number is 0, the syndicat's other demo communes (`beffroi demo --communes N`) count from 1."""
    number = [k[0] for k in KINDS].index(kind)
    return (
        f"70B3D5{255 - commune_number:02X}{number:04X}{index:04X}"
        if commune_number < 255
        else (f"70B3{commune_number:06X}{number:02X}{index:04X}")
    )


def names_of(body: dict) -> str:
    return body["name"]["value"]


def simulated_uplinks(commune: Commune, moment: datetime, rng: random.Random) -> list[tuple[str, dict]]:
    """(MQTT topic, plain JSON uplink) of every demo device for one instant: the live simulation."""
    uplinks = []
    counter = int(moment.timestamp()) // 60
    for kind, _domain, count, _public in KINDS:
        series = _series(kind)
        if not series:
            continue
        for index in range(count):
            if kind == "Streetlight" and index in DEFECTIVE_LIGHTS:
                continue  # powered off: nothing to send with
            eui = demo_dev_eui(kind, index)
            decoded = {name: round(fn(moment, index, rng), 4) for name, _unit, fn in series}
            body = {"dev_eui": eui, "f_cnt": counter, "decoded": decoded, "received_at": moment.isoformat()}
            uplinks.append((f"beffroi/{commune.slug}/devices/{eui}/up", body))
    return uplinks


def load(now: datetime | None = None) -> None:
    commune = Commune.objects.filter(slug="valbourg").first()
    if commune is None:
        return
    now = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    load_assets(commune, now, random.Random(40))
    load_alerts(commune, now)


_HISTORY: dict[tuple, tuple[list, list]] = {}  # the same year of roll-ups for every scale commune's asset


def load_assets(
    commune: Commune, now: datetime, rng: random.Random, commune_number: int = 0, live_days: int = 2
) -> None:
    """The demo's connected assets of one commune, with their history (see the module's docstring); the
    syndicat's other communes (`commune_number` > 0) share one computed history and their live part is today's,
    hour by hour, so that 200 of them load in minutes."""
    live_from = (now - timedelta(days=live_days)).replace(hour=0)
    live_step = timedelta(minutes=30 if commune_number == 0 else 60)
    lon0 = float(commune.longitude or 5.04)
    lat0 = float(commune.latitude or 47.32)
    existing = set(Entity.objects.filter(commune=commune).values_list("entity_id", flat=True))
    town = demo_geography.TOWNS.get(commune.slug)
    live: list[services.Measurement] = []
    copied: list[
        tuple[int, str, tuple]
    ] = []  # (entity, attribute, history key) streamed in one COPY at the end
    for kind, domain, count, public in KINDS:
        for index in range(count):
            lon, lat = lon0 + rng.uniform(-0.012, 0.012), lat0 + rng.uniform(-0.008, 0.008)
            if town is not None:  # the draws above still happen, so the measurements stay the same
                lon, lat = device_position(town, kind, index, count)
            body = _entity(kind, domain, index, lon, lat, rng, commune.slug)
            if body["id"] in existing:
                continue
            expanded = ldctx.expand_entity(body)
            entity = services.entity_create(commune=commune, entity=expanded, is_public=public, audit=False)
            active = ldctx.build_context(body["@context"])
            eui = demo_dev_eui(kind, index, commune_number)
            if _series(kind) and not Device.objects.filter(dev_eui=eui).exists():
                services.device_register(commune=commune, dev_eui=eui, entity=entity, name=names_of(body))
            for name, unit, fn in _series(kind):
                iri = active.expand_attribute(name)
                key = (kind, index, name, live_from)
                if commune_number == 0 or key not in _HISTORY:
                    _HISTORY[key] = _history(fn, index, live_from, rng)
                if commune_number:
                    copied.append((entity.pk, iri, key))
                else:
                    daily, hourly = _HISTORY[key]
                    services.rollup_write_history(
                        entity=entity, attribute=iri, hourly=hourly, daily=daily, fresh=True
                    )
                moment = live_from
                last = now - timedelta(hours=POWER_CUT_HOURS_AGO) if _powered_off(kind, index) else now
                while moment <= last:
                    live.append(
                        services.Measurement(
                            entity.entity_id, iri, moment, round(fn(moment, index, rng), 4), unit
                        )
                    )
                    moment += live_step
    if copied:
        _copy_history(copied)
    if live:
        services.observation_ingest_batch(commune=commune, measurements=_with_incidents(live, now))


def _powered_off(kind: str, index: int) -> bool:
    return kind == "Streetlight" and index in DEFECTIVE_LIGHTS


_HISTORY_BINARY: dict[tuple, tuple[list, list]] = {}  # the shared history's rows in COPY's binary format
_HISTORY_ROWS: dict[tuple, tuple[list, list]] = {}  # …and as the database's values, for other databases


def _insert_history(series: list[tuple[int, str, tuple]]) -> None:
    """`_copy_history` where there is no COPY (SQLite): one prepared INSERT run over every row."""
    bucket = DailyRollup._meta.get_field("bucket")
    for position, model in enumerate((DailyRollup, HourlyRollup)):
        values: list[tuple] = []
        for entity_pk, attribute, key in series:
            if key not in _HISTORY_ROWS:
                _HISTORY_ROWS[key] = tuple(  # type: ignore[assignment]
                    [
                        (bucket.get_db_prep_value(b, connection), lo, hi, total, n)
                        for b, lo, hi, total, n in rows
                    ]
                    for rows in _HISTORY[key]
                )
            values.extend((entity_pk, attribute, *row) for row in _HISTORY_ROWS[key][position])
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (entity_id, attribute, bucket, minimum, maximum, total, count) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                values,
            )


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # PostgreSQL's binary timestamps count microseconds from it
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)


def _copy_history(series: list[tuple[int, str, tuple]]) -> None:
    """The history of a syndicat commune's new series, streamed into the roll-ups by one binary COPY per table
    (the rows `services.rollup_write_history(fresh=True)` streams series by series), from rows encoded once for
    every commune: each commune's 84,000 roll-up rows cost one round trip, not 148."""
    if connection.vendor != "postgresql":
        _insert_history(series)
        return
    for position, table in enumerate(
        (DailyRollup._meta.db_table, HourlyRollup._meta.db_table)  # noqa: SLF001 — our own table names
    ):
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY {table} (entity_id, attribute, bucket, minimum, maximum, total, count) "  # noqa: S608
                "FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.write(_COPY_SIGNATURE)
            for entity_pk, attribute, key in series:
                if key not in _HISTORY_BINARY:
                    _HISTORY_BINARY[key] = tuple(  # type: ignore[assignment]
                        [
                            struct.pack(
                                "!iqidididii",
                                8,
                                (bucket - _EPOCH) // timedelta(microseconds=1),
                                8,
                                lo,
                                8,
                                hi,
                                8,
                                total,
                                4,
                                n,
                            )
                            for bucket, lo, hi, total, n in rows
                        ]
                        for rows in _HISTORY[key]
                    )
                name = attribute.encode()
                prefix = struct.pack("!hiqi", 7, 8, entity_pk, len(name)) + name
                copy.write(b"".join(prefix + row for row in _HISTORY_BINARY[key][position]))


def _history(fn, index: int, live_from: datetime, rng: random.Random) -> tuple[list, list]:
    """(daily, hourly) roll-up rows (bucket, min, max, sum, count) of one series before `live_from`."""
    daily: list[tuple[datetime, float, float, float, int]] = []
    hourly: list[tuple[datetime, float, float, float, int]] = []
    day = live_from - timedelta(days=HISTORY_DAYS)
    while day < live_from:
        values = [fn(day + timedelta(hours=h), index, rng) for h in range(24)]
        daily.append((day, min(values), max(values), sum(values), 24))
        if day >= live_from - timedelta(days=31):
            hourly.extend((day + timedelta(hours=h), v, v, v, 1) for h, v in enumerate(values))
        day += timedelta(days=1)
    return daily, hourly


# --------------------------------------------------------------------------------------------------- alerts

# label, entity type, attribute, kind, threshold, duration (minutes), team slug
ALERT_RULES = [
    (
        "Lampadaire muet (panne ou coupure)",
        "Streetlight",
        "powerConsumption",
        "no_data",
        None,
        120,
        "batiments-et-eclairage",
    ),
    (
        "Benne remplie à plus de 80 %",  # what the dashboard calls « à vider », as soon as a reading says it
        "WasteContainer",
        "fillingLevel",
        "above",
        0.8,
        0,
        "voirie-et-proprete",
    ),
    (
        "CO₂ au-dessus de 1 500 ppm dans une école",
        "AirQualityObserved",
        "co2",
        "above",
        1500,
        30,
        "batiments-et-eclairage",
    ),
    (
        "Fuite d'eau probable : débit continu anormal",
        "WaterConsumptionObserved",
        "waterConsumption",
        "above",
        0.4,
        120,
        "batiments-et-eclairage",
    ),
]
LEAK_METER = "urn:ngsi-ld:WaterConsumptionObserved:valbourg-003"  # the gymnasium
OVERFLOW_CONTAINER = "urn:ngsi-ld:WasteContainer:valbourg-001"
OVERFLOW_EMPTIED_HOURS_AGO = 3  # an agent had it emptied then: it reads almost empty since, its alert closed
# full for the last three hours whatever the hour the demo is loaded at: one alert is always open
FULL_CONTAINER = "urn:ngsi-ld:WasteContainer:valbourg-006"


def _with_incidents(live: list[services.Measurement], now: datetime) -> list[services.Measurement]:
    """The live measurements with three incidents of the last hours, so the alerts have something to show:
    a leak at the gymnasium (a steady flow added all night), an overflowing container (emptied since, its alert
    closed by an agent) and a full one (left open)."""
    out = []
    emptied_at = now - timedelta(hours=OVERFLOW_EMPTIED_HOURS_AGO)
    for m in live:
        if m.entity_id == LEAK_METER and m.observed_at > now - timedelta(hours=5):
            m = services.Measurement(
                m.entity_id, m.attribute, m.observed_at, round(m.value + 0.6, 4), m.unit_code
            )
        elif m.entity_id == OVERFLOW_CONTAINER and m.observed_at > emptied_at:
            hours = (m.observed_at - emptied_at) / timedelta(hours=1)
            m = services.Measurement(
                m.entity_id, m.attribute, m.observed_at, round(0.02 + 0.01 * hours, 3), m.unit_code
            )
        elif m.entity_id == OVERFLOW_CONTAINER and m.observed_at > now - timedelta(hours=6):
            m = services.Measurement(m.entity_id, m.attribute, m.observed_at, 0.97, m.unit_code)
        elif m.entity_id == FULL_CONTAINER and m.observed_at > now - timedelta(hours=3):
            m = services.Measurement(m.entity_id, m.attribute, m.observed_at, 0.92, m.unit_code)
        out.append(m)
    return out


def load_alerts(commune: Commune, now: datetime) -> None:
    """Valbourg's alert rules, then (first run only) an evaluation replayed hour by hour over the last two
    days — alerts open and resolve themselves as containers fill and classrooms air — and an agent's
    acknowledgement and closing. Idempotent: rules are matched by label, the replay runs while the commune
    has no alert at all."""
    from beffroi.accounts.models import User
    from beffroi.datahub.models import Alert, AlertRule
    from beffroi.territory.models import Team

    agent = User.objects.filter(email="agent@demo.test").first()
    if agent is None:
        return
    for label, entity_type, attribute, kind, threshold, duration, team_slug in ALERT_RULES:
        if AlertRule.objects.filter(commune=commune, label=label).exists():
            continue
        services.alert_rule_create(
            commune=commune,
            actor=agent,
            label=label,
            entity_type=entity_type,
            attribute=attribute,
            kind=kind,
            threshold=threshold,
            duration_minutes=duration,
            team=Team.objects.filter(commune=commune, slug=team_slug).first(),
        )
    if Alert.objects.filter(commune=commune).exists():
        return
    current = Alert.objects.filter(commune=commune).exclude(state=Alert.State.CLOSED).select_related("entity")
    moment = now - timedelta(hours=47)
    while moment <= now:
        services.alerts_evaluate(commune=commune, now=moment)
        if moment == now - timedelta(hours=OVERFLOW_EMPTIED_HOURS_AGO):
            # The agent closes the overflowing container's alert when it is emptied, before its sensor says so
            # (the replay would otherwise close it by itself).
            overflow = current.filter(entity__entity_id=OVERFLOW_CONTAINER).first()
            if overflow is not None:
                services.alert_close(
                    commune=commune,
                    actor=agent,
                    alert=overflow,
                    note="Benne vidée en tournée supplémentaire.",
                )
        moment += timedelta(hours=1)
    leak = current.filter(entity__entity_id=LEAK_METER).first()
    if leak is not None:
        services.alert_acknowledge(
            commune=commune, actor=agent, alert=leak, note="Plombier prévenu, passage prévu ce matin."
        )


@demo.register("datahub", order=40)
def load_demo() -> None:
    load()


@demo.register_commune("datahub", order=40)
def load_commune(commune: Commune, rng: random.Random) -> None:
    """One more demo commune's 64 assets with their year of history and today's measurements (no alert
    replay: it is slow)."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    number = int(commune.slug.rsplit("-", 1)[-1]) if commune.slug[-1:].isdigit() else 0
    load_assets(commune, now, rng, commune_number=max(number, 1), live_days=0)
