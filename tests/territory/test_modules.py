"""The commune's administrator opens and closes modules from the administration page; the switch is then off
everywhere (tests/core/test_module_switch.py checks every surface), and nothing of the module's data is lost."""

from beffroi.core.models import AuditEntry, Commune


def test_the_administrator_closes_and_reopens_a_module_from_the_page(client, valbourg, admin_valbourg):
    client.force_login(admin_valbourg)
    page = client.get("/valbourg/espace-agents/administration/").content.decode()
    assert "Modules de la commune" in page and 'value="datahub"' in page

    kept = ["reports", "budgeting", "planning"]
    response = client.post("/valbourg/espace-agents/administration/", {"form": "modules", "codes": kept})
    assert response.status_code == 302
    assert Commune.objects.get(pk=valbourg.pk).enabled_modules == kept
    assert client.get("/valbourg/donnees/").status_code == 404
    assert AuditEntry.objects.filter(commune=valbourg, action="commune.update").exists()

    client.post("/valbourg/espace-agents/administration/", {"form": "modules", "codes": [*kept, "datahub"]})
    assert client.get("/valbourg/donnees/").status_code == 200


def test_an_unknown_module_is_refused_and_changes_nothing(client, valbourg, admin_valbourg):
    client.force_login(admin_valbourg)
    before = Commune.objects.get(pk=valbourg.pk).enabled_modules
    response = client.post(
        "/valbourg/espace-agents/administration/", {"form": "modules", "codes": ["inconnu"]}
    )
    assert response.status_code == 200
    assert "inconnu" in response.content.decode()  # the form says the choice is not one of the modules
    assert Commune.objects.get(pk=valbourg.pk).enabled_modules == before


def test_an_agent_cannot_switch_modules(client, valbourg, agent_valbourg):
    client.force_login(agent_valbourg)
    response = client.post("/valbourg/espace-agents/administration/", {"form": "modules", "codes": []})
    assert response.status_code == 403
    assert Commune.objects.get(pk=valbourg.pk).enabled_modules
