"""A démarche's form as JSON: its check, conditional display and the cleaning of a whole set of answers.

No Django here. The format (documented in docs/procedures.md, `FORMAT` and `FORMAT_VERSION` below) is what a
démarche is exported as and imported from, so a syndicat's communes can share their forms:

    {"format": "beffroi.demarche", "format_version": 1,
     "title": "…", "description": "…",
     "applicant_kinds": ["particulier", "entreprise", "association"],
     "regime": {"kind": "sva" | "svr" | "none", "months": 2},
     "sections": [{"key": "…", "title": "…", "help": "…", "condition": null | {…},
                   "fields": [{"key": "…", "type": "<fields.TYPES>", "label": "…", "help": "…",
                               "required": true, "condition": null | {"field": "<earlier key>", "equals": "…"}
                                                                       | {"field": "…", "in": ["…", "…"]},
                               …options of the type…}]}]}

Type options: `max_length` (texts), `min`/`max`/`unit`/`integer` (number), `min`/`max` (date, ISO or
"today"), `choices` [{"key", "label"}] and `min_choices`/`max_choices` (choices), `file_types` and
`max_size_mb` (file), `fields`/`min_rows`/`max_rows`/`row_label` (repeat, no repeat inside a repeat), `text`
(explanation), `places` (the ids of the commune's places offered) and `place_kinds` (the kinds of place offered
when no place is chosen, e.g. ["batiment"]) (place; see `fields.offered_places`), `answer_before` (a date,
not in a block: the day the request is for — the party, the move —, which the mairie's answer must precede;
see `needed_on` and `deadlines.comes_too_late`).

Conditional display is decided here, on the server: a field (or section) whose condition is not met is neither
required nor stored, whatever the browser sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from beffroi.procedures.fields import (
    NO_VALUE_TYPES,
    PAPER_PIECES,
    PAPER_SUFFIX,
    TYPES,
    Context,
    FieldError,
    FileUpload,
    clean_address,
    clean_file,
    clean_value,
    file_types,
    parse_date,
)

FORMAT = "beffroi.demarche"
FORMAT_VERSION = 1
APPLICANT_KINDS = {"particulier": "Particulier", "entreprise": "Entreprise", "association": "Association"}
REGIMES = {
    "sva": "Silence vaut acceptation",
    "svr": "Silence vaut rejet",
    "none": "Pas de décision implicite",
}
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
CONDITION_TYPES = frozenset({"choice", "multiple_choice", "yes_no"})
MAX_ROWS = 20  # a repeat's upper bound when the builder sets none (and the most a tampered form may ask)


class SchemaError(ValueError):
    """A schema that cannot be used; `problems` are French sentences, one per fault."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Cleaned:
    """The outcome of `clean_answers`: the values to store, the refusals by field, the files to keep."""

    answers: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    files: dict[str, FileUpload] = field(default_factory=dict)  # posted name → upload accepted
    rows: dict[str, int] = field(default_factory=dict)  # repeat key → number of rows to show again

    @property
    def ok(self) -> bool:
        return not self.errors


def iter_fields(schema: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """(section, field) of every top-level field, in order."""
    for section in schema.get("sections", []):
        for item in section.get("fields", []):
            yield section, item


def field_map(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {item["key"]: item for _, item in iter_fields(schema)}


def check(schema: Any) -> dict[str, Any]:
    """Check a schema (built in the builder or imported) and return it normalised; SchemaError otherwise.

    Rules: the format and its version, a title, known applicant kinds and regime (months 1–24), unique keys
    made of lowercase letters, digits and `_`, known types, choices with unique keys, conditions that point to
    an EARLIER choice or yes/no field with one of its values, repeats one level deep.
    """
    problems: list[str] = []
    if not isinstance(schema, Mapping):
        raise SchemaError(["Le fichier ne contient pas une démarche (un objet JSON est attendu)."])
    if schema.get("format", FORMAT) != FORMAT:
        problems.append(f"Format inconnu « {schema.get('format')} » : « {FORMAT} » est attendu.")
    version = schema.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        problems.append(f"Version de format {version!r} non prise en charge (au plus {FORMAT_VERSION}).")
    title = str(schema.get("title") or "").strip()
    if not title:
        problems.append("La démarche n'a pas de titre.")
    kinds = schema.get("applicant_kinds") or ["particulier"]
    if not isinstance(kinds, list) or not kinds or any(k not in APPLICANT_KINDS for k in kinds):
        problems.append("Demandeurs possibles : particulier, entreprise ou association.")
        kinds = ["particulier"]
    regime = schema.get("regime") or {"kind": "sva", "months": 2}
    kind = regime.get("kind") if isinstance(regime, Mapping) else None
    months = regime.get("months", 2) if isinstance(regime, Mapping) else None
    if kind not in REGIMES:
        problems.append("Régime de décision inconnu : sva, svr ou none.")
    if kind != "none" and (not isinstance(months, int) or not 1 <= months <= 24):
        problems.append("Le délai de décision doit être un nombre de mois entre 1 et 24.")
    seen: dict[str, Mapping[str, Any]] = {}
    sections_out = []
    sections = schema.get("sections")
    if not isinstance(sections, list) or not sections:
        problems.append("La démarche doit compter au moins une section.")
        sections = []
    section_keys: set[str] = set()
    for number, section in enumerate(sections, start=1):
        if not isinstance(section, Mapping):
            problems.append(f"Section {number} : un objet est attendu.")
            continue
        skey = str(section.get("key") or f"section_{number}")
        if not KEY.match(skey) or skey in section_keys:
            problems.append(f"Section {number} : clé « {skey} » invalide ou répétée.")
        section_keys.add(skey)
        _check_condition(
            section.get("condition"), seen, f"Section « {section.get('title', skey)} »", problems
        )
        fields_out = []
        for item in section.get("fields") or []:
            fields_out.append(_check_field(item, seen, problems, inside_repeat=False))
        sections_out.append(
            {
                "key": skey,
                "title": str(section.get("title") or "").strip() or f"Section {number}",
                "help": str(section.get("help") or ""),
                "condition": section.get("condition") or None,
                "fields": fields_out,
            }
        )
    if problems:
        raise SchemaError(problems)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "title": title,
        "description": str(schema.get("description") or ""),
        "applicant_kinds": list(kinds),
        "regime": {"kind": kind, "months": months if kind != "none" else None},
        "sections": sections_out,
    }


def _check_field(
    item: Any,
    seen: dict[str, Mapping[str, Any]],
    problems: list[str],
    *,
    inside_repeat: bool,
    scope: dict[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        problems.append("Un champ n'est pas un objet JSON.")
        return {}
    out = dict(item)
    key = str(item.get("key") or "")
    label = str(item.get("label") or "").strip()
    name = f"Champ « {label or key} »"
    registry = scope if scope is not None else seen
    if not KEY.match(key):
        problems.append(f"{name} : la clé doit commencer par une lettre minuscule (lettres, chiffres, _).")
    elif key in registry:
        problems.append(f"{name} : la clé « {key} » est déjà utilisée.")
    kind = item.get("type")
    if kind not in TYPES:
        problems.append(f"{name} : type inconnu « {kind} ».")
    if not label and kind != "explanation":
        problems.append(f"Champ « {key} » : il lui faut un libellé.")
    if kind == "explanation" and not str(item.get("text") or label).strip():
        problems.append(f"Champ « {key} » : le texte d'explication est vide.")
    if kind in ("choice", "multiple_choice"):
        choices = item.get("choices") or []
        keys = [str(c.get("key", "")) for c in choices if isinstance(c, Mapping)]
        if len(keys) < 2 or len(set(keys)) != len(keys) or not all(keys):
            problems.append(f"{name} : au moins deux choix, chacun avec une clé différente.")
        out["choices"] = [
            {"key": str(c["key"]), "label": str(c.get("label") or c["key"])}
            for c in choices
            if isinstance(c, Mapping) and c.get("key")
        ]
    if kind == "number":
        for bound in ("min", "max"):
            if item.get(bound) is not None and not isinstance(item[bound], (int, float)):
                problems.append(f"{name} : « {bound} » doit être un nombre.")
        if (
            isinstance(item.get("min"), (int, float))
            and isinstance(item.get("max"), (int, float))
            and item["min"] > item["max"]
        ):
            problems.append(f"{name} : le minimum dépasse le maximum.")
    if kind == "file":
        wanted = item.get("file_types") or []
        if wanted and len(file_types(item)) != len(wanted):
            problems.append(f"{name} : types de fichiers acceptés : pdf, jpg, jpeg, png, odt, docx.")
        size = item.get("max_size_mb")
        if size is not None and (not isinstance(size, (int, float)) or not 0 < size <= 20):
            problems.append(f"{name} : la taille maximale doit être comprise entre 0 et 20 Mo.")
    if kind == "place":
        for option in ("places", "place_kinds"):
            given = item.get(option)
            if given is None:
                continue
            if not isinstance(given, list) or not all(
                isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip() for v in given
            ):
                problems.append(f"{name} : « {option} » doit être une liste de codes.")
                continue
            out[option] = [str(v).strip() for v in given]
    if "answer_before" in item:
        if kind != "date" or inside_repeat:
            problems.append(
                f"{name} : « answer_before » ne s'applique qu'à une date, hors d'un bloc répétable."
            )
        if item["answer_before"]:
            out["answer_before"] = True
        else:
            del out["answer_before"]
    if kind == "repeat":
        if inside_repeat:
            problems.append(f"{name} : un bloc répétable ne peut pas contenir un autre bloc répétable.")
        children: dict[str, Mapping[str, Any]] = {}
        out["fields"] = [
            _check_field(child, seen, problems, inside_repeat=True, scope=children)
            for child in item.get("fields") or []
        ]
        if not out["fields"]:
            problems.append(f"{name} : le bloc répétable n'a aucun champ.")
        low, high = item.get("min_rows", 0), item.get("max_rows", MAX_ROWS)
        if (
            not isinstance(low, int)
            or not isinstance(high, int)
            or not 0 <= low <= high <= MAX_ROWS
            or high < 1
        ):
            problems.append(f"{name} : nombre de lignes entre 0 et {MAX_ROWS}, le minimum sous le maximum.")
        out["min_rows"], out["max_rows"] = low, high
    if not inside_repeat:
        _check_condition(item.get("condition"), seen, name, problems)
    elif item.get("condition"):
        problems.append(f"{name} : un champ d'un bloc répétable ne peut pas être conditionnel.")
    out["condition"] = item.get("condition") or None
    out["required"] = bool(item.get("required")) and kind not in NO_VALUE_TYPES and kind != "repeat"
    if key:
        registry[key] = out
    return out


def _check_condition(
    condition: Any, seen: Mapping[str, Mapping[str, Any]], name: str, problems: list[str]
) -> None:
    if not condition:
        return
    if (
        not isinstance(condition, Mapping)
        or "field" not in condition
        or not ("equals" in condition or "in" in condition)
    ):
        problems.append(f"{name} : la condition doit nommer un champ et une valeur (« equals » ou « in »).")
        return
    target = seen.get(str(condition["field"]))
    if target is None:
        problems.append(
            f"{name} : la condition porte sur « {condition['field']} », qui n'est pas un champ placé avant."
        )
        return
    if target["type"] not in CONDITION_TYPES:
        problems.append(f"{name} : une condition porte sur un choix ou une question oui/non.")
        return
    wanted = condition["in"] if "in" in condition else [condition["equals"]]
    allowed = {"oui", "non"} if target["type"] == "yes_no" else {c["key"] for c in target.get("choices", [])}
    if not isinstance(wanted, list) or not wanted or any(str(v) not in allowed for v in wanted):
        problems.append(
            f"{name} : la condition attend une valeur que « {target.get('label')} » ne propose pas."
        )


def condition_met(condition: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    """Whether a field or section with this condition is shown, given the answers cleaned so far."""
    if not condition:
        return True
    wanted = {str(v) for v in (condition["in"] if "in" in condition else [condition["equals"]])}
    value = answers.get(str(condition["field"]))
    if value is None:
        return False
    if isinstance(value, bool):
        return ("oui" if value else "non") in wanted
    if isinstance(value, list):
        return any(str(v) in wanted for v in value)
    return str(value) in wanted


def row_name(block: str, row: int, child: str) -> str:
    """The posted name of a repeat's row field: `enfants-0-prenom`."""
    return f"{block}-{row}-{child}"


def clean_answers(
    schema: Mapping[str, Any],
    posted: Mapping[str, list[str]],
    *,
    context: Context,
    files: Mapping[str, FileUpload] | None = None,
    kept: Mapping[str, Any] | None = None,
    strict: bool = False,
    partial: bool = False,
    section: str | None = None,
    paper: bool = False,
) -> Cleaned:
    """Check every visible field of a schema against the posted values; gather each refusal by field.

    - `posted`: name → list of strings (a QueryDict's lists); an address posts `key-street`, `key-postcode`…;
      a repeat posts `key-rows` (how many rows the page showed) and `key-<row>-<child>`.
    - `files`: name → upload; `kept`: the answers already stored (a draft), whose files stay when none is sent.
    - Hidden fields (condition not met) are neither required nor stored; with `strict` (the API) a value sent
      for one is refused, on a page it is dropped (the person may have filled it before changing an answer).
    - `partial` (saving a draft): required fields may stay empty, everything given is still checked.
    - `section`: only that section was posted (one step of the form); the other sections keep their `kept`
      answers as they are, and conditions read them.
    - `paper` (an agent filing for a resident): a file field may be answered `<name>-papier` = a code of
      `PAPER_PIECES` (the piece seen on paper, or to come later) instead of a file; a file sent wins.
    """
    files = files or {}
    kept = kept or {}
    out = Cleaned()
    for current in schema.get("sections", []):
        if section is not None and current.get("key") != section:
            for item in current.get("fields", []):
                if item["key"] in kept:
                    out.answers[item["key"]] = kept[item["key"]]
            continue
        section_shown = condition_met(current.get("condition"), out.answers)
        for item in current.get("fields", []):
            key, kind = item["key"], item["type"]
            if kind in NO_VALUE_TYPES:
                continue
            shown = section_shown and condition_met(item.get("condition"), out.answers)
            if not shown:
                if strict and _was_sent(item, posted, files):
                    out.errors.append(FieldError(key, "hidden", str(item.get("label", key))))
                continue
            try:
                value = _clean_one(item, posted, files, kept, context, out, partial=partial, paper=paper)
            except FieldError as exc:
                out.errors.append(exc)
                continue
            if value is not None:
                out.answers[key] = value
    return out


def _was_sent(
    item: Mapping[str, Any], posted: Mapping[str, list[str]], files: Mapping[str, FileUpload]
) -> bool:
    key = item["key"]
    prefix = f"{key}-"
    if key in files:
        return True
    return any(
        name == key or name.startswith(prefix)
        for name, values in posted.items()
        if any(str(v).strip() for v in values) and not name.endswith("-rows")
    )


def _optional(item: Mapping[str, Any], partial: bool) -> Mapping[str, Any]:
    return {**item, "required": False} if partial else item


def _clean_one(
    item: Mapping[str, Any],
    posted: Mapping[str, list[str]],
    files: Mapping[str, FileUpload],
    kept: Mapping[str, Any],
    context: Context,
    out: Cleaned,
    *,
    partial: bool,
    name: str | None = None,
    paper: bool = False,
) -> Any:
    key = item["key"]
    name = name or key
    kind = item["type"]
    checked = _optional(item, partial)
    if kind == "address":
        parts = {
            part: posted.get(f"{name}-{part}", [])
            for part in ("street", "complement", "postcode", "city", "lat", "lon")
        }
        return clean_address(checked, parts, key=name)
    if kind == "file":
        upload = files.get(name)
        if upload is not None and upload.size > 0:
            extension = clean_file(item, upload, key=name)
            out.files[name] = upload
            return {"name": upload.name, "size": upload.size, "extension": extension}
        statement = (posted.get(f"{name}-{PAPER_SUFFIX}") or [""])[0].strip() if paper else ""
        if statement:
            if statement not in PAPER_PIECES:
                raise FieldError(name, "paper", str(item.get("label", key)))
            return {"paper": statement}
        if kept.get(key):
            return kept[key]
        if checked.get("required"):
            raise FieldError(name, "required", str(item.get("label", key)))
        return None
    if kind == "repeat":
        return _clean_repeat(item, posted, files, kept, context, out, partial=partial, paper=paper)
    return clean_value(checked, posted.get(name, []), context=context, key=name)


def _clean_repeat(
    item: Mapping[str, Any],
    posted: Mapping[str, list[str]],
    files: Mapping[str, FileUpload],
    kept: Mapping[str, Any],
    context: Context,
    out: Cleaned,
    *,
    partial: bool,
    paper: bool = False,
) -> list[dict[str, Any]] | None:
    key = item["key"]
    label = str(item.get("label", key))
    high = int(item.get("max_rows") or MAX_ROWS)
    low = int(item.get("min_rows") or 0)
    shown_rows = (posted.get(f"{key}-rows") or [""])[0]
    try:
        count = int(shown_rows) if shown_rows else max(low, 1)
    except ValueError:
        raise FieldError(key, "rows_max", label, max=high) from None
    if count < 0 or count > high:
        raise FieldError(key, "rows_max", label, max=high)
    old_rows = kept.get(key) or []
    row_label = str(item.get("row_label") or "ligne")
    rows: list[dict[str, Any]] = []
    failed = False
    for index in range(count):
        row: dict[str, Any] = {}
        sent = False
        errors: list[FieldError] = []
        previous = old_rows[index] if index < len(old_rows) else {}
        for child in item.get("fields", []):
            if child["type"] in NO_VALUE_TYPES:
                continue
            name = row_name(key, index, child["key"])
            if _was_sent({**child, "key": name}, posted, files) or (
                child["type"] == "file" and previous.get(child["key"])
            ):
                sent = True
            try:
                value = _clean_one(
                    child, posted, files, previous, context, out, partial=partial, name=name, paper=paper
                )
            except FieldError as exc:
                exc.label = f"{exc.label} ({row_label} {index + 1})"  # which row, in the message
                errors.append(exc)
                continue
            if value is not None:
                row[child["key"]] = value
        if not sent:
            continue  # a blank row is no row (the page shows one to fill in)
        if errors:
            out.errors.extend(errors)
            failed = True
        rows.append(row)
    out.rows[key] = max(count, len(rows))
    if failed:
        return rows or None
    if len(rows) < low and not partial:
        raise FieldError(key, "rows_min", label, min=low)
    return rows or None


def visible_fields(
    schema: Mapping[str, Any], answers: Mapping[str, Any]
) -> list[tuple[Mapping[str, Any], list[Mapping[str, Any]]]]:
    """The sections and fields shown for these answers (the summary, the receipt, the agents' page)."""
    shown = []
    for section in schema.get("sections", []):
        if not condition_met(section.get("condition"), answers):
            continue
        items = [item for item in section.get("fields", []) if condition_met(item.get("condition"), answers)]
        shown.append((section, items))
    return shown


def needed_on(schema: Mapping[str, Any], answers: Mapping[str, Any]) -> date | None:
    """The day the request is for: the earliest answer to a shown date question marked `answer_before` (a room
    booking's « Date de l'événement »), None when the form has none or it is not answered."""
    days = [
        day
        for _section, items in visible_fields(schema, answers)
        for item in items
        if item["type"] == "date" and item.get("answer_before")
        for day in [parse_date(str(answers.get(item["key"]) or ""))]
        if day is not None
    ]
    return min(days, default=None)


def check_complete(schema: Mapping[str, Any], answers: Mapping[str, Any]) -> list[FieldError]:
    """What stops stored answers from being filed: a visible required field left empty, a block short of rows."""
    missing = []
    for section, items in visible_fields(schema, answers):
        del section
        for item in items:
            key, label = item["key"], str(item.get("label", item["key"]))
            value = answers.get(key)
            if item["type"] == "repeat":
                rows = value or []
                if len(rows) < int(item.get("min_rows") or 0):
                    missing.append(FieldError(key, "rows_min", label, min=item.get("min_rows")))
                for index, row in enumerate(rows):
                    for child in item.get("fields", []):
                        if child.get("required") and row.get(child["key"]) in (None, "", []):
                            missing.append(
                                FieldError(
                                    row_name(key, index, child["key"]), "required", str(child.get("label"))
                                )
                            )
            elif item.get("required") and value in (None, "", []):
                missing.append(FieldError(key, "required", label))
    return missing


# Who is filing, as the law asks to identify them (CRPA L112-9 and R112-9-1: a person by name and postal or
# electronic address; a company by its SIRET; an association by its RNA number), as fields of the same kinds.
_CONTACT: list[dict[str, Any]] = [
    {"key": "last_name", "type": "short_text", "label": "Nom", "required": True, "max_length": 100},
    {"key": "first_name", "type": "short_text", "label": "Prénom", "required": True, "max_length": 100},
    {"key": "email", "type": "email", "label": "Adresse électronique", "required": True},
    {"key": "phone", "type": "phone", "label": "Téléphone"},
]
IDENTITY_FIELDS: dict[str, list[dict[str, Any]]] = {
    "particulier": [
        *_CONTACT,
        {"key": "address", "type": "address", "label": "Adresse postale", "required": True},
    ],
    "entreprise": [
        {"key": "company_name", "type": "short_text", "label": "Raison sociale", "required": True},
        {"key": "siret", "type": "siret", "label": "Numéro SIRET", "required": True},
        *_CONTACT,
        {"key": "address", "type": "address", "label": "Adresse postale de l'établissement"},
    ],
    "association": [
        {"key": "association_name", "type": "short_text", "label": "Nom de l'association", "required": True},
        {"key": "rna", "type": "rna", "label": "Numéro RNA", "required": True},
        *_CONTACT,
        {"key": "address", "type": "address", "label": "Adresse du siège"},
    ],
}


def identity_schema(kind: str, *, email_required: bool = True) -> dict[str, Any]:
    """The identification section for an applicant kind (at the counter, the e-mail may be left empty)."""
    items = [
        {**item, "required": False}
        if item["key"] in ("email", "address") and not email_required
        else dict(item)
        for item in IDENTITY_FIELDS[kind]
    ]
    return {"sections": [{"key": "identite", "title": "Identification", "fields": items}]}


def prune(schema: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers of the fields still shown: what is filed (an answer to a field hidden since is not kept)."""
    shown = {item["key"] for _section, items in visible_fields(schema, answers) for item in items}
    return {key: value for key, value in answers.items() if key in shown}


def drop_row(posted: Mapping[str, list[str]], block: str, index: int) -> dict[str, list[str]]:
    """The posted values without row `index` of a repeatable block, the rows after it moved up by one (the
    « Retirer » button of a row, without JavaScript)."""
    out: dict[str, list[str]] = {}
    prefix = f"{block}-"
    for name, values in posted.items():
        if name == f"{block}-rows":
            try:
                out[name] = [str(max(int(values[0]) - 1, 0))]
            except (ValueError, IndexError):
                out[name] = list(values)
            continue
        if name.startswith(prefix):
            row_text, _sep, child = name[len(prefix) :].partition("-")
            if row_text.isdigit() and child:
                row = int(row_text)
                if row == index:
                    continue
                if row > index:
                    out[row_name(block, row - 1, child)] = list(values)
                    continue
        out[name] = list(values)
    return out


def posted_from_json(schema: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """JSON answers (an API client's) as a form would post them, so both go through `clean_answers`.

    A value is a string, a number, a boolean (yes/no), a list (multiple choice), an object (an address's parts)
    or, for a repeatable block, a list of row objects. Keys the form does not have are kept, so that a value
    for a field hidden by the conditions is seen, and refused, by `clean_answers(strict=True)`."""
    posted: dict[str, list[str]] = {}
    blocks = {item["key"] for _section, item in iter_fields(schema) if item["type"] == "repeat"}

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "oui" if value else "non"
        return "" if value is None else str(value)

    for key, value in answers.items():
        if key in blocks and isinstance(value, list):
            posted[f"{key}-rows"] = [str(len(value))]
            for index, row in enumerate(value):
                for child, child_value in row.items() if isinstance(row, Mapping) else []:
                    name = row_name(key, index, str(child))
                    if isinstance(child_value, Mapping):
                        for part, part_value in child_value.items():
                            posted[f"{name}-{part}"] = [text(part_value)]
                    else:
                        posted[name] = (
                            [text(v) for v in child_value]
                            if isinstance(child_value, list)
                            else [text(child_value)]
                        )
        elif isinstance(value, Mapping):
            for part, part_value in value.items():
                posted[f"{key}-{part}"] = [text(part_value)]
        elif isinstance(value, list):
            posted[key] = [text(v) for v in value]
        else:
            posted[key] = [text(value)]
    return posted
