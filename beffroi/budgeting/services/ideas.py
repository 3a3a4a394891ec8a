"""Ideas and their instruction: a resident submits an idea, an agent assesses or merges it, then follows the
winning projects (suivi). Every agent's write is recorded in the audit log."""

from __future__ import annotations

from types import EllipsisType
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.accounts.models import NotificationKind
from beffroi.accounts.selectors import notification_address
from beffroi.budgeting import selectors
from beffroi.budgeting.models import Budget, Phase, Project, ProjectStatus, ProjectUpdate, SubBudget
from beffroi.core import abuse
from beffroi.core.annotations import Actor, account_of
from beffroi.core.guards import ensure_owned
from beffroi.core.images import ProcessedPhoto
from beffroi.core.links import commune_url
from beffroi.core.mail import send_commune_mail
from beffroi.core.models import Commune
from beffroi.core.pictures import picture_attach
from beffroi.core.services import audit_record

if TYPE_CHECKING:
    from beffroi.territory.models import Place


@transaction.atomic
def idea_submit(
    *,
    commune: Commune,
    budget: Budget,
    author: Actor,
    title: str,
    description: str,
    category: str,
    estimated_cost: int | None = None,
    place: Place | None = None,
    location: str = "",
    sub_budget: SubBudget | None = None,
    check_phase: bool = True,
    author_name: str = "",
    contact_email: str = "",
    submitter: str = "",
    rate_limited: bool = False,
    picture: ProcessedPhoto | None = None,
    picture_alt: str = "",
) -> Project:
    """A resident submits an idea during the "dépôt des idées" phase, with an account or without one.

    Without an account (`author` anonymous), `author_name` and `contact_email` are optional and `submitter` is the
    keyed hash of the sender's address (`beffroi.core.abuse.submitter_hash`) used by the rate limit
    (`rate_limited`: `core.abuse.RateLimited` past it, counted under a lock in this transaction).

    Not audited: a resident's submission, public and kept with its author; the audit log records what agents do.
    """
    ensure_owned(budget, commune)
    if check_phase and budget.phase != Phase.IDEAS:
        raise ValidationError(_("Le dépôt des idées n'est pas ouvert pour ce budget."))
    ensure_owned(place, commune)
    if sub_budget is not None and sub_budget.budget_id != budget.pk:
        raise ValidationError(_("Cette enveloppe n'appartient pas à ce budget."))
    idea = Project(
        commune=commune,
        budget=budget,
        author=author if author is not None and author.is_authenticated else None,
        title=title,
        description=description,
        category=category,
        estimated_cost=estimated_cost,
        place=place,
        location=location,
        sub_budget=sub_budget,
        author_name=(author_name or "").strip()[:100],
        contact_email=(contact_email or "").strip(),
        submitter_hash=submitter,
    )
    idea.full_clean()
    if rate_limited:
        idea_rate_limit_check(commune=commune, submitter=submitter)
    picture_attach(idea, picture, picture_alt)  # after the checks: no file stored for a refused idea
    idea.save()
    return idea


def idea_rate_limit_check(*, commune: Commune, submitter: str) -> None:
    """Ideas sent without an account from one address in the last hour (`BEFFROI_IDEAS_RATE_LIMIT`, 5), counted
    under a lock inside the transaction that saves the idea: `core.abuse.RateLimited` past it."""
    abuse.rate_limit_check(
        commune=commune,
        scope="ideas",
        subject=submitter,
        submissions=Project.objects.filter(commune=commune, submitter_hash=submitter),
        limit=getattr(settings, "BEFFROI_IDEAS_RATE_LIMIT", 5),
        message=_(
            "Trop d'idées envoyées depuis cette connexion en une heure. Réessayez plus tard ou passez en mairie."
        ),
    )


@transaction.atomic
def idea_assess(
    *,
    commune: Commune,
    project: Project,
    actor: Actor,
    feasible: bool,
    decision: str,
    final_cost: int | None = None,
    sub_budget: SubBudget | None | EllipsisType = ...,
) -> Project:
    """Instruction: the agent decides feasibility, fixes the cost and publishes a reasoned decision.

    `sub_budget` (an envelope of the budget, or None for the general part) places the project; omitted: unchanged.
    """
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    ensure_owned(project, commune)
    if sub_budget is not ...:
        if sub_budget is not None and sub_budget.budget_id != project.budget_id:
            raise ValidationError(_("Cette enveloppe n'appartient pas à ce budget."))
        if sub_budget != project.sub_budget and selectors.sub_budgets_locked(budget=project.budget):
            raise ValidationError(
                _("Le vote est ouvert ou terminé : le projet ne peut plus changer d'enveloppe.")
            )
        project.sub_budget = sub_budget
    if not decision.strip():
        raise ValidationError(_("La décision doit être motivée."))
    if feasible and not (final_cost or project.estimated_cost):
        raise ValidationError(_("Indiquez le coût retenu."))
    project.status = ProjectStatus.FEASIBLE if feasible else ProjectStatus.INFEASIBLE
    project.final_cost = final_cost if final_cost is not None else project.final_cost
    project.decision = decision.strip()
    project.decision_published_at = timezone.now()
    project.merged_into = None
    project.full_clean()
    project.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="budget.idea.assess",
        obj=project,
        summary=f"{project.title} : {project.get_status_display()}",
    )
    _tell_author(project)
    return project


def _tell_author(project: Project) -> None:
    """Mail the idea's author the published decision: an account holder unless they turned participation news
    off in « Mon espace », or the address left with an idea sent without an account."""
    if project.author is not None:
        address = notification_address(project.author, kind=NotificationKind.PARTICIPATION) or ""
    else:
        address = project.contact_email
    if not address:
        return
    fields = {
        "title": project.title,
        "budget": project.budget.title,
        "status": project.get_status_display(),
        "decision": project.decision,
        "link": commune_url(project.commune, "budgeting:ideas", kwargs={"slug": project.budget.slug}),
        "commune": project.commune.name,
    }
    send_commune_mail(
        commune=project.commune,
        to=[address],
        subject=_("Votre idée « %(title)s » : %(status)s") % fields,
        body=_(
            "Bonjour,\n\nLa mairie a étudié votre idée « %(title)s » pour le budget participatif « %(budget)s ».\n\n"
            "Décision : %(status)s\n%(decision)s\n\nLes idées et les décisions : %(link)s\n\nMairie de %(commune)s\n"
        )
        % fields,
    )


@transaction.atomic
def idea_merge(*, commune: Commune, project: Project, into: Project, actor: Actor, decision: str) -> Project:
    """Merge a similar idea into another one; the merged idea leaves the ballot with a reasoned decision."""
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    ensure_owned(project, commune)
    ensure_owned(into, commune)
    if into.budget_id != project.budget_id:
        raise ValidationError(_("Une idée ne peut être fusionnée qu'avec une idée du même budget."))
    if into.pk == project.pk:
        raise ValidationError(_("Une idée ne peut pas être fusionnée avec elle-même."))
    if into.status == ProjectStatus.MERGED:
        raise ValidationError(_("Cette idée a elle-même été fusionnée : choisissez l'idée qui l'a reçue."))
    project.status = ProjectStatus.MERGED
    project.merged_into = into
    project.decision = decision.strip() or _("Idée fusionnée avec « %(title)s ».") % {"title": into.title}
    project.decision_published_at = timezone.now()
    project.save()
    audit_record(
        commune=commune,
        actor=actor,
        action="budget.idea.merge",
        obj=project,
        summary=f"{project.title} → {into.title}",
    )
    return project


@transaction.atomic
def project_update_add(
    *, commune: Commune, project: Project, actor: Actor, text: str, progress: int, delivered: bool = False
) -> ProjectUpdate:
    """Publish a progress note on a winning project (suivi); `delivered` marks it as done."""
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    ensure_owned(project, commune)
    if project.status not in (ProjectStatus.SELECTED, ProjectStatus.DELIVERED):
        raise ValidationError(_("Seuls les projets lauréats ont un suivi."))
    # require_capability lets no anonymous visitor through: the author is the agent, or nobody (commands, demo)
    author = account_of(actor)
    update = ProjectUpdate(project=project, text=text, progress=100 if delivered else progress, author=author)
    update.full_clean()
    update.save()
    if delivered and project.status != ProjectStatus.DELIVERED:
        project.status = ProjectStatus.DELIVERED
        project.save(update_fields=["status"])
    audit_record(
        commune=commune, actor=actor, action="budget.project.progress", obj=project, summary=text[:120]
    )
    return update
