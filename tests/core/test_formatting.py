"""The one formatting layer: dates with French month names, quarters, durations, remaining amounts, codes."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from beffroi.core.audit_labels import action_label
from beffroi.core.dates import long_date, long_datetime, recent_moment
from beffroi.core.formatting import format_date_long, format_datetime_long, format_days, format_quarter


def render(text, **context):
    return Template("{% load beffroi_format %}" + text).render(Context(context))


def test_dates_quarters_and_durations_in_french():
    assert format_date_long(date(2027, 6, 30)) == "30 juin 2027"
    assert format_date_long(date(2027, 7, 1)) == "1er juillet 2027"
    assert format_quarter(1, 2027) == "1er trimestre 2027" and format_quarter(3) == "3e trimestre"
    assert format_days(13.94) == "13,9\u00a0jours" and format_days(1) == "1\u00a0jour"
    assert render("{{ d|long_date }} · {{ d|month_year }}", d=date(2027, 6, 30)) == "30 juin 2027 · juin 2027"


def test_the_first_of_a_month_is_written_1er_in_french():
    with translation.override("fr"):
        assert long_date(date(2026, 12, 1)) == "1er décembre 2026"
        assert long_date(date(2026, 12, 2)) == "2 décembre 2026"
        assert long_datetime(datetime(2026, 12, 1, 14, 30)) == "1er décembre 2026 à 14\u00a0h\u00a030"
        assert long_datetime(datetime(2026, 12, 2, 9, 5)) == "2 décembre 2026 à 9\u00a0h\u00a005"
        assert (
            long_datetime(datetime(2026, 12, 1, 14, 30), "weekday")
            == "mardi 1er décembre 2026, 14\u00a0h\u00a030"
        )
        assert (
            long_datetime(datetime(2026, 12, 1, 14, 30, 5), "seconds")
            == "1er décembre 2026 à 14\u00a0h\u00a030\u00a0min\u00a005\u00a0s"
        )
    assert (
        format_datetime_long(datetime(2026, 6, 1, 8, 0), weekday=True)
        == "lundi 1er juin 2026, 8\u00a0h\u00a000"
    )


def test_dates_in_english_stay_as_django_writes_them():
    with translation.override("en"):
        assert long_date(date(2026, 12, 1)) == "1 December 2026"
        assert long_datetime(datetime(2026, 12, 1, 14, 30)) == "1 December 2026, 14:30"
        assert long_datetime(datetime(2026, 12, 1, 14, 30), "weekday") == "Tuesday 1 December 2026, 14:30"
        assert render("{{ d|long_date }}", d=date(2026, 12, 1)) == "1 December 2026"
        # a month and a quarter too: an English page never shows « juin 2027 » or « 1er trimestre »
        assert (
            render("{{ d|month_year }} · {{ 1|quarter:2027 }}", d=date(2027, 6, 30)) == "June 2027 · Q1 2027"
        )


def test_aware_moments_are_written_in_local_time():
    # 23:30 UTC on 30 November is 00:30 on 1 December in Paris (UTC+1), and 22:15 UTC on 30 June is 00:15 on
    # 1 July (summer time, UTC+2): the day written is the local one, as Django's `date` filter writes it.
    with translation.override("fr"):
        assert (
            long_datetime(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
            == "1er décembre 2026 à 0\u00a0h\u00a030"
        )
        assert long_date(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "1er décembre 2026"
        assert (
            long_datetime(datetime(2026, 6, 30, 22, 15, tzinfo=UTC), "weekday")
            == "mercredi 1er juillet 2026, 0\u00a0h\u00a015"
        )
    with translation.override("en"):
        assert long_datetime(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "1 December 2026, 00:30"


def test_recent_moments_are_said_as_one_says_them():
    # « now » is 5 December 2026 at 10:00 in Paris; 23:30 UTC on the 4th is already the 5th in Paris
    now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    with translation.override("fr"):
        assert (
            recent_moment(datetime(2026, 12, 4, 23, 30, tzinfo=UTC), now) == "aujourd'hui à 0\u00a0h\u00a030"
        )
        assert recent_moment(datetime(2026, 12, 4, 20, 0, tzinfo=UTC), now) == "hier à 21\u00a0h\u00a000"
        assert (
            recent_moment(datetime(2026, 12, 1, 6, 30, tzinfo=UTC), now)
            == "le 1er décembre à 7\u00a0h\u00a030"
        )
        assert (
            recent_moment(datetime(2025, 12, 1, 6, 30, tzinfo=UTC), now)
            == "1er décembre 2025 à 7\u00a0h\u00a030"
        )
    with translation.override("en"):
        assert recent_moment(datetime(2026, 12, 4, 20, 0, tzinfo=UTC), now) == "yesterday at 21:00"
        assert recent_moment(datetime(2026, 12, 1, 6, 30, tzinfo=UTC), now) == "on 1 December at 07:30"


def test_date_filters_in_templates():
    moment = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
    with translation.override("fr"):
        assert render("{{ d|long_date }}", d=date(2026, 12, 1)) == "1er décembre 2026"
        assert (
            render("{{ m|long_date }} · {{ m|long_datetime }}", m=moment)
            == "30 novembre 2026 · 30 novembre 2026 à 14\u00a0h\u00a030"
        )
        assert (
            render('{{ m|long_datetime:"weekday" }}', m=moment) == "lundi 30 novembre 2026, 14\u00a0h\u00a030"
        )
        assert (
            render("{{ m|clock_time }}[{{ none|clock_time }}]", m=moment, none=None) == "14\u00a0h\u00a030[]"
        )
    with translation.override("en"):
        assert render("{{ m|clock_time }}", m=moment) == "14:30"
    with translation.override("fr"):
        assert (
            render(
                "[{{ none|long_date }}][{{ none|long_datetime }}][{{ d|long_datetime }}]",
                none=None,
                d=date(2026, 12, 1),
            )
            == "[][][]"
        )
        with pytest.raises(ValueError, match="variant"):
            render('{{ m|long_datetime:"hours" }}', m=moment)


def test_no_template_writes_a_date_in_words_with_the_date_filter():
    # `|date:"j F Y"` writes « 1 décembre 2026 »: dates in words go through `long_date` / `long_datetime`.
    root = Path(__file__).resolve().parents[2] / "beffroi"
    pattern = re.compile(r"""\|date:_?\(?["'](?:l )?j F""")
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*")
        if path.suffix in {".html", ".txt", ".xml"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


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
