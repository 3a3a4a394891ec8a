"""Writes of the planning app: assessments, projects of the roadmap, their phases and indicators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.accounts.selectors import role_get, user_can
from beffroi.core.annotations import Actor, account_of
from beffroi.core.formatting import format_date_long
from beffroi.core.guards import ensure_owned
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.funding import services as funding_services
from beffroi.planning.models import Assessment, Project, ProjectIndicator, ProjectPhase

PROJECT_FIELDS = (
    "title",
    "use_case_code",
    "description",
    "status",
    "stage",
    "owner",
    "start_date",
    "end_date",
    "investment_budget",
    "operating_budget",
    "themes",
)
PHASE_FIELDS = ("title", "start_date", "end_date")
INDICATOR_FIELDS = ("name", "unit", "baseline", "target", "target_date", "datahub_ref")


def _actor_label(actor: Actor) -> str:
    """The name frozen on the assessment (its author, who validated it); empty for the platform itself."""
    person = account_of(actor)
    return person.get_full_name() if person is not None else ""


def _assessment_summary(assessment: Assessment, what: str = "") -> str:
    # The audit log keeps French text whatever the reader's language: the date is written the French way.
    summary = f"Auto-diagnostic du {format_date_long(assessment.assessed_on)}"
    return f"{summary} {what}" if what else summary


def _validate_project(project: Project) -> None:
    for field, label in (
        ("investment_budget", "budget d'investissement"),
        ("operating_budget", "coût de fonctionnement"),
    ):
        value = getattr(project, field)
        if value is None:
            setattr(project, field, Decimal(0))
        elif Decimal(value) < 0:
            raise ValidationError({field: f"Le {label} ne peut pas être négatif."})
    if project.start_date and project.end_date and project.end_date < project.start_date:
        raise ValidationError({"end_date": "La date de fin ne peut pas précéder la date de début."})
    project.full_clean(exclude=["commune", "financing_plan"])


@transaction.atomic
def assessment_create(
    *,
    commune: Commune,
    actor: Actor,
    grid_version: str,
    answers: dict[str, Any],
    scores: dict[str, Any],
    assessed_on: date | None = None,
    is_draft: bool = False,
) -> Assessment:
    """Keep one answer to the maturity grid with its computed scores (every assessment is kept).

    Élus and agents may both answer (``view_agent_space``): comparing their views is part of the exercise.
    A draft (``is_draft``) is kept for the record but never presented to the council.
    """
    require_capability(commune=commune, actor=actor, capability="view_agent_space")
    person = account_of(actor)
    assessment = Assessment.objects.create(
        commune=commune,
        grid_version=grid_version,
        author=person,
        author_label=_actor_label(actor),
        role=role_get(commune=commune, user=actor) or "" if actor else "",
        assessed_on=assessed_on or date.today(),
        answers=answers,
        scores=scores,
        is_draft=is_draft,
        # Saved as final, it is validated by its author there and then.
        validated_by=None if is_draft else person,
        validated_by_label="" if is_draft else _actor_label(actor),
        validated_at=None if is_draft else timezone.now(),
    )
    audit_record(
        commune=commune,
        actor=actor,
        action="planning.assessment.create",
        obj=assessment,
        summary=_assessment_summary(assessment),
    )
    return assessment


@transaction.atomic
def assessment_validate(*, commune: Commune, actor: Actor, assessment: Assessment) -> Assessment:
    """A draft becomes a validated assessment (its author, an élu or an administrator), who and when kept for
    the council report."""
    require_capability(commune=commune, actor=actor, capability="view_agent_space")
    ensure_owned(assessment, commune)
    if not assessment.is_draft:
        return assessment
    if assessment.author_id != getattr(actor, "pk", None) and not user_can(
        commune=commune, user=actor, capability="plan"
    ):
        raise PermissionDenied(_("Seul son auteur ou un élu peut valider ce diagnostic."))
    assessment.is_draft = False
    assessment.validated_by = account_of(actor)
    assessment.validated_by_label = _actor_label(actor)
    assessment.validated_at = timezone.now()
    assessment.save(update_fields=["is_draft", "validated_by", "validated_by_label", "validated_at"])
    audit_record(
        commune=commune,
        actor=actor,
        action="planning.assessment.validate",
        obj=assessment,
        summary=_assessment_summary(assessment, "validé"),
    )
    return assessment


@transaction.atomic
def assessment_choose_for_report(*, commune: Commune, actor: Actor, assessment: Assessment) -> Assessment:
    """The élu chooses which validated assessment the council report presents (one per commune)."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(assessment, commune)
    if assessment.is_draft:
        raise ValidationError(_("Un brouillon ne peut pas être présenté au conseil : validez-le d'abord."))
    Assessment.objects.filter(commune=commune, used_in_report=True).exclude(pk=assessment.pk).update(
        used_in_report=False
    )
    assessment.used_in_report = True
    assessment.save(update_fields=["used_in_report"])
    audit_record(
        commune=commune,
        actor=actor,
        action="planning.assessment.report",
        obj=assessment,
        summary=_assessment_summary(assessment, "retenu pour le rapport"),
    )
    return assessment


@transaction.atomic
def project_create(*, commune: Commune, actor: Actor, title: str, start_date: date, **fields: Any) -> Project:
    """A project of the roadmap, with its (empty) financing plan (élus and administrators: ``plan``)."""
    require_capability(commune=commune, actor=actor, capability="plan")
    project = Project(
        commune=commune,
        title=title,
        start_date=start_date,
        **{k: v for k, v in fields.items() if k in PROJECT_FIELDS},
    )
    _validate_project(project)
    project.financing_plan = funding_services.plan_create(commune=commune, actor=actor, title=title)
    project.save()
    audit_record(commune=commune, actor=actor, action="planning.project.create", obj=project, summary=title)
    return project


@transaction.atomic
def project_update(*, commune: Commune, actor: Actor, project: Project, **fields: Any) -> Project:
    """Change a project of the roadmap; its financing plan follows its title."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(project, commune)
    for key, value in fields.items():
        if key in PROJECT_FIELDS:
            setattr(project, key, value)
    _validate_project(project)
    project.save()
    if project.financing_plan and project.financing_plan.title != project.title:
        funding_services.plan_update(
            commune=commune, actor=actor, plan=project.financing_plan, title=project.title
        )
    audit_record(
        commune=commune, actor=actor, action="planning.project.update", obj=project, summary=project.title
    )
    return project


@transaction.atomic
def project_delete(*, commune: Commune, actor: Actor, project: Project) -> None:
    """Remove a project from the roadmap, with its financing plan."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(project, commune)
    audit_record(
        commune=commune, actor=actor, action="planning.project.delete", obj=project, summary=project.title
    )
    plan = project.financing_plan
    project.delete()
    if plan is not None:
        plan.delete()


@transaction.atomic
def phase_add(*, commune: Commune, actor: Actor, project: Project, **fields: Any) -> ProjectPhase:
    """Add a phase (title and dates) to a project's timeline."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(project, commune)
    phase = ProjectPhase(project=project, **{k: v for k, v in fields.items() if k in PHASE_FIELDS})
    if phase.start_date and phase.end_date and phase.end_date < phase.start_date:
        raise ValidationError({"end_date": "La date de fin ne peut pas précéder la date de début."})
    phase.full_clean(exclude=["project"])
    phase.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="planning.phase.create",
        obj=phase,
        summary=f"{project.title} : {phase.title}",
    )
    return phase


@transaction.atomic
def phase_delete(*, commune: Commune, actor: Actor, phase: ProjectPhase) -> None:
    """Remove a phase from a project's timeline."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(phase, commune, via="project")
    audit_record(
        commune=commune,
        actor=actor,
        action="planning.phase.delete",
        obj=phase,
        summary=f"{phase.project.title} : {phase.title}",
    )
    phase.delete()


@transaction.atomic
def indicator_add(*, commune: Commune, actor: Actor, project: Project, **fields: Any) -> ProjectIndicator:
    """Add an indicator (with its baseline, target and optional data hub reference) to a project."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(project, commune)
    indicator = ProjectIndicator(
        project=project, **{k: v for k, v in fields.items() if k in INDICATOR_FIELDS}
    )
    indicator.full_clean(exclude=["project"])
    indicator.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="planning.indicator.create",
        obj=indicator,
        summary=f"{project.title} : {indicator.name}",
    )
    return indicator


@transaction.atomic
def indicator_delete(*, commune: Commune, actor: Actor, indicator: ProjectIndicator) -> None:
    """Remove an indicator from a project."""
    require_capability(commune=commune, actor=actor, capability="plan")
    ensure_owned(indicator, commune, via="project")
    audit_record(
        commune=commune,
        actor=actor,
        action="planning.indicator.delete",
        obj=indicator,
        summary=f"{indicator.project.title} : {indicator.name}",
    )
    indicator.delete()
