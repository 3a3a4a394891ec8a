"""The catalogue of smart-territory use cases, open to anyone visiting the commune's site (a member of the staff
also sees the links to the roadmap)."""

from django.shortcuts import render

from beffroi.accounts.selectors import user_can
from beffroi.core.decorators import commune_required
from beffroi.planning import use_cases


@commune_required
def use_case_list(request):
    theme = request.GET.get("theme", "")
    size = request.GET.get("taille", "")
    items = use_cases.filtered(theme=theme, size=size)
    return render(
        request,
        "planning/use_case_list.html",
        {
            "use_cases": [(u, use_cases.module_in_use(u, commune=request.commune)) for u in items],
            "total": len(use_cases.all_use_cases()),
            "themes": use_cases.theme_choices(),
            "sizes": use_cases.size_choices(),
            "selected": {"theme": theme, "taille": size},
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
