"""The administrators' inventory of the commune's assets: add, edit, publish or withdraw, delete (confirmed),
audited; refused to agents and élus, and another commune's asset does not exist."""

import re

import pytest

from beffroi.core.models import AuditEntry
from beffroi.datahub import services
from beffroi.datahub.models import Entity
from tests.factories import member

pytestmark = pytest.mark.django_db

BASE = "/valbourg/donnees/configuration/capteurs/"


def _add(client, **extra):
    form = {
        "name": "Lampadaire place de l'Église",
        "kind": "Streetlight",
        "latitude": "47,3191",
        "longitude": "4,8247",
        **extra,
    }
    return client.post(BASE + "ajouter/", form, follow=True)


def test_an_administrator_adds_edits_publishes_and_deletes_an_asset(client, valbourg, admin_valbourg):
    client.force_login(admin_valbourg)
    listing = client.get(BASE).content.decode()
    assert "Ajouter un capteur" in listing
    form_page = client.get(BASE + "ajouter/").content.decode()
    assert '<option value="Streetlight">Lampadaire</option>' in form_page

    html = _add(client).content.decode().replace("&#x27;", "'")
    assert "Capteur « Lampadaire place de l'Église » ajouté." in html
    lamp = Entity.objects.get(commune=valbourg)
    assert lamp.type_name == "Streetlight" and not lamp.is_public
    assert lamp.entity_id == "urn:ngsi-ld:Streetlight:valbourg-lampadaire-place-de-leglise"
    assert (round(lamp.lat, 4), round(lamp.lon, 4)) == (47.3191, 4.8247)
    assert "Non publié" in html
    # Anonymous visitors do not see it until it is published.
    client.logout()
    assert client.get(f"/valbourg/donnees/equipement/{lamp.pk}/").status_code == 404
    client.force_login(admin_valbourg)

    html = client.post(f"{BASE}{lamp.pk}/publication/", {"publique": "1"}, follow=True).content.decode()
    assert "publié." in html
    lamp.refresh_from_db()
    assert lamp.is_public
    client.logout()
    assert client.get(f"/valbourg/donnees/equipement/{lamp.pk}/").status_code == 200
    client.force_login(admin_valbourg)

    edit = f"{BASE}{lamp.pk}/modifier/"
    assert 'value="47,3191"' in client.get(edit).content.decode()
    response = client.post(edit, {"name": "Lampadaire de l'église", "latitude": "47,32", "longitude": ""})
    assert response.status_code == 400
    assert "Indiquez la latitude et la longitude, ou aucune des deux." in response.content.decode().replace(
        "&#x27;", "'"
    )
    response = client.post(
        edit, {"name": "Lampadaire de l'église", "latitude": "", "longitude": ""}, follow=True
    )
    assert "Capteur « Lampadaire de l&#x27;église » enregistré." in response.content.decode()
    lamp.refresh_from_db()
    assert lamp.name == "Lampadaire de l'église" and lamp.lat is None and not lamp.is_public

    # Deleting asks first, on the shared confirmation page; nothing is deleted until it is confirmed.
    delete = f"{BASE}{lamp.pk}/supprimer/"
    asking = client.get(delete).content.decode()
    assert "Supprimer le capteur « Lampadaire de l&#x27;église » ?" in asking
    assert 'name="confirme" value="1"' in asking
    assert Entity.objects.filter(pk=lamp.pk).exists()
    html = client.post(delete, {"confirme": "1"}, follow=True).content.decode()
    assert "supprimé." in html
    assert not Entity.objects.filter(pk=lamp.pk).exists()
    actions = set(AuditEntry.objects.filter(commune=valbourg).values_list("action", flat=True))
    assert {
        "datahub.entity.create",
        "datahub.entity.publish",
        "datahub.entity.update",
        "datahub.entity.delete",
    } <= actions


def test_the_form_refuses_an_unknown_type_and_a_missing_name_in_french(client, admin_valbourg):
    client.force_login(admin_valbourg)
    response = _add(client, kind="Spaceship", name="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Indiquez le nom du capteur." in html
    assert "Choisissez un type d&#x27;équipement de la liste." in html


def test_agents_and_elus_are_refused_and_other_communes_assets_do_not_exist(
    client, valbourg, hautmesnil, agent_valbourg, admin_valbourg
):
    other = services.asset_create(
        commune=hautmesnil, actor=None, name="Benne du stade", kind="WasteContainer", is_public=True
    )
    mine = services.asset_create(
        commune=valbourg, actor=admin_valbourg, name="Benne 1", kind="WasteContainer"
    )
    for user in (agent_valbourg, member(valbourg, "elu", "elu-assets@valbourg.test")):
        client.force_login(user)
        assert client.get(BASE).status_code == 403
        assert client.post(BASE + "ajouter/", {"name": "x", "kind": "Streetlight"}).status_code == 403
        assert client.post(f"{BASE}{mine.pk}/supprimer/", {"confirme": "1"}).status_code == 403
    assert Entity.objects.filter(pk=mine.pk).exists()
    client.logout()
    assert client.get(BASE).status_code == 302  # to the login page
    client.force_login(admin_valbourg)
    assert "Benne du stade" not in client.get(BASE).content.decode()
    for url in (f"{BASE}{other.pk}/modifier/", f"{BASE}{other.pk}/supprimer/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{BASE}{other.pk}/publication/", {"publique": "0"}).status_code == 404
    assert client.post(f"{BASE}{other.pk}/supprimer/", {"confirme": "1"}).status_code == 404
    other.refresh_from_db()
    assert other.is_public


def test_the_inventory_is_linked_from_the_data_hub_for_administrators_only(
    client, valbourg, agent_valbourg, admin_valbourg
):
    client.force_login(admin_valbourg)
    assert BASE in client.get("/valbourg/donnees/").content.decode()
    assert BASE in client.get("/valbourg/donnees/alertes/").content.decode()
    client.force_login(agent_valbourg)
    assert BASE not in client.get("/valbourg/donnees/").content.decode()
    assert BASE not in client.get("/valbourg/donnees/alertes/").content.decode()


def test_the_journal_says_what_changed_on_an_asset_in_words(client, valbourg, admin_valbourg):
    client.force_login(admin_valbourg)
    _add(client, is_public="on")
    lamp = Entity.objects.get(commune=valbourg)
    client.post(f"{BASE}{lamp.pk}/publication/", {"publique": "0"})
    client.post(
        f"{BASE}{lamp.pk}/modifier/",
        {"name": "Lampadaire de l'église", "latitude": "47,32", "longitude": "4,8"},
    )
    entries = AuditEntry.objects.filter(commune=valbourg).order_by("pk")
    summaries = {e.action: e.summary for e in entries}
    assert summaries["datahub.entity.create"] == "Lampadaire place de l'Église"
    assert summaries["datahub.entity.publish"] == "Lampadaire place de l'Église : retiré de la publication"
    assert summaries["datahub.entity.update"] == "Lampadaire de l'église : nom, position"
    assert not any("urn:" in e.summary for e in entries)
    # The commune's journal shows them as they are written.
    journal = client.get("/valbourg/espace-agents/").content.decode().replace("&#x27;", "'")
    assert "Équipement modifié — Lampadaire de l'église : nom, position" in journal


def test_the_asset_form_speaks_plain_french(client, valbourg, admin_valbourg):
    client.force_login(admin_valbourg)
    lamp = services.asset_create(
        commune=valbourg, actor=admin_valbourg, name="Benne 1", kind="WasteContainer"
    )
    for url in (BASE + "ajouter/", f"{BASE}{lamp.pk}/modifier/"):
        html = client.get(url).content.decode()
        assert "NGSI" not in html
        assert "les logiciels qui lisent les données ouvertes de la commune le voient sans clé" in html
    html = client.get(f"{BASE}{lamp.pk}/modifier/").content.decode()
    assert "Identifiant technique (pour les logiciels)" in html and lamp.entity_id in html


def test_a_latitude_without_longitude_flags_the_empty_field(client, valbourg, admin_valbourg):
    client.force_login(admin_valbourg)
    response = _add(client, longitude="")
    html = response.content.decode()
    assert response.status_code == 400 and not Entity.objects.exists()
    assert 'aria-invalid="true"' in _input(html, "longitude")
    latitude = _input(html, "latitude")
    assert 'value="47,3191"' in latitude and 'inputmode="decimal"' in latitude
    assert "aria-invalid" not in latitude
    response = _add(client, latitude="")
    assert 'aria-invalid="true"' in _input(response.content.decode(), "latitude")


def _input(html: str, name: str) -> str:
    """The <input> element of the named field, as the page writes it."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def _square(lat: float, lon: float, half: float) -> dict:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_a_point_outside_the_commune_is_refused_in_french_on_adding_and_moving(
    client, valbourg, admin_valbourg
):
    valbourg.boundary = _square(47.3182, 4.8325, 0.025)
    valbourg.latitude, valbourg.longitude = 47.3182, 4.8325
    valbourg.save()
    client.force_login(admin_valbourg)
    refused = (
        "Ce point est en dehors de la commune de Valbourg : indiquez la position du capteur dans la commune. "
        "Son centre est à la latitude 47,3182 et la longitude 4,8325."
    )
    # Paris, typed for a lamp of a Burgundy village: refused, on the field, with what was typed kept.
    response = _add(client, latitude="48,8566", longitude="2,3522")
    assert response.status_code == 400
    html = response.content.decode()
    assert refused in html
    assert 'value="48,8566"' in html
    assert not Entity.objects.filter(commune=valbourg).exists()

    html = _add(client).content.decode()  # 47,3191 / 4,8247: in the village
    assert "ajouté." in html
    lamp = Entity.objects.get(commune=valbourg)
    response = client.post(
        f"{BASE}{lamp.pk}/modifier/", {"name": lamp.name, "latitude": "48,8566", "longitude": "2,3522"}
    )
    assert response.status_code == 400 and refused in response.content.decode()
    lamp.refresh_from_db()
    assert (round(lamp.lat, 4), round(lamp.lon, 4)) == (47.3191, 4.8247)
