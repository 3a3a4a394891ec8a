"""Reads of the Démarches en ligne module, always scoped to one commune (and to what the viewer may see)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from beffroi.accounts.models import NotificationKind
from beffroi.accounts.selectors import notification_address
from beffroi.core.codes import normalize_code
from beffroi.core.models import Commune
from beffroi.core.search import contains_words
from beffroi.procedures import letters, schema
from beffroi.procedures.models import (
    DecisionTemplate,
    Demarche,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierMessage,
)
from beffroi.territory.selectors import place_list

QUEUE_STATES = ("ouverts", *Dossier.State.values)


def demarche_list(*, commune: Commune, published_only: bool = True) -> QuerySet[Demarche]:
    qs = Demarche.objects.filter(commune=commune).select_related("team", "current_version")
    return (
        qs.filter(status=Demarche.Status.PUBLISHED, current_version__isnull=False) if published_only else qs
    )


def demarche_titles(*, commune: Commune, published_only: bool = True) -> QuerySet[Demarche]:
    """The démarches as a list or a filter names them (title, slug, description), without their forms: the
    builder's copy and the published version are JSON documents that such a list would parse for nothing."""
    return (
        demarche_list(commune=commune, published_only=published_only)
        .select_related(None)
        .only("slug", "title", "description", "status")
    )


def demarche_get(
    *, commune: Commune, slug: str | None = None, pk: int | None = None, published_only: bool = True
) -> Demarche | None:
    qs = demarche_list(commune=commune, published_only=published_only)
    if slug is None and pk is None:
        return qs.first()
    if slug is not None:
        qs = qs.filter(slug=slug)
    if pk is not None:
        qs = qs.filter(pk=pk)
    # One row at most (the slug is unique in the commune): no ORDER BY to write and run.
    return next(iter(qs.order_by()[:1]), None)


def place_names(*, commune: Commune, forms: list[Mapping[str, Any]] | None = None) -> dict[str, str]:
    """The commune's places by id, as a « lieu » answer stores them, to read the answer as the place's name.

    With `forms` (the versions' schemas about to be read), nothing is read unless one of them has a place
    question, in a block or not."""
    if forms is not None and not any(
        question["type"] == "place"
        for form in forms
        for _section, item in schema.iter_fields(form)
        for question in [item, *item.get("fields", [])]
    ):
        return {}
    return {str(pk): name for pk, name in place_list(commune=commune).values_list("pk", "name")}


def applicant_address(*, dossier: Dossier, required: bool = True) -> str:
    """Where the applicant's mails about this dossier go, '' when nowhere: the address typed in the
    identification; when it is the applicant's account's, only once confirmed and, for what the law does not
    require (`required` False: instruction started, a message), only if « Mes démarches » is not muted."""
    email = dossier.applicant_email
    if dossier.applicant is not None and email.lower() == dossier.applicant.email.lower():
        kind = None if required else NotificationKind.DOSSIERS
        email = notification_address(dossier.applicant, kind=kind) or ""
    return email


def dossier_by_token(*, commune: Commune, token: str) -> Dossier | None:
    """The dossier behind a private link (the applicant's, without an account)."""
    if not token or len(token) > 64:
        return None
    dossier = next(
        iter(
            Dossier.objects.filter(commune=commune, access_token=token)
            .select_related("demarche", "version", "team")
            .order_by()[:1]  # the token is unique: no ORDER BY (each draft page reads it, filing four times)
        ),
        None,
    )
    if dossier is not None:
        dossier.commune = commune  # the request's, without its contour (not read again with every dossier)
    return dossier


def draft_of_account(*, commune: Commune, user: Any, token: str) -> Dossier | None:
    """A draft by its private link, for the signed-in account that started it only: None for anyone else, for
    nobody signed in and for a dossier already filed."""
    if user is None or not user.is_authenticated:
        return None
    dossier = dossier_by_token(commune=commune, token=token)
    if dossier is None or dossier.applicant_id != user.pk or dossier.state != Dossier.State.DRAFT:
        return None
    return dossier


def dossier_by_code(*, commune: Commune, code: str) -> Dossier | None:
    """A filed dossier by its tracking code (the short status page; drafts are not found)."""
    normalized = normalize_code(code)
    if normalized is None:
        return None
    return (
        Dossier.objects.filter(commune=commune, tracking_code=normalized)
        .exclude(state=Dossier.State.DRAFT)
        .select_related("demarche", "version")  # the version: what the mairie's silence means
        .first()
    )


def dossier_get(*, commune: Commune, pk: int) -> Dossier | None:
    """A dossier for the agents (drafts are the applicant's own and are not shown)."""
    return (
        Dossier.objects.filter(commune=commune, pk=pk)
        .exclude(state=Dossier.State.DRAFT)
        .select_related("demarche", "version", "team", "assignee", "filed_by", "commune")
        .first()
    )


def dossiers_of_account(*, commune: Commune, user: Any) -> QuerySet[Dossier]:
    """What a signed-in resident has started or filed in the commune, newest first."""
    return (
        Dossier.objects.filter(commune=commune, applicant=user)
        .select_related("demarche")
        .order_by("-updated_at")
    )


def queue(
    *,
    commune: Commune,
    today: date,
    demarche: Demarche | None = None,
    state: str = "ouverts",
    assignee: Any = None,
    overdue_only: bool = False,
    search: str = "",
) -> QuerySet[Dossier]:
    """The agents' queue: filed dossiers, those past or nearest their implicit-decision date first, then the
    ones without a date (no implicit decision, pieces awaited), oldest filed first."""
    qs = Dossier.objects.filter(commune=commune).exclude(state=Dossier.State.DRAFT)
    if state == "ouverts":
        # Written as « not decided »: with an IN list SQLite reads the per-state index and sorts the whole
        # result; this way it walks the (commune, rank, filed) index in the queue's order and stops at the page.
        qs = qs.exclude(state__in=Dossier.DECIDED_STATES)
    elif state in Dossier.State.values:
        qs = qs.filter(state=state)
    if demarche is not None:
        qs = qs.filter(demarche=demarche)
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if overdue_only:
        qs = qs.filter(deadline__lt=today, state__in=Dossier.OPEN_STATES)
    if search:
        code = normalize_code(search)
        qs = qs.filter(tracking_code=code) if code else qs.filter(applicant_matches(search))
    return qs.select_related("demarche", "assignee", "team").order_by("queue_rank", "filed_at", "pk")


# What the queue's search reads of the applicant: the names the « Demandeur » column shows, and the e-mail.
_APPLICANT_SEARCHED = (
    "identity__company_name",
    "identity__association_name",
    "identity__last_name",
    "identity__first_name",
    "applicant_email",
)


def applicant_matches(search: str) -> Q:
    """Dossiers whose applicant the words name: each word in the company's or association's name, the
    person's surname or first name, or the e-mail (« Déménagements », « Camille Fournier », « fournier@ »)."""
    return contains_words(_APPLICANT_SEARCHED, search)


# What a row of the agents' queue shows (the answers, the démarche's forms and the agent's account are not read).
_QUEUE_ROW = (
    "tracking_code",
    "channel",
    "applicant_kind",
    "identity",
    "state",
    "deadline",
    "demarche__title",
    "assignee__full_name",
    "assignee__email",
)


def queue_page(**filters: Any) -> QuerySet[Dossier]:
    """`queue` as the agents' page lists it: only the columns its rows show."""
    return queue(**filters).select_related(None).select_related("demarche", "assignee").only(*_QUEUE_ROW)


def queue_counts(*, commune: Commune, today: date) -> dict[str, int]:
    """Open, overdue and pieces-awaited counts for the queue's header.

    Overdue is asked of `queue_rank` (the deadline, or the end of time when there is none): the same dossiers,
    and the (commune, state, queue_rank) index then answers the three counts without reading a dossier's row."""
    return Dossier.objects.filter(commune=commune, state__in=Dossier.OPEN_STATES).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(queue_rank__lt=today)),
        incomplete=Count("pk", filter=Q(state=Dossier.State.INCOMPLETE)),
    )


def public_events(*, dossier: Dossier) -> QuerySet[DossierEvent]:
    return dossier.events.filter(public=True)


def all_events(*, dossier: Dossier) -> QuerySet[DossierEvent]:
    return dossier.events.select_related("author")


def messages(*, dossier: Dossier) -> QuerySet[DossierMessage]:
    return dossier.messages.select_related("author")


def dossier_file(*, dossier: Dossier, pk: int) -> DossierFile | None:
    return dossier.files.filter(pk=pk).first()


def message_get(*, dossier: Dossier, pk: int) -> DossierMessage | None:
    return dossier.messages.filter(pk=pk).first()


def open_pause_pieces(*, dossier: Dossier) -> str:
    pause = dossier.pauses.filter(ended_on__isnull=True).first()
    return pause.pieces if pause is not None else ""


def decision_templates(*, commune: Commune) -> QuerySet[DecisionTemplate]:
    return DecisionTemplate.objects.filter(commune=commune)


def last_signatory(*, commune: Commune) -> str:
    """Who signed the commune's latest decision (« Le maire, Jeanne Dupont »): the decision form's first
    guess, '' before any."""
    found = (
        Dossier.objects.filter(commune=commune, decided_at__isnull=False)
        .exclude(decision_signatory="")
        .order_by("-decided_at")
        .values_list("decision_signatory", flat=True)
        .first()
    )
    return found or ""


def decision_templates_for(*, dossier: Dossier) -> list[DecisionTemplate]:
    """The commune's letter templates that can be written for this dossier: those naming only fields its form
    has (« {{ champ.salle }} » for a room booking; a general letter names none). Those made for its form come
    first (a template's own letters, `catalogue.TEMPLATE_LETTERS`), then the general ones, each in the usual
    order: what the decision form offers, and what is chosen when one letter is wanted per decision."""
    fields = {
        key for key, item in schema.field_map(dossier.version.schema).items() if item["type"] != "repeat"
    }
    fitting = [
        template
        for template in decision_templates(commune=dossier.commune)
        if not letters.unknown_placeholders(template.body, fields)
    ]
    return sorted(
        fitting, key=lambda t: not any(n.startswith("champ.") for n in letters.PLACEHOLDER.findall(t.body))
    )


def decision_template_get(*, commune: Commune, pk: int) -> DecisionTemplate | None:
    return decision_templates(commune=commune).filter(pk=pk).first()


def export_rows(*, commune: Commune, demarche: Demarche) -> QuerySet[Dossier]:
    return (
        Dossier.objects.filter(commune=commune, demarche=demarche)
        .exclude(state=Dossier.State.DRAFT)
        .select_related("version", "assignee")
        .order_by("filed_at", "pk")
    )
