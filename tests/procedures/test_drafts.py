"""A signed-in resident deletes a draft of theirs, without JavaScript: the button where their drafts are offered,
a page that asks once more, then the draft gone with its pieces. Nobody else's draft, nor a filed dossier."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import strip_tags

from beffroi.procedures import services
from beffroi.procedures.models import Dossier
from tests.factories import member

IDENTITY = {
    "last_name": ["Durand"],
    "first_name": ["Camille"],
    "email": ["habitant@valbourg.test"],
    "address-street": ["3 rue des Lilas"],
    "address-postcode": ["21990"],
    "address-city": ["Valbourg"],
}


def text(response) -> str:
    return " ".join(html.unescape(response.content.decode()).replace("\xa0", " ").split())


def _draft(valbourg, cantine, resident) -> Dossier:
    """A draft of the resident's, with a piece joined (a stored file)."""
    draft = services.dossier_start(
        commune=valbourg, demarche=cantine, actor=resident, applicant_kind="particulier"
    )
    pdf = SimpleUploadedFile("domicile.pdf", b"%PDF-1.4\n%%EOF\n")
    assert services.dossier_save(dossier=draft, posted={}, files={"justificatif_domicile": pdf}) == {}
    assert draft.files.count() == 1
    return draft


def _delete_url(draft: Dossier) -> str:
    return f"/valbourg/demarches/brouillon/{draft.access_token}/supprimer/"


def test_a_resident_deletes_their_draft_after_confirming_it(
    client, valbourg, cantine, habitant_valbourg, django_capture_on_commit_callbacks
):
    draft = _draft(valbourg, cantine, habitant_valbourg)
    stored = draft.files.get().file.name
    assert default_storage.exists(stored)
    client.force_login(habitant_valbourg)
    page = text(client.get(f"/valbourg/demarches/{cantine.slug}/"))
    assert "Reprendre ma demande" in page and "Supprimer ce brouillon" in page
    assert f'action="{_delete_url(draft)}"' in page

    # the button asks first, on a page of its own, and deletes nothing yet
    asking = client.post(_delete_url(draft), {"retour": "demarche"})
    assert asking.status_code == 200
    page = text(asking)
    assert f"Supprimer le brouillon « {cantine.title} » ?" in page
    assert "Il n'a pas été envoyé à la mairie. Vous ne pourrez pas le récupérer." in page
    assert 'name="confirme" value="1"' in page and "Revenir sans rien changer" in page
    assert f'href="/valbourg/demarches/{cantine.slug}/"' in page  # the way back
    assert Dossier.objects.filter(pk=draft.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(_delete_url(draft), {"retour": "demarche", "confirme": "1"}, follow=True)
    assert done.redirect_chain[-1][0] == f"/valbourg/demarches/{cantine.slug}/"
    page = text(done)
    assert f"Votre brouillon « {cantine.title} » a été supprimé." in page
    assert "Reprendre ma demande" not in page and "Commencer la demande" in page
    assert not Dossier.objects.filter(pk=draft.pk).exists()
    assert not default_storage.exists(stored)  # the piece's file is gone too


def test_the_list_of_my_dossiers_offers_to_delete_drafts_only(
    client, valbourg, cantine, school, habitant_valbourg
):
    draft = _draft(valbourg, cantine, habitant_valbourg)
    client.force_login(habitant_valbourg)
    page = text(client.get("/valbourg/demarches/"))
    assert "Mes dossiers" in page and f'action="{_delete_url(draft)}"' in page
    # the button names the draft for a screen reader, among several
    assert f"Supprimer ce brouillon « {cantine.title} » ({draft.display_code})" in strip_tags(page)
    # and on the draft's own pages (reached from « Mon espace »)
    step = text(client.get(f"/valbourg/demarches/brouillon/{draft.access_token}/identite/"))
    assert "Vous ne souhaitez plus faire cette demande ?" in step and f'action="{_delete_url(draft)}"' in step

    done = client.post(_delete_url(draft), {"retour": "liste", "confirme": "1"})
    assert done.status_code == 302 and done["Location"] == "/valbourg/demarches/"
    assert not Dossier.objects.filter(pk=draft.pk).exists()

    filed = _draft(valbourg, cantine, habitant_valbourg)
    answers = {
        "enfants-rows": ["1"],
        "enfants-0-prenom": ["Léa"],
        "enfants-0-nom": ["Durand"],
        "enfants-0-naissance": ["2017-05-12"],
        "enfants-0-ecole": [str(school.pk)],
        "enfants-0-classe": ["cp"],
        "enfants-0-regime_alimentaire": ["standard"],
        "jours_cantine": ["lundi"],
        "periscolaire": ["non"],
    }
    assert services.dossier_save(dossier=filed, posted=IDENTITY, identity=True, complete=True) == {}
    assert services.dossier_save(dossier=filed, posted=answers) == {}
    services.dossier_submit(dossier=filed, actor=habitant_valbourg)
    page = text(client.get("/valbourg/demarches/"))
    assert filed.display_code in page and "Supprimer ce brouillon" not in page


def test_nobody_deletes_another_persons_draft_nor_a_filed_dossier(
    client, valbourg, cantine, school, habitant_valbourg
):
    draft = _draft(valbourg, cantine, habitant_valbourg)
    confirmed = {"retour": "demarche", "confirme": "1"}
    # nobody signed in, with the private link
    assert client.post(_delete_url(draft), confirmed).status_code == 404
    # a neighbour, who is not offered the button either
    client.force_login(member(valbourg, "habitant", "voisin@valbourg.test"))
    assert "Supprimer ce brouillon" not in text(
        client.get(f"/valbourg/demarches/brouillon/{draft.access_token}/identite/")
    )
    assert client.post(_delete_url(draft), confirmed).status_code == 404
    assert Dossier.objects.filter(pk=draft.pk, state="brouillon").exists()

    # the owner's dossier once filed
    client.force_login(habitant_valbourg)
    answers = {
        "enfants-rows": ["1"],
        "enfants-0-prenom": ["Léa"],
        "enfants-0-nom": ["Durand"],
        "enfants-0-naissance": ["2017-05-12"],
        "enfants-0-ecole": [str(school.pk)],
        "enfants-0-classe": ["cp"],
        "enfants-0-regime_alimentaire": ["standard"],
        "jours_cantine": ["lundi"],
        "periscolaire": ["non"],
    }
    assert services.dossier_save(dossier=draft, posted=IDENTITY, identity=True, complete=True) == {}
    assert services.dossier_save(dossier=draft, posted=answers) == {}
    services.dossier_submit(dossier=draft, actor=habitant_valbourg)
    assert client.post(_delete_url(draft), confirmed).status_code == 404
    assert Dossier.objects.filter(pk=draft.pk, state="depose").exists()
    # the service refuses it too, whoever asks
    with pytest.raises(services.DossierError):
        services.draft_delete(dossier=draft, actor=habitant_valbourg)
    other = _draft(valbourg, cantine, habitant_valbourg)
    with pytest.raises(PermissionDenied):
        services.draft_delete(dossier=other, actor=member(valbourg, "agent", "agent@valbourg.test"))
    assert Dossier.objects.filter(pk=other.pk).exists()


def test_deleting_needs_a_post_with_its_csrf_token(valbourg, cantine, habitant_valbourg):
    draft = _draft(valbourg, cantine, habitant_valbourg)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(habitant_valbourg)
    assert browser.get(_delete_url(draft)).status_code == 405
    assert browser.post(_delete_url(draft), {"confirme": "1"}).status_code == 403
    assert Dossier.objects.filter(pk=draft.pk).exists()


def test_erasing_an_account_deletes_its_drafts_pieces_files(
    valbourg, cantine, habitant_valbourg, django_capture_on_commit_callbacks
):
    from beffroi.core.personal_data import erase_for

    draft = _draft(valbourg, cantine, habitant_valbourg)
    stored = draft.files.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        erase_for(habitant_valbourg)
    assert not Dossier.objects.filter(pk=draft.pk).exists()
    assert not default_storage.exists(stored)
