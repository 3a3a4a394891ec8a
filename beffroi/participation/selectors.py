"""Reads of citizen participation, always scoped to the commune and to what the viewer may see.

No selector returns a consultation's answers next to the person who gave them (for an anonymous consultation
the link does not exist): `respondent_count` says how many answered, `consultation_results` counts the sheets.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.models import User
from beffroi.accounts.selectors import user_can
from beffroi.core.models import Commune
from beffroi.core.search import contains_text
from beffroi.participation import sortition, tally
from beffroi.participation.models import (
    AnswerSheet,
    Audience,
    Comment,
    Consultation,
    ConsultationState,
    ConsultationVerification,
    Meeting,
    MeetingDocument,
    Option,
    Panel,
    PanelVolunteer,
    PaperEntry,
    Proposal,
    ProposalRules,
    ProposalStatus,
    Question,
    Registration,
    Respondent,
    Support,
    VolunteerStatus,
)

# ----------------------------------------------------------------------------------------------------------------
# Consultations
# ----------------------------------------------------------------------------------------------------------------


def overview(*, commune: Commune) -> dict[str, Any]:
    """What the participation page lists, with the fields it shows only (never a consultation's presentation,
    a proposal's text or a panel's draw data): the published consultations, open first; the 5 newest proposals
    not merged, with their supports; the meetings of the 6 latest still to come and the 3 latest past; the 5
    latest panels; the proposal rules."""
    consultations = consultation_list(
        commune=commune,
        queryset=Consultation.objects.only("title", "slug", "opens_at", "closes_at", "published", "decision"),
    )
    meetings = list(meeting_list(commune=commune).only("title", "starts_at", "ends_at", "place_name")[:6])
    return {
        "consultations": consultations,
        "proposals": list(
            proposal_list(commune=commune)
            .exclude(status=ProposalStatus.MERGED)
            .only("title", "created_at")[:5]
        ),
        "upcoming": [m for m in meetings if not m.is_past],
        "past": [m for m in meetings if m.is_past][:3],
        "rules": proposal_rules_get(commune=commune),
        "panels": list(
            panel_list(commune=commune).only("title", "slug", "drawn_at", "volunteers_close_at")[:5]
        ),
    }


def consultation_list(
    *, commune: Commune, include_drafts: bool = False, queryset: QuerySet[Consultation] | None = None
) -> list[Consultation]:
    """The commune's consultations, open first, then upcoming, then closed (drafts only for the mairie).

    `queryset`: the consultations to read from (fewer fields), `Consultation.objects` by default."""
    found = list((queryset if queryset is not None else Consultation.objects).filter(commune=commune))
    if not include_drafts:
        found = [c for c in found if c.published]
    order = {
        ConsultationState.OPEN: 0,
        ConsultationState.UPCOMING: 1,
        ConsultationState.DRAFT: 2,
        ConsultationState.CLOSED: 3,
    }
    return sorted(found, key=lambda c: (order[ConsultationState(c.state)], -c.opens_at.timestamp()))


def consultation_get(*, commune: Commune, slug: str, include_drafts: bool = False) -> Consultation:
    consultation = get_object_or_404(Consultation, commune=commune, slug=slug)
    if not include_drafts and not consultation.published:
        raise Http404("Cette consultation n'est pas publiée.")
    return consultation


def question_list(*, consultation: Consultation) -> list[Question]:
    """The questions in order, with their options (prefetched: `answers` reads them)."""
    return list(
        consultation.questions.prefetch_related(
            Prefetch("options", queryset=Option.objects.order_by("position", "pk"))
        )
    )


def is_verified(*, consultation: Consultation, person: User | AnonymousUser | None) -> bool:
    if person is None or not person.is_authenticated:
        return False
    return ConsultationVerification.objects.filter(consultation=consultation, person=person).exists()


def has_answered(
    *, consultation: Consultation, person: User | AnonymousUser | None, browser_key: str = ""
) -> bool:
    if person is not None and person.is_authenticated:
        return Respondent.objects.filter(consultation=consultation, person=person).exists()
    return (
        bool(browser_key)
        and Respondent.objects.filter(consultation=consultation, browser_key=browser_key).exists()
    )


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


def answer_refusal(
    *, consultation: Consultation, person: User | AnonymousUser | None, browser_key: str = ""
) -> str | None:
    """Why this person cannot answer now (French), or None."""
    state = consultation.state
    if state == ConsultationState.DRAFT:
        return _("Cette consultation n'est pas publiée.")
    if state == ConsultationState.UPCOMING:
        return _("La consultation n'est pas encore ouverte : elle a lieu du %(start)s au %(end)s.") % {
            "start": _when(consultation.opens_at),
            "end": _when(consultation.closes_at),
        }
    if state == ConsultationState.CLOSED:
        return _("La consultation est close depuis le %(end)s : les réponses ne sont plus reçues.") % {
            "end": _when(consultation.closes_at)
        }
    authenticated = person is not None and person.is_authenticated
    if consultation.audience != Audience.ANYONE:
        if not authenticated:
            return _("Connectez-vous pour répondre à cette consultation.")
        if not user_can(commune=consultation.commune, user=person, capability="participate"):
            return _(
                "Vous n'êtes pas inscrit·e comme habitant·e de la commune : vous ne pouvez pas répondre."
            )
        if consultation.audience == Audience.VERIFIED and not is_verified(
            consultation=consultation, person=person
        ):
            return _(
                "Cette consultation est réservée aux habitants vérifiés : présentez une pièce d'identité et un "
                "justificatif de domicile à l'accueil de la mairie, ou remplissez un questionnaire papier."
            )
    elif not authenticated and not browser_key:
        return _("Votre navigateur refuse les cookies : activez-les pour répondre, ou connectez-vous.")
    if has_answered(consultation=consultation, person=person, browser_key=browser_key):
        return _("Vous avez déjà répondu à cette consultation : une seule réponse par personne.")
    return None


def respondent_count(*, consultation: Consultation) -> dict[str, int]:
    """How many answered online, on paper (two agreeing entries) and in all."""
    online = Respondent.objects.filter(consultation=consultation).count()
    paper = len(paper_reconciliation(consultation=consultation)["matching"])
    return {"online": online, "paper": paper, "total": online + paper}


def _paper_state(entries: list[PaperEntry]) -> str:
    if len(entries) < 2:
        return "single"
    first = entries[0].answers
    return "matching" if all(e.answers == first for e in entries) else "mismatch"


def paper_reconciliation(*, consultation: Consultation) -> dict[str, list[tuple[int, list[PaperEntry]]]]:
    """Paper questionnaires by state: `matching` (two entries or more agree: counted), `mismatch`, `single`."""
    by_number: dict[int, list[PaperEntry]] = defaultdict(list)
    for entry in PaperEntry.objects.filter(consultation=consultation).select_related("entered_by"):
        by_number[entry.paper_number].append(entry)
    result: dict[str, list[tuple[int, list[PaperEntry]]]] = {"matching": [], "mismatch": [], "single": []}
    for number, entries in sorted(by_number.items()):
        result[_paper_state(entries)].append((number, entries))
    return result


def counted_sheets(*, consultation: Consultation) -> list[dict[str, Any]]:
    """Every counted questionnaire's answers: online sheets, then paper questionnaires entered twice alike."""
    sheets: list[dict[str, Any]] = list(
        AnswerSheet.objects.filter(consultation=consultation)
        .order_by("token")
        .values_list("answers", flat=True)
    )
    sheets += [
        entries[0].answers for _n, entries in paper_reconciliation(consultation=consultation)["matching"]
    ]
    return sheets


def consultation_results(*, consultation: Consultation) -> list[tuple[Question, tally.QuestionResult]]:
    """Each question with its counted result (see `tally`)."""
    questions = question_list(consultation=consultation)
    specs = [tally.QuestionSpec(q.pk, q.kind, tuple(o.pk for o in q.options.all())) for q in questions]
    results = tally.tally(specs, counted_sheets(consultation=consultation))
    return list(zip(questions, results, strict=True))


def published_results_get(*, commune: Commune, slug: str) -> Consultation:
    """A consultation whose results are public (closed), or 404."""
    consultation = consultation_get(commune=commune, slug=slug)
    if not consultation.results_published:
        raise Http404("Les résultats seront publiés à la clôture de la consultation.")
    return consultation


def named_answers(*, consultation: Consultation) -> list[tuple[Respondent, dict[str, Any]]]:
    """Who said what, for a consultation that is NOT anonymous only (agents); empty for an anonymous one."""
    if consultation.anonymous:
        return []
    sheets = dict(AnswerSheet.objects.filter(consultation=consultation).values_list("token", "answers"))
    return [
        (r, sheets.get(r.sheet_token, {}))
        for r in Respondent.objects.filter(consultation=consultation).select_related("person").order_by("pk")
        if r.sheet_token
    ]


# ----------------------------------------------------------------------------------------------------------------
# Proposals
# ----------------------------------------------------------------------------------------------------------------


def proposal_rules_get(*, commune: Commune) -> ProposalRules:
    """The commune's proposal rules (the defaults until its administrator changes them)."""
    found = ProposalRules.objects.filter(commune=commune).first()
    return found or ProposalRules(commune=commune)


def proposal_list(*, commune: Commune, status: str = "", query: str = "") -> QuerySet[Proposal]:
    """The commune's proposals with their support counts (merged ones last), newest first."""
    found = Proposal.objects.filter(commune=commune).annotate(support_count=Count("supports"))
    if status:
        found = found.filter(status=status)
    if query:
        found = found.filter(contains_text(("title", "body"), query))
    return found.order_by("-created_at", "-pk")


def proposal_get(*, commune: Commune, pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.annotate(support_count=Count("supports")), commune=commune, pk=pk
    )


def has_supported(*, proposal: Proposal, person: User | AnonymousUser | None) -> bool:
    if person is None or not person.is_authenticated:
        return False
    return Support.objects.filter(proposal=proposal, person=person).exists()


def visible_comments(*, proposal: Proposal) -> QuerySet[Comment]:
    """The comments in order; a hidden one is still listed (its place and the reason), never its text."""
    return proposal.comments.select_related("author").annotate(report_count=Count("reports"))


def overdue_proposals(*, commune: Commune) -> QuerySet[Proposal]:
    """Proposals past their threshold whose answer is late: the élus' list (oldest due first)."""
    return (
        Proposal.objects.filter(
            commune=commune,
            status=ProposalStatus.OPEN,
            answer_due_at__lt=timezone.now(),
        )
        .annotate(support_count=Count("supports"))
        .order_by("answer_due_at", "pk")
    )


def awaiting_answer(*, commune: Commune) -> QuerySet[Proposal]:
    """Proposals past their threshold still waiting for the commune's answer (late or not)."""
    return (
        Proposal.objects.filter(
            commune=commune, status=ProposalStatus.OPEN, threshold_reached_at__isnull=False
        )
        .annotate(support_count=Count("supports"))
        .order_by("answer_due_at", "pk")
    )


def reported_comments(*, commune: Commune) -> QuerySet[Comment]:
    """Comments reported by residents and still shown: the moderators' queue."""
    return (
        Comment.objects.filter(proposal__commune=commune, hidden_at__isnull=True)
        .annotate(report_count=Count("reports"))
        .filter(report_count__gt=0)
        .select_related("proposal", "author")
        .order_by("-report_count", "created_at")
    )


# ----------------------------------------------------------------------------------------------------------------
# Meetings
# ----------------------------------------------------------------------------------------------------------------


def meeting_list(*, commune: Commune) -> QuerySet[Meeting]:
    return Meeting.objects.filter(commune=commune).order_by("-starts_at", "-pk")


def meeting_get(*, commune: Commune, pk: int) -> Meeting:
    return get_object_or_404(Meeting, commune=commune, pk=pk)


def seats_taken(*, meeting: Meeting) -> int:
    return sum(
        Registration.objects.filter(meeting=meeting, cancelled_at__isnull=True).values_list(
            "seats", flat=True
        )
    )


def registrations(*, meeting: Meeting) -> QuerySet[Registration]:
    """The people registered (agents only), cancelled ones apart."""
    return (
        Registration.objects.filter(meeting=meeting)
        .select_related("person")
        .order_by("cancelled_at", "created_at")
    )


def token_hash(token: str) -> str:
    """The stored form of a registration's private cancellation token (SHA-256: the mail alone holds it)."""
    return hashlib.sha256(token.encode()).hexdigest()


def registration_by_token(*, commune: Commune, token: str) -> Registration | None:
    return (
        Registration.objects.filter(cancel_token_hash=token_hash(token), meeting__commune=commune)
        .select_related("meeting")
        .first()
    )


# ----------------------------------------------------------------------------------------------------------------
# Citizen panels
# ----------------------------------------------------------------------------------------------------------------


def panel_list(*, commune: Commune) -> QuerySet[Panel]:
    return Panel.objects.filter(commune=commune).order_by("-created_at", "-pk")


def panel_get(*, commune: Commune, slug: str) -> Panel:
    return get_object_or_404(Panel, commune=commune, slug=slug)


def panel_volunteers(*, panel: Panel) -> QuerySet[PanelVolunteer]:
    """The volunteers (agents only: names and contacts), by reference."""
    return PanelVolunteer.objects.filter(panel=panel).order_by("ref")


def panel_members(*, panel: Panel) -> list[str]:
    """The references of the panel as it stands (drawn, then replacements), sorted."""
    return sorted(
        PanelVolunteer.objects.filter(
            panel=panel, status__in=(VolunteerStatus.SELECTED, VolunteerStatus.REPLACEMENT)
        ).values_list("ref", flat=True)
    )


def panel_quota_table(*, panel: Panel, members: list[str]) -> list[sortition.reporting.QuotaRow]:
    """The quota table of `members` among the panel's volunteers (`sortition.quota_table`)."""
    volunteers = [
        sortition.Volunteer(id=v.ref, features=v.features) for v in PanelVolunteer.objects.filter(panel=panel)
    ]
    return sortition.quota_table(members, volunteers, sortition.parse_quotas(panel.quotas_text))


def option_get(*, commune: Commune, pk: int) -> Option | None:
    return (
        Option.objects.filter(pk=pk, question__consultation__commune=commune)
        .select_related("question__consultation")
        .first()
    )


def meeting_document_get(*, commune: Commune, pk: int) -> MeetingDocument | None:
    return MeetingDocument.objects.filter(pk=pk, meeting__commune=commune).first()
