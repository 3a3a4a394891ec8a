"""The platform's own REST API (django-ninja), mounted at /api/; errors as problem+json."""

import importlib
import importlib.util

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from beffroi.core.api import router as core_router
from beffroi.core.problems import problem_response

api = NinjaAPI(
    title="Beffroi API",
    version="1",
    description="API de la plateforme Beffroi. Authentification : `Authorization: Bearer <clé>` "
    "(clé créée par `beffroi apikey create`). Erreurs au format application/problem+json (RFC 9457).",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_router("/", core_router)

# Each domain app that has an `api.py` with a `router` adds its endpoints to the platform API.
for _app in ("reports", "budgeting", "datahub", "funding", "planning"):
    if importlib.util.find_spec(f"beffroi.{_app}.api") is not None:
        api.add_router(f"/{_app}/", importlib.import_module(f"beffroi.{_app}.api").router)


@api.exception_handler(NinjaValidationError)
def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return problem_response(400, "Requête invalide", "Certains champs sont invalides.", errors=exc.errors)


@api.exception_handler(DjangoValidationError)
def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return problem_response(
        400, "Requête invalide", "; ".join(m for ms in errors.values() for m in ms), errors=errors
    )


@api.exception_handler(AuthenticationError)
def _auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        401, "Authentification requise", "Clé d'API absente, inconnue ou sans le droit requis."
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(403, "Accès refusé", str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, "Introuvable", str(exc) or "Cette ressource n'existe pas.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, str(exc.message) if hasattr(exc, "message") else str(exc))
