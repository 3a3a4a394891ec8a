"""The demo's démarches as a resident reads them: a price they mention is a price they give."""

from __future__ import annotations

import html
import re

from beffroi.procedures import demo, schema
from beffroi.procedures.models import Demarche
from beffroi.territory.models import Place

# Words that announce something to pay: a text that says one of them says how much.
MONEY = re.compile(r"\b(caution|tarif|prix|co[uû]te?|redevance|frais|payant|paiement|montant)", re.IGNORECASE)
AMOUNT = re.compile(r"\d[\d\s]*(,\d+)?\s€")


def text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).replace("\xa0", " ").split())


def _read(form: dict) -> list[str]:
    """Everything a resident reads of a form but the questions themselves: its description, the steps' help,
    the explanations and the help under each question."""
    texts = [form.get("description", "")]
    texts += [section.get("help", "") for section in form.get("sections", [])]
    for _section, item in schema.iter_fields(form):
        for question in [item, *item.get("fields", [])]:
            texts += [question.get("help", ""), question.get("text", "")]
    return [" ".join(t.replace("\xa0", " ").split()) for t in texts if t]


def test_the_demo_room_booking_gives_its_deposit_and_no_text_names_a_price_it_does_not_give(client, valbourg):
    Place.objects.create(
        commune=valbourg, name="Salle des fêtes", kind="batiment", latitude=47.3, longitude=4.8
    )
    Place.objects.create(
        commune=valbourg, name="École des Tilleuls", kind="ecole", latitude=47.3, longitude=4.8
    )
    demo.load()

    room = Demarche.objects.get(commune=valbourg, template_code="salle-communale")
    client.post(f"/valbourg/demarches/{room.slug}/", {"applicant_kind": "particulier"})
    draft = room.dossiers.get(state="brouillon")
    page = text(client.get(f"/valbourg/demarches/brouillon/{draft.access_token}/etape/0/"))
    assert "Une caution de 300 € est demandée à la remise des clés" in page

    published = Demarche.objects.filter(commune=valbourg).select_related("current_version")
    assert published.count() == 8
    for demarche in published:
        for said in _read(demarche.current_version.schema):
            if MONEY.search(said):
                assert AMOUNT.search(said), f"« {demarche.title} » names a price without giving it: {said}"
