"""View guard: a commune must be resolved (see accounts.decorators for role capabilities)."""

from functools import wraps

from django.http import Http404


def commune_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.commune is None:
            raise Http404("Aucune commune à cette adresse.")
        return view(request, *args, **kwargs)

    return wrapper
