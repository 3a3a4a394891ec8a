"""Resolving the commune (tenant) of a request: dedicated host name, `/<slug>/` path prefix, or the only one."""

import re

from django.db.models import BooleanField, ExpressionWrapper, Q

from beffroi.core.models import RESERVED_SLUGS, ApiKey, Commune

# The contour (GeoJSON, tens of kB for a real commune) is read only by the pages that draw or check it.
_LIGHT = ("boundary",)
# …and whether there is one (Commune.has_contour), answered by the same query.
_HAS_CONTOUR = ExpressionWrapper(Q(boundary__isnull=False), output_field=BooleanField())
# What a commune's slug can be (SlugField): anything else names no commune, and never reaches the database
# (PostgreSQL refuses a NUL character in a query with an error, not an empty answer).
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


def is_slug(text: str) -> bool:
    return _SLUG.fullmatch(text) is not None


def commune_for_request(host: str, first_segment: str) -> tuple[Commune | None, str]:
    """One query for both ways a request names its commune: (commune, "host" | "path") or (None, "")."""
    host = host.split(":")[0].lower()
    condition = Q(host=host) if host else Q(pk__in=[])
    if first_segment and first_segment not in RESERVED_SLUGS and is_slug(first_segment):
        condition |= Q(slug=first_segment)
    candidates = list(
        Commune.objects.defer(*_LIGHT)
        .annotate(_has_contour=_HAS_CONTOUR)
        .filter(is_active=True)
        .filter(condition)[:2]
    )
    for commune in candidates:
        if host and commune.host == host:
            return commune, "host"
    return (candidates[0], "path") if candidates else (None, "")


def archived_for_request(host: str, first_segment: str) -> Commune | None:
    """The archived commune a request names by its host or first path segment (its pages answer « archivée »)."""
    host = host.split(":")[0].lower()
    condition = Q(host=host) if host else Q(pk__in=[])
    if first_segment and first_segment not in RESERVED_SLUGS and is_slug(first_segment):
        condition |= Q(slug=first_segment)
    return (
        Commune.objects.defer(*_LIGHT)
        .annotate(_has_contour=_HAS_CONTOUR)
        .filter(is_active=False, archived_at__isnull=False)
        .filter(condition)
        .first()
    )


def single_commune(*, any_host: bool = False) -> Commune | None:
    """The commune of a single-commune install, else None.

    Pages (the default): the only active commune without a host of its own, served at clean URLs (no prefix)
    on the main host. APIs (``any_host``): the only active commune of the install, whatever its host — an API
    request that names no commune is for that one, or must name it.
    """
    communes = Commune.objects.defer(*_LIGHT).annotate(_has_contour=_HAS_CONTOUR).filter(is_active=True)
    if not any_host:
        communes = communes.filter(Q(host="") | Q(host__isnull=True))
    found = list(communes[:2])
    return found[0] if len(found) == 1 else None


def api_tenant(*, name: str, key: ApiKey | None) -> Commune | None:
    """The commune an API request is for (Open311's jurisdiction_id, NGSI-LD's NGSILD-Tenant): the active
    commune it names by slug (None if there is none), else its API key's commune, else the only active commune
    of the install (None when there are several). The caller checks the module switch and, when both are
    given, that the key belongs to the named commune."""
    if name:
        return Commune.objects.filter(slug=name, is_active=True).first() if is_slug(name) else None
    if key is not None:
        return key.commune
    return single_commune(any_host=True)
