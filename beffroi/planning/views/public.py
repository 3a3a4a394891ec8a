"""What anyone visiting the commune's site reads of its project: the roadmap the commune has adopted (projects,
calendar, indicators, cost and financing) and the catalogue of smart-territory use cases. A member of the staff
also sees the links to the agents' pages."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from beffroi.accounts.selectors import user_can
from beffroi.core.decorators import commune_required
from beffroi.funding import selectors as funding_selectors
from beffroi.planning import selectors, use_cases
from beffroi.planning.models import Project

# The roadmap's projects by state, in the order a resident asks about them (the abandoned ones are not shown).
STATUS_GROUPS = (
    (Project.Status.IN_PROGRESS, _("En cours")),
    (Project.Status.PLANNED, _("Programmés")),
    (Project.Status.IDEA, _("À l'étude")),
    (Project.Status.DONE, _("Terminés")),
)


@commune_required
def index(request):
    """The module's landing page: the commune's project first, then the catalogue of use cases."""
    projects = selectors.public_project_list(commune=request.commune)
    theme = request.GET.get("theme", "")
    size = request.GET.get("taille", "")
    items = use_cases.filtered(theme=theme, size=size)
    groups = [
        (status, heading, [p for p in projects if p.status == status]) for status, heading in STATUS_GROUPS
    ]
    return render(
        request,
        "planning/index.html",
        {
            "projects": projects,
            "groups": [group for group in groups if group[2]],
            "financing": selectors.public_financing_total(projects),
            "quarters": selectors.timeline(projects=projects),
            "use_cases": [(u, use_cases.module_in_use(u, commune=request.commune)) for u in items],
            "total": len(use_cases.all_use_cases()),
            "themes": use_cases.theme_choices(),
            "sizes": use_cases.size_choices(),
            "selected": {"theme": theme, "taille": size},
            **_links(request),
        },
    )


@commune_required
def project_public(request, pk: int):
    """One project of the roadmap as the commune publishes it: what it is for, its calendar, its indicators,
    its cost and who finances it (no names of the staff, no working notes, no editing)."""
    project = selectors.public_project_get(commune=request.commune, pk=pk)
    return render(
        request,
        "planning/project_public.html",
        {
            "project": project,
            "use_case": use_cases.get(project.use_case_code),
            "theme_labels": [funding_selectors.vocabulary().themes.get(t, t) for t in project.themes or []],
            "phases": list(project.phases.all()),  # prefetched
            "indicators": list(project.indicators.all()),  # prefetched
            "financing": selectors.public_financing(project),
            **_links(request),
        },
    )


def _links(request) -> dict[str, bool]:
    """Which links to the élus' and agents' pages the visitor may follow (none for a resident)."""
    return {
        "can_plan": user_can(commune=request.commune, user=request.user, capability="plan"),
        "staff": user_can(commune=request.commune, user=request.user, capability="view_agent_space"),
    }


@commune_required
def use_case_detail(request, code: str):
    use_case = use_cases.get_or_404(code)
    return render(
        request,
        "planning/use_case_detail.html",
        {
            "use_case": use_case,
            "view": use_cases.detail_view(use_case, commune=request.commune),
            **_links(request),
        },
    )
