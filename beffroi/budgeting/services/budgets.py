"""Setting up a budget: the budget itself, its envelopes (sub-budgets), and importing a pabulib file as a budget.

Every write is recorded in the audit log.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.budgeting import selectors
from beffroi.budgeting.models import (
    Ballot,
    BallotChoice,
    BallotType,
    Budget,
    Phase,
    Project,
    ProjectStatus,
    SubBudget,
)
from beffroi.budgeting.pabulib import PabulibFile
from beffroi.budgeting.services.counting import budget_close_and_count
from beffroi.core.annotations import Actor
from beffroi.core.formatting import format_eur_short, format_int
from beffroi.core.guards import ensure_owned
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.core.updates import model_update

# The settings a budget's edit form shows and budget_update accepts, in the form's order (one list for both).
BUDGET_FIELDS = (
    "title",
    "slug",
    "description",
    "total_amount",
    "ideas_open_at",
    "ideas_close_at",
    "vote_open_at",
    "vote_close_at",
    "followup_at",
    "phase_override",
    "ballot_type",
    "min_choices",
    "max_choices",
    "cost_limit",
    "points_total",
    "max_points_per_project",
    "rule",
    "min_age",
    "voter_verification",
    "fund_leftover",
)


@transaction.atomic
def budget_create(*, commune: Commune, actor: Actor = None, **fields: Any) -> Budget:
    """Create a budget (agents with `handle_requests`)."""
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    unknown = set(fields) - set(BUDGET_FIELDS)
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
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    ensure_owned(budget, commune)
    return model_update(
        instance=budget,
        data=fields,
        allowed=BUDGET_FIELDS,
        commune=commune,
        actor=actor,
        action="budget.update",
        summary=budget.title,
    )


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
                % {
                    "sum": format_int(allotted),
                    "total": format_int(budget.total_amount),
                    "free": format_int(max(free, 0)),
                }
            }
        )


def _lock_check(budget: Budget) -> None:
    if selectors.sub_budgets_locked(budget=budget):
        raise ValidationError(
            _("Le vote est ouvert ou terminé : les enveloppes ne peuvent plus être modifiées.")
        )


@transaction.atomic
def sub_budget_create(*, commune: Commune, budget: Budget, actor: Actor, name: str, amount: int) -> SubBudget:
    """Reserve part of the budget for a district or a category; its projects will be counted on their own."""
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    ensure_owned(budget, commune)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    _lock_check(budget)
    sub = SubBudget(budget=budget, name=(name or "").strip(), amount=amount)
    _sub_budget_check(budget, sub)
    sub.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="budget.subbudget.create",
        obj=budget,
        summary=f"{sub.name} : {format_eur_short(sub.amount)}",
    )
    return sub


@transaction.atomic
def sub_budget_update(
    *, commune: Commune, sub_budget: SubBudget, actor: Actor, name: str, amount: int
) -> SubBudget:
    """Rename an envelope or change its amount, until the vote opens (envelopes never sum past the budget)."""
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    budget = Budget.objects.select_for_update().get(pk=sub_budget.budget_id)
    ensure_owned(budget, commune)
    _lock_check(budget)
    sub_budget.name = (name or "").strip()
    sub_budget.amount = amount
    _sub_budget_check(budget, sub_budget)
    sub_budget.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="budget.subbudget.update",
        obj=budget,
        summary=f"{sub_budget.name} : {format_eur_short(sub_budget.amount)}",
    )
    return sub_budget


@transaction.atomic
def sub_budget_delete(*, commune: Commune, sub_budget: SubBudget, actor: Actor) -> None:
    """Delete an envelope; its projects go back to the general part of the budget."""
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    budget = Budget.objects.select_for_update().get(pk=sub_budget.budget_id)
    ensure_owned(budget, commune)
    _lock_check(budget)
    name = sub_budget.name
    sub_budget.delete()
    audit_record(commune=commune, actor=actor, action="budget.subbudget.delete", obj=budget, summary=name)


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
    voter account), then the budget is counted with `rule` and its results published (the budget's creation
    and its count are in the audit log).
    """
    kind = PABULIB_VOTE_TYPES.get(pb.vote_type)
    if kind is None:
        raise ValidationError(
            _("Type de vote pabulib non pris en charge : %(type)s") % {"type": pb.vote_type}
        )
    now = timezone.now()
    max_length = pb.meta.get("max_length")
    budget = budget_create(
        commune=commune,
        actor=actor,
        slug=slug,
        title=title or pb.meta.get("description", slug)[:150],
        description=pb.meta.get("comment", ""),
        total_amount=int(-(-pb.budget // 1)),
        ideas_open_at=now,
        ideas_close_at=now,
        vote_open_at=now,
        vote_close_at=now,
        ballot_type=kind,
        min_choices=0,
        max_choices=int(max_length) if max_length and max_length.isdigit() else None,
        points_total=int(pb.meta.get("max_sum_points") or 10) if kind == BallotType.CUMULATIVE else 10,
        rule=rule,
        phase_override=Phase.VOTE,
        fund_leftover=bool(pb.meta.get("leftover_budget")),
    )
    # Per-category budgets (Amsterdam): one envelope per category, each project in the one of its categories
    envelopes = {
        name: SubBudget.objects.create(budget=budget, name=name[:100], amount=int(amount))
        for name, amount in (pb.category_budgets() or {}).items()
    }
    ids: dict[str, int] = {}
    for row in pb.projects:
        envelope = next((envelopes[c] for c in row.categories if c in envelopes), None)
        project = Project.objects.create(
            commune=commune,
            budget=budget,
            title=(row.name or f"Projet {row.id}")[:150],
            description=row.name,
            category="cadre-de-vie",
            estimated_cost=int(-(-row.cost // 1)),
            status=ProjectStatus.FEASIBLE,
            decision=_("Importé du fichier pabulib (projet %(id)s).") % {"id": row.id},
            sub_budget=envelope,
        )
        ids[row.id] = project.pk
    Ballot.objects.bulk_create(Ballot(budget=budget, voter=None) for _v in pb.voters)
    choices = []
    for voter in pb.voters:
        token = selectors.ballot_token(budget=budget, key=f"pabulib:{voter.id}")
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
