"""Reads of the accounts app."""

from django.db.models import QuerySet

from beffroi.accounts.models import Membership, User
from beffroi.accounts.roles import has_capability
from beffroi.core.annotations import Actor
from beffroi.core.models import Commune


def role_get(*, commune: Commune | None, user: Actor) -> str | None:
    """The user's role in the commune, or None (anonymous, or no membership)."""
    if commune is None or user is None or not user.is_authenticated or not user.is_active:
        return None
    cache: dict[int, str | None] | None = getattr(user, "_beffroi_roles", None)
    if cache is None:
        cache = {}
        setattr(user, "_beffroi_roles", cache)  # noqa: B010 - a per-request memo on the user object
    if commune.pk not in cache:
        cache[commune.pk] = (
            Membership.objects.filter(user=user, commune=commune).values_list("role", flat=True).first()
        )
    return cache[commune.pk]


def user_can(*, commune: Commune | None, user: Actor, capability: str) -> bool:
    return has_capability(role_get(commune=commune, user=user), capability)


def membership_list(*, commune: Commune) -> QuerySet[Membership]:
    return Membership.objects.filter(commune=commune).select_related("user").order_by("role", "user__email")


def user_memberships(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, commune__is_active=True).select_related("commune")
