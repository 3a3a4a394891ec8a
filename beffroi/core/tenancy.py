"""Resolving the commune (tenant) of a request: dedicated host name, `/<slug>/` path prefix, or the only one."""

import re

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from beffroi.core.models import RESERVED_SLUGS, ApiKey, Commune
from beffroi.core.prepared import Prepared

# The contour (GeoJSON, tens of kB for a real commune) is read only by the pages that draw or check it.
_LIGHT = ("boundary",)
# …and whether there is one (Commune.has_contour), answered by the same query.
_HAS_CONTOUR = ExpressionWrapper(Q(boundary__isnull=False), output_field=BooleanField())
# What a commune's slug can be (SlugField): anything else names no commune, and never reaches the database
# (PostgreSQL refuses a NUL character in a query with an error, not an empty answer).
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


def is_slug(text: str) -> bool:
    return _SLUG.fullmatch(text) is not None


# Every request resolves its commune: the queries are built once per process (core.prepared).
def _light() -> QuerySet[Commune]:
    return Commune.objects.defer(*_LIGHT).annotate(_has_contour=_HAS_CONTOUR)


# by host or first path segment, archived ones included (their pages say so)
_NAMED = Prepared(
    Commune, lambda host, slug: _light().filter(Q(host=host) | Q(slug=slug))[:4], host=str, slug=str
)
# Whether there is exactly one: unordered, the database stops at the second it finds (ordered by name, it read
# and sorted every commune of the instance, on each API request that names none by its path).
_SINGLE_PAGE = Prepared(
    Commune, lambda: _light().filter(is_active=True).filter(Q(host="") | Q(host__isnull=True)).order_by()[:2]
)
_SINGLE_ANY = Prepared(Commune, lambda: _light().filter(is_active=True).order_by()[:2])


def resolve(host: str, first_segment: str) -> tuple[Commune | None, str, Commune | None]:
    """One query for the ways a request names its commune: (commune, "host" | "path", None) for an active one,
    (None, "", archived commune) when it names an archived one, else (None, "", None)."""
    host = host.split(":")[0].lower()
    slug = first_segment if first_segment not in RESERVED_SLUGS and is_slug(first_segment) else ""
    if not host and not slug:
        return None, "", None
    # "/" is in no host and no slug: an empty one matches nothing
    candidates = _NAMED.objects(host=host or "/", slug=slug or "/")
    active = [c for c in candidates if c.is_active]
    for commune in active:
        if host and commune.host == host:
            return commune, "host", None
    for commune in active:
        if slug and commune.slug == slug:
            return commune, "path", None
    archived = next((c for c in candidates if not c.is_active and c.archived_at is not None), None)
    return None, "", archived


def commune_for_request(host: str, first_segment: str) -> tuple[Commune | None, str]:
    """(commune, "host" | "path") or (None, "") — see `resolve`."""
    commune, via, _archived = resolve(host, first_segment)
    return commune, via


def archived_for_request(host: str, first_segment: str) -> Commune | None:
    """The archived commune a request names by its host or first path segment (its pages answer « archivée »)."""
    return resolve(host, first_segment)[2]


def single_commune(*, any_host: bool = False) -> Commune | None:
    """The commune of a single-commune install, else None.

    Pages (the default): the only active commune without a host of its own, served at clean URLs (no prefix)
    on the main host. APIs (``any_host``): the only active commune of the install, whatever its host — an API
    request that names no commune is for that one, or must name it.
    """
    found = (_SINGLE_ANY if any_host else _SINGLE_PAGE).objects()
    return found[0] if len(found) == 1 else None


def api_tenant(*, name: str, key: ApiKey | None) -> Commune | None:
    """The commune an API request is for (Open311's jurisdiction_id, NGSI-LD's NGSILD-Tenant): the active
    commune it names by slug (None if there is none), else its API key's commune, else the only active commune
    of the install (None when there are several). The caller checks the module switch and, when both are
    given, that the key belongs to the named commune."""
    if name:
        if not is_slug(name):
            return None
        return next((c for c in _NAMED.objects(host="/", slug=name) if c.is_active and c.slug == name), None)
    if key is not None:
        return key.commune
    return single_commune(any_host=True)
