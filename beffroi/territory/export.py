"""Everything a commune owns, as one zip archive, before it is deleted or moved to another instance.

The archive holds, for every installed app, one JSON file per table whose rows belong to the commune (found from
the models themselves: a foreign key to the commune, or to a row that has one, so a new app's tables are
exported with no code here), the same table as CSV (Beffroi's one CSV format: BOM, ``;``, formula guard, see
``core.exports``), the files those rows point to (photos, logo, documents) under ``media/``, and
``manifest.json`` (the commune's profile, the date, the counts). Secrets are never exported: the stored hashes
of API keys and invitation links, passwords.

Read-only; the file is written to a temporary file so a large commune never sits in memory.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from beffroi.core.exports import csv_rows
from beffroi.core.models import Commune

# Never leaves the instance: a secret's hash is still a secret, and the audit log's own hash chain if any.
SECRET_FIELDS = {"key_hash", "token_hash", "password", "secret", "secret_hash"}
# Tables of the platform itself that name a commune but are not the commune's data.
SKIPPED_MODELS = {"core.commune"}


def _path_to_commune(model: type[models.Model]) -> str | None:
    """The lookup from a model to its commune: ``commune``, or ``report__commune`` through one parent."""
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model is Commune:
            return field.name
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model is not None:
            parent: Any = field.related_model
            for parent_field in parent._meta.concrete_fields:
                if isinstance(parent_field, models.ForeignKey) and parent_field.related_model is Commune:
                    return f"{field.name}__{parent_field.name}"
    return None


def owned_tables() -> list[tuple[type[models.Model], str]]:
    """(model, lookup to its commune) for every table of the installed apps that holds a commune's rows."""
    tables = []
    for model in apps.get_models():
        if model._meta.label_lower in SKIPPED_MODELS or model._meta.proxy:
            continue
        lookup = _path_to_commune(model)
        if lookup is not None:
            tables.append((model, lookup))
    return sorted(tables, key=lambda item: item[0]._meta.label_lower)


def _value(value: Any) -> Any:
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def _rows(model: type[models.Model], queryset: models.QuerySet[Any]) -> Iterator[dict[str, Any]]:
    fields = [f for f in model._meta.concrete_fields if f.name not in SECRET_FIELDS]
    many = [f for f in model._meta.many_to_many]
    for obj in (
        queryset.iterator(chunk_size=1000) if not many else queryset.prefetch_related(*[f.name for f in many])
    ):
        row = {f.attname: _value(getattr(obj, f.attname)) for f in fields}
        for f in many:
            row[f.name] = [related.pk for related in getattr(obj, f.name).all()]
        yield row


def _files(model: type[models.Model], row: dict[str, Any]) -> list[str]:
    return [
        row[f.attname]
        for f in model._meta.concrete_fields
        if isinstance(f, models.FileField) and row.get(f.attname)
    ]


def write_archive(commune: Commune, out: IO[bytes]) -> dict[str, int]:
    """Write the commune's archive to ``out``; returns the row count of each table."""
    counts: dict[str, int] = {}
    files: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for model, lookup in owned_tables():
            queryset = model._default_manager.filter(**{lookup: commune}).order_by("pk")
            label = model._meta.label_lower
            app_label, model_name = label.split(".")
            rows = list(_rows(model, queryset))
            if not rows:
                continue
            counts[label] = len(rows)
            archive.writestr(
                f"{app_label}/{model_name}.json",
                json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
            )
            header = list(rows[0])
            text = io.StringIO()
            text.write("\ufeff")
            writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
            writer.writerows(
                csv_rows(
                    header,
                    (
                        [
                            json.dumps(v, cls=DjangoJSONEncoder, ensure_ascii=False)
                            if isinstance(v, dict | list)
                            else v
                            for v in row.values()
                        ]
                        for row in rows
                    ),
                )
            )
            archive.writestr(f"csv/{app_label}_{model_name}.csv", text.getvalue())
            for row in rows:
                files.update(_files(model, row))
        if commune.logo.name:
            files.add(commune.logo.name)
        storage = commune.logo.storage
        missing = []
        for name in sorted(files):
            try:
                with storage.open(name, "rb") as source:
                    archive.writestr(f"media/{name}", source.read())
            except OSError:
                missing.append(name)
        profile = {
            f.attname: _value(getattr(commune, f.attname))
            for f in Commune._meta.concrete_fields
            if f.name not in SECRET_FIELDS
        }
        manifest = {
            "commune": profile,
            "exporte_le": timezone.now(),
            "tables": counts,
            "fichiers": len(files) - len(missing),
            "fichiers_manquants": missing,
            "format": "JSON (une liste par table), CSV (UTF-8 avec BOM, « ; »), fichiers sous media/",
        }
        archive.writestr(
            "manifest.json", json.dumps(manifest, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
        )
    return counts


def archive_file(commune: Commune) -> IO[bytes]:
    """The archive in a temporary file (deleted when closed), rewound, ready to be sent or copied."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse that sends it
    write_archive(commune, handle)
    handle.seek(0)
    return handle
