"""Icons of the modules and of the report categories, from Tabler Icons (MIT, vendored by `make vendor` into
static/vendor/tabler-icons/ with its licence: only the icons named here are copied).

An icon is inlined in the page (`{% icon "bulb" %}`): it takes the text's colour (`currentColor`), needs no
request, and is hidden from screen readers — the words beside it carry the meaning.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

ICON_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "tabler-icons"

MODULE_ICONS = {
    "reports": "message-report",
    "budgeting": "coin-euro",
    "datahub": "chart-line",
    "planning": "map-2",
    "participation": "speakerphone",
    "procedures": "file-text",
    "opendata": "database",
}

# A category is matched by words of its code (a commune's own category falls back to the generic icon).
CATEGORY_ICONS = (
    (("eclairage", "lampadaire", "lumiere"), "bulb"),
    (("voirie", "nid-de-poule", "chaussee", "trottoir", "route"), "road"),
    (("depot", "dechet", "proprete", "ordure", "poubelle"), "trash"),
    (("arbre", "vert", "jardin", "parc"), "tree"),
    (("mobilier", "banc"), "armchair"),
    (("bruit", "nuisance"), "volume"),
)
DEFAULT_ICON = "alert-triangle"

# Every icon the templates use: `make vendor` copies exactly these (see the Makefile).
USED_ICONS = sorted({*MODULE_ICONS.values(), *(icon for _words, icon in CATEGORY_ICONS), DEFAULT_ICON})


def category_icon(code: str) -> str:
    return next((icon for words, icon in CATEGORY_ICONS if any(w in code for w in words)), DEFAULT_ICON)


@cache
def _drawing(name: str) -> str:
    """The icon's inner drawing (its paths), read once; "" for a name not vendored."""
    path = ICON_DIR / f"{name}.svg"
    if not re.fullmatch(r"[a-z0-9-]+", name) or not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    inner = text[text.index(">", text.index("<svg")) + 1 : text.rindex("</svg>")]
    return re.sub(r"\s+", " ", inner).strip()


def icon_svg(name: str) -> SafeString:
    drawing = _drawing(name)
    if not drawing:
        return mark_safe("")  # noqa: S308 — nothing to show
    return format_html(
        '<svg class="icon" aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" '
        'width="24" height="24" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" '
        'stroke-linecap="round" stroke-linejoin="round">{}</svg>',
        mark_safe(drawing),  # noqa: S308 — a vendored file of the project, not input
    )
