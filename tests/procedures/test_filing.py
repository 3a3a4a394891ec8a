"""A resident files « inscription cantine » for two children on the web, without JavaScript (plain posts)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from beffroi.core.models import AuditEntry
from beffroi.procedures import services
from beffroi.procedures.models import Dossier
from tests.factories import member


def text(response):
    return html.unescape(response.content.decode())


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def _start(client, cantine):
    page = client.get(f"/valbourg/demarches/{cantine.slug}/")
    assert page.status_code == 200
    assert "réputée acceptée" in text(page)
    response = client.post(f"/valbourg/demarches/{cantine.slug}/", {"applicant_kind": "particulier"})
    assert response.status_code == 302
    return Dossier.objects.get(), response["Location"]


IDENTITY = {
    "last_name": "Martin",
    "first_name": "Jeanne",
    "email": "jeanne.martin@example.org",
    "phone": "06 12 34 56 78",
    "address-street": "3 rue des Lilas",
    "address-postcode": "21990",
    "address-city": "Valbourg",
}


def _children(school, version):
    return {
        "version": version,
        "enfants-rows": "2",
        "enfants-0-prenom": "Léa",
        "enfants-0-nom": "Martin",
        "enfants-0-naissance": "12/05/2017",
        "enfants-0-ecole": str(school.pk),
        "enfants-0-classe": "cp",
        "enfants-0-regime_alimentaire": "standard",
        "enfants-1-prenom": "Tom",
        "enfants-1-nom": "Martin",
        "enfants-1-naissance": "2019-01-31",
        "enfants-1-ecole": str(school.pk),
        "enfants-1-classe": "ps",
        "enfants-1-regime_alimentaire": "sans_viande",
        "action": "next",
    }


def test_two_children_filed_without_javascript_then_accuses(
    client, cantine, school, django_capture_on_commit_callbacks
):
    dossier, location = _start(client, cantine)
    token = dossier.access_token
    assert location.endswith(f"/brouillon/{token}/identite/")
    version = str(dossier.version_id)

    bad = client.post(location, {**IDENTITY, "email": "jeanne@", "version": version})
    assert bad.status_code == 422
    assert "n'est pas une adresse électronique valide" in text(bad)
    ok = client.post(location, {**IDENTITY, "version": version})
    assert ok.status_code == 302
    step0 = ok["Location"]

    # one row shown; « Ajouter » brings a second, keeping what was typed
    page = client.post(
        step0, {"version": version, "enfants-rows": "1", "enfants-0-prenom": "Léa", "add_row": "enfants"}
    )
    page_html = text(page)
    assert 'name="enfants-1-prenom"' in page_html and 'value="Léa"' in page_html

    bad = client.post(step0, {**_children(school, version), "enfants-1-naissance": "30/02/2019"})
    assert bad.status_code == 422
    assert "doit être une date réelle" in text(bad)
    done = client.post(step0, _children(school, version))
    assert done.status_code == 302
    step1 = done["Location"]

    missing_file = client.post(
        step1,
        {"version": version, "jours_cantine": ["lundi", "jeudi"], "periscolaire": "non", "action": "next"},
    )
    assert "Répondez à « Justificatif de domicile" in text(missing_file)
    wrong = client.post(
        step1,
        {
            "version": version,
            "jours_cantine": ["lundi"],
            "periscolaire": "non",
            "action": "next",
            "justificatif_domicile": SimpleUploadedFile("x.exe", b"MZ\x90"),
        },
    )
    assert "doit être de type" in text(wrong)
    done = client.post(
        step1,
        {
            "version": version,
            "jours_cantine": ["lundi", "jeudi"],
            "periscolaire": "non",
            "periscolaire_creneaux": ["matin"],  # hidden by « non »: dropped, not stored
            "action": "next",
            "justificatif_domicile": SimpleUploadedFile("domicile.pdf", PDF),
        },
    )
    assert done.status_code == 302
    summary = done["Location"]
    assert summary.endswith("/recapitulatif/")
    page = text(client.get(summary))
    assert "Léa" in page and "Tom" in page and "Sans viande" in page

    tampered = client.post(summary, {"version": "999"})
    assert tampered.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        filed = client.post(summary, {"version": version})
    assert filed.status_code == 302
    again = client.post(summary, {"version": version})  # a second click files nothing twice
    assert again.status_code == 302
    assert Dossier.objects.count() == 1
    dossier.refresh_from_db()
    assert dossier.state == "depose"
    assert len(dossier.answers["enfants"]) == 2
    assert "periscolaire_creneaux" not in dossier.answers
    assert dossier.deadline is not None

    receipt = text(client.get(filed["Location"]))
    for mention in (
        "Accusé d'enregistrement électronique",
        dossier.display_code,
        "1 place de la Mairie",
        "mairie@valbourg.test",
        "03 80 00 00 00",
        "réputée acceptée le",
        "Télérecours",
    ):
        assert mention in receipt, mention
    assert len(mail.outbox) == 1
    assert dossier.display_code in mail.outbox[0].body
    assert re.search(r"http://\S+/valbourg/demarches/dossier/" + token, mail.outbox[0].body)
    for mention in ("Accusé de réception", "1 place de la Mairie", "03 80 00 00 00", "réputée acceptée le"):
        assert mention in mail.outbox[0].body, mention  # the accusé de réception in the e-mail too

    pdf = client.get(f"/valbourg/demarches/dossier/{token}/accuse.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    if shutil.which("pdftotext"):  # the accusé on the shared print base: letterhead, footer, page numbers
        printed = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True)
        words = printed.stdout.decode()
        assert "Mairie de Valbourg" in words and dossier.display_code in words
        assert re.search(r"\b1\s*/\s*\d\b", words) and "Accusé de réception — dossier" in words
    assert AuditEntry.objects.filter(action="procedures.dossier.file").count() == 1


def test_the_list_of_demarches_follows_each_change_of_what_it_shows(client, cantine):
    # The cards are kept rendered (fragments cache) under what they show: a queryset update, which leaves the
    # démarche's updated_at as it was, must reach the page too.
    def cards():
        page = text(client.get("/valbourg/demarches/"))
        start = page.index('<ul class="card-list">')
        return page[start : page.index("</ul>", start)]

    assert f'href="/valbourg/demarches/{cantine.slug}/"' in cards()
    type(cantine).objects.filter(pk=cantine.pk).update(title="Cantine et garderie")
    assert "Cantine et garderie" in cards()
    type(cantine).objects.filter(pk=cantine.pk).update(description="Pour les enfants des écoles de Valbourg.")
    assert "Pour les enfants des écoles de Valbourg." in cards()
    type(cantine).objects.filter(pk=cantine.pk).update(slug="cantine-garderie")
    assert 'href="/valbourg/demarches/cantine-garderie/"' in cards()
    type(cantine).objects.filter(pk=cantine.pk).update(status="fermee")
    assert "Cantine et garderie" not in text(client.get("/valbourg/demarches/"))


def test_a_signed_in_resident_typing_their_own_code_is_led_to_its_tracking_page(
    client, valbourg, cantine, school, habitant_valbourg
):
    dossier = services.dossier_start(
        commune=valbourg, demarche=cantine, actor=habitant_valbourg, applicant_kind="particulier"
    )
    identity = {k: [v] for k, v in IDENTITY.items()}
    assert services.dossier_save(dossier=dossier, posted=identity, identity=True, complete=True) == {}
    answers = {k: [v] for k, v in _children(school, str(dossier.version_id)).items()}
    answers.update({"jours_cantine": ["lundi"], "periscolaire": ["non"]})
    pdf = SimpleUploadedFile("domicile.pdf", PDF)
    assert services.dossier_save(dossier=dossier, posted=answers, files={"justificatif_domicile": pdf}) == {}
    dossier = services.dossier_submit(dossier=dossier, actor=habitant_valbourg)
    url = f"/valbourg/demarches/suivi/?code={dossier.display_code}"
    link = f'href="/valbourg/demarches/dossier/{dossier.access_token}/"'

    client.force_login(habitant_valbourg)
    page = text(client.get(url))
    assert link in page and "Ouvrir le suivi de votre dossier" in page
    assert "ouvrez le lien personnel reçu par courriel" not in page
    # anyone else who has the code reads the state only: never the private link
    client.force_login(member(valbourg, "habitant", "voisin@valbourg.test"))
    page = text(client.get(url))
    assert link not in page and "ouvrez le lien personnel reçu par courriel" in page
    client.logout()
    assert dossier.access_token not in text(client.get(url))


def test_a_signed_in_resident_with_a_draft_is_offered_to_resume_it_before_starting_another(
    client, valbourg, cantine, habitant_valbourg
):
    client.force_login(habitant_valbourg)
    page = text(client.get(f"/valbourg/demarches/{cantine.slug}/"))
    assert "Reprendre ma demande" not in page
    client.post(f"/valbourg/demarches/{cantine.slug}/", {"applicant_kind": "particulier"})
    draft = Dossier.objects.get()
    page = text(client.get(f"/valbourg/demarches/{cantine.slug}/"))
    assert "Vous avez déjà commencé cette demande le" in page and "Reprendre ma demande" in page
    assert f'href="/valbourg/demarches/brouillon/{draft.access_token}/identite/"' in page
    # someone else, or nobody signed in, is offered no one's draft
    client.force_login(member(valbourg, "habitant", "voisin@valbourg.test"))
    assert "Reprendre ma demande" not in text(client.get(f"/valbourg/demarches/{cantine.slug}/"))
    client.logout()
    assert draft.access_token not in text(client.get(f"/valbourg/demarches/{cantine.slug}/"))
