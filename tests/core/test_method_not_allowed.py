"""An action's address opened as a page (a reload, a bookmark, a link copied from the address bar)."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_action_opened_as_a_page_says_so_in_french_and_leads_back(client, communes):
    response = client.get("/valbourg/signalements/209/soutenir/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "Cette adresse sert à envoyer un formulaire" in html
    assert "Rien n'a été modifié" in html or "Rien n&#x27;a été modifié" in html
    assert 'href="/valbourg/signalements/209/"' in html  # the report the action was about


def test_the_link_back_skips_addresses_that_are_not_pages(client, communes, admin_valbourg):
    client.force_login(admin_valbourg)
    response = client.get("/valbourg/espace-agents/administration/invitations/2/annuler/")

    assert response.status_code == 405
    html = response.content.decode()
    assert (
        'href="/valbourg/espace-agents/administration/invitations/' not in html
    )  # no such page: the link goes further up
    assert 'href="/valbourg/espace-agents/administration/"' in html


def test_machine_clients_get_their_own_error_form(client, communes):
    response = client.delete("/open311/v2/services.json")

    assert response.status_code == 405
    assert "text/html" not in response["Content-Type"]
