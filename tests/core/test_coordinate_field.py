"""One field for a typed or a map-written latitude/longitude (signalements at the counter, data hub assets,
the map of every location form): a comma or a dot, 6 decimals kept, the globe's bounds where a person types."""

from decimal import Decimal

from django import forms
from django.utils import translation

from beffroi.core.forms import CoordinateField


class _Typed(forms.Form):
    latitude = CoordinateField("latitude", typed=True)
    longitude = CoordinateField("longitude", typed=True)


class _Map(forms.Form):
    latitude = CoordinateField("latitude")


def test_a_typed_point_reads_a_comma_or_a_dot_and_keeps_six_decimals():
    with translation.override("fr"):
        form = _Typed({"latitude": " 47,31912349 ", "longitude": "4.8247"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data == {"latitude": Decimal("47.319123"), "longitude": Decimal("4.824700")}


def test_a_typed_point_outside_the_globe_is_refused_in_french():
    with translation.override("fr"):
        form = _Typed({"latitude": "95", "longitude": "4,8"})
        assert not form.is_valid()
        assert form.errors["latitude"] == ["Assurez-vous que cette valeur est inférieure ou égale à 90."]
        assert not _Typed({"latitude": "47", "longitude": "-181"}).is_valid()


def test_a_typed_point_is_shown_back_with_a_comma_and_a_numeric_keypad():
    with translation.override("fr"):
        html = str(_Typed(initial={"latitude": 47.3191})["latitude"])
    assert 'value="47,3191"' in html and 'inputmode="decimal"' in html and 'type="text"' in html


def test_a_point_written_by_the_map_is_hidden_and_left_to_the_service_to_place():
    form = _Map({"latitude": "147.5"})  # where it lies is checked by the service that takes it
    assert form.is_valid() and form.cleaned_data["latitude"] == Decimal("147.500000")
    assert 'type="hidden"' in str(form["latitude"])
    assert _Map({"latitude": ""}).is_valid()
