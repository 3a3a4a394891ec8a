"""A NUL character (U+0000) is refused at the door with a 400: PostgreSQL answers any query or write holding
one with an error, so every filter and form that takes a client's text answered 500 there (found by fuzzing)."""

import pytest

from beffroi.core.services import apikey_create


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("/valbourg/signalements/?categorie=a%00", "caractère nul"),
        ("/valbourg/donnees/?type=a%00", "caractère nul"),
        ("/open311/v2/requests.json?jurisdiction_id=valbourg&service_code=a%00", "caractère nul"),
        ("/ngsi-ld/v1/entities?type=a%00", "null character"),  # NGSI-LD answers in English, like the standard
    ],
)
def test_a_nul_character_in_the_query_is_a_400_that_says_so(client, valbourg, url, said):
    response = client.get(url, HTTP_NGSILD_TENANT="valbourg")
    assert response.status_code == 400
    assert said in response.content.decode()


def test_a_nul_character_in_a_json_or_form_body_is_a_400_and_nothing_is_stored(client, valbourg):
    _, key = apikey_create(commune=valbourg, scope="write")
    body = '{"id": "urn:ngsi-ld:X:1", "type": "X", "name": {"type": "Property", "value": "a\\u0000b"}}'
    response = client.post(
        "/ngsi-ld/v1/entities/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_NGSILD_TENANT="valbourg",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    response = client.post(
        "/valbourg/connexion/",
        "username=a%00%40b.fr&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    # A multipart form (with files) is left to the form fields, which refuse a NUL with a French error.
    response = client.post("/valbourg/connexion/", {"username": "a\x00@b.fr", "password": "x"})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert client.get("/valbourg/signalements/?categorie=voirie").status_code == 200
