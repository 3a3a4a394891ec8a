"""The pure address modules: a typed address read as people write it, street names matched despite accents,
abbreviations and typos, and the BAL format read line by line (Lambert-93 converted)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beffroi.territory import addressing, bal


@pytest.mark.parametrize(
    ("typed", "number", "suffix", "street"),
    [
        ("14 bis, Rue des Écoles", 14, "bis", "rue des ecoles"),
        ("devant le 12 r. des ecoles", 12, "", "rue des ecoles"),
        ("n° 3 av. de la Gare", 3, "", "avenue de la gare"),
        ("Place du Marché", None, "", "place du marche"),
        ("3b imp. des Tilleuls", 3, "b", "impasse des tilleuls"),
    ],
)
def test_a_typed_address_is_read_as_people_write_it(typed, number, suffix, street):
    assert addressing.parse(typed) == addressing.TypedAddress(number, suffix, street)


def test_streets_are_matched_by_beginnings_and_near_spellings_best_first():
    keys = ["rue des ecoles", "rue des ecoles prolongee", "route des ecoles", "rue de la republique"]
    assert [k for k, _ in addressing.match_streets("rue des ec", keys)] == [
        "rue des ecoles",
        "rue des ecoles prolongee",
    ]
    assert addressing.match_streets("repulique", keys)[0][0] == "rue de la republique"
    assert addressing.match_streets("boulevard haussmann", keys) == []


def test_the_voie_type_is_lower_case_after_a_number():
    assert addressing.street_after_number("Rue des Écoles") == "rue des Écoles"
    assert addressing.street_after_number("Allée de l'Église") == "allée de l'Église"
    assert addressing.street_after_number("Grande Rue") == "Grande Rue"


@given(st.text(max_size=60))
def test_any_text_is_read_without_error(text):
    typed = addressing.parse(text)
    assert typed.number is None or typed.number >= 0
    addressing.match_streets(typed.street, ["rue des ecoles"])


def test_lambert93_origin_and_a_bal_line_given_in_x_y():
    lat, lon = bal.lambert93_to_wgs84(700_000, 6_600_000)  # the projection's origin: 46.5° N, 3° E
    assert abs(lat - 46.5) < 1e-9 and abs(lon - 3.0) < 1e-9
    text = "cle_interop;voie_nom;numero;x;y\n21990_0120_00014;Rue des Écoles;14;850000;6690000\n"
    read = bal.read(text, insee="21990")
    assert (
        read.errors == []
        and 47.2 < read.addresses[0].latitude < 47.4
        and 4.9 < read.addresses[0].longitude < 5.1
    )


def test_a_bal_with_commas_or_missing_columns_is_refused_at_its_header():
    assert bal.read("cle_interop,voie_nom,numero\n").errors[0].code == "separator"
    assert bal.read("cle_interop;numero;long;lat\n").errors[0].params == {"columns": "voie_nom"}
    assert bal.read("").errors[0].code == "empty"
