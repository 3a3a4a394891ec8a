"""Counting rules for participatory budgets, as pure functions (no Django).

Definitions and sources: each function's docstring; the research note `participatory-budgeting.md`.
"""

from .completions import (
    add1,
    compare_outcomes,
    eligible_projects,
    mes_add1,
    mes_add1_comparison,
    mes_add1_utilitarian,
    method_of_equal_shares,
    utilitarian_completion,
)
from .greedy import greedy, greedy_threshold
from .model import (
    REASON_LABELS,
    BallotType,
    Comparison,
    Election,
    ElectionError,
    Outcome,
    Project,
    ProjectResult,
    Reason,
    TieBreaking,
    TieEvent,
    UnresolvedTie,
)
from .registry import PABULIB_RULES, RULES, count
from .subbudgets import (
    SplitOutcome,
    SubBudget,
    SubBudgetOutcome,
    category_sub_budgets,
    count_by_sub_budget,
    restrict,
)

__all__ = [
    "PABULIB_RULES",
    "REASON_LABELS",
    "RULES",
    "BallotType",
    "Comparison",
    "Election",
    "ElectionError",
    "Outcome",
    "Project",
    "ProjectResult",
    "Reason",
    "SplitOutcome",
    "SubBudget",
    "SubBudgetOutcome",
    "TieBreaking",
    "TieEvent",
    "UnresolvedTie",
    "add1",
    "category_sub_budgets",
    "compare_outcomes",
    "count",
    "count_by_sub_budget",
    "eligible_projects",
    "greedy",
    "greedy_threshold",
    "mes_add1",
    "mes_add1_comparison",
    "mes_add1_utilitarian",
    "method_of_equal_shares",
    "restrict",
    "utilitarian_completion",
]
