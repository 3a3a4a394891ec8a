"""The counting rules, registered once: name, description, how to run it, its pabulib name, whether communes
may choose it for their budgets.

Everything that lists or names a rule reads it here: `count` and `count_by_sub_budget`, the command line's
`--rule` choices (`beffroi.budgeting.cli.build_parser`), the choices of `Budget.rule`, the pabulib name written
in a `.pb` export and read from a file's META `rule`. A new rule is one `register(CountingRule(…))` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from beffroi.budgeting.rules.completions import (
    mes_add1,
    mes_add1_comparison,
    mes_add1_utilitarian,
    method_of_equal_shares,
)
from beffroi.budgeting.rules.greedy import greedy, greedy_threshold
from beffroi.budgeting.rules.model import Election, ElectionError, Outcome, TieBreaking

# A rule's runner: the election, then the tie-breaking, the eligibility factor (Świecie) and `verify` (recount
# with the exact reference implementation, for the rules that have a faster engine).
Runner = Callable[[Election, TieBreaking | None, int | Fraction | None, bool], Outcome]


def gettext_noop(message: str) -> str:
    """Mark a French sentence for the catalogue without translating it here (this module imports no Django);
    `Budget.rule`'s choices translate it when they are shown."""
    return message


@dataclass(frozen=True)
class CountingRule:
    """One counting rule.

    `name` is how the command line and `Budget.rule` spell it; `description` (French) is printed by `beffroi pb
    count`; `pabulib` is the value of pabulib's META `rule` (pabulib.org/format) for the rule, or "" when pabulib
    has none (a `.pb` export then writes `name`); `budget_label` (French, through the catalogue) offers the rule
    to communes' budgets, "" keeps it to the command line; `verifiable` says that `verify=True` recounts its
    result with the exact reference implementation (the Method of Equal Shares' fast engine).
    """

    name: str
    description: str
    run: Runner
    pabulib: str = ""
    budget_label: str = ""
    verifiable: bool = False

    @property
    def pabulib_name(self) -> str:
        """The META `rule` a `.pb` export writes for this rule."""
        return self.pabulib or self.name


RULES: dict[str, CountingRule] = {}


def register(rule: CountingRule) -> CountingRule:
    """Add `rule` to the registry (a second rule under the same name replaces the first)."""
    RULES[rule.name] = rule
    return rule


def unregister(name: str) -> None:
    """Remove the rule called `name` (tests that register a rule of their own take it out again)."""
    RULES.pop(name, None)


def get_rule(name: str) -> CountingRule:
    """The rule called `name`, or an `ElectionError` (French) listing the known ones."""
    try:
        return RULES[name]
    except KeyError:
        raise ElectionError(f"règle inconnue : {name} (règles possibles : {', '.join(RULES)})") from None


def rule_names() -> list[str]:
    """Every rule's name, in the order they were registered (the command line's `--rule` choices)."""
    return list(RULES)


def budget_rules() -> list[CountingRule]:
    """The rules a commune may choose for its budget (`Budget.rule`'s choices)."""
    return [rule for rule in RULES.values() if rule.budget_label]


def rule_for_pabulib(pabulib: str) -> str | None:
    """Our name for the rule a pabulib file's META `rule` names, or None when no registered rule has it."""
    return next((rule.name for rule in RULES.values() if rule.pabulib and rule.pabulib == pabulib), None)


def count(
    election: Election,
    rule: str,
    *,
    tie_breaking: TieBreaking | None = None,
    eligibility_factor: int | Fraction | None = None,
    verify: bool = False,
) -> Outcome:
    """Count `election` with the rule named `rule` (one of `RULES`).

    `verify=True` (MES rules) recounts the adopted result with the exact reference implementation and raises
    `VerificationError` if the two disagree.
    """
    return get_rule(rule).run(election, tie_breaking, eligibility_factor, verify)


register(
    CountingRule(
        "greedy",
        "glouton : par voix décroissantes, en sautant les projets qui ne tiennent pas",
        lambda election, tb, ef, verify: greedy(election, tie_breaking=tb),
        pabulib="greedy",
        budget_label=gettext_noop("Au plus grand nombre de voix"),
    )
)
register(
    CountingRule(
        "greedy-no-skip",
        "glouton sans saut : s'arrête au premier projet qui ne tient pas",
        lambda election, tb, ef, verify: greedy(election, stop_at_first_misfit=True, tie_breaking=tb),
        pabulib="greedy-no-skip",
    )
)
register(
    CountingRule(
        "greedy-threshold",
        "glouton avec seuil de voix",
        lambda election, tb, ef, verify: greedy_threshold(election, tie_breaking=tb),
        pabulib="greedy-threshold",
    )
)
register(
    CountingRule(
        "mes",
        "méthode des parts égales, sans complément",
        lambda election, tb, ef, verify: method_of_equal_shares(
            election, tie_breaking=tb, eligibility_factor=ef, verify=verify
        ),
        pabulib="equalshares",
        verifiable=True,
    )
)
register(
    CountingRule(
        "mes-add1",
        "parts égales + complément Add1 (arrêt dès que le résultat est exhaustif)",
        lambda election, tb, ef, verify: mes_add1(
            election, tie_breaking=tb, eligibility_factor=ef, verify=verify
        ),
        pabulib="equalshares/add1",
        budget_label=gettext_noop("Parts égales (recommandée)"),
        verifiable=True,
    )
)
register(
    CountingRule(
        "mes-add1-nonexhaustive",
        "parts égales + complément Add1 (sans arrêt à l'exhaustivité, comme Wieliczka)",
        lambda election, tb, ef, verify: mes_add1(
            election, exhaustive_stop=False, tie_breaking=tb, eligibility_factor=ef, verify=verify
        ),
        verifiable=True,
    )
)
register(
    CountingRule(
        "mes-add1-utilitarian",
        "parts égales + Add1, puis complément au plus grand nombre de voix",
        lambda election, tb, ef, verify: mes_add1_utilitarian(
            election, tie_breaking=tb, eligibility_factor=ef, verify=verify
        ),
        verifiable=True,
    )
)
register(
    CountingRule(
        "mes-add1-comparison",
        "parts égales + Add1 (comme Wieliczka), puis comparaison avec le glouton",
        lambda election, tb, ef, verify: mes_add1_comparison(
            election, tie_breaking=tb, eligibility_factor=ef, verify=verify
        ),
        pabulib="equalshares/add1-comparison",
        verifiable=True,
    )
)
