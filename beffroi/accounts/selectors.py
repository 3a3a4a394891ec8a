"""Reads of the accounts app."""

from collections.abc import Iterable

from django.db.models import QuerySet

from beffroi.accounts.models import (
    Invitation,
    Membership,
    NotificationKind,
    NotificationSetting,
    OidcIdentity,
    User,
    invitation_token_hash,
)
from beffroi.accounts.roles import CAPABILITIES, has_capability
from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.core.prepared import Prepared

# read on every signed-in request (the menu, the capabilities): built once per process (core.prepared)
_ROLE = Prepared(
    Membership,
    lambda user, commune: (
        Membership.objects.filter(user_id=user, commune_id=commune).order_by("pk").values_list("role")[:1]
    ),
    user=int,
    commune=int,
)


def role_get(*, commune: Commune | None, user: Actor) -> str | None:
    """The user's role in the commune, or None (anonymous, or no membership)."""
    if commune is None or user is None or not user.is_authenticated or not user.is_active:
        return None
    cache: dict[int, str | None] | None = getattr(user, "_beffroi_roles", None)
    if cache is None:
        cache = {}
        setattr(user, "_beffroi_roles", cache)  # noqa: B010 - a per-request memo on the user object
    if commune.pk not in cache:
        found = _ROLE.rows(user=user.pk, commune=commune.pk)
        cache[commune.pk] = found[0][0] if found else None
    return cache[commune.pk]


def user_can(*, commune: Commune | None, user: Actor, capability: str) -> bool:
    return has_capability(role_get(commune=commune, user=user), capability)


def membership_list(*, commune: Commune) -> QuerySet[Membership]:
    return Membership.objects.filter(commune=commune).select_related("user").order_by("role", "user__email")


def membership_get(*, commune: Commune, user_id: int) -> Membership | None:
    return membership_list(commune=commune).filter(user_id=user_id).first()


def member_list(*, commune: Commune, capability: str, active_only: bool = False) -> QuerySet[User]:
    """The accounts whose role in the commune holds the capability (e.g. the staff who may own a project, the
    agents a report may be assigned to), by name."""
    users = User.objects.filter(memberships__commune=commune, memberships__role__in=CAPABILITIES[capability])
    if active_only:
        users = users.filter(is_active=True)
    return users.order_by("full_name", "email")


def member_get(*, commune: Commune, capability: str, pk: int, active_only: bool = False) -> User | None:
    """The account ``pk`` if its role in the commune holds the capability, else None."""
    return member_list(commune=commune, capability=capability, active_only=active_only).filter(pk=pk).first()


def user_get_by_email(*, email: str) -> User | None:
    """The account with this address, whatever its case."""
    return User.objects.filter(email__iexact=email).first()


def user_memberships(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, commune__is_active=True).select_related("commune")


def notification_address(user: User | None, *, kind: str | None = None) -> str | None:
    """Where to mail a notification meant for this account holder: their address once confirmed, else None.

    An address typed at sign-up is unproven until its confirmation link is opened: nothing is sent to it before,
    so that nobody can have the platform write to someone else's mailbox. With a ``kind``
    (`NotificationKind`), None too when the person turned mail of that kind off in « Mon espace ».
    """
    if user is None or not user.is_active or not user.email or user.email_confirmed_at is None:
        return None
    if kind is not None and not notification_wanted(user=user, kind=kind, channel="email"):
        return None
    return user.email


def notification_addresses(*, users: QuerySet[User], kind: str) -> list[str]:
    """`notification_address(user, kind=kind)` for many accounts in one query (the voters of a budget): the
    confirmed addresses of active accounts that did not turn mail of that kind off."""
    muted = NotificationSetting.objects.filter(kind=kind, email=False).values("user_id")
    found = (
        users.filter(is_active=True, email_confirmed_at__isnull=False).exclude(pk__in=muted).exclude(email="")
    )
    return list(found.values_list("email", flat=True))


def notification_settings(*, user: User) -> dict[str, dict[str, bool]]:
    """Each kind's channels for this account: ``{"signalements": {"email": True, "sms": False}, …}`` (the
    defaults, every channel on, for a kind never set)."""
    chosen = {
        row.kind: {"email": row.email, "sms": row.sms}
        for row in NotificationSetting.objects.filter(user=user)
    }
    return {kind: chosen.get(kind, {"email": True, "sms": True}) for kind in NotificationKind.values}


def notification_wanted(*, user: User | None, kind: str, channel: str) -> bool:
    """Whether the account holder still wants news of ``kind`` by ``channel`` ("email" or "sms"); a
    report or a dossier with no account behind it keeps the choice made on its own form (True here)."""
    if user is None:
        return True
    row = NotificationSetting.objects.filter(user=user, kind=kind).values_list(channel, flat=True).first()
    return True if row is None else bool(row)


def account_labels(*, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The current display name of each account that still exists (the audit log keeps only its number)."""
    ids = {pk for pk in user_ids if pk is not None}
    return {
        pk: full_name or email
        for pk, full_name, email in User.objects.filter(pk__in=ids).values_list("pk", "full_name", "email")
    }


def invitation_list_open(*, commune: Commune) -> QuerySet[Invitation]:
    """The commune's invitations neither accepted nor revoked (pending and expired), newest first."""
    return (
        Invitation.objects.filter(commune=commune, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("team", "invited_by")
        .order_by("-sent_at", "-id")
    )


def invitation_get(*, commune: Commune, pk: int) -> Invitation | None:
    return Invitation.objects.filter(commune=commune, pk=pk).select_related("team", "commune").first()


def invitation_get_by_token(*, commune: Commune | None, token: str) -> Invitation | None:
    """The invitation a mailed link names, in the commune the link was opened in (another commune's link opened
    under this one's address is unknown here), whatever its state."""
    if commune is None or not token or len(token) > 100:
        return None
    return (
        Invitation.objects.filter(commune=commune, token_hash=invitation_token_hash(token))
        .select_related("commune", "team")
        .first()
    )


def oidc_account_for(
    *, provider: str, subject: str, email: str, email_verified: bool
) -> tuple[str, User | None]:
    """What a sign-in at a provider leads to: ("linked", user) — the identity is already this account's;
    ("confirm", user) — an account has the (verified) address, its holder must confirm before it is linked;
    ("new", None) — no account yet; ("inactive", user) — the account is deactivated; ("unverified", None) — the
    provider did not verify the address, and another account already uses it."""
    link = OidcIdentity.objects.filter(provider=provider, subject=subject).select_related("user").first()
    if link is not None:
        return ("linked" if link.user.is_active else "inactive"), link.user
    existing = user_get_by_email(email=email)
    if existing is None:
        return "new", None
    if not existing.is_active:
        return "inactive", existing
    if not email_verified:
        return "unverified", None
    return "confirm", existing


def oidc_identities(*, user: User) -> QuerySet[OidcIdentity]:
    return OidcIdentity.objects.filter(user=user).order_by("provider")


def user_by_pk(*, pk: int) -> User | None:
    return User.objects.filter(pk=pk).first()
