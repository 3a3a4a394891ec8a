"""The request side of the NGSI-LD API: who asks (bearer key and tenant, as every API of the platform), what
they may do, the @context they speak and the representation they want, and the error answers.

- tenant: the ``NGSILD-Tenant`` header (commune slug); without it, the commune of the API key, else the only
  active commune (§4.14); an unknown tenant is ``NonexistentTenant``, a commune that has not enabled the data
  hub a ``ResourceNotFound`` saying so (core.modules' message);
- access: writes need an API key of that commune with write scope (``Authorization: Bearer``); reads
  with a key of the commune see everything, anonymous reads see only entities the commune made public;
- content: ``application/json`` with the @context in a Link header (core context when absent) or
  ``application/ld+json`` with ``@context`` in the body (§6.3.5); responses follow Accept (§6.3.6);
- errors: ProblemDetails with the ETSI types (ngsild.errors), never a bare 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from beffroi.core import api_auth, modules, tenancy
from beffroi.core import services as core_services
from beffroi.core.models import Commune
from beffroi.datahub.documents import EntityRow, entity_document
from beffroi.datahub.models import Entity
from beffroi.datahub.ngsild import context as ldctx
from beffroi.datahub.ngsild import names as ldnames
from beffroi.datahub.ngsild import temporal as ldtemporal
from beffroi.datahub.ngsild.entities import without_system_members
from beffroi.datahub.ngsild.errors import (
    AccessDenied,
    BadRequestData,
    ErrorType,
    InvalidRequest,
    LengthRequired,
    NgsiLdError,
    NonexistentTenant,
    NotAcceptable,
    ResourceNotFound,
    TooManyResults,
    UnsupportedMediaType,
    problem_details,
)
from beffroi.datahub.ngsild.geojson import GEO_JSON
from beffroi.datahub.ngsild.languages import localize, parse_lang
from beffroi.datahub.ngsild.projection import Projection, parse_projection
from beffroi.datahub.remote_contexts import RESOLVER, client_scope

log = logging.getLogger(__name__)

BASE = "/ngsi-ld/v1"
# The title of the answer to a commune that exists but has not enabled the data hub: a 404 like an unknown
# tenant, told apart from it (an integrator must ask the commune to switch the module on, not fix a typo).
MODULE_NOT_ENABLED = "The data module is not enabled for this tenant"
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000
_KNOWN_OPTIONS = {
    "sysAttrs",
    "noOverwrite",
    "update",
    "replace",
    "temporalValues",
    "aggregatedValues",
    "audit",
    "normalized",
    "keyValues",
    "simplified",
    "concise",
}

# Remote @context documents (RESOLVER): allowlisted hosts only, public addresses only, cached, limited per
# client (datahub.remote_contexts).
__all__ = ["RESOLVER", "Call", "endpoint", "page_links", "page_params", "problem", "split_list"]


class Call:
    """What a request says about itself: tenant, rights, @context and the wanted representation."""

    def __init__(self, request: HttpRequest, *, write: bool):
        self.request = request
        # The platform's bearer-key parsing and tenant resolution (core.api_auth, core.tenancy); the key's use
        # is recorded once the request is accepted.
        key = api_auth.key_from_request(request, touch=False)
        if key is None and api_auth.presented_secret(request):
            raise AccessDenied("the API key is unknown or revoked", error_type=ErrorType.ACCESS_DENIED)
        tenant = request.headers.get("NGSILD-Tenant", "").strip()
        commune = tenancy.api_tenant(name=tenant, key=key)
        if commune is None:
            if tenant:
                raise NonexistentTenant(f"tenant {tenant!r} does not exist")
            raise NonexistentTenant("give the commune in the NGSILD-Tenant header")
        if key is not None and key.commune_id != commune.pk:
            raise AccessDenied("this API key belongs to another tenant")
        try:  # the module switch (core.modules): the commune exists, its data hub is off
            modules.require_enabled(commune, "datahub")
        except modules.ModuleDisabled as exc:
            raise ResourceNotFound(str(exc), title=MODULE_NOT_ENABLED) from exc
        if write:
            if key is None:
                raise AccessDenied("writing needs an API key (Authorization: Bearer …) with write scope")
            if not key.can_write:
                raise AccessDenied("this API key may only read")
        if key is not None:
            core_services.apikey_touch(key=key)
        self.commune: Commune = commune
        self.key = key
        self.see_all = key is not None
        self.link_context = ldctx.parse_link_header(request.headers.get("Link"))
        accept = request.headers.get("Accept", "") or "application/json"
        self.ld = False
        self.geo = False
        if accept:
            kinds = _accepted(accept)
            if kinds and kinds[0] == GEO_JSON:
                self.geo = True
            elif (
                "application/ld+json" in kinds
                and "application/json" not in kinds[: kinds.index("application/ld+json")]
            ):
                self.ld = True
            elif (
                not any(
                    k in ("application/json", "*/*", "application/*", "application/geo+json") for k in kinds
                )
                and not self.ld
            ):
                raise NotAcceptable(f"cannot answer in {accept}; use application/json or application/ld+json")
        options = set(filter(None, request.GET.get("options", "").split(",")))
        unknown = options - _KNOWN_OPTIONS
        if unknown:
            raise InvalidRequest(f"options: unknown value(s) {', '.join(sorted(unknown))}")
        fmt = request.GET.get("format", "")
        if fmt:
            options.add(fmt)
        self.options = options
        self.key_values = bool(options & {"keyValues", "simplified"})
        self.projection = parse_projection(request.GET.get("pick"), request.GET.get("omit"))
        self.languages = parse_lang(request.GET.get("lang"))

    def active(self) -> ldctx.ActiveContext:
        """The request's @context (Link header, or the core context), processed."""
        return RESOLVER.resolve(self.link_context)

    def body(self, *, merge: bool = False, entity: bool = False) -> tuple[Any, Any]:
        """The JSON body and the @context it is to be read with (§6.3.5); with ``entity``, a body that is not
        a non-empty object is an InvalidRequest (the suite's "empty JSON" cases)."""
        content_type = self.request.content_type or ""
        allowed = ["application/json", "application/ld+json"] + (
            ["application/merge-patch+json"] if merge else []
        )
        if content_type not in allowed:
            raise UnsupportedMediaType(
                f"Content-Type must be one of {', '.join(allowed)}, not {content_type or 'none'}"
            )
        try:
            # orjson refuses what json accepts and the database cannot store or Python cannot walk: lone
            # surrogates (\ud800), nesting deeper than 1,024 levels (RecursionError), NaN, integers beyond 64 bits.
            body = orjson.loads(self.request.body or b"null")
        except orjson.JSONDecodeError as exc:
            raise InvalidRequest(f"the body is not valid JSON: {exc}") from None
        if entity and (not isinstance(body, dict) or not [k for k in body if k != "@context"]):
            raise InvalidRequest(
                "the body must be an entity: a JSON object with an id, a type and attributes"
            )
        if content_type == "application/ld+json":
            if self.link_context:
                raise BadRequestData(
                    "with application/ld+json the @context goes in the body, not in a Link header"
                )
            items = body if isinstance(body, list) else [body]
            for item in items:
                if isinstance(item, dict) and "@context" not in item:
                    raise BadRequestData("an application/ld+json body must carry @context")
            return body, None  # each item uses its own @context
        items = body if isinstance(body, list) else [body]
        if any(isinstance(item, dict) and "@context" in item for item in items):
            raise BadRequestData("an application/json body must not carry @context; send it in a Link header")
        return body, self.link_context

    def expand(self, entity: Any, context: Any) -> dict[str, Any]:
        """An entity of the body, its names checked (§4.6.2) and expanded with its @context."""
        if not isinstance(entity, dict):
            raise BadRequestData("an entity must be a JSON object")
        for name in entity:
            if name not in ldctx.ENTITY_MEMBERS:
                problem = ldnames.attribute_name_problem(name)
                if problem is not None:
                    raise BadRequestData(f"attribute name {name[:60]!r}: {ldnames.NAME_RULES[problem]}")
        if "type" in entity:  # (before expansion: an empty type would expand to the vocabulary itself)
            kinds = entity["type"] if isinstance(entity["type"], list) else [entity["type"]]
            for kind in kinds:
                problem = ldnames.attribute_name_problem(kind)
                if problem is not None and problem != ldnames.NameProblem.RESERVED:
                    raise BadRequestData(f"type {str(kind)[:60]!r} is not a type name or an IRI")
        ctx = context if context is not None else entity.get("@context")
        return ldctx.expand_entity(entity, RESOLVER.resolve(ctx), resolver=RESOLVER)

    def expand_attr(self, name: str) -> str:
        """An attribute name of the request (query parameter, path) expanded with its @context."""
        return self.active().expand_attribute(name)

    def render_entity(
        self,
        entity: Entity | EntityRow,
        *,
        attrs: list[str] | None = None,
        projection: Projection | None = None,
        with_context: bool = True,
    ) -> dict[str, Any]:
        """The entity as the request asks for it: normalized or simplified, compacted, with sysAttrs, projected
        (the request's pick/omit, or ``projection`` for a linked entity)."""
        document = entity_document(entity)
        if "sysAttrs" not in self.options and not self.key_values:
            document = without_system_members(document)
        if self.languages:
            document = localize(document, self.languages)
        if attrs:
            document = {k: v for k, v in document.items() if k in ("id", "type") or k in attrs}
        if "sysAttrs" in self.options:
            if entity.created_at is None or entity.modified_at is None:
                raise ValueError("entity row read without its timestamps")
            document["createdAt"] = ldtemporal.format_datetime(entity.created_at)
            document["modifiedAt"] = ldtemporal.format_datetime(entity.modified_at)
        if self.key_values:
            # Straight to the simplified form: compacting every member of the normalized document first
            # and then simplifying it costs more than the rest of the request.
            compacted = ldctx.compact_simplified(document, self.active())
        else:
            compacted = ldctx.compact_entity(document, self.active(), resolver=RESOLVER)
        if self.ld and with_context:
            compacted["@context"] = [self.link_context or ldctx.CORE_CONTEXT_URL]
        projection = self.projection if projection is None else projection
        if projection.active:
            compacted = projection.apply(compacted)
        return compacted

    def respond(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
        """A JSON answer in the negotiated representation (@context in the body or in a Link header)."""
        response = JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
        if self.geo:
            response["Content-Type"] = GEO_JSON
            response["Link"] = ldctx.link_header(self.link_context or ldctx.CORE_CONTEXT_URL)
        elif self.ld:
            response["Content-Type"] = "application/ld+json"
        else:
            response["Link"] = ldctx.link_header(self.link_context or ldctx.CORE_CONTEXT_URL)
        for name, value in (headers or {}).items():
            response[name] = value
        return response


def _accepted(accept: str) -> list[str]:
    """The media types of an Accept header, most wanted first (q-values honoured, q=0 refused, §6.3.6)."""
    weighted = []
    for position, part in enumerate(accept.split(",")):
        kind, *params = [piece.strip() for piece in part.split(";")]
        weight = 1.0
        for param in params:
            if param.lower().startswith("q="):
                try:
                    weight = float(param[2:])
                except ValueError:
                    weight = 0.0
        if kind and weight > 0:
            weighted.append((-weight, position, kind.lower()))
    return [kind for _w, _p, kind in sorted(weighted)]


def problem(error: NgsiLdError | ErrorType, detail: str = "") -> JsonResponse:
    """A ProblemDetails answer (§5.5.2) for an NGSI-LD error, or an error type and its detail."""
    if isinstance(error, NgsiLdError):
        body = error.problem_details()
        status = error.status
    else:
        body = problem_details(error, detail)
        status = error.status
    return JsonResponse(
        body, status=status, content_type="application/json", json_dumps_params={"ensure_ascii": False}
    )


def method_not_allowed(request: HttpRequest, allowed: list[str]) -> JsonResponse:
    """405 with its Allow header; the body's status is the response's (RFC 9457 §3.1.2)."""
    body = problem_details(ErrorType.OPERATION_NOT_SUPPORTED, f"{request.method} is not supported here")
    body["status"] = 405
    response = JsonResponse(
        body, status=405, content_type="application/json", json_dumps_params={"ensure_ascii": False}
    )
    response["Allow"] = ", ".join(allowed)
    return response


def endpoint(**handlers: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view dispatching on the HTTP method, turning NGSI-LD errors into ProblemDetails."""

    @csrf_exempt
    @wraps(next(iter(handlers.values())))
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        handler = handlers.get((request.method or "").lower())
        if handler is None:
            return method_not_allowed(request, [m.upper() for m in handlers])
        try:
            with client_scope(request.META.get("REMOTE_ADDR", "")):  # remote @context fetches are per client
                _check_path(kwargs)
                _check_length(request)
                call = Call(request, write=request.method not in ("GET", "HEAD"))
                answer = handler(call, *args, **kwargs)
                if request.headers.get("NGSILD-Tenant"):  # (§6.3.14: the tenant answered is named back)
                    answer["NGSILD-Tenant"] = call.commune.slug
                return answer
        except NgsiLdError as exc:
            if isinstance(exc, AccessDenied) and not api_auth.presented_secret(request):
                response = problem(exc)
                response.status_code = 401
                response["WWW-Authenticate"] = "Bearer"
                return response
            return problem(exc)
        except re.error as exc:
            return problem(ErrorType.BAD_REQUEST_DATA, f"idPattern is not a valid regular expression: {exc}")
        except Exception:  # a bug must still answer ProblemDetails
            log.exception("NGSI-LD request failed")
            return problem(ErrorType.INTERNAL_ERROR, "an unexpected error occurred; it has been logged")

    return view


def _check_length(request: HttpRequest) -> None:
    """A write whose body comes chunked, without Content-Length, is refused (411): the server hands such a
    body to the application as an empty one (WSGI reads CONTENT_LENGTH bytes), which would otherwise be
    answered as a bad body, or worse, taken as an empty merge."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.META.get("CONTENT_LENGTH"):
        return
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        raise LengthRequired("send the body with a Content-Length header, not chunked")


def _check_path(kwargs: dict[str, Any]) -> None:
    """The identifiers and names of the path: an entity id or instanceId that is not a URI, or an attribute
    name NGSI-LD does not allow, is a bad request (400), not a missing resource (§5.5.2, §4.6.2)."""
    for key in ("entity_id", "instance_id"):
        value = kwargs.get(key)
        if value is not None and not ldnames.is_uri(value):
            what = "entity id" if key == "entity_id" else "instanceId"
            raise BadRequestData(f"the {what} in the path is not a URI: {value[:80]!r}")
    attr = kwargs.get("attr")
    if attr is not None:
        name_problem = ldnames.attribute_name_problem(attr)
        if name_problem is not None:
            raise BadRequestData(f"attribute name {attr[:60]!r}: {ldnames.NAME_RULES[name_problem]}")


def int_param(request: HttpRequest, name: str, default: int) -> int:
    """A non-negative integer query parameter that the database can take; BadRequestData otherwise."""
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequestData(f"{name} must be an integer, got {raw!r}") from None
    if value < 0:
        raise BadRequestData(f"{name} must not be negative")
    if value > 2**31 - 1:  # (beyond what the database takes as LIMIT/OFFSET: was a 500)
        raise BadRequestData(f"{name} must be at most {2**31 - 1}")
    return value


def split_list(value: str | None) -> list[str]:
    """A comma-separated query parameter as a list (empty items dropped)."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def page_params(call: Call) -> tuple[int, int, bool]:
    """(limit, offset, count) of a query (§5.5.9 pagination, §5.5.10 counting), within the limits."""
    limit = int_param(call.request, "limit", DEFAULT_LIMIT)
    offset = int_param(call.request, "offset", 0)
    count = call.request.GET.get("count", "").lower() == "true"
    if limit > MAX_LIMIT:
        raise TooManyResults(f"limit must be at most {MAX_LIMIT}")
    if limit == 0 and not count:
        raise BadRequestData("limit=0 is only allowed with count=true")
    return limit, offset, count


def page_links(call: Call, response: HttpResponse, limit: int, offset: int, total: int) -> None:
    """The previous and next pages in the Link header (§6.3.13), beside the @context link if any."""
    if call.request.method != "GET" or limit == 0:
        return
    pages = []
    if offset > 0:
        pages.append(("prev", max(offset - limit, 0)))
    if offset + limit < total:
        pages.append(("next", offset + limit))
    links = []
    for rel, page_offset in pages:
        query = call.request.GET.copy()
        query["offset"] = str(page_offset)
        query["limit"] = str(limit)
        links.append(f'<{call.request.path}?{query.urlencode()}>; rel="{rel}"; type="application/ld+json"')
    if links:
        existing = response.get("Link")
        response["Link"] = ", ".join([*([existing] if existing else []), *links])
