"""Nothing of commune A is visible, listable or writable from commune B — pages and APIs."""

from django.core.management import call_command

from beffroi.core.models import AuditEntry
from beffroi.core.services import apikey_create


def login(client, user):
    client.force_login(user)


def test_agent_of_one_commune_cannot_enter_the_other_agents_space(client, agent_valbourg, agent_hautmesnil):
    login(client, agent_valbourg)
    assert client.get("/valbourg/espace-agents/").status_code == 200
    response = client.get("/hautmesnil/espace-agents/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_agents_space_lists_only_the_communes_own_teams(client, admin_valbourg, hautmesnil):
    from tests.factories import TeamFactory

    TeamFactory(commune=admin_valbourg.memberships.get().commune, name="Voirie de Valbourg")
    TeamFactory(commune=hautmesnil, name="Technique de Hautmesnil")
    login(client, admin_valbourg)
    html = client.get("/valbourg/espace-agents/").content.decode()
    assert "Voirie de Valbourg" in html
    assert "Technique de Hautmesnil" not in html


def test_audit_entries_of_another_commune_never_show(client, admin_valbourg, hautmesnil, valbourg):
    from beffroi.core.services import audit_record

    audit_record(commune=hautmesnil, action="secret.hautmesnil", summary="action à Hautmesnil")
    audit_record(commune=valbourg, action="visible.valbourg", summary="action à Valbourg")
    login(client, admin_valbourg)
    html = client.get("/valbourg/espace-agents/").content.decode()
    assert "action à Valbourg" in html
    assert "action à Hautmesnil" not in html


def test_api_key_names_its_own_commune_only(client, communes):
    valbourg, hautmesnil = communes
    _, secret = apikey_create(commune=hautmesnil, scope="read")
    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()["commune"] == "hautmesnil"


def test_habitant_has_no_agents_space(client, habitant_valbourg):
    login(client, habitant_valbourg)
    assert client.get("/valbourg/espace-agents/").status_code == 403


def test_anonymous_is_sent_to_login_from_agents_space(client, valbourg):
    response = client.get("/valbourg/espace-agents/")
    assert response.status_code == 302
    assert response["Location"].startswith("/valbourg/connexion/?next=/valbourg/espace-agents/")


def test_demo_loader_keeps_communes_apart_and_is_idempotent(db, capsys):
    call_command("demo", no_serve=True)
    counts = AuditEntry.objects.count()
    from beffroi.accounts.models import Membership, User
    from beffroi.core.models import Commune
    from beffroi.territory.models import Place, Team

    before = [m.objects.count() for m in (Commune, User, Membership, Team, Place)]
    call_command("demo", no_serve=True)
    after = [m.objects.count() for m in (Commune, User, Membership, Team, Place)]
    assert before == after
    assert AuditEntry.objects.count() == counts
    assert (
        Team.objects.filter(commune__slug="hautmesnil").values_list("name", flat=True).get()
        == "Services techniques"
    )
    out = capsys.readouterr().out
    for email in ("admin@demo.test", "elu@demo.test", "agent@demo.test", "habitant@demo.test"):
        assert email in out
    assert "beffroi-demo" in out
