"""Open311 GeoReport v2 checklist (research section b)."""

import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from beffroi.core.services import apikey_create
from beffroi.reports.models import Report
from tests.reports.conftest import file_report, jpeg_with_gps

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def keys(setup_reports, valbourg, hautmesnil):
    _k, write_v = apikey_create(commune=valbourg, scope="write")
    _k, read_v = apikey_create(commune=valbourg, scope="read")
    _k, write_h = apikey_create(commune=hautmesnil, scope="write")
    return {"write": write_v, "read": read_v, "other": write_h}


def post(client, key, **data):
    payload = {
        "api_key": key,
        "jurisdiction_id": "valbourg",
        "service_code": "eclairage",
        "lat": "47.318",
        "long": "4.832",
        "description": "Lampadaire éteint",
        **data,
    }
    return client.post(f"{BASE}/requests.json", payload)


def errors_json(response):
    body = response.json()
    assert isinstance(body, list) and {"code", "description"} <= set(body[0])
    return body


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_discovery_both_formats_all_fields(client, setup_reports, fmt):
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        data = response.json()
        assert response["Content-Type"].startswith("application/json")
        assert {"changeset", "contact", "key_service", "endpoints"} <= set(data)
        ep = data["endpoints"][0]
        assert {"specification", "url", "changeset", "type", "formats"} <= set(ep)
        assert datetime.fromisoformat(data["changeset"]) < datetime.now().astimezone()
    else:
        assert response["Content-Type"].startswith("text/xml")
        assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        root = ET.fromstring(response.content)
        assert root.tag == "discovery" and root.find("endpoints/endpoint/formats/format") is not None


def test_services_fields_and_enums(client, setup_reports):
    data = client.get(f"{BASE}/services.json", {"jurisdiction_id": "valbourg"}).json()
    assert {s["service_code"] for s in data} == {"nid-de-poule", "eclairage", "bruit"}
    for s in data:
        assert {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        } <= set(s)
        assert s["metadata"] in (True, False) and s["type"] in ("realtime", "batch", "blackbox")
    root = ET.fromstring(client.get(f"{BASE}/services.xml", {"jurisdiction_id": "valbourg"}).content)
    assert root.tag == "services" and len(root.findall("service")) == 3
    assert root.find("service/metadata").text in ("true", "false")


def test_service_definition_and_unknown_code(client, setup_reports):
    data = client.get(f"{BASE}/services/nid-de-poule.json", {"jurisdiction_id": "valbourg"}).json()
    orders = [a["order"] for a in data["attributes"]]
    assert len(set(orders)) == len(orders) and data["attributes"][1]["datatype"] == "multivaluelist"
    assert data["attributes"][0]["values"][0] == {"key": "oui", "name": "Oui"}
    missing = client.get(f"{BASE}/services/nope.xml", {"jurisdiction_id": "valbourg"})
    assert missing.status_code == 404
    assert ET.fromstring(missing.content).find("error/code").text == "404"


def test_jurisdiction_required_with_several_communes_and_unknown_404(client, setup_reports):
    assert client.get(f"{BASE}/services.json").status_code == 400
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "paris"}).status_code == 404


def test_post_needs_a_write_key(client, keys):
    assert post(client, "").status_code == 403
    assert post(client, "bfr_wrong").status_code == 403
    assert post(client, keys["read"]).status_code == 403
    assert post(client, keys["other"]).status_code == 403  # Hautmesnil's key, Valbourg's jurisdiction
    assert errors_json(post(client, ""))[0]["code"] == 403
    assert not Report.objects.exists()


def test_post_missing_code_or_location_400(client, keys):
    response = post(client, keys["write"], service_code="", lat="", long="")
    assert response.status_code == 400 and len(errors_json(response)) == 2


def test_post_required_attribute_missing_400(client, keys):
    response = post(client, keys["write"], service_code="nid-de-poule")
    assert response.status_code == 400 and errors_json(response)


def test_post_realtime_returns_id_readable_in_both_formats(client, keys):
    response = post(client, keys["write"], address_string="Allée de l'Église", lat="", long="")
    assert response.status_code == 201
    item = response.json()[0]
    assert "service_request_id" in item and "token" not in item
    rid = item["service_request_id"]
    one = client.get(f"{BASE}/requests/{rid}.json", {"jurisdiction_id": "valbourg"}).json()
    assert isinstance(one, list) and one[0]["address"].startswith("Allée de l'Église")
    assert one[0]["status"] == "open"
    xml = client.get(f"{BASE}/requests/{rid}.xml", {"jurisdiction_id": "valbourg"})
    root = ET.fromstring(xml.content)
    assert root.find("request/address").text.startswith("Allée de l'Église")
    requested = root.find("request/requested_datetime").text
    assert datetime.fromisoformat(requested).tzinfo is not None


def test_post_batch_returns_token_resolved_by_tokens(client, keys):
    item = post(client, keys["write"], service_code="bruit").json()[0]
    assert "token" in item and "service_request_id" not in item
    resolved = client.get(f"{BASE}/tokens/{item['token']}.json", {"jurisdiction_id": "valbourg"}).json()
    assert resolved[0]["service_request_id"] == str(Report.objects.get().pk)


def test_multivaluelist_attribute(client, keys):
    response = client.post(
        f"{BASE}/requests.xml",
        {
            "api_key": keys["write"],
            "jurisdiction_id": "valbourg",
            "service_code": "nid-de-poule",
            "lat": "47.318",
            "long": "4.832",
            "attribute[danger]": "oui",
            "attribute[nature][]": ["a", "b"],
        },
    )
    assert response.status_code == 201
    assert Report.objects.get().answers == {"danger": "oui", "nature": ["a", "b"]}


def test_multipart_photo_upload_and_media_url(client, keys):
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "photo.jpg"
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": keys["write"],
            "jurisdiction_id": "valbourg",
            "service_code": "eclairage",
            "lat": "47.318",
            "long": "4.832",
            "media": photo,
            "media_url": "https://exemple.test/p.jpg",
        },
    )  # multipart
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.photos.count() == 1 and report.media_url == "https://exemple.test/p.jpg"
    assert report.channel == "open311"


def test_urlencoded_body(client, keys):
    from urllib.parse import urlencode

    body = urlencode(
        {
            "api_key": keys["write"],
            "jurisdiction_id": "valbourg",
            "service_code": "eclairage",
            "lat": "47.318",
            "long": "4.832",
        }
    )
    response = client.post(
        f"{BASE}/requests.json", body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )
    assert response.status_code == 201


def test_post_outside_commune_400(client, keys):
    response = post(client, keys["write"], lat="48.85", long="2.35")
    assert response.status_code == 400 and "en dehors" in errors_json(response)[0]["description"]


def test_forged_image_400(client, keys):
    fake = io.BytesIO(b"not an image")
    fake.name = "x.jpg"
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": keys["write"],
            "jurisdiction_id": "valbourg",
            "service_code": "eclairage",
            "lat": "47.318",
            "long": "4.832",
            "media": fake,
        },
    )
    assert response.status_code == 400 and not Report.objects.exists()


def test_requests_filters(client, setup_reports, valbourg, agent_valbourg):
    from beffroi.reports import services
    from beffroi.reports.models import State

    a = file_report(valbourg, setup_reports["pothole"])
    b = file_report(valbourg, setup_reports["light"])
    services.report_change_state(
        report=b, actor=agent_valbourg, state=State.objects.get(commune=valbourg, code="resolu")
    )
    get = lambda **p: client.get(f"{BASE}/requests.json", {"jurisdiction_id": "valbourg", **p}).json()  # noqa: E731
    assert {r["service_request_id"] for r in get()} == {str(a.pk), str(b.pk)}
    assert [r["service_request_id"] for r in get(status="closed")] == [str(b.pk)]
    assert len(get(status="open,closed")) == 2
    assert [r["service_code"] for r in get(service_code="eclairage")] == ["eclairage"]
    assert len(get(service_code="", status="")) == 2  # empty == absent
    assert [r["service_request_id"] for r in get(service_request_id=str(b.pk), status="open")] == [str(b.pk)]
    old = client.get(
        f"{BASE}/requests.json",
        {
            "jurisdiction_id": "valbourg",
            "start_date": "2020-01-01T00:00:00Z",
            "end_date": "2020-12-31T00:00:00Z",
        },
    )
    assert old.status_code == 400  # range over 90 days is refused
    closed = get(status="closed")[0]
    assert closed["updated_datetime"] and datetime.fromisoformat(closed["updated_datetime"]).tzinfo


def test_requests_isolated_by_jurisdiction(client, setup_reports, valbourg, hautmesnil):
    a = file_report(valbourg, setup_reports["pothole"])
    assert client.get(f"{BASE}/requests.json", {"jurisdiction_id": "hautmesnil"}).json() == []
    assert client.get(f"{BASE}/requests/{a.pk}.json", {"jurisdiction_id": "hautmesnil"}).status_code == 404


def test_no_personal_data_in_open311(client, setup_reports, valbourg):
    file_report(valbourg, setup_reports["pothole"], contact_email="prive@exemple.test")
    body = client.get(f"{BASE}/requests.xml", {"jurisdiction_id": "valbourg"}).content.decode()
    assert "prive@exemple.test" not in body


def test_single_commune_install_jurisdiction_optional(client, setup_reports, hautmesnil):
    hautmesnil.is_active = False
    hautmesnil.save()
    assert client.get(f"{BASE}/services.json").status_code == 200


def test_xml_escaping(client, setup_reports, valbourg):
    file_report(valbourg, setup_reports["light"], description="<b>&amp; « test »</b>")
    raw = client.get(f"{BASE}/requests.xml", {"jurisdiction_id": "valbourg"}).content
    assert ET.fromstring(raw).find("request/description").text == "<b>&amp; « test »</b>"
    assert json.loads(client.get(f"{BASE}/requests.json", {"jurisdiction_id": "valbourg"}).content)[0][
        "description"
    ]


def test_platform_api_lists_only_the_keys_commune(client, keys, valbourg, hautmesnil, setup_reports):
    file_report(valbourg, setup_reports["pothole"], contact_email="prive@exemple.test")
    file_report(hautmesnil, setup_reports["other"], latitude=None, longitude=None, address_string="Lavoir")
    data = client.get("/api/reports/reports", headers={"Authorization": f"Bearer {keys['read']}"}).json()
    assert data["count"] == 1 and data["items"][0]["category"] == "nid-de-poule"
    assert "prive@exemple.test" not in json.dumps(data)
    assert client.get("/api/reports/reports").status_code == 401


def test_list_items_match_the_single_request_resource(client, setup_reports, valbourg, agent_valbourg):
    """The list is built from plain rows; every field must read as on requests/{id} (photo, replies, place…)."""
    from datetime import date

    from beffroi.reports import services
    from beffroi.reports.models import State
    from beffroi.territory.models import Place

    place = Place.objects.create(
        commune=valbourg, name="Lavoir", kind="autre", latitude=47.318, longitude=4.832
    )
    report = file_report(
        valbourg,
        setup_reports["pothole"],
        photos=[jpeg_with_gps(), jpeg_with_gps()],
        place=place,
        latitude=None,
        longitude=None,
    )
    first, second = report.photos.order_by("pk")
    services.photo_set_published(photo=second, actor=agent_valbourg, published=True)
    services.photo_set_published(photo=first, actor=agent_valbourg, published=True)
    services.report_reply(report=report, actor=agent_valbourg, body="Première réponse", public=True)
    services.report_reply(report=report, actor=agent_valbourg, body="Note interne", public=False)
    services.report_reply(report=report, actor=agent_valbourg, body="Réponse publique", public=True)
    services.report_set_due_date(report=report, actor=agent_valbourg, due_date=date(2030, 1, 2))
    closed = State.objects.filter(commune=valbourg, kind="closed").first()
    services.report_change_state(report=report, actor=agent_valbourg, state=closed)
    plain = file_report(valbourg, setup_reports["light"])
    params = {"jurisdiction_id": "valbourg"}
    listed = client.get(f"{BASE}/requests.json", params).json()
    assert [item["service_request_id"] for item in listed] == [str(plain.pk), str(report.pk)]
    for item in listed:
        single = client.get(f"{BASE}/requests/{item['service_request_id']}.json", params).json()
        assert single == [item]
    item = listed[1]
    assert item["status"] == "closed" and item["status_notes"] == "Réponse publique"
    assert item["media_url"].endswith(f"/valbourg/signalements/photo/{first.pk}/")
    assert item["address"] == "Lavoir, Valbourg" and item["address_id"] == str(place.pk)
    assert item["agency_responsible"] == "Voirie" and item["expected_datetime"].startswith("2030-01-02T18:00")
    assert listed[0]["media_url"] is None and listed[0]["status_notes"] is None
    xml = ET.fromstring(client.get(f"{BASE}/requests.xml", params).content)
    assert xml.find("request[2]/status_notes").text == "Réponse publique"


def test_fast_xml_writer_writes_the_bytes_of_elementtree():
    """Lists are written as text for speed; the bytes must be those ElementTree writes, tricky values included."""
    from beffroi.reports.open311 import _flat_xml, _tree_xml

    entries = [
        {
            "service_request_id": "1",
            "status_notes": None,
            "description": "<b>A & B</b> > « é » \"q\" 'a'\n\tz",
            "lat": 47.318,
            "long": -4.5,
            "metadata": True,
            "other": False,
            "order": 3,
            "empty": "",
        },
        {"service_request_id": "2", "status_notes": "]]> &amp; <![CDATA[x]]>", "lat": None},
    ]
    assert _flat_xml("service_requests", "request", entries) == _tree_xml(
        entries, root="service_requests", item="request"
    )
    assert _flat_xml("service_requests", "request", []) == _tree_xml(
        [], root="service_requests", item="request"
    )


def test_xml_list_is_the_json_list_written_by_elementtree(client, setup_reports, valbourg, agent_valbourg):
    """End to end, byte for byte: requests.xml is exactly ElementTree's rendering of requests.json."""
    from beffroi.reports import services
    from beffroi.reports.open311 import _tree_xml

    report = file_report(
        valbourg, setup_reports["pothole"], description="Trou <profond> & large", photos=[jpeg_with_gps()]
    )
    services.photo_set_published(photo=report.photos.get(), actor=agent_valbourg, published=True)
    services.report_reply(report=report, actor=agent_valbourg, body="Réponse « publique » <ok>", public=True)
    file_report(
        valbourg, setup_reports["light"], latitude=None, longitude=None, address_string="Place & Mairie"
    )
    params = {"jurisdiction_id": "valbourg"}
    listed = client.get(f"{BASE}/requests.json", params).json()
    expected = '<?xml version="1.0" encoding="utf-8"?>\n' + _tree_xml(
        listed, root="service_requests", item="request"
    )
    assert client.get(f"{BASE}/requests.xml", params).content == expected.encode()


def test_list_follows_every_write_to_a_report(client, setup_reports, valbourg, agent_valbourg):
    """Nothing in the list may go stale: state change, public reply, merge, photo moderation show at once."""
    from beffroi.reports import services
    from beffroi.reports.models import State

    report = file_report(valbourg, setup_reports["pothole"], photos=[jpeg_with_gps()])
    original = file_report(valbourg, setup_reports["pothole"])
    params = {"jurisdiction_id": "valbourg"}

    def item(fmt="json"):
        if fmt == "xml":
            root = ET.fromstring(client.get(f"{BASE}/requests.xml", params).content)
            return next(
                r for r in root.findall("request") if r.find("service_request_id").text == str(report.pk)
            )
        return next(
            r
            for r in client.get(f"{BASE}/requests.json", params).json()
            if r["service_request_id"] == str(report.pk)
        )

    assert item()["media_url"] is None and item()["service_notice"] == "Nouveau"
    planned = State.objects.get(commune=valbourg, code="planifie")
    services.report_change_state(report=report, actor=agent_valbourg, state=planned)
    assert item()["service_notice"] == "Planifié" and item("xml").find("service_notice").text == "Planifié"
    services.report_reply(report=report, actor=agent_valbourg, body="Intervention lundi", public=True)
    assert item()["status_notes"] == "Intervention lundi"
    assert item("xml").find("status_notes").text == "Intervention lundi"
    photo = report.photos.get()
    services.photo_set_published(photo=photo, actor=agent_valbourg, published=True)
    assert item()["media_url"].endswith(f"/photo/{photo.pk}/") and item("xml").find("media_url").text
    services.photo_set_published(photo=photo, actor=agent_valbourg, published=False)
    assert item()["media_url"] is None and item("xml").find("media_url").text is None
    services.report_merge(report=report, actor=agent_valbourg, into=original)
    merged = item()
    assert merged["status"] == "closed" and merged["service_notice"] == "Doublon"
    assert item("xml").find("status").text == "closed"


@pytest.mark.django_db(transaction=True)
def test_a_client_written_elsewhere_over_http(live_server, setup_reports, valbourg, agent_valbourg):
    """What an Open311 client does, over real HTTP with nothing but the standard library: discover the
    endpoint, list the services, read a service definition, post a request with a photo (multipart/form-data
    built by hand) and read it back in XML and JSON; once an agent publishes the photo, fetch it."""
    import uuid
    from urllib.request import Request, urlopen

    from PIL import Image

    from beffroi.reports import services

    def get(url: str):
        with urlopen(url, timeout=20) as response:  # noqa: S310 — the test's own live server
            return response.status, response.headers.get("Content-Type", ""), response.read()

    _key, secret = apikey_create(commune=valbourg, scope="write")
    status, ctype, body = get(f"{live_server.url}/open311/v2/discovery.json")
    endpoint = json.loads(body)["endpoints"][0]
    base = endpoint["url"]
    assert status == 200 and base.startswith(live_server.url) and "application/json" in endpoint["formats"]
    status, ctype, body = get(f"{base}services.xml?jurisdiction_id=valbourg")
    assert status == 200 and ctype.startswith("text/xml")
    service = next(s for s in ET.fromstring(body).findall("service") if s.find("metadata").text == "true")
    code = service.find("service_code").text
    definition = ET.fromstring(get(f"{base}services/{code}.xml?jurisdiction_id=valbourg")[2])
    required = [a for a in definition.findall("attributes/attribute") if a.find("required").text == "true"]
    attributes = {f"attribute[{a.find('code').text}]": a.find("values/value/key").text for a in required}
    assert attributes == {"attribute[danger]": "oui"}

    boundary = uuid.uuid4().hex
    fields = {
        "api_key": secret,
        "jurisdiction_id": "valbourg",
        "service_code": code,
        "lat": "47.318",
        "long": "4.832",
        "description": "Nid-de-poule signalé par une application",
        "email": "a@exemple.test",
        **attributes,
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="media"; filename="trou.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + jpeg_with_gps()
        + b"\r\n"
    )
    data = b"".join(parts) + f"--{boundary}--\r\n".encode()
    posted = Request(
        f"{base}requests.xml",
        data=data,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urlopen(posted, timeout=20) as response:  # noqa: S310
        assert response.status == 201
        created = ET.fromstring(response.read())
    request_id = created.find("request/service_request_id").text
    assert created.find("request/service_notice").text == "Nouveau"

    as_json = json.loads(get(f"{base}requests/{request_id}.json?jurisdiction_id=valbourg")[2])[0]
    as_xml = ET.fromstring(get(f"{base}requests/{request_id}.xml?jurisdiction_id=valbourg")[2]).find(
        "request"
    )
    assert as_json["service_code"] == as_xml.find("service_code").text == code
    assert as_json["description"] == as_xml.find("description").text == fields["description"]
    assert as_json["status"] == as_xml.find("status").text == "open"
    assert as_json["lat"] == float(as_xml.find("lat").text) == 47.318
    assert datetime.fromisoformat(as_json["requested_datetime"]).tzinfo is not None
    assert as_json["media_url"] is None and as_xml.find("media_url").text is None  # not moderated yet
    assert "a@exemple.test" not in json.dumps(as_json)

    report = Report.objects.get(pk=request_id)
    services.photo_set_published(photo=report.photos.get(), actor=agent_valbourg, published=True)
    listed = json.loads(
        get(f"{base}requests.json?jurisdiction_id=valbourg&service_request_id={request_id}")[2]
    )
    media_url = listed[0]["media_url"]
    assert (
        media_url
        and media_url
        == ET.fromstring(get(f"{base}requests/{request_id}.xml?jurisdiction_id=valbourg")[2])
        .find("request/media_url")
        .text
    )
    status, ctype, photo = get(media_url)
    assert status == 200 and ctype == "image/jpeg"
    assert 0x8825 not in Image.open(io.BytesIO(photo)).getexif()  # GPS stripped before publication
