"""Public pages of the data hub (dashboards): assets and their state, per-entity charts, CSV export, small-commune views.

Anonymous visitors and habitants see what the commune publishes; agents and élus (view_dashboards) see all.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beffroi.accounts.selectors import user_can
from beffroi.core.charts import LinePoint, Threshold, line_chart
from beffroi.core.decorators import commune_required
from beffroi.core.exports import csv_response
from beffroi.datahub import labels, selectors
from beffroi.datahub.ngsild.entities import latest_instant
from beffroi.datahub.ngsild.vocabulary import short_name
from beffroi.territory.maps import static_plan
from beffroi.territory.selectors import address_near_label, near_words

PERIOD_LABELS = {
    "day": gettext_lazy("24 heures"),
    "week": gettext_lazy("7 jours"),
    "month": gettext_lazy("31 jours"),
    "year": gettext_lazy("12 mois"),
}
# How the instants under a chart's time axis are written, by period.
AXIS_FORMATS = {"day": "%H:%M", "week": "%d/%m", "month": "%d/%m", "year": "%m/%Y"}
# Entity types whose state is a property of the entity (set by the operator or the network server) rather
# than a time series: their status is read from the entity's document when no measurement carries it.
_STATUS_IN_DOCUMENT = ("Streetlight", "ParkingSpot")


def _see_all(request) -> bool:
    return user_can(commune=request.commune, user=request.user, capability="view_dashboards")


def _document_properties(entity, *, exclude: set[str]) -> list[dict[str, object]]:
    """The entity's own properties with a plain value (status, power state…), not its time series, each with
    the instant it was last set (its modifiedAt)."""
    rows: list[dict[str, object]] = []
    for iri, attribute in (entity.data or {}).items():
        name = short_name(iri)
        if name in exclude or name == "name" or not isinstance(attribute, dict):
            continue
        value = attribute.get("value")
        if attribute.get("type") != "Property" or isinstance(value, dict | list) or "observedAt" in attribute:
            continue
        rows.append(
            {
                "name": name,
                "label": labels.attribute_label(name),
                "value": labels.value_text(value, attribute.get("unitCode"), attribute=name),
                "at": _stamp(attribute.get("modifiedAt")),
            }
        )
    return sorted(rows, key=lambda row: str(row["label"]))


def _stamp(text: object) -> datetime | None:
    """A document's system instant (an ISO string), or None when absent or unreadable."""
    if not isinstance(text, str):
        return None
    try:
        return parse_datetime(text)
    except ValueError:
        return None


def _state(type_name: str, latest: dict, document_status: object = None) -> tuple[str, str]:
    """(label, badge class) of an asset's state, from its latest values (or its document's status)."""
    status = latest.get("status", (document_status,))[0]
    if type_name == "Streetlight":
        if status not in (None, "ok"):
            return _("En panne"), "badge-danger"
        return _("En service"), "badge-ok"
    if type_name == "WasteContainer":
        level = latest.get("fillingLevel", (None,))[0]  # a ratio (0.8 is 80 %)
        # « Remplie à plus de 80 % », as the card says and the demo's alert rule watches: strictly above.
        if isinstance(level, int | float) and level > 0.8:
            return _("À vider"), "badge-warn"
        return _("Normal"), "badge-ok"
    if type_name == "ParkingSpot":
        return (_("Libre"), "badge-ok") if status == "free" else (_("Occupée"), "badge-warn")
    return _("Mesure reçue") if latest else _("Pas de mesure"), "badge-ok" if latest else "badge-warn"


@commune_required
def index(request):
    commune = request.commune
    see_all = _see_all(request)
    entities = selectors.dashboard_assets(commune=commune, see_all=see_all)
    latest = selectors.latest_values(entities=entities)
    statuses = selectors.document_property_values(
        commune=commune,
        see_all=see_all,
        entities=[e for e in entities if e.type_name in _STATUS_IN_DOCUMENT],
        name="status",
    )
    url_of = _entity_urls()
    # Texts many rows share (a type's label, an instant sensors report at together) are written once.
    type_labels: dict[str, str] = {}
    main_labels: dict[str, str] = {}
    instants: dict[datetime, str] = {}
    rows: list[dict[str, Any]] = []
    for entity in entities:
        values = latest.get(entity.pk, {})
        label, badge = _state(entity.type_name, values, statuses.get(entity.pk))
        kind = entity.type_name
        if kind not in type_labels:
            type_labels[kind] = str(labels.type_label(kind))
        main = labels.MAIN_ATTRIBUTE.get(kind, "")
        measured = values.get(main)
        main_label = main_value = main_at = ""
        if measured:
            if main not in main_labels:
                main_labels[main] = str(labels.attribute_label(main))
            main_label = main_labels[main]
            main_value = labels.value_text(measured[0], measured[2], attribute=main)
            main_at = instants.get(measured[1], "")
            if not main_at:
                main_at = instants[measured[1]] = labels.instant_recent(measured[1])
        rows.append(
            {
                "entity": entity,
                "name": str(entity),
                "url": url_of(entity.pk),
                "type_label": type_labels[kind],
                "state": str(label),
                "badge": badge,
                "values": values,
                "main_label": main_label,
                "main_value": main_value,
                "main_at": main_at,
            }
        )
    rows.sort(key=lambda r: (r["type_label"], labels.natural_key(r["name"])))
    to_empty = [r for r in rows if r["entity"].type_name == "WasteContainer" and r["badge"] == "badge-warn"]
    faults = [r for r in rows if r["entity"].type_name == "Streetlight" and r["badge"] == "badge-danger"]
    schools = []
    for r in rows:
        if r["entity"].type_name == "AirQualityObserved":
            ppm = r["values"].get("co2", (None,))[0]
            words, badge = _co2_level(ppm)
            schools.append({**r, "co2": ppm, "co2_words": words, "co2_badge": badge})
    energy = _energy_comparison(
        commune, see_all, [r["entity"] for r in rows if r["entity"].type_name == "ACMeasurement"]
    )
    burning = _burning_hours([r["entity"] for r in rows if r["entity"].type_name == "Streetlight"])
    return render(
        request,
        "datahub/index.html",
        {
            "rows": rows,
            # The assets' table and map points are kept rendered (the fragments cache) under every value they
            # show: this stamp of each row's shown values, and the language.
            "assets_stamp": _shown_stamp(rows),
            "to_empty": to_empty,
            "faults": faults,
            "schools": schools,
            "energy": energy,
            "burning_hours": burning,
            "see_all": see_all,
            "can_manage": see_all
            and user_can(commune=commune, user=request.user, capability="manage_commune"),
            "map": {
                "boundary": commune.boundary or None,
                "tile_url": settings.BEFFROI_TILE_URL,
                "center": [float(commune.latitude or 46.6), float(commune.longitude or 2.4)],
                "points": [
                    {
                        "lat": r["entity"].lat,
                        "lon": r["entity"].lon,
                        "title": r["name"],
                        "state": r["state"],
                        "badge": r["badge"],
                        "url": r["url"],
                    }
                    for r in rows
                    if r["entity"].lat is not None
                ],
            },
        },
    )


def _entity_urls():
    """The address of an asset's page by pk, reversed once for the page rather than once per row."""
    marker = 987654321
    prefix, suffix = reverse("datahub:entity", args=[marker]).split(str(marker))
    return lambda pk: f"{prefix}{pk}{suffix}"


def _shown_stamp(rows: list[dict[str, Any]]) -> str:
    """A digest of everything the assets' table and the map's points show of each row."""
    shown = tuple(
        (
            r["url"],
            r["name"],
            r["type_label"],
            r["state"],
            r["badge"],
            r["main_label"],
            r["main_value"],
            r["main_at"],
            r["entity"].lat,
            r["entity"].lon,
        )
        for r in rows
    )
    return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()


def _energy_comparison(commune, see_all, meters):
    if not meters:
        return None
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=30)
    current = selectors.daily_totals(
        entities=meters, attribute_suffix="activeEnergyImport", start=start, end=today
    )
    before = selectors.daily_totals(
        entities=meters,
        attribute_suffix="activeEnergyImport",
        start=start - timedelta(days=365),
        end=today - timedelta(days=365),
    )
    # Compare only with a year-ago window that was measured as fully: a commune that started recording less
    # than a year ago would otherwise read a meaningless rise.
    comparable = bool(before) and len(before) >= 0.9 * max(len(current), 1)
    now_total = sum(current.values())
    before_total = sum(before.values()) if comparable else None
    change = (now_total - before_total) / before_total * 100 if before_total else None
    price = settings.BEFFROI_ENERGY_PRICE_EUR_PER_KWH
    return {
        "current": now_total,
        "previous": before_total,
        "change": change,
        "price": price,
        "current_cost": now_total * price,
        "saving": (before_total - now_total) * price if before_total else None,
    }


def _co2_level(ppm: object) -> tuple[str, str]:
    """(words, badge class) of a classroom's CO₂ level against the 800 / 1,500 ppm guidance."""
    if not isinstance(ppm, int | float):
        return "", ""
    if ppm >= 1500:
        return _("à aérer tout de suite"), "badge-danger"
    if ppm >= 800:
        return _("à aérer"), "badge-warn"
    return _("air sain"), "badge-ok"


def _thresholds(commune, entity, name: str, *, ratio: bool) -> list[Threshold]:
    """Reference lines of a chart: the active alert rules on this measurement of this type, and for CO₂ the
    schools' guidance. A ratio's thresholds are drawn as percentages like its values."""
    lines: dict[float, str] = {}
    if name == "co2":
        for value, words in labels.CO2_GUIDANCE:
            lines[value] = str(words)
    for rule in selectors.rule_list(commune=commune):
        if (
            rule.is_active
            and rule.threshold is not None
            and rule.kind in ("above", "below")
            and rule.entity_type == entity.type_name
            and short_name(rule.attribute) == name
        ):
            value = rule.threshold * 100 if ratio else rule.threshold
            lines.setdefault(value, _("Seuil d'alerte"))
    return [Threshold(value, label) for value, label in sorted(lines.items())]


def _burning_hours(lights):
    """Hours over the last 7 days where a light's illuminance level was above zero (from hourly roll-ups)."""
    return selectors.lit_hours(entities=lights, since=timezone.now() - timedelta(days=7))


def _entity(request, pk: int):
    entity = (
        selectors.dashboard_entities(commune=request.commune, see_all=_see_all(request)).filter(pk=pk).first()
    )
    if entity is None:
        raise Http404
    return entity


def _series(entity, attribute: str, period: str):
    span, granularity = selectors.PERIODS[period]
    now = timezone.now()
    # Up to the latest instant ingestion accepts: a bucket stored beyond it (before that limit existed) is not
    # part of "the last 7 days" and would stretch the chart's axis to year 9999.
    rows = selectors.rollup_series(
        entity=entity, attribute=attribute, granularity=granularity, start=now - span, end=latest_instant()
    )
    return [(r.bucket, r.average, r.minimum, r.maximum, r.count) for r in rows]


def _local(moment: datetime) -> datetime:
    """A bucket's start in the commune's time zone, as the chart and its table write it (UTC if out of range)."""
    if not timezone.is_aware(moment):
        return moment
    try:
        return timezone.localtime(moment)
    except OverflowError:  # a stored year-9999 instant cannot be moved to Paris time
        return moment.astimezone(UTC)


@commune_required
def entity_detail(request, pk: int):
    entity = _entity(request, pk)
    period = request.GET.get("periode", "week")
    if period not in selectors.PERIODS:
        period = "week"
    latest = selectors.latest_values(entities=[entity])[entity.pk]
    charts = []
    stale = []  # measurements with no reading in the period: when their last one was
    for attribute in selectors.observed_attributes(entity=entity):
        series = _series(entity, attribute, period)
        name = short_name(attribute)
        if not series:
            if name in latest:
                stale.append(
                    _("%(name)s : aucune mesure sur cette période. Dernière mesure le %(at)s.")
                    % {
                        "name": labels.attribute_label(name),
                        "at": labels.instant_in_words(latest[name][1]),
                    }
                )
            continue
        unit = latest.get(name, (None, None, ""))[2]
        ratio = labels.is_ratio(name, unit)
        scale = 100.0 if ratio else 1.0
        title = _("%(name)s — %(period)s (moyenne, minimum et maximum)") % {
            "name": labels.attribute_label(name),
            "period": PERIOD_LABELS[period],
        }
        first, last = _local(series[0][0]), _local(series[-1][0])
        shown = _("Période affichée : du %(start)s au %(end)s.") % {
            "start": labels.instant_in_words(first),
            "end": labels.instant_in_words(last),
        }
        charts.append(
            {
                "name": name,
                "label": labels.attribute_label(name),
                "attribute": attribute,
                "period_text": shown,
                "figure": line_chart(
                    [LinePoint(_local(b), a * scale, lo * scale, hi * scale) for b, a, lo, hi, _c in series],
                    chart_id=f"chart-{name}",
                    title=title,
                    description=shown,
                    unit="%" if ratio else labels.unit_label(unit),
                    from_zero=name in labels.FROM_ZERO,
                    thresholds=_thresholds(request.commune, entity, name, ratio=ratio),
                    axis_format=AXIS_FORMATS[period],
                    places=0 if ratio else 2,
                    time_heading=_("Début de période"),
                    value_heading=_("Moyenne"),
                    low_heading=_("Minimum"),
                    high_heading=_("Maximum"),
                    table_last=48 if period in ("day", "week") else None,
                    empty_text=_("Pas d'historique sur cette période."),
                ),
            }
        )
    # One table of what the asset says now: its measurements' latest readings and the state it declares (a
    # parking spot's « libre », a lamp's fault), each with its date; nothing of it in the heading apart.
    current = [
        {
            "name": name,
            "label": labels.attribute_label(name),
            "value": labels.value_text(value, unit, attribute=name),
            "at": at,
        }
        for name, (value, at, unit) in latest.items()
    ] + _document_properties(entity, exclude=set(latest))
    # Staff reach the equipment's alerts (every state, the most recent first) and see how many are in progress.
    see_all = _see_all(request)
    return render(
        request,
        "datahub/entity.html",
        {
            "entity": entity,
            **_entity_place(request.commune, entity),
            "last_seen": max((at for _value, at, _unit in latest.values() if at is not None), default=None),
            "alerts_url": f"{reverse('datahub:alerts')}?etat=all&equipement={entity.pk}" if see_all else "",
            "alerts_active": len(selectors.alert_list(commune=request.commune, entity_pk=entity.pk))
            if see_all
            else 0,
            "type_label": labels.type_label(entity.type_name),
            "latest": sorted(current, key=lambda row: str(row["label"])),
            "charts": charts,
            "stale": stale,
            "period": period,
            "periods": PERIOD_LABELS,
        },
    )


def _entity_place(commune, entity) -> dict[str, Any]:
    """Where the equipment stands: the nearest address of the commune's base in words, the map that marks it
    (the dashboard's script, one point) and, for a page read without JavaScript, the town plan around it."""
    if entity.lat is None or entity.lon is None:
        return {"place": "", "map": None, "static_map": ""}
    near = address_near_label(commune=commune, latitude=entity.lat, longitude=entity.lon)
    place = near_words(near)
    name = str(entity)
    return {
        "place": place,
        "map": {
            "boundary": None,
            "center": [entity.lat, entity.lon],
            "points": [{"lat": entity.lat, "lon": entity.lon, "title": name, "state": place, "url": ""}],
        },
        "static_map": static_plan(
            commune,
            latitude=entity.lat,
            longitude=entity.lon,
            title=_("Plan autour de l'équipement %(name)s") % {"name": name},
        ),
    }


@commune_required
def series_csv(request, pk: int):
    entity = _entity(request, pk)
    attribute = request.GET.get("attribut", "")
    period = request.GET.get("periode", "week")
    if period not in selectors.PERIODS or attribute not in selectors.observed_attributes(entity=entity):
        raise Http404
    return csv_response(
        filename=f"{entity.pk}-{short_name(attribute)}-{period}.csv",
        header=["debut_periode", "moyenne", "minimum", "maximum", "nombre_mesures"],
        rows=(
            [bucket, _significant(average), _significant(low), _significant(high), count]
            for bucket, average, low, high, count in _series(entity, attribute, period)
        ),
    )


def _significant(number: float) -> float:
    """Six significant digits, as the export always gave (a number cell, never text)."""
    return float(f"{number:.6g}")
