"""Horizontal bar chart: one bar per category, its name written above it so long names keep a phone's width."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from beffroi.core.charts.svg import (
    GRID_INK,
    SERIES_INK,
    Chart,
    ChartError,
    DataTable,
    TableRow,
    document,
    number,
    shorten,
    text,
    tick_places,
    ticks,
    xy,
)

WIDTH = 440
LEFT, RIGHT, TOP = 6, 64, 8  # the right margin holds the value written after the longest bar
LABEL_H, BAR_H, GAP = 20, 18, 12
AXIS_H = 34
LABEL_CHARS = 54  # about what fits on one line of the drawing at 14 px


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal | int | float


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str = "",
    unit: str = "",
    table_caption: str = "",
    label_heading: str = "Catégorie",
    value_heading: str = "Valeur",
    places: int | None = None,
    empty_text: str = "Aucune donnée.",
) -> Chart:
    """Draw the bars in the order given (from 0, with a graduated axis) and give their table."""
    if any(bar.value < 0 for bar in bars):
        raise ChartError("Un diagramme en barres part de zéro : valeur négative refusée.")
    suffix = f"\u00a0{unit}" if unit else ""
    graduations = ticks(0.0, max((float(bar.value) for bar in bars), default=0.0) or 1.0)
    decimals = tick_places(graduations)
    plot_w = WIDTH - LEFT - RIGHT
    ceiling = graduations[-1]
    row_h = LABEL_H + BAR_H + GAP
    rows_h = max(1, len(bars)) * row_h
    axis_y = TOP + rows_h
    height = axis_y + AXIS_H

    def x_of(value: float) -> float:
        return LEFT + value / ceiling * plot_w

    body = ['<g aria-hidden="true">']
    for graduation in graduations:
        x = x_of(graduation)
        body.append(
            f'<line x1="{xy(x)}" y1="{TOP}" x2="{xy(x)}" y2="{axis_y}" stroke="{GRID_INK}" stroke-width="0.6" '
            f'stroke-dasharray="2 4"/>'
        )
        anchor = "start" if graduation == graduations[0] else ("end" if graduation == ceiling else "middle")
        body.append(text(x, axis_y + 22, number(graduation, decimals), anchor=anchor))
    body.append(
        f'<line x1="{LEFT}" y1="{axis_y}" x2="{xy(LEFT + plot_w)}" y2="{axis_y}" stroke="{GRID_INK}" stroke-width="1.2"/>'
    )
    body.append("</g>")
    if not bars:
        body.append(text(WIDTH / 2, TOP + row_h / 2 + 5, empty_text, anchor="middle"))
    else:
        body.append('<g aria-hidden="true">')
        for index, bar in enumerate(bars):
            top = TOP + index * row_h
            end = x_of(float(bar.value))
            body.append(text(LEFT, top + 15, shorten(bar.label, LABEL_CHARS)))
            body.append(
                f'<rect x="{LEFT}" y="{top + LABEL_H}" width="{xy(end - LEFT)}" height="{BAR_H}" '
                f'fill="{SERIES_INK[0]}"/>'
            )
            body.append(text(end + 6, top + LABEL_H + 14, f"{number(bar.value, places)}{suffix}"))
        body.append("</g>")

    listed = " ; ".join(f"{bar.label} : {number(bar.value, places)}{suffix}" for bar in bars)
    desc = " ".join(part for part in (description, f"{listed}." if bars else empty_text) if part)
    table = DataTable(
        caption=table_caption or title,
        columns=(label_heading, value_heading),
        rows=tuple(TableRow(bar.label, (number(bar.value, places),)) for bar in bars),  # unit: in the heading
        empty_text=empty_text,
    )
    svg = document(
        chart_id=chart_id,
        kind="bar",
        width=WIDTH,
        height=height,
        title=title,
        description=desc,
        body=body,
        font_size=14,
    )
    return Chart(chart_id=chart_id, title=title, description=desc, svg=svg, table=table, kind="bar")
