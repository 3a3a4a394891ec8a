"""Line chart over time: a mean per period and, when known, the band from its minimum to its maximum.

Instants are written as given: the caller passes them in the commune's time zone (the table uses the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from beffroi.core.charts.svg import (
    GRID_INK,
    INK,
    SERIES_INK,
    Chart,
    DataTable,
    TableRow,
    document,
    escape,
    number,
    text,
    tick_places,
    ticks,
    xy,
)

WIDTH, HEIGHT = 440, 280
TOP, RIGHT, BOTTOM = 52, 14, 40
CHAR = 8.4  # width of a digit or a space at 14 px (generous: a clipped graduation is worse than a margin)
BAND_FILL = "#dfe3f7"
THRESHOLD_INK = SERIES_INK[1]
AXIS_FORMAT = "%d/%m %H:%M"
TABLE_FORMAT = "%d/%m/%Y %H:%M"
TIME_MARKS = 4  # instants written under the time axis (first, last and evenly between)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A reference value drawn across the chart as a dashed line with its name (an alert rule, a guidance)."""

    value: float
    label: str


@dataclass(frozen=True, slots=True)
class LinePoint:
    at: datetime
    value: float  # the plotted value (a period's mean)
    low: float | None = None  # the period's minimum and maximum, drawn as a band when every point has them
    high: float | None = None


def line_chart(
    points: Sequence[LinePoint],
    *,
    chart_id: str,
    title: str,
    description: str = "",
    unit: str = "",
    table_caption: str = "",
    time_heading: str = "Début de période",
    value_heading: str = "Moyenne",
    low_heading: str = "Minimum",
    high_heading: str = "Maximum",
    places: int = 2,
    table_last: int | None = None,
    empty_text: str = "Aucune donnée sur cette période.",
    from_zero: bool = False,
    thresholds: Sequence[Threshold] = (),
    axis_format: str = AXIS_FORMAT,
) -> Chart:
    """Draw the points (oldest first) with graduated axes and give their table (``table_last``: its last rows).

    ``from_zero``: the value axis starts at zero (a quantity whose zero means something: watts, ppm, litres),
    so a small change is not drawn as a cliff. ``thresholds``: reference lines drawn and named, inside the
    axis. ``axis_format``: how the instants under the time axis are written (``%H:%M`` for a day…)."""
    banded = bool(points) and all(p.low is not None and p.high is not None for p in points)
    values = [p.value for p in points]
    if banded:
        values += [p.low for p in points if p.low is not None] + [
            p.high for p in points if p.high is not None
        ]
    bounds = values + [t.value for t in thresholds] + ([0.0] if from_zero else [])
    graduations = ticks(min(bounds), max(bounds)) if values else [0.0, 1.0]
    decimals = tick_places(graduations)
    labels = [number(g, decimals) for g in graduations]
    left = max(len(label) for label in labels) * CHAR + 14
    plot_w, plot_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    floor, ceiling = graduations[0], graduations[-1]
    start = points[0].at.timestamp() if points else 0.0
    span = (points[-1].at.timestamp() - start) if points else 0.0

    def x_of(moment: datetime) -> float:
        return left + (plot_w / 2 if span == 0 else (moment.timestamp() - start) / span * plot_w)

    def y_of(value: float) -> float:
        return TOP + plot_h - (value - floor) / (ceiling - floor) * plot_h

    body = ['<g aria-hidden="true">']
    for graduation, label in zip(graduations, labels, strict=True):
        y = y_of(graduation)
        body.append(
            f'<line x1="{xy(left)}" y1="{xy(y)}" x2="{xy(WIDTH - RIGHT)}" y2="{xy(y)}" stroke="{GRID_INK}" '
            f'stroke-width="0.6" stroke-dasharray="2 4"/>'
        )
        body.append(text(left - 6, y + 5, label, anchor="end"))
    bottom = TOP + plot_h
    body.append(
        f'<path d="M{xy(left)},{xy(TOP)} V{xy(bottom)} H{xy(WIDTH - RIGHT)}" fill="none" stroke="{GRID_INK}" '
        f'stroke-width="1.2"/>'
    )
    if unit:
        body.append(text(4, TOP - 12, unit))
    if points:
        marks = _time_marks(points) if span else [points[0].at]
        for n, mark in enumerate(marks):
            anchor = "middle" if len(marks) == 1 or 0 < n < len(marks) - 1 else ("start" if n == 0 else "end")
            x = x_of(mark)
            body.append(
                f'<line x1="{xy(x)}" y1="{xy(bottom)}" x2="{xy(x)}" y2="{xy(bottom + 5)}" stroke="{GRID_INK}" '
                f'stroke-width="1.2"/>'
            )
            body.append(text(x, bottom + 24, mark.strftime(axis_format), anchor=anchor))
    names = []  # the thresholds' names, drawn last so that the data line never covers them
    for threshold in thresholds:
        y = y_of(threshold.value)
        body.append(
            f'<line x1="{xy(left)}" y1="{xy(y)}" x2="{xy(WIDTH - RIGHT)}" y2="{xy(y)}" '
            f'stroke="{THRESHOLD_INK}" stroke-width="1.6" stroke-dasharray="8 4"/>'
        )
        names.append(
            f'<text x="{xy(WIDTH - RIGHT - 2)}" y="{xy(y - 5)}" fill="{THRESHOLD_INK}" text-anchor="end" '
            f'font-size="12" stroke="#ffffff" stroke-width="4" paint-order="stroke">'
            f"{escape(threshold.label)} ({escape(number(threshold.value))}"
            f"{escape(f' {unit}' if unit else '')})</text>"
        )
    body.append(_legend(value_heading, f"{low_heading} – {high_heading}" if banded else ""))
    body.append("</g>")

    if not points:
        body.append(text(left + plot_w / 2, TOP + plot_h / 2, empty_text, anchor="middle"))
    else:
        body.append('<g aria-hidden="true">')
        if banded:
            outline = [(x_of(p.at), y_of(p.high)) for p in points if p.high is not None] + [
                (x_of(p.at), y_of(p.low)) for p in reversed(points) if p.low is not None
            ]
            shape = " ".join(f"{xy(x)},{xy(y)}" for x, y in outline)
            body.append(
                f'<polygon points="{shape}" fill="{BAND_FILL}" stroke="{GRID_INK}" stroke-width="0.8"/>'
            )
        line = " ".join(f"{xy(x_of(p.at))},{xy(y_of(p.value))}" for p in points)
        body.append(
            f'<polyline points="{line}" fill="none" stroke="{SERIES_INK[0]}" stroke-width="2.5" '
            f'stroke-linejoin="round"/>'
        )
        if len(points) == 1:
            only = points[0]
            body.append(
                f'<circle cx="{xy(x_of(only.at))}" cy="{xy(y_of(only.value))}" r="5" fill="{SERIES_INK[0]}"/>'
            )
        body.append("</g>")

    if names:
        body.append('<g aria-hidden="true">' + "".join(names) + "</g>")

    summary = ""
    if points:
        lowest = min(p.low if banded and p.low is not None else p.value for p in points)
        highest = max(p.high if banded and p.high is not None else p.value for p in points)
        summary = (
            f"{points[0].at.strftime(TABLE_FORMAT)} – {points[-1].at.strftime(TABLE_FORMAT)} : "
            f"{number(lowest, places)} – {number(highest, places)}{f' {unit}' if unit else ''}."
        )
    limits = " ".join(f"{t.label} : {number(t.value)}{f' {unit}' if unit else ''}." for t in thresholds)
    desc = " ".join(part for part in (description, summary or empty_text, limits) if part)
    shown = points[-table_last:] if table_last else points
    columns = (time_heading, value_heading, *((low_heading, high_heading) if banded else ()))
    rows = tuple(
        TableRow(
            p.at.strftime(TABLE_FORMAT),
            tuple(
                number(v, places) if v is not None else "—"
                for v in ((p.value, p.low, p.high) if banded else (p.value,))
            ),
        )
        for p in shown
    )
    table = DataTable(caption=table_caption or title, columns=columns, rows=rows, empty_text=empty_text)
    svg = document(
        chart_id=chart_id,
        kind="line",
        width=WIDTH,
        height=HEIGHT,
        title=title,
        description=desc,
        body=body,
        font_size=14,
    )
    return Chart(chart_id=chart_id, title=title, description=desc, svg=svg, table=table, kind="line")


def _time_marks(points: Sequence[LinePoint]) -> list[datetime]:
    """Instants evenly spread from the first point to the last (the axis reads as a scale, not two labels)."""
    first, last = points[0].at, points[-1].at
    step = (last - first) / (TIME_MARKS - 1)
    return [first + step * n for n in range(TIME_MARKS)]


def _legend(line_label: str, band_label: str) -> str:
    """Line sample and name, then (when drawn) band sample and name, on the chart's first row."""
    parts = [
        f'<line x1="4" y1="14" x2="30" y2="14" stroke="{SERIES_INK[0]}" stroke-width="2.5"/>',
        f'<text x="36" y="19" fill="{INK}">{escape(line_label)}</text>',
    ]
    if band_label:
        x = 36 + len(line_label) * CHAR + 18
        parts += [
            f'<rect x="{xy(x)}" y="7" width="26" height="14" fill="{BAND_FILL}" stroke="{GRID_INK}" stroke-width="0.8"/>',
            f'<text x="{xy(x + 32)}" y="19" fill="{INK}">{escape(band_label)}</text>',
        ]
    return "".join(parts)
