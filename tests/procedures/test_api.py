"""The platform API of the démarches: read key for démarches, schemas and dossiers; write key for instruction."""

from __future__ import annotations

from beffroi.core.services import apikey_create
from beffroi.procedures.models import Dossier
from tests.procedures.test_instruction import file_dossier


def _auth(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_read_key_lists_demarches_schemas_and_dossiers_without_contact_data(
    client, valbourg, cantine, school
):
    dossier = file_dossier(valbourg, cantine, school)
    _, secret = apikey_create(commune=valbourg, scope="read")
    demarches = client.get("/api/procedures/demarches", **_auth(secret)).json()
    assert (
        demarches[0]["slug"] == cantine.slug
        and demarches[0]["regime"] == "sva"
        and demarches[0]["version"] == 1
    )
    schema = client.get(f"/api/procedures/demarches/{cantine.slug}/schema", **_auth(secret)).json()
    assert schema["format"] == "beffroi.demarche" and schema["sections"][0]["fields"][0]["type"] == "repeat"
    listing = client.get("/api/procedures/dossiers", **_auth(secret)).json()
    assert listing["count"] == 1
    item = listing["items"][0]
    assert item["tracking_code"] == dossier.display_code and item["answers"]["enfants"][0]["prenom"] == "Léa"
    assert item["applicant_name"] == "Jeanne Martin"
    assert "example.org" not in str(item) and "Lilas" not in str(item)
    one = client.get(f"/api/procedures/dossiers/{dossier.tracking_code.lower()}", **_auth(secret))
    assert one.status_code == 200 and one.json()["state"] == "depose"
    refused = client.post(
        f"/api/procedures/dossiers/{dossier.tracking_code}/etat",
        {"action": "prendre"},
        content_type="application/json",
        **_auth(secret),
    )
    assert refused.status_code == 401


def test_write_key_instructs_and_refuses_in_french_as_problem_json(
    client, valbourg, cantine, school, hautmesnil
):
    dossier = file_dossier(valbourg, cantine, school)
    _, secret = apikey_create(commune=valbourg, scope="write")
    url = f"/api/procedures/dossiers/{dossier.tracking_code}"
    taken = client.post(
        f"{url}/etat", {"action": "prendre"}, content_type="application/json", **_auth(secret)
    )
    assert taken.status_code == 200 and taken.json()["state"] == "en_instruction"
    empty = client.post(
        f"{url}/etat", {"action": "pieces", "pieces": ""}, content_type="application/json", **_auth(secret)
    )
    assert empty.status_code == 400 and empty["Content-Type"].startswith("application/problem+json")
    assert "pièces" in empty.json()["detail"]
    message = client.post(
        f"{url}/messages", {"body": "Bonjour"}, content_type="application/json", **_auth(secret)
    )
    assert message.status_code == 201
    unsigned = client.post(
        f"{url}/etat",
        {"action": "decider", "outcome": "refuse", "text": "Salle prise."},
        content_type="application/json",
        **_auth(secret),
    )
    assert unsigned.status_code == 400 and "signataire" in unsigned.json()["detail"]
    decided = client.post(
        f"{url}/etat",
        {
            "action": "decider",
            "outcome": "refuse",
            "text": "Salle prise.",
            "signatory": "Le maire, Michel Roy",
        },
        content_type="application/json",
        **_auth(secret),
    )
    assert decided.json()["state"] == "refuse"
    assert Dossier.objects.get().decision_text == "Salle prise."
    _, other = apikey_create(commune=hautmesnil, scope="write")
    assert client.get(url, **_auth(other)).status_code == 404


def test_a_client_files_with_a_write_key_and_hidden_or_bad_values_are_refused(
    client, valbourg, cantine, school
):
    _, secret = apikey_create(commune=valbourg, scope="write")
    identity = {
        "last_name": "Martin",
        "first_name": "Jeanne",
        "email": "jeanne@example.org",
        "address": {"street": "3 rue des Lilas", "postcode": "21990", "city": "Valbourg"},
    }
    child = {
        "prenom": "Léa",
        "nom": "Martin",
        "naissance": "2017-05-12",
        "ecole": str(school.pk),
        "classe": "cp",
        "regime_alimentaire": "standard",
    }
    answers = {
        "enfants": [child],
        "jours_cantine": ["lundi"],
        "periscolaire": False,
        "periscolaire_creneaux": ["soir"],
    }  # hidden: the answer to « periscolaire » is « non »
    url = f"/api/procedures/demarches/{cantine.slug}/dossiers"
    refused = client.post(
        url,
        {"identity": {**identity, "phone": "12"}, "answers": answers},
        content_type="application/json",
        **_auth(secret),
    )
    assert refused.status_code == 400 and refused["Content-Type"].startswith("application/problem+json")
    errors = refused.json()["errors"]
    assert "ne s'applique pas" in errors["answers.periscolaire_creneaux"][0]
    assert "téléphone" in errors["identity.phone"][0]
    assert "Justificatif" in errors["answers.justificatif_domicile"][0]
    assert not Dossier.objects.exists()


def test_a_client_files_a_free_referral_with_a_write_key(client, valbourg):
    from beffroi.procedures import services

    referral = services.template_install(commune=valbourg, actor=None, code="saisine-libre")
    _, secret = apikey_create(commune=valbourg, scope="write")
    body = {
        "applicant_kind": "entreprise",
        "identity": {
            "company_name": "SARL Dupuis",
            "siret": "73282932000074",
            "last_name": "Dupuis",
            "first_name": "Marc",
            "email": "marc@dupuis.example",
        },
        "answers": {"objet": "Haie", "nature": "reclamation", "message": "La haie déborde."},
    }
    filed = client.post(
        f"/api/procedures/demarches/{referral.slug}/dossiers",
        body,
        content_type="application/json",
        **_auth(secret),
    )
    assert filed.status_code == 201, filed.content
    assert filed.json()["state"] == "depose" and filed.json()["channel"] == "api"
    assert filed.json()["applicant_name"] == "SARL Dupuis"
    bad = client.post(
        f"/api/procedures/demarches/{referral.slug}/dossiers",
        {**body, "answers": {**body["answers"], "inconnu": "x"}},
        content_type="application/json",
        **_auth(secret),
    )
    assert bad.status_code == 400 and "n'est pas un champ" in bad.json()["errors"]["answers.inconnu"][0]
