"""Writes of the accounts app: sign-up, memberships, erasure."""

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from beffroi.accounts.models import Membership, Role, User
from beffroi.core import personal_data
from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.core.services import audit_record


@transaction.atomic
def user_create(*, email: str, password: str | None, full_name: str = "", phone: str = "") -> User:
    """Create an account; the password is checked against the validators and hashed with Argon2."""
    user = User(email=User.objects.normalize_email(email).lower(), full_name=full_name, phone=phone)
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def membership_set(*, commune: Commune, user: User, role: str, actor: Actor = None) -> Membership:
    """Give a user a role in a commune (creates or changes the membership)."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    membership, created = Membership.objects.get_or_create(
        user=user, commune=commune, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    elif not created:
        return membership
    if actor is not None:
        audit_record(
            commune=commune,
            actor=actor,
            action="membership.set",
            obj=membership,
            summary=f"{user.email}: {role}",
        )
    return membership


@transaction.atomic
def membership_remove(*, commune: Commune, user: User, actor: Actor) -> None:
    deleted, _ = Membership.objects.filter(commune=commune, user=user).delete()
    if deleted:
        audit_record(commune=commune, actor=actor, action="membership.remove", summary=user.email)


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Erase an account (RGPD art. 17): each app anonymises what it must keep, then the user row goes."""
    personal_data.erase_for(user)
    user.delete()
