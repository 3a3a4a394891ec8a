"""The platform's own REST API (django-ninja), mounted at /api/; errors as problem+json."""

import importlib
import importlib.util
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext, gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema

from beffroi.core.amounts import AmountError
from beffroi.core.api import router as core_router
from beffroi.core.forms import AMOUNT_MESSAGES
from beffroi.core.problems import PROBLEM_CONTENT_TYPE, problem_response


class PlatformAPI(NinjaAPI):
    """ninja answers a method that a path does not accept with a plain English text (not an exception the
    handlers below see): each view is wrapped so that this answer is a French problem too."""

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _method_not_allowed_as_problem(pattern.callback)
        return patterns, app_name, namespace

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_problems(schema)
        return schema


# The errors the handlers below answer, documented on every operation that can meet them (a client generated
# from the schema, and the fuzzing of tests/fuzz/, then know each status an operation answers).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details, in French",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"description": "each field's error (a request that does not match the schema)"},
    },
}
_PROBLEM_STATUSES = {
    400: "Requête invalide (paramètres, corps, caractère nul)",
    401: "Clé d'API absente, inconnue ou sans le droit requis",
    403: "Accès refusé",
    404: "Introuvable (ressource, ou module désactivé pour la commune)",
    413: "Requête trop volumineuse",
    422: "Montant invalide",
    429: "Trop de requêtes",
}


def document_problems(schema: dict[str, Any]) -> None:
    """Add the problem+json answers to each operation: 400, 404, 413 and 429 to all, 401 and 403 to those
    behind a key, 422 to those that take a body (an amount)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    content = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            statuses = {400, 404, 413, 429}
            if operation.get("security"):
                statuses |= {401, 403}
            if method in ("post", "put", "patch"):
                statuses.add(422)
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(str(status), {"description": _PROBLEM_STATUSES[status]})
                responses[str(status)]["content"] = content


def _method_not_allowed_as_problem(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)  # keeps csrf_exempt
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
            return response
        problem = problem_response(
            405,
            gettext("Méthode non autorisée"),
            gettext("Cette adresse n'accepte pas la méthode %(method)s.") % {"method": request.method},
        )
        problem["Allow"] = response.get("Allow", "")
        return problem

    return wrapped


api = PlatformAPI(
    title="Beffroi API",
    version="1",
    description="API de la plateforme Beffroi. Authentification : `Authorization: Bearer <clé>` "
    "(clé créée par un administrateur de la commune, page « Clés d'API » de l'administration). Erreurs au format application/problem+json (RFC 9457).",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_router("/", core_router)

# Each domain app that has an `api.py` with a `router` adds its endpoints to the platform API.
for _app in ("reports", "procedures", "budgeting", "participation", "datahub", "funding", "planning"):
    if importlib.util.find_spec(f"beffroi.{_app}.api") is not None:
        api.add_router(f"/{_app}/", importlib.import_module(f"beffroi.{_app}.api").router)


# Pydantic's messages are English: each error keeps its `type` and `loc` (for programs) and gets a French `msg`.
_FIELD_MESSAGES = {
    "missing": gettext_lazy("Champ obligatoire."),
    "string_type": gettext_lazy("Texte attendu."),
    "int_type": gettext_lazy("Nombre entier attendu."),
    "int_parsing": gettext_lazy("Nombre entier attendu."),
    "int_from_float": gettext_lazy("Nombre entier attendu."),
    "float_type": gettext_lazy("Nombre attendu."),
    "float_parsing": gettext_lazy("Nombre attendu."),
    "decimal_type": gettext_lazy("Nombre décimal attendu."),
    "decimal_parsing": gettext_lazy("Nombre décimal attendu."),
    "bool_type": gettext_lazy("Booléen attendu (true ou false)."),
    "bool_parsing": gettext_lazy("Booléen attendu (true ou false)."),
    "list_type": gettext_lazy("Liste attendue."),
    "dict_type": gettext_lazy("Objet attendu."),
    "model_type": gettext_lazy("Objet attendu."),
    "model_attributes_type": gettext_lazy("Objet attendu."),
    "literal_error": gettext_lazy("Valeur non reconnue."),
    "enum": gettext_lazy("Valeur non reconnue."),
    "greater_than_equal": gettext_lazy("Valeur trop petite."),
    "greater_than": gettext_lazy("Valeur trop petite."),
    "less_than_equal": gettext_lazy("Valeur trop grande."),
    "less_than": gettext_lazy("Valeur trop grande."),
    "string_too_long": gettext_lazy("Texte trop long."),
    "string_too_short": gettext_lazy("Texte trop court."),
    "date_parsing": gettext_lazy("Date attendue (AAAA-MM-JJ)."),
    "date_from_datetime_parsing": gettext_lazy("Date attendue (AAAA-MM-JJ)."),
    "datetime_parsing": gettext_lazy("Date et heure attendues (ISO 8601)."),
    "datetime_from_date_parsing": gettext_lazy("Date et heure attendues (ISO 8601)."),
    "json_invalid": gettext_lazy("JSON invalide."),
    "string_unicode": gettext_lazy("Texte en Unicode valide attendu."),
}


def _french_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    french = []
    for error in errors:
        kind = str(error.get("type", ""))
        message = str(_FIELD_MESSAGES.get(kind, gettext_lazy("Valeur invalide.")))
        if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            bound = next(iter((error.get("ctx") or {}).values()), None)
            if bound is not None:
                limit = gettext("au moins %(n)s") if kind.startswith("greater") else gettext("au plus %(n)s")
                message = f"{message} ({limit % {'n': bound}})"
        french.append({"loc": list(error.get("loc", ())), "type": kind, "msg": message})
    return french


@api.exception_handler(NinjaValidationError)
def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = _french_errors(exc.errors)
    detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])} : {e['msg']}" for e in errors[:5])
    return problem_response(400, gettext("Requête invalide"), detail, errors=errors)


@api.exception_handler(AmountError)
def _amount(request: HttpRequest, exc: AmountError) -> HttpResponse:
    return problem_response(422, gettext("Montant invalide"), str(AMOUNT_MESSAGES.get(exc.code, exc.message)))


@api.exception_handler(DjangoValidationError)
def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return problem_response(
        400, gettext("Requête invalide"), "; ".join(m for ms in errors.values() for m in ms), errors=errors
    )


@api.exception_handler(AuthenticationError)
def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        401,
        gettext("Authentification requise"),
        gettext("Clé d'API absente, inconnue ou sans le droit requis."),
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(403, gettext("Accès refusé"), str(exc) or gettext("Accès refusé."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, gettext("Introuvable"), str(exc) or gettext("Cette ressource n'existe pas."))


# Titles by status, and ninja's own English messages in French (anything else raised by our code is French).
_TITLES = {
    400: gettext_lazy("Requête invalide"),
    401: gettext_lazy("Authentification requise"),
    403: gettext_lazy("Accès refusé"),
    404: gettext_lazy("Introuvable"),
    405: gettext_lazy("Méthode non autorisée"),
    413: gettext_lazy("Requête trop volumineuse"),
    422: gettext_lazy("Requête invalide"),
    429: gettext_lazy("Trop de requêtes"),
}
_NINJA_MESSAGES = {
    "Cannot parse request body": gettext_lazy("Le corps de la requête n'est pas un JSON valide."),
    "Unauthorized": gettext_lazy("Clé d'API absente, inconnue ou sans le droit requis."),
    "Forbidden": gettext_lazy("Accès refusé."),
    "Too many requests.": gettext_lazy("Trop de requêtes : réessayez dans un moment."),
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc.message)
    title = _TITLES.get(exc.status_code, gettext_lazy("Erreur"))
    return problem_response(exc.status_code, str(title), str(_NINJA_MESSAGES.get(message, message)))
