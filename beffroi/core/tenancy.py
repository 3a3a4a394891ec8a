"""Resolving the commune (tenant) of a request: dedicated host name, `/<slug>/` path prefix, or the only one."""

from django.db.models import Q

from beffroi.core.models import RESERVED_SLUGS, Commune


def commune_for_host(host: str) -> Commune | None:
    host = host.split(":")[0].lower()
    if not host:
        return None
    return Commune.objects.filter(is_active=True, host=host).first()


def commune_for_slug(slug: str) -> Commune | None:
    if not slug or slug in RESERVED_SLUGS:
        return None
    return Commune.objects.filter(is_active=True, slug=slug).first()


def single_commune() -> Commune | None:
    """The commune of a single-commune install (clean URLs, no prefix), else None."""
    communes = list(Commune.objects.filter(is_active=True).filter(Q(host="") | Q(host__isnull=True))[:2])
    return communes[0] if len(communes) == 1 else None
