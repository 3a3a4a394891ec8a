"""What the participatory budget holds about a person: ideas submitted, that they voted (never for what: the
ballot is secret), their verification as a voter, and, for agents, the progress notes they wrote.

Erasure keeps the ballot counted (published results stay checkable) and keeps, on the voters' roll, a keyed
hash of the address the counter check identifies voters by (`voter_key`): the same person cannot vote a second
time with a new account, while the roll no longer holds the address.
"""

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from beffroi.accounts import activity
from beffroi.accounts.models import User
from beffroi.budgeting.models import Ballot, Budget, Project, ProjectStatus, ProjectUpdate, VoterVerification
from beffroi.core import personal_data
from beffroi.core.models import Commune


def voter_key(*, budget: Budget, email: str) -> str:
    """The pseudonymous roll entry of an erased voter: an HMAC, under the server secret, of the budget and the
    normalised address (the identity the counter check and the online vote know a voter by). It cannot be
    reversed into the address, differs from one budget to the next, and matches only that address again."""
    message = f"beffroi-voter:{budget.pk}:{email.strip().lower()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def voted_with_erased_account(*, budget: Budget, email: str) -> Ballot | None:
    """The ballot an erased account cast in this budget with this address, if any (double-vote check)."""
    if not email:
        return None
    return Ballot.objects.filter(
        budget=budget, voter__isnull=True, voter_key=voter_key(budget=budget, email=email)
    ).first()


def export(*, user: User) -> dict[str, Any]:
    """Ideas with their text, cost and status; votes as « a voté le … »; verifications; progress notes."""
    ideas = (
        Project.objects.filter(Q(author=user) | Q(author__isnull=True, contact_email__iexact=user.email))
        .select_related("budget", "commune")
        .order_by("created_at", "pk")
    )
    return {
        "idees": [
            {
                "commune": p.commune.slug,
                "budget": p.budget.title,
                "titre": p.title,
                "description": p.description,
                "categorie": p.get_category_display(),
                "lieu": p.location,
                "cout_estime_euros": p.estimated_cost,
                "cout_retenu_euros": p.final_cost,
                "statut": p.status,
                "statut_libelle": str(ProjectStatus(p.status).label),
                "decision": p.decision,
                "nom_donne": p.author_name,
                "courriel_donne": p.contact_email,
                "deposee_le": p.created_at.isoformat(),
            }
            for p in ideas
        ],
        # The ballot is secret: the platform itself keeps the choices apart from the voter (BallotChoice rows
        # under an opaque token), so the download says when the person voted, never for what.
        "votes": [
            {
                "commune": b.budget.commune.slug,
                "budget": b.budget.title,
                "a_vote_le": b.created_at.isoformat(),
                "bulletin_modifie_le": b.updated_at.isoformat(),
            }
            for b in Ballot.objects.filter(voter=user)
            .select_related("budget__commune")
            .order_by("created_at")
        ],
        "verifications_de_votant": [
            {
                "budget": v.budget.title,
                "methode": v.method,
                "methode_libelle": str(VoterVerification.Method(v.method).label),
                "verifications_faites": v.checks,
                "le": v.created_at.isoformat(),
            }
            for v in VoterVerification.objects.filter(voter=user).select_related("budget").order_by("pk")
        ],
        "points_d_avancement_rediges": [
            {
                "projet": u.project.title,
                "texte": u.text,
                "avancement_pourcent": u.progress,
                "le": u.created_at.isoformat(),
            }
            for u in ProjectUpdate.objects.filter(author=user)
            .select_related("project")
            .order_by("created_at")
        ],
    }


def erase(*, user: User) -> None:
    """Ideas stay (public, perhaps voted on) without their author or contact details. Ballots stay counted,
    their voter replaced by the keyed hash of `voter_key`. Verifications go: a ballot already proves them."""
    Project.objects.filter(Q(author=user) | Q(author__isnull=True, contact_email__iexact=user.email)).update(
        author=None, author_name="", contact_email=""
    )
    for ballot in Ballot.objects.filter(voter=user).select_related("budget"):
        ballot.voter_key = voter_key(budget=ballot.budget, email=user.email)
        ballot.voter = None
        ballot.save(update_fields=["voter_key", "voter"])
    VoterVerification.objects.filter(voter=user).delete()


def account_section(*, user: User, commune: Commune) -> activity.Section | None:
    """« Mes idées et mes votes »: ideas with their status, then « vous avez voté au budget X le … »."""
    if not commune.has_module("budgeting"):
        return None
    items = [
        activity.Item(
            label=gettext("Idée « %(title)s » (budget « %(budget)s »)")
            % {"title": p.title, "budget": p.budget.title},
            url=reverse("budgeting:idea", kwargs={"slug": p.budget.slug, "pk": p.pk}),
            state=ProjectStatus(p.status).label,
            on=p.created_at,
        )
        for p in Project.objects.filter(commune=commune, author=user)
        .select_related("budget")
        .order_by("-created_at")
    ]
    items += [
        activity.Item(
            label=gettext("Vous avez voté au budget « %(budget)s »") % {"budget": b.budget.title},
            url=reverse("budgeting:detail", kwargs={"slug": b.budget.slug}),
            state=gettext("vote enregistré"),
            on=b.created_at,
        )
        for b in Ballot.objects.filter(budget__commune=commune, voter=user)
        .select_related("budget")
        .order_by("-created_at")
    ]
    return activity.Section(
        title=gettext_lazy("Mes idées et mes votes au budget participatif"),
        items=items,
        empty=gettext_lazy("Vous n'avez ni proposé d'idée ni voté dans cette commune."),
    )


personal_data.register("budget_participatif", exporter=export, eraser=erase)
activity.register("budget_participatif", account_section, order=30)
