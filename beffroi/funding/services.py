"""Writes of the funding app: financing plans and their lines (with the audit entry)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.core.annotations import Actor
from beffroi.core.formatting import format_eur_short
from beffroi.core.guards import ensure_owned
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.funding.catalogue import load_vocabulary
from beffroi.funding.cofinancing import FinancingPlanError, parse_amount
from beffroi.funding.models import CommuneZonage, FinancingLine, FinancingPlan

PLAN_FIELDS = ("title", "regime", "prefect_decision", "ctec_derogation")
LINE_FIELDS = (
    "funder",
    "mechanism_code",
    "kind",
    "cost_nature",
    "amount",
    "status",
    "requested_on",
    "decided_on",
    "application_deadline",
)


def _clean_amount(value: object) -> Decimal:
    try:
        return parse_amount(value)
    except FinancingPlanError as error:
        raise ValidationError({"amount": str(error)}) from None


def _validate_line(line: FinancingLine) -> None:
    line.amount = _clean_amount(line.amount)
    if line.requested_on and line.decided_on and line.decided_on < line.requested_on:
        raise ValidationError({"decided_on": "La date de la décision précède la date de la demande."})
    line.full_clean(exclude=["plan"])


@transaction.atomic
def plan_create(*, commune: Commune, actor: Actor, title: str, **fields: Any) -> FinancingPlan:
    """A financing plan of the commune (a project of the roadmap creates its own)."""
    require_capability(commune=commune, actor=actor, capability="plan")
    plan = FinancingPlan(
        commune=commune, title=title, **{k: v for k, v in fields.items() if k in PLAN_FIELDS}
    )
    plan.full_clean(exclude=["commune"])
    plan.save()
    audit_record(commune=commune, actor=actor, action="funding.plan.create", obj=plan, summary=plan.title)
    return plan


@transaction.atomic
def plan_update(*, commune: Commune, actor: Actor, plan: FinancingPlan, **fields: Any) -> FinancingPlan:
    """Change a plan's title or its co-financing regime (prefect's decision, CTEC derogation)."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(plan, commune)
    for key, value in fields.items():
        if key in PLAN_FIELDS:
            setattr(plan, key, value)
    plan.full_clean(exclude=["commune"])
    plan.save()
    audit_record(commune=commune, actor=actor, action="funding.plan.update", obj=plan, summary=plan.title)
    return plan


@transaction.atomic
def line_add(*, commune: Commune, actor: Actor, plan: FinancingPlan, **fields: Any) -> FinancingLine:
    """Add a line. A line that makes the plan fail CGCT art. L1111-10 is kept: the check flags it on the page."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(plan, commune)
    line = FinancingLine(plan=plan, **{k: v for k, v in fields.items() if k in LINE_FIELDS})
    _validate_line(line)
    line.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="funding.line.create",
        obj=line,
        summary=f"{plan.title} : {line.funder} {format_eur_short(line.amount)}",
    )
    return line


@transaction.atomic
def line_update(*, commune: Commune, actor: Actor, line: FinancingLine, **fields: Any) -> FinancingLine:
    """Change a line of a financing plan."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(line, commune, via="plan")
    for key, value in fields.items():
        if key in LINE_FIELDS:
            setattr(line, key, value)
    _validate_line(line)
    line.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="funding.line.update",
        obj=line,
        summary=f"{line.plan.title} : {line.funder} {format_eur_short(line.amount)}",
    )
    return line


@transaction.atomic
def line_delete(*, commune: Commune, actor: Actor, line: FinancingLine) -> None:
    """Remove a line from a financing plan."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(line, commune, via="plan")
    audit_record(
        commune=commune,
        actor=actor,
        action="funding.line.delete",
        obj=line,
        summary=f"{line.plan.title} : {line.funder} {format_eur_short(line.amount)}",
    )
    line.delete()


@transaction.atomic
def line_mark_reminded(*, line: FinancingLine, on: date) -> None:
    """Remember that the deadline reminder went out, so the daily task never sends it twice.

    Not audited: the platform's own bookkeeping of a mail it sent, not a change to the plan. No capability
    check either: only the daily task calls it, with no actor.
    """
    FinancingLine.objects.filter(pk=line.pk).update(reminder_sent_on=on)


@transaction.atomic
def commune_zonages_set(*, commune: Commune, actor: Actor, states: dict[str, str]) -> dict[str, str]:
    """Record which zonages the commune is classified in (``oui`` / ``non`` / ``inconnu`` per code).

    Codes outside the catalogue's vocabulary are refused; codes not given keep their recorded state.
    """
    require_capability(commune=commune, actor=actor, capability="plan")
    vocabulary = load_vocabulary()
    unknown = sorted(set(states) - set(vocabulary.zonages))
    if unknown:
        raise ValidationError(_("Zonage inconnu : %(codes)s.") % {"codes": ", ".join(unknown)})
    allowed = set(CommuneZonage.State.values)
    bad = sorted(code for code, state in states.items() if state not in allowed)
    if bad:
        raise ValidationError(
            _("Réponse attendue « oui », « non » ou « inconnu » pour : %(codes)s.")
            % {"codes": ", ".join(bad)}
        )
    recorded = dict(CommuneZonage.objects.filter(commune=commune).values_list("code", "state"))
    changed = {code: state for code, state in states.items() if recorded.get(code, "inconnu") != state}
    for code, state in changed.items():
        CommuneZonage.objects.update_or_create(commune=commune, code=code, defaults={"state": state})
    if changed:
        labels = {"oui": "oui", "non": "non", "inconnu": "inconnu"}
        audit_record(
            commune=commune,
            actor=actor,
            action="funding.zonages.update",
            summary="Zonages : "
            + ", ".join(f"{vocabulary.zonages[c][0]} = {labels[s]}" for c, s in sorted(changed.items())),
            data={"zonages": changed},
        )
    return {**recorded, **changed}
