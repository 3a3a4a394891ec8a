"""Reading the volunteers and quotas files (CSV, `,` or `;`, with or without a UTF-8 BOM).

Volunteers: a header `id` then one column per quota category, one line per volunteer:

    id;sexe;âge
    v001;femme;18-34

Quotas: a header `category,feature,min,max` (the French `catégorie,valeur,min,max` is accepted too), one line
per feature of a category:

    category,feature,min,max
    sexe,femme,5,7

Every error is a `SortitionError` whose message, in French, names the line and the column.
"""

from __future__ import annotations

import csv
import io

from beffroi.participation.sortition.model import FeatureQuota, Quotas, SortitionError, Volunteer

QUOTA_COLUMNS = ("category", "feature", "min", "max")
_QUOTA_ALIASES = {
    "category": "category",
    "categorie": "category",
    "catégorie": "category",
    "feature": "feature",
    "valeur": "feature",
    "value": "feature",
    "min": "min",
    "minimum": "min",
    "max": "max",
    "maximum": "max",
}


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """The non-blank lines as (line number, cells), cells stripped; the delimiter is read from the header."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), None)
    if header is None:
        raise SortitionError("le fichier est vide")
    delimiter = ";" if header.count(";") > header.count(",") else ","
    result = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            result.append((reader.line_num, [cell.strip() for cell in cells]))
    except csv.Error as exc:
        raise SortitionError(f"fichier CSV illisible ({exc})", line=reader.line_num) from None
    return result


def parse_volunteers(text: str, quotas: Quotas | None = None) -> list[Volunteer]:
    """The volunteers of a file (see the module docstring), in file order.

    Refused: no `id` first column, an empty or repeated column name, a line with too few or too many cells, an
    empty or repeated id, an empty feature. With `quotas`, also a category of the quotas missing from the header,
    a column that is not a category of the quotas, and a feature the quotas do not list for its category.
    """
    rows = _rows(text)
    header_line, header = rows[0]
    if not header or header[0].lower() != "id":
        raise SortitionError(
            "la première colonne doit s'appeler « id » (identifiant du volontaire)",
            line=header_line,
            column=header[0] if header else None,
        )
    categories = header[1:]
    if not categories:
        raise SortitionError("aucune colonne de catégorie après « id »", line=header_line)
    for position, name in enumerate(categories):
        if not name:
            raise SortitionError(f"la colonne n° {position + 2} n'a pas de nom", line=header_line)
        if name in categories[:position] or name.lower() == "id":
            raise SortitionError("colonne en double", line=header_line, column=name)
    if quotas is not None:
        for category in quotas:
            if category not in categories:
                raise SortitionError(
                    f"colonne manquante : la catégorie « {category} » des quotas n'est pas dans le fichier",
                    line=header_line,
                    column=category,
                )
        for name in categories:
            if name not in quotas:
                raise SortitionError(
                    "colonne inconnue : ce n'est pas une catégorie des quotas", line=header_line, column=name
                )
    volunteers: list[Volunteer] = []
    seen: set[str] = set()
    for line, cells in rows[1:]:
        if len(cells) != len(header):
            raise SortitionError(
                f"{len(cells)} cellules au lieu de {len(header)} (autant que de colonnes dans l'en-tête)",
                line=line,
            )
        vid = cells[0]
        if not vid:
            raise SortitionError("identifiant vide", line=line, column="id")
        if vid in seen:
            raise SortitionError(f"l'identifiant « {vid} » apparaît deux fois", line=line, column="id")
        seen.add(vid)
        features = dict(zip(categories, cells[1:], strict=True))
        for category, feature in features.items():
            if not feature:
                raise SortitionError("valeur vide", line=line, column=category)
            if quotas is not None and feature not in quotas[category]:
                known = ", ".join(f"« {f} »" for f in quotas[category])
                raise SortitionError(
                    f"valeur inconnue « {feature} » (valeurs des quotas pour « {category} » : {known})",
                    line=line,
                    column=category,
                )
        volunteers.append(Volunteer(id=vid, features=features, line=line))
    if not volunteers:
        raise SortitionError("le fichier ne contient aucun volontaire", line=header_line)
    return volunteers


def _count(cell: str, line: int, column: str) -> int:
    try:
        value = int(cell)
    except ValueError:
        raise SortitionError(f"« {cell} » n'est pas un nombre entier", line=line, column=column) from None
    if value < 0:
        raise SortitionError(f"{value} est négatif", line=line, column=column)
    return value


def parse_quotas(text: str) -> dict[str, dict[str, FeatureQuota]]:
    """The quotas of a file (see the module docstring): category → feature → `FeatureQuota`, in file order.

    Refused: a header that is not `category,feature,min,max`, a line with a missing cell, a min or max that is
    not a non-negative integer, a min above the max, the same feature twice in a category.
    """
    rows = _rows(text)
    header_line, header = rows[0]
    names = [_QUOTA_ALIASES.get(cell.lower()) for cell in header]
    if tuple(names) != QUOTA_COLUMNS:
        missing = [c for c in QUOTA_COLUMNS if c not in names]
        detail = f" (colonne manquante : « {missing[0]} »)" if missing else ""
        raise SortitionError(f"l'en-tête doit être « category,feature,min,max »{detail}", line=header_line)
    quotas: dict[str, dict[str, FeatureQuota]] = {}
    for line, cells in rows[1:]:
        if len(cells) != 4:
            raise SortitionError(f"{len(cells)} cellules au lieu de 4", line=line)
        category, feature, low, high = cells
        if not category:
            raise SortitionError("catégorie vide", line=line, column="category")
        if not feature:
            raise SortitionError("valeur vide", line=line, column="feature")
        lo = _count(low, line, "min")
        hi = _count(high, line, "max")
        if lo > hi:
            raise SortitionError(f"le minimum ({lo}) dépasse le maximum ({hi})", line=line, column="min")
        features = quotas.setdefault(category, {})
        if feature in features:
            raise SortitionError(
                f"la valeur « {feature} » de la catégorie « {category} » apparaît deux fois",
                line=line,
                column="feature",
            )
        features[feature] = FeatureQuota(lo, hi)
    if not quotas:
        raise SortitionError("le fichier ne contient aucun quota", line=header_line)
    return quotas
