"""Site-wide pages: homes, the agents' space landing page, the legally required pages, errors."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from beffroi.accounts.models import Role
from beffroi.accounts.roles import CAPABILITIES
from beffroi.accounts.selectors import role_get
from beffroi.core import modules, selectors
from beffroi.core.decorators import capability_required


@require_safe
def home(request):
    if request.commune is None:
        return render(request, "core/platform_home.html", {"communes": selectors.commune_list_public()})
    return render(request, "core/commune_home.html", {"modules": modules.enabled_for(request.commune)})


@capability_required("view_agent_space")
def agent_space(request):
    from beffroi.territory.selectors import team_list, teams_of_user

    role = role_get(commune=request.commune, user=request.user)
    can = {cap: role in roles for cap, roles in CAPABILITIES.items()}
    context = {
        "role": role,
        "role_label": Role(role).label,
        "can": can,
        "my_teams": teams_of_user(commune=request.commune, user=request.user),
        "teams": team_list(commune=request.commune),
        "modules": [m for m in modules.enabled_for(request.commune) if m.agent_url_name],
        "audit_entries": selectors.audit_list(commune=request.commune, limit=15)
        if can["manage_commune"]
        else [],
    }
    return render(request, "core/agent_space.html", context)


@require_safe
def accessibility(request):
    return render(request, "core/accessibility.html")


@require_safe
def legal_notice(request):
    return render(request, "core/legal_notice.html")


@require_safe
def privacy(request):
    return render(request, "core/privacy.html")


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def error_403(request, exception=None):
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    return render(request, "errors/500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "errors/403_csrf.html", status=403)
