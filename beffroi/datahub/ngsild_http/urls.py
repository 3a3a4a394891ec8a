"""URL map of the NGSI-LD API, mounted at /ngsi-ld/v1/ (trailing slashes optional, as clients differ)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from beffroi.datahub.ngsild.errors import ErrorType
from beffroi.datahub.ngsild_http import batch, entities, openapi, subscriptions, temporal
from beffroi.datahub.ngsild_http.call import method_not_allowed, problem

app_name = "ngsild"

_ID = r"(?P<entity_id>[^/]*)"  # (an empty id is a bad request, not an unknown address)
_ATTR = r"(?P<attr>[^/]*)"


@csrf_exempt
def unknown_path(request: HttpRequest, path: str) -> HttpResponse:
    """Any other address under /ngsi-ld/v1/, whatever the method: ResourceNotFound (§5.5.2) as ProblemDetails,
    never the site's HTML page."""
    return problem(ErrorType.RESOURCE_NOT_FOUND, f"no NGSI-LD resource at /ngsi-ld/v1/{path[:100]}")


def read_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A document served as it is (the OpenAPI description, a bundled @context): another method than GET or
    HEAD is a 405 ProblemDetails with its Allow header, as on the other NGSI-LD resources."""

    @csrf_exempt
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        return method_not_allowed(request, ["GET", "HEAD"])

    return guarded


urlpatterns = [
    re_path(r"^entities/?$", entities.entities, name="entities"),
    re_path(rf"^entities/{_ID}/attrs/?$", entities.entity_attrs, name="entity_attrs"),
    re_path(rf"^entities/{_ID}/attrs/{_ATTR}/?$", entities.entity_attr, name="entity_attr"),
    re_path(rf"^entities/{_ID}/?$", entities.entity, name="entity"),
    re_path(r"^entityOperations/create/?$", batch.op_create, name="op_create"),
    re_path(r"^entityOperations/upsert/?$", batch.op_upsert, name="op_upsert"),
    re_path(r"^entityOperations/update/?$", batch.op_update, name="op_update"),
    re_path(r"^entityOperations/delete/?$", batch.op_delete, name="op_delete"),
    re_path(r"^entityOperations/merge/?$", batch.op_merge, name="op_merge"),
    re_path(r"^entityOperations/query/?$", batch.op_query, name="op_query"),
    re_path(r"^types/?$", entities.types, name="types"),
    re_path(r"^types/(?P<type_name>[^/]+)/?$", entities.entity_type, name="type"),
    re_path(r"^attributes/?$", entities.attributes, name="attributes"),
    re_path(r"^attributes/(?P<attr>[^/]+)/?$", entities.attribute, name="attribute"),
    re_path(r"^temporal/entities/?$", temporal.temporal_entities, name="temporal_entities"),
    re_path(rf"^temporal/entities/{_ID}/?$", temporal.temporal_entity, name="temporal_entity"),
    re_path(rf"^temporal/entities/{_ID}/attrs/?$", temporal.temporal_attrs, name="temporal_attrs"),
    re_path(rf"^temporal/entities/{_ID}/attrs/{_ATTR}/?$", temporal.temporal_attr, name="temporal_attr"),
    re_path(
        rf"^temporal/entities/{_ID}/attrs/{_ATTR}/(?P<instance_id>[^/]+)/?$",
        temporal.temporal_instance,
        name="temporal_instance",
    ),
    re_path(r"^subscriptions/?$", subscriptions.subscriptions_view, name="subscriptions"),
    re_path(r"^subscriptions/(?P<sub_id>[^/]+)/?$", subscriptions.subscription_view, name="subscription"),
    re_path(r"^openapi.json$", read_only(openapi.openapi_view), name="openapi"),
    re_path(r"^contexts/(?P<name>[^/]+)$", read_only(entities.context_file), name="context"),
    re_path(r"^(?P<path>(?s:.*))$", unknown_path),  # (?s: a newline in the path too)
]
