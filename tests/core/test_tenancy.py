"""Which commune a request belongs to, and what the platform shows when there are several."""

import pytest
from django.urls import reverse

from tests.factories import CommuneFactory


def test_platform_home_lists_every_active_commune(client, communes):
    CommuneFactory(name="Ancienne", slug="ancienne", is_active=False)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/valbourg/"' in html and 'href="/hautmesnil/"' in html
    assert "Ancienne" not in html


def test_path_prefix_selects_the_commune_and_links_keep_it(client, communes):
    response = client.get("/valbourg/")
    assert response.status_code == 200
    assert response.context["commune"].slug == "valbourg"
    html = response.content.decode()
    assert "Bienvenue sur les services en ligne de Valbourg" in html
    assert 'href="/valbourg/accessibilite"' in html
    assert 'href="/valbourg/connexion/"' in html


def test_unknown_commune_slug_is_a_french_404(client, communes):
    response = client.get("/atlantide/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_single_commune_install_has_clean_urls(client, valbourg):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["commune"] == valbourg
    assert 'href="/accessibilite"' in response.content.decode()
    # the prefixed form keeps working, so links shared from a multi-commune period still resolve
    assert client.get("/valbourg/accessibilite").status_code == 200


def test_dedicated_host_name_selects_its_commune(client, settings, communes):
    valbourg, _ = communes
    valbourg.host = "services.valbourg.test"
    valbourg.save()
    settings.ALLOWED_HOSTS = ["services.valbourg.test", "testserver"]
    response = client.get("/", HTTP_HOST="services.valbourg.test")
    assert response.context["commune"] == valbourg
    assert 'href="/accessibilite"' in response.content.decode()


def test_forged_host_header_is_refused(client, communes):
    response = client.get("/valbourg/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400


def test_forwarded_host_header_is_ignored(client, communes, settings):
    valbourg, hautmesnil = communes
    hautmesnil.host = "hautmesnil.test"
    hautmesnil.save()
    response = client.get("/valbourg/", HTTP_X_FORWARDED_HOST="hautmesnil.test")
    assert response.context["commune"] == valbourg


def test_reserved_slugs_cannot_name_a_commune(db):
    from django.core.exceptions import ValidationError

    from beffroi.core.services import commune_create

    with pytest.raises(ValidationError) as excinfo:
        commune_create(name="Admin", slug="admin", insee_code="21001")
    assert "réservé" in str(excinfo.value)


def test_script_prefix_does_not_leak_between_requests(client, communes):
    client.get("/valbourg/")
    assert reverse("core:home") == "/"


def test_a_name_that_cannot_be_a_slug_names_no_commune_and_never_reaches_the_database(client, valbourg):
    # PostgreSQL answers a NUL character in a query with an error: found by fuzzing Open311 (a 500 there).
    response = client.get("/open311/v2/requests.json", {"jurisdiction_id": "val\x00bourg"})
    assert response.status_code == 400  # refused at the door (core.middleware.NulCharacterMiddleware)
    assert "\x00" not in response.content.decode()
    assert client.get("/val%00bourg/signalements/").status_code == 400
    # and behind it, a name that is not a slug is simply unknown
    from beffroi.core import tenancy

    assert tenancy.api_tenant(name="val\x00bourg", key=None) is None
    assert tenancy.api_tenant(name="valbourg", key=None) == valbourg
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": "valbourg"}).status_code == 200
