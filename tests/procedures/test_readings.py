"""What people read of a dossier: its answers by their labels wherever they are shown or exported, the pages'
messages once, the accusé and the mails in words."""

from __future__ import annotations

import html
import re

from django.core import mail
from django.utils import timezone

from beffroi.core import dates
from beffroi.procedures import fields, services
from beffroi.procedures.models import Dossier
from tests.procedures.test_agent_pages import pdf_text
from tests.procedures.test_instruction import IDENTITY, _answers, _pdf, file_dossier


def text(response):
    return html.unescape(response.content.decode())


def test_a_place_answer_reads_as_the_place_name_on_every_page_and_in_the_export(
    client, valbourg, cantine, school, agent_valbourg
):
    dossier = file_dossier(valbourg, cantine, school)
    stored = f"École : {school.pk}"
    track = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))
    assert "École : École Jules-Ferry" in track and stored not in track
    assert "Classe : CP" in track  # a choice by its label, not its key « cp »

    client.force_login(agent_valbourg)
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert "École : École Jules-Ferry" in page and stored not in page
    export = client.get(f"/valbourg/demarches/gestion/demarches/{cantine.pk}/export.csv")
    row = export.content.decode("utf-8-sig").splitlines()[1]
    assert "École Jules-Ferry" in row and ", cp," not in row


def test_a_letter_names_the_place_not_its_number(valbourg, school, agent_valbourg):
    demarche = services.template_install(commune=valbourg, actor=None, code="salle-communale")
    form = demarche.current_version.schema
    assert any(item["key"] == "salle" for s in form["sections"] for item in s["fields"])
    dossier = services.dossier_start(
        commune=valbourg, demarche=demarche, actor=None, applicant_kind="particulier"
    )
    dossier.answers = {"salle": str(school.pk)}
    _values, answers = services.letter_values(dossier)
    assert answers["salle"] == "École Jules-Ferry"


def test_an_unknown_tracking_code_is_said_once(client, valbourg, cantine):
    page = client.get("/valbourg/demarches/suivi/?code=AAAA-AAAA")
    assert page.status_code == 404
    assert (
        text(page).count("Aucun dossier déposé ne porte ce code") == 2
    )  # the summary and the field, once each
    assert text(page).count('class="error-summary"') == 1


def test_a_signed_in_resident_finds_the_identification_filled_from_the_account(
    client, valbourg, cantine, habitant_valbourg
):
    habitant_valbourg.full_name = "Camille Durand"
    habitant_valbourg.phone = "06 11 22 33 44"
    habitant_valbourg.save()
    client.force_login(habitant_valbourg)
    started = client.post(f"/valbourg/demarches/{cantine.slug}/", {"applicant_kind": "particulier"})
    page = text(client.get(started["Location"]))
    assert 'value="Camille"' in page and 'value="Durand"' in page
    assert f'value="{habitant_valbourg.email}"' in page and 'value="06 11 22 33 44"' in page
    # still editable: what the person types replaces it
    dossier = Dossier.objects.get()
    posted = {**IDENTITY, "first_name": ["Camille-Anne"], "email": [habitant_valbourg.email]}
    assert services.dossier_save(dossier=dossier, posted=posted, identity=True, complete=True) == {}
    assert dossier.identity["first_name"] == "Camille-Anne"
    # a signed-in resident is not asked to note the page's address: the draft waits with their dossiers
    step = text(client.get(f"/valbourg/demarches/brouillon/{dossier.access_token}/etape/1/"))
    assert "vous le retrouvez avec vos dossiers" in step and "notez-la" not in step


def test_the_accuse_page_says_where_the_mail_went(client, valbourg, cantine, school, habitant_valbourg):
    dossier = file_dossier(valbourg, cantine, school)
    page = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/accuse/"))
    assert "Un accusé de réception a été envoyé à <strong>jeanne.martin@example.org</strong>" in page

    # an account whose address is not confirmed yet is sent nothing: the page does not pretend otherwise
    habitant_valbourg.email_confirmed_at = None
    habitant_valbourg.save()
    unconfirmed = services.dossier_start(
        commune=valbourg, demarche=cantine, actor=habitant_valbourg, applicant_kind="particulier"
    )
    posted = {**IDENTITY, "email": [habitant_valbourg.email]}
    services.dossier_save(dossier=unconfirmed, posted=posted, identity=True, complete=True)
    services.dossier_save(
        dossier=unconfirmed, posted=_answers(school), files={"justificatif_domicile": _pdf()}
    )
    services.dossier_submit(dossier=unconfirmed, actor=habitant_valbourg)
    page = text(client.get(f"/valbourg/demarches/dossier/{unconfirmed.access_token}/accuse/"))
    assert "Aucun courriel ne vous a été envoyé" in page and "a été envoyé à" not in page


def test_the_mails_greet_close_and_give_dates_in_words(
    valbourg, cantine, school, agent_valbourg, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = file_dossier(valbourg, cantine, school)
        services.dossier_take(dossier=dossier, actor=agent_valbourg)
    assert len(mail.outbox) >= 2
    for message in mail.outbox:
        assert message.body.startswith("Bonjour,\n\n"), message.body[:40]
        assert message.body.rstrip().endswith("Mairie de Valbourg"), message.body[-40:]
    receipt = next(m for m in mail.outbox if "reçu" in m.subject).body
    filed = timezone.localtime(dossier.filed_at)
    assert f"le {dates.long_datetime(filed)} sous le numéro" in receipt
    assert not re.search(r"\d\d/\d\d/\d{4}", receipt)  # no numeric date anywhere in the accusé


def test_the_letter_templates_are_offered_by_their_title_only(
    client, valbourg, cantine, school, agent_valbourg
):
    dossier = file_dossier(valbourg, cantine, school)
    services.decision_templates_ensure(commune=valbourg)
    client.force_login(agent_valbourg)
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert ">Acceptation</option>" in page and "(acceptation)" not in page


def test_the_phone_numbers_of_the_printed_accuse_are_never_cut(
    client, valbourg, cantine, school, agent_valbourg
):
    dossier = file_dossier(valbourg, cantine, school)
    client.force_login(agent_valbourg)
    # A letterhead long enough to wrap: whatever its length, the mairie's number stays on one line.
    for extra in range(0, 24, 2):
        valbourg.address = (
            "Hôtel de ville, 12 rue du Général-de-Gaulle prolongée, 21990 Valbourg " + "x" * extra
        )
        valbourg.contact_email = "m@v.fr"
        valbourg.save()
        pdf = client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/accuse.pdf").content
        letterhead = pdf_text(pdf).split("Valbourg, le")[0]
        assert "Tél. 03 80 00 00 00" in letterhead.replace("\u00a0", " "), (extra, letterhead)
    assert fields.display_value({"type": "phone"}, "+33612345678") == "06\u00a012\u00a034\u00a056\u00a078"
