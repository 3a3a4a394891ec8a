"""API key authentication shared by every API: `Authorization: Bearer KEY` (and, for Open311, `api_key`)."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from beffroi.core import modules, selectors, services
from beffroi.core.models import ApiKey


def presented_secret(request: HttpRequest, *, allow_query_param: bool = False) -> str:
    """The API key secret the request presents (`Authorization: Bearer KEY`, or Open311's `api_key`), or ""."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    if allow_query_param:
        return str(request.POST.get("api_key", "") or request.GET.get("api_key", ""))
    return ""


def key_from_request(
    request: HttpRequest, *, allow_query_param: bool = False, touch: bool = True
) -> ApiKey | None:
    """The API key presented by the request, or None. A key presented but unknown also gives None.

    ``touch``: record the key's use now; False for a caller that checks more (tenant, scope) and records it
    only once the request is accepted (``services.apikey_touch``)."""
    secret = presented_secret(request, allow_query_param=allow_query_param)
    if not secret:
        return None
    key = selectors.apikey_from_secret(secret)
    if key is not None and touch:
        services.apikey_touch(key=key)
    return key


class ApiKeyAuth(HttpBearer):
    """Ninja auth: any live key (read or write); `write=True` for endpoints that change data."""

    def __init__(self, *, write: bool = False):
        self.write = write
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = selectors.apikey_from_secret(token)
        if key is None or (self.write and not key.can_write):
            return None
        module = modules.module_for_api_path(request.path_info)
        if module is not None:
            modules.require_enabled(key.commune, module.code)  # a switched-off module is off in the API too
        services.apikey_touch(key=key)
        request.api_key = key  # type: ignore[attr-defined]
        return key
