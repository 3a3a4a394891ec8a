"""What citizen participation holds about a person: that they answered a consultation (never what: the answers
are kept apart, as ballots are), their verification at the counter, proposals filed, supports, comments and
reports, registrations to meetings, volunteering for a citizens' panel.

Erasure keeps what is public or counted without the person: an answer stays counted (published results stay as
they were) with no account behind it; a proposal stays published without its author; supports, comments,
reports, verifications and registrations go.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from beffroi.accounts import activity
from beffroi.accounts.models import User
from beffroi.core import personal_data
from beffroi.core.models import Commune
from beffroi.participation.models import (
    Comment,
    CommentReport,
    ConsultationVerification,
    PanelVolunteer,
    Proposal,
    ProposalStatus,
    Registration,
    Respondent,
    Support,
)


def export(*, user: User) -> dict[str, Any]:
    """Consultations answered (the fact and the date), proposals, supports, comments, reports, registrations."""
    return {
        "consultations_repondues": [
            {
                "commune": r.consultation.commune.slug,
                "consultation": r.consultation.title,
                "a_repondu_le": r.created_at.isoformat(),
            }
            for r in Respondent.objects.filter(person=user)
            .select_related("consultation__commune")
            .order_by("pk")
        ],
        "verifications_au_guichet": [
            {
                "consultation": v.consultation.title,
                "verifications_faites": v.checks,
                "le": v.created_at.isoformat(),
            }
            for v in ConsultationVerification.objects.filter(person=user).select_related("consultation")
        ],
        "propositions": [
            {
                "commune": p.commune.slug,
                "titre": p.title,
                "texte": p.body,
                "statut": p.status,
                "statut_libelle": str(ProposalStatus(p.status).label),
                "reponse_de_la_commune": p.answer,
                "deposee_le": p.created_at.isoformat(),
            }
            for p in Proposal.objects.filter(author=user).select_related("commune").order_by("pk")
        ],
        "soutiens": [
            {"proposition": s.proposal.title, "le": s.created_at.isoformat()}
            for s in Support.objects.filter(person=user).select_related("proposal").order_by("pk")
        ],
        "commentaires": [
            {
                "proposition": c.proposal.title,
                "texte": c.body,
                "le": c.created_at.isoformat(),
                "masque": c.hidden,
                "motif_du_masquage": c.hidden_reason,
            }
            for c in Comment.objects.filter(author=user).select_related("proposal").order_by("pk")
        ],
        "signalements_de_commentaires": [
            {"motif": r.reason, "le": r.created_at.isoformat()}
            for r in CommentReport.objects.filter(reporter=user).order_by("pk")
        ],
        "volontariats_panels_citoyens": [
            {
                "panel": v.panel.title,
                "reference": v.ref,
                "nom": v.name,
                "courriel": v.email,
                "telephone": v.phone,
                "caracteristiques": v.features,
                "statut": v.status,
                "statut_libelle": str(v.get_status_display()),
                "inscrit_le": v.created_at.isoformat(),
            }
            for v in _volunteers(user).select_related("panel").order_by("pk")
        ],
        "inscriptions_aux_reunions": [
            {
                "reunion": r.meeting.title,
                "date_de_la_reunion": r.meeting.starts_at.isoformat(),
                "nom": r.name,
                "courriel": r.email,
                "places": r.seats,
                "inscrit_le": r.created_at.isoformat(),
                "annulee_le": r.cancelled_at.isoformat() if r.cancelled_at else None,
            }
            for r in _registrations(user).select_related("meeting").order_by("pk")
        ],
    }


def _registrations(user: User) -> "QuerySet[Registration]":
    return Registration.objects.filter(Q(person=user) | Q(email__iexact=user.email))


def _volunteers(user: User) -> "QuerySet[PanelVolunteer]":
    return PanelVolunteer.objects.filter(Q(person=user) | Q(email__iexact=user.email))


def erase(*, user: User) -> None:
    """Answers stay counted without an account; proposals stay public without author; a panel volunteer keeps
    the reference and the features the published draw was computed on, without name or contact; the rest goes."""
    _volunteers(user).update(person=None, name="", email="", phone="")
    Respondent.objects.filter(person=user).update(person=None)
    Proposal.objects.filter(author=user).update(author=None, author_name="")
    Support.objects.filter(person=user).delete()
    CommentReport.objects.filter(reporter=user).delete()
    Comment.objects.filter(author=user).delete()
    ConsultationVerification.objects.filter(person=user).delete()
    _registrations(user).delete()


def account_section(*, user: User, commune: Commune) -> activity.Section | None:
    """« Ma participation »: proposals with their state, consultations answered, supports."""
    if not commune.has_module("participation"):
        return None
    items = [
        activity.Item(
            label=gettext("Proposition « %(title)s »") % {"title": p.title},
            url=reverse("participation:proposal", kwargs={"pk": p.pk}),
            state=ProposalStatus(p.status).label,
            on=p.created_at,
        )
        for p in Proposal.objects.filter(commune=commune, author=user).order_by("-created_at")
    ]
    items += [
        activity.Item(
            label=gettext("Vous avez répondu à la consultation « %(title)s »")
            % {"title": r.consultation.title},
            url=reverse("participation:consultation", kwargs={"slug": r.consultation.slug}),
            state=gettext("réponse enregistrée"),
            on=r.created_at,
        )
        for r in Respondent.objects.filter(consultation__commune=commune, person=user)
        .select_related("consultation")
        .order_by("-created_at")
    ]
    items += [
        activity.Item(
            label=gettext("Vous soutenez « %(title)s »") % {"title": s.proposal.title},
            url=reverse("participation:proposal", kwargs={"pk": s.proposal_id}),
            state=ProposalStatus(s.proposal.status).label,
            on=s.created_at,
        )
        for s in Support.objects.filter(proposal__commune=commune, person=user).select_related("proposal")
    ]
    return activity.Section(
        title=gettext_lazy("Ma participation citoyenne"),
        items=items,
        empty=gettext_lazy(
            "Vous n'avez ni répondu à une consultation ni déposé ou soutenu de proposition ici."
        ),
    )


personal_data.register("participation_citoyenne", exporter=export, eraser=erase)
activity.register("participation_citoyenne", account_section, order=35)
