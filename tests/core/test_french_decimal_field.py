"""The number field every app may use for a number a person types (a threshold, a measurement): French writing
read, garbage refused with one French sentence, a number shown back the French way."""

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from beffroi.core.forms import FrenchDecimalField


class _Form(forms.Form):
    number = FrenchDecimalField(required=False)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1 500", Decimal("1500")),
        ("1\u00a0500", Decimal("1500")),
        ("1\u202f500", Decimal("1500")),
        ("12 345 678,25", Decimal("12345678.25")),
        ("0,4", Decimal("0.4")),
        ("1.5", Decimal("1.5")),
        (" -2,5 ", Decimal("-2.5")),
        ("\u22123", Decimal("-3")),  # the minus sign a French keyboard layout may type
        ("", None),
    ],
)
def test_a_number_is_read_as_a_french_person_writes_it(typed, value):
    form = _Form({"number": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["number"] == value


@pytest.mark.parametrize("typed", ["abc", "1 50", "1,5,0", "80 %", "1e3", "１００", "1_000"])
def test_garbage_is_refused_with_one_french_sentence_and_kept_as_typed(typed):
    with translation.override("fr"):
        form = _Form({"number": typed})
        assert not form.is_valid()
        assert form.errors["number"] == [
            "Écrivez un nombre en chiffres, les milliers séparés par une espace et les décimales après une "
            "virgule (par exemple 1 500 ou 0,4)."
        ]
        assert f'value="{typed}"' in str(form["number"])


def test_a_dot_between_thousands_is_ambiguous_and_says_how_to_write_it():
    with translation.override("fr"):
        form = _Form({"number": "1.500"})
        assert not form.is_valid()
    assert form.errors["number"] == [
        "« 1.500 » est ambigu : écrivez 1 500 pour un nombre entier (les milliers séparés par une espace) "
        "ou 1,500 avec une virgule avant les décimales."
    ]


def test_a_number_is_shown_back_the_french_way_with_a_numeric_keypad():
    html = str(_Form(initial={"number": 1500.5})["number"])
    assert 'value="1 500,5"' in html and 'inputmode="decimal"' in html and 'type="text"' in html
    assert 'value="-0,25"' in str(_Form(initial={"number": Decimal("-0.25")})["number"])
