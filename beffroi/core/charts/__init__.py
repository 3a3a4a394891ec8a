"""Charts of every app: SVG drawn on the server (no JavaScript), each with its data table. Pure: no Django.

Build a :class:`Chart` with :func:`radar_chart`, :func:`line_chart` or :func:`bar_chart` and show it with
``{% include "includes/chart.html" with chart=… %}``: the figure, its caption and the table of its values.
Every text written into a drawing goes through :func:`escape`; texts a person reads are passed in by the
caller, already translated.
"""

from beffroi.core.charts.bar import Bar, bar_chart
from beffroi.core.charts.line import LinePoint, Threshold, line_chart
from beffroi.core.charts.radar import RadarSeries, radar_chart
from beffroi.core.charts.svg import Chart, ChartError, DataTable, Svg, TableRow, escape

__all__ = [
    "Bar",
    "Chart",
    "ChartError",
    "DataTable",
    "LinePoint",
    "RadarSeries",
    "Svg",
    "TableRow",
    "Threshold",
    "bar_chart",
    "escape",
    "line_chart",
    "radar_chart",
]
