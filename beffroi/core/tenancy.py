"""Resolving the commune (tenant) of a request: dedicated host name, `/<slug>/` path prefix, or the only one."""

from django.db.models import Q

from beffroi.core.models import RESERVED_SLUGS, Commune

# The contour (GeoJSON, tens of kB for a real commune) is read only by the pages that draw or check it.
_LIGHT = ("boundary",)


def commune_for_request(host: str, first_segment: str) -> tuple[Commune | None, str]:
    """One query for both ways a request names its commune: (commune, "host" | "path") or (None, "")."""
    host = host.split(":")[0].lower()
    condition = Q(host=host) if host else Q(pk__in=[])
    if first_segment and first_segment not in RESERVED_SLUGS:
        condition |= Q(slug=first_segment)
    candidates = list(Commune.objects.defer(*_LIGHT).filter(is_active=True).filter(condition)[:2])
    for commune in candidates:
        if host and commune.host == host:
            return commune, "host"
    return (candidates[0], "path") if candidates else (None, "")


def single_commune() -> Commune | None:
    """The commune of a single-commune install (clean URLs, no prefix), else None."""
    communes = list(
        Commune.objects.defer(*_LIGHT).filter(is_active=True).filter(Q(host="") | Q(host__isnull=True))[:2]
    )
    return communes[0] if len(communes) == 1 else None
