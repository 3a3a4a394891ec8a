"""Writes of the data hub's alerts: rules, evaluation (opening and automatic closing), acknowledgement, closing.

Lifecycle of an alert: a rule's condition holds on an entity → an alert is *opened* (at most one alert not
yet closed per rule and entity, a database constraint) and the rule's team is told by email. An agent
*acknowledges* it (someone is on it), then *closes* it with a note. When the evaluation sees the attribute
back within the rule (verdict NORMAL, see alerting.py) while the alert is still open or acknowledged, the
alert is closed automatically and its history says "Résolue automatiquement" — so a sensor that recovers on
its own does not leave stale alerts, and a new excursion opens a new alert. Nothing is closed when there is
no evidence (no reading, or a value still abnormal but not yet for the whole duration).

Evaluation runs after each ingestion for the touched entities (`alerts_after_ingest`, called from
services.observations.series_store) and periodically for every commune (needed for no-data rules): every minute in the
`beffroi mqtt` worker, or `beffroi alerts` from a timer.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from beffroi.accounts.selectors import notification_address, user_can
from beffroi.core.annotations import Actor, account_of
from beffroi.core.guards import ensure_owned
from beffroi.core.links import commune_url
from beffroi.core.mail import send_commune_mail
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.datahub import alerting, labels, partitions
from beffroi.datahub.models import Alert, AlertEvent, AlertRule, Entity, LatestValue, Observation
from beffroi.territory.models import Team

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

RULE_FIELDS = (
    "label",
    "entity_type",
    "attribute",
    "kind",
    "threshold",
    "duration_minutes",
    "team",
    "is_active",
)


# How the journal names each field of a rule an update changed.
RULE_FIELD_WORDS = {
    "label": gettext_lazy("intitulé"),
    "entity_type": gettext_lazy("type d'équipement"),
    "attribute": gettext_lazy("mesure surveillée"),
    "kind": gettext_lazy("condition"),
    "threshold": gettext_lazy("seuil"),
    "duration_minutes": gettext_lazy("durée"),
    "team": gettext_lazy("service prévenu"),
}  # is_active: « activée » or « désactivée » (_rule_field_words)


@dataclass
class EvaluationResult:
    opened: list[Alert]
    closed: list[Alert]


def _require(commune: Commune, actor: Actor, capability: str = "handle_requests") -> None:
    if not user_can(commune=commune, user=actor, capability=capability):
        raise PermissionDenied("Votre rôle dans cette commune ne permet pas cette action.")


def _check_rule(commune: Commune, rule: AlertRule) -> None:
    ensure_owned(rule.team, commune)
    rule.full_clean(exclude=["commune"])
    try:
        alerting.Condition(rule.kind, rule.threshold, rule.duration_minutes)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


@transaction.atomic
def alert_rule_create(
    *,
    commune: Commune,
    actor: Actor,
    label: str,
    entity_type: str,
    attribute: str,
    kind: str,
    threshold: float | None = None,
    duration_minutes: int = 0,
    team: Team | None = None,
    is_active: bool = True,
) -> AlertRule:
    """Create an alert rule of the commune (agents and admins); audited."""
    _require(commune, actor)
    rule = AlertRule(
        commune=commune,
        label=label,
        entity_type=entity_type,
        attribute=attribute,
        kind=kind,
        threshold=threshold,
        duration_minutes=duration_minutes,
        team=team,
        is_active=is_active,
    )
    _check_rule(commune, rule)
    rule.save()
    audit_record(commune=commune, actor=actor, action="datahub.alert_rule.create", obj=rule, summary=label)
    return rule


@transaction.atomic
def alert_rule_update(*, commune: Commune, actor: Actor, rule: AlertRule, **changes: Any) -> AlertRule:
    """Change some fields of a rule (those of RULE_FIELDS); audited with the changed field names."""
    _require(commune, actor)
    ensure_owned(rule, commune)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(rule, name) != value]
    for name in changed:
        setattr(rule, name, changes[name])
    _check_rule(commune, rule)
    rule.save()
    with translation.override(commune_language(commune)):
        words = [_rule_field_words(rule, name) for name in changed]
        summary = _("%(rule)s : %(changes)s") % {
            "rule": rule.label,
            "changes": ", ".join(words) if words else _("aucun changement"),
        }
    audit_record(
        commune=commune, actor=actor, action="datahub.alert_rule.update", obj=rule, summary=summary[:300]
    )
    return rule


def _rule_field_words(rule: AlertRule, name: str) -> str:
    """How the journal names a changed field of a rule (« seuil »; « activée » or « désactivée »)."""
    if name == "is_active":
        return _("activée") if rule.is_active else _("désactivée")
    return str(RULE_FIELD_WORDS[name])


@transaction.atomic
def alert_rule_delete(*, commune: Commune, actor: Actor, rule: AlertRule) -> None:
    """Delete a rule of the commune with its alerts and their history (agents and admins); audited."""
    _require(commune, actor)
    ensure_owned(rule, commune)
    with translation.override(commune_language(commune)):
        summary = _("Règle d'alerte « %(rule)s » supprimée") % {"rule": rule.label}
    audit_record(commune=commune, actor=actor, action="datahub.alert_rule.delete", obj=rule, summary=summary)
    rule.delete()


# ---------------------------------------------------------------------------------------------- evaluation


def _attribute_q(name: str) -> Q:
    """Stored attributes are expanded IRIs; a rule names the short name (the IRI's last segment)."""
    return (
        Q(attribute=name)
        | Q(attribute__endswith="/" + name)
        | Q(attribute__endswith="#" + name)
        | Q(attribute__endswith=":" + name)
    )


def commune_language(commune: Commune) -> str:
    """The language a commune's alerts are written and mailed in, whoever triggered the evaluation.

    A commune's site is French first (core.middleware.FrenchFirstLocaleMiddleware: the instance's
    LANGUAGE_CODE); an evaluation may run in a request answered in another language (an ingestion through the
    NGSI-LD API, which answers in English) or in a worker with no request at all, so its texts are written
    under this language explicitly."""
    return str(settings.LANGUAGE_CODE)


def _notify(alert: Alert) -> None:
    team = alert.rule.team
    if team is None:
        return
    recipients = (
        [team.email]
        if team.email
        else sorted({address for u in team.members.all() if (address := notification_address(u))})
    )
    if not recipients:
        return
    fields = {
        "commune": alert.commune.name,
        "rule": alert.rule.label,
        "entity": str(alert.entity),
        "team": team.name,
        "message": alert.message,
        "link": commune_url(alert.commune, "datahub:alert", kwargs={"pk": alert.pk}),
    }
    subject = _("[%(commune)s] Alerte : %(rule)s — %(entity)s") % fields
    body = (
        _(
            "Bonjour,\n\nUne alerte a été ouverte pour le service %(team)s.\n\n"
            "Règle : %(rule)s\nÉquipement : %(entity)s\n%(message)s\n\n"
            "Consultez-la dans l'espace agents : %(link)s\n"
        )
        % fields
    )
    send_commune_mail(commune=alert.commune, to=recipients, subject=subject, body=body)


def _minutes(count: int) -> str:
    return ngettext("%(n)s minute", "%(n)s minutes", count) % {"n": count}


def _message(rule: AlertRule, outcome: alerting.Outcome, unit_code: str = "") -> str:
    """What the team reads of an alert: the measurement's label, the value the way the dashboards write it (a
    decimal comma, a sensible precision, the unit) and the rule's condition (« Consommation d'eau : 0,63 m³,
    au-dessus du seuil de 0,4 m³ depuis au moins 120 minutes. »); a rule without a duration says no « depuis »."""
    name = labels.short_name(rule.attribute)
    measure = labels.attribute_label(name)
    if rule.kind == AlertRule.Kind.NO_DATA:
        fields = {"measure": measure, "duration": _minutes(rule.duration_minutes)}
        if outcome.latest_at is None:
            return (
                _("Aucune mesure « %(measure)s » reçue depuis au moins %(duration)s (jamais reçue).") % fields
            )
        return _(
            "Aucune mesure « %(measure)s » reçue depuis au moins %(duration)s (dernière le %(last)s)."
        ) % {**fields, "last": labels.instant_in_words(outcome.latest_at)}
    threshold = labels.value_text(rule.threshold, unit_code, attribute=name, exact=True)
    if rule.kind == AlertRule.Kind.RATE:
        return _("%(measure)s : variation de %(value)s par heure (seuil : %(threshold)s par heure).") % {
            "measure": measure,
            "value": labels.value_text(outcome.value, unit_code, attribute=name),
            "threshold": threshold,
        }
    reading = labels.measure_text(name, outcome.value, unit_code)
    fields = {"reading": reading, "threshold": threshold, "duration": _minutes(rule.duration_minutes)}
    if rule.kind == AlertRule.Kind.ABOVE:
        if rule.duration_minutes:
            return (
                _("%(reading)s, au-dessus du seuil de %(threshold)s depuis au moins %(duration)s.") % fields
            )
        return _("%(reading)s, au-dessus du seuil de %(threshold)s.") % fields
    if rule.duration_minutes:
        return _("%(reading)s, en dessous du seuil de %(threshold)s depuis au moins %(duration)s.") % fields
    return _("%(reading)s, en dessous du seuil de %(threshold)s.") % fields


def _readings(
    rule: AlertRule, entities: list[Entity], condition: alerting.Condition, now: datetime
) -> tuple[dict[int, list[tuple[datetime, float]]], dict[int, datetime], dict[int, str]]:
    """(readings per entity pk, latest instant per entity pk, unit code per entity pk) of the rule's
    attribute."""
    pks = [e.pk for e in entities]
    latest: dict[int, datetime] = {}
    units: dict[int, str] = {}
    for pk, moment, unit in LatestValue.objects.filter(
        _attribute_q(rule.attribute), entity_id__in=pks
    ).values_list("entity_id", "observed_at", "unit_code"):
        latest[pk] = moment
        units[pk] = unit
    series: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    if condition.kind != alerting.NO_DATA:
        rows = Observation.objects.filter(
            _attribute_q(rule.attribute),
            entity_id__in=pks,
            observed_at__gte=now - alerting.window(condition),
            observed_at__lte=now,
            value_num__isnull=False,
        ).values_list("entity_id", "observed_at", "value_num")
        for pk, moment, value in rows.iterator():
            if value is not None:  # excluded by the query; narrows the nullable column
                series[pk].append((moment, value))
    return series, latest, units


def _alert_summary(alert: Alert, text: str = "") -> str:
    """What the journal says of an alert: its rule and its equipment (« Benne pleine — Conteneur 6 »), then
    what happened (the note, the message), within the journal's 300 characters."""
    named = _("%(rule)s — %(asset)s") % {"rule": alert.rule.label, "asset": alert.entity}
    text = " ".join(text.split())
    summary = _("%(alert)s : %(text)s") % {"alert": named, "text": text} if text else named
    return summary if len(summary) <= 300 else summary[:299] + "…"


def _open(
    rule: AlertRule, entity: Entity, outcome: alerting.Outcome, now: datetime, unit_code: str = ""
) -> Alert | None:
    alert = Alert(
        commune_id=rule.commune_id,
        rule=rule,
        entity=entity,
        opened_at=now,
        value=outcome.value,
        message=_message(rule, outcome, unit_code),
    )
    try:
        with transaction.atomic():  # a concurrent evaluation may have opened it first
            alert.save()
    except IntegrityError:
        return None
    AlertEvent.objects.create(alert=alert, at=now, action=AlertEvent.Action.OPENED, note=alert.message)
    audit_record(
        commune=rule.commune,
        action="datahub.alert.open",
        obj=alert,
        summary=_alert_summary(alert, alert.message),
    )
    _notify(alert)
    return alert


def _auto_close(alert: Alert, outcome: alerting.Outcome, now: datetime, unit_code: str = "") -> None:
    alert.state = Alert.State.CLOSED
    alert.closed_at = now
    alert.save(update_fields=["state", "closed_at"])
    note = _("Résolue automatiquement : la mesure est revenue dans les limites de la règle.")
    if outcome.value is not None:
        note += " " + _("Dernière valeur : %(value)s.") % {
            "value": labels.value_text(
                outcome.value, unit_code, attribute=labels.short_name(alert.rule.attribute)
            )
        }
    AlertEvent.objects.create(alert=alert, at=now, action=AlertEvent.Action.AUTO_CLOSED, note=note)
    audit_record(
        commune=alert.commune,
        action="datahub.alert.auto_close",
        obj=alert,
        summary=_alert_summary(alert, note),
    )


@transaction.atomic
def alerts_evaluate(
    *,
    commune: Commune,
    entity_ids: Iterable[str] | None = None,
    now: datetime | None = None,
    entity_pks: Iterable[int] | None = None,
) -> EvaluationResult:
    """Evaluate the commune's active rules on its entities (all, or those named by NGSI-LD id or pk).

    Opens an alert where a rule's condition holds and none is open for that rule and entity; closes
    automatically (history: "Résolue automatiquement") an open or acknowledged alert whose attribute is
    back to normal. Openings are audited and mailed to the rule's team after the commit.
    """
    with translation.override(commune_language(commune)):
        return _evaluate(commune, entity_ids, now or timezone.now(), entity_pks)


def _evaluate(
    commune: Commune, entity_ids: Iterable[str] | None, now: datetime, entity_pks: Iterable[int] | None
) -> EvaluationResult:
    result = EvaluationResult([], [])
    rules = list(AlertRule.objects.filter(commune=commune, is_active=True).select_related("team", "commune"))
    if not rules:
        return result
    scope = Entity.objects.filter(commune=commune)
    if entity_ids is not None:
        scope = scope.filter(entity_id__in=list(entity_ids))
    if entity_pks is not None:
        scope = scope.filter(pk__in=list(entity_pks))
    by_type: dict[str, list[Entity]] = defaultdict(list)
    for entity in scope.filter(type_name__in={r.entity_type for r in rules}).only(
        "pk", "entity_id", "name", "type_name", "commune_id"
    ):
        by_type[entity.type_name].append(entity)
    for rule in rules:
        entities = by_type.get(rule.entity_type, [])
        if not entities:
            continue
        try:
            condition = alerting.Condition(rule.kind, rule.threshold, rule.duration_minutes)
        except ValueError:
            log.warning("alert rule %s is incomplete; skipped", rule.pk)
            continue
        series, latest, units = _readings(rule, entities, condition, now)
        current = {
            a.entity_id: a
            for a in Alert.objects.filter(rule=rule, entity__in=entities).exclude(state=Alert.State.CLOSED)
        }
        for entity in entities:
            outcome = alerting.evaluate(
                condition, series.get(entity.pk, []), now=now, latest_at=latest.get(entity.pk)
            )
            alert = current.get(entity.pk)
            if outcome.verdict is alerting.Verdict.TRIGGERED and alert is None:
                opened = _open(rule, entity, outcome, now, units.get(entity.pk, ""))
                if opened is not None:
                    result.opened.append(opened)
            elif outcome.verdict is alerting.Verdict.NORMAL and alert is not None:
                alert.rule = rule
                _auto_close(alert, outcome, now, units.get(entity.pk, ""))
                result.closed.append(alert)
    return result


def alerts_after_ingest(
    *,
    entity_pks: Iterable[int],
    commune_ids: Iterable[int] | None = None,
    types: dict[int, tuple[int, str]] | None = None,
    written: dict[int, set[str]] | None = None,
) -> None:
    """Hook of the ingestion path: evaluate the rules of the touched entities' communes, if they have any.

    A rule's verdict changes with the readings of its own attribute; between them only time moves it (a
    no-data rule, a reading leaving the window), which the periodic pass watches. So an entity is evaluated
    after an ingestion when one of its commune's active rules watches its type and, if the caller says which
    attributes it wrote (``written``: the attribute IRIs by entity pk), one of them may be that rule's. Each
    commune concerned is evaluated once, for those entities.

    Costs one query when no commune concerned has an active rule (the common case for bulk loads), and one
    more to read the entities' types unless the caller gives them (``types``: (commune, type name) by pk).
    A caller that knows the entities' communes gives them (``commune_ids``), sparing the first query a
    1,000-item subquery. Never raises: a failing evaluation is logged and rolled back to its savepoint, the
    measurements stay stored.
    """
    pks = list(entity_pks)
    if not pks:
        return
    if commune_ids is None:
        concerned: Any = Entity.objects.filter(pk__in=pks).values("commune_id")
    else:
        concerned = list(set(commune_ids))
    watched: dict[tuple[int, str], set[str]] = {}
    # (order_by(): the rules' default ordering would add their label to the DISTINCT, one row per rule)
    for commune_id, entity_type, attribute in (
        AlertRule.objects.filter(is_active=True, commune_id__in=concerned)
        .order_by()
        .values_list("commune_id", "entity_type", "attribute")
        .distinct()
    ):
        watched.setdefault((commune_id, entity_type), set()).add(attribute)
    if not watched:
        return
    if types is None:
        touched = Entity.objects.filter(pk__in=pks, type_name__in={kind for _c, kind in watched})
        types = {pk: (c, kind) for pk, c, kind in touched.values_list("pk", "commune_id", "type_name")}
    by_commune: dict[int, list[int]] = {}
    for pk in pks:
        kind = types.get(pk)
        names = watched.get(kind) if kind is not None else None
        if kind is None or not names:
            continue
        if written is not None and not any(
            _may_name(name, iri) for name in names for iri in written.get(pk, ())
        ):
            continue
        by_commune.setdefault(kind[0], []).append(pk)
    for commune_id, commune_pks in sorted(by_commune.items()):
        try:
            with transaction.atomic():
                alerts_evaluate(commune=Commune.objects.get(pk=commune_id), entity_pks=commune_pks)
        except Exception:
            log.exception("alert evaluation after ingestion failed (commune %s)", commune_id)


def _may_name(name: str, iri: str) -> bool:
    """Whether a rule's attribute (a short name) may be this stored IRI, as _attribute_q matches them in the
    database — here without regard to case, as SQLite's LIKE: a superset on PostgreSQL, which only costs an
    evaluation that finds nothing new."""
    name, iri = name.casefold(), iri.casefold()
    return iri == name or iri.endswith(("/" + name, "#" + name, ":" + name))


# ----------------------------------------------------------------------------------------- agent actions


def _own(commune: Commune, alert: Alert) -> None:
    ensure_owned(alert, commune)


@transaction.atomic
def alert_acknowledge(*, commune: Commune, actor: Actor, alert: Alert, note: str = "") -> Alert:
    """An agent takes an open alert in hand; history entry and audit."""
    _require(commune, actor)
    _own(commune, alert)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.state != Alert.State.OPEN:
        raise ValidationError("Seule une alerte ouverte peut être prise en compte.")
    now = timezone.now()
    alert.state = Alert.State.ACKNOWLEDGED
    alert.acknowledged_at = now
    account = account_of(actor)
    alert.acknowledged_by = account
    alert.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
    AlertEvent.objects.create(
        alert=alert, at=now, actor=account, action=AlertEvent.Action.ACKNOWLEDGED, note=note
    )
    with translation.override(commune_language(commune)):
        summary = _alert_summary(alert, note)
    audit_record(commune=commune, actor=actor, action="datahub.alert.acknowledge", obj=alert, summary=summary)
    return alert


@transaction.atomic
def alert_close(*, commune: Commune, actor: Actor, alert: Alert, note: str) -> Alert:
    """An agent closes an open or acknowledged alert, saying what was done; history entry and audit."""
    _require(commune, actor)
    _own(commune, alert)
    note = note.strip()
    if not note:
        raise ValidationError("Indiquez ce qui a été fait pour clore l'alerte.")
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.state == Alert.State.CLOSED:
        raise ValidationError("Cette alerte est déjà close.")
    now = timezone.now()
    alert.state = Alert.State.CLOSED
    alert.closed_at = now
    account = account_of(actor)
    alert.closed_by = account
    alert.save(update_fields=["state", "closed_at", "closed_by"])
    AlertEvent.objects.create(alert=alert, at=now, actor=account, action=AlertEvent.Action.CLOSED, note=note)
    with translation.override(commune_language(commune)):
        summary = _alert_summary(alert, note)
    audit_record(commune=commune, actor=actor, action="datahub.alert.close", obj=alert, summary=summary)
    return alert


def alerts_evaluate_communes(*, now: datetime | None = None) -> dict[str, int]:
    """Evaluate every commune that has active rules; {"opened": n, "closed": n} over all of them.

    The periodic pass also creates the observation table's coming monthly partitions on PostgreSQL
    (datahub.partitions), so that the ingestion seldom has to."""
    partitions.ensure_ahead()
    totals = {"opened": 0, "closed": 0}
    communes = Commune.objects.filter(datahub_alert_rules__is_active=True).distinct()
    for commune in communes:
        result = alerts_evaluate(commune=commune, now=now)
        totals["opened"] += len(result.opened)
        totals["closed"] += len(result.closed)
    return totals
