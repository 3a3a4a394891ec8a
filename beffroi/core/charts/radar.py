"""Radar chart: one axis per category on a bounded scale (the 0–4 maturity self-assessment), one or two series.

The two series differ by their line (solid, dashed) and their markers (circles, squares), not by colour alone;
a value not assessed is drawn as a hollow marker at the centre and its axis says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from beffroi.core.charts.svg import (
    GRID_INK,
    INK,
    SERIES_INK,
    Chart,
    ChartError,
    DataTable,
    TableRow,
    document,
    escape,
    number,
    wrap,
    xy,
)

RADIUS = 150
LABEL_GAP = 24  # between the outer ring and the axis labels
LINE = 18  # height of a line of label text
CHAR = 8.2  # width of a character at the chart's font size, to size the margins
LEGEND_ROW = 28
MARKERS = ("circle", "square")
DASHES = (None, "8 5")


@dataclass(frozen=True, slots=True)
class RadarSeries:
    name: str
    values: Sequence[Decimal | None]  # one per axis, from 0 to the maximum; None when not assessed


def _check(labels: Sequence[str], series: Sequence[RadarSeries], maximum: int) -> None:
    if len(labels) < 3:
        raise ChartError("Un graphique radar demande au moins trois axes.")
    if not 1 <= len(series) <= len(MARKERS):
        raise ChartError("Un graphique radar affiche une ou deux séries.")
    for serie in series:
        if len(serie.values) != len(labels):
            raise ChartError(f"La série « {serie.name} » n'a pas une valeur par axe.")
        for value in serie.values:
            if value is not None and not Decimal(0) <= value <= maximum:
                raise ChartError(
                    f"La série « {serie.name} » contient une valeur hors de l'échelle 0 à {maximum}."
                )


def radar_chart(
    labels: Sequence[str],
    series: Sequence[RadarSeries],
    *,
    chart_id: str,
    title: str,
    description: str = "",
    axis_labels: Sequence[str] | None = None,
    maximum: int = 4,
    places: int = 2,
    table_caption: str = "",
    row_heading: str = "Axe",
    missing: str = "non évalué",
    out_of: str = "sur",
    note: str = "",
) -> Chart:
    """Draw the radar and give its table (one row per axis, one column per series).

    ``labels`` name the axes in the description and the table; ``axis_labels`` (the same by default) are the
    shorter names written at the axes' ends, so that the drawing stays readable at a phone's width.
    """
    _check(labels, series, maximum)
    drawn = list(axis_labels) if axis_labels is not None else list(labels)
    if len(drawn) != len(labels):
        raise ChartError("Il faut un nom court par axe.")
    count = len(labels)
    blocks = []
    for index, label in enumerate(drawn):
        if series[0].values[index] is None:  # a marker at the centre would read as zero
            label = f"{label} ({missing})"
        blocks.append(wrap(label, 16))
    tallest = max(len(lines) for lines in blocks)
    widest = max(len(line) for lines in blocks for line in lines)
    reach = RADIUS + LABEL_GAP
    width = math.ceil(max(2 * (reach + widest * CHAR + 12), 70 + max(len(s.name) for s in series) * CHAR))
    cx = width / 2
    cy = reach + (tallest - 1) * LINE + 28
    legend_top = cy + reach + 16 + (tallest - 1) * LINE + 24
    height = math.ceil(legend_top + LEGEND_ROW * len(series))

    def point(index: int, value: float, distance: float = RADIUS) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        scale = distance * value / maximum
        return cx + scale * math.cos(angle), cy + scale * math.sin(angle)

    def polygon(points: Sequence[tuple[float, float]]) -> str:
        return " ".join(f"{xy(x)},{xy(y)}" for x, y in points)

    body = ['<g aria-hidden="true">']
    for level in range(1, maximum + 1):
        ring = polygon([point(i, level) for i in range(count)])
        body.append(f'<polygon points="{ring}" fill="none" stroke="{GRID_INK}" stroke-width="1"/>')
        x, y = point(0, level)
        body.append(f'<text x="{xy(x + 6)}" y="{xy(y + 5)}" fill="{INK}" font-size="13">{level}</text>')
    for index, lines in enumerate(blocks):
        x, y = point(index, maximum)
        body.append(
            f'<line x1="{xy(cx)}" y1="{xy(cy)}" x2="{xy(x)}" y2="{xy(y)}" stroke="{GRID_INK}" stroke-width="1"/>'
        )
        lx, ly = point(index, maximum, reach)
        anchor = "middle" if abs(lx - cx) < 10 else ("start" if lx > cx else "end")
        if ly > cy + 10:  # below the centre: the block grows downwards
            first = ly + 14
        elif ly < cy - 10:  # above: it grows upwards
            first = ly - (len(lines) - 1) * LINE
        else:
            first = ly + 5 - (len(lines) - 1) * LINE / 2
        spans = "".join(
            f'<tspan x="{xy(lx)}" y="{xy(first + n * LINE)}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        body.append(f'<text text-anchor="{anchor}" fill="{INK}" font-weight="600">{spans}</text>')
    body.append("</g>")

    for rank, serie in enumerate(series):
        colour, dash, marker = SERIES_INK[rank], DASHES[rank], MARKERS[rank]
        plotted = [float(v) if v is not None else 0.0 for v in serie.values]
        body.append('<g aria-hidden="true">')
        if any(v is not None for v in serie.values):
            fill = f'fill="{colour}" fill-opacity="0.15"' if rank == 0 else 'fill="none"'
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            shape = polygon([point(i, v) for i, v in enumerate(plotted)])
            body.append(f'<polygon points="{shape}" {fill} stroke="{colour}" stroke-width="3"{dashes}/>')
        for index, (value, raw) in enumerate(zip(plotted, serie.values, strict=True)):
            x, y = point(index, value)
            body.append(_marker(marker, x, y, colour, hollow=raw is None))
        body.append("</g>")

    body.append('<g aria-hidden="true">')
    for rank, serie in enumerate(series):
        colour, dash = SERIES_INK[rank], DASHES[rank]
        y = legend_top + LEGEND_ROW * rank
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<line x1="12" y1="{xy(y)}" x2="56" y2="{xy(y)}" stroke="{colour}" stroke-width="3"{dashes}/>'
        )
        body.append(_marker(MARKERS[rank], 34, y, colour, hollow=False))
        body.append(f'<text x="66" y="{xy(y + 5)}" fill="{INK}">{escape(serie.name)}</text>')
    body.append("</g>")

    summary = []
    for serie in series:
        parts = [
            f"{label} : {missing if value is None else f'{number(value)} {out_of} {maximum}'}"
            for label, value in zip(labels, serie.values, strict=True)
        ]
        summary.append(f"{serie.name} — {' ; '.join(parts)}.")
    desc = " ".join(([description] if description else []) + summary)
    table = DataTable(
        caption=table_caption or title,
        columns=(row_heading, *(s.name for s in series)),
        rows=tuple(
            TableRow(
                label,
                tuple(_cell(s.values[i], places) for s in series),
            )
            for i, label in enumerate(labels)
        ),
    )
    svg = document(
        chart_id=chart_id, kind="radar", width=width, height=height, title=title, description=desc, body=body
    )
    return Chart(
        chart_id=chart_id, title=title, description=desc, svg=svg, table=table, note=note, kind="radar"
    )


def _marker(shape: str, x: float, y: float, colour: str, *, hollow: bool) -> str:
    fill = "#ffffff" if hollow else colour
    if shape == "circle":
        return f'<circle cx="{xy(x)}" cy="{xy(y)}" r="6" fill="{fill}" stroke="{colour}" stroke-width="2"/>'
    return (
        f'<rect x="{xy(x - 6)}" y="{xy(y - 6)}" width="12" height="12" fill="{fill}" '
        f'stroke="{colour}" stroke-width="2"/>'
    )


def _cell(value: Decimal | None, places: int) -> str:
    return "—" if value is None else number(value, places)
