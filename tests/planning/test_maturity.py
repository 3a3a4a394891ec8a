"""Self-assessment: scores, signals, follow-up questions, comparison and the radar of stored scores."""

import json
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beffroi.planning.assessment_charts import assessment_radar
from beffroi.planning.maturity import (
    AssessmentError,
    compare_assessments,
    load_grid,
    prefill_indicators,
    score_assessment,
    score_stored_answers,
    visible_questions,
)

GRID = load_grid()
SVG = "{http://www.w3.org/2000/svg}"
D = Decimal


def domain_score(result, code):
    return result.domain(code).score


class TestScores:
    def test_domain_score_is_the_mean_of_answered_levels(self):
        result = score_assessment(GRID, {"A1": 1, "A2": 2, "A3": 2})
        assert domain_score(result, "A") == D("1.67")  # 5/3 rounded half-up
        assert result.domain("A").answered == 3
        assert result.domain("A").expected == 4  # A1b stays locked at level 1
        assert domain_score(result, "B") is None
        assert result.overall == D("1.67")  # only assessed domains count

    def test_indicators_count_half_when_given(self):
        result = score_assessment(
            GRID, {"B2": 1, "B3": 1}, {"B.eclairage_pilotable": 50, "B.couverture_thd": 100}
        )
        # questions: 1 ; indicators: (50/25 + 100/25) / 2 = 3 ; domain: (1 + 3) / 2
        assert result.domain("B").question_score == D("1.00")
        assert result.domain("B").indicator_score == D("3.00")
        assert domain_score(result, "B") == D("2.00")
        assert result.domain("B").scored_indicators == 2

    def test_yes_no_and_level_indicators(self):
        result = score_assessment(
            GRID, {}, {"C.franceconnect": True, "A.pilotage": 3, "H.charte_ethique": False}
        )
        assert domain_score(result, "C") == D("4.00")
        assert domain_score(result, "A") == D("3.00")
        assert domain_score(result, "H") == D("0.00")

    def test_informative_indicators_do_not_change_the_score(self):
        with_counts = score_assessment(GRID, {"D1": 2}, {"D.jeux_publies": 12, "population": 1800})
        assert (
            domain_score(with_counts, "D")
            == domain_score(score_assessment(GRID, {"D1": 2}), "D")
            == D("2.00")
        )

    def test_overall_is_the_mean_of_exact_domain_scores(self):
        result = score_assessment(GRID, {"A1": 1, "A2": 1, "A3": 2, "H1": 4})  # A = 4/3, H = 4
        assert result.overall == D("2.67")  # (4/3 + 4) / 2 = 8/3

    def test_result_is_kept_as_json(self):
        result = score_assessment(GRID, {"A1": 3, "A1b": 2, "B2": 0}, {"B.eclairage_pilotable": 12})
        stored = json.loads(json.dumps(result.to_dict()))
        assert stored["grid_version"] == GRID.version
        assert stored["domains"]["A"]["score"] == "2.50"
        assert stored["recommendations"][0]["use_case"] == "eclairage-intelligent"


class TestFollowUpsAndSignals:
    def test_follow_up_unlocked_by_the_answer(self):
        assert "A1b" not in visible_questions(GRID, {"A1": 1})
        assert "A1b" in visible_questions(GRID, {"A1": 2})
        result = score_assessment(GRID, {"A1": 3})
        assert result.unlocked_questions == ("A1b",)
        assert "A1b" in result.unanswered_questions

    def test_answer_to_a_locked_follow_up_is_kept_aside(self):
        result = score_assessment(GRID, {"A1": 0, "A1b": 4})
        assert result.ignored_answers == ("A1b",)
        assert domain_score(result, "A") == D("0.00")

    def test_low_lighting_answer_recommends_smart_lighting(self):
        result = score_assessment(GRID, {"B2": 1})
        signal = next(s for s in result.signals if s.question == "B2")
        assert signal.code == "eclairage_energivore" and signal.recommends == ("eclairage-intelligent",)
        [recommendation] = [r for r in result.recommendations if r.use_case == "eclairage-intelligent"]
        assert recommendation.beffroi_module == "datahub"
        assert recommendation.because == (
            "Question B2 « L'éclairage public est-il pilotable (extinction, variation, télégestion) ? » : "
            "niveau 1 — Un inventaire ou un diagnostic est prévu.",
        )

    def test_advanced_lighting_unlocks_the_monitoring_question_instead(self):
        result = score_assessment(GRID, {"B2": 2})
        assert not [s for s in result.signals if s.question == "B2"]
        assert "B2b" in result.unlocked_questions
        follow_up = score_assessment(GRID, {"B2": 2, "B2b": 0})
        assert [s.code for s in follow_up.signals] == ["eclairage_sans_suivi"]

    def test_weakest_domains_come_first(self):
        result = score_assessment(GRID, {"H2": 0, "H1": 0, "B2": 1, "B1": 4, "B3": 4})
        codes = [r.use_case for r in result.recommendations]
        assert codes.index("consultations-citoyennes") < codes.index("eclairage-intelligent")

    def test_use_cases_too_big_for_the_commune_are_set_aside(self):
        result = score_assessment(GRID, {"G2": 0, "G1": 0}, population=1200)
        relevance = {r.use_case: r.relevant_for_population for r in result.recommendations}
        assert relevance["guidage-stationnement"] is False  # relevant from 5,000 inhabitants
        assert relevance["comptage-mobilites"] is False  # from 2,000
        assert result.recommendations[-1].relevant_for_population is False
        assert "Stationnement" in result.notes[0]
        assert score_assessment(GRID, {"G2": 0}).recommendations[0].relevant_for_population is None


class TestBadAnswers:
    @pytest.mark.parametrize("value", [5, -1, "trois", True, 2.0])
    def test_level_outside_the_scale(self, value):
        with pytest.raises(AssessmentError, match="un niveau de 0 à 4 est attendu"):
            score_assessment(GRID, {"A1": value})

    def test_textual_level_from_a_form_is_accepted(self):
        assert domain_score(score_assessment(GRID, {"A1": "3"}), "A") == D("3.00")

    def test_unknown_question_or_indicator(self):
        with pytest.raises(AssessmentError, match="Question\\(s\\) inconnue\\(s\\).*Z9"):
            score_assessment(GRID, {"Z9": 1})
        with pytest.raises(AssessmentError, match="Indicateur\\(s\\) inconnu\\(s\\)"):
            score_assessment(GRID, {}, {"B.nombre_de_lampadaires": 3})

    @pytest.mark.parametrize(
        ("code", "value", "message"),
        [
            ("B.eclairage_pilotable", 120, "entre 0 et 100"),
            ("B.eclairage_pilotable", -5, "négative"),
            ("B.eclairage_pilotable", 12.5, "décimal exact"),
            ("B.eclairage_pilotable", "beaucoup", "n'est pas un nombre"),
            ("C.franceconnect", "oui", "oui ou non"),
            ("A.pilotage", 5, "niveau de 0 à 4"),
        ],
    )
    def test_bad_indicator_values(self, code, value, message):
        with pytest.raises(AssessmentError, match=message):
            score_assessment(GRID, {}, {code: value})

    def test_decimal_comma_is_read(self):
        result = score_assessment(GRID, {}, {"B.eclairage_pilotable": "12,5"})
        assert result.domain("B").indicator_score == D("0.50")


def test_prefill_takes_what_the_platform_knows():
    values = {
        "territory.population": 1843,
        "datahub.sensor_count": 27,
        "reports.yearly_count": 312,
        "opendata.datasets_published": None,
    }
    assert prefill_indicators(GRID, values) == {
        "population": 1843,
        "B.capteurs_raccordes": 27,
        "C.signalements_annuels": 312,
    }


class TestComparison:
    def test_progress_between_two_assessments(self):
        last_year = score_assessment(GRID, {"B2": 0, "C1": 1})
        this_year = score_assessment(GRID, {"B2": 2, "C1": 1, "H1": 2})
        progress = {p.code: p for p in compare_assessments(last_year, this_year)}
        assert progress["B"].change == D("2.00")
        assert progress["C"].change == D("0.00")
        assert progress["H"].before is None and progress["H"].change is None

    def test_different_grid_versions_are_not_compared(self):
        old = score_assessment(GRID, {"A1": 1})
        other = type(old)(
            **{**{f: getattr(old, f) for f in old.__dataclass_fields__}, "grid_version": "1999.1"}
        )
        with pytest.raises(AssessmentError, match="grilles"):
            compare_assessments(other, old)


def radar(result, **extra):
    return assessment_radar(
        GRID,
        result.to_dict(),
        chart_id="diag-7",
        title="Maturité de Valbourg — 2026",
        name="2026",
        table_caption="Scores par domaine",
        **extra,
    )


class TestStoredAnswers:
    def test_the_form_s_answers_score_like_the_pure_values(self):
        stored = {
            "questions": {"A1": 3, "A1b": 2, "C1": 1},
            "indicators": {"C.franceconnect": "oui", "B.eclairage_pilotable": "50.0", "H.charte_ethique": ""},
        }
        assert score_stored_answers(GRID, stored) == score_assessment(
            GRID, {"A1": 3, "A1b": 2, "C1": 1}, {"C.franceconnect": True, "B.eclairage_pilotable": "50.0"}
        )

    def test_a_yes_no_indicator_accepts_only_oui_or_non(self):
        with pytest.raises(AssessmentError, match="oui ou non"):
            score_stored_answers(GRID, {"questions": {}, "indicators": {"C.franceconnect": "vrai"}})

    def test_the_grid_knows_who_unlocks_each_follow_up_and_the_platform_s_sources(self):
        assert GRID.unlocked_by["A1b"] == "A1"
        assert set(GRID.unlocked_by) == {q.code for q in GRID.questions.values() if q.follow_up}
        assert dict(GRID.platform_sources)["territory.population"] == "Population de la commune (profil)"


class TestRadar:
    def test_chart_names_itself_and_states_every_value_in_text(self):
        chart = radar(score_assessment(GRID, {"A1": 3, "A1b": 2, "B2": 0, "H1": 2}))
        root = ET.fromstring(str(chart.svg))
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == "diag-7-title diag-7-desc"
        assert root.find(f"{SVG}title").text == "Maturité de Valbourg — 2026"
        desc = root.find(f"{SVG}desc").text
        assert "A. Gouvernance & stratégie numérique : 2,5 sur 4" in desc
        assert "B. Infrastructures & connectivité : 0 sur 4" in desc
        assert "D. Données & ouverture : non évalué" in desc
        assert desc.startswith("Score global : 1,5 sur 4.")
        axes = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
        assert "A" in axes and "D (non évalué)" in axes  # letters on the drawing, full names in the table
        assert chart.table.rows[0].heading == "A. Gouvernance & stratégie numérique"
        assert chart.table.rows[0].cells == ("2,50",) and chart.table.rows[3].cells == ("—",)

    def test_comparison_adds_a_dashed_series_and_the_gap_column(self):
        before = score_assessment(GRID, {"A1": 1, "B2": 1, "C1": 1})
        after = score_assessment(GRID, {"A1": 2, "B2": 3, "C1": 1})
        chart = radar(after, compare=before.to_dict(), compare_name="2025", with_gap=True)
        root = ET.fromstring(str(chart.svg))
        shapes = [p for p in root.iter(f"{SVG}polygon") if p.get("stroke-width") == "3"]
        assert len(shapes) == 2 and shapes[1].get("stroke-dasharray")
        assert "2025 — A. Gouvernance & stratégie numérique : 1 sur 4" in root.find(f"{SVG}desc").text
        assert chart.table.columns == ("Domaine", "2026", "2025", "Écart")
        assert chart.table.rows[1].cells == ("3,00", "1,00", "2,00")
        assert chart.table.rows[3].cells == ("—", "—", "—")

    def test_an_assessment_without_scores_draws_an_empty_radar(self):
        chart = assessment_radar(
            GRID, {}, chart_id="vide", title="t", name="n", table_caption="Scores par domaine"
        )
        assert "Aucun domaine évalué." in chart.description
        assert all(row.cells == ("—",) for row in chart.table.rows)


answers = st.dictionaries(
    st.sampled_from(sorted(GRID.questions)),
    st.one_of(st.none(), st.integers(0, 4)),
    max_size=len(GRID.questions),
)
percents = st.integers(0, 100)


@settings(max_examples=200, deadline=None)
@given(answers=answers, lighting=st.none() | percents, franceconnect=st.none() | st.booleans())
def test_scores_stay_on_the_scale_and_signals_come_from_visible_answers(answers, lighting, franceconnect):
    values = {"B.eclairage_pilotable": lighting, "C.franceconnect": franceconnect}
    result = score_assessment(GRID, answers, values)
    scores = [d.score for d in result.domains if d.score is not None]
    assert all(D(0) <= s <= D(4) for s in scores)
    if scores:
        assert min(scores) - D("0.01") <= result.overall <= max(scores) + D("0.01")
    else:
        assert result.overall is None
    visible = set(result.visible_questions)
    assert all(s.question in visible and answers[s.question] is not None for s in result.signals)
    assert set(result.ignored_answers).isdisjoint(visible)
    assert score_assessment(GRID, answers, values) == result  # deterministic
    ET.fromstring(str(radar(result).svg))
