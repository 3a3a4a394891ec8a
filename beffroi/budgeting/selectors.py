"""Reads of the participatory budget, always scoped to the commune or the budget.

No selector here returns ballot contents next to a voter: `voter_list` gives who voted, `ballot_of` gives a voter
their own choices only, `collected_ballots` gives the count anonymous ballots, and results come from the count.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from fractions import Fraction
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from beffroi.accounts.models import Membership, User
from beffroi.accounts.selectors import user_can
from beffroi.budgeting import rules
from beffroi.budgeting.models import (
    ON_BALLOT,
    Ballot,
    BallotChoice,
    BallotType,
    Budget,
    PaperBallotEntry,
    PaperBallotKind,
    Phase,
    Project,
    ProjectStatus,
    SubBudget,
    VoterVerification,
    VotingCode,
    VotingCodeFailure,
)
from beffroi.budgeting.pabulib_writer import election_to_pabulib, write_pabulib
from beffroi.budgeting.personal_data import voted_with_erased_account
from beffroi.budgeting.results import BudgetCount
from beffroi.budgeting.rules.model import Ballot as RulesBallot
from beffroi.budgeting.rules.model import IdsBallot, PointsBallot
from beffroi.core.dates import long_datetime
from beffroi.core.models import Commune

DRAW_METHOD = "sha256"  # draw order: projects by increasing SHA-256 of "<seed>:<project id>" (hex digests)
CODE_FAILURES_WINDOW = timedelta(minutes=15)
COUNTER_CHECKS = ("identite", "domicile", "age")  # what an agent may tick at the counter


# --------------------------------------------------------------------------------------------------------------
# Budgets, envelopes, projects
# --------------------------------------------------------------------------------------------------------------


def budget_list(*, commune: Commune, include_drafts: bool = False) -> list[Budget]:
    """The commune's budgets (those in preparation only for the staff)."""
    budgets = list(Budget.objects.filter(commune=commune))
    if include_drafts:
        return budgets
    return [b for b in budgets if b.phase != Phase.DRAFT]


def budget_get(*, commune: Commune, slug: str, include_drafts: bool = False) -> Budget:
    """The commune's budget `slug`, or 404 (also for a budget in preparation, unless `include_drafts`)."""
    budget = get_object_or_404(Budget, commune=commune, slug=slug)
    if not include_drafts and budget.phase == Phase.DRAFT:
        raise Http404("Ce budget n'est pas encore publié.")
    return budget


def results_get(*, commune: Commune, slug: str) -> tuple[Budget, BudgetCount]:
    """A budget and its published results, or 404 while they are not published."""
    budget = budget_get(commune=commune, slug=slug)
    results = budget.count_results
    if not budget.results_published or results is None:
        raise Http404("Les résultats ne sont pas encore publiés.")
    return budget, results


def published_results_get(*, commune: Commune, slug: str) -> tuple[Budget, str]:
    """A budget and its published results as stored (JSON text, not read yet), or 404 while not published.

    The results page keeps what it renders under the text's digest: a hit never decodes the count.
    """
    budget = get_object_or_404(
        Budget.objects.defer("results").annotate(results_text=Cast("results", TextField())),
        commune=commune,
        slug=slug,
    )
    if budget.phase == Phase.DRAFT:
        raise Http404("Ce budget n'est pas encore publié.")
    text = budget.results_text  # type: ignore[attr-defined]
    if text is None or budget.phase not in (Phase.RESULTS, Phase.FOLLOWUP):
        raise Http404("Les résultats ne sont pas encore publiés.")
    return budget, text


def sub_budget_list(*, budget: Budget, with_project_counts: bool = False) -> list[SubBudget]:
    """The budget's envelopes by name; `with_project_counts` adds `n_projects` to each."""
    subs = SubBudget.objects.filter(budget=budget)
    if with_project_counts:
        subs = subs.annotate(n_projects=Count("projects"))
    return list(subs)


def general_envelope_amount(*, budget: Budget, sub_budgets: Iterable[SubBudget]) -> int | None:
    """What the envelopes leave of the budget for the projects outside them: the general envelope the count
    gives them (`rules.subbudgets.GENERAL`). None for a budget without envelopes (the whole budget is general)
    or whose envelopes take it all."""
    subs = list(sub_budgets)
    if not subs:
        return None
    general = budget.total_amount - sum(sub.amount for sub in subs)
    return general if general > 0 else None


def sub_budget_get(*, budget: Budget, pk: int) -> SubBudget:
    """One envelope of the budget, or 404."""
    return get_object_or_404(SubBudget, budget=budget, pk=pk)


def sub_budgets_locked(*, budget: Budget) -> bool:
    """Whether envelopes and the projects' envelopes are frozen: once the vote is open, or the budget counted."""
    return budget.counted_at is not None or budget.phase in (Phase.VOTE, Phase.RESULTS, Phase.FOLLOWUP)


#: What the public cards of the ideas and projects show (never who gave an idea, nor how to reach them).
CARD_FIELDS = (
    "title",
    "description",
    "category",
    "place",
    "place__name",
    "location",
    "estimated_cost",
    "final_cost",
    "status",
    "decision",
    "merged_into",
    "merged_into__title",
    "picture_thumbnail",
    "picture_alt",
)


def project_cards(*, commune: Commune, budget: Budget) -> list[Project]:
    """Every idea and project of the budget with what their public cards show only (`CARD_FIELDS`)."""
    return list(
        Project.objects.filter(commune=commune, budget=budget)
        .select_related("place", "merged_into")
        .only(*CARD_FIELDS)
    )


def has_winners(*, commune: Commune, budget: Budget) -> bool:
    """Whether the budget has winning projects (whose realisation residents can follow)."""
    return winners_list(commune=commune, budget=budget).exists()


def project_list(*, commune: Commune, budget: Budget) -> QuerySet[Project]:
    """Every idea and project of the budget, with their place, envelope and merge target."""
    return Project.objects.filter(commune=commune, budget=budget).select_related(
        "place", "sub_budget", "merged_into"
    )


#: What the ballot paper reads of a project: its title, cost, status and thumbnail (never its description).
BALLOT_FIELDS = ("title", "estimated_cost", "final_cost", "status", "picture_thumbnail")


def ballot_projects(*, commune: Commune, budget: Budget) -> list[Project]:
    """The projects on the ballot paper (with the fields the ballot reads only: `BALLOT_FIELDS`)."""
    return list(
        Project.objects.filter(commune=commune, budget=budget, status__in=ON_BALLOT).only(*BALLOT_FIELDS)
    )


def project_get(*, commune: Commune, budget: Budget, pk: int) -> Project:
    """One idea or project of the budget, or 404."""
    return get_object_or_404(Project, commune=commune, budget=budget, pk=pk)


def idea_get(*, commune: Commune, budget: Budget, pk: int) -> Project:
    """One idea or project of a published budget as its public page shows it (place, merge target, and the
    progress notes of a winning project), or 404."""
    return get_object_or_404(
        Project.objects.select_related("place", "merged_into").prefetch_related("updates"),
        commune=commune,
        budget=budget,
        pk=pk,
    )


def winners_list(*, commune: Commune, budget: Budget) -> QuerySet[Project]:
    """The winning projects, with their progress notes (suivi)."""
    return (
        Project.objects.filter(commune=commune, budget=budget)
        .filter(Q(status=ProjectStatus.SELECTED) | Q(status=ProjectStatus.DELIVERED))
        .prefetch_related("updates")
    )


# --------------------------------------------------------------------------------------------------------------
# Voters: who voted, verification, codes
# --------------------------------------------------------------------------------------------------------------


def voter_list(*, commune: Commune, budget: Budget) -> QuerySet[Ballot]:
    """Who voted online (names and dates only, for the agents), never what."""
    return (
        Ballot.objects.filter(budget__commune=commune, budget=budget)
        .select_related("voter")
        .only("voter__full_name", "voter__email", "voter_key", "voting_code", "created_at", "updated_at")
        .order_by("voter__full_name", "voter__email")
    )


def member_by_email(*, commune: Commune, email: str) -> User | None:
    """The account of the commune with this address (the counter check), or None."""
    return User.objects.filter(
        email__iexact=email, pk__in=Membership.objects.filter(commune=commune).values("user")
    ).first()


def has_voted(*, budget: Budget, user: User | AnonymousUser) -> bool:
    """Whether this account has a ballot in the budget."""
    return user.is_authenticated and Ballot.objects.filter(budget=budget, voter=user).exists()


def is_verified(*, budget: Budget, user: User | AnonymousUser) -> bool:
    """Whether this account was verified as a voter of the budget (code or counter)."""
    return user.is_authenticated and VoterVerification.objects.filter(budget=budget, voter=user).exists()


def budget_stats(*, commune: Commune, budget: Budget) -> dict[str, int]:
    """Ideas, ideas awaiting instruction, ballots, verified voters and unused codes of the budget."""
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


def counter_checks_required(*, budget: Budget) -> set[str]:
    """What an agent must check at the counter: identity and residence, and age when the budget has a minimum."""
    return {"identite", "domicile", "age"} if budget.min_age else {"identite", "domicile"}


def voting_code_locked_out(*, commune: Commune, client: str) -> bool:
    """Whether `client` (keyed hash of its address) typed too many wrong codes lately (database counter).

    `BEFFROI_VOTING_CODE_FAILURES` wrong codes (5 by default) in `CODE_FAILURES_WINDOW` lock the client out
    of every code form of the commune until the oldest of them is old enough: a printed code has 60 random bits,
    and this keeps a guessing client to a few tries an hour.
    """
    if not client:
        return False
    limit = getattr(settings, "BEFFROI_VOTING_CODE_FAILURES", 5)
    since = timezone.now() - CODE_FAILURES_WINDOW
    recent = VotingCodeFailure.objects.filter(commune=commune, submitter_hash=client, created_at__gte=since)
    return recent.count() >= limit


def erased_account_vote_reason(*, budget: Budget, voter: User) -> str | None:
    """The double-vote check after an erasure: the roll keeps a keyed hash of the erased voter's address
    (personal_data.voter_key), matched against the address of the account now asking to vote. French, or None."""
    if Ballot.objects.filter(budget=budget, voter=voter).exists():
        return None  # this account's own ballot, which it may replace
    if voted_with_erased_account(budget=budget, email=voter.email) is None:
        return None
    return _(
        "Cette adresse a déjà servi à voter à ce budget, avec un compte supprimé depuis : un second vote n'est "
        "pas possible."
    )


def voter_can_vote_reason(*, budget: Budget, voter: User | AnonymousUser | None) -> str | None:
    """Why this person cannot vote now (French), or None."""
    if budget.phase != Phase.VOTE:
        if budget.vote_open_at is None or budget.vote_close_at is None:
            return _("Le vote n'est pas ouvert.")
        return _("Le vote n'est pas ouvert : il a lieu du %(start)s au %(end)s.") % {
            "start": long_datetime(budget.vote_open_at),
            "end": long_datetime(budget.vote_close_at),
        }
    if voter is None or not voter.is_authenticated:
        return _("Connectez-vous pour voter.")
    if not user_can(commune=budget.commune, user=voter, capability="participate"):
        return _("Vous n'êtes pas inscrit·e comme habitant·e de la commune : vous ne pouvez pas voter.")
    already = erased_account_vote_reason(budget=budget, voter=voter)
    if already:
        return already
    if (
        budget.voter_verification
        and not VoterVerification.objects.filter(budget=budget, voter=voter).exists()
    ):
        return _("Saisissez votre code de vote ou faites-vous vérifier au guichet de la mairie pour voter.")
    return None


# --------------------------------------------------------------------------------------------------------------
# Ballots
# --------------------------------------------------------------------------------------------------------------


def ballot_token(*, budget: Budget, key: str) -> str:
    """The opaque key of a ballot's choices: an HMAC under the server secret, not derivable by agents."""
    message = f"beffroi-ballot:{budget.pk}:{key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def ballot_of(*, budget: Budget, voter: User | AnonymousUser) -> dict[int, int]:
    """The voter's own current choices (shown to them only, to change their ballot)."""
    if not voter.is_authenticated:
        return {}
    token = ballot_token(budget=budget, key=f"user:{voter.pk}")
    return dict(
        BallotChoice.objects.filter(budget=budget, ballot_token=token).values_list("project_id", "value")
    )


def _euros(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def ballot_errors(*, budget: Budget, choices: dict[int, int]) -> list[str]:
    """What is wrong with a ballot under the budget's rules, in French (empty: valid).

    `choices` maps project pk -> value (1 for approval/panier, points, or rank with 1 = first).
    """
    errors: list[str] = []
    costs = {  # the cost put to the vote (`Project.cost`) of each project on the ballot
        pk: final if final is not None else estimated or 0
        for pk, estimated, final in budget.projects.filter(status__in=ON_BALLOT)
        .order_by()
        .values_list("pk", "estimated_cost", "final_cost")
    }
    unknown = [pk for pk in choices if pk not in costs]
    if unknown:
        return [_("Le bulletin contient un projet qui n'est pas soumis au vote.")]
    chosen = {pk: v for pk, v in choices.items() if v}
    n = len(chosen)
    kind = budget.ballot_type
    if kind in (BallotType.APPROVAL, BallotType.BASKET, BallotType.RANKING):
        if n < budget.min_choices:
            errors.append(
                ngettext(
                    "Choisissez au moins %(min)d projet ; vous en avez choisi %(n)d.",
                    "Choisissez au moins %(min)d projets ; vous en avez choisi %(n)d.",
                    budget.min_choices,
                )
                % {"min": budget.min_choices, "n": n}
            )
        if budget.max_choices and n > budget.max_choices:
            errors.append(
                _("Trop de projets : %(n)d choisis, %(max)d au maximum.")
                % {"n": n, "max": budget.max_choices}
            )
    if kind == BallotType.BASKET:
        total = sum(costs[pk] for pk in chosen)
        if total > budget.basket_limit:
            errors.append(
                _("Votre panier coûte %(total)s €, plus que la limite de %(limit)s €.")
                % {"total": _euros(total), "limit": _euros(budget.basket_limit)}
            )
    if kind == BallotType.CUMULATIVE:
        total = sum(chosen.values())
        if total == 0:
            errors.append(_("Donnez des points à au moins un projet."))
        if total > budget.points_total:
            errors.append(
                _("Vous avez donné %(total)d points, %(max)d au maximum.")
                % {"total": total, "max": budget.points_total}
            )
        cap = budget.max_points_per_project
        if cap and any(v > cap for v in chosen.values()):
            errors.append(_("%(max)d points au maximum par projet.") % {"max": cap})
    if kind == BallotType.RANKING:
        ranks = sorted(chosen.values())
        if ranks != list(range(1, n + 1)):
            errors.append(_("Les rangs doivent se suivre à partir de 1, sans doublon (1, 2, 3…)."))
    return errors


# --------------------------------------------------------------------------------------------------------------
# Paper ballots: double entry
# --------------------------------------------------------------------------------------------------------------


def _paper_state(entries: list[PaperBallotEntry]) -> str:
    if len(entries) < 2:
        return "single"
    first = (entries[0].kind, entries[0].choices)
    return "matching" if all((e.kind, e.choices) == first for e in entries) else "mismatch"


def paper_reconciliation(*, budget: Budget) -> dict[str, list[tuple[int, list[PaperBallotEntry]]]]:
    """Paper ballots by state: `matching` (two agents or more agree: counted), `mismatch`, `single` (one entry).

    Two entries agree when they give the same kind (valid, blank, void) and the same choices.
    """
    by_number: dict[int, list[PaperBallotEntry]] = defaultdict(list)
    for entry in PaperBallotEntry.objects.filter(budget=budget).select_related("entered_by"):
        by_number[entry.paper_number].append(entry)
    result: dict[str, list[tuple[int, list[PaperBallotEntry]]]] = {
        "matching": [],
        "mismatch": [],
        "single": [],
    }
    for number, entries in sorted(by_number.items()):
        result[_paper_state(entries)].append((number, entries))
    return result


def paper_entry_state(*, budget: Budget, paper_number: int) -> tuple[str, list[PaperBallotEntry]]:
    """One paper ballot's state (`matching`, `mismatch` or `single`) and its entries, first entered first."""
    entries = list(
        PaperBallotEntry.objects.filter(budget=budget, paper_number=paper_number)
        .select_related("entered_by")
        .order_by("created_at", "pk")
    )
    return _paper_state(entries), entries


def paper_tally(*, budget: Budget) -> dict[str, Any]:
    """Where the paper ballots stand: counted (valid, blank, void), and the numbers still pending.

    `single`: entered once, awaiting their second entry; `mismatch`: two entries that disagree.
    """
    state = paper_reconciliation(budget=budget)
    kinds = [entries[0].kind for _n, entries in state["matching"]]
    return {
        "valid": kinds.count(PaperBallotKind.VALID),
        "blank": kinds.count(PaperBallotKind.BLANK),
        "void": kinds.count(PaperBallotKind.VOID),
        "single": [n for n, _e in state["single"]],
        "mismatch": [n for n, _e in state["mismatch"]],
    }


# --------------------------------------------------------------------------------------------------------------
# The count's inputs: anonymous ballots, the election, the draw
# --------------------------------------------------------------------------------------------------------------


def _rules_ballot(kind: str, items: dict[int, int]) -> RulesBallot:
    if kind == BallotType.CUMULATIVE:
        return tuple((str(pk), v) for pk, v in sorted(items.items()))
    if kind == BallotType.RANKING:
        return tuple(str(pk) for pk, _v in sorted(items.items(), key=lambda kv: kv[1]))
    return tuple(sorted(str(pk) for pk in items))


def collected_ballots(*, budget: Budget) -> tuple[list[RulesBallot], int, int]:
    """Every counted ballot in the rules' form (online, then valid matching paper ones), and the two counts."""
    kind = budget.ballot_type
    by_token: dict[str, dict[int, int]] = defaultdict(dict)
    for token, pk, value in BallotChoice.objects.filter(budget=budget).values_list(
        "ballot_token", "project_id", "value"
    ):
        by_token[token][pk] = value
    online = Ballot.objects.filter(budget=budget).count()
    ballots = [_rules_ballot(kind, by_token[t]) for t in sorted(by_token)]
    ballots += [()] * max(0, online - len(by_token))  # ballots left empty still count in the endowment
    paper = [  # blank and void paper ballots are in the turnout, not in the election
        {int(k): v for k, v in entries[0].choices.items()}
        for _n, entries in paper_reconciliation(budget=budget)["matching"]
        if entries[0].kind == PaperBallotKind.VALID
    ]
    ballots += [_rules_ballot(kind, items) for items in paper]
    return ballots, online, len(paper)


def election_for(
    *,
    budget: Budget,
    ballots: list[RulesBallot],
    projects: Iterable[Project] | None = None,
    amount: int | None = None,
    with_categories: bool = False,
) -> rules.Election:
    """The rules' election of the budget; `with_categories` carries the envelopes as pabulib categories."""
    if projects is None:
        projects = [p for p in budget.projects.select_related("sub_budget").all() if p.on_ballot]
    projects = list(projects)
    kinds: dict[str, rules.BallotType] = {
        BallotType.CUMULATIVE: rules.BallotType.CUMULATIVE,
        BallotType.RANKING: rules.BallotType.ORDINAL,
    }
    kind = kinds.get(budget.ballot_type, rules.BallotType.APPROVAL)
    keep = {str(p.pk) for p in projects}
    if kind is rules.BallotType.CUMULATIVE:
        ballots = [tuple((p, w) for p, w in cast(PointsBallot, b) if p in keep) for b in ballots]
    else:
        ballots = [tuple(p for p in cast(IdsBallot, b) if p in keep) for b in ballots]
    ordinal_length = None
    if kind is rules.BallotType.ORDINAL:
        ordinal_length = budget.max_choices or max((len(b) for b in ballots), default=1) or 1
    return rules.Election(
        projects=tuple(
            rules.Project(
                str(p.pk),
                Fraction(p.cost),
                p.title,
                (p.sub_budget.name.replace(",", " "),)
                if with_categories and p.sub_budget is not None
                else (),
            )
            for p in projects
        ),
        budget=Fraction(amount if amount is not None else budget.total_amount),
        ballots=tuple(ballots),
        ballot_type=kind,
        ordinal_length=ordinal_length,
        label=budget.title,
    )


def draw_fingerprint(seed: str, project_id: str) -> str:
    """A project's place in the draw: the SHA-256 (hex) of "<seed>:<project id>"; anyone can recompute it."""
    return hashlib.sha256(f"{seed}:{project_id}".encode()).hexdigest()


def draw_order(seed: str, project_ids: Iterable[str]) -> list[str]:
    """The recorded lot: projects by increasing SHA-256 of "<seed>:<project id>" (anyone can recompute it)."""
    return sorted(project_ids, key=lambda pid: (draw_fingerprint(seed, pid), pid))


def _pb_date(value: Any) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y") if value else ""


def results_pabulib(*, commune: Commune, budget: Budget, results: BudgetCount) -> str:
    """The anonymous ballots and the result of a counted budget as a pabulib file (pabulib.org/format).

    META `rule` is the pabulib name of the budget's rule in the rules' registry; envelopes are written as
    pabulib's per-category budgets (as Amsterdam's files), so `beffroi pb count` splits the count the same way.
    """
    ballots, _online, _paper = collected_ballots(budget=budget)
    election = election_for(budget=budget, ballots=ballots, with_categories=True)
    registered = rules.RULES.get(results.rule)
    meta: dict[str, object] = {
        "description": budget.title,
        "country": "France",
        "unit": commune.name,
        "instance": str(timezone.localtime(budget.vote_close_at).year) if budget.vote_close_at else "",
        "rule": registered.pabulib_name if registered is not None else results.rule,
        "date_begin": _pb_date(budget.vote_open_at),
        "date_end": _pb_date(budget.vote_close_at),
        "language": "fr",
        "currency": "EUR",
    }
    if budget.ballot_type in (BallotType.APPROVAL, BallotType.RANKING) and budget.max_choices:
        meta["max_length"] = min(budget.max_choices, len(election.projects))
    if budget.ballot_type == BallotType.BASKET:
        meta["max_sum_cost"] = budget.basket_limit
    if budget.ballot_type == BallotType.CUMULATIVE:
        meta["max_sum_points"] = budget.points_total
    subs = sub_budget_list(budget=budget)
    if subs:
        meta["categories"] = ",".join(sub.name.replace(",", " ") for sub in subs)
        meta["budget_per_category"] = ",".join(str(sub.amount) for sub in subs)
        if budget.fund_leftover:
            meta["leftover_budget"] = (
                "Fund additional projects that fit within leftover budget ordered by score"
            )
    return write_pabulib(election_to_pabulib(election, meta, outcome=results))
