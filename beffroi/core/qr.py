"""A QR code of an address, drawn as inline SVG (segno), for slips and receipts a person scans with a phone."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, title: str, css_class: str = "qr-code") -> SafeString:
    """The SVG markup of the QR code of `url`, with a title for screen readers."""
    svg = segno.make(url, error="m", micro=False).svg_inline(
        scale=1, omitsize=True, svgclass=css_class, lineclass=None, title=title
    )
    return mark_safe(svg)  # noqa: S308 — segno writes the markup and escapes the title
