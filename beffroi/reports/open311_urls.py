"""Open311 GeoReport v2 routes (mounted at /open311/v2/ in beffroi/urls.py)."""

from django.urls import re_path

from beffroi.reports import open311

app_name = "open311"

FMT = r"\.(?P<fmt>[a-z]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.services_list, name="services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests_collection, name="requests"),
    re_path(r"^requests/(?P<request_id>\d+)" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[0-9a-f]+)" + FMT, open311.token_detail, name="token"),
]
