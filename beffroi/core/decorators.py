"""View guards: a commune must be resolved, and the viewer must hold a capability in it."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404


def commune_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.commune is None:
            raise Http404("Aucune commune à cette adresse.")
        return view(request, *args, **kwargs)

    return wrapper


def capability_required(capability: str):
    """Anonymous → login page; logged in without the capability in this commune → 403."""

    def decorator(view):
        @wraps(view)
        @commune_required
        def wrapper(request, *args, **kwargs):
            from beffroi.accounts.selectors import user_can

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_can(commune=request.commune, user=request.user, capability=capability):
                raise PermissionDenied("Votre rôle dans cette commune ne donne pas accès à cette page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
