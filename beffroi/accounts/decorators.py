"""View guard: the viewer must hold a capability in the request's commune.

The guarded view carries the capability it needs (`view.required_capability`), so that a page offering a link
to it can show the link only to the roles that may open it (`target_capability`).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import Resolver404, get_script_prefix, resolve, reverse

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

        wrapper.required_capability = capability  # type: ignore[attr-defined]
        return wrapper

    return decorator


def target_capability(url_name: str) -> str | None:
    """The capability the view behind a URL name asks for (None: none is asked)."""
    path = reverse(url_name)
    prefix = get_script_prefix()  # the commune's `/valbourg/`, which URL resolution does not see
    if path.startswith(prefix):
        path = "/" + path[len(prefix) :]
    return getattr(resolve(path).func, "required_capability", None)


def login_reason(text):
    """Say on the login page why a person is asked to sign in when `next` leads to this view (« Connectez-vous
    pour déposer une proposition. »): `@login_reason(gettext_lazy("…"))`, outermost."""

    def decorator(view):
        view.login_reason = text
        return view

    return decorator


def login_reason_for(path: str):
    """The reason the view behind a local path (the login page's `next`) gives for signing in, or None."""
    prefix = get_script_prefix()
    path = path.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith(prefix):
        return None
    try:
        match = resolve("/" + path[len(prefix) :])
    except Resolver404:
        return None
    return getattr(match.func, "login_reason", None)
