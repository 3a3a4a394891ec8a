"""Reads of the core app."""

from django.db.models import QuerySet

from beffroi.core.models import ApiKey, AuditEntry, Commune
from beffroi.core.services import apikey_hash


def commune_list_public() -> QuerySet[Commune]:
    return Commune.objects.filter(is_active=True).order_by("name")


def commune_get_by_slug(*, slug: str) -> Commune | None:
    return Commune.objects.filter(is_active=True, slug=slug).first()


def apikey_from_secret(secret: str) -> ApiKey | None:
    """The live key matching a secret, or None (unknown, revoked, or its commune deactivated)."""
    if not secret or len(secret) > 200:
        return None
    return (
        ApiKey.objects.select_related("commune")
        .filter(key_hash=apikey_hash(secret), revoked_at__isnull=True, commune__is_active=True)
        .first()
    )


def apikey_list(*, commune: Commune) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(commune=commune).order_by("-created_at")


def apikey_get(*, commune: Commune, prefix: str) -> ApiKey | None:
    return apikey_list(commune=commune).filter(prefix=prefix).first()


def audit_list(*, commune: Commune, limit: int = 200) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(commune=commune).order_by("-created_at", "-id")[:limit]
