"""Importing the Aides-territoires API: labels back to codes, pagination, validation (recorded payloads)."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from beffroi.funding.aides_territoires import (
    AidesTerritoiresError,
    aid_to_mechanism,
    html_to_text,
    import_aids,
    normalize_label,
    search_url,
)
from beffroi.funding.catalogue import mechanism_from_dict
from beffroi.funding.matching import CommuneProfile, MatchingEngine, ProjectProfile

PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "aides_territoires"
FIRST = "https://aides-territoires.beta.gouv.fr/api/aids/?organizationType=commune&itemsPerPage=3"


def payload(name):
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


class RecordedApi:
    """Answers each URL with a recorded page and remembers the calls, like a fetch over HTTP would."""

    def __init__(self, pages):
        self.pages = pages
        self.calls = []

    def __call__(self, url):
        self.calls.append(url)
        if url not in self.pages:
            raise LookupError(f"HTTP 404 pour {url}")
        return payload(self.pages[url])


@pytest.fixture
def api():
    return RecordedApi({FIRST: "aids_page_1.json", f"{FIRST}&page=2": "aids_page_2.json"})


@pytest.fixture
def report(api):
    return import_aids(api, FIRST)


def by_slug(report, prefix):
    return next(m for m in report.mechanisms if m["aides_territoires_slug"].startswith(prefix))


class TestPagination:
    def test_follows_next_until_the_last_page(self, api, report):
        assert api.calls == [FIRST, f"{FIRST}&page=2"]
        assert report.pages == 2
        assert report.count == 6
        assert len(report.mechanisms) == 6
        assert report.rejected == []

    def test_loop_in_pagination_is_stopped(self):
        looping = payload("aids_page_2.json") | {"next": FIRST}
        with pytest.raises(AidesTerritoiresError, match="boucle"):
            import_aids(lambda url: looping, FIRST)

    def test_relative_next_link_is_resolved(self):
        first = payload("aids_page_1.json") | {"next": "/api/aids/?page=2"}
        pages = {
            FIRST: first,
            "https://aides-territoires.beta.gouv.fr/api/aids/?page=2": payload("aids_page_2.json"),
        }
        assert len(import_aids(pages.__getitem__, FIRST).mechanisms) == 6

    def test_error_page_is_reported_in_french(self):
        with pytest.raises(AidesTerritoiresError, match="Réponse inattendue"):
            import_aids(lambda url: payload("not_found.json"), FIRST)

    def test_fetch_failure_names_the_url(self):
        with pytest.raises(AidesTerritoiresError, match="Échec de la lecture de https://"):
            import_aids(RecordedApi({}), FIRST)

    def test_count_mismatch_is_warned(self):
        short = payload("aids_page_1.json") | {"next": None}
        report = import_aids(lambda url: short, FIRST)
        assert "annonçait 6 aides, 3 ont été reçues" in report.warnings[-1]

    def test_search_url_uses_the_symfony_parameters(self):
        url = search_url(search_perimeter=70971, items_per_page=1000)
        assert url == (
            "https://aides-territoires.beta.gouv.fr/api/aids/?organizationType=commune&itemsPerPage=100&searchPerimeter=70971"
        )


class TestLabelsBackToCodes:
    def test_lighting_aid_of_the_calvados_energy_syndicate(self, report):
        sdec = by_slug(report, "34d2")
        assert sdec["code"] == "AT_41201"
        assert sdec["beneficiaries"] == ["commune", "epci", "syndicat"]
        assert sdec["aid_types"] == ["subvention", "ingenierie_technique"]
        assert sdec["stages"] == ["investissement"]
        assert sdec["themes"] == ["energie-batiments"]
        assert sdec["territory"]["departements"] == ["14"]
        assert sdec["funder"]["kind"] == "syndicat"
        assert sdec["availability"] == "permanent"
        assert sdec["source_url"] == (
            "https://aides-territoires.beta.gouv.fr/aides/34d2-etendre-renouveler-ou-ameliorer-lefficacite-e/"
        )
        assert sdec["description"].startswith("Les installations d'éclairage public")
        assert "\n" in sdec["description"]  # one line per HTML paragraph

    def test_recoverable_advance_is_not_counted_as_public_funding(self, report):
        intracting = by_slug(report, "b4e6")
        assert intracting["aid_types"] == [
            "avance_recuperable",
            "autre_aide_financiere",
            "ingenierie_technique",
        ]
        assert intracting["stages"] == ["etude", "investissement"]
        assert intracting["funder"]["kind"] == "caisse_des_depots"
        assert intracting["territory"] == {"regions": [], "departements": [], "zonages": []}  # France
        assert set(intracting["themes"]) == {"energie-batiments", "amenagement"}

    def test_unmapped_category_is_warned_and_no_theme_invented(self, report):
        srjf = by_slug(report, "f991")
        assert srjf["themes"] == []
        assert srjf["stages"] == ["etude", "investissement", "fonctionnement"]
        assert any("Fonctions support / Appui méthodologique" in w for w in report.warnings)
        assert any("aucune thématique reconnue" in w and "SRJF" in w for w in report.warnings)

    def test_local_perimeter_becomes_a_condition_to_check(self, report):
        gal = by_slug(report, "b4e8")
        assert gal["conditions"] == ["dans_perimetre_aides_territoires"]
        assert gal["eligibility"][0]["note"] == (
            "Périmètre Aides-territoires : GAL Ouest Charente - Pays du Cognac (Ad-hoc)."
        )
        assert gal["availability"] == "fenetre" and gal["closes_on"] == "2022-12-31"
        assert gal["stages"] == ["investissement", "fonctionnement"]
        assert gal["themes"] == ["revitalisation"]
        assert "etablissement_public" in gal["beneficiaries"]

    def test_label_spelling_variants_are_recognised(self, report):
        citergie = by_slug(report, "a3ba")  # "Mise en oeuvre" written without the ligature
        assert citergie["stages"] == ["etude", "fonctionnement"]
        assert citergie["funder"]["kind"] == "operateur_etat"
        assert set(citergie["themes"]) == {"climat-air-energie", "qualite-air"}
        assert not any("a3ba" in w or "Cit'ergie" in w for w in report.warnings)

    def test_subsidy_rate_and_comment(self, report):
        sded = by_slug(report, "7179")
        assert sded["rate"]["max_percent"] == 50 and sded["rate"]["min_percent"] is None
        assert sded["rate"]["comment"].startswith("Jusqu'à 20 000 €")
        assert sded["territory"]["departements"] == ["26"]
        assert sded["funder"]["kind"] == "autre"  # the name does not say it is a syndicat
        assert sded["regime"]["counts_as_public_funding"] is None

    def test_django_era_payload_with_pipe_separated_categories(self):
        report = import_aids(lambda url: payload("django_v1_page.json"), FIRST)
        [urbanvitaliz] = report.mechanisms
        assert set(urbanvitaliz["themes"]) == {"amenagement", "revitalisation"}
        assert urbanvitaliz["beneficiaries"] == [
            "commune",
            "epci",
            "syndicat",
            "collectivite_outre_mer",
            "association",
            "particulier",
        ]
        assert urbanvitaliz["source_url"].endswith(
            "/aides/1f1b-service-gratuit-urbanvitaliz-debloquer-les-pr/"
        )
        assert "lever les blocages rencontrés par les communes" in urbanvitaliz["description"]

    def test_import_keeps_provenance_and_licence(self, report):
        sdec = by_slug(report, "34d2")
        assert sdec["import"]["licence"] == "Licence Ouverte v2.0 (Etalab)"
        assert sdec["import"]["id"] == 41201
        assert sdec["verified_on"] is None
        assert sdec["sources"][0]["as_of"] == "mise à jour Aides-territoires du 2023-06-20"

    def test_unknown_labels_are_reported_not_guessed(self):
        aid = payload("aids_page_1.json")["results"][0] | {
            "targeted_audiences": ["Communes", "Clubs sportifs"],
            "aid_types": ["Subvention", "Garantie d'emprunt"],
        }
        imported = aid_to_mechanism(aid)
        assert imported.mechanism["beneficiaries"] == ["commune"]
        assert imported.mechanism["aid_types"] == ["subvention"]
        assert any("bénéficiaire « Clubs sportifs » inconnu" in w for w in imported.warnings)
        assert any("type d'aide « Garantie d'emprunt » inconnu" in w for w in imported.warnings)

    def test_aid_without_any_known_audience_is_rejected_and_the_import_goes_on(self):
        page = payload("aids_page_1.json") | {"next": None, "count": 3}
        page["results"][0] = page["results"][0] | {"targeted_audiences": ["Clubs sportifs"]}
        report = import_aids(lambda url: page, FIRST)
        assert len(report.mechanisms) == 2
        assert len(report.rejected) == 1 and "bénéficiaire" in report.rejected[0]


def test_imported_mechanisms_are_valid_catalogue_records_and_can_be_matched(report):
    for record in report.mechanisms:
        mechanism_from_dict(record)
    engine = MatchingEngine(report.mechanisms)
    calvados = CommuneProfile(population=1500, departement="14")
    project = ProjectProfile(
        themes={"energie-batiments"}, stage="investissement", investment_cost=Decimal("80000")
    )
    codes = engine.matched_codes(calvados, project, today=date(2026, 1, 15))
    assert codes == ["AT_41201", "AT_38877"]  # SDEC in the Calvados, Intracting nationwide; not the Drôme
    gal = engine.explain("AT_52114", calvados, project, today=date(2026, 1, 15))
    assert any(r.message.startswith("Clos depuis le 31/12/2022") for r in gal)


def test_normalize_label_ignores_case_accents_ligatures_and_apostrophes():
    assert normalize_label("Mise en œuvre / réalisation") == normalize_label("mise en oeuvre /  realisation")
    assert normalize_label("Dépenses d’investissement") == normalize_label("Dépenses d'investissement")


def test_html_to_text_keeps_paragraphs_and_list_items():
    assert html_to_text("<p>Un&nbsp;<b>deux</b></p><ul><li>trois</li><li>quatre</li></ul>") == (
        "Un deux\ntrois\nquatre"
    )
