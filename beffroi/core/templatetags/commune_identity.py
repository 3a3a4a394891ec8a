"""The commune's identity in documents: ``{% load commune_identity %}`` then ``{% commune_logo_src commune %}``
gives the logo as a data: URI, which a PDF (WeasyPrint), a printed page or a mail can show without fetching
anything; ``{% include "includes/commune_logo.html" %}`` draws it with the commune's name as its text."""

import base64

from django import template

register = template.Library()


@register.simple_tag
def commune_logo_src(commune) -> str:
    """The logo as ``data:image/png;base64,…``, or "" when the commune has none (or its file is gone)."""
    logo = getattr(commune, "logo", None)
    if not logo:
        return ""
    try:
        with logo.open("rb") as handle:
            data = handle.read()
    except OSError:
        return ""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
