"""The data files of the journey: schema and cross references (funding catalogue, grid, use cases)."""

import json
import re
from datetime import date

import pytest

from beffroi.funding.catalogue import (
    AVAILABILITIES,
    STAGES,
    load_catalogue_data,
    load_mechanisms,
    load_vocabulary,
    read_data_json,
)
from beffroi.planning.maturity import DATA_DIR as PLANNING_DATA
from beffroi.planning.maturity import load_grid
from beffroi.planning.use_case_catalogue import load_use_case_data

VOCAB = load_vocabulary()
MECHANISMS = {m.code: m for m in load_mechanisms()}
RAW_MECHANISMS = load_catalogue_data()["mechanisms"]
USE_CASES = load_use_case_data()["use_cases"]
GRID = load_grid()
GRID_DATA = json.loads((PLANNING_DATA / "maturity_grid.json").read_text(encoding="utf-8"))

# One code per row of the research note's table (§3), rows 13, 17, 24 and 28 split into their offers.
RESEARCH_ROWS = {
    1: ["DSIL"],
    2: ["DETR"],
    3: ["FNADT"],
    4: ["FONDS_VERT"],
    5: ["CONSEILLERS_NUMERIQUES"],
    6: ["FRANCE_SERVICES"],
    7: ["PVD"],
    8: ["BDT_PVD"],
    9: ["BDT_ACV_SMART"],
    10: ["TID"],
    11: ["DIAT"],
    12: ["BDT_PRET_LONG_TERME"],
    13: ["BDT_EDU_PRET", "BDT_MOBI_PRET", "BDT_AQUA_PRET"],
    14: ["BDT_GPI_AMBRE"],
    15: ["BDT_INTRACTING"],
    16: ["BDT_DATAVIZ"],
    17: ["BDT_ACCOMPAGNEMENT_TERRITORIAL", "BDT_ACV_DEVELOPPEMENT_VILLES"],
    18: ["BDT_SRJF"],
    19: ["BDT_TIERS_LIEUX"],
    20: ["FRANCE_RELANCE_TNCT"],
    21: ["LEADER"],
    22: ["FEDER"],
    23: ["ADEME_TERRITOIRE_ENGAGE"],
    24: ["ADEME_BDT_CPE", "ADEME_BDT_COMMISSIONNEMENT"],
    25: ["CEREMA_URBANVITALIZ"],
    26: ["ANCT_INCUBATEUR_TERRITOIRES"],
    27: ["REGION_GE_VILLES_MOYENNES"],
    28: ["ATD16_ASSISTANCE_NUMERIQUE", "ATD16_SIG"],
    29: ["SIEEEN_NUMERIQUE"],
    30: ["AFL_PRETS"],
    31: ["TERRITOIRES_INNOVATION"],
}


class TestMechanismCatalogue:
    def test_at_least_the_31_mechanisms_of_the_research_note(self):
        assert len(MECHANISMS) >= 31
        missing = [code for codes in RESEARCH_ROWS.values() for code in codes if code not in MECHANISMS]
        assert missing == []

    def test_fonds_vert_axes_are_separate_mechanisms(self):
        axes = [m for m in MECHANISMS.values() if m.programme == "Fonds vert" and m.code != "FONDS_VERT"]
        assert {m.themes[0] for m in axes} >= {"eclairage-public", "energie-batiments", "dechets"}
        assert all(m.public_aid_cap_percent == 80 for m in axes)

    @pytest.mark.parametrize("record", RAW_MECHANISMS, ids=lambda r: r["code"])
    def test_every_record_is_complete(self, record):
        mechanism = MECHANISMS[record["code"]]
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", mechanism.code)
        assert mechanism.name and mechanism.description and mechanism.funder_name
        assert mechanism.source_url and mechanism.source_url.startswith("https://")
        assert mechanism.sources and all(s.url or s.reference for s in mechanism.sources)
        assert mechanism.themes or mechanism.all_themes
        assert mechanism.availability in AVAILABILITIES and set(mechanism.stages) <= set(STAGES)
        # The research note does not date its checks: no verification date is invented.
        assert mechanism.verified_on is None or mechanism.verified_on <= date.today()
        for key in (
            "rate",
            "amount",
            "territory",
            "regime",
            "eligibility",
            "unverified",
            "aides_territoires_slug",
        ):
            assert key in record, key

    def test_aides_territoires_pages_match_their_slug(self):
        for mechanism in MECHANISMS.values():
            if mechanism.aides_territoires_slug:
                urls = [s.url for s in mechanism.sources if s.url]
                assert any(u.endswith(f"/aides/{mechanism.aides_territoires_slug}/") for u in urls), (
                    mechanism.code
                )

    def test_closed_programmes_are_kept_as_history_and_never_open(self):
        for code in ("TID", "FRANCE_RELANCE_TNCT", "TERRITOIRES_INNOVATION"):
            assert MECHANISMS[code].availability == "clos" and MECHANISMS[code].historical

    def test_population_rules_of_the_detr(self):
        rules = MECHANISMS["DETR"].eligibility
        assert [(r.beneficiary, r.population_min, r.population_max) for r in rules] == [
            ("commune", None, 2000),
            ("commune", 2001, 20000),
            ("epci", None, 50000),
        ]

    def test_territorial_offers_name_their_departement(self):
        assert MECHANISMS["ATD16_SIG"].departements == ("16",)
        assert MECHANISMS["SIEEEN_NUMERIQUE"].departements == ("58",)
        assert MECHANISMS["REGION_GE_VILLES_MOYENNES"].regions == ("44",)


class TestVocabularies:
    def test_themes_are_kebab_case_and_unique(self):
        codes = [t["code"] for t in read_data_json("themes.json")["themes"]]
        assert len(codes) == len(set(codes))
        assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", c) for c in codes)

    def test_every_aides_territoires_audience_label_of_the_api_is_mapped(self):
        labels = {
            label
            for b in read_data_json("vocabularies.json")["beneficiaries"]
            for label in b["aides_territoires"]
        }
        assert labels >= {
            "Communes",
            "Intercommunalités / Pays",
            "Départements",
            "Régions",
            "Collectivités d'outre-mer à statuts particuliers",
            "Associations",
            "Particuliers",
            "Agriculteurs",
            "Entreprises privées",
            "Entreprises publiques locales (Sem, Spl, SemOp)",
            "Recherche",
        }

    def test_geography_is_complete(self):
        assert len(VOCAB.regions) == 18 and len(VOCAB.departements) == 101
        assert all(region in VOCAB.regions for _, region in VOCAB.departements.values())


class TestMaturityGrid:
    def test_eight_domains_of_the_research_note(self):
        assert [d.code for d in GRID.domains] == list("ABCDEFGH")
        labels = " ".join(d.label.lower() for d in GRID.domains)
        for word in (
            "gouvernance",
            "infrastructures",
            "services en ligne",
            "données",
            "inclusion",
            "transition",
            "mobilité",
            "participation",
        ):
            assert word in labels
        assert GRID.version

    def test_questions_have_five_french_level_labels(self):
        for question in GRID.questions.values():
            assert len(question.levels) == 5 and all(label.strip() for label in question.levels)
            assert question.text.endswith("?")
        assert GRID.scale == (
            "Aucune action",
            "Planifié",
            "En cours",
            "Opérationnel et suivi",
            "Amélioration continue",
        )

    def test_every_domain_has_main_questions_and_measurable_indicators(self):
        for domain in GRID.domains:
            assert len([q for q in domain.questions if not q.follow_up]) >= 3
            assert len(domain.indicators) >= 3
            for indicator in domain.indicators:
                assert indicator.definition and indicator.unit and indicator.source

    def test_platform_prefills_cover_what_beffroi_knows(self):
        declared = {p["key"] for p in GRID_DATA["platform_sources"]}
        used = {i.platform_source for i in GRID.indicators.values() if i.platform_source}
        assert used == declared
        assert {
            "territory.population",
            "datahub.sensor_count",
            "reports.yearly_count",
            "opendata.datasets_published",
            "participation.participants_ratio",
        } <= used

    def test_signals_recommend_catalogued_use_cases_and_every_use_case_is_reachable(self):
        codes = {u["code"] for u in USE_CASES}
        recommended = {c for q in GRID.questions.values() for r in q.rules for c in r.recommends}
        assert recommended <= codes
        assert codes <= recommended

    def test_follow_ups_exist(self):
        assert len([q for q in GRID.questions.values() if q.follow_up]) >= 5


class TestUseCases:
    def test_at_least_25_use_cases_with_unique_codes(self):
        codes = [u["code"] for u in USE_CASES]
        assert len(codes) >= 25 and len(codes) == len(set(codes))

    @pytest.mark.parametrize("use_case", USE_CASES, ids=lambda u: u["code"])
    def test_every_use_case_is_complete_and_cross_referenced(self, use_case):
        assert use_case["problem"] and use_case["summary"] and use_case["prerequisites"]
        assert set(use_case["themes"]) <= set(VOCAB.themes)
        assert use_case["funding"] and set(use_case["funding"]) <= set(MECHANISMS)
        assert use_case["beffroi_module"] in {
            None,
            "reports",
            "datahub",
            "budgeting",
            "participation",
            "procedures",
            "opendata",
            "inclusion",
        }
        assert set(use_case["maturity_domains"]) <= set("ABCDEFGH")
        assert use_case["indicators"] and all(i["label"] and i["unit"] for i in use_case["indicators"])
        assert use_case["risks"] and all(r["description"] and r["mitigation"] for r in use_case["risks"])
        bands = use_case["costs"]["bands"]
        assert [b["band"] for b in bands] == ["500-2000", "2000-10000", "10000-50000"]
        assert use_case["costs"]["basis"]
        for band in bands:
            if not band["relevant"]:
                continue
            for kind in ("investment", "yearly_running"):
                assert 0 <= band[kind]["min"] <= band[kind]["max"]
            # Every figure has a source, or says it is an estimate.
            assert band["estimate"] or (band["source"] or "").startswith("https://")

    def test_risks_cover_personal_data_sobriety_and_lock_in(self):
        kinds = {r["kind"] for u in USE_CASES for r in u["risks"]}
        assert {"rgpd", "sobriete_numerique", "dependance_fournisseur"} <= kinds

    def test_modules_of_beffroi_are_all_used(self):
        used = {u["beffroi_module"] for u in USE_CASES} - {None}
        assert used == {
            "reports",
            "datahub",
            "budgeting",
            "participation",
            "procedures",
            "opendata",
            "inclusion",
        }
