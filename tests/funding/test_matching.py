"""Matching funding mechanisms to a commune's project, and the French reasons given for each verdict."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beffroi.funding.catalogue import STAGES, load_mechanisms, load_vocabulary
from beffroi.funding.matching import (
    CommuneProfile,
    Criterion,
    MatchingEngine,
    MatchingInputError,
    ProjectProfile,
    Status,
)

TODAY = date(2026, 1, 15)
VOCAB = load_vocabulary()


@pytest.fixture(scope="module")
def engine():
    return MatchingEngine(load_mechanisms())


def village(**overrides):
    values = {"population": 1200, "departement": "14"}  # a Calvados village, région Normandie
    values.update(overrides)
    return CommuneProfile(**values)


def lighting_works(**overrides):
    values = {
        "themes": {"eclairage-public"},
        "stage": "investissement",
        "investment_cost": Decimal("120000.00"),
        "operating_cost": Decimal("3000.00"),
    }
    values.update(overrides)
    return ProjectProfile(**values)


def reasons_by_criterion(engine, code, commune, project, today=TODAY):
    """The first reason given for each criterion, and all of them."""
    reasons = engine.explain(code, commune, project, today=today)
    first = {}
    for reason in reasons:
        first.setdefault(reason.criterion, reason)
    return first, reasons


def synthetic(code, **fields):
    """A minimal valid catalogue record, overridden by ``fields``."""
    record = {
        "code": code,
        "name": f"Dispositif {code}",
        "funder": {"name": "État", "kind": "etat"},
        "beneficiaries": ["commune"],
        "aid_types": ["subvention"],
        "themes": ["eclairage-public"],
        "stages": ["investissement"],
        "availability": "permanent",
    }
    record.update(fields)
    return record


class TestCatalogueScenarios:
    def test_village_lighting_project_finds_state_grants_and_the_local_energy_syndicate(self, engine):
        codes = engine.matched_codes(village(), lighting_works(), today=TODAY)
        assert {"DETR", "DSIL", "FONDS_VERT_ECLAIRAGE", "SDEC_ECLAIRAGE_PUBLIC"} <= set(codes)
        assert "TID" not in codes  # closed call kept for reference
        assert "PVD" not in codes  # the village is not labelled
        assert "SDES73_DIAGNOSTIC_ECLAIRAGE" not in codes  # Savoie only

    def test_results_cover_every_mechanism_in_catalogue_order(self, engine):
        results = engine.match(village(), lighting_works(), today=TODAY)
        assert [r.code for r in results] == [m.code for m in engine.mechanisms]
        assert [r.code for r in results if r.matched] == engine.matched_codes(
            village(), lighting_works(), today=TODAY
        )

    def test_results_behave_as_a_sequence_and_list_matches_directly(self, engine):
        results = engine.match(village(), lighting_works(), today=TODAY)
        assert len(results) == len(engine.mechanisms)
        assert results[0].code == engine.mechanisms[0].code and results[-1].code == engine.mechanisms[-1].code
        assert [r.code for r in results[:3]] == [m.code for m in engine.mechanisms[:3]]
        assert [r.code for r in results.matched()] == [r.code for r in results if r.matched]
        assert sorted(results, key=lambda r: not r.matched)[0].matched

    def test_every_result_explains_itself_consistently(self, engine):
        for result in engine.match(village(), lighting_works(), today=TODAY):
            statuses = {r.status for r in result.reasons}
            assert result.matched == (Status.KO not in statuses), result.code
            assert all(r.message and r.message[0].isupper() for r in result.reasons)

    def test_detr_small_commune_passes_on_population(self, engine):
        by, _ = reasons_by_criterion(engine, "DETR", village(population=2000), lighting_works())
        assert by[Criterion.POPULATION].status is Status.OK
        assert "2\u202f000 habitants" in by[Criterion.POPULATION].message

    def test_detr_between_2001_and_20000_is_to_be_checked_on_financial_potential(self, engine):
        commune = village(population=3200)
        assert "DETR" in engine.matched_codes(commune, lighting_works(), today=TODAY)
        by, _ = reasons_by_criterion(engine, "DETR", commune, lighting_works())
        assert by[Criterion.POPULATION].status is Status.TO_CHECK
        assert "potentiel financier" in by[Criterion.POPULATION].message

    def test_detr_refused_when_financial_potential_is_known_too_high(self, engine):
        commune = village(population=3200, conditions_not_met={"potentiel_financier_inferieur_1_3_strate"})
        assert "DETR" not in engine.matched_codes(commune, lighting_works(), today=TODAY)
        by, _ = reasons_by_criterion(engine, "DETR", commune, lighting_works())
        assert by[Criterion.POPULATION].status is Status.KO
        assert "n'est pas remplie" in by[Criterion.POPULATION].message

    def test_detr_refused_above_twenty_thousand_inhabitants(self, engine):
        by, _ = reasons_by_criterion(engine, "DETR", village(population=25000), lighting_works())
        assert by[Criterion.POPULATION].status is Status.KO
        assert "hors des seuils" in by[Criterion.POPULATION].message

    def test_detr_for_intercommunalities_up_to_fifty_thousand(self, engine):
        epci = village(kind="epci", population=50000, conditions_met={"aucune_commune_membre_plus_15000"})
        assert "DETR" in engine.matched_codes(epci, lighting_works(), today=TODAY)
        bigger = village(kind="epci", population=50001, conditions_met={"aucune_commune_membre_plus_15000"})
        assert "DETR" not in engine.matched_codes(bigger, lighting_works(), today=TODAY)

    def test_syndicat_is_told_why_detr_is_not_for_it(self, engine):
        by, _ = reasons_by_criterion(engine, "DETR", village(kind="syndicat"), lighting_works())
        assert by[Criterion.BENEFICIARY].status is Status.KO
        assert "pas ouvert aux syndicats" in by[Criterion.BENEFICIARY].message

    def test_regional_mechanism_outside_its_region(self, engine):
        project = ProjectProfile(themes={"revitalisation"}, stage="etude", investment_cost=Decimal("40000"))
        by, _ = reasons_by_criterion(engine, "REGION_GE_VILLES_MOYENNES", village(population=15000), project)
        message = by[Criterion.TERRITORY].message
        assert by[Criterion.TERRITORY].status is Status.KO
        assert "Grand Est" in message and "Calvados (14)" in message and "Normandie" in message

    def test_departmental_service_inside_its_departement_needs_membership(self, engine):
        charente = village(departement="16")
        project = ProjectProfile(themes={"administration-numerique"}, stage="fonctionnement")
        assert "ATD16_ASSISTANCE_NUMERIQUE" in engine.matched_codes(charente, project, today=TODAY)
        by, _ = reasons_by_criterion(engine, "ATD16_ASSISTANCE_NUMERIQUE", charente, project)
        assert by[Criterion.CONDITIONS].status is Status.TO_CHECK
        not_member = village(departement="16", conditions_not_met={"adherent_atd16"})
        assert "ATD16_ASSISTANCE_NUMERIQUE" not in engine.matched_codes(not_member, project, today=TODAY)

    def test_labelled_petite_ville_de_demain(self, engine):
        project = ProjectProfile(themes={"revitalisation"}, stage="etude", investment_cost=Decimal("30000"))
        labelled = village(population=6000, zonages={"PVD"})
        assert {"PVD", "BDT_PVD"} <= set(engine.matched_codes(labelled, project, today=TODAY))
        by, _ = reasons_by_criterion(engine, "BDT_PVD", labelled, project)
        assert by[Criterion.ZONAGE].status is Status.OK
        assert "Petites villes de demain (PVD)" in by[Criterion.ZONAGE].message

    def test_commune_known_outside_petites_villes_de_demain(self, engine):
        project = ProjectProfile(themes={"revitalisation"}, stage="etude", investment_cost=Decimal("30000"))
        outside = village(population=6000, zonages_absent={"PVD"})
        assert "BDT_PVD" not in engine.matched_codes(outside, project, today=TODAY)
        by, _ = reasons_by_criterion(engine, "BDT_PVD", outside, project)
        assert by[Criterion.ZONAGE].status is Status.KO
        assert "ce n'est pas le cas" in by[Criterion.ZONAGE].message

    def test_unknown_zonage_is_to_be_checked_and_does_not_block(self, engine):
        project = ProjectProfile(themes={"revitalisation"}, stage="etude", investment_cost=Decimal("30000"))
        unknown = village(population=6000)
        assert "BDT_PVD" in engine.matched_codes(unknown, project, today=TODAY)
        by, _ = reasons_by_criterion(engine, "BDT_PVD", unknown, project)
        assert by[Criterion.ZONAGE].status is Status.TO_CHECK
        assert "à vérifier" in by[Criterion.ZONAGE].message

    def test_mechanism_open_to_either_of_two_zonages(self):
        engine = MatchingEngine([synthetic("Z", territory={"zonages": ["FRR", "MONTAGNE"]})])
        project = lighting_works()
        mountain_only = village(zonages={"MONTAGNE"}, zonages_absent={"FRR"})
        assert engine.matched_codes(mountain_only, project, today=TODAY) == ["Z"]
        half_known = village(zonages_absent={"FRR"})
        assert engine.matched_codes(half_known, project, today=TODAY) == ["Z"]
        by, _ = reasons_by_criterion(engine, "Z", half_known, project)
        assert (
            by[Criterion.ZONAGE].status is Status.TO_CHECK
            and "Zone de montagne" in by[Criterion.ZONAGE].message
        )
        neither = village(zonages_absent={"FRR", "MONTAGNE"})
        assert engine.matched_codes(neither, project, today=TODAY) == []

    def test_a_zonage_cannot_be_both_present_and_absent(self):
        with pytest.raises(MatchingInputError, match="à la fois présent et absent"):
            village(zonages={"QPV"}, zonages_absent={"QPV"})

    def test_zrr_is_retired_in_favour_of_frr(self):
        assert "FRR" in VOCAB.zonages and "ZRR" not in VOCAB.zonages
        assert "ZRR" in VOCAB.zonage_help["FRR"]

    def test_investment_grant_does_not_fund_operating_phase(self, engine):
        project = lighting_works(stage="fonctionnement")
        by, _ = reasons_by_criterion(engine, "DSIL", village(), project)
        assert by[Criterion.STAGE].status is Status.KO
        assert "« fonctionnement »" in by[Criterion.STAGE].message

    def test_financial_aid_needs_an_expense_base_but_engineering_does_not(self, engine):
        no_cost = lighting_works(stage="etude", investment_cost=Decimal(0), operating_cost=Decimal(0))
        codes = engine.matched_codes(village(), no_cost, today=TODAY)
        assert "BDT_SRJF" in codes  # free legal and financial information
        by, _ = reasons_by_criterion(
            engine, "SDES73_DIAGNOSTIC_ECLAIRAGE", village(departement="73"), no_cost
        )
        assert by[Criterion.EXPENSES].status is not Status.KO  # subsidy + engineering: no base required
        grant = lighting_works(investment_cost=Decimal(0))
        by, _ = reasons_by_criterion(engine, "DSIL", village(), grant)
        assert by[Criterion.EXPENSES].status is Status.KO
        assert "aucune dépense d'investissement" in by[Criterion.EXPENSES].message

    def test_theme_mismatch_names_both_sides(self, engine):
        by, _ = reasons_by_criterion(
            engine, "CONSEILLERS_NUMERIQUES", village(), lighting_works(stage="fonctionnement")
        )
        assert by[Criterion.THEME].status is Status.KO
        assert "« Inclusion numérique et accès aux services »" in by[Criterion.THEME].message
        assert "« Éclairage public »" in by[Criterion.THEME].message

    def test_indicative_amount_applies_rate_and_ceiling(self, engine):
        study = ProjectProfile(
            themes={"energie-batiments"}, stage="etude", investment_cost=Decimal("60000.00")
        )
        mechanism = engine.get("BDT_INGENIERIE_RENOVATION")
        assert engine.indicative_max_amount(mechanism, study) == Decimal("30000.00")
        big_study = ProjectProfile(
            themes={"energie-batiments"}, stage="etude", investment_cost=Decimal("150000")
        )
        assert engine.indicative_max_amount(mechanism, big_study) == Decimal("50000")
        results = {r.code: r for r in engine.match(village(), study, today=TODAY)}
        assert results["BDT_INGENIERIE_RENOVATION"].indicative_max_amount == Decimal("30000.00")

    def test_state_grant_warns_when_works_start_before_filing(self, engine):
        early = lighting_works(application_date=date(2026, 3, 1), start_date=date(2026, 2, 1))
        by, reasons = reasons_by_criterion(engine, "DETR", village(), early)
        assert by[Criterion.REGIME].status is Status.TO_CHECK
        assert "avant que le dossier soit complet" in by[Criterion.REGIME].message
        # The decree's number is a source detail, given apart (« Sources et vérification »), not in the warning.
        assert "2018-514" not in by[Criterion.REGIME].message
        assert any(r.criterion is Criterion.SOURCE and "2018-514" in r.message for r in reasons)

    def test_verification_notes_are_source_details(self, engine):
        """What the catalogue could not confirm and where it was checked is for the « Sources » block, not
        among the reasons a mayor reads."""
        _, reasons = reasons_by_criterion(engine, "DETR", village(), lighting_works())
        notes = [r for r in reasons if "Points non vérifiés" in r.message or "Fiche vérifiée" in r.message]
        assert len(notes) == 2 and all(r.criterion is Criterion.SOURCE for r in notes)
        assert not any(
            "Aides-territoires" in r.message for r in reasons if r.criterion is not Criterion.SOURCE
        )

    def test_unverified_record_says_so(self, engine):
        _, reasons = reasons_by_criterion(engine, "FRANCE_SERVICES", village(), lighting_works())
        assert any("non encore vérifiée" in r.message for r in reasons)

    def test_verified_record_names_the_date_and_the_page(self, engine):
        _, reasons = reasons_by_criterion(engine, "DSIL", village(), lighting_works())
        assert any(
            "Fiche vérifiée le 26/11/2026 sur https://www.prefectures-regions.gouv.fr/" in r.message
            for r in reasons
        )


class TestCalendar:
    @pytest.fixture
    def windowed(self):
        return MatchingEngine(
            [synthetic("APPEL", availability="fenetre", opens_on="2026-02-01", closes_on="2026-03-31")]
        )

    @pytest.mark.parametrize(
        ("filing", "matched"),
        [
            (date(2026, 1, 31), False),
            (date(2026, 2, 1), True),
            (date(2026, 3, 31), True),  # the closing day is still open
            (date(2026, 4, 1), False),
        ],
    )
    def test_window_bounds_are_inclusive(self, windowed, filing, matched):
        project = lighting_works(application_date=filing)
        assert (windowed.matched_codes(village(), project, today=TODAY) == ["APPEL"]) is matched
        assert windowed.explain_match("APPEL", village(), project, today=TODAY) is matched

    def test_today_is_used_without_a_filing_date(self, windowed):
        assert windowed.matched_codes(village(), lighting_works(), today=date(2026, 2, 10)) == ["APPEL"]
        by, _ = reasons_by_criterion(windowed, "APPEL", village(), lighting_works(), today=date(2026, 4, 2))
        assert by[Criterion.CALENDAR].message.startswith("Clos depuis le 31/03/2026")


class TestInputErrors:
    def test_negative_cost(self):
        with pytest.raises(MatchingInputError, match="ne peut pas être négatif"):
            lighting_works(investment_cost=Decimal("-5"))

    def test_float_cost(self):
        with pytest.raises(MatchingInputError, match="décimal exact"):
            lighting_works(investment_cost=1000.5)

    def test_end_before_start(self):
        with pytest.raises(MatchingInputError, match="précède"):
            lighting_works(start_date=date(2026, 5, 1), end_date=date(2026, 4, 1))

    def test_unknown_stage(self):
        with pytest.raises(MatchingInputError, match="Étape de projet inconnue"):
            lighting_works(stage="travaux")

    def test_bad_population_and_kind(self):
        with pytest.raises(MatchingInputError, match="population"):
            village(population=-3)
        with pytest.raises(MatchingInputError, match="Type de collectivité inconnu"):
            village(kind="departement")

    def test_region_is_derived_from_the_departement(self):
        assert village(departement="58").region == "27"


# -- the fast path and the explain path agree, on random catalogues ------------------------------------

THEMES = sorted(VOCAB.themes)
CONDITIONS = sorted(VOCAB.conditions)[:4]
ZONAGES = sorted(VOCAB.zonages)
DEPARTEMENTS = ["14", "16", "26", "58", "73", "971"]
REGIONS = sorted({VOCAB.region_of(d) for d in DEPARTEMENTS})
# An intercommunality by its short name, its SIREN, or another one; a commune names its own in full or not at all.
EPCIS = ["CC des Coteaux du Val", "200099001", "Dijon Métropole"]
COMMUNE_EPCIS = [
    ("", ""),
    ("Communauté de communes des Coteaux du Val", ""),
    ("", "200099001"),
    ("CC du Pays", ""),
]
LOCAL_PERIMETER = "dans_perimetre_aides_territoires"
KINDS = ["commune", "epci", "syndicat"]
AID_TYPES = ["subvention", "pret", "ingenierie_technique", "service_mutualise"]
populations = st.integers(min_value=0, max_value=120_000)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@st.composite
def rules(draw, beneficiary):
    low = draw(st.none() | populations)
    high = draw(st.none() | populations)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return {
        "beneficiary": beneficiary,
        "population_min": low,
        "population_max": high,
        "conditions": draw(st.lists(st.sampled_from(CONDITIONS), unique=True, max_size=2)),
    }


@st.composite
def mechanism_records(draw, code):
    beneficiaries = draw(st.lists(st.sampled_from(KINDS), unique=True, min_size=1))
    eligibility = [draw(rules(b)) for b in beneficiaries for _ in range(draw(st.integers(1, 2)))]
    opens = draw(st.none() | days)
    closes = draw(st.none() | days)
    if opens and closes and closes < opens:
        opens, closes = closes, opens
    return synthetic(
        code,
        beneficiaries=beneficiaries,
        eligibility=eligibility,
        conditions=draw(st.lists(st.sampled_from([*CONDITIONS, LOCAL_PERIMETER]), unique=True, max_size=1)),
        territory={
            "regions": draw(st.lists(st.sampled_from(REGIONS), unique=True, max_size=1)),
            "departements": draw(st.lists(st.sampled_from(DEPARTEMENTS), unique=True, max_size=1)),
            "epcis": draw(st.lists(st.sampled_from(EPCIS), unique=True, max_size=1)),
            "zonages": draw(st.lists(st.sampled_from(ZONAGES), unique=True, max_size=2)),
        },
        aid_types=draw(st.lists(st.sampled_from(AID_TYPES), unique=True, min_size=1)),
        themes=draw(st.lists(st.sampled_from(THEMES), unique=True, max_size=3)),
        all_themes=draw(st.booleans()),
        stages=draw(st.lists(st.sampled_from(STAGES), unique=True, min_size=1)),
        availability=draw(
            st.sampled_from(["permanent", "annuel", "fenetre", "programme", "clos", "inconnu"])
        ),
        opens_on=opens.isoformat() if opens else None,
        closes_on=closes.isoformat() if closes else None,
    )


@st.composite
def communes(draw):
    met = draw(st.lists(st.sampled_from([*CONDITIONS, LOCAL_PERIMETER]), unique=True, max_size=3))
    not_met = draw(
        st.lists(
            st.sampled_from([c for c in [*CONDITIONS, LOCAL_PERIMETER] if c not in met]),
            unique=True,
            max_size=3,
        )
    )
    present = draw(st.lists(st.sampled_from(ZONAGES), unique=True, max_size=2))
    absent = draw(
        st.lists(st.sampled_from([z for z in ZONAGES if z not in present]), unique=True, max_size=3)
    )
    epci, epci_siren = draw(st.sampled_from(COMMUNE_EPCIS))
    return CommuneProfile(
        population=draw(populations),
        kind=draw(st.sampled_from(KINDS)),
        departement=draw(st.sampled_from(["", *DEPARTEMENTS])),
        epci=epci,
        epci_siren=epci_siren,
        zonages=frozenset(present),
        zonages_absent=frozenset(absent),
        conditions_met=frozenset(met),
        conditions_not_met=frozenset(not_met),
    )


amounts = st.sampled_from([Decimal(0), Decimal("0.01"), Decimal("15000.00")])
projects = st.builds(
    ProjectProfile,
    themes=st.frozensets(st.sampled_from(THEMES), max_size=3),
    stage=st.sampled_from(STAGES),
    investment_cost=amounts,
    operating_cost=amounts,
    application_date=st.none() | days,
)


@settings(max_examples=150, deadline=None)
@given(
    records=st.integers(1, 12).flatmap(lambda n: st.tuples(*(mechanism_records(f"M{i}") for i in range(n)))),
    commune=communes(),
    project=projects,
    today=days,
)
def test_fast_verdict_equals_explained_verdict_on_random_catalogues(records, commune, project, today):
    engine = MatchingEngine(records)
    fast = set(engine.matched_codes(commune, project, today=today))
    explained = {m.code for m in engine.mechanisms if engine.explain_match(m, commune, project, today=today)}
    assert fast == explained


@settings(max_examples=60, deadline=None)
@given(commune=communes(), project=projects, today=days)
def test_fast_verdict_equals_explained_verdict_on_the_real_catalogue(engine, commune, project, today):
    fast = set(engine.matched_codes(commune, project, today=today))
    explained = {m.code for m in engine.mechanisms if engine.explain_match(m, commune, project, today=today)}
    assert fast == explained


COMMUNE_CRITERIA = {
    Criterion.BENEFICIARY,
    Criterion.POPULATION,
    Criterion.TERRITORY,
    Criterion.ZONAGE,
    Criterion.CONDITIONS,
}


@settings(max_examples=150, deadline=None)
@given(
    records=st.integers(1, 12).flatmap(lambda n: st.tuples(*(mechanism_records(f"M{i}") for i in range(n)))),
    commune=communes(),
    project=projects,
    today=days,
)
def test_mechanisms_open_to_a_commune_are_the_communes_half_of_the_match(records, commune, project, today):
    """The financing line form offers ``open_to``: every aid the « Aides possibles » page could match for a
    project of this commune, and none its kind, size, territory, zonages or conditions exclude."""
    engine = MatchingEngine(records)
    offered = {m.code for m in engine.open_to(commune)}
    explained = {
        m.code
        for m in engine.mechanisms
        if not any(
            r.criterion in COMMUNE_CRITERIA and r.status is Status.KO
            for r in engine.explain(m, commune, project, today=today)
        )
    }
    assert offered == explained
    assert set(engine.matched_codes(commune, project, today=today)) <= offered


def test_the_public_aid_cap_is_said_of_the_public_funding_not_of_the_expense(engine):
    """CGCT L1111-10: the commune brings at least 20 % of the project's public funding (its own share
    included); with private funding too, « 80 % de la dépense » would be wrong."""
    _by, reasons = reasons_by_criterion(engine, "DETR", village(population=2000), lighting_works())
    cap = [r.message for r in reasons if r.message.startswith("Cumul des aides publiques")]
    assert cap == [
        "Cumul des aides publiques limité à 80\u00a0% des financements publics du projet : la commune apporte le "
        "reste (au moins 20\u00a0%, CGCT art. L1111-10)."
    ]
