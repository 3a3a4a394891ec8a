"""The charts package: each chart parses as SVG, names and describes itself, escapes what it is given,
draws graduated axes, copes with no data and with a single value, and gives the same values as a table."""

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from django.template.loader import render_to_string

from beffroi.core.charts import (
    Bar,
    ChartError,
    LinePoint,
    RadarSeries,
    Threshold,
    bar_chart,
    escape,
    line_chart,
    radar_chart,
)
from beffroi.core.charts.svg import GRID_INK, INK, SERIES_INK, tick_places, ticks

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "</title><script>alert(\"x\")</script><b a='1'>&amp;"
START = datetime(2026, 3, 2, 0, 0)


def root(chart):
    return ET.fromstring(str(chart.svg))  # raises if the markup is not well formed


def texts(element):
    return ["".join(t.itertext()) for t in element.iter(f"{NS}text")]


def assert_named_and_scalable(chart):
    svg = root(chart)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == f"{chart.chart_id}-title {chart.chart_id}-desc"
    assert svg.find(f"{NS}title").get("id") == f"{chart.chart_id}-title"
    assert svg.find(f"{NS}desc").get("id") == f"{chart.chart_id}-desc"
    assert svg.get("viewBox") and svg.get("width") is None and svg.get("height") is None
    return svg


def hours(*values):
    return [
        LinePoint(START + timedelta(hours=n), value, value - 1, value + 2) for n, value in enumerate(values)
    ]


class TestEscaping:
    def test_every_markup_character_becomes_an_entity(self):
        assert escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"

    @pytest.mark.parametrize(
        "build",
        [
            lambda: radar_chart(
                [HOSTILE, "B", "C"], [RadarSeries(HOSTILE, [D(1), D(2), None])], chart_id="r", title=HOSTILE
            ),
            lambda: line_chart(
                hours(1.5, 2.5), chart_id="l", title=HOSTILE, unit=HOSTILE, value_heading=HOSTILE
            ),
            lambda: bar_chart([Bar(HOSTILE, 3)], chart_id="b", title=HOSTILE, unit=HOSTILE),
        ],
    )
    def test_a_hostile_label_stays_text(self, build):
        chart = build()
        svg = assert_named_and_scalable(chart)
        assert svg.find(f"{NS}title").text == HOSTILE
        assert not list(svg.iter(f"{NS}script")) and not list(svg.iter(f"{NS}b"))
        assert "<script" not in chart.svg

    def test_a_hostile_chart_id_cannot_break_out_of_its_attribute(self):
        chart = bar_chart([Bar("A", 1)], chart_id='x" onload="alert(1)', title="t")
        svg = root(chart)
        assert svg.get("onload") is None

    def test_the_include_prints_the_drawing_and_escapes_the_table(self):
        chart = bar_chart([Bar(HOSTILE, 3)], chart_id="b", title="Par catégorie", label_heading="Catégorie")
        html = render_to_string("includes/chart.html", {"chart": chart})
        assert html.count("<svg") == 1 and "<script" not in html
        assert '<th scope="row">&lt;/title&gt;&lt;script&gt;' in html
        assert '<th scope="col">Catégorie</th>' in html and "<caption" in html
        assert 'role="img"' in html


class TestAxes:
    def test_graduations_are_round_and_cover_the_values(self):
        assert ticks(0, 7) == [0, 2, 4, 6, 8]
        assert ticks(12.3, 74.96) == [0, 20, 40, 60, 80]
        assert ticks(0.1, 0.38) == [0.1, 0.2, 0.3, 0.4]
        assert tick_places([0, 0.5, 1.0]) == 1 and tick_places([0, 20, 40]) == 0

    def test_line_chart_graduates_both_axes_in_french(self):
        chart = line_chart(hours(0.25, 0.5, 0.75), chart_id="l", title="Débit", unit="m³/h")
        written = texts(assert_named_and_scalable(chart))
        assert {"-1", "0", "1", "2", "3"} <= set(written)  # y graduations around 0.25-1 … 0.75+2
        assert "02/03 00:00" in written and "02/03 02:00" in written  # first and last instants
        assert "m³/h" in written
        assert chart.table.columns == ("Début de période", "Moyenne", "Minimum", "Maximum")
        assert chart.table.rows[0].heading == "02/03/2026 00:00"
        assert chart.table.rows[0].cells == ("0,25", "-0,75", "2,25")
        assert "02/03/2026 00:00 – 02/03/2026 02:00 : -0,75 – 2,75 m³/h." in chart.description

    def test_bar_chart_graduates_its_value_axis_and_writes_each_value(self):
        chart = bar_chart(
            [Bar("Voirie", 12), Bar("Éclairage", D("3.5"))], chart_id="b", title="t", unit="j", places=1
        )
        written = texts(assert_named_and_scalable(chart))
        assert {"0", "5", "10", "15"} <= set(written)
        assert "12,0\u00a0j" in written and "3,5\u00a0j" in written
        assert [row.cells for row in chart.table.rows] == [("12,0",), ("3,5",)]
        widths = [
            float(r.get("width")) for r in root(chart).iter(f"{NS}rect") if r.get("fill") == SERIES_INK[0]
        ]
        assert widths[0] == pytest.approx(widths[1] * 12 / 3.5, abs=0.2)  # lengths to the tenth

    def test_radar_rings_and_axes(self):
        chart = radar_chart(
            ["A. Gouvernance", "B. Réseaux", "C. Services", "D. Données"],
            [RadarSeries("2026", [D("2.5"), D(0), D(4), None])],
            chart_id="r",
            title="Maturité",
            axis_labels=["A", "B", "C", "D"],
        )
        svg = assert_named_and_scalable(chart)
        rings = [
            p for p in svg.iter(f"{NS}polygon") if p.get("fill") == "none" and p.get("stroke") == GRID_INK
        ]
        assert len(rings) == 4  # one per level of the 0–4 scale
        assert len([ln for ln in svg.iter(f"{NS}line") if ln.get("stroke") == GRID_INK]) == 4  # one per axis
        written = texts(svg)
        assert {"1", "2", "3", "4", "A", "B", "C"} <= set(written) and "D (non évalué)" in written
        desc = svg.find(f"{NS}desc").text
        assert "2026 — A. Gouvernance : 2,5 sur 4 ; B. Réseaux : 0 sur 4" in desc
        assert "D. Données : non évalué." in desc
        assert [row.cells for row in chart.table.rows] == [("2,50",), ("0,00",), ("4,00",), ("—",)]


class TestEmptyData:
    def test_line_chart_without_points_says_so(self):
        chart = line_chart([], chart_id="l", title="t", empty_text="Pas de mesure.")
        svg = assert_named_and_scalable(chart)
        assert "Pas de mesure." in texts(svg) and not list(svg.iter(f"{NS}polyline"))
        assert chart.table.rows == () and chart.table.empty_text == "Pas de mesure."
        html = render_to_string("includes/chart.html", {"chart": chart})
        assert '<td colspan="2">Pas de mesure.</td>' in html

    def test_bar_chart_without_bars_says_so(self):
        chart = bar_chart([], chart_id="b", title="t", empty_text="Aucun signalement.")
        assert "Aucun signalement." in texts(assert_named_and_scalable(chart))
        assert chart.description == "Aucun signalement."

    def test_radar_with_nothing_assessed_draws_no_shape(self):
        chart = radar_chart(["A", "B", "C"], [RadarSeries("x", [None, None, None])], chart_id="r", title="t")
        svg = assert_named_and_scalable(chart)
        assert not [p for p in svg.iter(f"{NS}polygon") if p.get("stroke-width") == "3"]
        assert [c.get("fill") for c in svg.iter(f"{NS}circle")][:3] == ["#ffffff"] * 3  # hollow: not assessed


class TestOneValue:
    def test_line_chart_of_one_point_draws_a_marker_in_the_middle(self):
        chart = line_chart([LinePoint(START, 7.0)], chart_id="l", title="t")
        svg = assert_named_and_scalable(chart)
        (marker,) = [c for c in svg.iter(f"{NS}circle")]
        assert float(marker.get("cy")) > 0 and {"6,0", "7,0", "8,0"} <= set(texts(svg))
        assert chart.table.columns == ("Début de période", "Moyenne")  # no band without minimum and maximum
        assert [row.cells for row in chart.table.rows] == [("7,00",)]

    def test_bar_chart_of_one_zero_value(self):
        chart = bar_chart([Bar("Seule", 0)], chart_id="b", title="t")
        assert_named_and_scalable(chart)
        assert [row.cells for row in chart.table.rows] == [("0",)]

    def test_radar_needs_three_axes(self):
        with pytest.raises(ChartError, match="trois axes"):
            radar_chart(["A", "B"], [RadarSeries("x", [D(1), D(1)])], chart_id="r", title="t")


class TestRadarSeries:
    def test_two_series_differ_by_dashes_and_markers_not_only_colour(self):
        chart = radar_chart(
            ["A", "B", "C"],
            [RadarSeries("2026", [D(2), D(3), D(1)]), RadarSeries("2025", [D(1), D(1), D(1)])],
            chart_id="r",
            title="Progrès",
        )
        svg = root(chart)
        shapes = [p for p in svg.iter(f"{NS}polygon") if p.get("stroke-width") == "3"]
        assert (
            len(shapes) == 2 and not shapes[0].get("stroke-dasharray") and shapes[1].get("stroke-dasharray")
        )
        assert svg.findall(f".//{NS}circle") and svg.findall(f".//{NS}rect[@width='12']")
        assert [t for t in texts(svg) if t in ("2025", "2026")] == ["2026", "2025"]  # the legend
        assert chart.table.columns == ("Axe", "2026", "2025")
        with_gap = chart.table.with_column("Écart", ["+1", "+2", "0"])
        assert with_gap.rows[1].cells == ("3,00", "1,00", "+2")

    @pytest.mark.parametrize(
        ("labels", "values", "message"),
        [
            (["A", "B", "C"], [D(1), D(1)], "une valeur par axe"),
            (["A", "B", "C"], [D(1), D(5), D(1)], "hors de l'échelle"),
        ],
    )
    def test_bad_input(self, labels, values, message):
        with pytest.raises(ChartError, match=message):
            radar_chart(labels, [RadarSeries("x", values)], chart_id="r", title="t")

    def test_contrast_of_text_and_lines_on_white(self):
        def luminance(colour):
            channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
            linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
            return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

        def contrast(colour):
            return (1 + 0.05) / (luminance(colour) + 0.05)

        assert contrast(INK) >= 7  # text
        assert contrast(GRID_INK) >= 4.5
        assert all(contrast(colour) >= 4.5 for colour in SERIES_INK)  # WCAG 1.4.11 asks 3:1


def test_negative_bars_are_refused():
    with pytest.raises(ChartError, match="négative"):
        bar_chart([Bar("A", -1)], chart_id="b", title="t")


class TestReadableCharts:
    """What the data dashboards showed wrong: only two labels, no zero, no threshold, a clipped graduation."""

    def test_thresholds_zero_and_time_marks(self):
        points = [LinePoint(START.replace(hour=h), 420.0 + 60 * h) for h in range(10)]
        chart = line_chart(
            points,
            chart_id="co2",
            title="CO₂",
            unit="ppm",
            from_zero=True,
            thresholds=[Threshold(800, "Aérer"), Threshold(1500, "Agir")],
            axis_format="%H:%M",
        )
        written = texts(assert_named_and_scalable(chart))
        assert "0" in written and "1\u202f500" in written  # from zero, up to the highest threshold
        assert "Aérer (800 ppm)" in written and "Agir (1\u202f500 ppm)" in written
        assert sum(1 for t in written if re.fullmatch(r"\d\d:\d\d", t)) == 4
        assert "Aérer : 800 ppm." in chart.description

    def test_the_left_margin_holds_the_longest_graduation(self):
        chart = line_chart(
            [LinePoint(START, 420.0), LinePoint(START.replace(hour=5), 1029.0)], chart_id="c", title="t"
        )
        svg = root(chart)
        for node in svg.iter(f"{NS}text"):
            if node.get("text-anchor") == "end" and node.text and node.text[0].isdigit():
                # right-aligned at x, about 8.4 units a character: the label's start stays inside the drawing
                assert float(node.get("x")) - 8.4 * len(node.text) >= 0
