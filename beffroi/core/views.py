"""Site-wide pages: homes, the legally required pages, errors."""

from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from beffroi.core import home as home_sections
from beffroi.core import modules, selectors
from beffroi.core.decorators import commune_required
from beffroi.core.guards import NotPublished
from beffroi.core.page_cache import public_page
from beffroi.core.problems import machine_error


@require_safe
@public_page
def home(request):
    if request.commune is None:
        query = request.GET.get("q", "").strip()[:100]
        communes = selectors.commune_list_public()
        found = selectors.commune_search(communes, query) if query else list(communes)
        return render(
            request,
            "core/platform_home.html",
            {"communes": found, "query": query, "total": len(communes) if query else len(found)},
        )
    context = {"modules": modules.enabled_for(request.commune), **home_sections.context_for(request.commune)}
    return render(request, "core/commune_home.html", context)


@require_safe
@commune_required
def commune_logo(request):
    """The commune's logo (PNG, re-encoded at upload by territory.logo), for the site header."""
    logo = request.commune.logo
    if not logo:
        raise Http404
    try:
        handle = logo.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def accessibility(request):
    return render(request, "core/accessibility.html")


@require_safe
def legal_notice(request):
    from django.conf import settings

    hosting = {
        "name": settings.BEFFROI_HOSTING_NAME,
        "address": settings.BEFFROI_HOSTING_ADDRESS,
        "phone": settings.BEFFROI_HOSTING_PHONE,
    }
    # the one third-party origin a page may load from: the map tiles' service (listed in the CSP)
    tiles = settings.BEFFROI_TILE_ORIGIN.split("://", 1)[-1]
    if tiles and settings.BEFFROI_TILE_ATTRIBUTION:
        tiles = f"{tiles} ({settings.BEFFROI_TILE_ATTRIBUTION})"
    return render(
        request,
        "core/legal_notice.html",
        {"hosting": hosting, "tiles": tiles, "fresh_seconds": settings.BEFFROI_PAGE_CACHE_SECONDS},
    )


@require_safe
def privacy(request):
    return render(request, "core/privacy.html")


# Machine clients get RFC 9457 problem details instead of pages: the platform API, and the standard APIs
# whose own error formats their views write (these handlers only see what escaped them: an unknown path, a body
# too large, a server error).
MACHINE_PREFIXES = ("/api/", "/ngsi-ld/", "/open311/")


def is_machine_request(request) -> bool:
    return request.path_info.startswith(MACHINE_PREFIXES)


def too_large(request):
    """413: the body is over the size the platform accepts (`DATA_UPLOAD_MAX_MEMORY_SIZE` for a form or a
    JSON body, `BEFFROI_MAX_REQUEST_BYTES` for the whole request)."""
    if is_machine_request(request):
        return machine_error(
            request,
            413,
            gettext("Requête trop volumineuse"),
            gettext("Le corps de la requête dépasse la taille acceptée."),
        )
    return render(request, "errors/413.html", status=413)


def commune_archived(request, commune):
    """410: the commune's pages and APIs are closed (archived by the platform operator; its data is kept)."""
    if is_machine_request(request) or request.path_info.lstrip("/").partition("/")[2].startswith(
        ("api/", "ngsi-ld/", "open311/")
    ):
        return machine_error(
            request,
            410,
            gettext("Commune archivée"),
            gettext("Les services en ligne de %(name)s sont fermés.") % {"name": commune.name},
        )
    return render(request, "errors/archived.html", {"archived": commune}, status=410)


def nul_character(request):
    """400: the request carries a NUL character (core.middleware.NulCharacterMiddleware)."""
    detail = gettext("La requête contient un caractère nul (U+0000), qui n'est accepté dans aucun champ.")
    if is_machine_request(request):
        return machine_error(request, 400, gettext("Requête invalide"), detail)
    return render(request, "errors/400.html", {"reason": detail}, status=400)


def error_400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return too_large(request)
    if is_machine_request(request):
        return machine_error(
            request, 400, gettext("Requête invalide"), gettext("La requête n'a pas pu être comprise.")
        )
    return render(request, "errors/400.html", status=400)


def error_403(request, exception=None):
    if is_machine_request(request):
        return machine_error(request, 403, gettext("Accès refusé"), str(exception or ""))
    if isinstance(exception, NotPublished):  # the page the commune's home shows its visitors
        return render(request, "errors/in_preparation.html", status=403)
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def error_404(request, exception=None):
    if is_machine_request(request):
        return machine_error(request, 404, gettext("Introuvable"), gettext("Cette ressource n'existe pas."))
    return render(request, "errors/404.html", status=404)


def error_500(request):
    if is_machine_request(request):
        return machine_error(
            request,
            500,
            gettext("Erreur du serveur"),
            gettext("Une erreur inattendue s'est produite. Elle a été enregistrée."),
        )
    return render(request, "errors/500.html", status=500)


def method_not_allowed(request):
    """405: an action's address opened as a page (core.middleware.MethodNotAllowedMiddleware)."""
    if is_machine_request(request):
        return machine_error(
            request,
            405,
            gettext("Méthode non autorisée"),
            gettext("Cette adresse n'accepte pas la méthode %(method)s.") % {"method": request.method},
        )
    return render(request, "errors/405.html", {"back": _page_above(request)}, status=405)


def _page_above(request) -> str:
    """The nearest page above an action's address (`…/209/etat/` → `…/209/`), if it is one that answers GET."""
    from django.urls import Resolver404, resolve

    path = request.path_info.rstrip("/")
    prefix = request.path.removesuffix(request.path_info)
    while "/" in path.strip("/"):
        path = path.rsplit("/", 1)[0]
        try:
            match = resolve(path + "/")
        except Resolver404:
            continue
        if match.url_name:
            return prefix + path + "/"
    return ""


def csrf_failure(request, reason=""):
    return render(request, "errors/403_csrf.html", status=403)
