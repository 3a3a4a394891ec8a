"""Writes of the accounts app: sign-up and its address confirmation, memberships, invitations, erasure."""

import csv
import hashlib
import io
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from beffroi.accounts.guards import require_capability
from beffroi.accounts.models import (
    Invitation,
    Membership,
    NotificationKind,
    NotificationSetting,
    OidcIdentity,
    Role,
    User,
    invitation_token_hash,
)
from beffroi.accounts.roles import STAFF_ROLES
from beffroi.core import personal_data
from beffroi.core.annotations import Actor
from beffroi.core.guards import ensure_owned
from beffroi.core.links import commune_url
from beffroi.core.mail import send_commune_mail
from beffroi.core.models import Commune
from beffroi.core.personal_data import account_reference
from beffroi.core.services import audit_record

if TYPE_CHECKING:  # accounts sits below territory: the team is named for the type checker only
    from beffroi.territory.models import Team

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


# --- Invitations -------------------------------------------------------------------------------------------

INVITED_ROLES = (Role.AGENT, Role.ELU, Role.ADMIN)
MAX_INVITATIONS_PER_IMPORT = 500


class InvitationUnusable(Exception):
    """The link's invitation cannot be accepted: `status` says why (accepted, revoked, expired, unknown)."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(status)


class InvitationImportError(Exception):
    """A CSV of invitations with faulty lines: `errors` holds one French sentence per fault, line numbers
    included. Nothing of the file was created."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


def _invitation_lifetime() -> timedelta:
    return timedelta(days=settings.BEFFROI_INVITATION_DAYS)


def _invitation_check(*, commune: Commune, email: str, role: str, team: "Team | None") -> str:
    """The invitation's address, normalised, once the request is known to be acceptable; else a
    `ValidationError` keyed by field, in French. Shared by one invitation and a file of them."""
    email = User.objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": gettext("Saisissez une adresse électronique valide, par exemple prenom.nom@mairie.fr.")}
        ) from None
    if role not in INVITED_ROLES:
        raise ValidationError({"role": gettext("Choisissez un rôle : agent, élu·e ou administrateur·rice.")})
    ensure_owned(team, commune)
    current = Membership.objects.filter(commune=commune, user__email__iexact=email).first()
    if current is not None and current.role in STAFF_ROLES:
        raise ValidationError(
            {
                "email": gettext(
                    "Cette personne a déjà le rôle « %(role)s » dans la commune : changez son rôle dans la "
                    "liste des membres."
                )
                % {"role": current.get_role_display()}
            }
        )
    if invitation_open_for(commune=commune, email=email, pending_only=True) is not None:
        raise ValidationError(
            {
                "email": gettext(
                    "Une invitation attend déjà la réponse de cette adresse : renvoyez-la depuis la liste "
                    "des invitations en attente."
                )
            }
        )
    return email


def invitation_open_for(*, commune: Commune, email: str, pending_only: bool = False) -> Invitation | None:
    """The commune's invitation to this address neither accepted nor revoked (expired ones too, unless
    `pending_only`)."""
    found = Invitation.objects.filter(
        commune=commune, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).first()
    if found is not None and pending_only and found.status != Invitation.Status.PENDING:
        return None
    return found


def _invitation_mail(*, invitation: Invitation, token: str, inviter_name: str) -> None:
    commune = invitation.commune
    link = commune_url(commune, "accounts:invitation_accept", kwargs={"token": token})
    context = {
        "commune": commune,
        "role": invitation.get_role_display(),
        "team": invitation.team.name if invitation.team is not None else "",
        "inviter": inviter_name,
        "link": link,
        "expires_at": invitation.expires_at,
    }
    subject = render_to_string("accounts/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/invitation_email.txt", context)
    send_commune_mail(commune=commune, to=[invitation.email], subject=subject, body=body)


def _inviter_name(actor: Actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return str(getattr(actor, "get_full_name", lambda: "")())


@transaction.atomic
def invitation_create(
    *, commune: Commune, actor: Actor, email: str, role: str, team: "Team | None" = None
) -> Invitation:
    """Invite a person by e-mail to take a staff role (agent, élu·e, administrateur·rice) in the commune,
    optionally in one of its teams (services). `actor=None` is the platform operator (creating a commune and
    inviting its first administrator).

    The mail, sent after the commit under the commune's name, carries an absolute link that works once, for
    `BEFFROI_INVITATION_DAYS` days; only the token's hash is stored. Refused (a `ValidationError` keyed by
    field) for a malformed address, a role that is not a staff role, a person who already has a staff role
    here, or an address whose previous invitation is still pending; an expired one is replaced. Audited
    without the address.
    """
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    email = _invitation_check(commune=commune, email=email, role=role, team=team)
    expired = invitation_open_for(commune=commune, email=email)
    if expired is not None:  # past its date: replaced by the new one (the unique constraint allows one open)
        expired.revoked_at = timezone.now()
        expired.save(update_fields=["revoked_at"])
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation(
        commune=commune,
        email=email,
        role=role,
        team=team,
        token_hash=invitation_token_hash(token),
        invited_by=cast(User, actor)
        if actor is not None and getattr(actor, "is_authenticated", False)
        else None,
        created_at=now,
        sent_at=now,
        expires_at=now + _invitation_lifetime(),
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="invitation.create",
        obj=invitation,
        summary=_invitation_summary(invitation),
    )
    _invitation_mail(invitation=invitation, token=token, inviter_name=_inviter_name(actor))
    return invitation


def _invitation_summary(invitation: Invitation) -> str:
    # The role and the team, never the address: the audit log is append-only.
    summary = gettext("rôle : %(role)s") % {"role": invitation.get_role_display()}
    if invitation.team is not None:
        summary += " · " + gettext("service : %(team)s") % {"team": invitation.team.name}
    return summary


def _locked(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("commune", "team")
        .get(pk=invitation.pk)
    )


@transaction.atomic
def invitation_resend(*, commune: Commune, actor: Actor, invitation: Invitation) -> Invitation:
    """Mail the invitation again with a new link and a new expiry date; the previous link stops working.
    Refused once accepted or revoked."""
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    ensure_owned(invitation, commune)
    invitation = _locked(invitation)
    if invitation.status in (Invitation.Status.ACCEPTED, Invitation.Status.REVOKED):
        raise ValidationError(
            gettext("Cette invitation a déjà été acceptée ou annulée : elle ne peut être renvoyée.")
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = invitation_token_hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + _invitation_lifetime()
    invitation.send_count += 1
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "send_count"])
    audit_record(
        commune=commune,
        actor=actor,
        action="invitation.resend",
        obj=invitation,
        summary=_invitation_summary(invitation),
    )
    _invitation_mail(invitation=invitation, token=token, inviter_name=_inviter_name(actor))
    return invitation


@transaction.atomic
def invitation_revoke(*, commune: Commune, actor: Actor, invitation: Invitation) -> Invitation:
    """Cancel an invitation: its link is refused from now on. Refused once accepted."""
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    ensure_owned(invitation, commune)
    invitation = _locked(invitation)
    if invitation.accepted_at is not None:
        raise ValidationError(
            gettext("Cette invitation a déjà été acceptée : retirez la personne de la liste des membres.")
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            commune=commune,
            actor=actor,
            action="invitation.revoke",
            obj=invitation,
            summary=_invitation_summary(invitation),
        )
    return invitation


def _usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.status != Invitation.Status.PENDING:
        raise InvitationUnusable(invitation.status)
    if not invitation.commune.is_active:
        raise InvitationUnusable("unknown")
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person, signed in with the invited address, takes the role (and the team) offered.

    The link came to that address: accepting also confirms it. Refused with `InvitationUnusable` when the
    link was already used, revoked or has expired (checked under a row lock, so two clicks give one
    membership), and with `ValidationError` when the signed-in account has another address.
    """
    invitation = _usable(_locked(invitation))
    if not user.is_active:
        raise InvitationUnusable("unknown")
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            gettext(
                "Cette invitation a été envoyée à une autre adresse que celle de votre compte. Connectez-vous "
                "avec l'adresse qui a reçu l'invitation."
            )
        )
    commune = invitation.commune
    membership = membership_set(commune=commune, user=user, role=invitation.role, actor=user)
    if invitation.team is not None and invitation.team.commune_id == commune.pk:
        invitation.team.members.add(user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    email_mark_confirmed(user=user)
    audit_record(
        commune=commune,
        actor=user,
        action="invitation.accept",
        obj=invitation,
        summary=_invitation_summary(invitation),
    )
    return membership


@transaction.atomic
def invitation_accept_new_account(*, invitation: Invitation, full_name: str, password: str) -> User:
    """Create the invited person's account (the invited address, their name and password) and accept.

    Refused with `ValidationError` when an account already has this address (the person signs in instead),
    or the password fails the validators; nothing is created then.
    """
    invitation = _usable(_locked(invitation))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(
            gettext("Un compte existe déjà avec cette adresse : connectez-vous pour accepter l'invitation.")
        )
    user = user_create(email=invitation.email, password=password, full_name=full_name, email_confirmed=True)
    invitation_accept(invitation=invitation, user=user)
    return user


# A file of invitations: one line per person, `email,role,team` (a comma or a semicolon, as a spreadsheet saves
# it). Roles in words as a secretary would type them; the team by its name.
ROLE_WORDS = {
    "agent": Role.AGENT,
    "agente": Role.AGENT,
    "elu": Role.ELU,
    "elue": Role.ELU,
    "elu·e": Role.ELU,
    "elu.e": Role.ELU,
    "administrateur": Role.ADMIN,
    "administratrice": Role.ADMIN,
    "administrateur·rice": Role.ADMIN,
    "administrateur.rice": Role.ADMIN,
    "admin": Role.ADMIN,
}


def _plain(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class _Row:
    line: int
    email: str
    role: str
    team: "Team | None"


def _parse_invitations(*, commune: Commune, text: str) -> tuple[list[_Row], list[str]]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        return [], [gettext("Le fichier est vide : la première ligne doit être « email,role,team ».")]
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [_plain(cell) for cell in next(reader)]
    if header[:2] != ["email", "role"] or (len(header) > 2 and header[2:] not in (["team"], [""])):
        return [], [
            gettext(
                "La première ligne doit être « email,role,team » (les colonnes dans cet ordre), pas « %(h)s »."
            )
            % {"h": delimiter.join(header)}
        ]
    teams: dict[str, Team] = {}
    for each in commune.teams.all():  # the commune's services, by name and by identifier
        teams[_plain(each.name)] = each
        teams[_plain(each.slug)] = each
    rows: list[_Row] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(errors) >= MAX_INVITATIONS_PER_IMPORT:
            errors.append(
                gettext("Le fichier dépasse %(n)s lignes : découpez-le en plusieurs fichiers.")
                % {"n": MAX_INVITATIONS_PER_IMPORT}
            )
            break
        cells = [*cells, "", "", ""][:3] if len(cells) <= 3 else cells
        if len(cells) > 3:
            errors.append(
                gettext("Ligne %(line)s : %(n)s colonnes au lieu de trois (email, rôle, service).")
                % {"line": number, "n": len(cells)}
            )
            continue
        email, role_word, team_name = (cell.strip() for cell in cells)
        role = ROLE_WORDS.get(_plain(role_word))
        if role is None:
            errors.append(
                gettext("Ligne %(line)s : rôle « %(role)s » inconnu (agent, élu ou administrateur).")
                % {"line": number, "role": role_word}
            )
            continue
        team = None
        if team_name:
            team = teams.get(_plain(team_name))
            if team is None:
                errors.append(
                    gettext("Ligne %(line)s : le service « %(team)s » n'existe pas dans la commune.")
                    % {"line": number, "team": team_name}
                )
                continue
        try:
            email = _invitation_check(commune=commune, email=email, role=role, team=team)
        except ValidationError as error:
            text_error = " ".join(message for messages in error.message_dict.values() for message in messages)
            errors.append(gettext("Ligne %(line)s : %(error)s") % {"line": number, "error": text_error})
            continue
        if email in seen:
            errors.append(
                gettext("Ligne %(line)s : l'adresse figure déjà ligne %(first)s.")
                % {"line": number, "first": seen[email]}
            )
            continue
        seen[email] = number
        rows.append(_Row(line=number, email=email, role=role, team=team))
    if not rows and not errors:
        errors.append(gettext("Le fichier ne contient aucune invitation après sa première ligne."))
    return rows, errors


@transaction.atomic
def invitation_create_many(*, commune: Commune, actor: Actor, text: str) -> list[Invitation]:
    """Invite everyone listed in a CSV (`email,role,team`), all or nothing: every line is checked first, and
    any fault refuses the whole file with `InvitationImportError` (one French sentence per faulty line, with
    its number), so a corrected file can be sent again without duplicates. Each invitation is audited by
    `invitation_create`, the import itself once more with its count."""
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    rows, errors = _parse_invitations(commune=commune, text=text)
    if errors:
        raise InvitationImportError(errors)
    invitations = [
        invitation_create(commune=commune, actor=actor, email=row.email, role=row.role, team=row.team)
        for row in rows
    ]
    audit_record(
        commune=commune,
        actor=actor,
        action="invitation.import",
        summary=ngettext("%(n)s invitation importée", "%(n)s invitations importées", len(invitations))
        % {"n": len(invitations)},
    )
    return invitations


# --- Sign-in through FranceConnect and ProConnect ----------------------------------------------------------


@transaction.atomic
def oidc_user_create(
    *,
    provider: str,
    subject: str,
    email: str,
    email_verified: bool,
    full_name: str = "",
    siret: str = "",
    idp_id: str = "",
    commune: Commune | None = None,
) -> User:
    """Create the account of a person who signs in for the first time through a provider, with no password
    (they sign in there), and its link to the provider's identity; a resident of the commune they came from.

    Not audited: a person's own sign-up, as `user_create`.
    """
    user = user_create(email=email, password=None, full_name=full_name, email_confirmed=email_verified)
    OidcIdentity.objects.create(
        user=user,
        provider=provider,
        subject=subject,
        siret=siret,
        idp_id=idp_id,
        last_login_at=timezone.now(),
    )
    if commune is not None:
        membership_set(commune=commune, user=user, role=Role.HABITANT)
    return user


@transaction.atomic
def oidc_identity_link(
    *,
    user: User,
    provider: str,
    subject: str,
    siret: str = "",
    idp_id: str = "",
    commune: Commune | None = None,
) -> OidcIdentity:
    """Link an existing account to a provider's identity, once its holder confirmed the account is theirs (its
    password). An account has one identity per provider: a new one replaces the previous. Audited under the
    account, with the provider's name only."""
    OidcIdentity.objects.filter(user=user, provider=provider).delete()
    identity = OidcIdentity.objects.create(
        user=user,
        provider=provider,
        subject=subject,
        siret=siret,
        idp_id=idp_id,
        last_login_at=timezone.now(),
    )
    audit_record(
        commune=commune,
        actor=user,
        action="account.link_provider",
        obj=identity,
        summary=identity.get_provider_display(),
    )
    return identity


@transaction.atomic
def oidc_identity_seen(*, provider: str, subject: str, siret: str = "", idp_id: str = "") -> None:
    """Note a sign-in through a linked identity (when, and ProConnect's organisation and identity provider).

    Not audited: a sign-in, not a change anyone made.
    """
    OidcIdentity.objects.filter(provider=provider, subject=subject).update(
        last_login_at=timezone.now(), siret=siret, idp_id=idp_id
    )


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


@transaction.atomic
def notification_settings_set(*, user: User, choices: dict[str, dict[str, bool]]) -> None:
    """Store how the account holder wants to hear of each kind of news (« Mon espace »); every sender reads it
    through `selectors.notification_wanted` / `notification_address(kind=…)`.

    Not audited: a person's own preference about their own mail, like their password; no agent sees it.
    """
    for kind, channels in choices.items():
        if kind not in NotificationKind.values:
            raise ValidationError(gettext("Sujet de notification inconnu."))
        NotificationSetting.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={"email": bool(channels.get("email")), "sms": bool(channels.get("sms"))},
        )
