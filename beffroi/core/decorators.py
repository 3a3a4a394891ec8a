"""View guards: a commune must be resolved; the platform operator's pages (see accounts.decorators for role
capabilities)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import get_script_prefix
from django.utils.translation import gettext


def commune_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.commune is None:
            raise Http404("Aucune commune à cette adresse.")
        return view(request, *args, **kwargs)

    return wrapper


def operator_required(view):
    """The platform operator's pages (creating and archiving communes): staff accounts only (``User.is_staff``,
    the team that runs the instance); anonymous → login page, anyone else → 403. They belong to no commune:
    reached under a commune's `/<slug>/` prefix (a link from that commune's pages), they move to the instance's
    root, so that no commune's header and footer dress the page that manages them all."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        root = getattr(request, "instance_script_prefix", None)
        if request.method in ("GET", "HEAD") and root is not None and get_script_prefix() != root:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponseRedirect(root + request.path_info.lstrip("/") + (f"?{query}" if query else ""))
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied(
                gettext("Cette page est réservée à l'équipe de l'opérateur de la plateforme.")
            )
        return view(request, *args, **kwargs)

    return wrapper
