"""Writes of the Signalements module. Every agent action leaves an audit entry; residents are notified of
state changes and public replies by email and text message (queued after the commit)."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from beffroi.accounts.guards import require_capability
from beffroi.accounts.models import NotificationKind
from beffroi.accounts.selectors import notification_address, notification_wanted, user_can
from beffroi.core import abuse, dates, geo
from beffroi.core.annotations import Actor, JSONObject, account_of
from beffroi.core.codes import new_code
from beffroi.core.guards import NotOwned, ensure_owned
from beffroi.core.images import PhotoError, ProcessedPhoto, process_photo
from beffroi.core.links import commune_path, commune_url
from beffroi.core.mail import send_commune_mail
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.core.text import code_from_label
from beffroi.reports.models import (
    QUESTION_TYPES,
    Category,
    ReplyTemplate,
    Report,
    ReportEvent,
    ReportPhoto,
    State,
)
from beffroi.reports.presets import DEFAULT_STATES, PRESET_CATEGORIES, PRESET_REPLY_TEMPLATES
from beffroi.reports.questions import AnswerError, clean_answers, questions_answered
from beffroi.territory import selectors as territory_selectors

if TYPE_CHECKING:
    from beffroi.accounts.models import User
    from beffroi.territory.models import Place, Team
    from beffroi.territory.presets import Preset

MAX_PHOTOS = 3


class ReportInputError(ValueError):
    """Input refused; `field` says which one, `message` is French for the person (or the Open311 client)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


PHOTO_MESSAGES = {
    "too_big": "La photo dépasse 8 Mo : choisissez une image plus légère.",
    "too_many_pixels": "La photo compte trop de pixels (plus de 40 millions) : réduisez sa définition, "
    "ou envoyez une capture d'écran de la photo.",
    "bad_type": "Ce fichier n'est pas une photo lisible (formats acceptés : JPEG, PNG, WebP, GIF).",
}
ANSWER_MESSAGES = {
    "required": "Répondez à la question « {label} ».",
    "choice": "La réponse à « {label} » ne fait pas partie des choix proposés.",
    "number": "La réponse à « {label} » doit être un nombre.",
    "datetime": "La réponse à « {label} » doit être une date (AAAA-MM-JJ).",
}


def _require(actor: Actor, commune: Commune, capability: str = "handle_requests") -> None:
    require_capability(
        commune=commune,
        actor=actor,
        capability=capability,
        message=_("Votre rôle ne permet pas de traiter les signalements."),
    )


def _coordinate(value: Decimal | float | None) -> Decimal | None:
    """A latitude or longitude as stored: six decimals (about 10 cm)."""
    return Decimal(str(value)).quantize(Decimal("0.000001")) if value is not None else None


@transaction.atomic
def states_ensure(*, commune: Commune) -> list[State]:
    """Create the default state table of a commune if it has none (idempotent).

    Not audited: the platform's defaults, written once when the module starts; later edits are audited.
    """
    if not State.objects.filter(commune=commune).exists():
        for order, (code, label, kind, initial) in enumerate(DEFAULT_STATES, start=1):
            State.objects.create(
                commune=commune, code=code, label=label, kind=kind, order=order * 10, is_initial=initial
            )
    return list(State.objects.filter(commune=commune))


def _initial_state(commune: Commune) -> State:
    state = State.objects.filter(commune=commune, is_initial=True).first()
    if state is None:
        states_ensure(commune=commune)
        state = State.objects.get(commune=commune, is_initial=True)
    return state


@transaction.atomic
def category_create(
    *,
    commune: Commune,
    code: str,
    name: str,
    team: Team | None = None,
    description: str = "",
    questions: list[JSONObject] | None = None,
    group: str = "",
    keywords: str = "",
    service_type: str = "realtime",
    order: int = 0,
    actor: Actor,
) -> Category:
    """Create a category of the commune (administrators; `actor=None` for the platform's demo loader)."""
    _require_admin(actor, commune)
    ensure_owned(team, commune)
    for question in questions or []:
        if question.get("type", "string") not in QUESTION_TYPES:
            raise ReportInputError(
                "questions", _("Type de question inconnu : %(t)s.") % {"t": question.get("type")}
            )
    category = Category(
        commune=commune,
        code=code,
        name=name,
        team=team,
        description=description,
        questions=questions or [],
        group=group,
        keywords=keywords,
        service_type=service_type,
        order=order,
    )
    category.full_clean()
    category.save()
    audit_record(commune=commune, actor=actor, action="report.category.create", obj=category, summary=name)
    return category


@transaction.atomic
def commune_preset_apply(commune: Commune, preset: Preset, actor: Actor) -> None:
    """Signalements' part of a commune preset (territory.presets): the default states, the preset's categories
    routed to its teams, and the reply templates; only what the commune does not have yet (by code, by title).

    Audited through category_create and reply_template_create; the states are the platform's defaults.
    """
    states_ensure(commune=commune)
    teams = {team.slug: team for team in territory_selectors.team_list(commune=commune)}
    have = set(Category.objects.filter(commune=commune).values_list("code", flat=True))
    for order, (code, name, description, team_slug, questions) in enumerate(
        PRESET_CATEGORIES.get(preset.code, []), start=1
    ):
        if code not in have:
            category_create(
                commune=commune,
                code=code,
                name=name,
                description=description,
                team=teams.get(team_slug),
                questions=questions,
                order=order * 10,
                actor=actor,
            )
    titles = set(ReplyTemplate.objects.filter(commune=commune).values_list("title", flat=True))
    for title, body in PRESET_REPLY_TEMPLATES:
        if title not in titles:
            reply_template_create(commune=commune, title=title, body=body, actor=actor)


@transaction.atomic
def reply_template_create(*, commune: Commune, title: str, body: str, actor: Actor) -> ReplyTemplate:
    """Create a reply template (administrators; `actor=None` for the platform's demo loader)."""
    _require_admin(actor, commune)
    template = ReplyTemplate.objects.create(commune=commune, title=title, body=body)
    audit_record(commune=commune, actor=actor, action="report.template.create", obj=template, summary=title)
    return template


def rate_limit_check(*, commune: Commune, submitter: str) -> None:
    """Anonymous submissions per address and hour (`BEFFROI_REPORTS_RATE_LIMIT`, 10 by default), counted under
    a lock inside the transaction that files the report (`core.abuse`): `abuse.RateLimited` past it."""
    abuse.rate_limit_check(
        commune=commune,
        scope="reports",
        subject=submitter,
        submissions=Report.objects.filter(commune=commune, submitter_hash=submitter),
        limit=getattr(settings, "BEFFROI_REPORTS_RATE_LIMIT", 10),
        message=_(
            "Trop de signalements envoyés depuis cette connexion en une heure. "
            "Réessayez plus tard ou appelez la mairie."
        ),
    )


def location_check(
    *, commune: Commune, latitude: Decimal | float | None, longitude: Decimal | float | None
) -> None:
    """Refuse, in French, a point outside the commune's boundary (or outside the globe); no point is fine."""
    if latitude is None or longitude is None:
        return
    lat, lon = float(latitude), float(longitude)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not geo.inside(
        commune.boundary, latitude=lat, longitude=lon
    ):
        raise ReportInputError(
            "location",
            _("Ce point est en dehors de la commune de %(name)s : choisissez un lieu dans la commune.")
            % {"name": commune.name},
        )


def answers_clean(*, category: Category, raw: dict[str, list[str]]) -> JSONObject:
    """The answers to a category's own questions, checked (reports.questions); a French error names the question."""
    try:
        return clean_answers(category.questions, raw)
    except AnswerError as exc:
        label = next((q["label"] for q in category.questions if q["code"] == exc.code), exc.code)
        raise ReportInputError(f"q_{exc.code}", _(ANSWER_MESSAGES[exc.reason]).format(label=label)) from None


def photos_process(files: list[bytes]) -> list[ProcessedPhoto]:
    """Check and clean the photos sent with a report (at most three; GPS and other metadata removed)."""
    if len(files) > MAX_PHOTOS:
        raise ReportInputError("photos", _("Trois photos au plus."))
    processed = []
    for data in files:
        try:
            processed.append(process_photo(data))
        except PhotoError as exc:
            raise ReportInputError("photos", _(PHOTO_MESSAGES[str(exc)])) from None
    return processed


def _near_address(
    commune: Commune, latitude: Decimal | float | None, longitude: Decimal | float | None
) -> str:
    """The label of the commune's address nearest to the point (its Base Adresse Locale), or ""."""
    if latitude is None or longitude is None:
        return ""
    return territory_selectors.address_near_label(
        commune=commune, latitude=float(latitude), longitude=float(longitude)
    )[:255]


@transaction.atomic
def report_near_addresses_refresh(*, commune: Commune) -> int:
    """Name every located report of the commune by its nearest address again (after the commune's address base
    was replaced: territory's ``addresses_imported`` signal); returns how many changed.

    Not audited: a label derived from the point and the address base, not a decision of anyone.
    """
    nearest = territory_selectors.address_locator(commune=commune)
    changed = []
    for report in Report.objects.filter(commune=commune, latitude__isnull=False).only(
        "pk", "latitude", "longitude", "near_address"
    ):
        if report.latitude is None or report.longitude is None:
            continue
        label = nearest(float(report.latitude), float(report.longitude))[:255]
        if label != report.near_address:
            report.near_address = label
            changed.append(report)
    Report.objects.bulk_update(changed, ["near_address"], batch_size=500)
    return len(changed)


def report_create(
    *,
    commune: Commune,
    category: Category,
    description: str,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    address_string: str = "",
    place: Place | None = None,
    photos: list[bytes] | None = None,
    answers: JSONObject | None = None,
    channel: str = Report.Channel.WEB,
    actor: Actor = None,
    reporter: User | None = None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    media_url: str = "",
    submitter: str = "",
    rate_limited: bool = False,
    private_note: str = "",
) -> Report:
    """File a report. Photos are checked and re-encoded before anything is written, so a bad photo refuses
    the whole submission with a clear message and nothing half-saved remains. `rate_limited` (anonymous web
    submissions): at most so many reports per `submitter` and hour, else `core.abuse.RateLimited`.
    `private_note` (counter intake): what the resident told the agent, kept as an internal note, never public."""
    try:
        ensure_owned(category, commune)
    except NotOwned:
        raise ReportInputError("category", _("Cette catégorie n'existe pas dans la commune.")) from None
    if not category.active:
        raise ReportInputError("category", _("Cette catégorie n'existe pas dans la commune."))
    if place is not None:
        try:
            ensure_owned(place, commune)
        except NotOwned:
            raise ReportInputError("place", _("Ce lieu n'existe pas dans la commune.")) from None
        if latitude is None:
            latitude, longitude = place.latitude, place.longitude
        # The place is what the person chose: it names the report (Report.location_label), and `address_string`
        # keeps only what they typed (never the place's own address, which would take its name's place).
    description = (description or "").strip()
    if not description:
        raise ReportInputError("description", _("Décrivez le problème en quelques mots."))
    if len(description) > 4000:
        raise ReportInputError("description", _("La description est limitée à 4 000 caractères."))
    if latitude is None and place is None and not address_string.strip():
        raise ReportInputError(
            "location", _("Indiquez où se trouve le problème : sur la carte, un lieu ou une adresse.")
        )
    location_check(commune=commune, latitude=latitude, longitude=longitude)
    processed = photos_process(photos or [])
    assisted = channel in (Report.Channel.COUNTER, Report.Channel.PHONE, Report.Channel.MAIL)
    if assisted:
        _require(actor, commune, "act_for_citizen")
    with transaction.atomic():
        if rate_limited:
            rate_limit_check(commune=commune, submitter=submitter)
        report = Report(
            commune=commune,
            category=category,
            description=description,
            latitude=_coordinate(latitude),
            longitude=_coordinate(longitude),
            address_string=address_string.strip()[:255],
            near_address=_near_address(commune, latitude, longitude),
            place=place,
            state=_initial_state(commune),
            is_open=True,
            team_id=category.team_id,  # the id: no read of the team for a report that shows it later, if ever
            channel=channel,
            created_by=account_of(actor) if assisted else None,
            reporter=reporter,
            contact_name=contact_name[:120],
            contact_email=contact_email,
            contact_phone=contact_phone[:30],
            answers=answers or {},
            answered_questions=questions_answered(category.questions, answers or {}),
            media_url=media_url[:500],
            submitter_hash=submitter,
            token=secrets.token_hex(8) if category.service_type == Category.ServiceType.BATCH else "",
        )
        for _attempt in range(5):
            report.tracking_code = new_code()
            try:
                with transaction.atomic():
                    report.save()
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover — 31**8 codes
            raise RuntimeError("could not draw a free tracking code")
        for item in processed:
            photo = ReportPhoto(report=report)
            name = secrets.token_hex(12) + ".jpg"
            photo.image.save(name, ContentFile(item.image), save=False)
            photo.thumbnail.save(name, ContentFile(item.thumbnail), save=False)
            photo.save()
        ReportEvent.objects.create(
            report=report,
            kind=ReportEvent.Kind.CREATED,
            public=True,
            author=account_of(actor) if assisted else None,
        )
        if assisted and private_note.strip():
            # What the resident told the agent stays with the agents: an internal note, never public.
            _event(report, ReportEvent.Kind.NOTE, actor=actor, public=False, body=private_note.strip()[:4000])
        if assisted:
            audit_record(
                commune=commune,
                actor=actor,
                action="report.create",
                obj=report,
                summary=f"{report.display_code} {category.name}",
                channel=channel,
                on_behalf_of=contact_name or "habitant·e",  # never an address: the log is append-only
            )
    if contact_email or contact_phone:
        _notify(
            report,
            _("La mairie a bien reçu votre signalement %(code)s (%(category)s), le %(date)s.")
            % {
                "code": report.display_code,
                "category": category.display_name,
                "date": dates.long_datetime(report.created_at),
            },
        )
    return report


def follow_path(report: Report) -> str:
    """The path residents use to follow this report (`/valbourg/signalements/suivi/…`)."""
    return commune_path(report.commune, "reports:track", kwargs={"code": report.tracking_code})


def notification_channels(report: Report) -> tuple[str, ...]:
    """How the resident of a report is told of a change: ``("email",)``, ``("sms",)``, both or none.

    An account's address counts only once confirmed (see `notification_address`), and a channel the account
    holder turned off for their reports is not used; the agents' messages say what was really sent, and
    nothing when the resident left no contact.
    """
    pairs = (("email", _resident_email(report)), ("sms", report.contact_phone))
    return tuple(
        channel
        for channel, value in pairs
        if value
        # a signed-in resident's settings (« Mon espace ») apply; an anonymous report keeps its form's choice
        and notification_wanted(user=report.reporter, kind=NotificationKind.REPORTS, channel=channel)
    )


def notification_addresses(report: Report) -> list[tuple[str, str]]:
    """Where the resident is told of a change, channel by channel: ``[("email", "c.martin@exemple.fr"),
    ("sms", "06 12 34 56 78")]`` (see `notification_channels`); the receipt page shows them masked."""
    addresses = {"email": _resident_email(report), "sms": report.contact_phone}
    return [(channel, addresses[channel]) for channel in notification_channels(report)]


def _resident_email(report: Report) -> str:
    """The address to write to: the one typed on the form, or the account's once confirmed."""
    email = report.contact_email
    if report.reporter is not None and email and email.lower() == report.reporter.email.lower():
        return notification_address(report.reporter) or ""
    return email


SMS_MAX = 320  # two parts of a long SMS: what a phone joins back into one message


def sms_text(text: str, link: str) -> str:
    """The message and its link at the end, within SMS_MAX characters: a long text is shortened (« … ») so that the
    link, which leads to the whole of it, is always there whole."""
    room = SMS_MAX - len(link) - 1
    if len(text) > room:
        text = text[: max(room - 1, 0)].rstrip() + "…"
    return f"{text} {link}"


def _notify(report: Report, text: str, *, told: set[tuple[str, str]] | None = None) -> tuple[str, ...]:
    """Tell the resident (email and/or SMS) after the commit; nothing is sent if the write rolls back. An address
    in `told` (channel, address) is skipped, and each one written to is added to it.

    Returns the channels used (see `notification_channels`).
    """
    from beffroi.reports.tasks import send_sms

    told = set() if told is None else told
    pairs = [pair for pair in notification_addresses(report) if pair not in told]
    told.update(pairs)
    channels = tuple(channel for channel, _address in pairs)
    link = commune_url(report.commune, "reports:track", kwargs={"code": report.tracking_code})
    subject = _("Signalement %(code)s — %(commune)s") % {
        "code": report.display_code,
        "commune": report.commune.name,
    }
    # As the commune's other mails: a greeting, then the mairie's name to close.
    body = "\n\n".join(
        [
            _("Bonjour,"),
            text,
            _("Suivre votre signalement : %(link)s") % {"link": link},
            _("Code de suivi : %(code)s") % {"code": report.display_code},
            _("Mairie de %(name)s") % {"name": report.commune.name},
        ]
    )
    if "email" in channels:
        send_commune_mail(commune=report.commune, to=[_resident_email(report)], subject=subject, body=body)
    if "sms" in channels:
        sms = sms_text(f"{report.commune.name} : {text}", link)
        transaction.on_commit(partial(send_sms.enqueue, to=report.contact_phone, body=sms))
    return channels


def _notify_followers(report: Report, news: str, told: set[tuple[str, str]]) -> None:
    """Tell the residents of the reports merged into `report` (`report_merge` promised them its outcome) of its
    news, each through their own report's contacts and tracking link; an address already told is skipped."""
    for duplicate in Report.objects.filter(duplicate_of=report).select_related("commune", "reporter"):
        intro = _(
            "Votre signalement %(code)s a été rattaché au signalement n° %(n)s, qui décrit le même problème."
        ) % {
            "code": duplicate.display_code,
            "n": report.pk,
        }
        _notify(duplicate, intro + "\n\n" + news, told=told)


def _event(
    report: Report,
    kind: str,
    *,
    actor: Actor,
    public: bool = False,
    body: str = "",
    other_report: Report | None = None,
) -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        kind=kind,
        public=public,
        body=body,
        author=account_of(actor),
        other_report=other_report,
    )


@transaction.atomic
def report_change_state(*, report: Report, actor: Actor, state: State, note: str = "") -> Report:
    """Move a report to another state of its commune (public event, resident notified, audited)."""
    _require(actor, report.commune)
    ensure_owned(state, report.commune)
    if state.pk == report.state_id:
        return report
    previous = report.state
    report.state = state
    report.is_open = state.is_open
    report.closed_at = None if state.is_open else timezone.now()
    report.save(update_fields=["state", "is_open", "closed_at", "updated_at"])
    _event(report, ReportEvent.Kind.STATE, actor=actor, public=True, body=f"{previous.label} → {state.label}")
    if note.strip():
        _event(report, ReportEvent.Kind.REPLY, actor=actor, public=True, body=note.strip())
    audit_record(
        commune=report.commune,
        actor=actor,
        action="report.state",
        obj=report,
        summary=f"{report.display_code}: {previous.label} → {state.label}",
    )
    text = _("Votre signalement %(code)s du %(date)s est maintenant : %(state)s.") % {
        "code": report.display_code,
        "date": dates.long_date(report.created_at),
        "state": state.display_label,
    }
    if note.strip():
        text += "\n\n" + note.strip()
    told: set[tuple[str, str]] = set()
    _notify(report, text, told=told)
    news = _("Le signalement n° %(n)s est maintenant : %(state)s.") % {
        "n": report.pk,
        "state": state.display_label,
    }
    _notify_followers(report, news + ("\n\n" + note.strip() if note.strip() else ""), told)
    return report


@transaction.atomic
def report_assign(
    *, report: Report, actor: Actor, team: Team | None = None, assignee: User | None = None
) -> Report:
    """Give a report to a team and/or an agent of its commune; another commune's team is refused in French."""
    _require(actor, report.commune)
    try:
        ensure_owned(team, report.commune)
    except NotOwned:
        raise ReportInputError("team", _("Ce service n'existe pas dans la commune.")) from None
    if assignee is not None and not user_can(
        commune=report.commune, user=assignee, capability="handle_requests"
    ):
        raise ReportInputError("assignee", _("Cette personne n'est pas un agent de la commune."))
    report.team, report.assignee = team, assignee
    report.save(update_fields=["team", "assignee", "updated_at"])
    label = (
        " / ".join(x for x in [team.name if team else "", assignee.get_full_name() if assignee else ""] if x)
        or "—"
    )
    _event(report, ReportEvent.Kind.ASSIGN, actor=actor, body=label)
    audit_record(
        commune=report.commune,
        actor=actor,
        action="report.assign",
        obj=report,
        summary=f"{report.display_code}: {label}",
    )
    return report


@transaction.atomic
def report_set_due_date(*, report: Report, actor: Actor, due_date: date | None) -> Report:
    """Set or clear the date by which the agents plan to deal with the report (audited)."""
    _require(actor, report.commune)
    report.due_date = due_date
    report.save(update_fields=["due_date", "updated_at"])
    label = due_date.isoformat() if due_date else "—"
    _event(report, ReportEvent.Kind.DUE, actor=actor, body=label)
    audit_record(
        commune=report.commune,
        actor=actor,
        action="report.due_date",
        obj=report,
        summary=f"{report.display_code}: {label}",
    )
    return report


@transaction.atomic
def report_reply(*, report: Report, actor: Actor, body: str, public: bool) -> ReportEvent:
    """A public reply (shown to everyone, sent to the resident) or an internal note (agents only)."""
    _require(actor, report.commune)
    body = (body or "").strip()
    if not body:
        raise ReportInputError("body", _("Écrivez le texte de la réponse ou de la note."))
    kind = ReportEvent.Kind.REPLY if public else ReportEvent.Kind.NOTE
    event = _event(report, kind, actor=actor, public=public, body=body[:4000])
    Report.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    audit_record(
        commune=report.commune,
        actor=actor,
        action="report.reply" if public else "report.note",
        obj=report,
        summary=report.display_code,
    )
    if public:
        told: set[tuple[str, str]] = set()
        _notify(
            report,
            _("La mairie a répondu à votre signalement %(code)s du %(date)s :")
            % {"code": report.display_code, "date": dates.long_date(report.created_at)}
            + "\n\n"
            + body,
            told=told,
        )
        _notify_followers(
            report,
            _("La mairie a répondu sur le signalement n° %(n)s :") % {"n": report.pk} + "\n\n" + body,
            told,
        )
    return event


@transaction.atomic
def photo_set_published(*, photo: ReportPhoto, actor: Actor, published: bool) -> ReportPhoto:
    """An agent checks a photo (faces, number plates) before it is shown publicly."""
    _require(actor, photo.report.commune)
    if photo.published != published:
        photo.published = published
        photo.save(update_fields=["published"])
        _event(photo.report, ReportEvent.Kind.PHOTO, actor=actor, body="publiée" if published else "retirée")
        audit_record(
            commune=photo.report.commune,
            actor=actor,
            action="report.photo.publish" if published else "report.photo.unpublish",
            obj=photo.report,
            summary=f"{photo.report.display_code} photo {photo.pk}",
        )
    return photo


@transaction.atomic
def report_merge(*, report: Report, actor: Actor, into: Report) -> Report:
    """Mark `report` as a duplicate of `into`: it closes as « doublon » (one history line, the merge), its supports
    move over, and the duplicates it had received follow it (a duplicate always names a report that is not one).
    Its resident is told which report it joined; from then on they are told of that report's changes of state
    and public replies (`_notify_followers`), through their own report's contacts and tracking link.

    Refused, in French: the report itself, another commune's, another category's, a closed one, and a chain
    (`report` already merged, or `into` itself a duplicate: the agent is told which report to use)."""
    _require(actor, report.commune)
    try:
        ensure_owned(into, report.commune)
    except NotOwned:
        raise ReportInputError("into", _("Choisissez un autre signalement de la commune.")) from None
    if into.pk == report.pk:
        raise ReportInputError(
            "into",
            _(
                "Un signalement ne peut pas être fusionné avec lui-même : indiquez le numéro de l'autre signalement."
            ),
        )
    # Both rows read again under a lock: two agents merging at once cannot build a chain or a loop.
    rows = {r.pk: r for r in Report.objects.select_for_update().filter(pk__in=[report.pk, into.pk])}
    current, target = rows[report.pk], rows[into.pk]
    if current.duplicate_of_id is not None:
        raise ReportInputError(
            "into",
            _("Ce signalement est déjà fusionné avec le signalement n° %(n)s.")
            % {"n": current.duplicate_of_id},
        )
    if target.duplicate_of_id is not None:
        raise ReportInputError(
            "into",
            _(
                "Le signalement n° %(n)s est lui-même fusionné avec le signalement n° %(m)s : "
                "indiquez plutôt le n° %(m)s."
            )
            % {"n": target.pk, "m": target.duplicate_of_id},
        )
    if target.category_id != current.category_id:
        raise ReportInputError(
            "into",
            _(
                "Le signalement n° %(n)s est d'une autre catégorie (%(category)s) : seuls deux signalements "
                "de la même catégorie peuvent être fusionnés."
            )
            % {"n": target.pk, "category": into.category.display_name},
        )
    if not target.is_open:
        raise ReportInputError(
            "into",
            _("Le signalement n° %(n)s est clos : choisissez un signalement en cours de traitement.")
            % {"n": target.pk},
        )
    duplicate_state = State.objects.filter(commune=report.commune, code="doublon").first()
    moved = current.supports_count + 1
    Report.objects.filter(pk=into.pk).update(
        supports_count=F("supports_count") + moved, updated_at=timezone.now()
    )
    Report.objects.filter(duplicate_of=report).update(duplicate_of=into)
    report.duplicate_of = into
    report.supports_count = 0
    fields = ["duplicate_of", "supports_count", "updated_at"]
    if duplicate_state is not None and duplicate_state.pk != report.state_id:
        # The state follows the merge without a history line of its own: the merge is the one event.
        report.state = duplicate_state
        report.is_open = duplicate_state.is_open
        report.closed_at = None if duplicate_state.is_open else timezone.now()
        fields += ["state", "is_open", "closed_at"]
    report.save(update_fields=fields)
    _event(report, ReportEvent.Kind.MERGE, actor=actor, public=True, other_report=into)
    _event(
        into,
        ReportEvent.Kind.MERGE,
        actor=actor,
        public=False,
        other_report=report,
        body=ngettext("%(n)s soutien reporté", "%(n)s soutiens reportés", moved) % {"n": moved},
    )
    audit_record(
        commune=report.commune,
        actor=actor,
        action="report.merge",
        obj=report,
        summary=f"{report.display_code} → {into.display_code}",
    )
    _notify(
        report,
        _(
            "Votre signalement %(code)s du %(date)s a été rattaché au signalement n° %(n)s, qui décrit le même "
            "problème et sera traité à sa place. Vous serez prévenu·e de la suite qui lui sera donnée."
        )
        % {"code": report.display_code, "date": dates.long_date(report.created_at), "n": into.pk},
    )
    return report


@transaction.atomic
def report_support(*, report: Report, supporter: Actor = None) -> None:
    """A resident says « me too » instead of filing the same problem again. A signed-in supporter is noted
    (an internal history line) so that the support appears in their personal-data download.

    Not audited: a resident's support, not an agent's action; the history line records it."""
    Report.objects.filter(pk=report.pk).update(supports_count=F("supports_count") + 1)
    report.refresh_from_db(fields=["supports_count"])
    if supporter is not None and supporter.is_authenticated:
        _event(report, ReportEvent.Kind.SUPPORT, actor=supporter)


# --- The commune's own configuration (administrators: capability "manage_commune") ---------------------------


def _require_admin(actor: Actor, commune: Commune) -> None:
    require_capability(
        commune=commune,
        actor=actor,
        capability="manage_commune",
        message=_("Seul un administrateur de la commune peut modifier la configuration."),
    )


@transaction.atomic
def category_save(
    *,
    commune: Commune,
    actor: Actor,
    category: Category | None = None,
    code: str,
    name: str,
    description: str = "",
    team: Team | None = None,
    active: bool = True,
    order: int = 0,
    questions: list[JSONObject] | None = None,
) -> Category:
    """Create (category=None) or update a category of the commune, with its extra questions. An empty `code` is
    made from the name on creation (« Éclairage public » → eclairage-public, unique in the commune) and kept as
    it was on an update."""
    _require_admin(actor, commune)
    ensure_owned(category, commune)
    code = code.strip()
    if not code and category is not None:
        code = category.code
    elif not code:
        # code_from_label joins words with « _ »; the commune's codes are written with « - » (nid-de-poule)
        have = Category.objects.filter(commune=commune).values_list("code", flat=True)
        code = code_from_label(
            name, {other.replace("-", "_") for other in have}, fallback="categorie"
        ).replace("_", "-")
    try:
        ensure_owned(team, commune)
    except NotOwned:
        raise ReportInputError("team", _("Ce service n'appartient pas à la commune.")) from None
    for question in questions or []:
        if question.get("type", "string") not in QUESTION_TYPES:
            raise ReportInputError(
                "questions", _("Type de question inconnu : %(t)s.") % {"t": question["type"]}
            )
    taken = Category.objects.filter(commune=commune, code=code)
    if category is not None:
        taken = taken.exclude(pk=category.pk)
    other = taken.first()
    if other is not None:
        raise ReportInputError(
            "code",
            _("Le code « %(code)s » est déjà utilisé par la catégorie « %(name)s » : choisissez-en un autre.")
            % {"code": code, "name": other.name},
        )
    if category is None:
        category = category_create(
            commune=commune,
            code=code,
            name=name,
            team=team,
            description=description,
            questions=questions,
            order=order,
            actor=actor,
        )
        if not active:
            category.active = False
            category.save(update_fields=["active"])
        return category
    before = {
        "code": category.code,
        "name": category.name,
        "team": category.team_id,
        "active": category.active,
    }
    category.code, category.name, category.description = code, name, description
    category.team, category.active, category.order = team, active, order
    category.questions = questions or []
    category.full_clean()
    category.save()
    after = {"code": code, "name": name, "team": getattr(team, "pk", None), "active": active}
    changed = [k for k, v in before.items() if v != after[k]]
    audit_record(
        commune=commune,
        actor=actor,
        action="report.category.update",
        obj=category,
        summary=f"{name} ({', '.join(changed) or 'description/questions'})",
    )
    return category


@transaction.atomic
def state_save(
    *,
    commune: Commune,
    actor: Actor,
    state: State | None = None,
    label: str,
    kind: str,
    order: int,
    is_initial: bool = False,
) -> State:
    """Create or update a state of the commune's table. Exactly one state is initial, and it is open; changing a
    state's nature re-types the reports already in it (so their Open311 status follows)."""
    from django.utils.text import slugify

    _require_admin(actor, commune)
    ensure_owned(state, commune)
    if kind not in State.Kind.values:
        raise ReportInputError("kind", _("Choisissez « en cours de traitement » ou « clos »."))
    if state is not None and state.is_initial and not is_initial:
        raise ReportInputError(
            "is_initial",
            _(
                "Il faut exactement un état initial : pour en changer, cochez « état initial » sur un autre état."
            ),
        )
    if is_initial and kind != State.Kind.OPEN:
        raise ReportInputError(
            "kind",
            _("L'état initial doit être « en cours de traitement » : un nouveau signalement est ouvert."),
        )
    if is_initial:
        others = State.objects.filter(commune=commune, is_initial=True)
        if state is not None:
            others = others.exclude(pk=state.pk)
        others.update(is_initial=False)
    creating = state is None
    if state is None:
        base = slugify(label)[:32] or "etat"
        code, n = base, 2
        while State.objects.filter(commune=commune, code=code).exists():
            code, n = f"{base}-{n}", n + 1
        state = State(commune=commune, code=code)
    kind_changed = not creating and state.kind != kind
    state.label, state.kind, state.order, state.is_initial = label, kind, order, is_initial
    state.save()
    if kind_changed:
        reports = Report.objects.filter(commune=commune, state=state)
        if kind == State.Kind.OPEN:
            reports.update(is_open=True, closed_at=None)
        else:
            reports.filter(closed_at__isnull=True).update(closed_at=timezone.now())
            reports.update(is_open=False)
    audit_record(
        commune=commune,
        actor=actor,
        action="report.workflow.create" if creating else "report.workflow.update",
        obj=state,
        summary=f"{label} ({kind}{', initial' if is_initial else ''})",
    )
    return state


@transaction.atomic
def state_delete(*, commune: Commune, actor: Actor, state: State) -> None:
    """Delete a state nobody uses; a state still carried by reports (or the initial one) is refused."""
    _require_admin(actor, commune)
    ensure_owned(state, commune)
    used = Report.objects.filter(commune=commune, state=state).count()
    if used:
        raise ReportInputError(
            "state",
            _(
                "L'état « %(label)s » est utilisé par %(n)s signalement(s) : il ne peut pas être supprimé. "
                "Renommez-le, ou faites d'abord passer ces signalements dans un autre état."
            )
            % {"label": state.label, "n": used},
        )
    if state.is_initial:
        raise ReportInputError(
            "state",
            _("L'état « %(label)s » est l'état initial : choisissez d'abord un autre état initial.")
            % {"label": state.label},
        )
    audit_record(
        commune=commune, actor=actor, action="report.workflow.delete", obj=state, summary=state.label
    )
    state.delete()


@transaction.atomic
def reply_template_save(
    *, commune: Commune, actor: Actor, template: ReplyTemplate | None = None, title: str, body: str
) -> ReplyTemplate:
    """Create or change a reply template (titles unique in the commune; administrators only; audited)."""
    _require_admin(actor, commune)
    ensure_owned(template, commune)
    taken = ReplyTemplate.objects.filter(commune=commune, title=title)
    if template is not None:
        taken = taken.exclude(pk=template.pk)
    if taken.exists():
        raise ReportInputError(
            "title",
            _("Un modèle s'appelle déjà « %(title)s » : choisissez un autre titre.") % {"title": title},
        )
    if template is None:
        return reply_template_create(commune=commune, title=title, body=body, actor=actor)
    template.title, template.body = title, body
    template.save(update_fields=["title", "body"])
    audit_record(commune=commune, actor=actor, action="report.template.update", obj=template, summary=title)
    return template


@transaction.atomic
def reply_template_delete(*, commune: Commune, actor: Actor, template: ReplyTemplate) -> None:
    """Delete a reply template (administrators only; audited with its title)."""
    _require_admin(actor, commune)
    ensure_owned(template, commune)
    audit_record(
        commune=commune, actor=actor, action="report.template.delete", obj=template, summary=template.title
    )
    template.delete()
