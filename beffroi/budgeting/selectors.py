"""Reads of the participatory budget, always scoped to the commune.

No selector here returns ballot contents next to a voter: `voter_list` gives who voted, `results` come from the
count (which only ever sees anonymous ballots).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from beffroi.core.models import Commune

from .models import Ballot, Budget, Phase, Project, ProjectStatus, VoterVerification, VotingCode

if TYPE_CHECKING:
    from beffroi.accounts.models import User


def budget_list(*, commune: Commune, include_drafts: bool = False) -> list[Budget]:
    budgets = list(Budget.objects.filter(commune=commune))
    if include_drafts:
        return budgets
    return [b for b in budgets if b.phase != Phase.DRAFT]


def budget_get(*, commune: Commune, slug: str, include_drafts: bool = False) -> Budget:
    budget = get_object_or_404(Budget, commune=commune, slug=slug)
    if not include_drafts and budget.phase == Phase.DRAFT:
        from django.http import Http404

        raise Http404("Ce budget n'est pas encore publié.")
    return budget


def project_list(*, commune: Commune, budget: Budget, public: bool = True) -> QuerySet[Project]:
    qs = Project.objects.filter(commune=commune, budget=budget).select_related(
        "place", "sub_budget", "merged_into"
    )
    return qs


def ballot_projects(*, commune: Commune, budget: Budget) -> list[Project]:
    """The projects on the ballot paper."""
    return [p for p in project_list(commune=commune, budget=budget) if p.on_ballot]


def project_get(*, commune: Commune, budget: Budget, pk: int) -> Project:
    return get_object_or_404(Project, commune=commune, budget=budget, pk=pk)


def winners_list(*, commune: Commune, budget: Budget) -> QuerySet[Project]:
    return (
        Project.objects.filter(commune=commune, budget=budget)
        .filter(Q(status=ProjectStatus.SELECTED) | Q(status=ProjectStatus.DELIVERED))
        .prefetch_related("updates")
    )


def voter_list(*, commune: Commune, budget: Budget) -> QuerySet[Ballot]:
    """Who voted online (names and dates only, for the agents), never what."""
    return (
        Ballot.objects.filter(budget__commune=commune, budget=budget)
        .select_related("voter")
        .only("voter__full_name", "voter__email", "voter_key", "voting_code", "created_at", "updated_at")
        .order_by("voter__full_name", "voter__email")
    )


def has_voted(*, budget: Budget, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and Ballot.objects.filter(budget=budget, voter=user).exists()


def is_verified(*, budget: Budget, user: User | AnonymousUser) -> bool:
    return user.is_authenticated and VoterVerification.objects.filter(budget=budget, voter=user).exists()


def budget_stats(*, commune: Commune, budget: Budget) -> dict[str, int]:
    counts: dict[str, int] = Project.objects.filter(commune=commune, budget=budget).aggregate(
        ideas=Count("pk"),
        pending=Count("pk", filter=Q(status=ProjectStatus.SUBMITTED)),
    )
    counts["ballots"] = Ballot.objects.filter(budget=budget).count()
    counts["verified"] = VoterVerification.objects.filter(budget=budget).count()
    counts["codes_unused"] = budget.voting_codes.filter(used_at__isnull=True).count()
    return counts


def budget_has_codes(*, budget: Budget) -> bool:
    """Whether the mairie printed voting codes for the budget (then a code alone is enough to vote)."""
    return VotingCode.objects.filter(budget=budget).exists()


def vote_turnout(*, commune: Commune, budget: Budget) -> dict[str, int]:
    """Who took part online, in figures only (never who voted what): ballots by account and by code alone, codes
    printed and used (to vote, or to verify an account), voters verified at the counter or by a code."""
    ballots = Ballot.objects.filter(budget__commune=commune, budget=budget)
    codes = VotingCode.objects.filter(commune=commune, budget=budget)
    counts: dict[str, int] = ballots.aggregate(
        online=Count("pk"),
        by_code=Count("pk", filter=Q(voting_code__isnull=False)),
    )
    counts["by_account"] = counts["online"] - counts["by_code"]
    counts.update(
        codes.aggregate(
            codes_printed=Count("pk"),
            codes_used=Count("pk", filter=Q(used_at__isnull=False)),
        )
    )
    counts["codes_for_accounts"] = counts["codes_used"] - counts["by_code"]
    counts["verified"] = VoterVerification.objects.filter(budget=budget).count()
    return counts
