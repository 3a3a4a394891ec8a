"""Sub-budgets: a budget split into envelopes (per district or per category), each counted on its own.

Definition (pabulib files of Amsterdam, META `categories` + `budget_per_category`, their comment #2: "the
budget_per_category is an upper bound on the sum cost of projects within a category selected by the voting
rule"; research note §1.2 and §1.5): every envelope is an election of its own — its projects only, its amount as
the budget, the same ballots restricted to its projects — counted with the chosen rule. Projects outside every
envelope form a general envelope with what the envelopes leave of the total budget.

Optional leftover completion (Amsterdam META `leftover_budget`: "Fund additional projects that fit within leftover
budget ordered by score"): once every envelope is counted, the projects not funded are considered in decreasing
score (votes, or points) across all envelopes, and funded when they fit in the total budget not yet spent; same
tie-breaking as everywhere (lowest cost, most votes, recorded draw).

For the greedy rule with envelopes summing to the total budget this is the same as a single greedy count that
skips a project whose category cap would be exceeded: the envelopes never compete for money.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

from beffroi.budgeting.rules.greedy import greedy
from beffroi.budgeting.rules.model import (
    Ballot,
    BallotType,
    Election,
    ElectionError,
    IdsBallot,
    Outcome,
    PointsBallot,
    TieBreaking,
    TieEvent,
    as_fraction,
)
from beffroi.budgeting.rules.registry import count

GENERAL = ""  # name of the envelope of projects outside every sub-budget


@dataclass(frozen=True)
class SubBudget:
    """An envelope: a name (district or category), an amount, and the ids of the projects it funds."""

    name: str
    amount: Fraction
    project_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", as_fraction(self.amount, f"montant de l'enveloppe {self.name}"))
        object.__setattr__(self, "project_ids", tuple(self.project_ids))
        if self.amount < 0:
            raise ElectionError(f"le montant de l'enveloppe {self.name} est négatif ({self.amount})")


@dataclass(frozen=True)
class SubBudgetOutcome:
    """The outcome of one envelope: its name and amount, the restricted election and the rule's outcome."""

    name: str
    amount: Fraction
    election: Election
    outcome: Outcome


@dataclass(frozen=True)
class SplitOutcome:
    """The outcome of a budget split into envelopes: each envelope's outcome, then the leftover completion."""

    rule: str
    budget: Fraction
    parts: tuple[SubBudgetOutcome, ...]
    leftover: SubBudgetOutcome | None = None

    @property
    def winners(self) -> tuple[str, ...]:
        """Every winner: envelope by envelope in selection order, then those of the leftover completion."""
        result: list[str] = []
        for part in self.all_parts:
            result.extend(part.outcome.winners)
        return tuple(result)

    @property
    def all_parts(self) -> tuple[SubBudgetOutcome, ...]:
        return self.parts + ((self.leftover,) if self.leftover is not None else ())

    @property
    def total_cost(self) -> Fraction:
        return sum((part.outcome.total_cost for part in self.all_parts), Fraction(0))

    @property
    def budget_left(self) -> Fraction:
        return self.budget - self.total_cost

    @property
    def tie_breaks(self) -> tuple[TieEvent, ...]:
        return tuple(event for part in self.all_parts for event in part.outcome.tie_breaks)


def restrict(
    election: Election, project_ids: Sequence[str], budget: Fraction | int, label: str = ""
) -> Election:
    """The same vote limited to `project_ids` (ballots keep their other choices out) with its own budget.

    Ordinal ballots keep their order among the remaining projects and the election's ranking length.
    """
    keep = set(project_ids)
    unknown = keep - set(election.by_id)
    if unknown:
        raise ElectionError(f"projet inconnu dans une enveloppe : {', '.join(sorted(unknown))}")
    ballots: tuple[Ballot, ...]
    if election.ballot_type is BallotType.CUMULATIVE:
        ballots = tuple(
            tuple((p, w) for p, w in cast(PointsBallot, b) if p in keep) for b in election.ballots
        )
    else:
        ballots = tuple(tuple(p for p in cast(IdsBallot, b) if p in keep) for b in election.ballots)
    return Election(
        projects=tuple(p for p in election.projects if p.id in keep),
        budget=as_fraction(budget),
        ballots=ballots,
        ballot_type=election.ballot_type,
        min_score_threshold=election.min_score_threshold,
        ordinal_length=election.profile.ordinal_length,
        label=label or election.label,
    )


def category_sub_budgets(election: Election) -> list[SubBudget]:
    """The envelopes a pabulib file gives with `categories` + `budget_per_category` (empty when it has none).

    A project belongs to the category among its own that has a budget; a project in two budgeted categories
    cannot be placed and is refused (the format says nothing of that case).
    """
    budgets = election.category_budgets or {}
    if not budgets:
        return []
    members: dict[str, list[str]] = {name: [] for name in budgets}
    for project in election.projects:
        found = [c for c in project.categories if c in budgets]
        if len(set(found)) > 1:
            raise ElectionError(
                f"le projet {project.id} appartient à plusieurs catégories dotées d'un budget ({', '.join(found)})"
            )
        if found:
            members[found[0]].append(project.id)
    return [SubBudget(name, amount, tuple(members[name])) for name, amount in budgets.items()]


def count_by_sub_budget(
    election: Election,
    rule: str,
    sub_budgets: Sequence[SubBudget],
    *,
    leftover: bool = False,
    tie_breaking: TieBreaking | None = None,
    eligibility_factor: int | Fraction | None = None,
    verify: bool = False,
) -> SplitOutcome:
    """Count each envelope with `rule` over its own projects and amount (module docstring), then the leftover.

    Projects outside every envelope are counted together with the total budget minus the envelopes' amounts.
    Envelopes summing to more than the budget, or sharing a project, are refused.
    """
    tie_breaking = tie_breaking or TieBreaking()
    total = sum((s.amount for s in sub_budgets), Fraction(0))
    if total > election.budget:
        raise ElectionError(
            f"les enveloppes totalisent {_plain(total)}, plus que le budget ({_plain(election.budget)})"
        )
    placed: dict[str, str] = {}
    for sub in sub_budgets:
        for pid in sub.project_ids:
            if pid in placed:
                raise ElectionError(f"le projet {pid} est dans deux enveloppes ({placed[pid]}, {sub.name})")
            placed[pid] = sub.name
    groups = [(s.name, s.amount, s.project_ids) for s in sub_budgets]
    general = tuple(p.id for p in election.projects if p.id not in placed)
    if general or not sub_budgets:
        groups.append((GENERAL, election.budget - total, general))
    parts = []
    for name, amount, ids in groups:
        sub_election = restrict(election, ids, amount, label=name)
        outcome = count(
            sub_election,
            rule,
            tie_breaking=tie_breaking,
            eligibility_factor=eligibility_factor,
            verify=verify,
        )
        parts.append(SubBudgetOutcome(name, amount, sub_election, outcome))
    result = SplitOutcome(rule, election.budget, tuple(parts))
    if not leftover:
        return result
    funded = set(result.winners)
    rest = [p.id for p in election.projects if p.id not in funded]
    rest_election = restrict(election, rest, result.budget_left, label="reliquat")
    outcome = greedy(rest_election, tie_breaking=tie_breaking, rule="leftover")
    return SplitOutcome(
        rule,
        election.budget,
        tuple(parts),
        SubBudgetOutcome("reliquat", result.budget_left, rest_election, outcome),
    )


def _plain(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}"
