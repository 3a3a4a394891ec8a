"""The form builder's steps on a démarche's schema (no Django here): each returns a new schema, checked by
`schema.check`, so a step that would break the form (a key used twice, a condition on a later field) is
refused with the check's French sentences and the stored form stays as it was."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from beffroi.core.text import code_from_label
from beffroi.procedures import schema
from beffroi.procedures.fields import TYPES


def key_from_label(label: str, taken: set[str]) -> str:
    """A field key from its label (« Date de naissance » → date_de_naissance), unique in the form."""
    return code_from_label(label, taken, fallback="champ")


def all_keys(form: Mapping[str, Any]) -> set[str]:
    keys = {str(s.get("key")) for s in form.get("sections", [])}
    for _section, item in schema.iter_fields(form):
        keys.add(item["key"])
        keys.update(child["key"] for child in item.get("fields", []) if item["type"] == "repeat")
    return keys


def _locate(form: dict[str, Any], key: str) -> tuple[list[dict[str, Any]], int] | None:
    """The list holding the field `key` (a section's fields or a block's) and its index there."""
    for section in form.get("sections", []):
        for index, item in enumerate(section.get("fields", [])):
            if item["key"] == key:
                return section["fields"], index
            if item["type"] == "repeat":
                for child_index, child in enumerate(item.get("fields", [])):
                    if child["key"] == key:
                        return item["fields"], child_index
    return None


def add_section(
    form: Mapping[str, Any], *, title: str, condition: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    out = copy.deepcopy(dict(form))
    key = key_from_label(title, all_keys(out))
    out.setdefault("sections", []).append(
        {"key": key, "title": title.strip(), "help": "", "condition": condition, "fields": []}
    )
    return schema.check(out)


def add_field(form: Mapping[str, Any], *, target: str, field: Mapping[str, Any]) -> dict[str, Any]:
    """Add `field` at the end of section `target`, or of the repeatable block `target`."""
    out = copy.deepcopy(dict(form))
    if field.get("type") not in TYPES:
        raise schema.SchemaError([f"Type de champ inconnu « {field.get('type')} »."])
    new = {k: v for k, v in dict(field).items() if v not in (None, "", [])}
    new["required"] = bool(field.get("required"))
    new["key"] = key_from_label(str(field.get("label") or field.get("text") or field["type"]), all_keys(out))
    if new["type"] == "repeat":
        new.setdefault("fields", [])
    for section in out.get("sections", []):
        if section["key"] == target:
            section.setdefault("fields", []).append(new)
            return _checked_allowing_empty_blocks(out)
        for item in section.get("fields", []):
            if item["key"] == target and item["type"] == "repeat":
                new.pop("condition", None)
                item.setdefault("fields", []).append(new)
                return _checked_allowing_empty_blocks(out)
    raise schema.SchemaError([f"La section ou le bloc « {target} » n'existe pas."])


def _checked_allowing_empty_blocks(form: dict[str, Any]) -> dict[str, Any]:
    """A block just added has no field yet: check the form with a stand-in child, then give it back empty."""
    empty: list[dict[str, Any]] = [
        item  # the form's own dicts, changed in place
        for section in form.get("sections", [])
        for item in section.get("fields", [])
        if item["type"] == "repeat" and not item.get("fields")
    ]
    for item in empty:
        item["fields"] = [{"key": "a_remplir", "type": "short_text", "label": "…"}]
    checked = schema.check(form)
    empty_keys = {item["key"] for item in empty}
    for section in checked["sections"]:
        for item in section["fields"]:
            if item["key"] in empty_keys:
                item["fields"] = []
    return checked


def remove(form: Mapping[str, Any], *, key: str) -> dict[str, Any]:
    """Remove a field (or an empty section); a field that a condition reads cannot go before the condition."""
    out = copy.deepcopy(dict(form))
    sections = out.get("sections", [])
    for index, section in enumerate(sections):
        if section["key"] == key:
            if section.get("fields"):
                raise schema.SchemaError(["Retirez d'abord les champs de la section."])
            if len(sections) == 1:
                raise schema.SchemaError(["Le formulaire garde au moins une section."])
            del sections[index]
            return _checked_allowing_empty_blocks(out)
    found = _locate(out, key)
    if found is None:
        raise schema.SchemaError([f"Le champ « {key} » n'existe pas."])
    holder, index = found
    del holder[index]
    return _checked_allowing_empty_blocks(out)


def move(form: Mapping[str, Any], *, key: str, delta: int) -> dict[str, Any]:
    """Move a field up (-1) or down (+1) within its section or block; a move that puts a condition before the
    field it reads is refused."""
    out = copy.deepcopy(dict(form))
    found = _locate(out, key)
    if found is None:
        raise schema.SchemaError([f"Le champ « {key} » n'existe pas."])
    holder, index = found
    target = index + delta
    if 0 <= target < len(holder):
        holder[index], holder[target] = holder[target], holder[index]
    return _checked_allowing_empty_blocks(out)


def settings(
    form: Mapping[str, Any], *, applicant_kinds: list[str], regime: str, months: int | None
) -> dict[str, Any]:
    out = copy.deepcopy(dict(form))
    out["applicant_kinds"] = applicant_kinds
    out["regime"] = {"kind": regime, "months": months if regime != "none" else None}
    return _checked_allowing_empty_blocks(out)


# The options the builder's field form sets; editing a field replaces these and keeps the others (its key, its
# type, a block's fields, options only an imported JSON carries such as `integer` or `max_choices`).
EDITABLE = (
    "label",
    "help",
    "required",
    "choices",
    "min",
    "max",
    "unit",
    "file_types",
    "max_size_mb",
    "text",
    "condition",
    "min_rows",
    "max_rows",
    "max_length",
    "places",
    "answer_before",
)


def find(form: Mapping[str, Any], key: str) -> tuple[dict[str, Any], bool] | None:
    """The field `key` and whether it sits in a repeatable block."""
    for section in form.get("sections", []):
        for item in section.get("fields", []):
            if item["key"] == key:
                return item, False
            if item["type"] == "repeat":
                for child in item.get("fields", []):
                    if child["key"] == key:
                        return child, True
    return None


def edit_field(form: Mapping[str, Any], *, key: str, field: Mapping[str, Any]) -> dict[str, Any]:
    """Change a field's label, help, required, choices, limits or condition; its key and type stay (answers
    and conditions name it by key). A choice keeps its key while its label is unchanged, so a condition on it
    still holds; a choice that a condition reads cannot go (the check refuses it)."""
    out = copy.deepcopy(dict(form))
    found = _locate(out, key)
    if found is None:
        raise schema.SchemaError([f"Le champ « {key} » n'existe pas."])
    holder, index = found
    old = holder[index]
    if field.get("type", old["type"]) != old["type"]:
        raise schema.SchemaError(["Le type d'un champ ne change pas : retirez-le et ajoutez-en un autre."])
    new = {k: v for k, v in old.items() if k not in EDITABLE}
    new.update({k: v for k, v in dict(field).items() if k in EDITABLE and v not in (None, "", [])})
    new["required"] = bool(field.get("required"))
    if "choices" in new:
        labels = {c["label"] for c in new["choices"]}
        kept = {c["label"]: c["key"] for c in old.get("choices", []) if c.get("label") in labels}
        taken = set(kept.values())
        choices = []
        for choice in new["choices"]:
            choice_key = kept.pop(choice["label"], None) or key_from_label(choice["label"], taken)
            taken.add(choice_key)
            choices.append({"key": choice_key, "label": choice["label"]})
        new["choices"] = choices
    holder[index] = new
    return _checked_allowing_empty_blocks(out)
