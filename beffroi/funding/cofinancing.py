"""Minimum participation of the project owner in a financing plan — CGCT art. L1111-10 III (pure, no Django).

The rule, as read in the research note (§2; check the consolidated text on Légifrance before relying on it):

* art. L1111-10 III, 2nd paragraph: a collectivité that is *maître d'ouvrage* of an **investment** operation
  provides at least **20 % of the total amount of the funding brought to the project by public persons**.
  The commune is itself a public person, so the base is its own share plus every other public funding:
  ``own ≥ 20 % × (own + public aids)``, i.e. public aids ≤ 4 × own, at most 80 % of the public funding;
* **30 %** when the operation falls within a competence where another collectivité is *chef de file*
  (art. L1111-9, as summarised by the préfecture de Vaucluse), unless a *convention territoriale d'exercice
  concerté* (CTEC) derogates from it;
* **10 %** for the energy renovation of school buildings, when the préfet so decides because 20 % is out of
  proportion with the owner's finances (loi n° 2024-279 du 29 mars 2024);
* the préfet may grant a **derogation** for protected monuments, for repairs after public calamities and
  (loi Engagement et proximité, 2019 — final wording not verified) for unprotected heritage;
* the collectivités of Guadeloupe, Guyane, La Réunion, Martinique, Mayotte, Saint-Barthélemy, Saint-Martin and
  Saint-Pierre-et-Miquelon are excepted (read in translation; French wording not verified);
* operating expenditure and private funding (mécénat…) are outside the base.

The figures given to the user are those of the plan's public funding ``base = own + public aids``, the amount
the project needs from public persons (its investment cost less the private funding, once the plan balances):
the owner brings at least ``rate × base`` and the public aids are capped at ``base − that minimum`` (for a
100 000 € project funded publicly, 20 000 € and 80 000 €). Keeping the aids as planned and raising the own
share to ``aids × rate / (1 − rate)`` would also satisfy the rule, but only by funding more than the project
costs, so it is not the advice given.

Arithmetic is exact: the verdict compares ``own`` with ``rate × base`` on fractions; the displayed minimum own
share is rounded *up* to the cent and the aid cap is what remains of the base, so that a plan holding the
displayed figures passes the check and one cent past them fails.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from fractions import Fraction

from beffroi.core.amounts import AmountError, check_amount
from beffroi.core.amounts import parse_amount as parse_amount_text
from beffroi.core.formatting import format_eur, format_percent

CENT = Decimal("0.01")


class FinancingPlanError(ValueError):
    """A financing-plan line cannot be checked as given (French message, shown to the user)."""


class FunderType(StrEnum):
    PUBLIC = "public"  # État, Europe, Région, Département, intercommunalité, syndicat, agences publiques…
    PRIVATE = "private"  # mécénat, entreprises, particuliers: outside the base
    OWN_FUNDS = "own_funds"  # the maître d'ouvrage itself: autofinancement, emprunt


class CostNature(StrEnum):
    INVESTMENT = "investment"
    OPERATING = "operating"


class Regime(StrEnum):
    STANDARD = "standard"
    CHEF_DE_FILE = "chef_de_file"
    SCHOOL_ENERGY_RENOVATION = "school_energy_renovation"
    PROTECTED_MONUMENT = "protected_monument"
    PUBLIC_CALAMITY = "public_calamity"
    UNPROTECTED_HERITAGE = "unprotected_heritage"
    OVERSEAS = "overseas"


PREFECT_DEROGATIONS = {
    Regime.PROTECTED_MONUMENT: "rénovation de monuments protégés au titre du code du patrimoine",
    Regime.PUBLIC_CALAMITY: "réparation des dégâts causés par des calamités publiques",
    Regime.UNPROTECTED_HERITAGE: "patrimoine non protégé (loi Engagement et proximité de 2019, rédaction à vérifier)",
}


def parse_amount(value: object, label: str = "") -> Decimal:
    """An exact euro amount to the cent: ``Decimal``, ``int`` or text such as ``"1 250,50"``.

    Text is read by the one strict French reader (`core.amounts.parse_amount`: no exponent, no €, no other
    digits); numbers are bounded by `core.amounts.check_amount` (finite, not negative, under a trillion)."""
    where = f"Ligne « {label} » : " if label else ""
    if isinstance(value, bool | float):
        raise FinancingPlanError(f"{where}le montant doit être un nombre décimal exact, pas {value!r}.")
    try:
        if isinstance(value, str):
            return parse_amount_text(value)
        if isinstance(value, int | Decimal):
            return check_amount(value)
    except AmountError as error:
        message = error.message[0].lower() + error.message[1:] if where else error.message
        raise FinancingPlanError(f"{where}{message}") from None
    raise FinancingPlanError(f"{where}le montant « {value!r} » n'est pas un nombre.")


@dataclass(frozen=True, slots=True)
class FinancingLine:
    """One line of a financing plan: who pays, for which kind of expense, how much."""

    funder_type: FunderType
    cost_nature: CostNature
    amount: Decimal
    label: str = ""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "funder_type", FunderType(self.funder_type))
        except ValueError:
            raise FinancingPlanError(
                f"Ligne « {self.label} » : type de financeur inconnu ({self.funder_type!r}) ; "
                "public, private ou own_funds attendu."
            ) from None
        try:
            object.__setattr__(self, "cost_nature", CostNature(self.cost_nature))
        except ValueError:
            raise FinancingPlanError(
                f"Ligne « {self.label} » : nature de dépense inconnue ({self.cost_nature!r}) ; "
                "investment ou operating attendu."
            ) from None
        object.__setattr__(self, "amount", parse_amount(self.amount, self.label))


@dataclass(frozen=True, slots=True)
class CofinancingResult:
    ok: bool
    applicable: bool
    regime: Regime
    rate: Decimal  # minimum share of the public funding, e.g. Decimal("0.2")
    article: str
    own_share: Decimal  # the maître d'ouvrage's investment funding
    public_aid: Decimal  # investment funding from other public persons
    public_funding_total: Decimal  # the base: own share + public aid
    private_funding: Decimal  # investment funding from private persons, outside the base
    operating_total: Decimal  # operating lines, outside the rule
    min_own_share: Decimal  # rate × the public funding, rounded up to the cent
    max_public_aid: Decimal | None  # the public funding less min_own_share; None when unlimited
    missing_own_share: Decimal  # min_own_share − own share, when positive
    excess_public_aid: Decimal  # public aid − max_public_aid, when positive (equal to the missing share)
    own_share_percent: Decimal | None  # of the base, for display
    message: str
    notes: tuple[str, ...]


def _ceil_cents(value: Fraction) -> Decimal:
    return (Decimal(math.ceil(value * 100)) / 100).quantize(CENT)


def _regime_rate(
    regime: Regime, prefect_decision: bool, ctec_derogation: bool, derogation_rate: Decimal | None
) -> tuple[Decimal, str, list[str]]:
    """(minimum rate, article cited, notes) for the regime and the decisions taken."""
    standard = Decimal("0.20")
    article = "CGCT art. L1111-10 III"
    if regime is Regime.STANDARD:
        return standard, article, []
    if regime is Regime.CHEF_DE_FILE:
        if ctec_derogation:
            return (
                standard,
                article,
                [
                    "Compétence à chef de file : la convention territoriale d'exercice concerté (CTEC) déroge "
                    "au taux de 30 % ; le taux général de 20 % s'applique."
                ],
            )
        return (
            Decimal("0.30"),
            "CGCT art. L1111-9 et L1111-10 III",
            ["Compétence à chef de file : participation minimale portée à 30 % des financements publics."],
        )
    if regime is Regime.SCHOOL_ENERGY_RENOVATION:
        if prefect_decision:
            return (
                Decimal("0.10"),
                f"{article} (loi n° 2024-279 du 29 mars 2024)",
                [
                    "Rénovation énergétique de bâtiments scolaires : taux de 10 % fixé par le préfet de département."
                ],
            )
        return (
            standard,
            article,
            [
                "Rénovation énergétique de bâtiments scolaires : le taux de 10 % n'est possible que sur décision "
                "du préfet de département ; sans elle, le taux de 20 % s'applique."
            ],
        )
    if regime in PREFECT_DEROGATIONS:
        subject = PREFECT_DEROGATIONS[regime]
        if prefect_decision:
            rate = derogation_rate if derogation_rate is not None else Decimal(0)
            return rate, article, [f"Dérogation accordée par le préfet de département ({subject})."]
        return (
            standard,
            article,
            [
                f"{subject.capitalize()} : une dérogation du préfet est possible ; sans elle, le taux de 20 % s'applique."
            ],
        )
    assert regime is Regime.OVERSEAS
    return (
        Decimal(0),
        article,
        [
            "Collectivités de Guadeloupe, Guyane, La Réunion, Martinique, Mayotte, Saint-Barthélemy, Saint-Martin "
            "et Saint-Pierre-et-Miquelon : exception à la participation minimale (rédaction française à vérifier)."
        ],
    )


def check_minimum_participation(
    lines: Iterable[FinancingLine],
    *,
    regime: Regime | str = Regime.STANDARD,
    prefect_decision: bool = False,
    ctec_derogation: bool = False,
    derogation_rate: Decimal | None = None,
) -> CofinancingResult:
    """Check the owner's minimum participation in the investment part of a financing plan.

    Implements CGCT art. L1111-10 III (20 %, 10 % on the préfet's decision for school energy renovation,
    préfet's derogations, overseas exception) and the 30 % of art. L1111-9 for *chef de file* competences.
    ``derogation_rate`` is the rate the préfet set when granting a derogation (0 when he waived it).
    """
    try:
        regime = Regime(regime)
    except ValueError:
        raise FinancingPlanError(f"Régime de participation inconnu : {regime!r}.") from None
    if derogation_rate is not None and (
        not isinstance(derogation_rate, Decimal) or not Decimal(0) <= derogation_rate <= Decimal("0.20")
    ):
        raise FinancingPlanError(
            "Le taux fixé par la dérogation doit être un décimal compris entre 0 et 0,20."
        )
    lines = list(lines)
    for line in lines:
        if not isinstance(line, FinancingLine):
            raise FinancingPlanError("Chaque ligne du plan de financement doit être une FinancingLine.")

    investment = [line for line in lines if line.cost_nature is CostNature.INVESTMENT]
    own = sum((line.amount for line in investment if line.funder_type is FunderType.OWN_FUNDS), Decimal(0))
    aid = sum((line.amount for line in investment if line.funder_type is FunderType.PUBLIC), Decimal(0))
    private = sum((line.amount for line in investment if line.funder_type is FunderType.PRIVATE), Decimal(0))
    operating = sum((line.amount for line in lines if line.cost_nature is CostNature.OPERATING), Decimal(0))
    base = own + aid

    rate, article, notes = _regime_rate(regime, prefect_decision, ctec_derogation, derogation_rate)
    outside = []
    if private:
        outside.append(f"{format_eur(private)} de financements privés")
    if operating:
        outside.append(f"{format_eur(operating)} de dépenses de fonctionnement")
    if outside:
        notes.append(f"Hors assiette de la règle : {' et '.join(outside)}.")

    if not investment:
        return CofinancingResult(
            ok=True,
            applicable=False,
            regime=regime,
            rate=rate,
            article=article,
            own_share=own,
            public_aid=aid,
            public_funding_total=base,
            private_funding=private,
            operating_total=operating,
            min_own_share=Decimal("0.00"),
            max_public_aid=None,
            missing_own_share=Decimal("0.00"),
            excess_public_aid=Decimal("0.00"),
            own_share_percent=None,
            message=(
                f"{article} : la participation minimale ne vise que les opérations d'investissement ; "
                "ce plan ne comporte aucune dépense d'investissement."
            ),
            notes=tuple(notes),
        )

    exact_rate = Fraction(rate)
    ok = Fraction(own) >= exact_rate * Fraction(base)  # exact, whatever the rate's digits
    min_own = _ceil_cents(Fraction(base) * exact_rate)
    max_aid = base - min_own if rate else None
    missing = max(Decimal("0.00"), min_own - own)
    excess = max(Decimal("0.00"), aid - max_aid) if max_aid is not None else Decimal("0.00")
    # Rounded down so that a share just under the threshold never displays as the threshold itself.
    percent = (own / base * 100).quantize(CENT, rounding=ROUND_FLOOR) if base else None
    share_text = f" ({format_percent(percent)} des financements publics)" if percent is not None else ""
    rule = (
        f"{article} : la commune, maître d'ouvrage, doit apporter au moins {format_percent(rate * 100)} du "
        "montant total des financements apportés au projet par des personnes publiques, sa propre part comprise."
    )
    figures = (
        f"Pour {format_eur(base)} de financements publics, sa part doit atteindre au moins "
        f"{format_eur(min_own)} et les aides publiques ne peuvent pas dépasser {format_eur(max_aid or 0)}."
    )

    if rate == 0:
        message = (
            f"{article} : aucune participation minimale n'est exigée dans ce cas ; "
            f"la commune apporte {format_eur(own)}{share_text}."
        )
    elif not base:
        message = f"{rule} Ce plan ne compte aucun financement public pour l'investissement : la règle est respectée."
    elif ok:
        message = (
            f"{rule} {figures} Elle apporte {format_eur(own)}{share_text} pour {format_eur(aid)} d'aides "
            "publiques : la règle est respectée."
        )
    else:
        message = (
            f"{rule} {figures} Elle n'apporte que {format_eur(own)}{share_text} pour {format_eur(aid)} "
            f"d'aides publiques : il manque {format_eur(missing)} de part communale, soit "
            f"{format_eur(excess)} d'aides au-delà du plafond."
        )
        if regime is Regime.STANDARD:
            notes.append(
                "Le taux de 20 % est le taux général. Il est de 30 % pour une compétence à chef de file "
                "(sauf convention territoriale d'exercice concerté), peut être abaissé à 10 % par le préfet pour "
                "la rénovation énergétique de bâtiments scolaires, peut faire l'objet d'une dérogation du préfet "
                "(monuments protégés, calamités publiques, patrimoine non protégé) et ne s'applique pas aux "
                "collectivités d'outre-mer : choisissez le régime du plan qui correspond au projet."
            )
    return CofinancingResult(
        ok=ok,
        applicable=True,
        regime=regime,
        rate=rate,
        article=article,
        own_share=own,
        public_aid=aid,
        public_funding_total=base,
        private_funding=private,
        operating_total=operating,
        min_own_share=min_own,
        max_public_aid=max_aid,
        missing_own_share=missing,
        excess_public_aid=excess,
        own_share_percent=percent,
        message=message,
        notes=tuple(notes),
    )


@dataclass(frozen=True, slots=True)
class BalanceResult:
    """Resources of a plan against the project's cost, for each kind of expense (a gap > 0: more resources
    than the cost, < 0: resources missing)."""

    ok: bool
    investment_cost: Decimal
    investment_resources: Decimal
    investment_gap: Decimal
    operating_cost: Decimal
    operating_resources: Decimal
    operating_gap: Decimal
    message: str
    # The project's yearly operating cost when no line of the plan funds operating: left to the commune's
    # ordinary budget, outside the balance (0 when the plan has operating lines, which are then checked).
    unfunded_operating_cost: Decimal = Decimal(0)


def _gap_sentence(what: str, cost: Decimal, resources: Decimal) -> str:
    gap = resources - cost
    if gap > 0:
        return (
            f"{what} : {format_eur(resources)} de ressources pour un coût de {format_eur(cost)}, soit "
            f"{format_eur(gap)} de plus que le coût (surfinancement)."
        )
    return (
        f"{what} : {format_eur(resources)} de ressources pour un coût de {format_eur(cost)} : "
        f"il manque {format_eur(-gap)}."
    )


def check_balance(
    lines: Iterable[FinancingLine], *, investment_cost: Decimal, operating_cost: Decimal
) -> BalanceResult:
    """A financing plan is balanced when its resources equal the project's cost, for the investment and for
    the operating expenses separately (a plan « en équilibre » is what every funder asks for: an aid is
    never granted above the expense it funds, and an unfunded part must be found before the vote).

    Operating lines are checked only when the plan has some: a yearly operating cost is often met by the
    commune's ordinary budget, outside the plan; that cost is then returned as ``unfunded_operating_cost`` so
    that the page says who pays it (``ok`` is then about the investment only)."""
    lines = list(lines)
    investment = sum((line.amount for line in lines if line.cost_nature is CostNature.INVESTMENT), Decimal(0))
    operating = sum((line.amount for line in lines if line.cost_nature is CostNature.OPERATING), Decimal(0))
    investment_cost = Decimal(investment_cost)
    operating_cost = Decimal(operating_cost)
    checked_operating = operating_cost if operating else operating
    problems = []
    if investment != investment_cost:
        problems.append(_gap_sentence("Investissement", investment_cost, investment))
    if operating and operating != operating_cost:
        problems.append(_gap_sentence("Fonctionnement", operating_cost, operating))
    if problems:
        message = "Le plan n'est pas en équilibre. " + " ".join(problems)
    else:
        message = (
            f"Le plan est en équilibre : {format_eur(investment)} de ressources pour "
            f"{format_eur(investment_cost)} d'investissement."
        )
    return BalanceResult(
        ok=not problems,
        investment_cost=investment_cost,
        investment_resources=investment,
        investment_gap=investment - investment_cost,
        operating_cost=checked_operating,
        operating_resources=operating,
        operating_gap=operating - checked_operating,
        message=message,
        unfunded_operating_cost=Decimal(0) if operating else operating_cost,
    )
