"""An administrator's own inventory of the commune's connected assets (« capteurs »): add one, rename it, move
it, publish it or withdraw it, delete it — the pages of the data hub's configuration, beside the NGSI-LD API
that integrations use for the same entities.

Each write checks the administrator's capability (manage_commune) and goes through the NGSI-LD entity
services (services.entities), so an asset added here is an entity like any other (its Smart Data Models type
and @context, its name and location), and every change is audited there or here.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.core import geo
from beffroi.core.annotations import Actor
from beffroi.core.formatting import format_number
from beffroi.core.guards import ensure_owned
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.datahub.models import Entity
from beffroi.datahub.ngsild import context as ldctx
from beffroi.datahub.ngsild.vocabulary import short_name
from beffroi.datahub.services.alerts import commune_language
from beffroi.datahub.services.entities import entity_create, entity_delete, entity_merge, entity_set_public

# The Smart Data Models domain (its bundled @context) of each type an administrator may add.
TYPE_DOMAINS = {
    "ACMeasurement": "Energy",
    "AirQualityObserved": "Environment",
    "Building": "Building",
    "NoiseLevelObserved": "Environment",
    "OffStreetParking": "Parking",
    "ParkingSpot": "Parking",
    "Streetlight": "Streetlighting",
    "StreetlightGroup": "Streetlighting",
    "TrafficFlowObserved": "Transportation",
    "WasteContainer": "WasteManagement",
    "WaterConsumptionObserved": "WaterConsumption",
    "WeatherObserved": "Weather",
}
SDM_CONTEXT = "https://raw.githubusercontent.com/smart-data-models/dataModel.{}/master/context.jsonld"


def _require(commune: Commune, actor: Actor) -> None:
    require_capability(commune=commune, actor=actor, capability="manage_commune")


NAME_IRI = "https://smartdatamodels.org/name"
LOCATION_IRI = "https://uri.etsi.org/ngsi-ld/location"


def _location(latitude: float | None, longitude: float | None) -> dict[str, Any] | str:
    """The location GeoProperty of a point, or NGSI-LD's null (merge-patch: removed) without one."""
    if latitude is None or longitude is None:
        return "urn:ngsi-ld:null"
    return {
        "type": "GeoProperty",
        "value": {"type": "Point", "coordinates": [round(longitude, 6), round(latitude, 6)]},
    }


def _check_position(commune: Commune, latitude: float | None, longitude: float | None) -> None:
    """Refuse, in French, a point outside the commune's boundary: the rule a signalement's point follows
    (`core.geo.inside`, as reports' location check). A commune without a boundary takes any point; no point is
    fine."""
    if latitude is None or longitude is None:
        return
    if geo.inside(commune.boundary, latitude=float(latitude), longitude=float(longitude)):
        return
    centre = ""
    if commune.latitude is not None and commune.longitude is not None:
        centre = " " + _("Son centre est à la latitude %(lat)s et la longitude %(lon)s.") % {
            "lat": format_number(commune.latitude).replace("\u202f", ""),
            "lon": format_number(commune.longitude).replace("\u202f", ""),
        }
    raise ValidationError(
        {
            "latitude": _(
                "Ce point est en dehors de la commune de %(name)s : indiquez la position du capteur dans la "
                "commune."
            )
            % {"name": commune.name}
            + centre
        }
    )


def _free_id(commune: Commune, kind: str, name: str) -> str:
    """An NGSI-LD id for a new asset of the commune: its type, the commune and its name (a number if taken)."""
    base = f"urn:ngsi-ld:{kind}:{commune.slug}-{slugify(name)[:60] or 'capteur'}"
    taken = set(
        Entity.objects.filter(commune=commune, entity_id__startswith=base).values_list("entity_id", flat=True)
    )
    ident, number = base, 2
    while ident in taken:
        ident, number = f"{base}-{number}", number + 1
    return ident


@transaction.atomic
def asset_create(
    *,
    commune: Commune,
    actor: Actor,
    name: str,
    kind: str,
    latitude: float | None = None,
    longitude: float | None = None,
    is_public: bool = False,
) -> Entity:
    """Add an asset (an NGSI-LD entity of a known Smart Data Models type) to the commune; audited (as the
    entity's creation, by services.entities)."""
    _require(commune, actor)
    if kind not in TYPE_DOMAINS:
        raise ValidationError(_("Ce type d'équipement n'est pas proposé."))
    _check_position(commune, latitude, longitude)
    name = name.strip()
    body: dict[str, Any] = {
        "id": _free_id(commune, kind, name),
        "type": kind,
        "name": {"type": "Property", "value": name},
    }
    if latitude is not None and longitude is not None:
        body["location"] = _location(latitude, longitude)
    expanded = ldctx.expand_entity({**body, "@context": [SDM_CONTEXT.format(TYPE_DOMAINS[kind])]})
    return entity_create(commune=commune, entity=expanded, actor=actor, is_public=is_public)


@transaction.atomic
def asset_update(
    *,
    commune: Commune,
    actor: Actor,
    entity: Entity,
    name: str,
    latitude: float | None = None,
    longitude: float | None = None,
    is_public: bool = False,
) -> Entity:
    """Rename, move, publish or withdraw an asset of the commune; audited (the publication by
    services.entities, the rest here with the changed fields)."""
    _require(commune, actor)
    ensure_owned(entity, commune)
    if (latitude, longitude) != (entity.lat, entity.lon):  # an asset already placed may keep its point
        _check_position(commune, latitude, longitude)
    with translation.override(commune_language(commune)):
        return _update(commune, actor, entity, name.strip(), latitude, longitude, is_public)


def _update(
    commune: Commune,
    actor: Actor,
    entity: Entity,
    name: str,
    latitude: float | None,
    longitude: float | None,
    is_public: bool,
) -> Entity:
    changed = []
    if name != entity.name:
        changed.append(_("nom"))
    if (latitude, longitude) != (entity.lat, entity.lon):
        changed.append(_("position"))
    if changed:
        # The asset's own name member (its type's vocabulary, as it was created), else Smart Data Models'.
        name_iri = next((key for key in entity.data if short_name(key) == "name"), NAME_IRI)
        fragment = {
            name_iri: {"type": "Property", "value": name},
            LOCATION_IRI: _location(latitude, longitude),
        }
        entity = entity_merge(commune=commune, entity_id=entity.entity_id, fragment=fragment)
        summary = _("%(asset)s : %(changes)s") % {"asset": entity, "changes": ", ".join(changed)}
        audit_record(
            commune=commune, actor=actor, action="datahub.entity.update", obj=entity, summary=summary[:300]
        )
    if is_public != entity.is_public:
        entity = entity_set_public(
            commune=commune, entity_id=entity.entity_id, is_public=is_public, actor=actor
        )
    return entity


@transaction.atomic
def asset_set_public(*, commune: Commune, actor: Actor, entity: Entity, is_public: bool) -> Entity:
    """Publish an asset to residents and anonymous readers of the API, or withdraw it; audited (by
    services.entities)."""
    _require(commune, actor)
    ensure_owned(entity, commune)
    return entity_set_public(commune=commune, entity_id=entity.entity_id, is_public=is_public, actor=actor)


@transaction.atomic
def asset_delete(*, commune: Commune, actor: Actor, entity: Entity) -> None:
    """Delete an asset with its measurements, history, alerts and LoRaWAN devices; audited (by
    services.entities)."""
    _require(commune, actor)
    ensure_owned(entity, commune)
    entity_delete(commune=commune, entity_id=entity.entity_id, actor=actor)
