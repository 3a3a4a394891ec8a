"""Open311 answers its own error form (a JSON array of {code, description} or XML <errors>) with the right
status for every address under /open311/v2/: a request id that is not a number, a malformed token, an unknown
service code, an unknown format, an unknown resource, a method the resource does not accept — never the
site's HTML page."""

import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


def open311_error(response, status, fmt):
    assert response.status_code == status
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
    else:
        assert response["Content-Type"].startswith("text/xml")
        root = ET.fromstring(response.content)
        assert root.tag == "errors" and root.findtext("error/code") == str(status)
        assert root.findtext("error/description")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "path",
    [
        "requests/abc",  # not a number
        "requests/12ab",
        "requests/-1",
        "requests/1.5",
        "tokens/zz-not-hex",  # a malformed token
        "tokens/%C3%A9t%C3%A9",
        "services/inconnu",  # an unknown service code
        "services/a.b",
    ],
)
def test_an_identifier_that_cannot_exist_is_an_open311_404(client, setup_reports, path, fmt):
    response = client.get(f"{BASE}/{path}.{fmt}", {"jurisdiction_id": "valbourg"})
    open311_error(response, 404, fmt)


def test_a_non_numeric_id_is_not_echoed_but_a_number_is(client, setup_reports):
    assert "<script" not in client.get(f"{BASE}/requests/<script>.json").content.decode()
    response = client.get(f"{BASE}/requests/999999.json", {"jurisdiction_id": "valbourg"})
    assert "999999" in response.json()[0]["description"]


@pytest.mark.parametrize("path", ["services.csv", "requests.txt", "requests/1.html", "discovery.yaml"])
def test_an_unknown_format_is_an_xml_404(client, setup_reports, path):
    open311_error(client.get(f"{BASE}/{path}", {"jurisdiction_id": "valbourg"}), 404, "xml")


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("", "xml"),
        ("services", "xml"),
        ("foo.json", "json"),
        ("requests/1/notes.json", "json"),
        ("a/b/c", "xml"),
    ],
)
def test_an_unknown_resource_is_an_open311_404(client, setup_reports, path, fmt):
    open311_error(client.get(f"{BASE}/{path}"), 404, fmt)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("delete", "services.json", "GET, HEAD"),
        ("post", "discovery.json", "GET, HEAD"),
        ("put", "requests.json", "GET, HEAD, POST"),
        ("patch", "requests/1.xml", "GET, HEAD"),
        ("post", "tokens/abc.json", "GET, HEAD"),
    ],
)
def test_a_method_the_resource_does_not_accept_is_an_open311_405(client, setup_reports, method, path, allow):
    response = getattr(client, method)(f"{BASE}/{path}")
    open311_error(response, 405, path.rsplit(".", 1)[1])
    assert response["Allow"] == allow


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_nul_character_is_an_open311_400(client, setup_reports, fmt):
    """Found by fuzzing: the platform's NUL-character guard answered problem+json under /open311/."""
    response = client.get(f"{BASE}/requests.{fmt}", {"jurisdiction_id": "valbourg", "service_code": "a\x00b"})
    open311_error(response, 400, fmt)
    posted = client.post(f"{BASE}/requests.{fmt}?jurisdiction_id=valbourg&a%00b=1", {"service_code": "x"})
    open311_error(posted, 400, fmt)


@pytest.mark.parametrize("name", ["start_date", "end_date"])
def test_a_date_before_year_one_in_utc_is_an_open311_400(client, setup_reports, name):
    """Found by the property test: midnight on 1 January of year 1 in Paris is in year 0 in UTC (a 500)."""
    response = client.get(f"{BASE}/requests.json", {"jurisdiction_id": "valbourg", name: "0001-01-01"})
    open311_error(response, 400, "json")
    assert "an 1" in response.json()[0]["description"]
