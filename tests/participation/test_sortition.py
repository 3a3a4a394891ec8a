"""The panel lottery's algorithms: LEXIMIN against known optima and against the paper's definition solved
independently over every panel of small pools, the transparent lottery, the draw, replacements, the greedy
baseline and the refusal of infeasible quotas."""

from __future__ import annotations

import hashlib
import itertools

import highspy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beffroi.participation import sortition
from beffroi.participation.sortition import FeatureQuota, InfeasibleQuotas, SortitionError, Volunteer


def pool(rows: list[tuple[str, ...]], categories: tuple[str, ...]) -> list[Volunteer]:
    return [
        Volunteer(id=f"v{i:02d}", features=dict(zip(categories, row, strict=True)))
        for i, row in enumerate(rows)
    ]


def meets(panel, volunteers, quotas) -> bool:
    return all(row.met for row in sortition.quota_table(panel, volunteers, quotas)) and len(
        set(panel)
    ) == len(panel)


# --- the paper's definition, solved independently: every panel enumerated, LPs over volunteers -------------


def _lp_max_min(panels, ids, fixed):
    """max t s.t. a distribution over `panels` gives every unfixed volunteer ≥ t and each fixed one ≥ its value;
    returns (t, highs) with the model for further use."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    count = len(panels)
    for _ in panels:
        highs.addVar(0.0, highspy.kHighsInf)
    highs.addVar(-highspy.kHighsInf, highspy.kHighsInf)  # t
    highs.addRow(1.0, 1.0, count, np.arange(count, dtype=np.int32), np.ones(count))
    for vid in ids:
        index = [j for j, p in enumerate(panels) if vid in p]
        if vid in fixed:
            highs.addRow(
                fixed[vid] - 1e-9,
                highspy.kHighsInf,
                len(index),
                np.array(index, dtype=np.int32),
                np.ones(len(index)),
            )
        else:
            cols = np.array([*index, count], dtype=np.int32)
            highs.addRow(0.0, highspy.kHighsInf, len(cols), cols, np.array([1.0] * len(index) + [-1.0]))
    highs.changeColCost(count, 1.0)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    highs.run()
    return highs.getInfo().objective_function_value


def _can_exceed(panels, ids, fixed, t, vid):
    """Whether `vid` can get more than t while every unfixed volunteer keeps ≥ t and fixed ones their value."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    count = len(panels)
    for _ in panels:
        highs.addVar(0.0, highspy.kHighsInf)
    highs.addRow(1.0, 1.0, count, np.arange(count, dtype=np.int32), np.ones(count))
    for other in ids:
        index = [j for j, p in enumerate(panels) if other in p]
        floor = fixed.get(other, t) - 1e-9
        highs.addRow(
            floor, highspy.kHighsInf, len(index), np.array(index, dtype=np.int32), np.ones(len(index))
        )
    costs = np.array([1.0 if vid in p else 0.0 for p in panels])
    highs.changeColsCost(count, np.arange(count, dtype=np.int32), costs)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    highs.run()
    return highs.getInfo().objective_function_value > t + 1e-7


def reference_leximin(volunteers, quotas, k) -> dict[str, float]:
    """The leximin probabilities by the textbook definition (Ogryczak's progressive maximin) on every panel."""
    ids = [v.id for v in volunteers]
    panels = [set(p) for p in itertools.combinations(ids, k) if meets(p, volunteers, quotas)]
    fixed: dict[str, float] = {}
    while len(fixed) < len(ids):
        t = _lp_max_min(panels, [i for i in ids], fixed)
        stuck = [vid for vid in ids if vid not in fixed and not _can_exceed(panels, ids, fixed, t, vid)]
        assert stuck
        for vid in stuck:
            fixed[vid] = t
    return fixed


SEXE_AGE = ("sexe", "âge")


def symmetric_instance():
    rows = [(s, a) for s in ("femme", "homme") for a in ("jeune", "âgé") for _ in range(5)]
    quotas = {
        "sexe": {"femme": FeatureQuota(4, 4), "homme": FeatureQuota(4, 4)},
        "âge": {"jeune": FeatureQuota(4, 4), "âgé": FeatureQuota(4, 4)},
    }
    return pool(rows, SEXE_AGE), quotas


def skewed_instance():
    """Few young women, many old men; quotas ask for balance: the classic case where fairness is hard."""
    rows = (
        [("femme", "jeune")] * 2 + [("femme", "âgé")] * 3 + [("homme", "jeune")] * 2 + [("homme", "âgé")] * 5
    )
    quotas = {
        "sexe": {"femme": FeatureQuota(2, 3), "homme": FeatureQuota(2, 3)},
        "âge": {"jeune": FeatureQuota(2, 3), "âgé": FeatureQuota(2, 3)},
    }
    return pool(rows, SEXE_AGE), quotas


def test_a_symmetric_pool_gives_everyone_k_over_n():
    volunteers, quotas = symmetric_instance()
    distribution = sortition.leximin(volunteers, quotas, 8)
    assert all(p == pytest.approx(8 / 20, abs=1e-7) for p in distribution.probabilities.values())
    assert distribution.min_probability == pytest.approx(0.4, abs=1e-7)
    assert distribution.gap <= 1e-6


def test_a_rare_feature_with_a_minimum_forces_probability_one():
    rows = [("centre",)] * 9 + [("hameau",)]
    volunteers = pool(rows, ("quartier",))
    quotas = {"quartier": {"centre": FeatureQuota(0, 4), "hameau": FeatureQuota(1, 1)}}
    distribution = sortition.leximin(volunteers, quotas, 4)
    assert distribution.probabilities["v09"] == pytest.approx(1.0, abs=1e-7)
    assert all(distribution.probabilities[f"v{i:02d}"] == pytest.approx(3 / 9, abs=1e-7) for i in range(9))
    assert distribution.min_probability == pytest.approx(1 / 3, abs=1e-7)


@pytest.mark.parametrize("shortcut", [True, False])
def test_leximin_matches_the_definition_solved_over_every_panel(shortcut):
    volunteers, quotas = skewed_instance()
    distribution = sortition.leximin(volunteers, quotas, 5, shortcut=shortcut)
    assert distribution.method == ("relaxation" if shortcut else "stages")
    expected = reference_leximin(volunteers, quotas, 5)
    for vid, p in expected.items():
        assert distribution.probabilities[vid] == pytest.approx(p, abs=1e-6)
    assert distribution.min_probability == pytest.approx(min(expected.values()), abs=1e-6)
    assert distribution.upper_bound >= distribution.min_probability - 1e-9
    assert distribution.gap <= 1e-4


@settings(max_examples=15)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["x", "y", "z"])), min_size=5, max_size=9
    ),
    k=st.integers(min_value=2, max_value=4),
    slack=st.integers(min_value=0, max_value=2),
    shortcut=st.booleans(),
)
def test_property_leximin_equals_the_definition_on_random_small_pools(rows, k, slack, shortcut):
    volunteers = pool(rows, ("c1", "c2"))
    quotas = {
        "c1": {v: FeatureQuota(max(0, round(k / 2) - slack), round(k / 2) + slack) for v in ("a", "b")},
        "c2": {v: FeatureQuota(max(0, round(k / 3) - slack), round(k / 3) + slack) for v in ("x", "y", "z")},
    }
    try:
        distribution = sortition.leximin(volunteers, quotas, k, shortcut=shortcut)
    except InfeasibleQuotas:
        ids = [v.id for v in volunteers]
        assert not any(meets(p, volunteers, quotas) for p in itertools.combinations(ids, k))
        return
    expected = reference_leximin(volunteers, quotas, k)
    got = sorted(distribution.probabilities.values())
    assert got == pytest.approx(sorted(expected.values()), abs=1e-6)
    assert sum(got) == pytest.approx(k, abs=1e-6)


def test_when_the_relaxation_cannot_be_reached_the_paper_stages_still_find_the_optimum():
    # Three categories whose linear relaxation promises more than any mix of real panels can give.
    rows = [
        ("b", "x", "v"),
        ("b", "y", "u"),
        ("a", "x", "u"),
        ("a", "y", "v"),
        ("a", "y", "u"),
        ("a", "y", "v"),
        ("b", "y", "v"),
        ("b", "x", "u"),
        ("b", "x", "v"),
    ]
    volunteers = pool(rows, ("c1", "c2", "c3"))
    quotas = {
        "c1": {"a": FeatureQuota(0, 3), "b": FeatureQuota(1, 1)},
        "c2": {"x": FeatureQuota(0, 2), "y": FeatureQuota(1, 3)},
        "c3": {"u": FeatureQuota(1, 3), "v": FeatureQuota(1, 3)},
    }
    distribution = sortition.leximin(volunteers, quotas, 2)
    assert distribution.method == "stages"
    expected = reference_leximin(volunteers, quotas, 2)
    for vid, p in expected.items():
        assert distribution.probabilities[vid] == pytest.approx(p, abs=1e-6)
    assert distribution.gap <= 1e-6
    marginals = dict.fromkeys(distribution.probabilities, 0.0)
    for panel, weight in zip(distribution.panels, distribution.weights, strict=True):
        assert meets(panel, volunteers, quotas)
        for vid in panel:
            marginals[vid] += weight
    assert marginals == pytest.approx(distribution.probabilities, abs=1e-9)


def test_every_panel_of_the_distribution_meets_the_quotas_and_the_marginals_add_up():
    volunteers, quotas = skewed_instance()
    distribution = sortition.leximin(volunteers, quotas, 5)
    assert sum(distribution.weights) == pytest.approx(1.0, abs=1e-9)
    marginals = dict.fromkeys(distribution.probabilities, 0.0)
    for panel, weight in zip(distribution.panels, distribution.weights, strict=True):
        assert len(panel) == 5 and meets(panel, volunteers, quotas)
        for vid in panel:
            marginals[vid] += weight
    for vid, p in distribution.probabilities.items():
        assert marginals[vid] == pytest.approx(p, abs=1e-9)
    assert sum(distribution.probabilities.values()) == pytest.approx(5, abs=1e-9)


def test_a_volunteer_no_panel_can_take_gets_zero_and_the_minimum_says_so():
    rows = [("femme",)] * 4 + [("homme",)] * 4 + [("autre",)]
    volunteers = pool(rows, ("sexe",))
    quotas = {"sexe": {"femme": FeatureQuota(2, 2), "homme": FeatureQuota(2, 2), "autre": FeatureQuota(0, 0)}}
    distribution = sortition.leximin(volunteers, quotas, 4)
    assert distribution.probabilities["v08"] == 0.0
    assert distribution.min_probability == 0.0
    assert distribution.probabilities["v00"] == pytest.approx(0.5, abs=1e-7)


# --- lottery and draw ----------------------------------------------------------------------------------


def test_the_lottery_has_m_quota_panels_and_stays_within_its_bound():
    volunteers, quotas = skewed_instance()
    distribution = sortition.leximin(volunteers, quotas, 5)
    lottery = sortition.round_to_lottery(distribution, 1000)
    assert lottery.m == 1000 and lottery.method == "beck-fiala"
    counts = dict.fromkeys(distribution.probabilities, 0)
    for panel in lottery.panels:
        assert meets(panel, volunteers, quotas)
        for vid in panel:
            counts[vid] += 1
    for vid, p in distribution.probabilities.items():
        assert lottery.probabilities[vid] == counts[vid] / 1000
        assert abs(counts[vid] / 1000 - p) <= lottery.max_deviation + 1e-12
    assert lottery.max_deviation < lottery.bound
    assert lottery.max_deviation <= 0.01


def test_a_small_lottery_still_keeps_the_bound():
    volunteers, quotas = skewed_instance()
    lottery = sortition.round_to_lottery(sortition.leximin(volunteers, quotas, 5), 7)
    assert lottery.m == 7
    assert lottery.max_deviation < lottery.bound


def test_the_draw_is_the_smallest_sha256_of_seed_and_ticket_and_is_reproducible():
    volunteers, quotas = skewed_instance()
    lottery = sortition.round_to_lottery(sortition.leximin(volunteers, quotas, 5), 1000)
    seed = "f3a9c2e1d4b5a6978877665544332211"
    ticket, panel = sortition.draw(lottery, seed)
    digests = {t: hashlib.sha256(f"{seed}:{t}".encode()).hexdigest() for t in range(1, 1001)}
    assert ticket == min(digests, key=digests.__getitem__)
    assert panel == lottery.panels[ticket - 1]
    assert sortition.draw(lottery, seed) == (ticket, panel)
    tickets = {sortition.draw(lottery, f"graine-{i}")[0] for i in range(20)}
    assert len(tickets) > 10  # different seeds, different tickets
    assert sortition.ticket_fingerprint(seed, ticket) == digests[ticket]


def test_the_same_inputs_give_the_same_lottery():
    volunteers, quotas = skewed_instance()
    first = sortition.round_to_lottery(sortition.leximin(volunteers, quotas, 5), 500)
    second = sortition.round_to_lottery(sortition.leximin(volunteers, quotas, 5), 500)
    assert first.panels == second.panels


# --- replacement ---------------------------------------------------------------------------------------


def test_a_replacement_keeps_every_quota_and_candidates_are_exactly_those_who_can():
    volunteers, quotas = skewed_instance()
    lottery = sortition.round_to_lottery(sortition.leximin(volunteers, quotas, 5), 100)
    replaced = 0
    for panel in lottery.panels[:10]:
        for withdrawn in panel:
            rest = [vid for vid in panel if vid != withdrawn]
            expected = sorted(
                v.id for v in volunteers if v.id not in panel and meets([*rest, v.id], volunteers, quotas)
            )
            if not expected:
                with pytest.raises(InfeasibleQuotas):
                    sortition.replacement(panel, withdrawn, volunteers, quotas, seed="remplacement")
                continue
            result = sortition.replacement(panel, withdrawn, volunteers, quotas, seed="remplacement")
            assert list(result.candidates) == expected
            assert result.probability == pytest.approx(1 / len(expected))
            assert meets([*rest, result.chosen], volunteers, quotas)
            digests = {vid: hashlib.sha256(f"remplacement:{vid}".encode()).hexdigest() for vid in expected}
            assert result.chosen == min(digests, key=digests.__getitem__)
            again = sortition.replacement(panel, withdrawn, volunteers, quotas, seed="remplacement")
            assert again.chosen == result.chosen
            replaced += 1
    assert replaced >= 10


def test_no_possible_replacement_names_the_category():
    rows = [("femme", "jeune"), ("femme", "âgé"), ("homme", "jeune"), ("homme", "âgé"), ("homme", "âgé")]
    volunteers = pool(rows, SEXE_AGE)
    quotas = {
        "sexe": {"femme": FeatureQuota(2, 2), "homme": FeatureQuota(0, 2)},
        "âge": {"jeune": FeatureQuota(0, 2), "âgé": FeatureQuota(0, 2)},
    }
    with pytest.raises(InfeasibleQuotas) as caught:
        sortition.replacement(["v00", "v01", "v02"], "v00", volunteers, quotas, seed="s")
    assert caught.value.category == "sexe"
    assert "« sexe »" in str(caught.value)


def test_a_withdrawn_person_not_on_the_panel_is_refused():
    volunteers, quotas = symmetric_instance()
    panel = ["v00", "v01", "v05", "v06", "v10", "v11", "v15", "v16"]  # two of each (sexe, âge) pair
    with pytest.raises(SortitionError, match="n'est pas membre du panel"):
        sortition.replacement(panel, "v19", volunteers, quotas, seed="s")


# --- greedy baseline -----------------------------------------------------------------------------------


def test_greedy_is_seeded_and_adds_up_to_k():
    volunteers, quotas = skewed_instance()
    first = sortition.greedy_probabilities(volunteers, quotas, 5, runs=300, seed=4)
    assert first == sortition.greedy_probabilities(volunteers, quotas, 5, runs=300, seed=4)
    assert sum(first.values()) == pytest.approx(5)


def test_greedy_is_never_fairer_than_leximin_for_the_minimum():
    volunteers, quotas = skewed_instance()
    greedy = sortition.greedy_probabilities(volunteers, quotas, 5, runs=2000, seed=1)
    distribution = sortition.leximin(volunteers, quotas, 5)
    # 2,000 runs: standard error ≤ 0.011, so 0.04 is beyond three of them.
    assert min(greedy.values()) <= distribution.min_probability + 0.04


def test_greedy_on_a_symmetric_pool_is_close_to_k_over_n():
    volunteers, quotas = symmetric_instance()
    greedy = sortition.greedy_probabilities(volunteers, quotas, 8, runs=1000, seed=2)
    assert all(abs(p - 0.4) < 0.06 for p in greedy.values())


# --- refusals ------------------------------------------------------------------------------------------


def test_a_sum_of_minimums_above_k_names_the_category():
    volunteers, quotas = symmetric_instance()
    quotas["âge"] = {"jeune": FeatureQuota(5, 6), "âgé": FeatureQuota(5, 6)}
    with pytest.raises(InfeasibleQuotas) as caught:
        sortition.leximin(volunteers, quotas, 8)
    assert caught.value.category == "âge"
    assert "catégorie « âge » : la somme des minimums (10) dépasse la taille du panel (8)" in str(
        caught.value
    )


def test_a_sum_of_maximums_below_k_names_the_category():
    volunteers, quotas = symmetric_instance()
    quotas["sexe"] = {"femme": FeatureQuota(0, 3), "homme": FeatureQuota(0, 3)}
    with pytest.raises(InfeasibleQuotas) as caught:
        sortition.leximin(volunteers, quotas, 8)
    assert caught.value.category == "sexe"
    assert "la somme des maximums (6) est inférieure à la taille du panel (8)" in str(caught.value)


def test_a_minimum_above_the_volunteers_having_the_feature_names_it():
    rows = [("centre",)] * 9 + [("hameau",)]
    volunteers = pool(rows, ("quartier",))
    quotas = {"quartier": {"centre": FeatureQuota(0, 4), "hameau": FeatureQuota(2, 2)}}
    with pytest.raises(InfeasibleQuotas) as caught:
        sortition.leximin(volunteers, quotas, 4)
    assert caught.value.category == "quartier"
    assert "le minimum de « hameau » (2) dépasse le nombre de volontaires ayant cette valeur (1)" in str(
        caught.value
    )


def test_categories_that_only_conflict_together_are_found_by_the_relaxation_program():
    # All women are young and all men old: two women means two young, but the quotas want one.
    rows = [("femme", "jeune")] * 4 + [("homme", "âgé")] * 4
    volunteers = pool(rows, SEXE_AGE)
    quotas = {
        "sexe": {"femme": FeatureQuota(2, 2), "homme": FeatureQuota(2, 2)},
        "âge": {"jeune": FeatureQuota(1, 1), "âgé": FeatureQuota(3, 3)},
    }
    with pytest.raises(InfeasibleQuotas) as caught:
        sortition.leximin(volunteers, quotas, 4)
    assert caught.value.category == "âge"
    assert "en même temps que ceux des autres catégories" in str(caught.value)
    with pytest.raises(InfeasibleQuotas):
        sortition.greedy_probabilities(volunteers, quotas, 4)


def test_a_panel_larger_than_the_pool_is_refused():
    volunteers, quotas = symmetric_instance()
    with pytest.raises(InfeasibleQuotas, match="ne peut pas être tiré parmi 20 volontaires"):
        sortition.leximin(volunteers, quotas, 21)


@pytest.mark.parametrize(
    ("volunteers", "message"),
    [
        (
            [Volunteer("a", {"sexe": "femme"}), Volunteer("a", {"sexe": "homme"})],
            "l'identifiant « a » apparaît deux fois",
        ),
        (
            [Volunteer("a", {"sexe": "femme"}), Volunteer("b", {"sexe": "inconnu"})],
            "valeur inconnue « inconnu »",
        ),
        (
            [Volunteer("a", {"sexe": "femme"}), Volunteer("b", {})],
            "n'a pas de valeur pour la catégorie « sexe »",
        ),
        ([Volunteer("", {"sexe": "femme"}), Volunteer("b", {"sexe": "homme"})], "identifiant vide"),
    ],
)
def test_bad_volunteers_are_refused_in_french(volunteers, message):
    quotas = {"sexe": {"femme": FeatureQuota(0, 1), "homme": FeatureQuota(0, 1)}}
    with pytest.raises(SortitionError, match=message):
        sortition.leximin(volunteers, quotas, 2)
