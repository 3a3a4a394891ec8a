"""Writes on dossiers, the instruction: taken in hand, pieces requested and received, assignment, private
annotations, messages to the applicant, the decision and its letter, and the daily reminder of deadlines. Every
action is audited; the applicant is told by e-mail after the commit."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.selectors import notification_address, user_can
from beffroi.core import dates
from beffroi.core.annotations import Actor, account_of
from beffroi.core.guards import NotOwned, ensure_owned
from beffroi.core.links import commune_url
from beffroi.core.mail import send_commune_mail
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.procedures import letters, schema, selectors
from beffroi.procedures.fields import (
    display_value,
)
from beffroi.procedures.messages import france_communes
from beffroi.procedures.models import (
    DecisionTemplate,
    Dossier,
    DossierEvent,
    DossierMessage,
    DossierPause,
    Regime,
)

if TYPE_CHECKING:
    from beffroi.accounts.models import User
    from beffroi.territory.models import Team

from beffroi.procedures.services.dossiers import (
    DossierError,
    LetterError,
    applicant_notify,
    deadline_refresh,
    event_record,
    message_record,
    require_instructor,
)


def _locked(dossier: Dossier, actor: Actor) -> Dossier:
    require_instructor(actor, dossier.commune)
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("version", "demarche", "commune")
        .get(pk=dossier.pk)
    )
    if locked.state == Dossier.State.DRAFT:
        raise DossierError({"": _("Un brouillon n'est pas encore déposé : il ne peut pas être instruit.")})
    return locked


def _refuse_decided(dossier: Dossier) -> None:
    if dossier.is_decided:
        raise DossierError({"": _("Ce dossier a déjà reçu sa décision.")})


@transaction.atomic
def dossier_take(*, dossier: Dossier, actor: Actor) -> Dossier:
    """Take a filed dossier in hand (déposé → en instruction); the applicant is told."""
    locked = _locked(dossier, actor)
    if locked.state != Dossier.State.FILED:
        return locked
    locked.state = Dossier.State.INSTRUCTION
    if locked.assignee_id is None and account_of(actor) is not None:
        locked.assignee = account_of(actor)
    locked.save(update_fields=["state", "assignee", "updated_at"])
    event_record(
        locked, DossierEvent.Kind.STATE, actor=actor, public=True, body=str(Dossier.State.INSTRUCTION.label)
    )
    audit_record(
        commune=locked.commune,
        actor=actor,
        action="procedures.dossier.take",
        obj=locked,
        summary=locked.display_code,
    )
    applicant_notify(
        locked,
        _("Dossier %(code)s en instruction") % {"code": locked.display_code},
        _("Votre dossier %(code)s est en cours d'instruction.") % {"code": locked.display_code},
        required=False,
    )
    return locked


def implicit_decision_born(dossier: Dossier, *, today: date) -> str:
    """Why pieces can no longer be asked for, '' while they can: the implicit decision's date has passed, the
    decision is born and a late request would not stop the period (CRPA L114-5 acts on a running period;
    `deadlines.implicit_decision_date` ignores such a pause). The date itself is still within the period.

    Not audited: a read."""
    if dossier.deadline is None or dossier.deadline >= today or not dossier.is_open:
        return ""
    when = {"date": dates.long_date(dossier.deadline)}
    if dossier.version.regime == Regime.ACCEPTANCE:
        return (
            _(
                "La demande est réputée acceptée depuis le %(date)s (décision implicite d'acceptation, CRPA "
                "L231-1) : il n'est plus possible de demander des pièces. Il reste à prendre une décision expresse ; "
                "un refus retirerait cette acceptation, ce qui n'est possible que si elle est illégale et dans les "
                "quatre mois (CRPA L242-1)."
            )
            % when
        )
    return (
        _(
            "La demande est réputée rejetée depuis le %(date)s (décision implicite de rejet, CRPA L231-4) : il "
            "n'est plus possible de demander des pièces. Il reste à prendre une décision expresse."
        )
        % when
    )


@transaction.atomic
def dossier_request_pieces(*, dossier: Dossier, actor: Actor, pieces: str) -> Dossier:
    """Dossier incomplet: name the missing pieces; the implicit-decision period stops until they arrive
    (CRPA L114-5) and the applicant is asked by e-mail and on the tracking page."""
    locked = _locked(dossier, actor)
    _refuse_decided(locked)
    pieces = (pieces or "").strip()
    if not pieces:
        raise DossierError({"pieces": _("Indiquez les pièces ou informations manquantes.")})
    if locked.state == Dossier.State.INCOMPLETE:
        raise DossierError(
            {"pieces": _("Des pièces sont déjà demandées : attendez la réponse du demandeur.")}
        )
    born = implicit_decision_born(locked, today=timezone.localdate())
    if born:
        raise DossierError({"pieces": born})
    DossierPause.objects.create(dossier=locked, started_on=timezone.localdate(), pieces=pieces[:4000])
    locked.state = Dossier.State.INCOMPLETE
    deadline_refresh(locked)
    locked.save(update_fields=["state", "deadline", "updated_at"])
    event_record(locked, DossierEvent.Kind.PIECES, actor=actor, public=True, body=pieces)
    DossierMessage.objects.create(dossier=locked, author=account_of(actor), body=pieces)
    audit_record(
        commune=locked.commune,
        actor=actor,
        action="procedures.dossier.request_pieces",
        obj=locked,
        summary=locked.display_code,
    )
    applicant_notify(
        locked,
        _("Dossier %(code)s : pièces demandées") % {"code": locked.display_code},
        _(
            "Votre dossier %(code)s est incomplet. Pièces ou informations demandées :\n\n%(pieces)s\n\n"
            "Le délai d'instruction ne court qu'à partir de leur réception : il repart alors pour sa durée "
            "entière (article L114-5 du code des relations entre le public et l'administration). Répondez depuis "
            "la page de suivi."
        )
        % {"code": locked.display_code, "pieces": pieces},
    )
    return locked


@transaction.atomic
def dossier_assign(
    *, dossier: Dossier, actor: Actor, team: Team | None = None, assignee: User | None = None
) -> Dossier:
    """Give a dossier to a service and/or an agent of its commune (another commune's is refused in French)."""
    locked = _locked(dossier, actor)
    try:
        ensure_owned(team, locked.commune)
    except NotOwned:
        raise DossierError({"team": _("Ce service n'existe pas dans la commune.")}) from None
    if assignee is not None and not user_can(
        commune=locked.commune, user=assignee, capability="instruct_dossiers"
    ):
        raise DossierError({"assignee": _("Cette personne n'est pas un agent de la commune.")})
    locked.team, locked.assignee = team, assignee
    locked.save(update_fields=["team", "assignee", "updated_at"])
    names = ", ".join(
        n
        for n in (team.name if team else "", assignee.get_full_name() or assignee.email if assignee else "")
        if n
    )
    event_record(locked, DossierEvent.Kind.ASSIGN, actor=actor, body=names)
    audit_record(
        commune=locked.commune,
        actor=actor,
        action="procedures.dossier.assign",
        obj=locked,
        summary=f"{locked.display_code} → {names or '—'}",
    )
    return locked


@transaction.atomic
def dossier_annotate(*, dossier: Dossier, actor: Actor, body: str) -> DossierEvent:
    """A private annotation, read by the agents only."""
    locked = _locked(dossier, actor)
    body = (body or "").strip()
    if not body:
        raise DossierError({"note": _("L'annotation est vide.")})
    event = DossierEvent.objects.create(
        dossier=locked, kind=DossierEvent.Kind.NOTE, body=body[:4000], author=account_of(actor)
    )
    audit_record(
        commune=locked.commune,
        actor=actor,
        action="procedures.dossier.annotate",
        obj=locked,
        summary=locked.display_code,
    )
    return event


@transaction.atomic
def message_send(
    *, dossier: Dossier, actor: Actor, body: str, attachment: UploadedFile | None = None
) -> DossierMessage:
    """The mairie writes to the applicant (with a file); the applicant is told by e-mail."""
    locked = _locked(dossier, actor)
    message = message_record(
        locked, body=body, attachment=attachment, from_applicant=False, author=account_of(actor)
    )
    audit_record(
        commune=locked.commune,
        actor=actor,
        action="procedures.message.send",
        obj=locked,
        summary=locked.display_code,
    )
    applicant_notify(
        locked,
        _("Dossier %(code)s : nouveau message") % {"code": locked.display_code},
        _("La mairie vous a écrit au sujet de votre dossier %(code)s :\n\n%(body)s")
        % {"code": locked.display_code, "body": message.body},
        required=False,
    )
    return message


def letter_values(
    dossier: Dossier, *, signatory: str = "", decided_on: date | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """The placeholders of a decision letter for this dossier, and its answers as read; an explanation of the
    form reads as its text (« {{ champ.caution_info }} »: the deposit as the commune states it in the form, so
    that a letter repeats the conditions the applicant was shown).

    Not audited: a read."""
    values = {
        "demandeur": dossier.applicant_name,
        "code": dossier.display_code,
        "demarche": dossier.demarche.title,
        "date_depot": dates.long_date(dossier.received_on) if dossier.received_on else "",
        "date_decision": dates.long_date(decided_on or timezone.localdate()),
        "commune": dossier.commune.name,
        "signataire": signatory,
    }
    fields = schema.field_map(dossier.version.schema)
    places = selectors.place_names(commune=dossier.commune, forms=[dossier.version.schema])
    communes = france_communes() or {}
    answers = {
        key: display_value(fields[key], value, places=places, communes=communes, coordinates=False)
        for key, value in dossier.answers.items()
        if key in fields and fields[key]["type"] != "repeat"
    }
    for _section, items in schema.visible_fields(dossier.version.schema, dossier.answers):
        for item in items:
            if item["type"] == "explanation" and str(item.get("text") or "").strip():
                answers.setdefault(item["key"], " ".join(str(item["text"]).split()))
    return values, answers


def letter_prefill(*, dossier: Dossier, template: DecisionTemplate, signatory: str = "") -> tuple[str, str]:
    """A template's letter filled with the dossier, and its signatory (the one given, else the template's):
    what the decision form shows for the agent to read and complete before deciding.

    Not audited: a read."""
    ensure_owned(template, dossier.commune)
    signatory = " ".join((signatory or template.signatory).split())
    values, answers = letter_values(dossier, signatory=signatory)
    return letters.render(template.body, values, answers), signatory


def letter_errors(*, text: str, signatory: str) -> dict[str, str]:
    """What stops a decision letter from going, by field (empty: nothing): a passage of its template left to
    write, a signatory without quality and name.

    Not audited: a read."""
    errors: dict[str, str] = {}
    left = letters.unfilled(text)
    if left:
        errors["text"] = _(
            "La lettre contient encore %(left)s, à remplacer par le texte propre à ce dossier avant de "
            "l'envoyer."
        ) % {"left": ", ".join(f"« {part} »" for part in left)}
    quality, _comma, name = signatory.partition(",")
    if not quality.strip() or not name.strip():
        errors["signatory"] = _(
            "Indiquez le signataire de la décision, sa qualité puis son prénom et son nom séparés par une "
            "virgule (par exemple « Le maire, Jeanne Dupont »)."
        )
    return errors


@transaction.atomic
def dossier_decide(
    *,
    dossier: Dossier,
    actor: Actor,
    outcome: str,
    text: str = "",
    template: DecisionTemplate | None = None,
    signatory: str = "",
) -> Dossier:
    """Decide: accepted, refused or classé sans suite, with the decision letter (from a template's text with
    the dossier's fields, or typed); the applicant is told and can print the letter as PDF.

    The letter names its signatory, quality and name (CRPA L212-1: « Le maire, Jeanne Dupont »), and holds no
    passage of its template left to write (« [motif] »: a refusal states its grounds, CRPA L211-2); otherwise
    `LetterError` (by field, with the letter as far as it is written, for the agent to complete)."""
    locked = _locked(dossier, actor)
    _refuse_decided(locked)
    if outcome not in Dossier.DECIDED_STATES:
        raise DossierError(
            {"outcome": _("Choisissez la décision : acceptée, refusée ou classée sans suite.")}
        )
    ensure_owned(template, locked.commune)
    signatory = " ".join((signatory or (template.signatory if template else "")).split())
    if not text.strip() and template is not None:
        text, signatory = letter_prefill(dossier=locked, template=template, signatory=signatory)
    if not text.strip():
        raise DossierError({"text": _("Rédigez la lettre de décision ou choisissez un modèle.")})
    errors = letter_errors(text=text, signatory=signatory)
    if errors:
        raise LetterError(errors, letter=text.strip())
    open_pause = locked.pauses.filter(ended_on__isnull=True).first()
    if open_pause is not None:
        open_pause.ended_on = timezone.localdate()
        open_pause.save(update_fields=["ended_on"])
    locked.state = outcome
    locked.decided_at = timezone.now()
    locked.decision_text = text.strip()
    locked.decision_signatory = signatory[:200]
    locked.save(update_fields=["state", "decided_at", "decision_text", "decision_signatory", "updated_at"])
    label = str(Dossier.State(outcome).label)
    event_record(locked, DossierEvent.Kind.DECISION, actor=actor, public=True, body=label)
    audit_record(
        commune=locked.commune,
        actor=actor,
        action="procedures.dossier.decide",
        obj=locked,
        summary=f"{locked.display_code} : {label}",
    )
    # The letter itself in the mail (what is decided: a booking's room, day, hours, deposit and conditions), not
    # only a link to it; the PDF stays on the tracking page.
    letter = "\n\n".join(part for part in (locked.decision_text, locked.decision_signatory) if part)
    applicant_notify(
        locked,
        _("Dossier %(code)s : décision") % {"code": locked.display_code},
        _(
            "Une décision a été prise sur votre dossier %(code)s : %(decision)s. Voici la lettre de décision ; "
            "elle est aussi consultable et imprimable en PDF depuis la page de suivi."
        )
        % {"code": locked.display_code, "decision": locked.decision_label}
        + "\n\n"
        + letter,
    )
    return locked


def reminders_send(*, commune: Commune, today: date, within_days: int = 7) -> int:
    """Remind the agents of each open dossier whose implicit decision is due within `within_days` days, once a
    day (`beffroi procedures_reminders`); returns how many dossiers were named. Safe to run twice a day.

    Audited: one entry per commune and run, by the platform."""
    from beffroi.accounts.selectors import member_list

    horizon = date.fromordinal(today.toordinal() + within_days)
    with transaction.atomic():
        due = list(
            Dossier.objects.select_for_update(of=("self",))
            .filter(
                commune=commune, state__in=Dossier.OPEN_STATES, deadline__gte=today, deadline__lte=horizon
            )
            .exclude(reminded_on=today)
            .select_related("demarche", "assignee", "team")
            .order_by("deadline")
        )
        if not due:
            return 0
        recipients: dict[str, list[Dossier]] = {}
        everyone = list(member_list(commune=commune, capability="instruct_dossiers", active_only=True))
        for dossier in due:
            targets = [dossier.assignee] if dossier.assignee is not None else everyone
            for user in targets:
                address = notification_address(user)
                if address:
                    recipients.setdefault(address, []).append(dossier)
            dossier.reminded_on = today
            DossierEvent.objects.create(
                dossier=dossier,
                kind=DossierEvent.Kind.REMINDER,
                body=dates.long_date(dossier.deadline) if dossier.deadline else "",
            )
        Dossier.objects.bulk_update(due, ["reminded_on"])
        audit_record(
            commune=commune, actor=None, action="procedures.reminders", summary=f"{len(due)} dossier(s)"
        )
        for address, dossiers in recipients.items():
            lines = [
                f"- {d.display_code} « {d.demarche.title} » : "
                + (
                    _("décision implicite le %(date)s") % {"date": dates.long_date(d.deadline)}
                    if d.deadline
                    else ""
                )
                + f"\n  {commune_url(commune, 'procedures:agent_dossier', kwargs={'pk': d.pk})}"
                for d in dossiers
            ]
            body = "\n\n".join(
                [
                    _("Bonjour,"),
                    _(
                        "Ces dossiers arrivent à leur date de décision implicite : sans décision expresse d'ici là, "
                        "la demande sera réputée acceptée ou rejetée selon la démarche."
                    ),
                    "\n".join(lines),
                    _("Mairie de %(name)s") % {"name": commune.name},
                ]
            )
            subject = _("%(n)s dossier(s) à décider bientôt — %(commune)s") % {
                "n": len(dossiers),
                "commune": commune.name,
            }
            send_commune_mail(commune=commune, to=[address], subject=subject, body=body)
    return len(due)
