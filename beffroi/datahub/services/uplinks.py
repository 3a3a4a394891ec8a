"""LoRaWAN devices and their uplinks: registration, and the one path from a network server's message to stored
measurements (webhooks one message at a time, the MQTT worker many at once).

An uplink is never lost and never stops the caller: a malformed or undecodable message, one from an unknown
device or with an instant outside the accepted window is kept in RejectedUplink with its reason; a frame
counter already seen for the device's session is a replay (or a duplicate delivery) and is dropped.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.core.annotations import Actor
from beffroi.core.guards import ensure_owned
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.datahub import lorawan
from beffroi.datahub.lorawan.uplink import Source
from beffroi.datahub.models import Device, Entity, RejectedUplink
from beffroi.datahub.ngsild.entities import instant_in_window, latest_instant
from beffroi.datahub.ngsild.names import NAME_RULES, attribute_iri_problem, attribute_name_problem
from beffroi.datahub.ngsild.vocabulary import DEFAULT_VOCAB, short_name
from beffroi.datahub.services.observations import SeriesBatch, series_store, value_reason

log = logging.getLogger(__name__)

#: How much of a rejected uplink is kept for the operator to read.
KEPT_REJECTED_PAYLOAD = 16 * 1024


@transaction.atomic
def device_register(
    *,
    commune: Commune,
    dev_eui: str,
    entity: Entity,
    decoder_profile: str = lorawan.NETWORK_SERVER_PROFILE,
    name: str = "",
    attribute_map: dict[str, str] | None = None,
    actor: Actor = None,
) -> Device:
    """Register (or update) a LoRaWAN device feeding one of the commune's entities; audited."""
    ensure_owned(entity, commune)
    if decoder_profile != lorawan.NETWORK_SERVER_PROFILE:
        lorawan.get_profile(decoder_profile)
    dev_eui = dev_eui.strip().upper()
    if not re.fullmatch(r"[0-9A-F]{16}", dev_eui):
        raise ValueError("a DevEUI is 16 hexadecimal digits")
    device, _created = Device.objects.update_or_create(
        dev_eui=dev_eui,
        defaults={
            "commune": commune,
            "entity": entity,
            "decoder_profile": decoder_profile,
            "name": name,
            "attribute_map": attribute_map or {},
        },
    )
    if device.commune_id != commune.pk:
        raise ValidationError(
            _("Ce capteur (DevEUI %(dev_eui)s) est déjà enregistré par une autre commune.")
            % {"dev_eui": dev_eui}
        )
    audit_record(commune=commune, actor=actor, action="datahub.device.register", obj=device, summary=dev_eui)
    return device


def _reject(
    *, commune: Commune | None, source: str, topic: str, dev_eui: str, reason: str, payload: Any
) -> str:
    if isinstance(payload, bytes | bytearray):
        text = bytes(payload).decode("utf-8", errors="replace")
    elif isinstance(payload, str):
        text = payload
    else:
        try:
            text = json.dumps(payload, ensure_ascii=False)
        except (TypeError, ValueError):
            text = repr(payload)
    # PostgreSQL's text cannot hold NUL: it is kept as U+FFFD, like the bytes that are not UTF-8.
    text, source, topic, dev_eui, reason = (
        value.replace("\x00", "\ufffd") for value in (text, source, topic, dev_eui, reason)
    )
    if len(text) > KEPT_REJECTED_PAYLOAD:
        reason = f"{reason} (payload truncated to its first {KEPT_REJECTED_PAYLOAD // 1024} KiB)"
        text = text[:KEPT_REJECTED_PAYLOAD]
    RejectedUplink.objects.create(
        commune=commune,
        source=source[:40],
        topic=topic[:255],
        dev_eui=dev_eui[:16],
        reason=reason[:2000],
        payload=text,
    )
    log.warning("uplink rejected (%s): %s", dev_eui or topic, reason)
    return "rejected"


def _attribute_for(entity: Entity, name: str) -> str:
    key: str
    for key in entity.data:
        if short_name(key) == name:
            return key
    return DEFAULT_VOCAB + name


def _uplink_problem(uplink: lorawan.Uplink) -> str:
    """Why a parsed uplink is refused before its device is even looked at (an instant out of window), or ""."""
    try:
        moment: datetime | None = uplink.received_at.astimezone(UTC)
    except OverflowError:
        moment = None
    if instant_in_window(moment, latest_instant()):
        return ""
    return (
        f"received_at {uplink.received_at.isoformat()} is outside the accepted window (from 2000-01-01 to one "
        "day after the server's clock): check the network server's or the device's clock"
    )


def _uplink_rows(
    entity: Entity, device: Device, measures: Mapping[str, Any], units: Mapping[str, str], moment: datetime
) -> list[tuple[int, str, datetime, Any, str]]:
    """The rows of one decoded uplink. A measurement the data hub cannot store (an invalid or reserved name,
    a text too long) is left out and logged; the others are stored."""
    rows = []
    for key, value in measures.items():
        name = device.attribute_map.get(key, key)
        if not name or isinstance(value, dict | list) or value is None:
            continue
        problem = attribute_name_problem(name)
        iri = _attribute_for(entity, name) if problem is None else ""
        problem = problem or attribute_iri_problem(iri)
        unit = units.get(key, "")
        reason = NAME_RULES[problem] if problem is not None else value_reason(value, unit)
        if reason:
            log.warning("uplink of %s: measurement %r left out: %s", device.dev_eui, str(name)[:60], reason)
            continue
        rows.append((entity.pk, iri, moment, value, unit))
    return rows


def uplink_ingest(
    *,
    payload: Any,
    topic: str | None = None,
    source: Source | None = None,
    commune: Commune | None = None,
) -> str:
    """Ingest one LoRaWAN (or plain JSON) uplink; returns "ingested", "replay", "ignored" or "rejected".

    A malformed or undecodable uplink is kept in RejectedUplink with its reason, so one bad device never stops
    the MQTT worker or a webhook. Raises only when nothing could be stored, not even that copy (the database is
    unreachable): the uplink must then not be acknowledged (the worker keeps it unacknowledged and retries; a
    webhook answers 500 and the network server sends it again). ``commune``: the webhook's API key's commune (a
    device of another commune is unknown to it).

    Not audited: measurements (see services.observations); a rejected uplink is kept with its reason.
    """
    try:
        with transaction.atomic():
            return _uplinks_ingest([(topic, payload)], source=source, commune=commune)[0]
    except Exception as exc:  # never stop the worker: keep the message aside
        log.exception("uplink ingestion failed")
        return _reject(  # if this fails too, nothing is stored: raise, so that nothing is acknowledged
            commune=commune,
            source=source or "",
            topic=topic or "",
            dev_eui="",
            reason=f"internal error: {exc!r}",
            payload=payload,
        )


def uplinks_ingest(messages: list[tuple[str, bytes]]) -> list[str]:
    """Ingest MQTT messages (topic, payload) in one transaction; one result per message, as uplink_ingest.

    The MQTT worker's path: the messages the broker delivered together share one read of their devices, one
    write of their measurements (roll-ups, latest values, alerts, notifications) and one commit. Per message
    the outcome is the same as uplink_ingest's (replays dropped in order, malformed or undecodable ones kept
    aside); if the batch as a whole fails, each message is retried alone, so one never sinks the others.

    Not audited: measurements (see services.observations); a rejected uplink is kept with its reason.
    """
    if not messages:
        return []
    try:
        with transaction.atomic():
            return _uplinks_ingest(list(messages))
    except Exception:
        log.exception("batch of %s uplinks failed; ingesting them one by one", len(messages))
        return [uplink_ingest(payload=payload, topic=topic) for topic, payload in messages]


def _uplinks_ingest(
    messages: list[tuple[str | None, Any]], *, source: Source | None = None, commune: Commune | None = None
) -> list[str]:
    """The one uplink path (inside the caller's transaction): parse, check, find the devices (locked), drop
    replays, decode, store every decoded measurement in one batch, then move the devices' frame counters."""
    results: list[str] = [""] * len(messages)
    parsed: list[tuple[int, lorawan.Uplink]] = []
    now = timezone.now()
    for index, (topic, payload) in enumerate(messages):
        uplink = None
        try:
            uplink = lorawan.parse_uplink(payload, topic=topic, source=source, received_at=now)
        except lorawan.NotAnUplink:
            results[index] = "ignored"
            continue
        except lorawan.UplinkFormatError as exc:
            problem = str(exc)
        else:
            problem = _uplink_problem(uplink)
        if problem:
            results[index] = _reject(
                commune=commune,
                source=uplink.source if uplink else source or "",
                topic=topic or "",
                dev_eui=uplink.dev_eui if uplink else "",
                reason=problem,
                payload=payload,
            )
            continue
        parsed.append((index, cast(lorawan.Uplink, uplink)))
    devices = {
        d.dev_eui: d
        for d in Device.objects.select_for_update()
        .select_related("entity", "commune")
        .filter(dev_eui__in={u.dev_eui for _, u in parsed})
    }
    rows: list[tuple[int, str, datetime, Any, str]] = []
    entities: dict[int, Entity] = {}
    seen: dict[str, Device] = {}
    for index, uplink in parsed:
        topic, payload = messages[index]
        dev_eui = uplink.dev_eui
        device = devices.get(dev_eui)
        if device is None or (commune is not None and device.commune_id != commune.pk):
            reason = f"unknown device {dev_eui}"
        elif uplink.commune and uplink.commune != device.commune.slug:
            reason = f"device {dev_eui} does not belong to commune {uplink.commune}"
        else:
            reason = ""
        if reason:
            results[index] = _reject(
                commune=commune,
                source=uplink.source,
                topic=topic or "",
                dev_eui=dev_eui,
                reason=reason,
                payload=payload,
            )
            continue
        device = cast(Device, device)  # an empty reason means the device was found
        session = uplink.session_id or ""
        same_session = not session or session == device.last_session
        if device.last_f_cnt is not None and same_session and uplink.f_cnt <= device.last_f_cnt:
            results[index] = "replay"
            continue
        try:
            measures = lorawan.decode_uplink(uplink, device.decoder_profile)
        except lorawan.LoRaWANError as exc:
            results[index] = _reject(
                commune=device.commune,
                source=uplink.source,
                topic=topic or "",
                dev_eui=dev_eui,
                reason=str(exc),
                payload=payload,
            )
            continue
        units: Mapping[str, str] = {}
        if device.decoder_profile != lorawan.NETWORK_SERVER_PROFILE:
            units = lorawan.get_profile(device.decoder_profile).units
        entity = entities.setdefault(device.entity.pk, device.entity)
        rows.extend(_uplink_rows(entity, device, measures, units, uplink.received_at.astimezone(UTC)))
        device.last_f_cnt = uplink.f_cnt
        device.last_session = session or device.last_session
        device.last_seen_at = now
        seen[dev_eui] = device
        results[index] = "ingested"
    batch = SeriesBatch()
    batch.add_rows(rows)
    series_store(batch, entities=entities)
    if seen:
        Device.objects.bulk_update(list(seen.values()), ["last_f_cnt", "last_session", "last_seen_at"])
    return results
