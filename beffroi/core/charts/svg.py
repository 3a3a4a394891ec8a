"""What every chart shares: the one escaping function, the SVG document, the data table, numbers and ticks.

No Django here (the charts are pure). The accessible pattern (WCAG 2.1 1.1.1 and 1.4.11): each chart is an
``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``, drawn with markers and dashes
besides colour, and shown beside a data table with the same values (``templates/includes/chart.html``). The
drawing has a ``viewBox`` and no fixed size, so it scales down to a phone's width without scrolling sideways.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from beffroi.core.formatting import format_number

INK = "#161616"  # text: 17.4:1 on white
GRID_INK = "#6a6a6a"  # axes, rings and grid lines: 5.4:1 on white
SERIES_INK = ("#000091", "#a94400")  # first and second series: 14.8:1 and 5.9:1 on white
FONT = "Marianne, Arial, sans-serif"


class ChartError(ValueError):
    """Data a chart cannot draw (French message: it is a programming error or bad data, never user input)."""


class Svg(str):
    """SVG markup built by this package, every text in it escaped by :func:`escape`.

    Django's templates print an object with ``__html__`` as is, so ``{{ chart.svg }}`` needs no ``|safe``.
    """

    __slots__ = ()

    def __html__(self) -> str:
        return str(self)


def escape(text: object) -> str:
    """Text for an SVG element or a double- or single-quoted attribute: & < > " ' replaced by entities."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def number(value: Decimal | int | float, places: int | None = None) -> str:
    """A value written the French way (``74,96``, ``1 250``), on the axes, in the text and in the table."""
    return format_number(value, places)


def xy(value: float) -> str:
    """A coordinate, to the tenth."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True, slots=True)
class TableRow:
    heading: str  # the row's <th scope="row">
    cells: tuple[str, ...]  # already formatted; "—" for no value


@dataclass(frozen=True, slots=True)
class DataTable:
    """The values of a chart as a table: caption, column headings (the first heads the row headings), rows."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    empty_text: str = "Aucune donnée."

    def with_column(self, heading: str, cells: Sequence[str]) -> DataTable:
        """The same table with one more column (e.g. the difference between two series)."""
        if len(cells) != len(self.rows):
            raise ValueError("Une colonne ajoutée doit avoir une cellule par ligne.")
        rows = tuple(
            TableRow(row.heading, (*row.cells, cell)) for row, cell in zip(self.rows, cells, strict=True)
        )
        return replace(self, columns=(*self.columns, heading), rows=rows)


@dataclass(frozen=True, slots=True)
class Chart:
    """A drawn chart and its data, as ``includes/chart.html`` shows them (figure, caption, table)."""

    chart_id: str
    title: str
    description: str
    svg: Svg
    table: DataTable
    note: str = ""  # shown in the figure's caption after the title (a scale, a reading hint)
    kind: str = "chart"  # radar, line or bar: the figure's class, for its width on the page


def document(
    *,
    chart_id: str,
    kind: str,
    width: int,
    height: int,
    title: str,
    description: str,
    body: Sequence[str],
    font_size: int = 15,
) -> Svg:
    """The ``<svg>`` element: viewBox only (it takes the width of its container), role, title and desc first."""
    ident = escape(chart_id)
    return Svg(
        "\n".join(
            [
                f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-{escape(kind)}" '
                f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMin meet" role="img" '
                f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="{font_size}">',
                f'<title id="{ident}-title">{escape(title)}</title>',
                f'<desc id="{ident}-desc">{escape(description)}</desc>',
                f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
                *body,
                "</svg>",
            ]
        )
    )


def text(x: float, y: float, content: str, *, anchor: str = "start", size: int | None = None) -> str:
    """One line of text in the chart's ink."""
    font = f' font-size="{size}"' if size else ""
    return f'<text x="{xy(x)}" y="{xy(y)}" fill="{INK}"{font} text-anchor="{anchor}">{escape(content)}</text>'


def wrap(label: str, width: int) -> list[str]:
    """A label cut into lines of about ``width`` characters, at spaces (a longer word keeps its own line)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def shorten(label: str, width: int) -> str:
    """A label cut to ``width`` characters with an ellipsis (the table beside the chart keeps it whole)."""
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round graduations (steps of 1, 2 or 5 × 10ⁿ) covering ``low`` to ``high``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("Graduations impossibles : bornes non finies.")
    if high < low:
        low, high = high, low
    if high == low:
        low, high = (low - 1, high + 1) if low != 0 else (0.0, 1.0)
    raw = (high - low) / max(1, count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    steps = round((stop - start) / step)
    return [_clean(start + i * step, step) for i in range(steps + 1)]


def _clean(value: float, step: float) -> float:
    """A graduation without the float noise of repeated addition (0.30000000000000004 -> 0.3)."""
    places = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return round(value, places)


def tick_places(values: Sequence[float]) -> int:
    """Decimal places enough to write every graduation (0 for 0, 5, 10…, 1 for 0.5, 1.0…)."""
    places = 0
    for value in values:
        while places < 6 and abs(round(value, places) - value) > 1e-9:
            places += 1
    return places
