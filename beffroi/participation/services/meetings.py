"""Public meetings: announced with their place and agenda, registrations within the cap (with or without an
account, each cancelled by the private link of its mail), then the minutes and documents."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.core.annotations import Actor
from beffroi.core.guards import ensure_owned
from beffroi.core.links import commune_url
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.core.updates import model_update
from beffroi.participation import selectors
from beffroi.participation.models import Meeting, MeetingDocument, Registration

if TYPE_CHECKING:
    from beffroi.accounts.models import User

MEETING_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "place_name",
    "address",
    "latitude",
    "longitude",
    "agenda",
    "capacity",
    "consultation",
    "proposal",
)


def _links_check(commune: Commune, data: dict[str, Any]) -> None:
    for name in ("consultation", "proposal"):
        if data.get(name) is not None:
            ensure_owned(data[name], commune)
    if data.get("ends_at") and data.get("starts_at") and data["ends_at"] <= data["starts_at"]:
        raise ValidationError({"ends_at": _("La fin doit venir après le début.")})
    if (data.get("latitude") is None) != (data.get("longitude") is None):
        raise ValidationError({"latitude": _("Donnez la latitude et la longitude, ou aucune des deux.")})


@transaction.atomic
def meeting_create(*, commune: Commune, actor: Actor, **data: Any) -> Meeting:
    """Announce a public meeting."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    unknown = set(data) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    _links_check(commune, data)
    meeting = Meeting(commune=commune, **data)
    meeting.full_clean()
    meeting.save()
    audit_record(commune=commune, actor=actor, action="meeting.create", obj=meeting, summary=meeting.title)
    return meeting


@transaction.atomic
def meeting_update(*, commune: Commune, actor: Actor, meeting: Meeting, data: dict[str, Any]) -> Meeting:
    """Change a meeting's announcement; the cap never drops below the seats already booked."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(meeting, commune)
    merged = {name: getattr(meeting, name) for name in MEETING_FIELDS} | data
    _links_check(commune, merged)
    if (
        "capacity" in data
        and data["capacity"] is not None
        and data["capacity"] < selectors.seats_taken(meeting=meeting)
    ):
        raise ValidationError(
            {
                "capacity": _(
                    "Plus de places sont déjà réservées : le nombre de places ne peut pas descendre sous ce chiffre."
                )
            }
        )
    meeting, _changed = model_update(
        instance=meeting,
        data=data,
        allowed=MEETING_FIELDS,
        commune=commune,
        actor=actor,
        action="meeting.update",
    )
    return meeting


def _mail_registration(commune: Commune, registration: Registration, token: str) -> None:
    from beffroi.core.tasks import send_email

    meeting = registration.meeting
    link = commune_url(commune, "participation:registration_cancel", kwargs={"token": token})
    when = timezone.localtime(meeting.starts_at).strftime("%d/%m/%Y à %H:%M")
    body = _(
        "Bonjour %(name)s,\n\nVotre inscription à la réunion publique « %(title)s » est enregistrée "
        "(%(seats)d place(s)).\nQuand : le %(when)s\nOù : %(place)s %(address)s\n\n"
        "Si vous ne pouvez pas venir, libérez votre place par ce lien personnel (ne le transmettez pas) :\n"
        "%(link)s\n\nLa mairie de %(commune)s"
    ) % {
        "name": registration.name,
        "title": meeting.title,
        "seats": registration.seats,
        "when": when,
        "place": meeting.place_name,
        "address": meeting.address,
        "link": link,
        "commune": commune.name,
    }
    subject = _("Inscription : %(title)s") % {"title": meeting.title}
    email = registration.email
    transaction.on_commit(lambda: send_email.enqueue(to=[email], subject=subject, body=body))


@transaction.atomic
def registration_create(
    *, commune: Commune, meeting: Meeting, name: str, email: str, seats: int = 1, person: User | None = None
) -> Registration:
    """Book places at a meeting, within its cap; the mail carries the private cancellation link.

    Not audited: a resident's own booking, recorded by the row (agents see the list).
    """
    ensure_owned(meeting, commune)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("La réunion a commencé : les inscriptions sont closes."))
    if not 1 <= seats <= 5:
        raise ValidationError({"seats": _("De 1 à 5 places par inscription.")})
    email = email.strip().lower()
    if Registration.objects.filter(meeting=meeting, email__iexact=email, cancelled_at__isnull=True).exists():
        raise ValidationError(
            {"email": _("Cette adresse est déjà inscrite : le courriel reçu permet d'annuler l'inscription.")}
        )
    if meeting.capacity is not None:
        left = meeting.capacity - selectors.seats_taken(meeting=meeting)
        if seats > left:
            raise ValidationError(
                _("La réunion est complète.")
                if left <= 0
                else _("Il ne reste que %(left)d place(s).") % {"left": left}
            )
    token = secrets.token_urlsafe(32)
    registration = Registration.objects.create(
        meeting=meeting,
        person=person,
        name=name.strip(),
        email=email,
        seats=seats,
        cancel_token_hash=selectors.token_hash(token),
    )
    _mail_registration(commune, registration, token)
    return registration


@transaction.atomic
def registration_cancel(*, commune: Commune, token: str) -> Registration:
    """Cancel by the private link: the place goes back to others. Not audited: the person's own act."""
    registration = selectors.registration_by_token(commune=commune, token=token)
    if registration is None:
        raise ValidationError(_("Ce lien d'annulation n'est pas valable."))
    if registration.cancelled_at is None:
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["cancelled_at"])
    return registration


@transaction.atomic
def meeting_minutes_publish(*, commune: Commune, actor: Actor, meeting: Meeting, minutes: str) -> Meeting:
    """Publish (or correct) the minutes once the meeting has taken place."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(meeting, commune)
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("Le compte rendu se publie après la réunion."))
    if not minutes.strip():
        raise ValidationError({"minutes": _("Écrivez le compte rendu.")})
    meeting, _changed = model_update(
        instance=meeting,
        data={
            "minutes": minutes.strip(),
            "minutes_published_at": meeting.minutes_published_at or timezone.now(),
        },
        allowed=("minutes", "minutes_published_at"),
        commune=commune,
        actor=actor,
        action="meeting.minutes",
    )
    return meeting


@transaction.atomic
def meeting_document_add(
    *, commune: Commune, actor: Actor, meeting: Meeting, title: str, file: UploadedFile[bytes]
) -> MeetingDocument:
    """Attach a document (slides, plan, attendance sheet without names) to the meeting."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(meeting, commune)
    if not title.strip():
        raise ValidationError({"title": _("Donnez un titre au document.")})
    document = MeetingDocument(meeting=meeting, title=title.strip())
    document.file = file
    document.save()
    audit_record(
        commune=commune, actor=actor, action="meeting.document.add", obj=meeting, summary=title[:200]
    )
    return document
