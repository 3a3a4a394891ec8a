"""A commune administrator manages members, teams and API keys — in their commune only."""

import html

from beffroi.accounts.models import Membership
from beffroi.core.models import ApiKey, AuditEntry
from beffroi.territory.models import Team
from tests.factories import member


def text(response) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


ADMIN = "/valbourg/espace-agents/administration/"


def test_admin_changes_a_role_in_words(client, admin_valbourg, valbourg):
    user = member(valbourg, "agent", "nouvel.agent@example.test")
    client.force_login(admin_valbourg)
    response = client.post(f"{ADMIN}membres/{user.pk}/role/", {"role": "elu"}, follow=True)
    assert Membership.objects.get(user=user).role == "elu"
    page = text(response)
    assert f"{user.full_name} a maintenant le rôle « élu·e »." in page
    assert AuditEntry.objects.filter(action="membership.set", commune=valbourg).count() == 1


def test_admin_creates_a_team_and_an_api_key_shown_once_on_its_own_page(client, admin_valbourg, valbourg):
    client.force_login(admin_valbourg)
    response = client.post(f"{ADMIN}services/", {"name": "Cimetière", "email": ""}, follow=True)
    assert Team.objects.filter(commune=valbourg, name="Cimetière").exists()
    assert "Le service « Cimetière » a été créé." in text(response)
    response = client.post(f"{ADMIN}cles-api/", {"name": "LoRaWAN", "scope": "write"})
    assert response["Location"] == f"{ADMIN}cles-api/nouvelle/"
    page = client.get(response["Location"])
    secret = page.context["secret"]
    assert secret.startswith("bfr_") and secret in text(page)
    assert page["Cache-Control"] == "no-store"
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}").json()["commune"] == "valbourg"
    again = client.get(f"{ADMIN}cles-api/nouvelle/", follow=True)
    assert secret not in text(again)
    assert "elle ne se montre qu'une fois" in text(again)
    assert secret not in text(client.get(f"{ADMIN}cles-api/"))


def test_admin_cannot_touch_another_communes_members_or_keys(
    client, admin_valbourg, agent_hautmesnil, hautmesnil
):
    from beffroi.core.services import apikey_create

    key, _ = apikey_create(commune=hautmesnil, scope="read")
    client.force_login(admin_valbourg)
    page = text(client.get(f"{ADMIN}membres/"))
    page += text(client.get(f"{ADMIN}cles-api/"))
    assert "agent@hautmesnil.test" not in page and key.prefix not in page
    response = client.post(f"{ADMIN}membres/{agent_hautmesnil.pk}/role/", {"role": "admin"})
    assert response.status_code == 404
    assert client.post(f"{ADMIN}membres/{agent_hautmesnil.pk}/retirer/").status_code == 404
    assert Membership.objects.get(user=agent_hautmesnil).role == "agent"
    assert client.post(f"{ADMIN}cles-api/{key.prefix}/revoquer/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
    assert client.get("/hautmesnil/espace-agents/administration/").status_code == 403


def test_agents_and_elus_cannot_administer(client, agent_valbourg):
    client.force_login(agent_valbourg)
    for path in ("", "membres/", "services/", "cles-api/", "membres/importer/"):
        assert client.get(ADMIN + path).status_code == 403


def test_invalid_key_form_keeps_the_page_with_a_french_error(client, admin_valbourg):
    client.force_login(admin_valbourg)
    response = client.post(f"{ADMIN}cles-api/", {"name": "", "scope": "write"})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in text(response)
    assert not ApiKey.objects.exists()


def test_the_keys_page_gives_the_addresses_of_the_communes_apis_and_they_answer_as_said(
    client, admin_valbourg, valbourg, hautmesnil
):
    """The administrator hands a developer the key and the addresses; on an instance of several communes, each
    address answers for Valbourg when the request names it the way the page says, and its documentation opens
    without any third-party server."""
    client.force_login(admin_valbourg)
    page = client.get(f"{ADMIN}cles-api/")
    endpoints = {endpoint["name"]: endpoint for endpoint in page.context["endpoints"]}
    open311 = endpoints["Signalements (Open311 GeoReport v2)"]
    ngsild = endpoints["Données des capteurs (NGSI-LD)"]
    platform = endpoints["API de la plateforme"]
    assert (
        open311["url"] == "http://testserver/open311/v2/" and "jurisdiction_id=valbourg" in open311["tenant"]
    )
    assert ngsild["url"] == "http://testserver/ngsi-ld/v1/" and "NGSILD-Tenant: valbourg" in ngsild["tenant"]
    assert "http://testserver/open311/v2/" in text(page) and "apikey create" not in text(page)
    client.logout()
    path = open311["url"].removeprefix("http://testserver")
    assert client.get(f"{path}services.json", {"jurisdiction_id": "valbourg"}).status_code == 200
    path = ngsild["url"].removeprefix("http://testserver")
    response = client.get(f"{path}entities", {"type": "Streetlight"}, HTTP_NGSILD_TENANT="valbourg")
    assert response.status_code == 200 and response["NGSILD-Tenant"] == "valbourg"
    docs = client.get(platform["docs"].removeprefix("http://testserver"))
    assert (
        docs.status_code == 200 and "cdn." not in docs.content.decode()
    )  # Swagger UI served by the instance


def test_the_keys_page_leaves_out_the_apis_of_a_module_switched_off(client, admin_valbourg, valbourg):
    valbourg.enabled_modules = [code for code in valbourg.enabled_modules if code != "datahub"]
    valbourg.save()
    client.force_login(admin_valbourg)
    names = [endpoint["name"] for endpoint in client.get(f"{ADMIN}cles-api/").context["endpoints"]]
    assert "Données des capteurs (NGSI-LD)" not in names and "API de la plateforme" in names
