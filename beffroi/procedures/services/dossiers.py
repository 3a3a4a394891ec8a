"""Writes on dossiers, the applicant's side: a resident's draft, saved and resumed, then filed once; counter and
phone filing by an agent under a recorded mandate; filing through the API; messages from the applicant. The
helpers both sides share (the capability check, events, notifications, deadlines) are here too; instruction is
in `instruction`. Every agent action is audited; the applicant is told by e-mail after the commit."""

from __future__ import annotations

import contextlib
import copy
import secrets
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.core import abuse, codes, dates
from beffroi.core.annotations import Actor, JSONObject, account_of
from beffroi.core.guards import ensure_owned
from beffroi.core.links import commune_url
from beffroi.core.mail import send_commune_mail
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.procedures import deadlines, locating, receipts, schema, selectors
from beffroi.procedures.fields import (
    Context,
    FieldError,
    FileUpload,
    clean_file,
    clean_phone,
)
from beffroi.procedures.messages import field_message, france_communes
from beffroi.procedures.models import (
    Demarche,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierMessage,
)

if TYPE_CHECKING:
    from beffroi.accounts.models import User

ASSISTED = (Dossier.Channel.COUNTER, Dossier.Channel.PHONE, Dossier.Channel.MAIL)
MESSAGE_FILE_TYPES = ("pdf", "jpg", "jpeg", "png", "odt", "docx")


class DossierError(ValueError):
    """Input refused: `errors` maps a field's posted name to its French message ('' for the whole form)."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


class LetterError(DossierError):
    """A decision letter refused: `letter` is its text as far as it is written (the template's, filled with
    the dossier), for the agent to complete rather than to type again."""

    def __init__(self, errors: Mapping[str, str], *, letter: str):
        super().__init__(errors)
        self.letter = letter


def require_instructor(actor: Actor, commune: Commune, capability: str = "instruct_dossiers") -> None:
    """Refuse (PermissionDenied, in French) an actor whose role lacks ``capability`` in the commune."""
    require_capability(
        commune=commune,
        actor=actor,
        capability=capability,
        message=_("Votre rôle ne permet pas d'instruire les dossiers des démarches."),
    )


def field_context(commune: Commune) -> Context:
    """What the place and commune fields check against: the commune's named places (and their kinds, which a
    place field may narrow its list to), France's communes."""
    from beffroi.territory.models import Place

    rows: list[tuple[str, str, str]] = []

    def read() -> list[tuple[str, str, str]]:
        # The query is built when first used too: building it costs as much as running it.
        if not rows:
            query = Place.objects.filter(commune=commune).values_list("pk", "name", "kind")
            rows.extend((str(pk), name, kind) for pk, name, kind in query)
        return rows

    return Context(
        places=_Lazy(lambda: {pk: name for pk, name, _kind in read()}),
        communes=france_communes(),
        today=timezone.localdate(),
        place_kinds=_Lazy(lambda: {pk: kind for pk, _name, kind in read()}),
    )


class _Lazy(Mapping[str, str]):
    """A mapping read from the database the first time it is used (most forms have no place field)."""

    def __init__(self, load: Callable[[], dict[str, str]]):
        self._load: Callable[[], dict[str, str]] = load
        self._data: dict[str, str] | None = None

    def _get(self) -> dict[str, str]:
        if self._data is None:
            self._data = self._load()
        return self._data

    def __getitem__(self, key: str) -> str:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _errors(found: list[FieldError]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in found:
        errors.setdefault(error.key, field_message(error))
    return errors


def _uploads(files: Mapping[str, UploadedFile]) -> dict[str, FileUpload]:
    out = {}
    for name, upload in files.items():
        head = upload.read(16)
        upload.seek(0)
        out[name] = FileUpload(name=upload.name or "fichier", size=upload.size or 0, head=head)
    return out


def _store_files(
    dossier: Dossier,
    answers: JSONObject,
    accepted: Mapping[str, FileUpload],
    files: Mapping[str, UploadedFile],
) -> None:
    """Write each accepted upload and point its answer (top level or inside a block's row) at the stored file."""
    for name, meta in accepted.items():
        upload = files[name]
        stored = DossierFile(dossier=dossier, field_key=name, name=meta.name[:200], size=meta.size)
        extension = meta.name.rsplit(".", 1)[-1].lower()
        stored.file.save(f"{secrets.token_hex(12)}.{extension}", ContentFile(upload.read()), save=False)
        stored.save()
        parts = name.split("-")
        target: Any = answers
        if len(parts) == 3 and isinstance(answers.get(parts[0]), list):
            rows = answers[parts[0]]
            row = int(parts[1])
            target = rows[row] if row < len(rows) else None
            name = parts[2]
        if isinstance(target, dict) and isinstance(target.get(name), dict):
            target[name] = {**target[name], "file_id": stored.pk}


def deadline_refresh(dossier: Dossier, *, filing: bool = False) -> None:
    """The implicit-decision date from the day received and the pauses (a dossier being filed has none)."""
    if dossier.received_on is None:
        dossier.deadline = None
        return
    pauses = [] if filing else [deadlines.Pause(p.started_on, p.ended_on) for p in dossier.pauses.all()]
    dossier.deadline = deadlines.implicit_decision_date(
        received_on=dossier.received_on,
        regime=dossier.version.regime,
        months=dossier.version.months,
        pauses=pauses,
    )


def event_record(dossier: Dossier, kind: str, *, actor: Actor, public: bool = False, body: str = "") -> None:
    """A line of the dossier's history (a public one shows on the applicant's tracking page). Not audited: the
    service that records it audits the action."""
    DossierEvent.objects.create(
        dossier=dossier, kind=kind, public=public, body=body, author=account_of(actor)
    )


def applicant_notify(
    dossier: Dossier, subject: str, text: str, *, link: bool = True, required: bool = True
) -> None:
    """Mail the applicant after the commit (an account's address only once confirmed); nothing on rollback.

    ``required``: what the law has the administration send (the accusé de réception, a request for missing
    documents, the decision) goes whatever the account's settings; other news (instruction started, a message)
    follows « Mes démarches » in « Mon espace ». Sent in the commune's name (core.mail: « Mairie de … », an
    answer goes to the mairie), as every mail a commune sends."""
    email = selectors.applicant_address(dossier=dossier, required=required)
    if not email:
        return
    follow = commune_url(dossier.commune, "procedures:track", kwargs={"token": dossier.access_token})
    lines = [text]
    if link:
        lines += [
            _("Suivre votre dossier : %(link)s") % {"link": follow},
            _("Ce lien est personnel : ne le transmettez pas. Code de suivi : %(code)s")
            % {"code": dossier.display_code},
        ]
    # As the commune's other mails: a greeting, then the mairie's name to close.
    body = "\n\n".join([_("Bonjour,"), *lines, _("Mairie de %(name)s") % {"name": dossier.commune.name}])
    full_subject = f"{subject} — {dossier.commune.name}"
    send_commune_mail(commune=dossier.commune, to=[email], subject=full_subject, body=body)


# --- the applicant's side ---------------------------------------------------------------------------------


def rate_limit_check(*, commune: Commune, submitter: str) -> None:
    """Anonymous drafts per address and hour (`BEFFROI_PROCEDURES_RATE_LIMIT`, 20 by default; core.abuse)."""
    abuse.rate_limit_check(
        commune=commune,
        scope="procedures",
        subject=submitter,
        submissions=Dossier.objects.filter(commune=commune, submitter_hash=submitter),
        limit=getattr(settings, "BEFFROI_PROCEDURES_RATE_LIMIT", 20),
        message=_("Trop de démarches commencées depuis cette connexion en une heure. Réessayez plus tard."),
    )


def _new_dossier(**values: Any) -> Dossier:
    dossier = Dossier(**values)
    for _attempt in range(5):
        dossier.tracking_code = codes.new_code()
        dossier.access_token = codes.new_token()
        try:
            with transaction.atomic():
                dossier.save()
            return dossier
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free tracking code")  # pragma: no cover — 31**8 codes


def _identity_fromaccount_of(account: User) -> JSONObject:
    """What a signed-in resident's account already says, to prefill the identification (each value still
    editable): the name (« Camille Durand »: the first word the first name, the rest the surname; a single
    word the surname), the e-mail and the phone when the account has a valid one."""
    words = (account.full_name or "").split()
    first, last = (words[0], " ".join(words[1:])) if len(words) > 1 else ("", " ".join(words))
    identity: JSONObject = {"first_name": first, "last_name": last, "email": account.email}
    if account.phone:
        with contextlib.suppress(FieldError):  # a number the form would refuse: the person types it
            identity["phone"] = clean_phone(account.phone)
    return {key: value for key, value in identity.items() if value}


@transaction.atomic
def dossier_start(
    *, commune: Commune, demarche: Demarche, actor: Actor, applicant_kind: str, submitter: str = ""
) -> Dossier:
    """Open a draft under the démarche's current version (by anyone; an account keeps it on « Mon compte »).

    Not audited: a resident's draft; what is filed is recorded in the dossier's history."""
    ensure_owned(demarche, commune)
    if not demarche.is_open or demarche.current_version is None:
        raise DossierError({"": _("Cette démarche n'est pas ouverte en ce moment.")})
    kinds = demarche.current_version.schema.get("applicant_kinds") or ["particulier"]
    if applicant_kind not in kinds:
        raise DossierError({"applicant_kind": _("Choisissez qui fait la demande parmi les choix proposés.")})
    if submitter and account_of(actor) is None:
        rate_limit_check(commune=commune, submitter=submitter)
    account = account_of(actor)
    dossier = _new_dossier(
        commune=commune,
        demarche=demarche,
        version=demarche.current_version,
        applicant_kind=applicant_kind,
        applicant=account,
        applicant_email=account.email if account is not None else "",
        identity=_identity_fromaccount_of(account) if account is not None else {},
        submitter_hash=submitter,
        team=demarche.team,
    )
    event_record(dossier, DossierEvent.Kind.CREATED, actor=actor)
    return dossier


# What may change in a dossier between two requests; its commune, démarche and version never do.
_CHANGING = (
    "state",
    "identity",
    "applicant_email",
    "applicant_id",
    "answers",
    "team_id",
    "assignee_id",
    "received_on",
    "filed_at",
    "deadline",
    "updated_at",
)


def _relock(dossier: Dossier) -> Dossier:
    """The dossier's row locked for the transaction, what may have changed read again; the commune, démarche
    and version the request already holds are kept (not read again, nor the commune's contour with them)."""
    row = Dossier.objects.select_for_update(of=("self",)).filter(pk=dossier.pk).values(*_CHANGING).get()
    locked = copy.copy(dossier)
    locked._state = copy.copy(dossier._state)
    locked._state.fields_cache = dict(dossier._state.fields_cache)
    for name, value in row.items():
        setattr(locked, name, value)
    return locked


def _lock_draft(dossier: Dossier) -> Dossier:
    locked = _relock(dossier)
    if locked.state != Dossier.State.DRAFT:
        raise DossierError({"": _("Ce dossier est déjà déposé : il ne peut plus être modifié.")})
    return locked


@transaction.atomic
def dossier_save(
    *,
    dossier: Dossier,
    posted: Mapping[str, list[str]],
    files: Mapping[str, UploadedFile] | None = None,
    identity: bool = False,
    complete: bool = False,
    email_required: bool = True,
    section: str | None = None,
    strict: bool = False,
    paper: bool = False,
) -> dict[str, str]:
    """Save what the applicant typed into the draft; returns the refusals by field (empty: all accepted).

    The answers that pass are kept even when others are refused (nothing typed is lost twice); with `identity`
    the posted values are the identification section. With `complete` the required fields count too (the
    step before the summary). With `paper` (an agent filing for a resident) a piece may be recorded as seen on
    paper or to come instead of a file (`schema.clean_answers`). Not audited: the applicant's own draft."""
    locked = _lock_draft(dossier)
    files = files or {}
    context = field_context(locked.commune)
    if identity:
        form = schema.identity_schema(locked.applicant_kind, email_required=email_required)
        cleaned = schema.clean_answers(form, posted, context=context, partial=not complete, strict=strict)
        locked.identity = cleaned.answers
        previous, locked.applicant_email = locked.applicant_email, str(cleaned.answers.get("email") or "")
        if (
            locked.applicant_email
            and locked.applicant_email != previous
            and locked.channel == Dossier.Channel.WEB
        ):
            applicant_notify(
                locked,
                _("Votre brouillon %(code)s") % {"code": locked.display_code},
                _(
                    "Votre demande « %(title)s » est enregistrée en brouillon. Pour la reprendre et l'envoyer, "
                    "ouvrez ce lien (il est personnel, ne le transmettez pas) : %(link)s"
                )
                % {
                    "title": locked.demarche.title,
                    "link": commune_url(
                        locked.commune, "procedures:draft_identity", kwargs={"token": locked.access_token}
                    ),
                },
                link=False,
            )
    else:
        cleaned = schema.clean_answers(
            locked.version.schema,
            posted,
            context=context,
            files=_uploads(files),
            kept=locked.answers,
            partial=not complete,
            section=section,
            strict=strict,
            paper=paper,
        )
        _store_files(locked, cleaned.answers, cleaned.files, files)
        locating.locate_answers(locked.commune, locked.version.schema, cleaned.answers)
        locked.answers = cleaned.answers
    locked.save(update_fields=["identity", "applicant_email", "answers", "updated_at"])
    dossier.identity, dossier.answers, dossier.applicant_email = (
        locked.identity,
        locked.answers,
        locked.applicant_email,
    )
    return _errors(cleaned.errors)


@transaction.atomic
def draft_delete(*, dossier: Dossier, actor: Actor) -> None:
    """Delete a draft at its applicant's request: the answers, the pieces joined to it (their files once the
    deletion is committed) and its history go; nothing had reached the mairie. Only the signed-in account that
    started it may (`PermissionDenied` for anyone else); a dossier filed meanwhile (another tab) is refused
    with `DossierError` and stays as it is.

    Not audited: a resident's draft, as `dossier_start` and `dossier_save` (the mairie never received it)."""
    account = account_of(actor)
    if account is None or dossier.applicant_id != account.pk:
        raise PermissionDenied(_("Seule la personne qui a commencé ce brouillon peut le supprimer."))
    locked = _relock(dossier)
    if locked.state != Dossier.State.DRAFT:
        raise DossierError({"": _("Ce dossier est déjà déposé : il ne peut plus être supprimé.")})
    drafts_delete(Dossier.objects.filter(pk=locked.pk))


def drafts_delete(drafts: Any) -> None:
    """Delete these drafts with the files of their pieces and messages, the files once the deletion is
    committed (a rollback keeps them). For `draft_delete` and the erasure of an account.

    Not audited: drafts never reached the mairie (`draft_delete` says so; the erasure is the account's)."""
    stored = _stored_files(drafts)
    drafts.delete()
    transaction.on_commit(partial(_delete_stored, stored))


def _stored_files(dossiers: Any) -> list[tuple[Storage, str]]:
    """The files the storage holds for these dossiers: their pieces and their messages' attachments (which no
    deletion or rollback of the rows reaches)."""
    return [
        (file.storage, str(file.name))
        for dossier in dossiers.prefetch_related("files", "messages")
        for file in [
            *(item.file for item in dossier.files.all()),
            *(m.attachment for m in dossier.messages.all()),
        ]
        if file.name
    ]


def _delete_stored(stored: list[tuple[Storage, str]]) -> None:
    for storage, name in stored:
        storage.delete(name)


def dossier_missing(*, dossier: Dossier, email_required: bool = True) -> dict[str, str]:
    """What still stops the draft from being filed (required answers, identification), by field.

    Not audited: a read."""
    identity = schema.identity_schema(dossier.applicant_kind, email_required=email_required)
    found = schema.check_complete(identity, dossier.identity) + schema.check_complete(
        dossier.version.schema, dossier.answers
    )
    return _errors(found)


def _mandate_label(dossier: Dossier) -> str:
    if dossier.channel not in ASSISTED:
        return ""
    asked = "demande d'un tiers" if dossier.mandate_requester else "demande du demandeur·se"
    consent = "accord recueilli" if dossier.mandate_consent_at else "sans accord enregistré"
    return f"demandeur·se ({asked}, {consent})"


@transaction.atomic
def dossier_submit(*, dossier: Dossier, actor: Actor, email_required: bool = True) -> Dossier:
    """File the draft: received today, the implicit-decision date computed, the accusés sent.

    Idempotent: a second submission of the same draft (a double click, a resent form) files nothing twice and
    returns the dossier as filed the first time. Refused, field by field, while something required is missing.
    """
    locked = _relock(dossier)
    if locked.state != Dossier.State.DRAFT:
        return locked
    if not locked.demarche.is_open and locked.channel == Dossier.Channel.WEB:
        raise DossierError({"": _("Cette démarche est fermée : le dossier ne peut plus être déposé.")})
    missing = dossier_missing(dossier=locked, email_required=email_required)
    if missing:
        raise DossierError(missing)
    now = timezone.now()
    locked.answers = schema.prune(locked.version.schema, locked.answers)
    locked.state = Dossier.State.FILED
    locked.filed_at = now
    locked.received_on = timezone.localdate(now)
    deadline_refresh(locked, filing=True)
    locked.save(update_fields=["answers", "state", "filed_at", "received_on", "deadline", "updated_at"])
    event_record(locked, DossierEvent.Kind.FILED, actor=actor, public=True)
    audit_record(
        commune=locked.commune,
        actor=actor,
        action="procedures.dossier.file",
        obj=locked,
        summary=f"{locked.display_code} {locked.demarche.title}",
        channel=locked.channel,
        # the mandate, never a name (the log is append-only): for the applicant, with their consent, asked
        # by them or by someone else
        on_behalf_of=_mandate_label(locked),
    )
    recorded = (
        _(
            "Votre demande « %(title)s » a été enregistrée le %(date)s sous le numéro %(code)s "
            "(accusé d'enregistrement électronique). L'accusé de réception, avec les délais et les voies de "
            "recours, est consultable et imprimable en PDF : %(link)s"
        )
        if locked.filed_online
        else _(
            "Votre demande « %(title)s » a été enregistrée par la mairie le %(date)s sous le numéro %(code)s. "
            "L'accusé de réception, avec les délais et les voies de recours, est consultable et imprimable en "
            "PDF : %(link)s"
        )
    )
    applicant_notify(
        locked,
        _("Dossier %(code)s reçu") % {"code": locked.display_code},
        recorded
        % {
            "title": locked.demarche.title,
            "date": dates.long_datetime(now),
            "code": locked.display_code,
            "link": commune_url(locked.commune, "procedures:receipt", kwargs={"token": locked.access_token}),
        }
        + "\n\n"
        + receipts.receipt_text(locked),
    )
    dossier.state, dossier.filed_at, dossier.received_on, dossier.deadline = (
        locked.state,
        locked.filed_at,
        locked.received_on,
        locked.deadline,
    )
    return locked


@transaction.atomic
def dossier_file_for(
    *,
    commune: Commune,
    demarche: Demarche,
    actor: Actor,
    channel: str,
    applicant_kind: str,
    identity: Mapping[str, list[str]],
    posted: Mapping[str, list[str]],
    files: Mapping[str, UploadedFile] | None = None,
    consent: bool = False,
    requester: str = "",
) -> Dossier:
    """An agent files at the counter, on the phone or from a letter for a resident, under a recorded mandate:
    how (the channel), by whom (the agent), the applicant's consent (required) and who made the request when
    not the applicant in person (`requester`); the resident's e-mail optional. The resident then follows it
    like any other dossier. A piece the resident has no file of may be recorded as seen on paper or to come
    later (`fields.PAPER_PIECES`).

    All or nothing: any refusal (`DossierError`, by field) leaves no dossier behind."""
    require_instructor(actor, commune, "act_for_citizen")
    ensure_owned(demarche, commune)
    if demarche.current_version is None:
        raise DossierError({"": _("Cette démarche n'est pas publiée.")})
    # The mandate's refusals come with those of the answers, so that one submit says everything to correct.
    refused: dict[str, str] = {}
    if channel not in ASSISTED:
        refused["channel"] = _("Choisissez le canal : accueil, téléphone ou courrier.")
    if not consent:
        refused["consent"] = _(
            "Confirmez l'accord du demandeur : sans lui, la mairie ne peut pas déposer la demande en son nom."
        )
    requester = " ".join(requester.split())
    if len(requester) > 200:
        refused["requester"] = _("Nommez la personne qui fait la demande en 200 caractères au plus.")
    sid = transaction.savepoint()
    dossier = _new_dossier(
        commune=commune,
        demarche=demarche,
        version=demarche.current_version,
        applicant_kind=applicant_kind,
        # an unknown channel is refused above; the draft checked meanwhile is never kept
        channel=channel if channel in ASSISTED else Dossier.Channel.COUNTER,
        filed_by=account_of(actor),
        mandate_requester=requester[:200],
        mandate_consent_at=timezone.now(),
        team=demarche.team,
    )
    event_record(dossier, DossierEvent.Kind.CREATED, actor=actor)
    found = dossier_save(dossier=dossier, posted=identity, identity=True, complete=True, email_required=False)
    errors = {**refused, **{f"id-{key}": message for key, message in found.items()}}  # identity named apart
    errors.update(dossier_save(dossier=dossier, posted=posted, files=files, complete=True, paper=True))
    if errors:
        _roll_back(dossier, sid)
        raise DossierError(errors)
    try:
        return dossier_submit(dossier=dossier, actor=actor, email_required=False)
    except DossierError:
        _roll_back(dossier, sid)
        raise


def _roll_back(dossier: Dossier, sid: str) -> None:
    """Undo a filing refused midway: its rows, and the pieces already written to the storage (which no
    rollback reaches)."""
    stored = _stored_files(Dossier.objects.filter(pk=dossier.pk))
    transaction.savepoint_rollback(sid)
    _delete_stored(stored)


@transaction.atomic
def dossier_file_api(
    *,
    commune: Commune,
    demarche: Demarche,
    applicant_kind: str,
    identity: JSONObject,
    answers: JSONObject,
) -> Dossier:
    """A dossier filed by an API client (write key; channel « application »), in one call: the answers checked
    strictly (a value for a field the conditions hide, or for no field at all, is refused), all or nothing."""
    sid = transaction.savepoint()
    dossier = dossier_start(commune=commune, demarche=demarche, actor=None, applicant_kind=applicant_kind)
    Dossier.objects.filter(pk=dossier.pk).update(channel=Dossier.Channel.API)
    dossier.channel = Dossier.Channel.API
    form = demarche.current_version.schema if demarche.current_version else {}
    unknown = set(answers) - set(schema.field_map(form))
    found = dossier_save(
        dossier=dossier,
        posted=schema.posted_from_json({}, identity),
        identity=True,
        complete=True,
        strict=True,
    )
    errors = {f"identity.{key}": message for key, message in found.items()}
    found = dossier_save(
        dossier=dossier, posted=schema.posted_from_json(form, answers), complete=True, strict=True
    )
    errors.update({f"answers.{key}": message for key, message in found.items()})
    for key in sorted(unknown):
        errors[f"answers.{key}"] = _("« %(key)s » n'est pas un champ de cette démarche.") % {"key": key}
    if errors:
        transaction.savepoint_rollback(sid)
        raise DossierError(errors)
    try:
        return dossier_submit(dossier=dossier, actor=None)
    except DossierError as exc:
        transaction.savepoint_rollback(sid)
        raise DossierError({f"answers.{key}": message for key, message in exc.errors.items()}) from None


@transaction.atomic
def message_from_applicant(
    *, dossier: Dossier, body: str, attachment: UploadedFile | None = None, pieces: bool = False
) -> DossierMessage:
    """The applicant writes on the tracking page (with a file); with `pieces`, it answers a request for pieces:
    the period runs again from today (CRPA L114-5) and the dossier is back in instruction. Audited with no
    actor (the applicant has no account, or acts as such)."""
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("version", "commune")
        .get(pk=dossier.pk)
    )
    if locked.state == Dossier.State.DRAFT or locked.is_decided:
        raise DossierError({"body": _("Ce dossier n'attend plus de message.")})
    message = message_record(locked, body=body, attachment=attachment, from_applicant=True, author=None)
    open_pause = locked.pauses.filter(ended_on__isnull=True).first()
    if pieces and open_pause is not None:
        open_pause.ended_on = timezone.localdate()
        open_pause.save(update_fields=["ended_on"])
        locked.state = Dossier.State.INSTRUCTION
        deadline_refresh(locked)
        locked.save(update_fields=["state", "deadline", "updated_at"])
        event_record(locked, DossierEvent.Kind.ANSWERED, actor=None, public=True)
    audit_record(
        commune=locked.commune,
        actor=None,
        action="procedures.dossier.pieces" if pieces and open_pause else "procedures.message.applicant",
        obj=locked,
        summary=locked.display_code,
    )
    dossier.state, dossier.deadline = locked.state, locked.deadline
    return message


def message_record(
    dossier: Dossier, *, body: str, attachment: UploadedFile | None, from_applicant: bool, author: User | None
) -> DossierMessage:
    """A message of the dossier's conversation, checked (a text or a file, 5 000 characters at most, a file of
    an accepted type) and stored. Not audited: the service that sends it audits the action."""
    body = (body or "").strip()
    if not body and attachment is None:
        raise DossierError({"body": _("Écrivez un message ou joignez un fichier.")})
    if len(body) > 5000:
        raise DossierError({"body": _("Le message est limité à 5 000 caractères.")})
    message = DossierMessage(dossier=dossier, from_applicant=from_applicant, author=author, body=body)
    if attachment is not None:
        field = {
            "key": "attachment",
            "label": _("Pièce jointe"),
            "type": "file",
            "file_types": list(MESSAGE_FILE_TYPES),
        }
        try:
            extension = clean_file(field, _uploads({"attachment": attachment})["attachment"])
        except FieldError as exc:
            raise DossierError({"attachment": field_message(exc)}) from None
        message.attachment_name = (attachment.name or "piece")[:200]
        message.attachment.save(
            f"{secrets.token_hex(12)}.{extension}", ContentFile(attachment.read()), save=False
        )
    message.save()
    return message
