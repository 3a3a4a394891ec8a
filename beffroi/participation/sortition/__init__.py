"""Citizen panels drawn by lot: LEXIMIN, its transparent lottery, the greedy baseline and replacements.

A pure package (no Django): the panels' pages and the `beffroi sortition` command call these functions.

    from beffroi.participation import sortition

    quotas = sortition.parse_quotas(quotas_text)                     # category → feature → FeatureQuota(min, max)
    volunteers = sortition.parse_volunteers(volunteers_text, quotas)  # [Volunteer(id, features, line)]
    distribution = sortition.leximin(volunteers, quotas, k)          # raises InfeasibleQuotas(.category)
    distribution.probabilities        # {volunteer id: probability}, add up to k
    distribution.min_probability      # the fairest achievable minimum…
    distribution.gap                  # …proven within this of the optimum (dual bound)
    greedy = sortition.greedy_probabilities(volunteers, quotas, k, runs=1000, seed=0)
    lottery = sortition.round_to_lottery(distribution, m=1000)       # m panels, each with probability 1/m
    seed = sortition.new_seed()                                       # publish it, then:
    ticket, panel = sortition.draw(lottery, seed)                     # ticket 1..m, panel = ids sorted
    sortition.replacement(panel, "v017", volunteers, quotas, seed=other_seed).chosen

Errors are `SortitionError` (a `ValueError`; French message, `.line` and `.column` for files) and its subclass
`InfeasibleQuotas` (`.category`: the category that makes the quotas impossible, or None when only the panel size
is at fault). Algorithms and the draw convention are described in docs/sortition.md and in each module.
"""

from beffroi.participation.sortition.files import parse_quotas, parse_volunteers
from beffroi.participation.sortition.greedy import greedy_probabilities
from beffroi.participation.sortition.leximin import Distribution, leximin
from beffroi.participation.sortition.lottery import (
    DEFAULT_TICKETS,
    Lottery,
    Replacement,
    draw,
    new_seed,
    replacement,
    replacement_candidates,
    round_to_lottery,
    ticket_fingerprint,
)
from beffroi.participation.sortition.model import (
    FeatureQuota,
    InfeasibleQuotas,
    Quotas,
    SortitionError,
    Volunteer,
)
from beffroi.participation.sortition.reporting import quota_table

__all__ = [
    "DEFAULT_TICKETS",
    "Distribution",
    "FeatureQuota",
    "InfeasibleQuotas",
    "Lottery",
    "Quotas",
    "Replacement",
    "SortitionError",
    "Volunteer",
    "draw",
    "greedy_probabilities",
    "leximin",
    "new_seed",
    "parse_quotas",
    "parse_volunteers",
    "quota_table",
    "replacement",
    "replacement_candidates",
    "round_to_lottery",
    "ticket_fingerprint",
]
