"""Writes of the core app: communes, the audit log, API keys."""

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext

from beffroi.core import modules
from beffroi.core.annotations import Actor, JSONObject, account_of
from beffroi.core.models import ApiKey, AuditEntry, Commune
from beffroi.core.personal_data import account_reference

COMMUNE_FIELDS = {
    "name",
    "slug",
    "insee_code",
    "population",
    "departement",
    "departement_code",
    "region",
    "epci",
    "epci_siren",
    "latitude",
    "longitude",
    "boundary",
    "contact_email",
    "contact_phone",
    "address",
    "opening_hours",
    "website",
    "publication_director",
    "host",
    "enabled_modules",
    "is_active",
    "preset",
    "welcome_text",
    "home_published",
    "accessibility_level",
    "accessibility_audit",
    "accessibility_stated_on",
    "accessibility_plan",
    "archived_at",
    "logo",
}


def audit_record(
    *,
    commune: Commune | None,
    actor: Actor = None,
    action: str,
    obj: Model | None = None,
    summary: str = "",
    role: str = "",
    on_behalf_of: str = "",
    channel: str = "",
    data: JSONObject | None = None,
) -> AuditEntry:
    """Append one entry to the audit log (who, when, which commune, what, on whose behalf).

    Not audited: this is the audit entry itself.
    """
    actor_id = (
        getattr(actor, "pk", None)
        if actor is not None and getattr(actor, "is_authenticated", False)
        else None
    )
    return AuditEntry.objects.create(
        commune=commune,
        actor_id=actor_id,
        # An opaque reference, never the address or the name: the log is append-only, so it must hold nothing
        # that erasing the account would have to remove. Pages show the account's current name beside it.
        actor_label=account_reference(actor_id) if actor_id else "",
        role=role,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:300],
        on_behalf_of=on_behalf_of[:200],
        channel=channel,
        data=data or {},
    )


@transaction.atomic
def commune_create(*, actor: Actor = None, **fields: Any) -> Commune:
    """Create a commune (the tenant). Fields are validated by the model's own validators."""
    unknown = set(fields) - COMMUNE_FIELDS
    if unknown:
        raise TypeError(f"unknown commune fields: {sorted(unknown)}")
    commune = Commune(**fields)
    commune.full_clean()
    commune.save()
    audit_record(commune=commune, actor=actor, action="commune.create", obj=commune, summary=commune.name)
    return commune


@transaction.atomic
def commune_update(*, commune: Commune, actor: Actor = None, **fields: Any) -> Commune:
    """Change a commune's profile or settings (changed fields only, audited with their names)."""
    unknown = set(fields) - COMMUNE_FIELDS
    if unknown:
        raise TypeError(f"unknown commune fields: {sorted(unknown)}")
    changed = {k: v for k, v in fields.items() if getattr(commune, k) != v}
    before = set(commune.enabled_modules or [])
    for key, value in changed.items():
        setattr(commune, key, value)
    if changed:
        commune.full_clean()
        commune.save()
        data: dict[str, Any] = {"fields": sorted(changed)}
        if "enabled_modules" in changed:
            after = set(commune.enabled_modules or [])
            data["modules_on"], data["modules_off"] = sorted(after - before), sorted(before - after)
        audit_record(
            commune=commune,
            actor=actor,
            action="commune.update",
            obj=commune,
            summary=_commune_update_summary(data),
            data=data,
        )
    return commune


def _commune_update_summary(data: dict[str, Any]) -> str:
    """« Modules ouverts : Signalements ; fermés : Budget participatif », or the names of the settings changed,
    in the site's language (French) as every summary of the journal."""
    with translation.override(settings.LANGUAGE_CODE):
        parts = []
        for key, sentence in (
            ("modules_on", gettext("modules ouverts : %(list)s")),
            ("modules_off", gettext("modules fermés : %(list)s")),
        ):
            if data.get(key):
                names = [str(m.label) if (m := modules.get(code)) else code for code in data[key]]
                parts.append(sentence % {"list": ", ".join(names)})
        others = [
            str(getattr(Commune._meta.get_field(name), "verbose_name", name))
            for name in data["fields"]
            if name != "enabled_modules"
        ]
        if others:
            parts.append(gettext("réglages : %(list)s") % {"list": ", ".join(others)})
        return capfirst(" ; ".join(parts))[:300]


def apikey_hash(secret: str) -> str:
    """What is stored of an API key: the SHA-256 of its secret.

    The secret is 256 random bits: a plain SHA-256 is enough (no dictionary to fear) and cheap per request.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def apikey_create(*, commune: Commune, scope: str, name: str = "", actor: Actor = None) -> tuple[ApiKey, str]:
    """Create an API key for one commune; returns the key object and the secret, shown only this once."""
    if scope not in ApiKey.Scope.values:
        raise ValueError(f"scope must be one of {ApiKey.Scope.values}")
    prefix = secrets.token_hex(4)
    secret = f"bfr_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        commune=commune,
        name=name,
        prefix=prefix,
        key_hash=apikey_hash(secret),
        scope=scope,
        created_by=account_of(actor),
    )
    with translation.override(settings.LANGUAGE_CODE):
        summary = gettext("clé %(prefix)s… (%(scope)s)") % {
            "prefix": f"bfr_{prefix}",
            "scope": ApiKey.Scope(scope).label,
        }
    audit_record(
        commune=commune,
        actor=actor,
        action="apikey.create",
        obj=key,
        summary=f"{name} — {summary}" if name else summary,
    )
    return key, secret


@transaction.atomic
def apikey_revoke(*, key: ApiKey, actor: Actor = None) -> ApiKey:
    """Revoke a key at once (it stops working on the next request); revoking twice changes nothing."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            commune=key.commune, actor=actor, action="apikey.revoke", obj=key, summary=f"bfr_{key.prefix}…"
        )
    return key


def commune_pages_renew(*, commune: Commune) -> None:
    """Every public page kept for visitors without an account (core.page_cache) is rendered again on its next
    visit, in every server process: after a write, so that no visitor sees the page as it was before it.

    Not audited: the write that calls it is."""
    Commune.objects.filter(pk=commune.pk).update(pages_version=F("pages_version") + 1)


def apikey_touch(*, key: ApiKey) -> None:
    """Record the last use, at most once a minute to keep writes off the hot path.

    Not audited: a timestamp of use, written on API requests; the key's creation and revocation are audited.
    """
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
