"""Server-side SVG bar charts (no JavaScript; each chart is shown with its data table). No Django here."""

from html import escape


def bar_chart_svg(*, title: str, rows: list[tuple[str, float]], chart_id: str, unit: str = "") -> str:
    """Horizontal bars, one per row (label, value); role=img with <title> and aria-labelledby."""
    width, label_w, bar_h, gap = 640, 220, 22, 8
    height = max(1, len(rows)) * (bar_h + gap) + gap
    top = max((v for _l, v in rows), default=0) or 1
    parts = [
        f'<svg class="reports-chart" role="img" aria-labelledby="{chart_id}-t" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
    ]
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = (width - label_w - 80) * (value / top)
        parts.append(f'<text x="0" y="{y + bar_h * 0.7:.0f}">{escape(label[:32])}</text>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}"></rect>')
        shown = f"{value:g}{unit}"
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.7:.0f}">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)
