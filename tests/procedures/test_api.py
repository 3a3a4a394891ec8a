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
    decided = client.post(
        f"{url}/etat",
        {"action": "decider", "outcome": "refuse", "text": "Salle prise."},
        content_type="application/json",
        **_auth(secret),
    )
    assert decided.json()["state"] == "refuse"
    assert Dossier.objects.get().decision_text == "Salle prise."
    _, other = apikey_create(commune=hautmesnil, scope="write")
    assert client.get(url, **_auth(other)).status_code == 404
