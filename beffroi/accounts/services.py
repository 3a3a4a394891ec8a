"""Writes of the accounts app: sign-up and its address confirmation, memberships, erasure."""

import hashlib

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from beffroi.accounts.models import Membership, Role, User
from beffroi.core import personal_data
from beffroi.core.annotations import Actor
from beffroi.core.mail import send_commune_mail
from beffroi.core.models import Commune
from beffroi.core.personal_data import account_reference
from beffroi.core.services import audit_record

EMAIL_CONFIRMATION_SALT = "beffroi.accounts.email-confirmation"


@transaction.atomic
def user_create(
    *, email: str, password: str | None, full_name: str = "", phone: str = "", email_confirmed: bool = True
) -> User:
    """Create an account; the password is checked against the validators and hashed with Argon2.

    `email_confirmed=False` for a self-service sign-up: the address is unproven until the person opens the
    link mailed to it (`email_confirmation_send`). An account the mairie creates (administrator, demo loader)
    is taken as confirmed. Not audited: a person's own sign-up is not an agent's action, and members added by
    an administrator are audited by `membership_set`.
    """
    user = User(
        email=User.objects.normalize_email(email).lower(),
        full_name=full_name,
        phone=phone,
        email_confirmed_at=timezone.now() if email_confirmed else None,
    )
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
            summary=f"{account_reference(user.pk)} : {role}",
        )
    return membership


@transaction.atomic
def membership_remove(*, commune: Commune, user: User, actor: Actor) -> None:
    """Take a user's role in a commune away."""
    deleted, _ = Membership.objects.filter(commune=commune, user=user).delete()
    if deleted:
        audit_record(
            commune=commune, actor=actor, action="membership.remove", summary=account_reference(user.pk)
        )


# --- Address confirmation ----------------------------------------------------------------------------------


def _address_fingerprint(email: str) -> str:
    # The link names the account and a digest of the address it was sent to: changing the address voids it,
    # and the link itself does not carry the address.
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def email_confirmation_token(*, user: User) -> str:
    """A signed, timestamped token for the confirmation link (valid PASSWORD_RESET_TIMEOUT, three days)."""
    return signing.dumps([user.pk, _address_fingerprint(user.email)], salt=EMAIL_CONFIRMATION_SALT)


def email_confirmation_send(*, user: User, link: str) -> None:
    """Mail the confirmation link (absolute URL built by the view from `email_confirmation_token`).

    Sent after the commit, through the mail task. Not audited: nothing is written but the queued mail.
    """
    context = {"user": user, "link": link, "days": settings.PASSWORD_RESET_TIMEOUT // 86400}
    subject = render_to_string("accounts/email_confirmation_subject.txt", context).strip()
    body = render_to_string("accounts/email_confirmation_email.txt", context)
    send_commune_mail(commune=None, to=[user.email], subject=subject, body=body)


@transaction.atomic
def email_confirm(*, token: str) -> User | None:
    """Mark the address of the link's account as confirmed; None when the link is forged, expired, or was sent
    to an address the account no longer has. Opening a link twice is harmless.

    Not audited: the person confirms their own address; `email_confirmed_at` records when.
    """
    try:
        user_id, fingerprint = signing.loads(
            token, salt=EMAIL_CONFIRMATION_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or fingerprint != _address_fingerprint(user.email):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return user


@transaction.atomic
def email_mark_confirmed(*, user: User) -> None:
    """The person proved they read this address another way (a password-reset link mailed to it).

    Not audited: the person's own account, as `email_confirm`.
    """
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])


# --- Erasure -----------------------------------------------------------------------------------------------


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Erase an account (RGPD art. 17): each app removes or pseudonymises what it holds (its registered eraser,
    the user row still present), then the user row goes. Records that must stay (published results, the audit
    log) keep only an opaque reference; see each app's `personal_data.py`.

    Not audited: the audit log would have to name the person it has just forgotten.
    """
    personal_data.erase_for(user)
    user.delete()
