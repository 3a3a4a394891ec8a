"""The account's share of a person's data: the account itself, its memberships, what the audit log says the
person did, and the platform's own traces of them (login attempts, queued mails, sessions, admin history),
which erasure removes."""

import json
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from beffroi.accounts.models import Invitation, Membership, OidcIdentity, Role, User
from beffroi.core import personal_data
from beffroi.core.models import AuditEntry
from beffroi.core.personal_data import account_reference


def export(*, user: User) -> dict[str, Any]:
    """The account, the person's roles, and the actions the audit log credits them with."""
    return {
        "adresse_electronique": user.email,
        "adresse_confirmee_le": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None,
        "nom": user.full_name,
        "telephone": user.phone,
        "inscrit_le": user.date_joined.isoformat(),
        "derniere_connexion": user.last_login.isoformat() if user.last_login else None,
        "communes": [
            {
                "commune": m.commune.slug,
                "nom_de_la_commune": m.commune.name,
                "role": m.role,
                "role_libelle": str(Role(m.role).label),
                "depuis": m.created_at.isoformat(),
            }
            for m in Membership.objects.filter(user=user).select_related("commune").order_by("created_at")
        ],
        "identites_de_connexion": [
            {
                "fournisseur": i.provider,
                "fournisseur_libelle": i.get_provider_display(),
                "identifiant": i.subject,
                "siret": i.siret,
                "fournisseur_d_identite": i.idp_id,
                "liee_le": i.created_at.isoformat(),
                "derniere_connexion": i.last_login_at.isoformat() if i.last_login_at else None,
            }
            for i in OidcIdentity.objects.filter(user=user).order_by("provider")
        ],
        "actions_enregistrees": [
            {
                "date": e.created_at.isoformat(),
                "commune": e.commune.slug if e.commune else None,
                "action": e.action,
                "resume": e.summary,
            }
            for e in AuditEntry.objects.filter(actor_id=user.pk)
            .select_related("commune")
            .order_by("created_at")
        ],
    }


def _address_variants(email: str) -> set[str]:
    # As typed (a login attempt keeps what was typed) and as JSON writes it inside a queued mail's arguments.
    return {email, json.dumps(email)[1:-1]}


def erase(*, user: User) -> None:
    """Remove every trace of the address the platform itself keeps: failed and successful login records
    (django-axes), queued or finished mails and other background tasks naming it, invitations sent to it, the
    person's open sessions;
    the Django admin's history of changes to this account keeps the change, under the account's number."""
    email = user.email
    # Invitations sent to the address: the pending ones die with the account, the accepted ones are history.
    Invitation.objects.filter(email__iexact=email).delete()
    variants = _address_variants(email)
    by_username = Q()
    for variant in variants:
        by_username |= Q(username__icontains=variant)
    AccessAttempt.objects.filter(
        by_username | Q(get_data__icontains=email) | Q(post_data__icontains=email)
    ).delete()
    AccessLog.objects.filter(by_username).delete()
    AccessFailureLog.objects.filter(by_username).delete()

    in_tasks = Q()
    for variant in variants:
        in_tasks |= (
            Q(args_kwargs__icontains=variant)
            | Q(return_value__icontains=variant)
            | Q(traceback__icontains=variant)
            | Q(exception_class_path__icontains=variant)
        )
    DBTaskResult.objects.filter(in_tasks).delete()

    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()

    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.filter(
        Q(content_type=user_type, object_id=str(user.pk)) | Q(object_repr__icontains=email)
    ).update(object_repr=account_reference(user.pk))


personal_data.register("compte", exporter=export, eraser=erase)
