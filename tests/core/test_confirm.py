"""Destructive actions are red and ask once more on a page of their own, without JavaScript; the action that
matters on a page is its primary button."""

import html
import re

from beffroi.core import services as core_services
from beffroi.core.models import ApiKey
from beffroi.territory import services as territory_services
from beffroi.territory.models import NewsItem

ADMIN = "/valbourg/espace-agents/administration/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_revoking_an_api_key_asks_on_a_page_then_revokes(client, admin_valbourg, valbourg):
    key, _secret = core_services.apikey_create(commune=valbourg, scope="read")
    client.force_login(admin_valbourg)
    listing = client.get(f"{ADMIN}cles-api/").content.decode()
    assert re.search(r'class="button button-danger">Révoquer', listing)
    url = f"{ADMIN}cles-api/{key.prefix}/revoquer/"
    asked = client.post(url)
    page = text(asked)
    assert asked.status_code == 200 and f"Révoquer la clé {key.prefix} ?" in page
    assert 'class="button button-danger">Révoquer la clé</button>' in page
    assert f'href="{ADMIN}cles-api/"' in page  # a way back that changes nothing
    assert 'name="confirme" value="1"' in page
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    done = client.post(url, {"confirme": "1"}, follow=True)
    assert "est révoquée" in text(done)
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None


def test_removing_a_news_item_asks_first_and_posts_its_fields_back(client, agent_valbourg, valbourg):
    item = territory_services.news_create(commune=valbourg, actor=agent_valbourg, title="Travaux", body="Rue")
    client.force_login(agent_valbourg)
    url = f"/valbourg/espace-agents/actualites/{item.pk}/supprimer/"
    page = text(client.post(url, {"next": "/valbourg/"}))
    assert "Retirer l'actualité « Travaux » ?" in page
    assert '<input type="hidden" name="next" value="/valbourg/">' in page
    assert NewsItem.objects.filter(pk=item.pk).exists()
    client.post(url, {"confirme": "1"})
    assert not NewsItem.objects.filter(pk=item.pk).exists()


def test_archiving_a_commune_is_confirmed_but_reopening_is_not(client, valbourg, django_user_model):
    operator = django_user_model.objects.create_user(email="op@exemple.test", password="x", is_staff=True)
    client.force_login(operator)
    url = "/plateforme/communes/valbourg/archiver/"
    assert "Archiver Valbourg ?" in text(client.post(url))
    valbourg.refresh_from_db()
    assert valbourg.archived_at is None
    client.post(url, {"confirme": "1"})
    valbourg.refresh_from_db()
    assert valbourg.archived_at is not None
    client.post(url, {"action": "reactivate"})
    valbourg.refresh_from_db()
    assert valbourg.archived_at is None
