"""CGCT art. L1111-10 III: plans sitting exactly on, and one cent past, each threshold."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beffroi.funding.cofinancing import (
    CostNature,
    FinancingLine,
    FinancingPlanError,
    FunderType,
    Regime,
    check_balance,
    check_minimum_participation,
    parse_amount,
)

D = Decimal


def plan(own, aid, *, private="0", operating_aid="0"):
    lines = [
        FinancingLine(FunderType.OWN_FUNDS, CostNature.INVESTMENT, D(own), "Autofinancement"),
        FinancingLine(FunderType.PUBLIC, CostNature.INVESTMENT, D(aid), "Subventions"),
    ]
    if D(private):
        lines.append(FinancingLine(FunderType.PRIVATE, CostNature.INVESTMENT, D(private), "Mécénat"))
    if D(operating_aid):
        lines.append(
            FinancingLine(FunderType.PUBLIC, CostNature.OPERATING, D(operating_aid), "Aide au poste")
        )
    return lines


class TestStandardTwentyPercent:
    def test_own_share_exactly_twenty_percent_of_public_funding_passes(self):
        result = check_minimum_participation(plan("25000.00", "100000.00"))
        assert result.ok
        assert result.rate == D("0.20")
        assert result.public_funding_total == D("125000.00")
        assert result.min_own_share == D("25000.00")
        assert result.max_public_aid == D("100000.00")
        assert result.own_share_percent == D("20.00")
        assert result.message.startswith("CGCT art. L1111-10 III :")
        assert "la règle est respectée" in result.message

    def test_a_100000_euro_project_with_85000_euros_of_aid(self):
        """The owner brings 20 % of the public funding (20 000 €), so the aids stop at 80 000 €; keeping the
        85 000 € and raising the own share to 21 250 € would fund more than the project costs."""
        result = check_minimum_participation(plan("15000.00", "85000.00"))
        assert not result.ok
        assert result.public_funding_total == D("100000.00")
        assert result.min_own_share == D("20000.00")
        assert result.max_public_aid == D("80000.00")
        assert result.missing_own_share == D("5000.00")
        assert result.excess_public_aid == D("5000.00")
        assert result.message == (
            "CGCT art. L1111-10 III : la commune, maître d'ouvrage, doit apporter au moins 20\u00a0% du montant "
            "total des financements apportés au projet par des personnes publiques, sa propre part comprise. "
            "Pour 100\u202f000,00\u00a0€ de financements publics, sa part doit atteindre au moins "
            "20\u202f000,00\u00a0€ et les aides publiques ne peuvent pas dépasser 80\u202f000,00\u00a0€. "
            "Elle n'apporte que 15\u202f000,00\u00a0€ (15\u00a0% des financements publics) pour "
            "85\u202f000,00\u00a0€ d'aides publiques : il manque 5\u202f000,00\u00a0€ de part communale, soit "
            "5\u202f000,00\u00a0€ d'aides au-delà du plafond."
        )
        assert "21\u202f250" not in result.message
        (exceptions,) = result.notes
        assert "30\u00a0% pour une compétence à chef de file" in exceptions
        assert "dérogation du préfet" in exceptions and "outre-mer" in exceptions

    def test_the_same_project_at_the_cap_passes_without_the_exceptions_note(self):
        result = check_minimum_participation(plan("20000.00", "80000.00"))
        assert result.ok and result.notes == ()
        assert "au moins 20\u202f000,00\u00a0€" in result.message
        assert "ne peuvent pas dépasser 80\u202f000,00\u00a0€" in result.message
        assert "la règle est respectée" in result.message

    def test_one_cent_moved_from_the_own_share_to_the_aids_fails(self):
        result = check_minimum_participation(plan("24999.99", "100000.01"))
        assert not result.ok
        assert result.min_own_share == D("25000.00")
        assert result.max_public_aid == D("100000.00")
        assert result.missing_own_share == result.excess_public_aid == D("0.01")
        assert result.own_share_percent == D("19.99")  # never displayed as "20 %" when it fails
        assert "il manque 0,01\u00a0€ de part communale" in result.message
        assert "ne peuvent pas dépasser 100\u202f000,00\u00a0€" in result.message

    def test_minimum_own_share_is_rounded_up_and_itself_passes(self):
        result = check_minimum_participation(plan("0", "125.01"))
        assert result.min_own_share == D("25.01")  # exact minimum 25.002
        assert result.max_public_aid == D("100.00")
        assert check_minimum_participation(plan("25.01", "100.00")).ok
        assert not check_minimum_participation(plan("25.00", "100.01")).ok

    def test_private_funding_is_outside_the_base(self):
        result = check_minimum_participation(plan("25000.00", "100000.00", private="1000000.00"))
        assert result.ok
        assert result.private_funding == D("1000000.00")
        assert result.public_funding_total == D("125000.00")
        assert any("financements privés" in note for note in result.notes)

    def test_operating_costs_are_outside_the_rule(self):
        result = check_minimum_participation(plan("25000.00", "100000.00", operating_aid="50000.00"))
        assert result.ok
        assert result.operating_total == D("50000.00")
        assert any("dépenses de fonctionnement" in note for note in result.notes)

    def test_public_aid_without_any_own_share_fails(self):
        result = check_minimum_participation(plan("0", "1000.00"))
        assert not result.ok
        assert result.min_own_share == D("200.00")
        assert result.max_public_aid == D("800.00")

    def test_investment_funded_by_the_commune_and_private_donors_only_passes(self):
        lines = [
            FinancingLine(FunderType.PRIVATE, CostNature.INVESTMENT, D("8000.00"), "Mécénat"),
            FinancingLine(FunderType.OWN_FUNDS, CostNature.INVESTMENT, D("2000.00"), "Autofinancement"),
        ]
        assert check_minimum_participation(lines).ok

    def test_plan_without_investment_is_not_subject_to_the_rule(self):
        lines = [
            FinancingLine(FunderType.PUBLIC, CostNature.OPERATING, D("50000.00"), "Conseiller numérique")
        ]
        result = check_minimum_participation(lines)
        assert result.ok and not result.applicable
        assert "opérations d'investissement" in result.message


class TestChefDeFileThirtyPercent:
    def test_exactly_thirty_percent_passes_and_one_cent_less_fails(self):
        assert check_minimum_participation(plan("3000.00", "7000.00"), regime=Regime.CHEF_DE_FILE).ok
        result = check_minimum_participation(plan("2999.99", "7000.00"), regime=Regime.CHEF_DE_FILE)
        assert not result.ok
        assert result.article == "CGCT art. L1111-9 et L1111-10 III"
        assert "30\u00a0%" in result.message

    def test_thirty_percent_of_an_odd_amount_rounds_to_the_passing_cent(self):
        # 100.01 € of public funding needs 30.003 € of own funds.
        result = check_minimum_participation(plan("0", "100.01"), regime=Regime.CHEF_DE_FILE)
        assert result.min_own_share == D("30.01")
        assert result.max_public_aid == D("70.00")
        assert check_minimum_participation(plan("30.01", "70.00"), regime=Regime.CHEF_DE_FILE).ok
        assert not check_minimum_participation(plan("30.00", "70.01"), regime=Regime.CHEF_DE_FILE).ok

    def test_ctec_derogation_brings_back_twenty_percent(self):
        result = check_minimum_participation(
            plan("25.00", "100.00"), regime=Regime.CHEF_DE_FILE, ctec_derogation=True
        )
        assert result.ok and result.rate == D("0.20")
        assert any("CTEC" in note for note in result.notes)


class TestSchoolEnergyRenovationTenPercent:
    def test_ten_percent_only_on_the_prefects_decision(self):
        without = check_minimum_participation(
            plan("10000.00", "90000.00"), regime=Regime.SCHOOL_ENERGY_RENOVATION
        )
        assert not without.ok and without.rate == D("0.20")
        assert any("décision du préfet" in note for note in without.notes)

        on = check_minimum_participation(
            plan("10000.00", "90000.00"), regime=Regime.SCHOOL_ENERGY_RENOVATION, prefect_decision=True
        )
        assert on.ok and on.rate == D("0.10")
        assert on.max_public_aid == D("90000.00")
        assert "loi n° 2024-279" in on.article

        past = check_minimum_participation(
            plan("9999.99", "90000.00"), regime=Regime.SCHOOL_ENERGY_RENOVATION, prefect_decision=True
        )
        assert not past.ok
        assert past.min_own_share == D("10000.00")
        assert past.max_public_aid == D("89999.99")


class TestPrefectDerogations:
    @pytest.mark.parametrize(
        "regime", [Regime.PROTECTED_MONUMENT, Regime.PUBLIC_CALAMITY, Regime.UNPROTECTED_HERITAGE]
    )
    def test_without_the_derogation_twenty_percent_applies(self, regime):
        assert not check_minimum_participation(plan("0", "1000.00"), regime=regime).ok

    @pytest.mark.parametrize(
        "regime", [Regime.PROTECTED_MONUMENT, Regime.PUBLIC_CALAMITY, Regime.UNPROTECTED_HERITAGE]
    )
    def test_waived_by_the_prefect_no_own_share_is_required(self, regime):
        result = check_minimum_participation(plan("0", "1000.00"), regime=regime, prefect_decision=True)
        assert result.ok and result.rate == 0 and result.max_public_aid is None
        assert "aucune participation minimale" in result.message

    def test_rate_set_by_the_prefect_is_applied_to_the_cent(self):
        kwargs = {"regime": Regime.PUBLIC_CALAMITY, "prefect_decision": True, "derogation_rate": D("0.05")}
        assert check_minimum_participation(plan("5.00", "95.00"), **kwargs).ok
        assert not check_minimum_participation(plan("4.99", "95.00"), **kwargs).ok

    def test_derogation_rate_must_be_between_zero_and_twenty_percent(self):
        with pytest.raises(FinancingPlanError, match="entre 0 et 0,20"):
            check_minimum_participation(
                plan("5", "95"),
                regime=Regime.PUBLIC_CALAMITY,
                prefect_decision=True,
                derogation_rate=D("0.5"),
            )


def test_overseas_collectivities_are_excepted():
    result = check_minimum_participation(plan("0", "1000.00"), regime=Regime.OVERSEAS)
    assert result.ok and result.rate == 0
    assert any("Mayotte" in note for note in result.notes)


class TestBadInput:
    def test_negative_amount(self):
        with pytest.raises(FinancingPlanError, match="ne peut pas être négatif"):
            FinancingLine(FunderType.PUBLIC, CostNature.INVESTMENT, D("-1.00"), "DETR")

    def test_not_a_number(self):
        with pytest.raises(FinancingPlanError, match="n'est pas un nombre"):
            FinancingLine(FunderType.PUBLIC, CostNature.INVESTMENT, "douze", "DETR")

    def test_float_is_refused(self):
        with pytest.raises(FinancingPlanError, match="décimal exact"):
            FinancingLine(FunderType.PUBLIC, CostNature.INVESTMENT, 0.1, "DETR")

    def test_fraction_of_cent_is_refused(self):
        with pytest.raises(FinancingPlanError, match="au centime près"):
            FinancingLine(FunderType.PUBLIC, CostNature.INVESTMENT, D("10.001"), "DETR")

    def test_unknown_funder_type(self):
        with pytest.raises(FinancingPlanError, match="type de financeur inconnu"):
            FinancingLine("mecene", CostNature.INVESTMENT, D("10"), "Fondation")

    def test_french_written_amounts_are_read_exactly(self):
        assert parse_amount("1 250,50") == D("1250.50")
        assert parse_amount("1\u202f250,50") == D("1250.50")
        assert parse_amount("12500.50") == D("12500.50")  # an API's text with a decimal point

    @pytest.mark.parametrize(
        "text",
        ["1.5e3", "1e30", "1_000", "€100", "100 EUR", "１００", "١٠٠", "Infinity", "NaN", "1.250", "0x10"],
    )
    def test_text_that_is_not_a_french_amount_is_refused_not_reinterpreted(self, text):
        # these used to be read by Decimal() as another number (1500, 1e30, 1000, 100…), silently
        with pytest.raises(FinancingPlanError):
            parse_amount(text, "DETR")

    def test_an_amount_past_a_trillion_is_refused(self):
        with pytest.raises(FinancingPlanError, match="trop élevé"):
            parse_amount(D("1e30"))

    def test_infinity(self):
        with pytest.raises(FinancingPlanError, match="doit être un nombre"):
            parse_amount(D("Infinity"))


cents = st.integers(min_value=0, max_value=10**11).map(lambda c: D(c) / 100)


@given(own=cents, aid=cents)
def test_twenty_percent_is_public_aid_at_most_four_times_own_share(own, aid):
    result = check_minimum_participation(plan(own, aid))
    assert result.ok == (aid <= 4 * own)


RATES = {
    D("0.10"): (Regime.SCHOOL_ENERGY_RENOVATION, {"prefect_decision": True}),
    D("0.20"): (Regime.STANDARD, {}),
    D("0.30"): (Regime.CHEF_DE_FILE, {}),
}


@given(public=cents, own=cents, rate=st.sampled_from(sorted(RATES)))
def test_displayed_figures_split_the_public_funding_whatever_the_plan(public, own, rate):
    """The minimum own share and the aid cap depend only on the public funding; a plan holding them passes
    and one cent moved from the own share to the aids fails."""
    regime, kwargs = RATES[rate]
    own = min(own, public)
    result = check_minimum_participation(plan(own, public - own), regime=regime, **kwargs)
    assert result.min_own_share + result.max_public_aid == public
    assert result.missing_own_share == result.excess_public_aid
    assert result.ok == (result.missing_own_share == 0)
    minimum, maximum = result.min_own_share, result.max_public_aid
    assert check_minimum_participation(plan(minimum, maximum), regime=regime, **kwargs).ok
    if minimum > 0:
        one_cent = D("0.01")
        assert not check_minimum_participation(
            plan(minimum - one_cent, maximum + one_cent), regime=regime, **kwargs
        ).ok


class TestBalance:
    def test_resources_equal_to_the_cost_balance(self):
        lines = [
            FinancingLine(FunderType.OWN_FUNDS, CostNature.INVESTMENT, Decimal("20000")),
            FinancingLine(FunderType.PUBLIC, CostNature.INVESTMENT, Decimal("80000")),
        ]
        result = check_balance(lines, investment_cost=Decimal("100000"), operating_cost=Decimal("5000"))
        assert result.ok and result.investment_gap == 0 and "en équilibre" in result.message

    def test_over_and_under_financing_say_the_gap_in_euros(self):
        over = [FinancingLine(FunderType.PUBLIC, CostNature.INVESTMENT, Decimal("106250"))]
        result = check_balance(over, investment_cost=Decimal("100000"), operating_cost=Decimal(0))
        assert not result.ok and result.investment_gap == Decimal("6250")
        assert "6\u202f250,00\u00a0€ de plus que le coût" in result.message
        under = [FinancingLine(FunderType.PUBLIC, CostNature.INVESTMENT, Decimal("99999.99"))]
        result = check_balance(under, investment_cost=Decimal("100000"), operating_cost=Decimal(0))
        assert not result.ok and "il manque 0,01\u00a0€" in result.message

    def test_operating_lines_are_balanced_against_the_yearly_cost_only_when_present(self):
        lines = [
            FinancingLine(FunderType.OWN_FUNDS, CostNature.INVESTMENT, Decimal("1000")),
            FinancingLine(FunderType.OWN_FUNDS, CostNature.OPERATING, Decimal("300")),
        ]
        result = check_balance(lines, investment_cost=Decimal("1000"), operating_cost=Decimal("500"))
        assert not result.ok and result.operating_gap == Decimal("-200")


class TestUnfundedOperatingCost:
    """A yearly running cost no line funds is outside the balance (CGCT L1111-10 is about investment), but it is
    returned so that the page says who pays it."""

    def test_running_cost_without_operating_line_is_reported(self):
        lines = [FinancingLine(FunderType.OWN_FUNDS, CostNature.INVESTMENT, Decimal("100000"))]
        result = check_balance(lines, investment_cost=Decimal("100000"), operating_cost=Decimal("4000"))
        assert result.ok and result.unfunded_operating_cost == Decimal("4000")

    def test_operating_lines_are_checked_instead(self):
        lines = [
            FinancingLine(FunderType.OWN_FUNDS, CostNature.INVESTMENT, Decimal("100000")),
            FinancingLine(FunderType.OWN_FUNDS, CostNature.OPERATING, Decimal("4000")),
        ]
        result = check_balance(lines, investment_cost=Decimal("100000"), operating_cost=Decimal("4000"))
        assert result.ok and result.unfunded_operating_cost == 0
