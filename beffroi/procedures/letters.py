"""Decision letters: a template's `{{ name }}` placeholders filled from a dossier (no Django here).

Placeholders: `{{ demandeur }}`, `{{ code }}`, `{{ demarche }}`, `{{ date_depot }}`, `{{ date_decision }}`,
`{{ commune }}`, `{{ signataire }}` and `{{ champ.<clé> }}` for an answer of the form (or, for an explanation of
the form, its text: a booking's deposit as the commune states it; `services.letter_values`). An unknown placeholder is
left visible as is, so the agent sees it in the preview instead of a silent blank. A passage the agent writes
for each dossier is marked in square brackets (`[motif]`): a letter is not sent while one is left (`unfilled`).
"""

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z0-9_]+)?)\s*\}\}")
# A passage to write for each dossier (« [motif] »): a short bracketed phrase on one line.
TO_WRITE = re.compile(r"\[[^\[\]\n]{1,80}\]")
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


def unfilled(text: str) -> list[str]:
    """What a letter still holds of its template instead of the dossier's text, once each: the bracketed
    passages to write (« [motif] »), then the placeholders nothing filled (« {{ champ.x }} »)."""
    found = [m.group(0) for m in TO_WRITE.finditer(text)] + [m.group(0) for m in PLACEHOLDER.finditer(text)]
    return list(dict.fromkeys(found))
