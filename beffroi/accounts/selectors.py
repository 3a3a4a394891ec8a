"""Reads of the accounts app."""

from beffroi.accounts.models import Membership, User
from beffroi.accounts.roles import has_capability
from beffroi.core.models import Commune


def role_get(*, commune: Commune | None, user) -> str | None:
    """The user's role in the commune, or None (anonymous, or no membership)."""
    if commune is None or user is None or not user.is_authenticated or not user.is_active:
        return None
    cache = getattr(user, "_beffroi_roles", None)
    if cache is None:
        cache = user._beffroi_roles = {}
    if commune.pk not in cache:
        cache[commune.pk] = (
            Membership.objects.filter(user=user, commune=commune).values_list("role", flat=True).first()
        )
    return cache[commune.pk]


def user_can(*, commune: Commune | None, user, capability: str) -> bool:
    return has_capability(role_get(commune=commune, user=user), capability)


def membership_list(*, commune: Commune):
    return Membership.objects.filter(commune=commune).select_related("user").order_by("role", "user__email")


def user_memberships(*, user: User):
    return Membership.objects.filter(user=user, commune__is_active=True).select_related("commune")
