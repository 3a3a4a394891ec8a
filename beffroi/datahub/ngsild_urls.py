"""URL map of the NGSI-LD API, mounted at /ngsi-ld/v1/ (trailing slashes optional, as clients differ)."""

from django.urls import re_path

from . import ngsild_views as v

app_name = "ngsild"

_ID = r"(?P<entity_id>[^/]+)"

urlpatterns = [
    re_path(r"^entities/?$", v.entities, name="entities"),
    re_path(rf"^entities/{_ID}/attrs/?$", v.entity_attrs, name="entity_attrs"),
    re_path(rf"^entities/{_ID}/attrs/(?P<attr>[^/]+)/?$", v.entity_attr, name="entity_attr"),
    re_path(rf"^entities/{_ID}/?$", v.entity, name="entity"),
    re_path(r"^entityOperations/create/?$", v.op_create, name="op_create"),
    re_path(r"^entityOperations/upsert/?$", v.op_upsert, name="op_upsert"),
    re_path(r"^entityOperations/update/?$", v.op_update, name="op_update"),
    re_path(r"^entityOperations/delete/?$", v.op_delete, name="op_delete"),
    re_path(r"^entityOperations/query/?$", v.op_query, name="op_query"),
    re_path(r"^types/?$", v.types, name="types"),
    re_path(r"^attributes/?$", v.attributes, name="attributes"),
    re_path(r"^temporal/entities/?$", v.temporal_entities, name="temporal_entities"),
    re_path(rf"^temporal/entities/{_ID}/?$", v.temporal_entity, name="temporal_entity"),
    re_path(r"^subscriptions/?$", v.subscriptions_view, name="subscriptions"),
    re_path(r"^subscriptions/(?P<sub_id>[^/]+)/?$", v.subscription_view, name="subscription"),
    re_path(r"^openapi.json$", v.openapi_view, name="openapi"),
    re_path(r"^contexts/(?P<name>[^/]+)$", v.context_file, name="context"),
]
