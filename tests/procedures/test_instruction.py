"""The agents' side: instruction end to end, counter filing, versions, the builder, reminders, export, isolation."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from beffroi.core.models import AuditEntry
from beffroi.procedures import letters, services
from beffroi.procedures.models import Dossier, DossierEvent
from tests.factories import member


def text(response):
    return html.unescape(response.content.decode())


IDENTITY = {
    "last_name": ["Martin"],
    "first_name": ["Jeanne"],
    "email": ["jeanne.martin@example.org"],
    "address-street": ["3 rue des Lilas"],
    "address-postcode": ["21990"],
    "address-city": ["Valbourg"],
}


def _answers(school):
    return {
        "enfants-rows": ["1"],
        "enfants-0-prenom": ["Léa"],
        "enfants-0-nom": ["Martin"],
        "enfants-0-naissance": ["2017-05-12"],
        "enfants-0-ecole": [str(school.pk)],
        "enfants-0-classe": ["cp"],
        "enfants-0-regime_alimentaire": ["standard"],
        "jours_cantine": ["lundi"],
        "periscolaire": ["non"],
    }


def figure(page: str, label: str) -> str:
    """The number under a key figure of the queue's header (a link to the dossiers it counts)."""
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>(?:<a [^>]*>)?([\d\u202f ]+)", page)
    return found[1].strip() if found else ""


def _pdf():
    return SimpleUploadedFile("domicile.pdf", b"%PDF-1.4\n%%EOF\n")


def file_dossier(valbourg, cantine, school):
    dossier = services.dossier_start(
        commune=valbourg, demarche=cantine, actor=None, applicant_kind="particulier"
    )
    assert services.dossier_save(dossier=dossier, posted=IDENTITY, identity=True, complete=True) == {}
    assert (
        services.dossier_save(
            dossier=dossier, posted=_answers(school), files={"justificatif_domicile": _pdf()}
        )
        == {}
    )
    return services.dossier_submit(dossier=dossier, actor=None)


def test_an_agent_handles_a_dossier_end_to_end(
    client, valbourg, cantine, school, agent_valbourg, django_capture_on_commit_callbacks
):
    dossier = file_dossier(valbourg, cantine, school)
    services.decision_templates_ensure(commune=valbourg)
    client.force_login(agent_valbourg)
    queue = client.get("/valbourg/demarches/gestion/")
    assert queue.status_code == 200 and dossier.display_code in text(queue)
    page = client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/")
    assert "Léa" in text(page) and "domicile.pdf" in text(page)

    assert client.post(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/prendre/").status_code == 302
    empty = client.post(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/pieces/", {"pieces": ""})
    assert empty.status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(
            f"/valbourg/demarches/gestion/dossier/{dossier.pk}/pieces/",
            {"pieces": "Le carnet de vaccination."},
        )
    assert asked.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "incomplet" and dossier.deadline is None
    assert "Le carnet de vaccination." in mail.outbox[-1].body
    assert "L114-5" in mail.outbox[-1].body

    # The applicant answers on the tracking page (private link, no account), with the piece attached.
    client.logout()
    track = client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/")
    assert "Pièces demandées par la mairie" in text(track)
    assert "Le délai de réponse de la mairie repartira de zéro à leur réception." in text(track)
    assert "Sans réponse de la mairie" not in text(track)  # no date while the period is stopped
    answered = client.post(
        f"/valbourg/demarches/dossier/{dossier.access_token}/",
        {
            "body": "Voici le carnet.",
            "pieces": "1",
            "attachment": SimpleUploadedFile("carnet.pdf", b"%PDF-1.4\n"),
        },
    )
    assert answered.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "en_instruction"
    assert dossier.deadline is not None and dossier.deadline >= timezone.localdate() + timedelta(days=58)

    client.force_login(agent_valbourg)
    note = client.post(
        f"/valbourg/demarches/gestion/dossier/{dossier.pk}/annoter/", {"note": "Vu en commission."}
    )
    assert note.status_code == 302
    template = valbourg_template(valbourg, "accepte")
    chosen = {"outcome": "accepte", "template": str(template.pk), "signatory": "Le maire, Jeanne Roy"}
    # the template's letter, filled with the dossier, is read in the form before the decision is recorded
    prefilled = client.post(
        f"/valbourg/demarches/gestion/dossier/{dossier.pk}/decider/", {**chosen, "text": "", "prefill": "1"}
    )
    assert prefilled.status_code == 200
    letter = prefilled.context["decision_form"].initial["text"]
    assert dossier.display_code in letter
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(
            f"/valbourg/demarches/gestion/dossier/{dossier.pk}/decider/", {**chosen, "text": letter}
        )
    assert decided.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "accepte"
    assert dossier.display_code in dossier.decision_text and "Valbourg" in dossier.decision_text
    assert "décision" in mail.outbox[-1].subject.lower()
    letter = client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/decision.pdf")
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")

    client.logout()
    track = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))
    assert "Décision : accepté" in track and "Vu en commission." not in track  # a private note stays private
    actions = set(AuditEntry.objects.filter(object_id=str(dossier.pk)).values_list("action", flat=True))
    assert {
        "procedures.dossier.take",
        "procedures.dossier.request_pieces",
        "procedures.dossier.pieces",
        "procedures.dossier.annotate",
        "procedures.dossier.decide",
    } <= actions


def valbourg_template(commune, outcome):
    from beffroi.procedures.models import DecisionTemplate

    return DecisionTemplate.objects.get(commune=commune, outcome=outcome)


def test_pieces_awaited_suspend_the_date_and_the_answer_starts_it_again(
    valbourg, cantine, school, agent_valbourg
):
    dossier = file_dossier(valbourg, cantine, school)
    assert dossier.deadline is not None
    services.dossier_request_pieces(dossier=dossier, actor=agent_valbourg, pieces="Un justificatif.")
    dossier.refresh_from_db()
    assert dossier.deadline is None
    services.message_from_applicant(dossier=dossier, body="Le voici", pieces=True)
    dossier.refresh_from_db()
    from beffroi.procedures.deadlines import add_months

    assert dossier.deadline == add_months(timezone.localdate(), 2)


def test_the_queue_puts_the_overdue_first_and_refuses_residents_and_other_communes(
    client, valbourg, hautmesnil, cantine, school, agent_valbourg, agent_hautmesnil, habitant_valbourg
):
    first, second = file_dossier(valbourg, cantine, school), file_dossier(valbourg, cantine, school)
    Dossier.objects.filter(pk=second.pk).update(deadline=date.today() - timedelta(days=3))
    client.force_login(agent_valbourg)
    page = text(client.get("/valbourg/demarches/gestion/"))
    assert page.index(second.display_code) < page.index(first.display_code)
    assert "dépassée de 3 jours" in page
    assert figure(page, "Ouverts") == "2"
    assert figure(page, "Date de décision implicite dépassée") == "1"
    Dossier.objects.filter(pk=first.pk).update(state="incomplet", deadline=None)  # pieces awaited: no date
    page = text(client.get("/valbourg/demarches/gestion/"))
    assert figure(page, "Date de décision implicite dépassée") == "1"
    assert figure(page, "En attente de pièces") == "1"
    overdue = text(client.get("/valbourg/demarches/gestion/?retard=1"))
    assert second.display_code in overdue and first.display_code not in overdue

    client.force_login(habitant_valbourg)
    assert client.get("/valbourg/demarches/gestion/").status_code == 403
    client.force_login(agent_hautmesnil)
    assert client.get(f"/hautmesnil/demarches/gestion/dossier/{first.pk}/").status_code == 404
    assert client.post(f"/hautmesnil/demarches/gestion/dossier/{first.pk}/prendre/").status_code == 404


def test_the_queue_rows_follow_every_change_of_what_they_show(
    client, valbourg, cantine, school, agent_valbourg
):
    # The rows are kept rendered (fragments cache) under what they show: each change must reach the page,
    # even when written by a queryset update that leaves the row's updated_at as it was.
    dossier = file_dossier(valbourg, cantine, school)
    client.force_login(agent_valbourg)

    def row():
        page = text(client.get("/valbourg/demarches/gestion/?etat=tous"))
        start = page.index(dossier.display_code)
        return page[page.rindex("<tr>", 0, start) : page.index("</tr>", start)]

    first = row()
    assert "Déposé" in first and "Jeanne Martin" in first and "—" in first
    assert f"/valbourg/demarches/gestion/dossier/{dossier.pk}/" in first

    services.dossier_take(dossier=dossier, actor=agent_valbourg)
    assert "En instruction" in row()
    services.dossier_assign(dossier=dossier, actor=agent_valbourg, assignee=agent_valbourg)
    agent_valbourg.full_name = "Agnès Instructrice"
    agent_valbourg.save()
    assert "Agnès Instructrice" in row()
    Dossier.objects.filter(pk=dossier.pk).update(identity={**dossier.identity, "last_name": "Durand"})
    assert "Jeanne Durand" in row()
    cantine.__class__.objects.filter(pk=cantine.pk).update(title="Cantine et garderie")
    assert "Cantine et garderie" in row()
    Dossier.objects.filter(pk=dossier.pk).update(deadline=date.today() + timedelta(days=2))
    assert "dans 2 jours" in row()
    Dossier.objects.filter(pk=dossier.pk).update(channel="guichet")
    assert "accueil de la mairie" in row()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = row()
    assert "town hall reception desk" in english and "Under review" in english


def test_counter_filing_records_channel_and_agent_and_keeps_nothing_on_error(
    client, valbourg, cantine, school, agent_valbourg
):
    client.force_login(agent_valbourg)
    url = f"/valbourg/demarches/gestion/guichet/{cantine.slug}/"
    assert client.get(url).status_code == 200
    identity = {f"id-{k}": v for k, v in IDENTITY.items() if k != "email"}
    bad = client.post(
        url,
        {
            "channel": "telephone",
            "consent": "on",
            **identity,
            **{**_answers(school), "enfants-0-naissance": ["31/02/2017"]},
        },
    )
    assert bad.status_code == 422
    assert "date réelle" in text(bad)
    assert not Dossier.objects.exists()
    ok = client.post(
        url,
        {
            "channel": "telephone",
            "consent": "on",
            **identity,
            **_answers(school),
            "justificatif_domicile": _pdf(),
        },
    )
    assert ok.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.channel == "telephone" and dossier.filed_by == agent_valbourg and dossier.state == "depose"
    assert dossier.applicant_email == ""
    entry = AuditEntry.objects.get(action="procedures.dossier.file")
    assert entry.channel == "telephone"
    receipt = client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/accuse.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    client.logout()
    assert client.get(f"/valbourg/demarches/suivi/?code={dossier.tracking_code}").status_code == 200


def test_publishing_a_change_keeps_the_old_version_of_filed_dossiers(
    client, valbourg, cantine, school, admin_valbourg
):
    old = file_dossier(valbourg, cantine, school)
    client.force_login(admin_valbourg)
    builder = f"/valbourg/demarches/gestion/demarches/{cantine.pk}/"
    refused = client.post(
        builder,
        {
            "action": "add_field",
            "target": "services",
            "type": "short_text",
            "label": "Médecin traitant",
            "condition": "jours_cantine=dimanche",
        },
    )
    assert refused.status_code == 422
    added = client.post(
        builder,
        {
            "action": "add_field",
            "target": "services",
            "type": "short_text",
            "label": "Médecin traitant",
            "required": "on",
            "condition": "periscolaire=oui",
        },
    )
    assert added.status_code == 302
    preview = text(client.get(f"{builder}apercu/"))
    assert "Médecin traitant" in preview
    assert client.post(builder, {"action": "publish"}).status_code == 302
    cantine.refresh_from_db()
    assert cantine.current_version.number == 2
    old.refresh_from_db()
    assert old.version.number == 1
    assert "medecin_traitant" not in json.dumps(old.version.schema)
    assert client.get(f"/valbourg/demarches/gestion/dossier/{old.pk}/").status_code == 200
    new = services.dossier_start(commune=valbourg, demarche=cantine, actor=None, applicant_kind="particulier")
    assert new.version.number == 2
    services.dossier_save(dossier=new, posted=IDENTITY, identity=True, complete=True)
    services.dossier_save(
        dossier=new,
        posted={**_answers(school), "periscolaire": ["oui"], "periscolaire_creneaux": ["soir"]},
        files={"justificatif_domicile": _pdf()},
    )
    with pytest.raises(services.DossierError) as exc:
        services.dossier_submit(dossier=new, actor=None)
    assert "Médecin traitant" in " ".join(exc.value.errors.values())


def test_templates_install_in_one_click_and_a_form_travels_as_json(
    client, valbourg, admin_valbourg, hautmesnil
):
    client.force_login(admin_valbourg)
    page = text(client.get("/valbourg/demarches/gestion/demarches/modeles/"))
    assert page.count("Installer «") >= 8
    installed = client.post(
        "/valbourg/demarches/gestion/demarches/modeles/", {"code": "subvention-association"}
    )
    assert installed.status_code == 302
    from beffroi.procedures.models import Demarche

    demarche = Demarche.objects.get(commune=valbourg, template_code="subvention-association")
    exported = client.get(f"/valbourg/demarches/gestion/demarches/{demarche.pk}/schema.json").json()
    assert exported["format"] == "beffroi.demarche" and exported["regime"]["kind"] == "svr"
    imported = services.demarche_import(commune=hautmesnil, actor=None, data=exported)
    assert imported.draft_schema["sections"] == exported["sections"]
    bad = client.post(
        "/valbourg/demarches/gestion/demarches/importer/", {"text": json.dumps({"title": "", "sections": []})}
    )
    assert bad.status_code == 422 and "pas de titre" in text(bad)


def test_daily_reminder_names_the_dossiers_near_their_date_once(
    valbourg, cantine, school, agent_valbourg, django_capture_on_commit_callbacks
):
    soon, later = file_dossier(valbourg, cantine, school), file_dossier(valbourg, cantine, school)
    Dossier.objects.filter(pk=soon.pk).update(deadline=timezone.localdate() + timedelta(days=3))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("procedures_reminders")
    assert len(mail.outbox) == 1 and soon.display_code in mail.outbox[0].body
    assert later.display_code not in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        call_command("procedures_reminders")
    assert len(mail.outbox) == 1  # once a day
    assert DossierEvent.objects.filter(kind="reminder").count() == 1


def test_csv_export_of_a_demarche(client, valbourg, cantine, school, agent_valbourg):
    file_dossier(valbourg, cantine, school)
    client.force_login(agent_valbourg)
    response = client.get(f"/valbourg/demarches/gestion/demarches/{cantine.pk}/export.csv")
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert "Code de suivi;État" in body and "Léa" in body and "Jeanne Martin" in body


def test_a_second_submission_files_once_and_a_code_shows_no_personal_data(client, valbourg, cantine, school):
    dossier = file_dossier(valbourg, cantine, school)
    again = services.dossier_submit(dossier=dossier, actor=None)
    assert again.pk == dossier.pk and Dossier.objects.count() == 1
    page = text(client.get(f"/valbourg/demarches/suivi/?code={dossier.display_code.lower()}"))
    assert "Déposé" in page and "Martin" not in page and "Léa" not in page
    assert client.get("/valbourg/demarches/suivi/?code=AAAA-AAAA").status_code == 404


def test_personal_data_export_and_erasure(client, valbourg, cantine, school, habitant_valbourg):
    filed = services.dossier_start(
        commune=valbourg, demarche=cantine, actor=habitant_valbourg, applicant_kind="particulier"
    )
    services.dossier_save(dossier=filed, posted=IDENTITY, identity=True, complete=True)
    services.dossier_save(dossier=filed, posted=_answers(school), files={"justificatif_domicile": _pdf()})
    services.dossier_submit(dossier=filed, actor=habitant_valbourg)
    draft = services.dossier_start(
        commune=valbourg, demarche=cantine, actor=habitant_valbourg, applicant_kind="particulier"
    )
    from beffroi.procedures import personal_data

    exported = personal_data.export(user=habitant_valbourg)["demarches"]
    assert {d["code_de_suivi"] for d in exported} == {filed.display_code, draft.display_code}
    client.force_login(habitant_valbourg)
    account = text(client.get("/valbourg/compte/"))
    assert "Mes démarches" in account and filed.display_code in account
    personal_data.erase(user=habitant_valbourg)
    assert not Dossier.objects.filter(pk=draft.pk).exists()
    filed.refresh_from_db()
    assert filed.applicant is None and filed.state == "depose"


def test_letters_and_a_conditional_section_in_the_builder(client, valbourg, cantine, admin_valbourg):
    client.force_login(admin_valbourg)
    url = "/valbourg/demarches/gestion/demarches/lettres/"
    assert "Acceptation" in text(client.get(url))
    bad = client.post(url, {"title": "Accord", "outcome": "accepte", "body": "Bonjour {{ inconnu }}"})
    assert bad.status_code == 422 and "Champ de fusion inconnu" in text(bad)
    ok = client.post(
        url, {"title": "Accord", "outcome": "accepte", "body": "Bonjour {{ demandeur }}, {{ champ.x }}"}
    )
    assert ok.status_code == 302
    builder = f"/valbourg/demarches/gestion/demarches/{cantine.pk}/"
    added = client.post(
        builder, {"action": "add_section", "title": "Allergies", "condition": "periscolaire=oui"}
    )
    assert added.status_code == 302
    cantine.refresh_from_db()
    section = cantine.draft_schema["sections"][-1]
    assert section["title"] == "Allergies" and section["condition"] == {
        "field": "periscolaire",
        "equals": "oui",
    }


def test_an_account_that_muted_its_dossiers_still_gets_what_the_law_requires(
    valbourg, cantine, school, habitant_valbourg, agent_valbourg, django_capture_on_commit_callbacks
):
    from beffroi.accounts.services import notification_settings_set

    notification_settings_set(user=habitant_valbourg, choices={"demarches": {"email": False, "sms": False}})
    identity = {**IDENTITY, "email": [habitant_valbourg.email]}
    dossier = services.dossier_start(
        commune=valbourg, demarche=cantine, actor=habitant_valbourg, applicant_kind="particulier"
    )
    services.dossier_save(dossier=dossier, posted=identity, identity=True, complete=True)
    services.dossier_save(dossier=dossier, posted=_answers(school), files={"justificatif_domicile": _pdf()})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_submit(dossier=dossier, actor=habitant_valbourg)
        services.dossier_take(dossier=dossier, actor=agent_valbourg)
        services.message_send(dossier=dossier, actor=agent_valbourg, body="Bonjour, tout est en ordre.")
        services.dossier_request_pieces(
            dossier=dossier, actor=agent_valbourg, pieces="Un justificatif récent"
        )
    subjects = [message.subject for message in mail.outbox]
    # the accusé and the request for documents go (the law asks for them); the news the person muted does not
    assert any("reçu" in s for s in subjects) and any("pièces demandées" in s for s in subjects)
    assert not any("en instruction" in s or "nouveau message" in s for s in subjects)


def test_a_letter_with_its_placeholder_left_or_no_signatory_is_not_sent(
    client, valbourg, cantine, school, agent_valbourg
):
    dossier = file_dossier(valbourg, cantine, school)
    services.decision_templates_ensure(commune=valbourg)
    refusal = valbourg_template(valbourg, "refuse")
    client.force_login(agent_valbourg)
    url = f"/valbourg/demarches/gestion/dossier/{dossier.pk}/decider/"
    refused = client.post(
        url, {"outcome": "refuse", "template": str(refusal.pk), "text": "", "signatory": ""}
    )
    assert refused.status_code == 422
    page = text(refused)
    assert "La lettre contient encore « [motif] »" in page
    assert "Indiquez le signataire de la décision" in page
    # the letter comes back filled with the dossier, for the agent to complete rather than type again
    assert f"(dossier {dossier.display_code})" in page and "Madame, Monsieur," in page
    assert Dossier.objects.get(pk=dossier.pk).state == "depose"
    unnamed = client.post(url, {"outcome": "refuse", "text": "Salle déjà réservée.", "signatory": "Le maire"})
    assert unnamed.status_code == 422 and "Le maire, Jeanne Dupont" in text(unnamed)

    values, answers = services.letter_values(dossier)
    letter = letters.render(refusal.body, values, answers).replace("[motif]", "la salle est déjà réservée")
    decided = client.post(url, {"outcome": "refuse", "text": letter, "signatory": "Le maire, Michel Roy"})
    assert decided.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "refuse" and "[motif]" not in dossier.decision_text
    assert dossier.decision_signatory == "Le maire, Michel Roy"
    # the next decision's form offers the same signatory
    other = file_dossier(valbourg, cantine, school)
    assert 'value="Le maire, Michel Roy"' in text(
        client.get(f"/valbourg/demarches/gestion/dossier/{other.pk}/")
    )


def test_no_pieces_are_asked_once_the_implicit_decision_is_born(
    client, valbourg, cantine, school, agent_valbourg, django_capture_on_commit_callbacks
):
    dossier = file_dossier(valbourg, cantine, school)
    Dossier.objects.filter(pk=dossier.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    dossier.refresh_from_db()
    mail.outbox.clear()
    with pytest.raises(services.DossierError) as exc:
        services.dossier_request_pieces(dossier=dossier, actor=agent_valbourg, pieces="Un justificatif.")
    assert "réputée acceptée depuis le" in str(exc.value) and "décision expresse" in str(exc.value)
    client.force_login(agent_valbourg)
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert "réputée acceptée depuis le" in page and "Demander les pièces" not in page
    with django_capture_on_commit_callbacks(execute=True):
        late = client.post(
            f"/valbourg/demarches/gestion/dossier/{dossier.pk}/pieces/", {"pieces": "Un justificatif."}
        )
    assert late.status_code == 422 and "il n'est plus possible de demander des pièces" in text(late)
    dossier.refresh_from_db()
    assert dossier.state == "depose" and not dossier.pauses.exists() and mail.outbox == []

    # on the date itself the period still runs: pieces may be asked for and stop it
    Dossier.objects.filter(pk=dossier.pk).update(deadline=timezone.localdate())
    dossier.refresh_from_db()
    services.dossier_request_pieces(dossier=dossier, actor=agent_valbourg, pieces="Un justificatif.")
    assert Dossier.objects.get(pk=dossier.pk).state == "incomplet"


def test_a_counter_filing_records_the_mandate_and_refuses_without_consent(
    client, valbourg, cantine, school, agent_valbourg
):
    client.force_login(agent_valbourg)
    url = f"/valbourg/demarches/gestion/guichet/{cantine.slug}/"
    form = text(client.get(url))
    assert "Le demandeur accepte que la mairie dépose cette demande en son nom" in form
    identity = {f"id-{k}": v for k, v in IDENTITY.items() if k != "email"}
    posted = {"channel": "telephone", **identity, **_answers(school), "justificatif_domicile": _pdf()}
    refused = client.post(url, posted)
    assert refused.status_code == 422 and not Dossier.objects.exists()
    assert 'href="#champ-consent"' in text(refused) and "Confirmez l'accord du demandeur" in text(refused)

    posted["justificatif_domicile"] = _pdf()
    ok = client.post(url, {**posted, "consent": "on", "requester": "sa fille, Marie Martin"})
    assert ok.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.mandate_requester == "sa fille, Marie Martin" and dossier.mandate_consent_at is not None
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert "Mandat" in page and "sa fille, Marie Martin" in page and "recueilli le" in page
    entry = AuditEntry.objects.get(action="procedures.dossier.file")
    assert entry.channel == "telephone" and "accord recueilli" in entry.on_behalf_of
    assert "Marie" not in entry.on_behalf_of and "Martin" not in entry.summary  # never a name in the log


def test_the_dossiers_an_agent_instructs_are_on_their_landing_page(
    client, valbourg, cantine, school, agent_valbourg
):
    """« Mon espace »: the agent sees the commune's open and overdue dossiers and those assigned to them; an
    élu sees the figures; with the module off, nothing."""
    dossier = file_dossier(valbourg, cantine, school)
    services.dossier_assign(dossier=dossier, actor=agent_valbourg, assignee=agent_valbourg)
    client.force_login(agent_valbourg)
    page = text(client.get("/valbourg/mon-espace/"))
    assert "Dossiers à instruire" in page and "1 dossier ouvert dans la commune, dont 0 en retard." in page
    assert f"{dossier.display_code} — {cantine.title}, Jeanne Martin" in page
    assert f'href="/valbourg/demarches/gestion/dossier/{dossier.pk}/"' in page
    client.force_login(member(valbourg, "elu", "elu@valbourg.test"))
    page = text(client.get("/valbourg/mon-espace/"))
    assert "1 dossier en cours d'instruction." in page and "Dossiers à instruire" not in page
    valbourg.enabled_modules = [code for code in valbourg.enabled_modules if code != "procedures"]
    valbourg.save()
    page = text(client.get("/valbourg/mon-espace/"))
    assert "dossier en cours d'instruction" not in page and "Dossiers à instruire" not in page
