"""The room booking as a resident and an agent go through it: what the mairie's silence means when the booking
is for a day the implicit decision would reach too late, the acceptance letter that says what is booked, the
decision shown instead of the silence once taken, and the agent's reading of the dossier."""

from __future__ import annotations

import html
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from beffroi.core import dates
from beffroi.procedures import builder, catalogue, deadlines, schema, selectors, services
from beffroi.procedures.models import DecisionTemplate, Dossier
from beffroi.territory.models import Place

IDENTITY = {
    "last_name": ["Martin"],
    "first_name": ["Jeanne"],
    "email": ["jeanne.martin@example.org"],
    "address-street": ["3 rue des Lilas"],
    "address-postcode": ["21990"],
    "address-city": ["Valbourg"],
}
DEPOSIT = (
    "Une caution de 300 € est demandée à la remise des clés, par chèque à l'ordre du Trésor public. Elle est "
    "rendue après l'état des lieux."
)


def text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).replace("\xa0", " ").split())


def words(value: str) -> str:
    return " ".join(value.replace("\xa0", " ").split())


def in_words(day: date) -> str:
    with translation.override("fr"):
        return dates.long_date(day)


@pytest.fixture
def hall(valbourg):
    return Place.objects.create(
        commune=valbourg, name="Salle des fêtes", kind="batiment", latitude=47.3, longitude=4.8
    )


@pytest.fixture
def booking(valbourg, hall):
    """The room booking as the commune opens it: installed, its deposit stated with its amount (as the demo's
    secretary writes it in the builder), published again."""
    demarche = services.template_install(commune=valbourg, actor=None, code="salle-communale")
    found = builder.find(demarche.draft_schema, "caution_info")
    assert found is not None
    form = builder.edit_field(demarche.draft_schema, key="caution_info", field={**found[0], "text": DEPOSIT})
    services.demarche_form_save(demarche=demarche, actor=None, form=form)
    services.demarche_publish(demarche=demarche, actor=None)
    return demarche


def _book(valbourg, booking, hall, event: date, capture) -> Dossier:
    dossier = services.dossier_start(
        commune=valbourg, demarche=booking, actor=None, applicant_kind="particulier"
    )
    assert services.dossier_save(dossier=dossier, posted=IDENTITY, identity=True, complete=True) == {}
    answers = {
        "salle": [str(hall.pk)],
        "date_evenement": [event.isoformat()],
        "horaires": ["de 18 h à 1 h"],
        "objet": ["familial"],
        "participants": ["80"],
    }
    insurance = {"attestation_assurance": SimpleUploadedFile("assurance.pdf", b"%PDF-1.4\n%%EOF\n")}
    assert services.dossier_save(dossier=dossier, posted=answers, files=insurance) == {}
    with capture(execute=True):
        return services.dossier_submit(dossier=dossier, actor=None)


def _pdf_text(content: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
    return words(out.stdout.decode())


# --- the rule, without Django -----------------------------------------------------------------------------


def test_silence_comes_too_late_on_or_after_the_day_or_within_a_week_of_it():
    party = date(2027, 6, 12)
    assert deadlines.comes_too_late(date(2027, 7, 1), party)  # after the party
    assert deadlines.comes_too_late(party, party)  # on the day itself
    assert deadlines.comes_too_late(date(2027, 6, 6), party)  # six days before: no time for the keys
    assert not deadlines.comes_too_late(date(2027, 6, 5), party)  # a week before: in time
    assert not deadlines.comes_too_late(None, party) and not deadlines.comes_too_late(party, None)


def test_the_day_a_request_is_for_is_its_earliest_shown_date_marked_answer_before():
    form = schema.check(catalogue.TEMPLATES["occupation-domaine-public"])
    assert schema.needed_on(form, {"date_debut": "2027-06-12", "date_fin": "2027-06-01"}) == date(2027, 6, 12)
    assert schema.needed_on(form, {}) is None
    room = schema.check(catalogue.TEMPLATES["salle-communale"])
    assert schema.needed_on(room, {"date_evenement": "2027-06-12"}) == date(2027, 6, 12)
    cantine = schema.check(catalogue.TEMPLATES["cantine-periscolaire"])
    assert schema.needed_on(cantine, {"jours_cantine": ["lundi"]}) is None  # no such day
    wrong = {**room, "sections": [{**room["sections"][0], "fields": [
        {"key": "horaires", "type": "short_text", "label": "Horaires", "answer_before": True}
    ]}]}  # fmt: skip
    with pytest.raises(schema.SchemaError) as refused:
        schema.check(wrong)
    assert "ne s'applique qu'à une date" in refused.value.problems[0]


# --- 1. a booking for a day the silence would reach too late ---------------------------------------------


def test_a_booking_for_a_near_day_is_told_not_to_rely_on_the_silence(
    client, valbourg, booking, hall, agent_valbourg, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    event = today + timedelta(days=20)
    dossier = _book(valbourg, booking, hall, event, django_capture_on_commit_callbacks)
    # The law's date is not moved to suit the party: two months from the reception (CRPA L231-1).
    assert dossier.deadline == deadlines.add_months(today, 2) and dossier.deadline > event
    party, legal = in_words(event), in_words(dossier.deadline)

    track = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))
    assert (
        f"Sans réponse de la mairie, votre demande ne serait considérée comme acceptée que le {legal}, trop "
        f"tard pour le {party}, date sur laquelle elle porte. Attendez sa réponse écrite et, sans nouvelles à "
        f"l'approche du {party}, contactez-la."
    ) in track
    assert f"Sans réponse de la mairie d'ici le {legal}" not in track  # never a date promised as if it helped
    by_code = text(client.get(f"/valbourg/demarches/suivi/?code={dossier.display_code}"))
    assert f"trop tard pour le {party}" in by_code

    # The accusé keeps the legal mention (R112-11-1 1°) and says what it means for the party, on the page, in
    # the mail and in the PDF.
    late = f"Votre demande porte sur le {party} : une décision implicite viendrait trop tard pour vous."
    receipt = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/accuse/"))
    mailed = words(mail.outbox[-1].body)
    for accuse in (receipt, mailed):
        assert f"elle sera réputée acceptée le {legal}" in accuse and late in accuse
    pdf = client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/accuse.pdf")
    assert late in _pdf_text(pdf.content)

    # The agent is told to decide before the party.
    client.force_login(agent_valbourg)
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert f"La demande porte sur le {party} : la décision implicite du {legal} viendrait trop tard" in page
    assert f"Décidez avant le {party}." in page

    client.logout()
    start = text(client.get(f"/valbourg/demarches/{booking.slug}/"))
    assert "le silence de la mairie ne vous répondrait pas à temps" in start


def test_a_booking_far_enough_ahead_keeps_the_usual_sentence_and_a_day_gone_by_is_said(
    client, valbourg, booking, hall, agent_valbourg, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    event = today + timedelta(days=120)
    dossier = _book(valbourg, booking, hall, event, django_capture_on_commit_callbacks)
    legal = in_words(dossier.deadline)
    track = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))
    assert (
        f"Sans réponse de la mairie d'ici le {legal}, votre demande sera considérée comme acceptée." in track
    )
    assert "trop tard" not in track and "trop tard" not in words(mail.outbox[-1].body)
    client.force_login(agent_valbourg)
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert f"La demande porte sur le {in_words(event)} : décidez avant cette date." in page

    # The party's day has gone by with no decision (its answer moved back, as time would): said as it is.
    past = today - timedelta(days=3)
    Dossier.objects.filter(pk=dossier.pk).update(
        answers={**dossier.answers, "date_evenement": past.isoformat()}
    )
    client.logout()
    track = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))
    assert (
        f"Le {in_words(past)}, date sur laquelle portait votre demande, est passé sans réponse de la mairie."
        in track
    )
    assert "sera considérée comme acceptée" not in track


# --- 2. the acceptance letter says what is booked; 3. the decision replaces the silence ----------------


def test_the_acceptance_says_the_room_day_hours_deposit_and_conditions_and_replaces_the_silence(
    client, valbourg, booking, hall, agent_valbourg, django_capture_on_commit_callbacks
):
    event = timezone.localdate() + timedelta(days=20)
    dossier = _book(valbourg, booking, hall, event, django_capture_on_commit_callbacks)
    client.force_login(agent_valbourg)
    url = f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"
    page = client.get(url)
    offered = [label for _pk, label in page.context["decision_form"].fields["template"].choices]
    assert offered[1] == "Acceptation d'une réservation de salle"  # the booking's own letter first
    template = DecisionTemplate.objects.get(commune=valbourg, title="Acceptation d'une réservation de salle")
    chosen = {"outcome": "accepte", "template": str(template.pk), "signatory": "Le maire, Michel Roy"}
    prefilled = client.post(f"{url}decider/", {**chosen, "text": "", "prefill": "1"})
    letter = prefilled.context["decision_form"].initial["text"]
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(f"{url}decider/", {**chosen, "text": letter})
    assert decided.status_code == 302
    dossier.refresh_from_db()
    what = [
        "salle : Salle des fêtes",
        f"date : le {in_words(event)}",
        "horaires : de 18 h à 1 h",
        "public attendu : 80 personnes.",
        DEPOSIT,  # the deposit as the commune states it in the form, with its amount
        "contre la caution et l'attestation d'assurance responsabilité civile",
        "après un état des lieux",
    ]
    pdf = _pdf_text(client.get(f"{url}decision.pdf").content)
    mailed = words(mail.outbox[-1].body)
    for said in what:
        assert said in words(dossier.decision_text), said
        assert said in mailed, said  # the letter itself in the decision's mail
        assert said in pdf, said
    assert "{{" not in dossier.decision_text

    # 3. The resident's pages say the decision, never what the silence would have meant.
    client.logout()
    for path in ("", "accuse/"):
        shown = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/{path}"))
        assert "réputée" not in shown and "sera considérée" not in shown and "trop tard" not in shown, path
        assert (
            f"La mairie a rendu sa décision le {in_words(dossier.decided_at)} : votre demande est acceptée."
            in (shown)
        ), path
    receipt_pdf = _pdf_text(
        client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/accuse.pdf").content
    )
    assert "réputée" not in receipt_pdf and "La mairie a rendu sa décision le" in receipt_pdf


def test_a_refusal_on_a_rejection_by_silence_no_longer_speaks_of_the_implicit_rejection(
    client, valbourg, agent_valbourg
):
    demarche = services.template_install(commune=valbourg, actor=None, code="occupation-domaine-public")
    dossier = services.dossier_start(
        commune=valbourg, demarche=demarche, actor=None, applicant_kind="particulier"
    )
    services.dossier_save(dossier=dossier, posted=IDENTITY, identity=True, complete=True)
    later = timezone.localdate() + timedelta(days=150)
    answers = {
        "nature": ["terrasse"],
        "adresse-street": ["3 rue Haute"],
        "adresse-postcode": ["21990"],
        "adresse-city": ["Valbourg"],
        "date_debut": [later.isoformat()],
        "date_fin": [(later + timedelta(days=30)).isoformat()],
        "surface": ["12"],
    }
    plan = {"plan": SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n")}
    assert services.dossier_save(dossier=dossier, posted=answers, files=plan) == {}
    dossier = services.dossier_submit(dossier=dossier, actor=None)
    before = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))
    assert (
        "rejet implicite" in before
    )  # the accusé's appeal against the implicit rejection, while it may come
    services.dossier_decide(
        dossier=dossier,
        actor=agent_valbourg,
        outcome="refuse",
        text="L'emprise gêne le passage des piétons.",
        signatory="Le maire, Michel Roy",
    )
    after = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))
    assert "rejet implicite" not in after and "réputée rejetée" not in after
    assert "votre demande est refusée" in after and "Une décision qui vous est défavorable" in after


def test_a_letter_made_for_the_booking_is_not_offered_for_another_demarche(
    valbourg, booking, cantine, school, django_capture_on_commit_callbacks
):
    dossier = services.dossier_start(
        commune=valbourg, demarche=cantine, actor=None, applicant_kind="particulier"
    )
    titles = [t.title for t in selectors.decision_templates_for(dossier=dossier)]
    assert "Acceptation d'une réservation de salle" not in titles
    assert {"Acceptation", "Refus", "Classement sans suite"} <= set(titles)
    services.template_install(commune=valbourg, actor=None, code="salle-communale")  # a second room démarche
    assert DecisionTemplate.objects.filter(title="Acceptation d'une réservation de salle").count() == 1


# --- 5. the agent reads the dossier as an agent -----------------------------------------------------------


def test_the_agent_reads_the_booking_under_a_heading_meant_for_agents(
    client, valbourg, booking, hall, agent_valbourg, django_capture_on_commit_callbacks
):
    dossier = _book(
        valbourg, booking, hall, timezone.localdate() + timedelta(days=90), django_capture_on_commit_callbacks
    )
    track = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))
    assert "Votre réservation" in track  # the resident's own words stay on the resident's page
    client.force_login(agent_valbourg)
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert "Réservation du demandeur" in page and "Votre réservation" not in page


def test_the_builder_marks_the_day_a_request_is_for(client, valbourg, booking, admin_valbourg):
    client.force_login(admin_valbourg)
    url = f"/valbourg/demarches/gestion/demarches/{booking.pk}/champ/date_evenement/"
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["answer_before"] is True
    posted = {"label": "Date de la fête", "help": "", "required": "on", "minimum": "today", "maximum": ""}
    assert client.post(url, posted).status_code == 302  # the box left unticked: no longer the day
    booking.refresh_from_db()
    field = builder.find(booking.draft_schema, "date_evenement")
    assert field is not None and "answer_before" not in field[0]
    assert client.post(url, {**posted, "answer_before": "on"}).status_code == 302
    booking.refresh_from_db()
    field = builder.find(booking.draft_schema, "date_evenement")
    assert field is not None and field[0]["answer_before"] is True
