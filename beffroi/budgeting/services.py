"""Writes of the participatory budget: set-up, ideas and their instruction, verification, ballots, count.

Every write by an agent is recorded in the audit log. Ballot contents never go through the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from fractions import Fraction
from types import EllipsisType
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from beffroi.accounts.selectors import user_can
from beffroi.core import abuse
from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.core.personal_data import account_reference
from beffroi.core.services import audit_record
from beffroi.core.updates import model_update

from . import rules
from .models import (
    Ballot,
    BallotChoice,
    BallotType,
    Budget,
    PaperBallotEntry,
    PaperBallotKind,
    Phase,
    Project,
    ProjectStatus,
    ProjectUpdate,
    SubBudget,
    VoterVerification,
    VotingCode,
    VotingCodeFailure,
)
from .personal_data import voted_with_erased_account
from .rules.model import Ballot as RulesBallot
from .rules.model import IdsBallot, PointsBallot

if TYPE_CHECKING:
    from beffroi.accounts.models import User
    from beffroi.territory.models import Place

    from .pabulib import PabulibFile

BUDGET_FIELDS = {
    "title", "slug", "description", "total_amount", "ideas_open_at", "ideas_close_at", "vote_open_at",
    "vote_close_at", "followup_at", "phase_override", "ballot_type", "min_choices", "max_choices", "cost_limit",
    "points_total", "max_points_per_project", "rule", "min_age", "voter_verification", "fund_leftover",
}  # fmt: skip
COUNTER_CHECKS = {"identite", "domicile", "age"}
DRAW_METHOD = "sha256"  # draw order: projects by increasing SHA-256 of "<seed>:<project id>" (hex digests)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper


def _require(commune: Commune, actor: Actor, capability: str) -> None:
    if actor is not None and not user_can(commune=commune, user=actor, capability=capability):
        raise PermissionDenied(_("Votre rôle ne permet pas cette action."))


# --------------------------------------------------------------------------------------------------------------
# Budget set-up
# --------------------------------------------------------------------------------------------------------------


@transaction.atomic
def budget_create(*, commune: Commune, actor: Actor = None, **fields: Any) -> Budget:
    """Create a budget (agents with `handle_requests`)."""
    _require(commune, actor, "handle_requests")
    unknown = set(fields) - BUDGET_FIELDS
    if unknown:
        raise TypeError(f"unknown budget fields: {sorted(unknown)}")
    budget = Budget(commune=commune, **fields)
    budget.full_clean()
    budget.save()
    audit_record(commune=commune, actor=actor, action="budget.create", obj=budget, summary=budget.title)
    return budget


@transaction.atomic
def budget_update(
    *, commune: Commune, budget: Budget, actor: Actor = None, **fields: Any
) -> tuple[Budget, list[str]]:
    """Change a budget's settings; returns the budget as stored and the names of the fields that changed.

    Through `core.updates.model_update`: compared with the row as stored (re-read, locked), never with the
    caller's object, which a bound ModelForm has already changed; only changed fields are written and audited,
    each with its old and new value; an unknown key is a `TypeError`.
    """
    _require(commune, actor, "handle_requests")
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    return model_update(
        instance=budget, data=fields, allowed=BUDGET_FIELDS, commune=commune, actor=actor,
        action="budget.update", summary=budget.title,
    )  # fmt: skip


def _sub_budgets_locked(budget: Budget) -> bool:
    return budget.counted_at is not None or budget.phase in (Phase.VOTE, Phase.RESULTS, Phase.FOLLOWUP)


def _sub_budget_check(budget: Budget, sub: SubBudget) -> None:
    """French errors for an envelope: unique name, and envelopes not summing to more than the budget."""
    others = SubBudget.objects.filter(budget=budget).exclude(pk=sub.pk)
    if not (sub.name or "").strip():
        raise ValidationError({"name": _("Indiquez le quartier ou la catégorie.")})
    if others.filter(name__iexact=sub.name.strip()).exists():
        raise ValidationError({"name": _("Une autre enveloppe de ce budget porte déjà ce nom.")})
    if sub.amount is None or sub.amount < 1:
        raise ValidationError({"amount": _("Le montant doit être d'au moins 1 €.")})
    allotted = sum(o.amount for o in others) + sub.amount
    if allotted > budget.total_amount:
        free = budget.total_amount - sum(o.amount for o in others)
        raise ValidationError(
            {
                "amount": _(
                    "Les enveloppes totaliseraient %(sum)s €, plus que le budget (%(total)s €) : il reste "
                    "%(free)s € à répartir."
                )
                % {"sum": _eur(allotted), "total": _eur(budget.total_amount), "free": _eur(max(free, 0))}
            }
        )


def _eur(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _lock_check(budget: Budget) -> None:
    if _sub_budgets_locked(budget):
        raise ValidationError(
            _("Le vote est ouvert ou terminé : les enveloppes ne peuvent plus être modifiées.")
        )


@transaction.atomic
def sub_budget_create(*, commune: Commune, budget: Budget, actor: Actor, name: str, amount: int) -> SubBudget:
    """Reserve part of the budget for a district or a category; its projects will be counted on their own."""
    _require(commune, actor, "handle_requests")
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    _lock_check(budget)
    sub = SubBudget(budget=budget, name=(name or "").strip(), amount=amount)
    _sub_budget_check(budget, sub)
    sub.save()
    audit_record(
        commune=commune, actor=actor, action="budget.subbudget.create", obj=budget,
        summary=f"{sub.name} : {_eur(sub.amount)} €",
    )  # fmt: skip
    return sub


@transaction.atomic
def sub_budget_update(
    *, commune: Commune, sub_budget: SubBudget, actor: Actor, name: str, amount: int
) -> SubBudget:
    _require(commune, actor, "handle_requests")
    budget = Budget.objects.select_for_update().get(pk=sub_budget.budget_id)
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    _lock_check(budget)
    sub_budget.name = (name or "").strip()
    sub_budget.amount = amount
    _sub_budget_check(budget, sub_budget)
    sub_budget.save()
    audit_record(
        commune=commune, actor=actor, action="budget.subbudget.update", obj=budget,
        summary=f"{sub_budget.name} : {_eur(sub_budget.amount)} €",
    )  # fmt: skip
    return sub_budget


@transaction.atomic
def sub_budget_delete(*, commune: Commune, sub_budget: SubBudget, actor: Actor) -> None:
    """Delete an envelope; its projects go back to the general part of the budget."""
    _require(commune, actor, "handle_requests")
    budget = Budget.objects.select_for_update().get(pk=sub_budget.budget_id)
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    _lock_check(budget)
    name = sub_budget.name
    sub_budget.delete()
    audit_record(commune=commune, actor=actor, action="budget.subbudget.delete", obj=budget, summary=name)


# --------------------------------------------------------------------------------------------------------------
# Ideas and their instruction
# --------------------------------------------------------------------------------------------------------------


@transaction.atomic
def idea_submit(
    *, commune: Commune, budget: Budget, author: Actor, title: str, description: str, category: str,
    estimated_cost: int, place: Place | None = None, location: str = "", sub_budget: SubBudget | None = None,
    check_phase: bool = True, author_name: str = "",
    contact_email: str = "", submitter: str = "", rate_limited: bool = False,
) -> Project:  # fmt: skip
    """A resident submits an idea during the "dépôt des idées" phase, with an account or without one.

    Without an account (`author` anonymous), `author_name` and `contact_email` are optional and `submitter` is the
    keyed hash of the sender's address (`beffroi.core.abuse.submitter_hash`) used by the rate limit
    (`rate_limited`: `core.abuse.RateLimited` past it, counted under a lock in this transaction).
    """
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    if check_phase and budget.phase != Phase.IDEAS:
        raise ValidationError(_("Le dépôt des idées n'est pas ouvert pour ce budget."))
    if place is not None and place.commune_id != commune.pk:
        raise ValidationError(_("Ce lieu n'appartient pas à la commune."))
    if sub_budget is not None and sub_budget.budget_id != budget.pk:
        raise ValidationError(_("Cette enveloppe n'appartient pas à ce budget."))
    idea = Project(
        commune=commune, budget=budget, author=author if author is not None and author.is_authenticated else None,
        title=title, description=description, category=category, estimated_cost=estimated_cost, place=place,
        location=location, sub_budget=sub_budget, author_name=(author_name or "").strip()[:100],
        contact_email=(contact_email or "").strip(), submitter_hash=submitter,
    )  # fmt: skip
    idea.full_clean()
    if rate_limited:
        idea_rate_limit_check(commune=commune, submitter=submitter)
    idea.save()
    return idea


def idea_rate_limit_check(*, commune: Commune, submitter: str) -> None:
    """Ideas sent without an account from one address in the last hour (`BEFFROI_IDEAS_RATE_LIMIT`, 5), counted
    under a lock inside the transaction that saves the idea: `core.abuse.RateLimited` past it."""
    abuse.rate_limit_check(
        commune=commune, scope="ideas", subject=submitter,
        submissions=Project.objects.filter(commune=commune, submitter_hash=submitter),
        limit=getattr(settings, "BEFFROI_IDEAS_RATE_LIMIT", 5),
        message=_("Trop d'idées envoyées depuis cette connexion en une heure. "
                  "Réessayez plus tard ou passez en mairie."),
    )  # fmt: skip


@transaction.atomic
def idea_assess(
    *, commune: Commune, project: Project, actor: Actor, feasible: bool, decision: str,
    final_cost: int | None = None,
    sub_budget: SubBudget | None | EllipsisType = ...,
) -> Project:  # fmt: skip
    """Instruction: the agent decides feasibility, fixes the cost and publishes a reasoned decision.

    `sub_budget` (an envelope of the budget, or None for the general part) places the project; omitted: unchanged.
    """
    _require(commune, actor, "handle_requests")
    if project.commune_id != commune.pk:
        raise PermissionDenied
    if sub_budget is not ...:
        if sub_budget is not None and sub_budget.budget_id != project.budget_id:
            raise ValidationError(_("Cette enveloppe n'appartient pas à ce budget."))
        if sub_budget != project.sub_budget and _sub_budgets_locked(project.budget):
            raise ValidationError(
                _("Le vote est ouvert ou terminé : le projet ne peut plus changer d'enveloppe.")
            )
        project.sub_budget = sub_budget
    if not decision.strip():
        raise ValidationError(_("La décision doit être motivée."))
    if feasible and not (final_cost or project.estimated_cost):
        raise ValidationError(_("Indiquez le coût retenu."))
    project.status = ProjectStatus.FEASIBLE if feasible else ProjectStatus.INFEASIBLE
    project.final_cost = final_cost if final_cost is not None else project.final_cost
    project.decision = decision.strip()
    project.decision_published_at = timezone.now()
    project.merged_into = None
    project.full_clean()
    project.save()
    audit_record(
        commune=commune, actor=actor, action="budget.idea.assess", obj=project,
        summary=f"{project.title} : {project.get_status_display()}",
    )  # fmt: skip
    return project


@transaction.atomic
def idea_merge(*, commune: Commune, project: Project, into: Project, actor: Actor, decision: str) -> Project:
    """Merge a similar idea into another one; the merged idea leaves the ballot with a reasoned decision."""
    _require(commune, actor, "handle_requests")
    if (
        project.commune_id != commune.pk
        or into.commune_id != commune.pk
        or into.budget_id != project.budget_id
    ):
        raise PermissionDenied
    if into.pk == project.pk:
        raise ValidationError(_("Une idée ne peut pas être fusionnée avec elle-même."))
    if into.status == ProjectStatus.MERGED:
        raise ValidationError(_("Cette idée a elle-même été fusionnée : choisissez l'idée qui l'a reçue."))
    project.status = ProjectStatus.MERGED
    project.merged_into = into
    project.decision = decision.strip() or _("Idée fusionnée avec « %(title)s ».") % {"title": into.title}
    project.decision_published_at = timezone.now()
    project.save()
    audit_record(
        commune=commune, actor=actor, action="budget.idea.merge", obj=project,
        summary=f"{project.title} → {into.title}",
    )  # fmt: skip
    return project


@transaction.atomic
def project_update_add(
    *, commune: Commune, project: Project, actor: Actor, text: str, progress: int, delivered: bool = False
) -> ProjectUpdate:
    """Publish a progress note on a winning project (suivi); `delivered` marks it as done."""
    _require(commune, actor, "handle_requests")
    if project.commune_id != commune.pk:
        raise PermissionDenied
    if project.status not in (ProjectStatus.SELECTED, ProjectStatus.DELIVERED):
        raise ValidationError(_("Seuls les projets lauréats ont un suivi."))
    # _require lets no anonymous visitor through: the author is the agent, or nobody (commands, demo)
    author = actor if actor is not None and actor.is_authenticated else None
    update = ProjectUpdate(project=project, text=text, progress=100 if delivered else progress, author=author)
    update.full_clean()
    update.save()
    if delivered and project.status != ProjectStatus.DELIVERED:
        project.status = ProjectStatus.DELIVERED
        project.save(update_fields=["status"])
    audit_record(
        commune=commune, actor=actor, action="budget.project.progress", obj=project, summary=text[:120]
    )
    return update


# --------------------------------------------------------------------------------------------------------------
# Voter verification: voting codes, counter
# --------------------------------------------------------------------------------------------------------------


def _code_hash(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


@transaction.atomic
def voting_codes_generate(
    *,
    commune: Commune,
    budget: Budget,
    actor: Actor,
    count: int,
    batch: str = "",
    eligible_only: bool = False,
) -> list[str]:
    """Create `count` single-use codes; returns them in clear, this once, for printing.

    `eligible_only`: the agent undertakes that the codes will be handed (or mailed) only to residents on the
    eligibility list (residence, minimum age); required, and recorded in the audit log, when the budget has a
    minimum age.
    """
    _require(commune, actor, "handle_requests")
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    if budget.min_age and not eligible_only:
        raise ValidationError(
            _(
                "Confirmez que ces codes seront remis uniquement aux habitants de %(age)d ans et plus, "
                "vérifiés sur la liste de la mairie."
            )
            % {"age": budget.min_age}
        )
    if not 1 <= count <= 2000:
        raise ValidationError(_("Entre 1 et 2000 codes à la fois."))
    codes = []
    for _i in range(count):
        raw = "".join(secrets.choice(CODE_ALPHABET) for _j in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    VotingCode.objects.bulk_create(
        VotingCode(commune=commune, budget=budget, code_hash=_code_hash(c), batch=batch) for c in codes
    )
    audit_record(
        commune=commune,
        actor=actor,
        action="budget.codes.generate",
        obj=budget,
        summary=f"{count} codes {batch}",
        data={"eligible_only": bool(eligible_only), "min_age": budget.min_age},
    )
    return codes


CODE_FAILURES_WINDOW = timedelta(minutes=15)


def voting_code_locked_out(*, commune: Commune, client: str) -> bool:
    """Whether `client` (keyed hash of its address) typed too many wrong codes lately (database counter).

    `BEFFROI_VOTING_CODE_FAILURES` wrong codes (5 by default) in `CODE_FAILURES_WINDOW` lock the client out of
    every code form of the commune until the oldest of them is old enough: a printed code has 60 random bits,
    and this keeps a guessing client to a few tries an hour.
    """
    if not client:
        return False
    limit = getattr(settings, "BEFFROI_VOTING_CODE_FAILURES", 5)
    since = timezone.now() - CODE_FAILURES_WINDOW
    recent = VotingCodeFailure.objects.filter(commune=commune, submitter_hash=client, created_at__gte=since)
    return recent.count() >= limit


def _voting_code_find(*, commune: Commune, budget: Budget, code: str, client: str) -> VotingCode:
    """The budget's printed code `code`, or a French error; a wrong code is counted against `client`.

    Called outside the write's transaction, so that the wrong code stays counted when the error is raised.
    """
    if voting_code_locked_out(commune=commune, client=client):
        raise ValidationError(
            _(
                "Trop de codes erronés ont été saisis depuis cette connexion. Par sécurité, la saisie est "
                "bloquée pendant 15 minutes : vérifiez le code imprimé, puis réessayez, ou adressez-vous à "
                "l'accueil de la mairie."
            ),
            code="locked_out",
        )
    found = VotingCode.objects.filter(commune=commune, budget=budget, code_hash=_code_hash(code)).first()
    if found is None:
        if client:
            VotingCodeFailure.objects.create(commune=commune, submitter_hash=client)
        raise ValidationError(
            _(
                "Ce code de vote est inconnu. Recopiez-le depuis le papier reçu de la mairie : 12 lettres et "
                "chiffres, sans O ni I, ni 0 ni 1."
            ),
            code="unknown_code",
        )
    return found


def voter_verify_with_code(
    *, commune: Commune, budget: Budget, voter: User, code: str, client: str = ""
) -> VoterVerification:
    """A resident unlocks voting on their account with a printed code; the code can never be used again.

    `client` is the keyed hash of the sender's address: wrong codes count towards its lock-out.
    """
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    existing = VoterVerification.objects.filter(budget=budget, voter=voter).first()
    if existing:
        return existing
    found = _voting_code_find(commune=commune, budget=budget, code=code, client=client)
    with transaction.atomic():
        updated = VotingCode.objects.filter(pk=found.pk, used_at__isnull=True).update(used_at=timezone.now())
        if updated != 1:
            raise ValidationError(_("Ce code de vote a déjà servi."))
        return VoterVerification.objects.create(
            budget=budget, voter=voter, method=VoterVerification.Method.CODE, checks=["code"]
        )


def _already_voted_with_erased_account(budget: Budget, voter: User) -> str | None:
    """The double-vote check after an erasure: the roll keeps a keyed hash of the erased voter's address
    (personal_data.voter_key), matched against the address of the account now asking to vote."""
    if Ballot.objects.filter(budget=budget, voter=voter).exists():
        return None  # this account's own ballot, which it may replace
    if voted_with_erased_account(budget=budget, email=voter.email) is None:
        return None
    return _(
        "Cette adresse a déjà servi à voter à ce budget, avec un compte supprimé depuis : un second vote n'est "
        "pas possible."
    )


def counter_checks_required(budget: Budget) -> set[str]:
    """What an agent must check at the counter: identity and residence, and age when the budget has a minimum."""
    return {"identite", "domicile", "age"} if budget.min_age else {"identite", "domicile"}


@transaction.atomic
def voter_verify_at_counter(
    *, commune: Commune, budget: Budget, actor: Actor, voter: User, checks: Iterable[str]
) -> VoterVerification:
    """An agent checked the person's identity, residence (and age) at the counter: `checks` says what was seen.

    Refused unless every check of `counter_checks_required` was made; what was checked goes into the audit log.
    """
    _require(commune, actor, "handle_requests")
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    already = _already_voted_with_erased_account(budget, voter)
    if already:
        raise ValidationError(already)
    checks = set(checks) & COUNTER_CHECKS
    missing = counter_checks_required(budget) - checks
    if missing:
        labels = {
            "identite": _("l'identité (pièce d'identité)"),
            "domicile": _("le domicile dans la commune (justificatif)"),
            "age": _("l'âge (au moins %(age)s ans)") % {"age": budget.min_age},
        }
        raise ValidationError(
            _("Vérifiez et cochez aussi : %(missing)s.")
            % {"missing": ", ".join(str(labels[m]) for m in sorted(missing))}
        )
    verification, created = VoterVerification.objects.get_or_create(
        budget=budget,
        voter=voter,
        defaults={
            "method": VoterVerification.Method.COUNTER,
            "verified_by": actor if actor is not None and actor.is_authenticated else None,
            "checks": sorted(checks),
        },
    )
    if created:
        audit_record(
            commune=commune, actor=actor, action="budget.voter.verify", obj=budget,
            summary=account_reference(voter.pk),
            channel="guichet", data={"checks": sorted(checks), "min_age": budget.min_age},
        )  # fmt: skip
    return verification


# --------------------------------------------------------------------------------------------------------------
# Ballots
# --------------------------------------------------------------------------------------------------------------


def ballot_token(budget: Budget, key: str) -> str:
    """The opaque key of a ballot's choices: an HMAC under the server secret, not derivable by agents."""
    message = f"beffroi-ballot:{budget.pk}:{key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def ballot_errors(budget: Budget, choices: dict[int, int]) -> list[str]:
    """What is wrong with a ballot under the budget's rules, in French (empty: valid).

    `choices` maps project pk -> value (1 for approval/panier, points, or rank with 1 = first).
    """
    errors: list[str] = []
    projects = {p.pk: p for p in budget.projects.all() if p.on_ballot}
    unknown = [pk for pk in choices if pk not in projects]
    if unknown:
        return [_("Le bulletin contient un projet qui n'est pas soumis au vote.")]
    chosen = {pk: v for pk, v in choices.items() if v}
    n = len(chosen)
    kind = budget.ballot_type
    if kind in (BallotType.APPROVAL, BallotType.BASKET, BallotType.RANKING):
        if n < budget.min_choices:
            errors.append(
                _("Choisissez au moins %(min)d projet(s) ; vous en avez choisi %(n)d.")
                % {"min": budget.min_choices, "n": n}
            )
        if budget.max_choices and n > budget.max_choices:
            errors.append(
                _("Trop de projets : %(n)d choisis, %(max)d au maximum.")
                % {"n": n, "max": budget.max_choices}
            )
    if kind == BallotType.BASKET:
        total = sum(projects[pk].cost for pk in chosen)
        if total > budget.basket_limit:
            errors.append(
                _("Votre panier coûte %(total)s €, plus que la limite de %(limit)s €.")
                % {
                    "total": f"{total:,}".replace(",", " "),
                    "limit": f"{budget.basket_limit:,}".replace(",", " "),
                }
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


def voter_can_vote_reason(budget: Budget, voter: User | AnonymousUser | None) -> str | None:
    """Why this person cannot vote now (French), or None."""
    if budget.phase != Phase.VOTE:
        return _("Le vote n'est pas ouvert : il a lieu du %(start)s au %(end)s.") % {
            "start": timezone.localtime(budget.vote_open_at).strftime("%d/%m/%Y %H:%M")
            if budget.vote_open_at
            else "?",
            "end": timezone.localtime(budget.vote_close_at).strftime("%d/%m/%Y %H:%M")
            if budget.vote_close_at
            else "?",
        }
    if voter is None or not voter.is_authenticated:
        return _("Connectez-vous pour voter.")
    if not user_can(commune=budget.commune, user=voter, capability="participate"):
        return _("Vous n'êtes pas inscrit·e comme habitant·e de la commune : vous ne pouvez pas voter.")
    already = _already_voted_with_erased_account(budget, voter)
    if already:
        return already
    if (
        budget.voter_verification
        and not VoterVerification.objects.filter(budget=budget, voter=voter).exists()
    ):
        return _("Saisissez votre code de vote ou faites-vous vérifier au guichet de la mairie pour voter.")
    return None


@transaction.atomic
def ballot_cast(
    *, commune: Commune, budget: Budget, voter: User, choices: dict[int, int], attested: bool = True
) -> Ballot:
    """Record (or replace, until the vote closes) the voter's ballot. One Ballot row per voter (DB constraint)."""
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    reason = voter_can_vote_reason(budget, voter)
    if reason:
        raise ValidationError(reason)
    if not budget.voter_verification and not attested:
        # Without verification, the voter attests on their honour (a budget with a minimum age always verifies).
        raise ValidationError(_("Attestez que vous habitez la commune pour voter."))
    errors = ballot_errors(budget, choices)
    if errors:
        raise ValidationError(errors)
    ballot = Ballot.objects.filter(budget=budget, voter=voter).first()
    if ballot is None:
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(budget=budget, voter=voter)
        except IntegrityError:  # a second tab raced us: the same row, replaced below
            ballot = Ballot.objects.get(budget=budget, voter=voter)
    else:
        ballot.save(update_fields=["updated_at"])
    _choices_replace(budget, ballot_token(budget, f"user:{voter.pk}"), choices)
    return ballot


def _choices_replace(budget: Budget, token: str, choices: dict[int, int]) -> None:
    BallotChoice.objects.filter(budget=budget, ballot_token=token).delete()
    BallotChoice.objects.bulk_create(
        BallotChoice(budget=budget, ballot_token=token, project_id=pk, value=v)
        for pk, v in choices.items()
        if v
    )


def ballot_cast_with_code(
    *, commune: Commune, budget: Budget, code: str, choices: dict[int, int], client: str = ""
) -> Ballot:
    """Vote with a printed voting code alone, without an account: the code is the credential.

    Stored as an account's ballot is: a `Ballot` row saying that the code voted (never what), the choices under
    an opaque token (an HMAC of the code's hash under the server secret, which agents cannot compute). The code
    is spent by its first ballot; its holder can replace the ballot until the vote closes. A code already spent
    to verify an account does not vote a second time. Wrong codes count towards `client`'s lock-out
    (`voting_code_locked_out`); the code is looked up before the write's transaction so that they stay counted.
    """
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    if budget.phase != Phase.VOTE:
        raise ValidationError(voter_can_vote_reason(budget, None) or "")
    found = _voting_code_find(commune=commune, budget=budget, code=code, client=client)
    with transaction.atomic():
        budget = Budget.objects.select_for_update().get(pk=budget.pk)
        if budget.phase != Phase.VOTE:
            raise ValidationError(voter_can_vote_reason(budget, None) or "")
        voting_code = VotingCode.objects.select_for_update().get(pk=found.pk)
        ballot = Ballot.objects.filter(voting_code=voting_code).first()
        if ballot is None and voting_code.used_at is not None:
            raise ValidationError(
                _(
                    "Ce code a déjà servi à vérifier un compte : connectez-vous à ce compte pour voter ou "
                    "modifier votre vote."
                )
            )
        errors = ballot_errors(budget, choices)
        if errors:
            raise ValidationError(errors)
        if ballot is None:
            ballot = Ballot.objects.create(budget=budget, voter=None, voting_code=voting_code)
            voting_code.used_at = timezone.now()
            voting_code.save(update_fields=["used_at"])
        else:
            ballot.save(update_fields=["updated_at"])
        _choices_replace(budget, ballot_token(budget, f"code:{voting_code.code_hash}"), choices)
    return ballot


def ballot_of(budget: Budget, voter: User | AnonymousUser) -> dict[int, int]:
    """The voter's own current choices (shown to them only, to change their ballot)."""
    if not getattr(voter, "is_authenticated", False):
        return {}
    token = ballot_token(budget, f"user:{voter.pk}")
    return dict(
        BallotChoice.objects.filter(budget=budget, ballot_token=token).values_list("project_id", "value")
    )


# --------------------------------------------------------------------------------------------------------------
# Paper ballots: double entry
# --------------------------------------------------------------------------------------------------------------


@transaction.atomic
def paper_entry_record(
    *, commune: Commune, budget: Budget, actor: Actor, paper_number: int, choices: dict[int, int],
    kind: str = PaperBallotKind.VALID,
) -> PaperBallotEntry:  # fmt: skip
    """One agent's entry of a paper ballot. The same agent entering the same number again corrects the entry.

    `kind`: a valid ballot carries choices that respect the budget's rules; a blank one (no choice) and a void
    one (spoiled, or breaking the rules: too many projects, an over-limit basket) carry none. Blank and void
    ballots are counted in the turnout, never in the result.
    """
    _require(commune, actor, "handle_requests")
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    if budget.counted_at:
        raise ValidationError(
            _("Le dépouillement est fait : les bulletins papier ne peuvent plus être saisis.")
        )
    if kind not in PaperBallotKind.values:
        raise ValidationError(_("Indiquez si le bulletin est valable, blanc ou nul."))
    chosen = {pk: v for pk, v in choices.items() if v}
    if kind != PaperBallotKind.VALID:
        if chosen:
            raise ValidationError(
                _(
                    "Un bulletin blanc ou nul ne compte pour aucun projet : décochez les projets, ou enregistrez "
                    "le bulletin comme valable."
                )
            )
    elif not chosen:
        raise ValidationError(
            _("Aucun projet choisi : si le bulletin papier ne porte aucun choix, enregistrez-le comme blanc.")
        )
    else:
        errors = ballot_errors(budget, chosen)
        if errors:
            raise ValidationError(
                [*errors, _("Si le bulletin papier est rempli ainsi, enregistrez-le comme nul.")]
            )
    entry, _created = PaperBallotEntry.objects.update_or_create(
        budget=budget, paper_number=paper_number,
        entered_by=actor if actor is not None and actor.is_authenticated else None,
        defaults={"kind": kind, "choices": {str(k): v for k, v in sorted(chosen.items())}},
    )  # fmt: skip
    audit_record(
        commune=commune,
        actor=actor,
        action="budget.paper.enter",
        obj=budget,
        summary=f"bulletin n° {paper_number} ({PaperBallotKind(kind).label})",
    )
    return entry


def _paper_state(entries: list[PaperBallotEntry]) -> str:
    if len(entries) < 2:
        return "single"
    first = (entries[0].kind, entries[0].choices)
    return "matching" if all((e.kind, e.choices) == first for e in entries) else "mismatch"


def paper_reconciliation(budget: Budget) -> dict[str, list[tuple[int, list[PaperBallotEntry]]]]:
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


def paper_entry_state(budget: Budget, paper_number: int) -> tuple[str, list[PaperBallotEntry]]:
    """One paper ballot's state (`matching`, `mismatch` or `single`) and its entries, first entered first."""
    entries = list(
        PaperBallotEntry.objects.filter(budget=budget, paper_number=paper_number)
        .select_related("entered_by")
        .order_by("created_at", "pk")
    )
    return _paper_state(entries), entries


def paper_tally(budget: Budget) -> dict[str, Any]:
    """Where the paper ballots stand: counted (valid, blank, void), and the numbers still pending.

    `single`: entered once, awaiting their second entry; `mismatch`: two entries that disagree.
    """
    state = paper_reconciliation(budget)
    kinds = [entries[0].kind for _n, entries in state["matching"]]
    return {
        "valid": kinds.count(PaperBallotKind.VALID),
        "blank": kinds.count(PaperBallotKind.BLANK),
        "void": kinds.count(PaperBallotKind.VOID),
        "single": [n for n, _e in state["single"]],
        "mismatch": [n for n, _e in state["mismatch"]],
    }


# --------------------------------------------------------------------------------------------------------------
# Count
# --------------------------------------------------------------------------------------------------------------


def _rules_ballot(kind: str, items: dict[int, int]) -> RulesBallot:
    if kind == BallotType.CUMULATIVE:
        return tuple((str(pk), v) for pk, v in sorted(items.items()))
    if kind == BallotType.RANKING:
        return tuple(str(pk) for pk, _v in sorted(items.items(), key=lambda kv: kv[1]))
    return tuple(sorted(str(pk) for pk in items))


def collected_ballots(budget: Budget) -> tuple[list[RulesBallot], int, int]:
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
        for _n, entries in paper_reconciliation(budget)["matching"]
        if entries[0].kind == PaperBallotKind.VALID
    ]
    ballots += [_rules_ballot(kind, items) for items in paper]
    return ballots, online, len(paper)


def election_for(
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
        ),  # fmt: skip
        budget=Fraction(amount if amount is not None else budget.total_amount),
        ballots=tuple(ballots),
        ballot_type=kind,
        ordinal_length=ordinal_length,
        label=budget.title,
    )


def _num(value: Fraction | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _share_with_funded(ballots: list[RulesBallot], winners: set[str], cumulative: bool) -> float:
    if not ballots:
        return 0.0
    hit = 0
    for b in ballots:
        ids = {p for p, _w in cast(PointsBallot, b)} if cumulative else set(cast(IdsBallot, b))
        if ids & winners:
            hit += 1
    return round(hit / len(ballots), 4)


def draw_order(seed: str, project_ids: Iterable[str]) -> list[str]:
    """The recorded lot: projects by increasing SHA-256 of "<seed>:<project id>" (anyone can recompute it)."""
    return sorted(project_ids, key=lambda pid: (draw_fingerprint(seed, pid), pid))


def draw_fingerprint(seed: str, project_id: str) -> str:
    return hashlib.sha256(f"{seed}:{project_id}".encode()).hexdigest()


def count_budget(budget: Budget, *, seed: str | None = None) -> dict[str, Any]:
    """Count the budget with its rule and with greedy (for comparison); pure read, returns the results dict.

    Each sub-budget (district/category envelope) is counted on its own projects with its own amount, projects
    outside every envelope share what is left (`rules.count_by_sub_budget`); with `fund_leftover`, money left
    over then funds the remaining projects by decreasing votes. Ties reaching the lot use a draw made from a
    random public seed (`draw_order`), recorded in the results with every tie it decided.
    """
    ballots, online, paper = collected_ballots(budget)
    tally = paper_tally(budget)
    all_projects = [p for p in budget.projects.select_related("sub_budget").all() if p.on_ballot]
    subs = list(budget.sub_budgets.all())
    names: dict[int | None, str] = {sub.pk: sub.name for sub in subs}
    seed = seed or secrets.token_hex(16)
    draw = draw_order(seed, [str(p.pk) for p in all_projects])
    tie_breaking = rules.TieBreaking(draw=tuple(draw))
    cumulative = budget.ballot_type == BallotType.CUMULATIVE
    rule = budget.rule
    election = election_for(budget, ballots, all_projects)
    sub_budgets = [
        rules.SubBudget(
            sub.name,
            Fraction(sub.amount),
            tuple(str(p.pk) for p in all_projects if p.sub_budget_id == sub.pk),
        )
        for sub in subs
    ]
    leftover, tb = budget.fund_leftover, tie_breaking
    main = rules.count_by_sub_budget(election, rule, sub_budgets, leftover=leftover, tie_breaking=tb)
    greedy = (
        main
        if rule == "greedy"
        else rules.count_by_sub_budget(election, "greedy", sub_budgets, leftover=leftover, tie_breaking=tb)
    )
    winners = list(main.winners)
    greedy_winners = list(greedy.winners)
    leftover_name = "reliquat"

    def part_of(split: rules.SplitOutcome, pid: str) -> rules.SubBudgetOutcome | None:
        """The count that decided the project: the leftover completion if it funded it, else its envelope."""
        if split.leftover is not None and pid in split.leftover.outcome.winners:
            return split.leftover
        return next((part for part in split.parts if pid in part.outcome.projects), None)

    def money_left(part: rules.SubBudgetOutcome | None, pid: str) -> Fraction | None:
        """The money there was for the project when it was decided: the budget left when a greedy step looked
        at it (the leftover completion's last, for a project it did not fund), else what its part had left."""
        steps = [main.leftover, part] if main.leftover is not None and part is not main.leftover else [part]
        for step in steps:
            result = step.outcome.projects.get(pid) if step is not None else None
            if result is not None and result.budget_left is not None:
                return result.budget_left
        return part.amount - part.outcome.total_cost if part is not None else None

    out_projects: dict[str, dict[str, Any]] = {}
    for p in all_projects:
        pid = str(p.pk)
        part = part_of(main, pid)
        gpart = part_of(greedy, pid)
        r = part.outcome.projects.get(pid) if part else None
        g = gpart.outcome.projects.get(pid) if gpart else None
        index = election.profile.index[pid]
        out_projects[pid] = {
            "id": pid,
            "title": p.title,
            "cost": p.cost,
            "group": names.get(p.sub_budget_id, ""),
            "leftover": part is not None and part is main.leftover,
            "votes": election.profile.votes[index],
            "score": _num(election.profile.score[index]),
            "selected": pid in main.winners,
            "position": winners.index(pid) + 1 if pid in winners else None,
            "reason": str(r.reason) if r else "no_support",
            "reason_label": _reason_label(r, part is not None and part is main.leftover),
            "effective_votes": _num(r.effective_votes) if r else None,
            "price": _num(r.price) if r else None,
            "supporters_money": _num(r.supporters_money) if r else None,
            "budget_left": _num(g.budget_left) if g else None,
            "money_left": _num(money_left(part, pid)),
            "greedy_selected": pid in greedy.winners,
            "greedy_reason_label": _reason_label(g, gpart is not None and gpart is greedy.leftover)
            if g
            else "",
        }
    cost = {str(p.pk): p.cost for p in all_projects}
    groups = [
        {
            "name": part.name,
            "amount": int(part.amount),
            "winners": list(part.outcome.winners),
            "total_cost": _num(part.outcome.total_cost),
            "endowment": _num(part.outcome.endowment),
        }
        for part in main.parts
    ]
    endowments = [
        {"group": part.name, "endowment": _num(part.outcome.endowment)}
        for part in main.parts
        if part.outcome.endowment is not None
    ]
    ties: list[dict[str, Any]] = []
    seen: set[tuple[tuple[str, ...], str, str, str]] = set()
    for label, split in (("main", main), ("greedy", greedy)):
        for part in split.all_parts:
            for event in part.outcome.tie_breaks:
                key = (tuple(event.tied), event.chosen, event.criterion, part.name)
                if key in seen:
                    continue  # the same tie met again by another Add1 run, or by the greedy comparison
                seen.add(key)
                ties.append(
                    {"count": label, "group": part.name if part is not split.leftover else leftover_name,
                     "stage": event.stage, "tied": list(event.tied), "chosen": event.chosen,
                     "criterion": event.criterion}
                )  # fmt: skip
    return {
        "rule": rule,
        "num_voters": len(ballots),
        "num_online": online,
        "num_paper": paper,
        "num_paper_blank": tally["blank"],
        "num_paper_void": tally["void"],
        "paper_set_aside": None,
        "winners": winners,
        "total_cost": sum(cost[w] for w in winners),
        "greedy_winners": greedy_winners,
        "greedy_total_cost": sum(cost[w] for w in greedy_winners),
        "share_with_funded": _share_with_funded(ballots, set(winners), cumulative),
        "greedy_share_with_funded": _share_with_funded(ballots, set(greedy_winners), cumulative),
        "endowments": endowments,
        "draw": draw,
        "draw_seed": seed,
        "draw_method": DRAW_METHOD,
        "draw_at": timezone.now().isoformat(),
        "tie_breaks": ties,
        "projects": out_projects,
        "groups": groups,
        "leftover": {
            "amount": _num(main.leftover.amount),
            "winners": list(main.leftover.outcome.winners),
            "total_cost": _num(main.leftover.outcome.total_cost),
        }
        if main.leftover is not None
        else None,
    }


def _reason_label(result: rules.ProjectResult | None, leftover: bool) -> str:
    if result is None:
        return rules.REASON_LABELS[rules.Reason.NO_SUPPORT]
    if leftover and result.selected:
        return _("retenu avec le reliquat des enveloppes : il tenait dans l'argent restant")
    return rules.REASON_LABELS[result.reason]


@transaction.atomic
def budget_close_and_count(
    *, commune: Commune, budget: Budget, actor: Actor, set_aside_reason: str = ""
) -> Budget:
    """Close the vote, count it and publish the results; winners go to suivi, others are marked not selected.

    Reserved to those who run the vote (`run_votes`: the administrator and the élus). Paper ballots still
    awaiting their second entry, or whose two entries disagree, are never counted silently: the count is refused
    while there are any, unless `set_aside_reason` says why they are set aside; the reason and the ballots'
    numbers are then published with the results and kept in the audit log.
    """
    _require(commune, actor, "run_votes")
    if budget.commune_id != commune.pk:
        raise PermissionDenied
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if budget.phase not in (Phase.VOTE, Phase.RESULTS):
        raise ValidationError(_("Le dépouillement n'est possible qu'une fois le vote ouvert."))
    tally = paper_tally(budget)
    pending = len(tally["single"]) + len(tally["mismatch"])
    reason = set_aside_reason.strip()
    if pending and not reason:
        raise ValidationError(
            ngettext(
                "%(n)d bulletin papier n'est pas encore compté (saisi une seule fois ou saisies divergentes) : "
                "terminez sa double saisie, ou écartez-le en indiquant pourquoi.",
                "%(n)d bulletins papier ne sont pas encore comptés (saisis une seule fois ou saisies "
                "divergentes) : terminez leur double saisie, ou écartez-les en indiquant pourquoi.",
                pending,
            )
            % {"n": pending},
            code="paper_pending",
        )
    now = timezone.now()
    if budget.vote_close_at is None or budget.vote_close_at > now:
        budget.vote_close_at = now
    if budget.phase_override in (Phase.VOTE, Phase.DRAFT, Phase.IDEAS, Phase.INSTRUCTION):
        budget.phase_override = ""
    try:
        results = count_budget(budget)
    except rules.ElectionError as exc:
        raise ValidationError(str(exc)) from None
    if pending:
        results["paper_set_aside"] = {
            "count": pending,
            "single": tally["single"],
            "mismatch": tally["mismatch"],
            "reason": reason,
        }
    budget.results = results
    budget.counted_at = now
    budget.save()
    winners = set(results["winners"])
    for project in budget.projects.all():
        if not project.on_ballot or project.status == ProjectStatus.DELIVERED:
            continue
        status = ProjectStatus.SELECTED if str(project.pk) in winners else ProjectStatus.NOT_SELECTED
        if project.status != status:
            project.status = status
            project.save(update_fields=["status"])
    audit_record(
        commune=commune, actor=actor, action="budget.count", obj=budget,
        summary=f"{len(winners)} lauréats, {results['num_voters']} bulletins"
        + (f", {pending} bulletins papier écartés" if pending else ""),
        data={"paper_set_aside": results["paper_set_aside"]} if pending else None,
    )  # fmt: skip
    return budget


# --------------------------------------------------------------------------------------------------------------
# pabulib import
# --------------------------------------------------------------------------------------------------------------

PABULIB_VOTE_TYPES = {
    "approval": BallotType.APPROVAL,
    "choose-1": BallotType.APPROVAL,
    "cumulative": BallotType.CUMULATIVE,
    "scoring": BallotType.CUMULATIVE,
    "ordinal": BallotType.RANKING,
}


@transaction.atomic
def budget_import_pabulib(
    *, commune: Commune, actor: Actor, pb: PabulibFile, slug: str, title: str = "", rule: str = "mes-add1"
) -> Budget:
    """Import a pabulib instance (`beffroi.budgeting.pabulib.PabulibFile`) as a counted budget of the commune.

    Projects become feasible projects (costs rounded up to the euro), each VOTES row an anonymous ballot (no
    voter account), then the budget is counted with `rule` and its results published.
    """
    kind = PABULIB_VOTE_TYPES.get(pb.vote_type)
    if kind is None:
        raise ValidationError(
            _("Type de vote pabulib non pris en charge : %(type)s") % {"type": pb.vote_type}
        )
    now = timezone.now()
    max_length = pb.meta.get("max_length")
    budget = budget_create(
        commune=commune, actor=actor, slug=slug, title=title or pb.meta.get("description", slug)[:150],
        description=pb.meta.get("comment", ""), total_amount=int(-(-pb.budget // 1)),
        ideas_open_at=now, ideas_close_at=now, vote_open_at=now, vote_close_at=now, ballot_type=kind,
        min_choices=0, max_choices=int(max_length) if max_length and max_length.isdigit() else None,
        points_total=int(pb.meta.get("max_sum_points") or 10) if kind == BallotType.CUMULATIVE else 10,
        rule=rule, phase_override=Phase.VOTE, fund_leftover=bool(pb.meta.get("leftover_budget")),
    )  # fmt: skip
    # Per-category budgets (Amsterdam): one envelope per category, each project in the one of its categories
    envelopes = {
        name: SubBudget.objects.create(budget=budget, name=name[:100], amount=int(amount))
        for name, amount in (pb.category_budgets() or {}).items()
    }
    ids: dict[str, int] = {}
    for row in pb.projects:
        envelope = next((envelopes[c] for c in row.categories if c in envelopes), None)
        project = Project.objects.create(
            commune=commune, budget=budget, title=(row.name or f"Projet {row.id}")[:150], description=row.name,
            category="cadre-de-vie", estimated_cost=int(-(-row.cost // 1)), status=ProjectStatus.FEASIBLE,
            decision=_("Importé du fichier pabulib (projet %(id)s).") % {"id": row.id}, sub_budget=envelope,
        )  # fmt: skip
        ids[row.id] = project.pk
    Ballot.objects.bulk_create(Ballot(budget=budget, voter=None) for _v in pb.voters)
    choices = []
    for voter in pb.voters:
        token = ballot_token(budget, f"pabulib:{voter.id}")
        if kind == BallotType.CUMULATIVE:
            values = [int(p) for p in (voter.points or ())]
        elif kind == BallotType.RANKING:
            values = list(range(1, len(voter.vote) + 1))
        else:
            values = [1] * len(voter.vote)
        choices += [
            BallotChoice(budget=budget, ballot_token=token, project_id=ids[pid], value=v)
            for pid, v in zip(voter.vote, values, strict=True)
            if v
        ]
    BallotChoice.objects.bulk_create(choices, batch_size=5000)
    budget, _changed = budget_update(commune=commune, budget=budget, actor=actor, phase_override="")
    return budget_close_and_count(commune=commune, budget=budget, actor=actor)
