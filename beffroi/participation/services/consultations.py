"""Consultations: the questionnaire, its audience and dates, online answers (once per person, secret when
anonymous), verification at the counter, paper questionnaires entered twice, and the commune's answer."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.accounts.models import NotificationKind, User
from beffroi.accounts.selectors import notification_addresses
from beffroi.core.abuse import rate_limit_check
from beffroi.core.annotations import Actor, account_of
from beffroi.core.guards import ensure_owned
from beffroi.core.links import commune_url
from beffroi.core.mail import send_commune_mail
from beffroi.core.models import Commune
from beffroi.core.personal_data import account_reference
from beffroi.core.services import audit_record
from beffroi.core.updates import model_update
from beffroi.participation import answers as answer_rules
from beffroi.participation import selectors
from beffroi.participation.models import (
    CHOICE_KINDS,
    AnswerSheet,
    Channel,
    Consultation,
    ConsultationVerification,
    Option,
    PaperEntry,
    Question,
    QuestionKind,
    Respondent,
)

CONSULTATION_FIELDS = ("title", "slug", "description", "opens_at", "closes_at", "audience", "anonymous")
COUNTER_CHECKS = ("identite", "domicile")
ANONYMOUS_ANSWERS_PER_HOUR = 30  # answers without an account from one address, per consultation


def _dates_check(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("La clôture doit venir après l'ouverture.")})


@transaction.atomic
def consultation_create(*, commune: Commune, actor: Actor, **fields: Any) -> Consultation:
    """A new consultation, unpublished (only the mairie sees it) until `consultation_publish`."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    unknown = set(fields) - set(CONSULTATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown consultation fields: {sorted(unknown)}")
    _dates_check(fields["opens_at"], fields["closes_at"])
    if Consultation.objects.filter(commune=commune, slug=fields["slug"]).exists():
        raise ValidationError({"slug": _("Une consultation de la commune porte déjà cet identifiant.")})
    consultation = Consultation(commune=commune, **fields)
    consultation.full_clean()
    consultation.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="consultation.create",
        obj=consultation,
        summary=consultation.title,
    )
    return consultation


def _has_answers(consultation: Consultation) -> bool:
    return consultation.respondents.exists() or consultation.paper_entries.exists()


@transaction.atomic
def consultation_update(
    *, commune: Commune, actor: Actor, consultation: Consultation, data: dict[str, Any]
) -> tuple[Consultation, list[str]]:
    """Change a consultation's settings; audience and anonymity are fixed once someone has answered."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(consultation, commune)
    _dates_check(data.get("opens_at", consultation.opens_at), data.get("closes_at", consultation.closes_at))
    if _has_answers(consultation):
        for name in ("audience", "anonymous"):
            if name in data and data[name] != getattr(consultation, name):
                raise ValidationError(
                    {name: _("Des personnes ont déjà répondu : ce réglage ne peut plus changer.")}
                )
    if (
        "slug" in data
        and data["slug"] != consultation.slug
        and (
            Consultation.objects.filter(commune=commune, slug=data["slug"])
            .exclude(pk=consultation.pk)
            .exists()
        )
    ):
        raise ValidationError({"slug": _("Une consultation de la commune porte déjà cet identifiant.")})
    return model_update(
        instance=consultation,
        data=data,
        allowed=CONSULTATION_FIELDS,
        commune=commune,
        actor=actor,
        action="consultation.update",
    )


@transaction.atomic
def consultation_publish(*, commune: Commune, actor: Actor, consultation: Consultation) -> Consultation:
    """Make the consultation public (it opens at its date); it needs at least one question."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(consultation, commune)
    questions = list(consultation.questions.prefetch_related("options"))
    if not questions:
        raise ValidationError(_("Ajoutez au moins une question avant de publier la consultation."))
    for q in questions:
        if q.has_options and len(q.options.all()) < 2:
            raise ValidationError(
                _("La question « %(label)s » propose moins de deux réponses.") % {"label": q.label}
            )
    consultation, _changed = model_update(
        instance=consultation,
        data={"published": True},
        allowed=("published",),
        commune=commune,
        actor=actor,
        action="consultation.publish",
    )
    return consultation


def _editable(consultation: Consultation) -> None:
    if _has_answers(consultation):
        raise ValidationError(
            _(
                "Des personnes ont déjà répondu : le questionnaire ne peut plus changer (les réponses en dépendent)."
            )
        )


@transaction.atomic
def question_add(
    *,
    commune: Commune,
    actor: Actor,
    consultation: Consultation,
    kind: str,
    label: str,
    help_text: str = "",
    required: bool = True,
    max_choices: int | None = None,
    options: Sequence[str] = (),
) -> Question:
    """Add a question at the end of the questionnaire, with its options (one label each) for a choice."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(consultation, commune)
    _editable(consultation)
    if kind not in QuestionKind.values:
        raise ValidationError({"kind": _("Type de question inconnu.")})
    labels = [o.strip() for o in options if o.strip()]
    if kind in CHOICE_KINDS and kind != QuestionKind.ILLUSTRATED and len(labels) < 2:
        raise ValidationError({"options": _("Proposez au moins deux réponses, une par ligne.")})
    if len(set(labels)) != len(labels):
        raise ValidationError({"options": _("Deux réponses proposées sont identiques.")})
    if kind not in CHOICE_KINDS and labels:
        raise ValidationError({"options": _("Ce type de question ne propose pas de réponses à choisir.")})
    position = (
        consultation.questions.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    question = Question.objects.create(
        consultation=consultation,
        position=position,
        kind=kind,
        label=label,
        help_text=help_text,
        required=required,
        max_choices=max_choices if kind == QuestionKind.MULTIPLE else None,
    )
    Option.objects.bulk_create(
        Option(question=question, position=i, label=text) for i, text in enumerate(labels, start=1)
    )
    audit_record(
        commune=commune,
        actor=actor,
        action="consultation.question.add",
        obj=consultation,
        summary=label[:200],
    )
    return question


@transaction.atomic
def option_add(
    *,
    commune: Commune,
    actor: Actor,
    question: Question,
    label: str,
    image: UploadedFile[bytes] | None = None,
    image_alt: str = "",
) -> Option:
    """Add an option to a choice question; an illustrated choice's option needs its image and its description."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(question.consultation, commune)
    _editable(question.consultation)
    if not question.has_options:
        raise ValidationError(_("Cette question ne propose pas de réponses à choisir."))
    if question.kind == QuestionKind.ILLUSTRATED and (image is None or not image_alt.strip()):
        raise ValidationError(
            {
                "image": _(
                    "Une option illustrée a besoin de son image et d'une description de ce qu'elle montre."
                )
            }
        )
    if question.options.filter(label=label).exists():
        raise ValidationError({"label": _("Cette réponse est déjà proposée.")})
    position = (question.options.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    option = Option(question=question, position=position, label=label, image_alt=image_alt.strip())
    if image is not None:
        option.image = image
    option.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="consultation.option.add",
        obj=question.consultation,
        summary=f"{question.label[:100]} : {label[:100]}",
    )
    return option


@transaction.atomic
def question_delete(*, commune: Commune, actor: Actor, question: Question) -> None:
    """Remove a question (and its options) while nobody has answered."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    consultation = question.consultation
    ensure_owned(consultation, commune)
    _editable(consultation)
    label = question.label
    question.delete()
    audit_record(
        commune=commune,
        actor=actor,
        action="consultation.question.delete",
        obj=consultation,
        summary=label[:200],
    )


def consultation_answer(
    *,
    commune: Commune,
    consultation: Consultation,
    person: User | None,
    answers: dict[str, Any],
    browser_key: str = "",
    client: str = "",
) -> Respondent:
    """Record one person's answers: once per person (an account) or per browser (audience « tout le monde »),
    between the dates, for the audience chosen; without an account, at most `ANONYMOUS_ANSWERS_PER_HOUR` answers
    an hour from one address (`core.abuse.rate_limit_check`: `RateLimited`).

    Anonymous consultation: the `Respondent` row (who) and the `AnswerSheet` (what) share nothing: the sheet's
    token is random and kept nowhere else, the sheet has no date. Not audited: the answers are secret; the
    `Respondent` row records that the person answered.
    """
    ensure_owned(consultation, commune)
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
        reason = selectors.answer_refusal(consultation=consultation, person=person, browser_key=browser_key)
        if reason:
            raise ValidationError(reason, code="refused")
        questions = selectors.question_list(consultation=consultation)
        errors = answer_rules.answer_errors(questions, answers)
        if errors:
            raise ValidationError({str(k): v for k, v in errors.items()})
        if (
            person is None
        ):  # without an account: a cap per sender's address (a library PC or a family may share one)
            rate_limit_check(
                commune=commune,
                scope="consultation",
                subject=client,
                submissions=Respondent.objects.filter(consultation=consultation, submitter_hash=client),
                limit=ANONYMOUS_ANSWERS_PER_HOUR,
                message=_(
                    "Beaucoup de réponses sont venues de cette connexion dans l'heure : réessayez plus tard, ou "
                    "remplissez un questionnaire papier à la mairie."
                ),
            )
        token = secrets.token_hex(32)
        try:
            with transaction.atomic():
                respondent = Respondent.objects.create(
                    consultation=consultation,
                    person=person,
                    browser_key="" if person is not None else browser_key,
                    submitter_hash=client if person is None else "",
                    sheet_token="" if consultation.anonymous else token,
                )
        except IntegrityError as exc:  # a second tab raced us
            raise ValidationError(_("Vous avez déjà répondu à cette consultation."), code="refused") from exc
        AnswerSheet.objects.create(
            consultation=consultation,
            token=token,
            channel=Channel.ONLINE,
            answers=answer_rules.normalised(questions, answers),
        )
    return respondent


@transaction.atomic
def respondent_verify_at_counter(
    *, commune: Commune, actor: Actor, consultation: Consultation, person: User, checks: Iterable[str]
) -> ConsultationVerification:
    """An agent saw the person's identity and home at the counter: they may answer a « vérifiés » consultation.

    The same check as the budget's voters (`budgeting.services.voter_verify_at_counter`): refused unless both
    were seen; what was seen goes into the audit log, under the account's opaque reference.
    """
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(consultation, commune)
    seen = set(checks) & set(COUNTER_CHECKS)
    if seen != set(COUNTER_CHECKS):
        raise ValidationError(
            _(
                "Vérifiez et cochez l'identité (pièce d'identité) et le domicile dans la commune (justificatif)."
            )
        )
    verification, created = ConsultationVerification.objects.get_or_create(
        consultation=consultation,
        person=person,
        defaults={
            "checks": sorted(seen),
            "verified_by": account_of(actor),
        },
    )
    if created:
        audit_record(
            commune=commune,
            actor=actor,
            action="consultation.respondent.verify",
            obj=consultation,
            summary=account_reference(person.pk),
            channel="guichet",
            data={"checks": sorted(seen)},
        )
    return verification


@transaction.atomic
def paper_entry_record(
    *, commune: Commune, actor: Actor, consultation: Consultation, paper_number: int, answers: dict[str, Any]
) -> PaperEntry:
    """One agent's entry of a numbered paper questionnaire; the same agent entering the number again corrects it.

    A paper questionnaire counts once two agents' entries agree (`selectors.paper_reconciliation`), as the
    budget's paper ballots do. Entries are taken until the consultation closes and for a week after (the
    questionnaires left in the mairie's box on the last day).
    """
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(consultation, commune)
    if consultation.opens_at > timezone.now():
        raise ValidationError(_("La consultation n'est pas encore ouverte."))
    if paper_number < 1:
        raise ValidationError({"paper_number": _("Le numéro du questionnaire commence à 1.")})
    questions = selectors.question_list(consultation=consultation)
    errors = answer_rules.answer_errors(questions, answers)
    if errors:
        raise ValidationError({str(k): v for k, v in errors.items()})
    entry, _created = PaperEntry.objects.update_or_create(
        consultation=consultation,
        paper_number=paper_number,
        entered_by=account_of(actor),
        defaults={"answers": answer_rules.normalised(questions, answers)},
    )
    audit_record(
        commune=commune,
        actor=actor,
        action="consultation.paper.enter",
        obj=consultation,
        summary=f"questionnaire n° {paper_number}",
    )
    return entry


@transaction.atomic
def paper_entry_adopt(
    *, commune: Commune, actor: Actor, consultation: Consultation, entry_id: int
) -> PaperEntry:
    """Reconciliation: the agent, paper in hand, finds another agent's entry right and makes it theirs too.

    The agent's own entry of that number takes the adopted one's answers (recorded, audited), so both agree.
    """
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(consultation, commune)
    chosen = PaperEntry.objects.filter(consultation=consultation, pk=entry_id).first()
    if chosen is None:
        raise ValidationError(_("Cette saisie n'existe pas ou plus."))
    if actor is not None and chosen.entered_by_id == actor.pk:
        raise ValidationError(
            _("C'est votre propre saisie : pour la corriger, ressaisissez ce numéro de questionnaire.")
        )
    entry, _created = PaperEntry.objects.update_or_create(
        consultation=consultation,
        paper_number=chosen.paper_number,
        entered_by=account_of(actor),
        defaults={"answers": chosen.answers},
    )
    audit_record(
        commune=commune,
        actor=actor,
        action="consultation.paper.reconcile",
        obj=consultation,
        summary=f"questionnaire n° {chosen.paper_number}",
        data={"adopted_entry": chosen.pk},
    )
    return entry


@transaction.atomic
def consultation_decide(
    *, commune: Commune, actor: Actor, consultation: Consultation, decision: str
) -> Consultation:
    """Publish (or correct) the commune's answer: what was decided after the consultation, and why."""
    require_capability(commune=commune, actor=actor, capability="answer_participation")
    ensure_owned(consultation, commune)
    if not consultation.results_published:
        raise ValidationError(_("La réponse de la commune se publie une fois la consultation close."))
    if not decision.strip():
        raise ValidationError({"decision": _("Écrivez ce que la commune a décidé, et pourquoi.")})
    # read from the row, not the caller's copy: a corrected answer is not mailed again
    first_answer = not Consultation.objects.filter(
        pk=consultation.pk, decision_published_at__isnull=False
    ).exists()
    consultation, _changed = model_update(
        instance=consultation,
        data={
            "decision": decision.strip(),
            "decision_published_at": consultation.decision_published_at or timezone.now(),
        },
        allowed=("decision", "decision_published_at"),
        commune=commune,
        actor=actor,
        action="consultation.decide",
    )
    if first_answer:
        _tell_respondents(consultation)
    return consultation


def _tell_respondents(consultation: Consultation) -> None:
    """Mail the commune's answer to each person who took part from an account, once, when it is first
    published; not to those who turned participation news off in « Mon espace »."""
    fields = {
        "title": consultation.title,
        "decision": consultation.decision,
        "link": commune_url(
            consultation.commune, "participation:results", kwargs={"slug": consultation.slug}
        ),
        "commune": consultation.commune.name,
    }
    subject = _("Consultation « %(title)s » : la réponse de la commune") % fields
    body = (
        _(
            "Bonjour,\n\nVous avez participé à la consultation « %(title)s ». La commune publie ses résultats et "
            "ce qu'elle a décidé :\n\n%(decision)s\n\nLes résultats et la réponse : %(link)s\n\n"
            "Mairie de %(commune)s\n"
        )
        % fields
    )
    people = User.objects.filter(
        pk__in=Respondent.objects.filter(consultation=consultation, person__isnull=False).values("person_id")
    )
    for address in notification_addresses(users=people, kind=NotificationKind.PARTICIPATION):
        send_commune_mail(commune=consultation.commune, to=[address], subject=subject, body=body)
