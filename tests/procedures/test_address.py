"""The postal-address field: a map point placed with JavaScript, stored with the answer; without JavaScript the
address alone, placed from the commune's address base when it names one of its addresses."""

from __future__ import annotations

import html

import pytest
from django.utils import timezone

from beffroi.procedures import fields, services
from beffroi.procedures.models import Dossier
from beffroi.territory import addressing
from beffroi.territory.models import Address, AddressStreet


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def moving(valbourg):
    return services.template_install(commune=valbourg, actor=None, code="stationnement-demenagement")


@pytest.fixture
def addresses(valbourg):
    AddressStreet.objects.create(
        commune=valbourg, key=addressing.normalise("rue des Écoles"), name="rue des Écoles"
    )
    for number, lat in ((12, 47.31), (14, 47.312)):
        Address.objects.create(
            commune=valbourg,
            interop_key=f"21990_0001_{number:05d}",
            street="rue des Écoles",
            street_key=addressing.normalise("rue des Écoles"),
            number=number,
            latitude=lat,
            longitude=4.81,
        )


def test_a_map_point_is_checked_and_kept_with_the_address():
    field = {"key": "adresse", "type": "address", "label": "Adresse", "required": True}
    parts = {"street": ["3 rue Haute"], "postcode": ["21990"], "city": ["Valbourg"]}
    assert "point" not in fields.clean_address(field, parts)
    placed = fields.clean_address(field, {**parts, "lat": ["47.3123456"], "lon": ["4.8"]})
    assert placed["point"] == {"lat": 47.312346, "lon": 4.8, "source": "carte"}
    for lat, lon in (("abc", "4.8"), ("47.3", ""), ("95", "4.8"), ("nan", "4.8")):
        with pytest.raises(fields.FieldError) as exc:
            fields.clean_address(field, {**parts, "lat": [lat], "lon": [lon]})
        assert "carte" in exc.value.message()
    read = fields.display_value(field, placed)
    assert "point placé sur la carte : latitude 47,31235, longitude 4,80000" in read  # French decimal commas
    assert "47.3" not in read


def _step(client, valbourg, moving, address):
    client.post(f"/valbourg/demarches/{moving.slug}/", {"applicant_kind": "particulier"})
    dossier = moving.dossiers.get()
    url = f"/valbourg/demarches/brouillon/{dossier.access_token}/etape/0/"
    posted = {"version": str(dossier.version_id), "action": "save"}
    posted.update({f"adresse-{k}": v for k, v in address.items()})
    return dossier, url, client.post(url, posted)


def test_without_javascript_the_address_is_placed_from_the_address_base(client, valbourg, moving, addresses):
    dossier, url, response = _step(
        client, valbourg, moving, {"street": "14 rue des ecoles", "postcode": "21990", "city": "VALBOURG"}
    )
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert dossier.answers["adresse"]["point"] == {"lat": 47.312, "lon": 4.81, "source": "base_adresse"}
    page = text(client.get(url))
    assert 'class="procedures-map-field"' in page and 'name="adresse-lat" value=""' in page  # not the map's
    for typed in ({"street": "99 rue des Écoles"}, {"street": "rue des Écoles"}, {"city": "Dijon"}):
        client.post(
            url,
            {
                "version": str(dossier.version_id),
                "action": "save",
                "adresse-street": "14 rue des Écoles",
                "adresse-postcode": "21990",
                "adresse-city": "Valbourg",
                **{f"adresse-{k}": v for k, v in typed.items()},
            },
        )
        dossier.refresh_from_db()
        assert "point" not in dossier.answers["adresse"], typed


def test_with_javascript_the_point_placed_is_stored_and_shown_again(client, valbourg, moving, addresses):
    dossier, url, response = _step(
        client,
        valbourg,
        moving,
        {
            "street": "14 rue des Écoles",
            "postcode": "21990",
            "city": "Valbourg",
            "lat": "47.3001",
            "lon": "4.8002",
        },
    )
    dossier.refresh_from_db()
    assert dossier.answers["adresse"]["point"] == {"lat": 47.3001, "lon": 4.8002, "source": "carte"}
    page = text(client.get(url))
    assert 'name="adresse-lat" value="47.3001"' in page and 'id="basemap-config"' in page
    tampered = client.post(
        url,
        {
            "version": str(dossier.version_id),
            "action": "next",
            "adresse-street": "14 rue des Écoles",
            "adresse-postcode": "21990",
            "adresse-city": "Valbourg",
            "adresse-lat": "<script>",
            "adresse-lon": "4.8",
        },
    )
    assert tampered.status_code == 422
    assert "Le point placé sur la carte pour « Adresse du déménagement » n'est pas valable" in text(tampered)
    identity = text(client.get(f"/valbourg/demarches/brouillon/{dossier.access_token}/identite/"))
    assert "procedures-map-field" not in identity  # the applicant's own address: no map


def test_a_resident_reads_the_address_without_coordinates_the_agents_with_them(
    client, valbourg, moving, addresses, agent_valbourg
):
    dossier, _url, _response = _step(
        client, valbourg, moving, {"street": "14 rue des Écoles", "postcode": "21990", "city": "Valbourg"}
    )
    summary = text(client.get(f"/valbourg/demarches/brouillon/{dossier.access_token}/recapitulatif/"))
    assert "14 rue des Écoles, 21990 Valbourg" in summary
    assert "latitude" not in summary and "base adresse" not in summary

    Dossier.objects.filter(pk=dossier.pk).update(state=Dossier.State.FILED, received_on=timezone.localdate())
    track = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))
    assert "14 rue des Écoles, 21990 Valbourg" in track and "latitude" not in track
    client.force_login(agent_valbourg)
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert "14 rue des Écoles, 21990 Valbourg" in page
    assert "Point trouvé à cette adresse dans la base adresse de la commune" in page
    assert "latitude 47,31200, longitude 4,81000" in page  # the coordinates, as a detail after the words


def test_the_agents_read_a_map_point_as_the_nearest_address_the_coordinates_after(
    client, valbourg, moving, addresses, agent_valbourg
):
    # The applicant typed one address and placed the point on the map some 20 m from the 12 rue des Écoles.
    dossier, _url, _response = _step(
        client,
        valbourg,
        moving,
        {"street": "3 rue Haute", "postcode": "21990", "city": "Valbourg", "lat": "47.31018", "lon": "4.81"},
    )
    Dossier.objects.filter(pk=dossier.pk).update(state=Dossier.State.FILED, received_on=timezone.localdate())
    dossier.refresh_from_db()
    assert dossier.answers["adresse"]["point"]["source"] == "carte"
    client.force_login(agent_valbourg)
    page = " ".join(text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/")).split())
    words = "Point placé sur la carte par le demandeur, près du 12 rue des Écoles"
    assert words in page
    coordinates = "latitude 47,31018, longitude 4,81000"
    assert coordinates in page and page.index(words) < page.index(coordinates)  # in words first
    assert f"(point placé sur la carte : {coordinates})" not in page  # no longer the coordinates alone

    # far from every address of the base: said so, the coordinates still there
    point = {"lat": 47.4, "lon": 4.9, "source": "carte"}
    Dossier.objects.filter(pk=dossier.pk).update(
        answers={**dossier.answers, "adresse": {**dossier.answers["adresse"], "point": point}}
    )
    page = " ".join(text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/")).split())
    assert (
        "loin des adresses connues de la commune" in page and "latitude 47,40000, longitude 4,90000" in page
    )
