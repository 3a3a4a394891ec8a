"""Site-wide pages: homes, the legally required pages, errors."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from beffroi.core import modules, selectors


@require_safe
def home(request):
    if request.commune is None:
        return render(request, "core/platform_home.html", {"communes": selectors.commune_list_public()})
    return render(request, "core/commune_home.html", {"modules": modules.enabled_for(request.commune)})


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
