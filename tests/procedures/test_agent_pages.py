"""What the agents' and élus' pages show: the links each role may follow, the dossier's figures, the counter
filing of a piece on paper and its receipt, the decision letter, and the mails sent in the mairie's name."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from beffroi.core import dates
from beffroi.procedures import selectors, services
from beffroi.procedures.models import Dossier
from tests.factories import member

IDENTITY = {
    "last_name": ["Fournier"],
    "first_name": ["Camille"],
    "email": ["camille.fournier@example.org"],
    "address-street": ["3 rue des Lilas"],
    "address-postcode": ["21990"],
    "address-city": ["Valbourg"],
}


def text(response):
    return html.unescape(response.content.decode())


def _answers(school):
    return {
        "enfants-rows": ["1"],
        "enfants-0-prenom": ["Léa"],
        "enfants-0-nom": ["Fournier"],
        "enfants-0-naissance": ["2017-05-12"],
        "enfants-0-ecole": [str(school.pk)],
        "enfants-0-classe": ["cp"],
        "enfants-0-regime_alimentaire": ["standard"],
        "jours_cantine": ["lundi"],
        "periscolaire": ["non"],
    }


def _filed(valbourg, cantine, school):
    dossier = services.dossier_start(
        commune=valbourg, demarche=cantine, actor=None, applicant_kind="particulier"
    )
    services.dossier_save(dossier=dossier, posted=IDENTITY, identity=True, complete=True)
    services.dossier_save(
        dossier=dossier,
        posted=_answers(school),
        files={"justificatif_domicile": SimpleUploadedFile("domicile.pdf", b"%PDF-1.4\n%%EOF\n")},
    )
    return services.dossier_submit(dossier=dossier, actor=None)


def pdf_text(content: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


# --- the menu of the agents' pages ------------------------------------------------------------------------------


def test_an_elu_is_offered_only_the_pages_his_role_opens(client, valbourg, cantine, agent_valbourg):
    elu = member(valbourg, "elu", "elu@valbourg.test")
    client.force_login(elu)
    page = text(client.get("/valbourg/demarches/gestion/"))
    assert "Dossiers à instruire" in page
    assert "Saisir une demande (accueil, téléphone)" not in page
    assert "Préparer les démarches" not in page
    # what he is no longer offered indeed refuses him
    assert client.get("/valbourg/demarches/gestion/guichet/").status_code == 403
    assert client.get("/valbourg/demarches/gestion/demarches/").status_code == 403

    client.force_login(agent_valbourg)
    page = text(client.get("/valbourg/demarches/gestion/"))
    assert "Saisir une demande (accueil, téléphone)" in page and "Préparer les démarches" in page
    for url in ("/valbourg/demarches/gestion/guichet/", "/valbourg/demarches/gestion/demarches/"):
        assert client.get(url).status_code == 200


# --- the dossier's figures --------------------------------------------------------------------------------------


def test_the_dossier_page_writes_its_dates_and_the_silence_rule_in_words(
    client, valbourg, cantine, school, agent_valbourg
):
    dossier = _filed(valbourg, cantine, school)
    client.force_login(agent_valbourg)
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    for day in (dossier.received_on, dossier.deadline):
        assert f'<span class="procedures-figure-date">{dates.long_date(day)}</span>' in page
        assert f"{day:%d/%m/%Y}" not in page
    # the history says when in words too, never « 05/12/2026 16:16 »
    assert not re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", page)
    # what the mairie's silence means, in words: not the acronym
    assert "silence vaut acceptation" in page
    assert not re.search(r"\bSV[AR]\b", page)
    client.logout()
    track = text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))
    assert f"<dt>Reçu le</dt><dd>{dates.long_date(dossier.received_on)}</dd>" in track


# --- the decision letter ----------------------------------------------------------------------------------------


def test_the_decision_letter_greets_without_a_name_and_says_the_decision_in_the_feminine(
    client, valbourg, cantine, school, agent_valbourg
):
    dossier = _filed(valbourg, cantine, school)
    services.decision_templates_ensure(commune=valbourg)
    template = selectors.decision_templates(commune=valbourg).get(outcome="accepte")
    services.dossier_decide(
        dossier=dossier,
        actor=agent_valbourg,
        outcome="accepte",
        template=template,
        signatory="Le maire, Michel Roy",
        text="",
    )
    client.force_login(agent_valbourg)
    letter = pdf_text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/decision.pdf").content)
    assert "Madame, Monsieur,\n" in letter
    assert "Madame, Monsieur Camille" not in letter
    assert "Décision : acceptée" in letter
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert "Décision : acceptée" in page
    client.logout()
    assert "Décision : acceptée" in text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))


@pytest.mark.parametrize(("outcome", "word"), [("refuse", "refusée"), ("sans_suite", "classée sans suite")])
def test_a_refusal_and_a_closing_agree_with_decision_too(
    client, valbourg, cantine, school, agent_valbourg, outcome, word
):
    dossier = _filed(valbourg, cantine, school)
    services.dossier_decide(
        dossier=dossier,
        actor=agent_valbourg,
        outcome=outcome,
        template=None,
        signatory="Le maire, Michel Roy",
        text="Motif.",
    )
    client.logout()
    assert f"Décision : {word}" in text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/"))


# --- a counter filing: a piece on paper, its receipt ------------------------------------------------------------


def test_at_the_counter_a_piece_seen_on_paper_is_recorded_and_shown_to_the_instructor(
    client, valbourg, cantine, school, agent_valbourg
):
    client.force_login(agent_valbourg)
    url = f"/valbourg/demarches/gestion/guichet/{cantine.slug}/"
    form = text(client.get(url))
    assert "Pièce vue en original par la mairie (non numérisée)" in form
    assert "Pièce à fournir plus tard par le demandeur" in form
    identity = {f"id-{k}": v for k, v in IDENTITY.items() if k != "email"}
    # no file and nothing said: still refused, the piece is required
    refused = client.post(url, {"channel": "telephone", "consent": "on", **identity, **_answers(school)})
    assert refused.status_code == 422 and "Justificatif de domicile" in text(refused)
    assert not Dossier.objects.exists()
    # a code the form does not offer is refused too: no silent bypass
    bad = client.post(
        url,
        {
            "channel": "telephone",
            "consent": "on",
            **identity,
            **_answers(school),
            "justificatif_domicile-papier": "oui",
        },
    )
    assert bad.status_code == 422 and not Dossier.objects.exists()
    ok = client.post(
        url,
        {
            "channel": "guichet",
            "consent": "on",
            **identity,
            **_answers(school),
            "justificatif_domicile-papier": "vu",
        },
    )
    assert ok.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.answers["justificatif_domicile"] == {"paper": "vu"}
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert "Pièce vue en original par la mairie (non numérisée)" in page


def test_a_piece_to_come_is_recorded_on_the_phone(client, valbourg, cantine, school, agent_valbourg):
    client.force_login(agent_valbourg)
    identity = {f"id-{k}": v for k, v in IDENTITY.items() if k != "email"}
    client.post(
        f"/valbourg/demarches/gestion/guichet/{cantine.slug}/",
        {
            "channel": "telephone",
            "consent": "on",
            **identity,
            **_answers(school),
            "justificatif_domicile-papier": "a_fournir",
        },
    )
    dossier = Dossier.objects.get()
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert "Pièce à fournir plus tard par le demandeur" in page


def test_a_resident_on_the_web_cannot_claim_a_piece_on_paper(client, valbourg, cantine, school):
    dossier = services.dossier_start(
        commune=valbourg, demarche=cantine, actor=None, applicant_kind="particulier"
    )
    services.dossier_save(dossier=dossier, posted=IDENTITY, identity=True, complete=True)
    errors = services.dossier_save(
        dossier=dossier, posted={**_answers(school), "justificatif_domicile-papier": ["vu"]}, complete=True
    )
    assert errors == {
        "justificatif_domicile": "Répondez à « Justificatif de domicile de moins de trois mois »."
    }


def test_the_receipt_of_a_counter_filing_without_email_says_what_is_true(
    client, valbourg, cantine, school, agent_valbourg
):
    client.force_login(agent_valbourg)
    identity = {f"id-{k}": v for k, v in IDENTITY.items() if k != "email"}
    client.post(
        f"/valbourg/demarches/gestion/guichet/{cantine.slug}/",
        {
            "channel": "guichet",
            "consent": "on",
            **identity,
            **_answers(school),
            "justificatif_domicile-papier": "vu",
        },
    )
    dossier = Dossier.objects.get()
    receipt = " ".join(
        pdf_text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/accuse.pdf").content).split()
    )
    assert "accusé d'enregistrement électronique" not in receipt
    assert "lien personnel reçu par courriel" not in receipt
    assert "enregistrée par la mairie" in receipt and "accueil de la mairie" in receipt
    assert f"Avec le code de suivi {dossier.display_code}" in receipt
    assert "gardez cet accusé, il porte votre code" in receipt


def test_the_receipt_of_a_web_filing_keeps_its_electronic_wording(
    client, valbourg, cantine, school, agent_valbourg
):
    dossier = _filed(valbourg, cantine, school)
    client.force_login(agent_valbourg)
    receipt = " ".join(
        pdf_text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/accuse.pdf").content).split()
    )
    assert "accusé d'enregistrement électronique" in receipt
    assert "lien personnel reçu par courriel" in receipt


# --- mails in the mairie's name ---------------------------------------------------------------------------------


def test_every_demarche_mail_is_from_the_mairie_with_its_reply_to(
    valbourg, cantine, school, agent_valbourg, django_capture_on_commit_callbacks
):
    valbourg.contact_email = "mairie@valbourg.test"
    valbourg.save()
    with django_capture_on_commit_callbacks(execute=True):
        dossier = services.dossier_start(
            commune=valbourg, demarche=cantine, actor=None, applicant_kind="particulier"
        )
        services.dossier_save(dossier=dossier, posted=IDENTITY, identity=True, complete=True)  # the draft
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_save(
            dossier=dossier,
            posted=_answers(school),
            files={"justificatif_domicile": SimpleUploadedFile("domicile.pdf", b"%PDF-1.4\n%%EOF\n")},
        )
        services.dossier_submit(dossier=dossier, actor=None)  # the receipt
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_take(dossier=dossier, actor=agent_valbourg)  # « en instruction »
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_decide(
            dossier=dossier,
            actor=agent_valbourg,
            outcome="accepte",
            template=None,
            signatory="Le maire, Michel Roy",
            text="Accordé.",
        )
    subjects = [m.subject for m in mail.outbox]
    assert any("brouillon" in s for s in subjects) and any("reçu" in s for s in subjects)
    assert any("décision" in s for s in subjects) and len(mail.outbox) >= 4
    for message in mail.outbox:
        assert message.from_email.startswith("Mairie de Valbourg <"), message.from_email
        assert message.reply_to == ["mairie@valbourg.test"]
    decision = mail.outbox[-1].body
    assert "acceptée" in decision


# --- what the agent is told after acting: the mail that goes, or that none does ---------------------------------


def _counter_filed(client, cantine, school, *, address: bool = True):
    """A dossier filed at the counter with a phone number and no e-mail (and, unless `address`, no address)."""
    identity = {f"id-{k}": v for k, v in IDENTITY.items() if k != "email"}
    identity["id-phone"] = ["06 12 34 56 78"]
    if not address:
        identity = {k: v for k, v in identity.items() if not k.startswith("id-address")}
    posted = {"channel": "guichet", "consent": "on", **identity, **_answers(school)}
    client.post(
        f"/valbourg/demarches/gestion/guichet/{cantine.slug}/",
        {**posted, "justificatif_domicile-papier": "vu"},
    )
    return Dossier.objects.latest("pk")


def test_without_an_email_the_agent_is_told_no_mail_goes_and_to_print_the_decision(
    client, valbourg, cantine, school, agent_valbourg, django_capture_on_commit_callbacks
):
    client.force_login(agent_valbourg)
    dossier = _counter_filed(client, cantine, school)
    mail.outbox.clear()
    base = f"/valbourg/demarches/gestion/dossier/{dossier.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        asked = text(client.post(f"{base}/pieces/", {"pieces": "Un justificatif."}, follow=True))
    assert "Aucun courriel : prévenez le demandeur par téléphone ou par courrier." in asked
    with django_capture_on_commit_callbacks(execute=True):
        written = text(client.post(f"{base}/message/", {"body": "Passez en mairie."}, follow=True))
    assert "Message envoyé au demandeur" not in written
    assert "Aucun courriel n'est envoyé au demandeur" in written
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{base}/decider/",
            {"outcome": "accepte", "text": "Accordé.", "signatory": "Le maire, Michel Roy"},
            follow=True,
        )
    decided = text(response)
    assert "le demandeur est prévenu" not in decided
    assert (
        "Décision enregistrée. Aucun courriel : imprimez la lettre de décision et remettez-la ou envoyez-la "
        "au demandeur."
    ) in decided
    # the letter's link in the message itself (a link, not its markup written out)
    link = f'<a href="/valbourg/demarches/gestion/dossier/{dossier.pk}/decision.pdf">Lettre de décision (PDF)</a>'
    assert link in response.content.decode()
    assert mail.outbox == []


def test_with_an_email_the_agent_is_told_where_the_mail_goes(
    client, valbourg, cantine, school, agent_valbourg, django_capture_on_commit_callbacks
):
    dossier = _filed(valbourg, cantine, school)
    client.force_login(agent_valbourg)
    base = f"/valbourg/demarches/gestion/dossier/{dossier.pk}"
    asked = text(client.post(f"{base}/pieces/", {"pieces": "Un justificatif."}, follow=True))
    assert "un courriel les indique au demandeur à camille.fournier@example.org" in asked
    written = text(client.post(f"{base}/message/", {"body": "Bien reçu."}, follow=True))
    assert "un courriel le lui signale à camille.fournier@example.org" in written
    with django_capture_on_commit_callbacks(execute=True):
        decided = text(
            client.post(
                f"{base}/decider/",
                {"outcome": "accepte", "text": "Accordé.", "signatory": "Le maire, Michel Roy"},
                follow=True,
            )
        )
    assert "un courriel lui est envoyé à camille.fournier@example.org" in decided
    assert "décision" in mail.outbox[-1].subject.lower()


# --- the decision form ------------------------------------------------------------------------------------------


def test_the_decision_form_says_the_letter_and_signatory_are_required_and_prefills_a_template(
    client, valbourg, cantine, school, agent_valbourg
):
    dossier = _filed(valbourg, cantine, school)
    services.decision_templates_ensure(commune=valbourg)
    template = selectors.decision_templates(commune=valbourg).get(outcome="accepte")
    client.force_login(agent_valbourg)
    url = f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"
    page = text(client.get(url))
    assert "Texte de la lettre (facultatif)" not in re.sub(r"<[^>]+>", "", page)
    assert "Signataire (facultatif)" not in re.sub(r"<[^>]+>", "", page)
    assert "Texte de la lettre (obligatoire)" in re.sub(r"<[^>]+>", "", page)
    assert "Signataire (obligatoire)" in re.sub(r"<[^>]+>", "", page)
    assert "Préremplir avec ce modèle" in page
    # with JavaScript, the letters the templates give are in the page for the choice to fill the field
    assert 'id="procedures-decision-letters"' in page and dossier.display_code in page

    # without JavaScript: the button fills the letter with the template and the dossier, nothing is decided
    prefilled = client.post(
        f"{url}decider/", {"template": str(template.pk), "text": "", "signatory": "", "prefill": "1"}
    )
    assert prefilled.status_code == 200
    shown = text(prefilled)
    assert f"(dossier {dossier.display_code})" in shown and "error-summary" not in shown
    assert re.search(r'<input type="radio" name="outcome" value="accepte"[^>]* checked>', shown)
    assert Dossier.objects.get(pk=dossier.pk).state == "depose"

    # a template chosen and the letter left empty: the letter comes back filled, to read before deciding
    empty = client.post(
        f"{url}decider/",
        {"outcome": "accepte", "template": str(template.pk), "text": "", "signatory": "Le maire, Michel Roy"},
    )
    assert empty.status_code == 422
    assert "Relisez la lettre préremplie avec le modèle" in text(empty)
    assert f"(dossier {dossier.display_code})" in text(empty)
    assert Dossier.objects.get(pk=dossier.pk).state == "depose"


def test_a_dossier_without_an_agent_says_so_in_words(client, valbourg, cantine, school, agent_valbourg):
    dossier = _filed(valbourg, cantine, school)
    client.force_login(agent_valbourg)
    page = text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/"))
    assert "aucun agent désigné" in page
    assert ">personne" not in page


# --- the decision letter's addressee ----------------------------------------------------------------------------


def test_the_letters_addressee_is_a_name_and_an_address_never_a_phone(
    client, valbourg, cantine, school, agent_valbourg
):
    client.force_login(agent_valbourg)
    for address in (False, True):
        dossier = _counter_filed(client, cantine, school, address=address)
        services.dossier_decide(
            dossier=dossier,
            actor=agent_valbourg,
            outcome="accepte",
            text="Accordé.",
            signatory="Le maire, Michel Roy",
        )
        letter = pdf_text(
            client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/decision.pdf").content
        )
        assert "Camille Fournier" in letter
        assert "06 12" not in letter and "06\xa012" not in letter
        assert ("3 rue des Lilas" in letter and "21990 Valbourg" in letter) is address


# --- the counter form: every refusal at once, worded for the agent ----------------------------------------------


def test_an_empty_counter_form_says_every_error_at_once_in_the_agents_words(client, valbourg, agent_valbourg):
    saisine = services.template_install(commune=valbourg, actor=None, code="saisine-libre")
    client.force_login(agent_valbourg)
    url = f"/valbourg/demarches/gestion/guichet/{saisine.slug}/"
    form = text(client.get(url))
    # the agent fills the form for someone: the démarche's headings speak of the applicant, not to « vous »
    assert "<h2>Message du demandeur</h2>" in form and "Votre message" not in form
    assert "Objet" in form and "Nature" in form

    refused = client.post(url, {"channel": "guichet", "id-last_name": "Fournier", "objet": "Bruit"})
    assert refused.status_code == 422 and not Dossier.objects.exists()
    page = text(refused)
    summary = page[
        page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))
    ]
    for wanted in (
        'href="#champ-consent"',
        "Confirmez l'accord du demandeur",
        "Répondez à « Prénom ».",
        "Répondez à « Nature ».",
        "Répondez à « Message du demandeur ».",
    ):
        assert wanted in summary, wanted
    assert "« Nom »" not in summary and "« Objet »" not in summary  # typed: not refused…
    assert 'value="Fournier"' in page and 'value="Bruit"' in page  # …and kept
    assert "Votre message" not in page

    # the resident's own form still speaks to the resident
    dossier = services.dossier_start(
        commune=valbourg, demarche=saisine, actor=None, applicant_kind="particulier"
    )
    client.logout()
    step = text(client.get(f"/valbourg/demarches/brouillon/{dossier.access_token}/etape/0/"))
    assert "Votre message" in step and "Message du demandeur" not in step


def test_a_counter_filing_refused_for_its_mandate_keeps_no_piece_on_disk(
    client, settings, valbourg, cantine, school, agent_valbourg
):
    client.force_login(agent_valbourg)
    identity = {f"id-{k}": v for k, v in IDENTITY.items() if k != "email"}
    refused = client.post(
        f"/valbourg/demarches/gestion/guichet/{cantine.slug}/",
        {
            "channel": "guichet",
            **identity,
            **_answers(school),
            "justificatif_domicile": SimpleUploadedFile("domicile.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    assert refused.status_code == 422 and "Confirmez l'accord du demandeur" in text(refused)
    assert not Dossier.objects.exists()
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == []


def test_agent_wording_rewrites_only_what_speaks_to_the_resident():
    from beffroi.procedures.forms import agent_wording

    assert agent_wording("Votre message") == "Message du demandeur"
    assert agent_wording("Vos enfants") == "Enfants du demandeur"
    assert agent_wording("Votre réservation") == "Réservation du demandeur"
    for kept in ("Nom", "Objet", "Faites-vous appel à un déménageur ?", "Votre enfant a-t-il votre accord ?"):
        assert agent_wording(kept) == kept


# --- a company's accusé: a postal block, one page ---------------------------------------------------------------

COMPANY = {
    "company_name": ["Déménagements Bourguignons"],
    "siret": ["73282932000074"],
    "last_name": ["Fournier"],
    "first_name": ["Camille"],
    "email": ["camille.fournier@exemple.fr"],
    "phone": ["06 12 80 10 80"],
    "address-street": ["56 chemin des Vignes"],
    "address-postcode": ["21990"],
    "address-city": ["Valbourg"],
}
WORKS = {
    "adresse-street": ["3 rue Pasteur"],
    "adresse-postcode": ["21990"],
    "adresse-city": ["Valbourg"],
    "nature_travaux": ["Échafaudage sur le trottoir."],
    "date_debut": ["2027-03-01"],
    "date_fin": ["2027-03-05"],
    "mesures": ["stationnement"],
}


def _company_dossier(valbourg, agent, identity=None):
    works = services.template_install(commune=valbourg, actor=None, code="arrete-circulation")
    return services.dossier_file_for(
        commune=valbourg,
        demarche=works,
        actor=agent,
        channel="guichet",
        applicant_kind="entreprise",
        identity=identity or COMPANY,
        posted=WORKS,
        consent=True,
    )


def test_the_accuse_of_a_company_has_a_postal_block_and_fits_one_page(client, valbourg, agent_valbourg):
    dossier = _company_dossier(valbourg, agent_valbourg)
    client.force_login(agent_valbourg)
    content = client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/accuse.pdf").content
    receipt = pdf_text(content)
    assert "Déménagements Bourguignons\nCamille Fournier\n56 chemin des Vignes\n21990 Valbourg\n" in receipt
    # no contact detail of the applicant inside the postal block (nor anywhere on the accusé)
    assert (
        "camille.fournier@exemple.fr" not in receipt and "06 12" not in receipt and "06\xa012" not in receipt
    )
    assert receipt.count("\f") == 1, "the accusé spills onto a second page"
    assert "Suivre votre dossier" in receipt
    # the resident's own copy is the same document
    client.logout()
    public = pdf_text(client.get(f"/valbourg/demarches/dossier/{dossier.access_token}/accuse.pdf").content)
    assert "Déménagements Bourguignons\nCamille Fournier\n" in public and public.count("\f") == 1


def test_the_accuse_of_a_person_names_them_once_on_one_line(
    client, valbourg, cantine, school, agent_valbourg
):
    dossier = _filed(valbourg, cantine, school)
    client.force_login(agent_valbourg)
    receipt = pdf_text(client.get(f"/valbourg/demarches/gestion/dossier/{dossier.pk}/accuse.pdf").content)
    assert "Camille Fournier\n3 rue des Lilas\n21990 Valbourg\n" in receipt
    assert "camille.fournier@example.org" not in receipt.split("Accusé de réception")[0]
    assert receipt.count("\f") == 1


# --- the queue: search by the names shown, counts that lead to their dossiers ------------------------------------


def test_the_queue_finds_a_company_by_its_name_and_a_person_by_theirs(
    client, valbourg, cantine, school, agent_valbourg
):
    company = _company_dossier(valbourg, agent_valbourg)
    person = _filed(valbourg, cantine, school)
    other = {**COMPANY, "company_name": ["Toitures Martin"], "first_name": ["Paul"], "last_name": ["Girard"]}
    other.pop("email")
    roofer = _company_dossier(valbourg, agent_valbourg, identity=other)
    client.force_login(agent_valbourg)

    def found(q):
        page = text(client.get("/valbourg/demarches/gestion/", {"q": q}))
        return {d.display_code for d in (company, person, roofer) if d.display_code in page}

    page = text(client.get("/valbourg/demarches/gestion/"))
    assert '<label for="f-q">Code, nom ou courriel</label>' in page
    assert found("Déménagements") == {company.display_code}
    assert found("déménagements bourguignons") == {company.display_code}
    # Typed without accents or in capitals, as at a counter on the phone.
    assert found("demenagements") == {company.display_code}
    assert found("DÉMÉNAGEMENTS BOURGUIGNONS") == {company.display_code}
    assert found("Camille Fournier") == {company.display_code, person.display_code}
    assert found("Girard") == {roofer.display_code}
    assert found("Martin") == {roofer.display_code}
    assert found("exemple.fr") == {company.display_code}
    assert found(roofer.display_code) == {roofer.display_code}
    assert found("Dupont") == set()


def test_the_queue_counts_link_to_the_dossiers_they_count(client, valbourg, cantine, school, agent_valbourg):
    late, waiting, ok = (_filed(valbourg, cantine, school) for _i in range(3))
    Dossier.objects.filter(pk=late.pk).update(deadline=date(2020, 1, 2))
    services.dossier_request_pieces(dossier=waiting, actor=agent_valbourg, pieces="Un justificatif.")
    client.force_login(agent_valbourg)
    page = text(client.get("/valbourg/demarches/gestion/"))
    codes = {d.display_code: d for d in (late, waiting, ok)}
    for label, wanted in (
        ("Ouverts", {late, waiting, ok}),
        ("Date de décision implicite dépassée", {late}),
        ("En attente de pièces", {waiting}),
    ):
        link = re.search(rf'<dt>{label}</dt><dd><a href="([^"]+)">{len(wanted)}<', page)
        assert link, label
        listed = text(client.get(f"/valbourg/demarches/gestion/{html.unescape(link[1])}"))
        assert {c for c in codes if c in listed} == {d.display_code for d in wanted}, label


def test_the_queue_writes_states_capitalised_and_dates_in_words(
    client, valbourg, cantine, school, agent_valbourg
):
    dossier = _filed(valbourg, cantine, school)
    client.force_login(agent_valbourg)
    page = text(client.get("/valbourg/demarches/gestion/"))
    row = page[page.index(dossier.display_code) : page.index("</tr>", page.index(dossier.display_code))]
    assert '<td data-label="État">Déposé</td>' in row
    assert dates.long_date(dossier.deadline) in row and f"{dossier.deadline:%d/%m/%Y}" not in row


# --- the CSV: one way for days ----------------------------------------------------------------------------------


def test_the_csv_export_writes_every_day_the_same_way(client, valbourg, agent_valbourg):
    dossier = _company_dossier(valbourg, agent_valbourg)
    client.force_login(agent_valbourg)
    export = client.get(f"/valbourg/demarches/gestion/demarches/{dossier.demarche_id}/export.csv")
    row = export.content.decode("utf-8-sig").splitlines()[1].split(";")
    assert row[3] == dossier.received_on.isoformat()  # Reçu le
    assert "2027-03-01" in row and "2027-03-05" in row  # the answers' dates, as « Reçu le »
    assert not re.search(r"\d\d/\d\d/\d{4}", ";".join(row))
    assert row[1] == "Déposé"
