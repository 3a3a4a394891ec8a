"""Tenant resolution.

The commune is found, in this order, from the request's host name (a commune with its own domain), from the
first path segment (`/valbourg/…`, the path prefix is then moved into the script prefix so that every
`reverse()` and `{% url %}` keeps it), or, when the instance serves a single commune, it is that one.
`request.commune` is None on the platform's own pages (home listing the communes, admin, APIs that name
their tenant themselves).
"""

from django.urls import get_script_prefix, set_script_prefix

from beffroi.core import tenancy


class CommuneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.commune = None
        request.commune_via = ""
        script_prefix = get_script_prefix()
        commune = tenancy.commune_for_host(request.get_host())
        if commune is not None:
            request.commune_via = "host"
        else:
            first, _, rest = request.path_info.lstrip("/").partition("/")
            commune = tenancy.commune_for_slug(first)
            if commune is not None:
                request.commune_via = "path"
                request.path_info = "/" + rest
                set_script_prefix(script_prefix + first + "/")
            else:
                commune = tenancy.single_commune()
                request.commune_via = "single" if commune else ""
        request.commune = commune
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(script_prefix)
