"""Server-side SVG line charts (min–max band and average), readable without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.timezone import is_aware, localtime

WIDTH, HEIGHT, PAD = 640, 220, 40


def line_chart(
    points: list[tuple[datetime, float, float, float]], *, title: str, chart_id: str, unit: str = ""
) -> str:
    """An accessible SVG: ``points`` are (instant, average, minimum, maximum), oldest first."""
    title_id = f"{chart_id}-title"
    head = (
        f'<svg class="datahub-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{title_id}" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{title_id}">{escape(title)}</title>'
    )
    if not points:
        return head + "</svg>"
    low = min(p[2] for p in points)
    high = max(p[3] for p in points)
    if high == low:
        high = low + 1
    start, end = points[0][0].timestamp(), points[-1][0].timestamp()
    span = (end - start) or 1

    def xy(moment: datetime, value: float) -> str:
        x = PAD + (moment.timestamp() - start) / span * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - (value - low) / (high - low) * (HEIGHT - 2 * PAD)
        return f"{x:.1f},{y:.1f}"

    band = " ".join(xy(p[0], p[3]) for p in points) + " " + " ".join(xy(p[0], p[2]) for p in reversed(points))
    line = " ".join(xy(p[0], p[1]) for p in points)
    axis = (
        f'<line class="axis" x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}"/>'
        f'<line class="axis" x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}"/>'
        f'<text x="{PAD - 4}" y="{PAD}" text-anchor="end">{_number(high)}</text>'
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD}" text-anchor="end">{_number(low)}</text>'
        f'<text x="{PAD}" y="{HEIGHT - 10}">{_when(points[0][0])}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 10}" text-anchor="end">{_when(points[-1][0])}</text>'
    )
    return (
        head
        + axis
        + f'<polygon class="band" points="{band}"/>'
        + f'<polyline class="line" points="{line}"/>'
        + (f'<text x="{WIDTH - PAD}" y="{PAD - 10}" text-anchor="end">{escape(unit)}</text>' if unit else "")
        + "</svg>"
    )


def _number(value: float) -> str:
    """An axis bound with four significant digits, in the page's language (74,96 in French)."""
    return str(number_format(float(f"{value:.4g}"), use_l10n=True))


def _when(moment: datetime) -> str:
    """A bucket's start in the commune's time zone (the tables beside the chart use it too); in UTC when the
    time zone cannot hold it (a stored year-9999 instant)."""
    if not is_aware(moment):
        return f"{moment:%d/%m %H:%M}"
    try:
        return f"{localtime(moment):%d/%m %H:%M}"
    except OverflowError:
        return f"{moment.astimezone(UTC):%d/%m %H:%M} UTC"
