"""Reads of the core app."""

from django.db.models import QuerySet

from beffroi.core.models import ApiKey, AuditEntry, Commune
from beffroi.core.services import apikey_hash
from beffroi.core.text import normalise


def commune_list_public() -> QuerySet[Commune]:
    """The communes a visitor can open: active, with their home page published."""
    return Commune.objects.defer("boundary").filter(is_active=True, home_published=True).order_by("name")


def commune_search(communes: QuerySet[Commune], query: str) -> list[Commune]:
    """The communes whose name has the query at the start of a word (accents, hyphens ignored, "st" = saint),
    or whose INSEE code, département or postal prefix starts with it; a syndicat's list is short enough to be
    read whole."""
    needle = " " + normalise(query)
    if needle == " ":
        return list(communes)
    code = query.strip().upper()
    return [
        c
        for c in communes
        if needle in " " + normalise(c.name)
        or needle in " " + normalise(c.epci)
        or needle in " " + normalise(c.departement)
        or c.insee_code.startswith(code)
        or (c.departement_code and code == c.departement_code)
    ]


def commune_get_by_slug(*, slug: str) -> Commune | None:
    return Commune.objects.filter(is_active=True, slug=slug).first()


def apikey_from_secret(secret: str) -> ApiKey | None:
    """The live key matching a secret, or None (unknown, revoked, or its commune deactivated)."""
    if not secret or len(secret) > 200:
        return None
    return (
        ApiKey.objects.select_related("commune")
        .defer("commune__boundary")  # tens of kB of GeoJSON, read on every keyed request otherwise
        .filter(key_hash=apikey_hash(secret), revoked_at__isnull=True, commune__is_active=True)
        .first()
    )


def apikey_list(*, commune: Commune) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(commune=commune).order_by("-created_at")


def apikey_get(*, commune: Commune, prefix: str) -> ApiKey | None:
    return apikey_list(commune=commune).filter(prefix=prefix).first()


def audit_list(*, commune: Commune, limit: int = 200) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(commune=commune).order_by("-created_at", "-id")[:limit]
