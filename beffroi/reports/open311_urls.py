"""Open311 GeoReport v2 routes (mounted at /open311/v2/ in beffroi/urls.py)."""

from django.urls import re_path

from beffroi.reports import open311

app_name = "open311"

FMT = r"\.(?P<fmt>[a-z]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.services_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests_collection, name="requests"),
    # any identifier reaches the view, so that one that cannot exist is a 404 in Open311's error form
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, open311.token_detail, name="token"),
    re_path(r"^(?P<path>(?s:.*))$", open311.unknown_resource),  # (?s: a newline in the path too)
]
