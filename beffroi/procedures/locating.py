"""Address answers placed on the commune's map without JavaScript: an address typed in the commune is looked up
in its address base (territory's Base Adresse Locale) and, when one address matches it well, its point is stored
with the answer (`point.source` "base_adresse"; a point placed by the applicant on the map says "carte")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from beffroi.core.models import Commune
from beffroi.territory import addressing
from beffroi.territory.selectors import address_search

GOOD_MATCH = 0.9  # addressing.street_score of a street typed right but for an accent or an abbreviation


def locate(commune: Commune, address: Mapping[str, Any]) -> dict[str, Any] | None:
    """The point of a typed address of the commune, or None (another commune, a whole street, no good match)."""
    if addressing.normalise(str(address.get("city", ""))) != addressing.normalise(commune.name):
        return None
    found = address_search(commune=commune, query=str(address.get("street", "")), limit=2)
    if not found or found[0].street_only or found[0].score < GOOD_MATCH:
        return None
    if len(found) > 1 and found[1].score >= found[0].score and found[1].label != found[0].label:
        return None  # two addresses as likely: none is chosen
    typed = addressing.parse(str(address.get("street", "")))
    if typed.number is None or addressing.parse(found[0].label).number != typed.number:
        return None  # the nearest numbers of the street, not this one
    return {"lat": round(found[0].latitude, 6), "lon": round(found[0].longitude, 6), "source": "base_adresse"}


def locate_answers(commune: Commune, form: Mapping[str, Any], answers: dict[str, Any]) -> None:
    """Give a point to each address answer of `form` that has none (in place), a block's rows included."""

    def visit(fields: list[Mapping[str, Any]], values: dict[str, Any]) -> None:
        for item in fields:
            value = values.get(item["key"])
            if item["type"] == "address" and isinstance(value, dict) and "point" not in value:
                point = locate(commune, value)
                if point is not None:
                    value["point"] = point
            elif item["type"] == "repeat" and isinstance(value, list):
                for row in value:
                    if isinstance(row, dict):
                        visit(item.get("fields", []), row)

    for section in form.get("sections", []):
        visit(section.get("fields", []), answers)
