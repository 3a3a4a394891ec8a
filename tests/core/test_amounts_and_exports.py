"""The one amount parser and the one CSV writer that every app uses."""

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beffroi.core.amounts import MAX_AMOUNT, AmountError, check_amount, parse_amount
from beffroi.core.exports import csv_response
from beffroi.core.forms import AmountField


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1250", Decimal(1250)),
        ("1 250", Decimal(1250)),
        ("1\u00a0250,5", Decimal("1250.50")),
        ("1\u202f250,50", Decimal("1250.50")),
        ("12.5", Decimal("12.50")),
        (" 0,05 ", Decimal("0.05")),
        ("12 500,50 €", Decimal("12500.50")),  # as a person writes it, the euro sign after
        ("12\u202f500,50\u00a0€", Decimal("12500.50")),
        ("100€", Decimal(100)),
    ],
)
def test_amounts_written_the_french_way_are_read(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1.5e3", "exponent"),
        ("1e30", "exponent"),
        ("1e9", "exponent"),
        ("1_000", "format"),
        ("€100", "currency"),
        ("€", "currency"),
        ("1 € 50", "currency"),
        ("100 EUR", "currency"),
        ("１００", "digits"),
        ("١٠٠", "digits"),
        ("1.250", "ambiguous"),
        ("1.000.000", "ambiguous"),
        ("1.250,50", "dot"),
        ("12 50", "format"),
        ("-5", "negative"),
        ("", "empty"),
        ("99999999999999", "too_high"),
        ("NaN", "format"),
        ("Infinity", "format"),
    ],
)
def test_anything_else_is_refused_with_its_reason(text, code):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert refused.value.code == code
    assert refused.value.message.endswith(".") or refused.value.message.endswith(")")


def test_whole_euros_only_where_cents_make_no_sense():
    with pytest.raises(AmountError) as refused:
        parse_amount("10,50", allow_cents=False)
    assert refused.value.code == "cents"


@given(st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2))
def test_every_amount_printed_with_french_grouping_reads_back(amount):
    units, cents = f"{amount:.2f}".split(".")
    grouped = f"{int(units):,}".replace(",", " ")
    assert parse_amount(f"{grouped},{cents}") == amount


@pytest.mark.parametrize("value", [Decimal("1e30"), Decimal("NaN"), Decimal("Infinity"), -1, True, 1.5])
def test_numbers_from_an_api_are_bounded_too(value):
    with pytest.raises(AmountError):
        check_amount(value)


def test_the_form_field_shows_a_french_sentence_and_gives_whole_euros():
    field = AmountField(cents=False)
    assert field.clean("3 000") == 3000
    assert field.prepare_value(3000) == "3 000"
    assert field.clean("3000 €") == 3000
    with pytest.raises(Exception, match="sans puissance de dix"):
        field.clean("1e9")
    with pytest.raises(Exception, match="« 1.000.000 » est ambigu"):
        field.clean("1.000.000")


def test_csv_exports_open_in_a_french_spreadsheet_with_no_formula():
    response = csv_response(
        filename="liste «test».csv",
        header=["adresse", "valeur", "date"],
        rows=[
            ['=HYPERLINK("http://evil.example","clic")', -3.5, None],
            ["@SUM(A1:A2)", Decimal("1250.50"), None],
            ["+33 6 12 34 56 78", 12, None],
            ["-2+3", True, None],
            ["\tcaché", 0, None],
            ["rue des Écoles", 1, None],
        ],
    )
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert 'filename="liste__test_.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["adresse", "valeur", "date"]
    texts = [row[0] for row in rows[1:]]
    assert texts[:5] == [
        '\'=HYPERLINK("http://evil.example","clic")',
        "'@SUM(A1:A2)",
        "'+33 6 12 34 56 78",
        "'-2+3",
        "'\tcaché",
    ]
    assert texts[5] == "rue des Écoles"
    assert [row[1] for row in rows[1:]] == ["-3,5", "1250,50", "12", "1", "0", "1"]


def test_csv_moments_are_written_in_local_time_to_the_second():
    """A report filed at 14:58:13.59 UTC on 4 December was filed at 15:58:13 in France: that is what the
    spreadsheet shows, not the UTC instant with its microseconds."""
    import datetime as dt

    moment = dt.datetime(2026, 12, 4, 14, 58, 13, 590943, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 1, 6, 0, 0, tzinfo=dt.UTC)
    response = csv_response(
        filename="x.csv", header=["cree_le", "ete", "jour"], rows=[[moment, summer, dt.date(2026, 12, 17)]]
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    assert rows[1] == ["2026-12-04 15:58:13", "2026-07-01 08:00:00", "2026-12-17"]
