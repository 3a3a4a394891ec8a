"""Rule names as the command line and pabulib files spell them."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from .completions import mes_add1, mes_add1_comparison, mes_add1_utilitarian, method_of_equal_shares
from .greedy import greedy, greedy_threshold
from .model import Election, ElectionError, Outcome, TieBreaking

RULES: dict[str, str] = {
    "greedy": "glouton : par voix décroissantes, en sautant les projets qui ne tiennent pas",
    "greedy-no-skip": "glouton sans saut : s'arrête au premier projet qui ne tient pas",
    "greedy-threshold": "glouton avec seuil de voix",
    "mes": "méthode des parts égales, sans complément",
    "mes-add1": "parts égales + complément Add1 (arrêt dès que le résultat est exhaustif)",
    "mes-add1-nonexhaustive": "parts égales + complément Add1 (sans arrêt à l'exhaustivité, comme Wieliczka)",
    "mes-add1-utilitarian": "parts égales + Add1, puis complément au plus grand nombre de voix",
    "mes-add1-comparison": "parts égales + Add1 (comme Wieliczka), puis comparaison avec le glouton",
}

# pabulib `rule` values (pabulib.org/format, checker RULES) -> our rule names
PABULIB_RULES = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy-no-skip",
    "greedy-threshold": "greedy-threshold",
    "equalshares": "mes",
    "equalshares/add1": "mes-add1",
    "equalshares/add1-comparison": "mes-add1-comparison",
}


def count(
    election: Election,
    rule: str,
    *,
    tie_breaking: TieBreaking | None = None,
    eligibility_factor: int | Fraction | None = None,
    verify: bool = False,
) -> Outcome:
    """Count `election` with the rule named `rule` (one of `RULES`).

    `verify=True` (MES rules) recounts the adopted result with the exact reference implementation.
    """
    tb, ef = tie_breaking, eligibility_factor
    runners: dict[str, Callable[[], Outcome]] = {
        "greedy": lambda: greedy(election, tie_breaking=tb),
        "greedy-no-skip": lambda: greedy(election, stop_at_first_misfit=True, tie_breaking=tb),
        "greedy-threshold": lambda: greedy_threshold(election, tie_breaking=tb),
        "mes": lambda: method_of_equal_shares(
            election, tie_breaking=tb, eligibility_factor=ef, verify=verify
        ),
        "mes-add1": lambda: mes_add1(election, tie_breaking=tb, eligibility_factor=ef, verify=verify),
        "mes-add1-nonexhaustive": lambda: mes_add1(
            election, exhaustive_stop=False, tie_breaking=tb, eligibility_factor=ef, verify=verify
        ),
        "mes-add1-utilitarian": lambda: mes_add1_utilitarian(
            election, tie_breaking=tb, eligibility_factor=ef, verify=verify
        ),
        "mes-add1-comparison": lambda: mes_add1_comparison(
            election, tie_breaking=tb, eligibility_factor=ef, verify=verify
        ),
    }
    try:
        runner = runners[rule]
    except KeyError:
        raise ElectionError(f"règle inconnue : {rule} (règles possibles : {', '.join(RULES)})") from None
    return runner()
