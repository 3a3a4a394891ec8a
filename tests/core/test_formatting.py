"""The one formatting layer: dates with French month names, quarters, durations, remaining amounts, codes."""

from datetime import date

from django.template import Context, Template

from beffroi.core.audit_labels import action_label
from beffroi.core.formatting import format_date_long, format_days, format_quarter


def render(text, **context):
    return Template("{% load beffroi_format %}" + text).render(Context(context))


def test_dates_quarters_and_durations_in_french():
    assert format_date_long(date(2027, 6, 30)) == "30 juin 2027"
    assert format_date_long(date(2027, 7, 1)) == "1er juillet 2027"
    assert format_quarter(1, 2027) == "1er trimestre 2027" and format_quarter(3) == "3e trimestre"
    assert format_days(13.94) == "13,9\u00a0jours" and format_days(1) == "1\u00a0jour"
    assert render("{{ d|long_date }} · {{ d|month_year }}", d=date(2027, 6, 30)) == "30 juin 2027 · juin 2027"


def test_numbers_percentages_and_remaining_amounts():
    assert render("{{ v|decimal:2 }}", v=0.86) == "0,86"
    assert render("{{ v|ratio_percent }}", v=0.86) == "86\u00a0%"
    assert render("{{ v|remaining }}", v=-27000) == "dépassement de 27\u202f000\u00a0€"
    assert render("{{ v|remaining }}", v=3000) == "reste 3\u202f000\u00a0€"


def test_audit_codes_are_shown_as_sentences():
    assert str(action_label("funding.line.update")) == "Ligne de financement modifiée"
    assert str(action_label("something.new.create")) == "Création"
    assert "." not in str(action_label("unknown.code"))


def test_django_blank_choice_is_worded(client, valbourg):
    from django import forms

    class F(forms.Form):
        choice = forms.ChoiceField(choices=[("", "---------"), ("a", "A")], required=False)

    html = str(F())
    assert "---------" not in html and "— choisir —" in html
