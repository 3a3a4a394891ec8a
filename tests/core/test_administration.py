"""A commune administrator manages members, teams and API keys — in their commune only."""

from beffroi.accounts.models import Membership, User
from beffroi.core.models import ApiKey, AuditEntry
from beffroi.territory.models import Team


def test_admin_adds_a_member_and_changes_a_role(client, admin_valbourg, valbourg):
    client.force_login(admin_valbourg)
    response = client.post(
        "/valbourg/espace-agents/administration/",
        {
            "form": "member",
            "email": "nouvel.agent@example.test",
            "full_name": "Nouvel Agent",
            "role": "agent",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nouvel.agent@example.test")
    assert Membership.objects.get(user=user, commune=valbourg).role == "agent"
    client.post(f"/valbourg/espace-agents/administration/membres/{user.pk}/role/", {"role": "elu"})
    assert Membership.objects.get(user=user).role == "elu"
    assert AuditEntry.objects.filter(action="membership.set", commune=valbourg).count() == 2


def test_admin_creates_a_team_and_an_api_key_shown_once(client, admin_valbourg, valbourg):
    client.force_login(admin_valbourg)
    client.post("/valbourg/espace-agents/administration/", {"form": "team", "name": "Cimetière", "email": ""})
    assert Team.objects.filter(commune=valbourg, name="Cimetière").exists()
    response = client.post(
        "/valbourg/espace-agents/administration/", {"form": "apikey", "name": "LoRaWAN", "scope": "write"}
    )
    secret = response.context["new_secret"]
    assert secret and secret in response.content.decode()
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}").json()["commune"] == "valbourg"
    assert secret not in client.get("/valbourg/espace-agents/administration/").content.decode()


def test_admin_cannot_touch_another_communes_members_or_keys(
    client, admin_valbourg, agent_hautmesnil, hautmesnil
):
    from beffroi.core.services import apikey_create

    key, _ = apikey_create(commune=hautmesnil, scope="read")
    client.force_login(admin_valbourg)
    page = client.get("/valbourg/espace-agents/administration/").content.decode()
    assert "agent@hautmesnil.test" not in page and key.prefix not in page
    response = client.post(
        f"/valbourg/espace-agents/administration/membres/{agent_hautmesnil.pk}/role/", {"role": "admin"}
    )
    assert response.status_code == 404
    assert Membership.objects.get(user=agent_hautmesnil).role == "agent"
    assert (
        client.post(f"/valbourg/espace-agents/administration/cles-api/{key.prefix}/revoquer/").status_code
        == 404
    )
    key.refresh_from_db()
    assert key.revoked_at is None
    assert client.get("/hautmesnil/espace-agents/administration/").status_code == 403


def test_agents_and_elus_cannot_administer(client, agent_valbourg):
    client.force_login(agent_valbourg)
    assert client.get("/valbourg/espace-agents/administration/").status_code == 403


def test_invalid_member_form_keeps_the_page_with_a_french_error(client, admin_valbourg):
    client.force_login(admin_valbourg)
    response = client.post(
        "/valbourg/espace-agents/administration/",
        {"form": "member", "email": "pas-une-adresse", "role": "agent"},
    )
    assert response.status_code == 200
    assert "Saisissez une adresse de courriel valide" in response.content.decode()
    assert not ApiKey.objects.exists()
