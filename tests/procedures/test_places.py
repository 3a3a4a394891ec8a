"""A « place » question offers the places it is meant for: a room booking lists the commune's rooms, never its
streets, squares, parks or schools (the builder's « Lieux proposés », else the kinds the template names)."""

from __future__ import annotations

import html
import re

import pytest

from beffroi.core import demo
from beffroi.procedures import services
from beffroi.procedures.models import Demarche, Dossier
from beffroi.territory.models import Place

VALBOURG_PLACES = [
    ("Mairie", "batiment"),
    ("École élémentaire Jules-Ferry", "ecole"),
    ("Place du Marché", "place"),
    ("Salle des fêtes", "batiment"),
    ("Parc du Château", "parc"),
    ("Rue de la République", "voie"),
]


def text(response):
    return html.unescape(response.content.decode())


def offered(page: str, name: str) -> list[str]:
    """The options of the select named `name`, as a person reads them."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, f"no select {name}"
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))][1:]


@pytest.fixture
def places(valbourg):
    return {
        name: Place.objects.create(commune=valbourg, name=name, kind=kind, latitude=47.3, longitude=4.8)
        for name, kind in VALBOURG_PLACES
    }


@pytest.fixture
def salle(valbourg, places):
    return services.template_install(commune=valbourg, actor=None, code="salle-communale")


def _step_page(client, salle):
    started = client.post(f"/valbourg/demarches/{salle.slug}/", {"applicant_kind": "particulier"})
    token = started["Location"].split("/brouillon/")[1].split("/")[0]
    dossier = Dossier.objects.get(access_token=token)
    identity = {"last_name": ["Martin"], "first_name": ["Jeanne"], "email": ["jeanne.martin@example.org"]}
    services.dossier_save(dossier=dossier, posted=identity, identity=True)
    return text(client.get(f"/valbourg/demarches/brouillon/{dossier.access_token}/etape/0/")), dossier


def test_the_room_booking_template_offers_no_street_square_park_or_school(client, salle, agent_valbourg):
    page, _dossier = _step_page(client, salle)
    assert "Salle souhaitée" in page
    assert offered(page, "salle") == ["Mairie", "Salle des fêtes"]  # public buildings only
    client.force_login(agent_valbourg)
    counter = text(client.get(f"/valbourg/demarches/gestion/guichet/{salle.slug}/"))
    assert offered(counter, "salle") == ["Mairie", "Salle des fêtes"]


def test_the_secretary_picks_the_rooms_and_residents_see_and_may_choose_only_those(
    client, valbourg, salle, places, admin_valbourg
):
    client.force_login(admin_valbourg)
    edit_url = f"/valbourg/demarches/gestion/demarches/{salle.pk}/champ/salle/"
    form = text(client.get(edit_url))
    assert "Lieux proposés" in form and "Rue de la République" in form
    saved = client.post(
        edit_url,
        {
            "label": "Salle souhaitée",
            "help": "Les salles de la commune.",
            "required": "on",
            "places": [str(places["Salle des fêtes"].pk)],
        },
    )
    assert saved.status_code == 302
    services.demarche_publish(demarche=salle, actor=admin_valbourg)
    client.logout()

    page, dossier = _step_page(client, salle)
    assert offered(page, "salle") == ["Salle des fêtes"]
    # a place posted that the question does not offer is refused, in French, and not stored
    refused = client.post(
        f"/valbourg/demarches/brouillon/{dossier.access_token}/etape/0/",
        {"salle": str(places["Parc du Château"].pk), "action": "save", "version": dossier.version_id},
    )
    assert "Choisissez un lieu de la liste pour « Salle souhaitée »." in text(refused)
    dossier.refresh_from_db()
    assert "salle" not in dossier.answers


def test_an_imported_form_naming_places_of_another_commune_falls_back_to_its_kinds(client, valbourg, places):
    form = services.demarche_export(
        demarche=services.template_install(commune=valbourg, actor=None, code="salle-communale")
    )
    form["sections"][0]["fields"][0]["places"] = ["999999"]  # a place id of the commune it came from
    imported = services.demarche_import(commune=valbourg, actor=None, data=form)
    services.demarche_publish(demarche=imported, actor=None)
    page, _dossier = _step_page(client, imported)
    assert offered(page, "salle") == ["Mairie", "Salle des fêtes"]


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_room_booking_offers_the_salle_des_fetes_only(client):
    for step in demo.steps():
        if step.name in ("territory", "procedures"):
            step.load()
    salle = Demarche.objects.get(commune__slug="valbourg", template_code="salle-communale")
    page, _dossier = _step_page(client, salle)
    assert offered(page, "salle") == ["Salle des fêtes"]
    booked = {
        d.answers.get("salle") for d in Dossier.objects.filter(demarche=salle).exclude(state="brouillon")
    }
    assert booked == {str(Place.objects.get(commune__slug="valbourg", name="Salle des fêtes").pk)}
