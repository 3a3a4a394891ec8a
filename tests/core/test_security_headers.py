"""The security headers on one response of each kind a browser or a client can get: pages, API JSON and their
problem+json errors, the error pages (400, 403, 404, 410, 413, 500), a static file served by WhiteNoise, an
uploaded photo, a PDF, a CSV export, a redirect, Open311 XML and NGSI-LD: CSP (the site's policy; no script
or framing allowed from elsewhere), HSTS over HTTPS, no framing (frame-ancestors and X-Frame-Options),
nosniff, Referrer-Policy; and the cookies' flags (Secure over HTTPS, HttpOnly on the session, SameSite)."""

import io
from unittest import mock

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from beffroi.core import views as core_views
from beffroi.reports import services
from tests.factories import PASSWORD, CommuneFactory, member
from tests.reports.conftest import setup_reports  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

HTTPS = {
    "SECURE_HSTS_SECONDS": 31536000,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "LANGUAGE_COOKIE_SECURE": True,
}


def assert_protected(response, what):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, f"{what}: CSP {csp!r}"
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, f"{what}: CSP {csp!r}"
    assert "script-src 'self'" in csp and "unsafe" not in csp, f"{what}: CSP {csp!r}"
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "same-origin", what
    assert headers.get("Strict-Transport-Security", "").startswith("max-age=31536000"), what


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def https_client():
    with override_settings(**HTTPS):
        yield Client(
            HTTP_X_FORWARDED_PROTO="https", raise_request_exception=False, **{"wsgi.url_scheme": "https"}
        )


@pytest.fixture
def published_photo(setup_reports, agent_valbourg):  # noqa: F811 - the fixture
    category = setup_reports["pothole"]
    report = services.report_create(
        commune=category.commune,
        category=category,
        description="Un trou",
        latitude="47.318",
        longitude="4.832",
        answers={"danger": "oui"},
        photos=[jpeg()],
    )
    photo = report.photos.get()
    services.photo_set_published(photo=photo, actor=agent_valbourg, published=True)
    return report, photo


def test_every_kind_of_response_carries_the_security_headers(https_client, published_photo, agent_valbourg):
    client = https_client
    report, photo = published_photo
    archived = CommuneFactory(
        name="Vieilleville", slug="vieilleville", archived_at=timezone.now(), is_active=False
    )
    habitant = member(report.commune, "habitant", "habitant@valbourg.test")
    kinds = {
        "page": ("/valbourg/", 200, "text/html"),
        "API JSON": ("/api/communes", 200, "application/json"),
        "API problem": ("/api/me", 401, "application/problem+json"),
        "API unknown path": ("/api/nope", 404, "application/problem+json"),
        "page 404": ("/valbourg/nope/", 404, "text/html"),
        "page 400 (NUL)": ("/valbourg/?q=%00", 400, "text/html"),
        "page 410": ("/vieilleville/", 410, "text/html"),
        "API 410": ("/vieilleville/api/communes", 410, "application/problem+json"),
        "redirect": ("/valbourg/signalements/gestion/", 302, None),
        "photo": (f"/valbourg/signalements/photo/{photo.pk}/", 200, "image/jpeg"),
        "Open311 XML": ("/open311/v2/services.xml?jurisdiction_id=valbourg", 200, "text/xml"),
        "Open311 error": ("/open311/v2/requests/abc.json?jurisdiction_id=valbourg", 404, "application/json"),
        "NGSI-LD problem": ("/ngsi-ld/v1/nope", 404, "application/json"),
    }
    assert archived.archived_at is not None
    for what, (path, status, content_type) in kinds.items():
        response = client.get(path, secure=True)
        assert response.status_code == status, (what, response.status_code)
        if content_type:
            assert response["Content-Type"].startswith(content_type), (what, response["Content-Type"])
        assert_protected(response, what)
    assert client.post("/api/communes", secure=True).status_code == 405
    assert_protected(client.post("/api/communes", secure=True), "API 405")
    big = client.generic(
        "POST", "/api/datahub/observations", b"x" * 40, secure=True, CONTENT_LENGTH="999999999"
    )
    assert big.status_code == 413
    assert_protected(big, "API 413")

    client.force_login(habitant)
    refused = client.get("/valbourg/signalements/gestion/", secure=True)
    assert refused.status_code == 403 and refused["Content-Type"].startswith("text/html")
    assert_protected(refused, "page 403")
    client.force_login(agent_valbourg)
    for what, path, content_type in [
        ("CSV export", "/valbourg/signalements/gestion/export.csv", "text/csv"),
        ("PDF", f"/valbourg/signalements/gestion/{report.pk}/recu.pdf", "application/pdf"),
    ]:
        response = client.get(path, secure=True)
        assert response.status_code == 200 and response["Content-Type"].startswith(content_type), what
        assert_protected(response, what)


def test_a_server_error_page_and_problem_carry_them(https_client, valbourg):
    real_render = core_views.render

    def failing(request, template, *args, **kwargs):
        if template == "core/legal_notice.html":
            raise RuntimeError("boom")
        return real_render(request, template, *args, **kwargs)

    with mock.patch.object(core_views, "render", failing):
        page = https_client.get("/valbourg/mentions-legales", secure=True)
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    assert_protected(page, "page 500")
    with mock.patch("beffroi.core.api.selectors.commune_list_public", side_effect=RuntimeError("boom")):
        problem = https_client.get("/api/communes", secure=True)
    assert problem.status_code == 500 and problem["Content-Type"].startswith("application/problem+json")
    assert_protected(problem, "API 500")


def test_a_static_file_served_by_whitenoise_carries_them():
    with override_settings(WHITENOISE_USE_FINDERS=True, **HTTPS):
        response = Client().get("/static/beffroi/beffroi.css", secure=True)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/css")
        assert_protected(response, "static file")
        response.close()


def test_the_cookies_are_secure_http_only_and_same_site(https_client, valbourg, agent_valbourg):
    client = https_client
    signed_in = client.post(
        "/valbourg/connexion/", {"username": agent_valbourg.email, "password": PASSWORD}, secure=True
    )
    assert signed_in.status_code == 302
    session = signed_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    page = client.get("/connexion/", secure=True)
    csrf = page.cookies.get("csrftoken") or client.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    language = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True).cookies[
        "django_language"
    ]
    assert language["secure"] and language["httponly"] and language["samesite"] == "Lax"


def test_media_files_are_only_served_through_views(client, valbourg):
    """No address serves the upload folder as it is: each file goes through a view that checks who may see it
    and names its type."""
    assert client.get("/media/reports/anything.jpg").status_code == 404
