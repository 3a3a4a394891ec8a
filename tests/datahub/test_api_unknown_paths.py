"""Every address under /ngsi-ld/v1/ answers ProblemDetails (§5.5.2), never the site's HTML page: an unknown
path is ResourceNotFound (404), a method a resource does not accept is a 405 with its Allow header."""

from urllib.parse import unquote

import pytest

pytestmark = pytest.mark.django_db
BASE = "/ngsi-ld/v1"


def problem_of(response, status, error_type):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["type"] == f"https://uri.etsi.org/ngsi-ld/errors/{error_type}"
    assert body["title"] and body["status"] == status
    return body


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "path",
    [
        "",
        "foo",
        "entities/urn:a/b/c/d",
        "csourceRegistrations/",
        "jsonldContexts",
        "types/T/extra",
        "x.json",
        "a%0Ab",  # a newline in the path (found by fuzzing)
    ],
)
def test_an_unknown_path_is_resource_not_found(client, valbourg, method, path):
    response = getattr(client, method)(f"{BASE}/{path}", content_type="application/json")
    body = problem_of(response, 404, "ResourceNotFound")
    assert f"/ngsi-ld/v1/{unquote(path)}" in body["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "openapi.json"),
        ("delete", "contexts/ngsi-ld-core-context-v1.9.jsonld"),
        ("put", "entities"),
        ("put", "entityOperations/create"),
    ],
)
def test_a_method_not_accepted_is_a_405_problem_with_allow(client, valbourg, method, path):
    response = getattr(client, method)(f"{BASE}/{path}", content_type="application/json")
    problem_of(response, 405, "OperationNotSupported")
    assert response["Allow"]
    assert method.upper() not in response["Allow"]


def test_the_documents_are_still_served(client, valbourg):
    assert client.get(f"{BASE}/openapi.json").json()["openapi"].startswith("3.")
    assert client.head(f"{BASE}/openapi.json").status_code == 200
