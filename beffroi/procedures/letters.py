"""Decision letters: a template's `{{ name }}` placeholders filled from a dossier (no Django here).

Placeholders: `{{ demandeur }}`, `{{ code }}`, `{{ demarche }}`, `{{ date_depot }}`, `{{ date_decision }}`,
`{{ commune }}`, `{{ signataire }}` and `{{ champ.<clé> }}` for an answer of the form. An unknown placeholder is
left visible as is, so the agent sees it in the preview instead of a silent blank.
"""

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z0-9_]+)?)\s*\}\}")
NAMES = ("demandeur", "code", "demarche", "date_depot", "date_decision", "commune", "signataire")


def render(text: str, values: Mapping[str, str], answers: Mapping[str, str]) -> str:
    """The letter's text with its placeholders replaced (`answers`: field key → the answer as read)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("champ."):
            key = name.split(".", 1)[1]
            return answers[key] if key in answers else match.group(0)
        return values[name] if name in values else match.group(0)

    return PLACEHOLDER.sub(replace, text)


def unknown_placeholders(text: str, field_keys: set[str]) -> list[str]:
    """Placeholders a template names that no dossier can fill (checked when the template is saved)."""
    unknown = []
    for name in PLACEHOLDER.findall(text):
        if name.startswith("champ."):
            if name.split(".", 1)[1] not in field_keys:
                unknown.append(name)
        elif name not in NAMES:
            unknown.append(name)
    return unknown
