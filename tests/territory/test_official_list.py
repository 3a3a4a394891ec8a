"""The bundled official list of communes: its content, the compact builder and the search."""

import gzip
import json

import pytest

from beffroi.territory import official_list


@pytest.fixture(scope="module")
def communes():
    return official_list.load()


def test_the_bundled_list_holds_the_communes_actuelles_with_their_source(communes):
    assert len(communes) > 34_000
    assert communes.source.startswith("@etalab/decoupage-administratif ")
    dijon = communes.get("21231")
    assert dijon is not None
    assert dijon.name == "Dijon"
    assert dijon.departement == "Côte-d'Or"
    assert dijon.region == "Bourgogne-Franche-Comté"
    assert dijon.epci.startswith("Dijon") or "Dijon" in dijon.epci
    assert len(dijon.epci_siren) == 9
    assert "21000" in dijon.postal_codes
    assert dijon.population > 100_000
    assert dijon.label == "Dijon (21 · Côte-d'Or)"
    assert communes.get("2a004").name == "Ajaccio"


def test_communes_deleguees_are_not_in_the_list(communes):
    # Arbignieu is a commune déléguée of Arboys en Bugey (01015, the same code) since 2016.
    assert communes.get("01015").name == "Arboys en Bugey"
    assert "Arbignieu" not in [c.name for c in communes.search("Arbignieu")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("st jean de luz", "Saint-Jean-de-Luz"),
        ("Saint Jean de Luz", "Saint-Jean-de-Luz"),
        ("SAINT-JEAN-DE-LUZ", "Saint-Jean-de-Luz"),
        ("labergement clemenciat", "L'Abergement-Clémenciat"),
        ("l'abergement-clémenciat", "L'Abergement-Clémenciat"),
        ("ste colombe", "Sainte-Colombe"),
        ("64483", "Saint-Jean-de-Luz"),
        ("2A004", "Ajaccio"),
    ],
)
def test_search_ignores_accents_hyphens_apostrophes_and_reads_abbreviations(communes, query, expected):
    names = [c.name for c in communes.search(query)]
    assert expected in names


def test_the_exact_name_comes_first_and_homonyms_show_their_departement(communes):
    found = communes.search("Saint-Jean", limit=50)
    assert found[0].name == "Saint-Jean"
    homonyms = [c for c in communes.communes if c.name == "Sainte-Colombe"]
    assert len(homonyms) > 5
    labels = {c.label for c in homonyms}
    assert len(labels) == len(homonyms)


def test_a_query_matches_at_the_start_of_a_word_only(communes):
    assert communes.search("jean de luz")[0].name == "Saint-Jean-de-Luz"
    assert communes.search("ean de luz") == []


def test_empty_or_unknown_queries_find_nothing(communes):
    assert communes.search("") == []
    assert communes.search("  -' ") == []
    assert communes.search("zzzzqx") == []
    assert communes.get("00000") is None


def test_a_postal_code_finds_its_communes(communes):
    assert "Dijon" in [c.name for c in communes.search("21000")]


def test_compact_keeps_what_the_platform_needs(tmp_path):
    content = official_list.compact(
        communes=[
            {
                "code": "01001",
                "nom": "Un",
                "type": "commune-actuelle",
                "departement": "01",
                "region": "84",
                "population": 860,
                "codesPostaux": ["01400"],
            },
            {
                "code": "01015",
                "nom": "Déléguée",
                "type": "commune-deleguee",
                "departement": "01",
                "region": "84",
            },
        ],
        departements=[{"code": "01", "nom": "Ain", "region": "84", "zone": "metro"}],
        regions=[{"code": "84", "nom": "Auvergne-Rhône-Alpes"}],
        epcis=[{"code": "200029999", "nom": "CC de la Dombes", "membres": [{"code": "01001"}]}],
        source="test 1.0",
    )
    path = tmp_path / "communes.json.gz"
    official_list.write(content, path)
    first = path.read_bytes()
    official_list.write(content, path)
    assert path.read_bytes() == first  # reproducible: no timestamp in the archive
    loaded = official_list.OfficialList(json.loads(gzip.decompress(first)))
    assert len(loaded) == 1
    one = loaded.get("01001")
    assert (one.name, one.population, one.departement, one.region, one.epci, one.postal_codes) == (
        "Un",
        860,
        "Ain",
        "Auvergne-Rhône-Alpes",
        "CC de la Dombes",
        ("01400",),
    )


def test_an_unknown_file_format_is_refused():
    with pytest.raises(ValueError):
        official_list.OfficialList({"format": 99})


def test_normalise():
    assert official_list.normalise("L'Haÿ-les-Roses") == "l hay les roses"
    assert official_list.normalise("Œuilly") == "oeuilly"
    assert official_list.normalise("St-Étienne") == "saint etienne"
