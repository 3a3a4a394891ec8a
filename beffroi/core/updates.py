"""The one way a service changes an existing row: compared with the row as stored, changed fields only, audited.

A bound ModelForm has already copied the new values onto its instance when `is_valid()` returns, so a service
that compared the new values with the object it was given would find nothing changed (the participatory
budget's edit page said "Budget enregistré." while saving nothing). `model_update` re-reads the row, locked,
and compares with that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model

from beffroi.core.annotations import Actor
from beffroi.core.models import Commune
from beffroi.core.services import audit_record

M = TypeVar("M", bound=Model)


def audit_value(value: Any) -> Any:
    """A field's value as the audit entry keeps it (JSON: dates as ISO text, amounts as text, rows by key)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [audit_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): audit_value(v) for k, v in value.items()}
    return str(value)


@transaction.atomic
def model_update(
    *,
    instance: M,
    data: Mapping[str, Any],
    allowed: Collection[str],
    commune: Commune | None,
    actor: Actor,
    action: str,
    summary: str = "",
) -> tuple[M, list[str]]:
    """Write the fields of `data` that differ from the stored row; return the stored row and the changed names.

    `allowed` lists the fields callers may change: any other key is a programming error (`TypeError`), never
    silently ignored. The row is re-read with `select_for_update`, validated with `full_clean()` after the change,
    saved with `update_fields`, and one audit entry `action` keeps each changed field's old and new value. With
    nothing changed, nothing is written and no entry is made (the caller can say "Aucune modification.").
    """
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"{type(instance).__name__}: fields that cannot be changed here: {sorted(unknown)}")
    model = type(instance)
    stored = model._default_manager.select_for_update().get(pk=instance.pk)
    changed = sorted(name for name, value in data.items() if getattr(stored, name) != value)
    if not changed:
        return stored, []
    before = {name: audit_value(getattr(stored, name)) for name in changed}
    for name in changed:
        setattr(stored, name, data[name])
    stored.full_clean()
    stored.save(update_fields=changed)
    audit_record(
        commune=commune,
        actor=actor,
        action=action,
        obj=stored,
        summary=summary or str(stored),
        data={
            "fields": changed,
            "changes": {name: [before[name], audit_value(data[name])] for name in changed},
        },
    )
    return stored, changed
