"""View guard: the viewer must hold a capability in the request's commune."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from beffroi.accounts.selectors import user_can
from beffroi.core.decorators import commune_required


def capability_required(capability: str):
    """Anonymous → login page; logged in without the capability in this commune → 403."""

    def decorator(view):
        @wraps(view)
        @commune_required
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_can(commune=request.commune, user=request.user, capability=capability):
                raise PermissionDenied("Votre rôle dans cette commune ne donne pas accès à cette page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
