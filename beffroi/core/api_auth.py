"""API key authentication shared by every API: `Authorization: Bearer KEY` (and, for Open311, `api_key`)."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from beffroi.core import modules, selectors, services
from beffroi.core.models import ApiKey


def key_from_request(request: HttpRequest, *, allow_query_param: bool = False) -> ApiKey | None:
    """The API key presented by the request, or None. A key presented but unknown also gives None."""
    header = request.headers.get("Authorization", "")
    secret = ""
    if header.lower().startswith("bearer "):
        secret = header[7:].strip()
    elif allow_query_param:
        secret = request.POST.get("api_key", "") or request.GET.get("api_key", "")
    if not secret:
        return None
    key = selectors.apikey_from_secret(secret)
    if key is not None:
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
