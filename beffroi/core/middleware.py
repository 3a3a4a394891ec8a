"""Tenant resolution.

The commune is found, in this order, from the request's host name (a commune with its own domain), from the
first path segment (`/valbourg/…`, the path prefix is then moved into the script prefix so that every
`reverse()` and `{% url %}` keeps it), or, when the instance serves a single commune, it is that one.
`request.commune` is None on the platform's own pages (home listing the communes, admin, APIs that name
their tenant themselves).
"""

from typing import Any

from django.urls import get_script_prefix, reverse, set_script_prefix

from beffroi.core import tenancy


class CommuneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.commune = None
        request.commune_via = ""
        script_prefix = get_script_prefix()
        request.instance_script_prefix = script_prefix  # the instance's root, for instance_url()
        first, _, rest = request.path_info.lstrip("/").partition("/")
        commune, via, archived = tenancy.resolve(request.get_host(), first)
        if commune is None and archived is not None:
            from beffroi.core.views import commune_archived

            return commune_archived(request, archived)
        if via == "path":
            request.path_info = "/" + rest
            set_script_prefix(script_prefix + first + "/")
        elif commune is None:
            commune = tenancy.single_commune()
            via = "single" if commune else ""
        request.commune_via = via
        request.commune = commune
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(script_prefix)


def instance_url(request, viewname: str, **kwargs: Any) -> str:
    """The absolute address of a route at the instance's root (the standard APIs: one address for every commune),
    reversed from its name so that a moved mount follows, even on a page under a commune's `/<slug>/` prefix."""
    path = reverse(viewname, **kwargs)
    current = get_script_prefix()
    root = getattr(request, "instance_script_prefix", current)
    return request.build_absolute_uri(root + path.removeprefix(current))


class FrenchFirstLocaleMiddleware:
    """French unless the visitor chose another language with the switch (cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; a commune's site is French first,
    and a visitor who prefers English says so once with the language switch. The APIs answer in one language
    whatever the cookie (API_LANGUAGES): the platform API and Open311 in French, NGSI-LD in English like the
    standard's error types (docs/architecture.md, APIs).
    """

    API_LANGUAGES = (("/api/", "fr"), ("/open311/", "fr"), ("/ngsi-ld/", "en"))

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        language = next(
            (lang for prefix, lang in self.API_LANGUAGES if request.path_info.startswith(prefix)), language
        )
        request.LANGUAGE_CODE = language
        # The language is the thread's: restore the previous one after the response, so a visitor's English never
        # leaks into what the same thread does next (a task run in process, a test, the next request's errors).
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class RequestSizeMiddleware:
    """413 for a request whose announced body is over `BEFFROI_MAX_REQUEST_BYTES`, before anything reads it.

    Django bounds the form fields and JSON bodies it reads into memory (`DATA_UPLOAD_MAX_MEMORY_SIZE`, answered
    413 by core.views.error_400 too) but streams uploaded files to disk without a limit; this bounds the whole
    request (three 8 MB photos and the form fit under the default).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        from beffroi.core.views import too_large

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > getattr(settings, "BEFFROI_MAX_REQUEST_BYTES", 32 * 1024 * 1024):
            return too_large(request)
        return self.get_response(request)


class NulCharacterMiddleware:
    """400 for a request carrying a NUL character (U+0000) in its path, its query string or a text body.

    No text of Beffroi's holds one, and PostgreSQL refuses it in any query or column with an error: without this
    guard every filter, search and write that takes a client's text answered 500 on PostgreSQL (found by fuzzing;
    SQLite stored it). Uploaded files (multipart) are not read here: a photo may contain any byte.
    """

    TEXT_BODIES = ("application/json", "application/ld+json", "application/x-www-form-urlencoded", "text/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from beffroi.core.views import nul_character

        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or "%00" in query or "\x00" in query:
            return nul_character(request)
        if request.method in ("POST", "PUT", "PATCH") and request.content_type.startswith(self.TEXT_BODIES):
            body = request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE (413 beyond)
            if b"\x00" in body or b"%00" in body or b"\\u0000" in body.lower():
                return nul_character(request)
        return self.get_response(request)


class MethodNotAllowedMiddleware:
    """405 answered as a page a person can read, or as the API's own error form.

    `require_POST` and its kin answer an empty body: a browser that reloads or bookmarks an action's address
    (« valider », « clore », « annuler ») showed a blank page. The page says what happened and leads back to the
    thing the action was about, when that address is a page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content:
            return response
        from beffroi.core.views import method_not_allowed

        page = method_not_allowed(request)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
