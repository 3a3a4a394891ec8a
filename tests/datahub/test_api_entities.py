"""NGSI-LD entity API: Smart Data Models round trip, CRUD, attributes, tenancy, access and errors."""

import json

import pytest

from tests.datahub.helpers import BASE, SDM_FILES, headers, link, post_json, read_key, sdm, write_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def wkey(valbourg):
    return write_key(valbourg)


@pytest.mark.parametrize("path", SDM_FILES, ids=lambda p: p.stem)
def test_every_smart_data_models_example_round_trips(client, valbourg, hautmesnil, wkey, path):
    example = sdm(path)
    response = post_json(
        client, f"{BASE}/entities", example, content_type="application/ld+json", **headers(wkey, "valbourg")
    )
    assert response.status_code == 201, response.content
    assert response["Location"].endswith(example["id"])
    context = example["@context"]
    got = client.get(
        f"{BASE}/entities/{example['id']}",
        headers=headers(wkey, "valbourg", Accept="application/ld+json", Link=link(context[-1])),
    )
    assert got.status_code == 200
    assert got["Content-Type"] == "application/ld+json"
    body = got.json()
    body_context = body.pop("@context")
    expected = {k: v for k, v in example.items() if k != "@context"}
    assert body == expected
    assert body_context == [context[-1]]


def test_create_twice_is_already_exists(client, valbourg, wkey):
    example = sdm(SDM_FILES[0])
    post_json(
        client, f"{BASE}/entities", example, content_type="application/ld+json", **headers(wkey, "valbourg")
    )
    again = post_json(
        client, f"{BASE}/entities", example, content_type="application/ld+json", **headers(wkey, "valbourg")
    )
    assert again.status_code == 409
    assert again.json()["type"] == "https://uri.etsi.org/ngsi-ld/errors/AlreadyExists"


def _light(n=1, **attrs):
    return {
        "id": f"urn:ngsi-ld:Streetlight:{n}",
        "type": "Streetlight",
        "status": {"type": "Property", "value": "ok"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [5.0, 47.3]}},
        **attrs,
    }


def test_tenants_are_isolated(client, valbourg, hautmesnil, wkey):
    other_key = write_key(hautmesnil)
    assert post_json(client, f"{BASE}/entities", _light(), **headers(wkey, "valbourg")).status_code == 201
    # The other commune's key cannot read or write Valbourg's tenant…
    assert (
        client.get(
            f"{BASE}/entities/urn:ngsi-ld:Streetlight:1", headers=headers(other_key, "valbourg")
        ).status_code
        == 403
    )
    # …and in its own tenant, the entity does not exist.
    assert (
        client.get(
            f"{BASE}/entities/urn:ngsi-ld:Streetlight:1", headers=headers(other_key, "hautmesnil")
        ).status_code
        == 404
    )
    listed = client.get(f"{BASE}/entities?type=Streetlight", headers=headers(other_key, "hautmesnil"))
    assert listed.json() == []
    # Same id may exist in both communes.
    assert (
        post_json(client, f"{BASE}/entities", _light(), **headers(other_key, "hautmesnil")).status_code == 201
    )
    deleted = client.delete(
        f"{BASE}/entities/urn:ngsi-ld:Streetlight:1", headers=headers(other_key, "valbourg")
    )
    assert deleted.status_code == 403
    assert (
        client.get(
            f"{BASE}/entities/urn:ngsi-ld:Streetlight:1", headers=headers(wkey, "valbourg")
        ).status_code
        == 200
    )


def test_write_needs_a_write_key_and_anonymous_reads_only_public(client, valbourg, hautmesnil, wkey):
    anonymous = post_json(client, f"{BASE}/entities", _light(), **headers(None, "valbourg"))
    assert anonymous.status_code == 401
    assert anonymous.json()["type"].endswith("/AccessDenied")
    reader = read_key(valbourg)
    assert post_json(client, f"{BASE}/entities", _light(), **headers(reader, "valbourg")).status_code == 403
    assert post_json(client, f"{BASE}/entities", _light(), **headers(wkey, "valbourg")).status_code == 201
    # Not public: anonymous sees nothing; a read key sees it.
    assert (
        client.get(
            f"{BASE}/entities/urn:ngsi-ld:Streetlight:1", headers=headers(None, "valbourg")
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"{BASE}/entities/urn:ngsi-ld:Streetlight:1", headers=headers(reader, "valbourg")
        ).status_code
        == 200
    )
    from beffroi.datahub.services import entity_set_public

    entity_set_public(commune=valbourg, entity_id="urn:ngsi-ld:Streetlight:1", is_public=True)
    public = client.get(f"{BASE}/entities?type=Streetlight", headers=headers(None, "valbourg"))
    assert [e["id"] for e in public.json()] == ["urn:ngsi-ld:Streetlight:1"]


def test_unknown_tenant(client, valbourg, hautmesnil):
    response = client.get(f"{BASE}/entities?type=X", headers=headers(None, "nowhere"))
    assert response.status_code == 404
    assert response.json()["type"].endswith("/NonexistentTenant")


def test_a_commune_without_the_data_module_is_told_so_not_that_it_does_not_exist(client, valbourg):
    """The module switch (core.modules) says the module is off for this commune, in a problem that an
    integrator tells apart from an unknown tenant; a reader of the same commune gets it too."""
    reader = read_key(valbourg)
    valbourg.enabled_modules = [code for code in valbourg.enabled_modules if code != "datahub"]
    valbourg.save(update_fields=["enabled_modules"])
    for key in (None, reader):
        response = client.get(f"{BASE}/entities?type=Streetlight", headers=headers(key, "valbourg"))
        assert response.status_code == 404
        body = response.json()
        assert body["type"].endswith("/ResourceNotFound")
        assert body["title"] == "The data module is not enabled for this tenant"
        assert body["detail"] == "The “Data and sensors” module is not enabled for Valbourg."
        assert "does not exist" not in json.dumps(body)


def test_without_tenant_header_the_only_commune_answers_even_with_its_own_host(client, valbourg):
    """One commune served, on a host of its own: an NGSI-LD client naming no tenant is talking to it (the
    pages' single commune, reached by clean URLs, is only one without a host)."""
    valbourg.host = "donnees.valbourg.example"
    valbourg.save(update_fields=["host"])
    assert client.get(f"{BASE}/types").status_code == 200


def test_without_tenant_header_several_communes_need_one(client, valbourg, hautmesnil):
    response = client.get(f"{BASE}/types")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/NonexistentTenant")
    assert "NGSILD-Tenant" in response.json()["detail"]


def test_replace_merge_and_attributes(client, valbourg, wkey):
    h = headers(wkey, "valbourg")
    post_json(client, f"{BASE}/entities", _light(), **h)
    url = f"{BASE}/entities/urn:ngsi-ld:Streetlight:1"
    # append with noOverwrite keeps the existing status and reports it
    r = post_json(
        client,
        f"{url}/attrs?options=noOverwrite",
        {
            "status": {"type": "Property", "value": "defectiveLamp"},
            "powerState": {"type": "Property", "value": "on"},
        },
        **h,
    )
    assert r.status_code == 207
    assert r.json()["notUpdated"][0]["attributeName"] == "status"
    # update of existing attributes
    r = client.patch(
        f"{url}/attrs",
        data=json.dumps({"status": {"type": "Property", "value": "columnIssue"}}),
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 204
    # partial attribute update
    r = client.patch(
        f"{url}/attrs/powerState",
        data=json.dumps({"value": "off"}),
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 204
    body = client.get(url, headers=h).json()
    assert body["status"]["value"] == "columnIssue"
    assert body["powerState"]["value"] == "off"
    # merge
    r = client.patch(
        url,
        data=json.dumps({"illuminanceLevel": {"type": "Property", "value": 0.5}}),
        content_type="application/merge-patch+json",
        headers=h,
    )
    assert r.status_code == 204
    assert client.get(url, headers=h).json()["illuminanceLevel"]["value"] == 0.5
    # delete attribute
    assert client.delete(f"{url}/attrs/illuminanceLevel", headers=h).status_code == 204
    assert "illuminanceLevel" not in client.get(url, headers=h).json()
    assert client.delete(f"{url}/attrs/illuminanceLevel", headers=h).status_code == 404
    # replace
    r = client.put(
        url,
        data=json.dumps({"type": "Streetlight", "status": {"type": "Property", "value": "ok"}}),
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 204
    assert set(client.get(url, headers=h).json()) == {"id", "type", "status"}
    # keyValues
    assert client.get(f"{url}?options=keyValues", headers=h).json() == {
        "id": "urn:ngsi-ld:Streetlight:1",
        "type": "Streetlight",
        "status": "ok",
    }
    assert client.delete(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type", "status", "word"),
    [
        ({"type": "Streetlight"}, "application/json", 400, "id"),
        ({"id": "not a uri", "type": "Streetlight"}, "application/json", 400, "id"),
        ({"id": "urn:ngsi-ld:X:1"}, "application/json", 400, "type"),
        (
            {"id": "urn:ngsi-ld:X:1", "type": "X", "speed": {"type": "Property"}},
            "application/json",
            400,
            "speed",
        ),
        (
            {
                "id": "urn:ngsi-ld:X:1",
                "type": "X",
                "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [1]}},
            },
            "application/json",
            400,
            "coordinates",
        ),
        (
            {
                "id": "urn:ngsi-ld:X:1",
                "type": "X",
                "t": {"type": "Property", "value": 1, "observedAt": "yesterday"},
            },
            "application/json",
            400,
            "t.observedAt",
        ),
        ({"id": "urn:ngsi-ld:X:1", "type": "X", "@context": []}, "application/json", 400, "@context"),
        ({"id": "urn:ngsi-ld:X:1", "type": "X"}, "application/ld+json", 400, "@context"),
        ({"id": "urn:ngsi-ld:X:1", "type": "X"}, "text/plain", 415, "Content-Type"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(client, valbourg, wkey, body, content_type, status, word):
    response = post_json(
        client, f"{BASE}/entities", body, content_type=content_type, **headers(wkey, "valbourg")
    )
    assert response.status_code == status
    problem = response.json()
    assert problem["type"].startswith("https://uri.etsi.org/ngsi-ld/errors/")
    assert word in problem["detail"]
    assert problem["title"] != problem["detail"]


def test_invalid_json_body(client, valbourg, wkey):
    response = client.post(
        f"{BASE}/entities", data="{nope", content_type="application/json", headers=headers(wkey, "valbourg")
    )
    assert response.status_code == 400
    assert response.json()["type"].endswith("/InvalidRequest")


def test_json_response_carries_a_link_header(client, valbourg, wkey):
    post_json(client, f"{BASE}/entities", _light(), **headers(wkey, "valbourg"))
    response = client.get(f"{BASE}/entities/urn:ngsi-ld:Streetlight:1", headers=headers(wkey, "valbourg"))
    assert response["Content-Type"].startswith("application/json")
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in response["Link"]
    assert (
        client.get(
            f"{BASE}/entities/urn:ngsi-ld:Streetlight:1",
            headers=headers(wkey, "valbourg", Accept="text/html"),
        ).status_code
        == 406
    )


def test_trailing_slash_and_types_and_attributes(client, valbourg, wkey):
    assert post_json(client, f"{BASE}/entities/", _light(), **headers(wkey, "valbourg")).status_code == 201
    types = client.get(f"{BASE}/types", headers=headers(wkey, "valbourg")).json()
    assert types["typeList"] == ["Streetlight"]
    attrs = client.get(f"{BASE}/attributes/", headers=headers(wkey, "valbourg")).json()
    assert set(attrs["attributeList"]) == {"status", "location"}


def test_unavailable_remote_context_is_ld_context_not_available(client, valbourg, settings):
    settings.DATAHUB_CONTEXT_ALLOWLIST = []
    body = {"id": "urn:ngsi-ld:X:1", "type": "X", "@context": ["https://example.org/unknown-context.jsonld"]}
    response = post_json(
        client,
        f"{BASE}/entities",
        body,
        content_type="application/ld+json",
        **headers(write_key(valbourg), "valbourg"),
    )
    assert response.status_code == 504
    assert response.json()["type"].endswith("/LdContextNotAvailable")


def test_openapi_and_bundled_contexts_are_served(client, valbourg):
    spec = client.get(f"{BASE}/openapi.json").json()
    assert "/entities" in spec["paths"] and "/temporal/entities/{entityId}" in spec["paths"]
    context = client.get(f"{BASE}/contexts/ngsi-ld-core-context-v1.9.jsonld")
    assert context.status_code == 200 and "@context" in json.loads(context.content)
