"""NGSI-LD API behaviours as the ETSI conformance suite checks them (each test names the suite's case): NGSI-LD
Null, pick/omit, strict payloads and queries, identifiers in the path, purge, batch merge, the core context
the responses name."""

import json

import pytest

from beffroi.datahub.models import Entity
from tests.datahub.helpers import BASE, headers, post_json, write_key

pytestmark = pytest.mark.django_db

EID = "urn:ngsi-ld:Building:B1"
URL = f"{BASE}/entities/{EID}"
CORE_V19 = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld"


def building(entity_id=EID, **extra):
    return {
        "id": entity_id,
        "type": "Building",
        "name": {"type": "Property", "value": "Eiffel Tower"},
        "subCategory": {"type": "Property", "value": "tourism"},
        "locatedAt": {"type": "Relationship", "object": "urn:ngsi-ld:City:Paris"},
        **extra,
    }


@pytest.fixture
def h(valbourg):
    return headers(write_key(valbourg), "valbourg")


@pytest.fixture
def created(client, h):
    r = post_json(client, f"{BASE}/entities", building(), **h)
    assert r.status_code == 201, r.content


def patch(client, path, body, h, content_type="application/json"):
    return client.patch(path, data=json.dumps(body), content_type=content_type, headers=h)


# ---------------------------------------------------------------------------------------- NGSI-LD Null


def test_update_attributes_with_ngsi_ld_null_deletes_them(client, h, created):
    """011_06 (update attributes with NGSI-LD Null): the attribute whose value is urn:ngsi-ld:null goes."""
    r = patch(client, f"{URL}/attrs", {"name": {"type": "Property", "value": "urn:ngsi-ld:null"}}, h)
    assert r.status_code == 204
    assert "name" not in client.get(URL, headers=h).json()


def test_partial_attribute_update_with_null_deletes_it(client, h, created):
    """012_05 (partial attribute update with NGSI-LD Null)."""
    r = patch(client, f"{URL}/attrs/subCategory", {"value": "urn:ngsi-ld:null"}, h)
    assert r.status_code == 204
    assert "subCategory" not in client.get(URL, headers=h).json()


def test_merge_patch_with_json_null_deletes_the_attribute(client, h, created):
    """056_03 (merge entity with null): JSON null and NGSI-LD Null both delete."""
    r = patch(
        client, URL, {"name": None, "subCategory": "urn:ngsi-ld:null"}, h, "application/merge-patch+json"
    )
    assert r.status_code == 204
    body = client.get(URL, headers=h).json()
    assert "name" not in body and "subCategory" not in body and "locatedAt" in body


# ---------------------------------------------------------------------------------------- pick / omit


@pytest.mark.parametrize(
    ("params", "members"),
    [
        ({"pick": "name"}, {"name"}),  # 018_17_01
        ({"omit": "name"}, {"id", "type", "subCategory", "locatedAt"}),  # 018_17_02
        ({"pick": "id"}, {"id"}),  # 018_17_03
        ({"omit": "id"}, {"type", "name", "subCategory", "locatedAt"}),  # 018_17_04
        ({"pick": "id,name"}, {"id", "name"}),  # 018_17_05
        ({"omit": "type,name"}, {"id", "subCategory", "locatedAt"}),  # 018_17_06
    ],
)
def test_retrieve_with_pick_or_omit(client, h, created, params, members):
    """018_17_01–06: pick keeps only the named members (core members too), omit drops them."""
    r = client.get(URL, params, headers=h)
    assert r.status_code == 200
    assert set(r.json()) == members


@pytest.mark.parametrize("params", [{"pick": "unknown"}, {"omit": "id,type,name,subCategory,locatedAt"}])
def test_retrieve_with_nothing_left_is_not_found(client, h, created, params):
    """018_19_01/02: no member left after pick/omit is 404 ResourceNotFound."""
    r = client.get(URL, params, headers=h)
    assert r.status_code == 404
    assert r.json()["type"].endswith("ResourceNotFound")


def test_pick_and_omit_together_is_a_bad_request(client, h, created):
    """018_18: pick and omit cannot be combined."""
    assert client.get(URL, {"pick": "name", "omit": "id"}, headers=h).status_code == 400


def test_query_with_pick(client, h, created):
    """019_xx pick on queries: each entity projected."""
    r = client.get(f"{BASE}/entities", {"type": "Building", "pick": "id,name"}, headers=h)
    assert r.json() == [{"id": EID, "name": {"type": "Property", "value": "Eiffel Tower"}}]


# ------------------------------------------------------------------------------------ strict payloads


@pytest.mark.parametrize(
    "attribute",
    [
        {"type": "Property", "value": 1, "object": "urn:ngsi-ld:City:Paris"},  # 001_06-style
        {"type": "Relationship", "object": "urn:ngsi-ld:City:Paris", "unitCode": "MTR"},
        {"type": "Relationship", "object": "not a uri"},
        {"type": "Property", "value": 1, "datasetId": "not a uri"},
    ],
)
def test_inconsistent_attributes_are_bad_request_data(client, h, attribute):
    """001_0x invalid payloads: a Property with object, a Relationship with unitCode… are 400."""
    r = post_json(client, f"{BASE}/entities", building(extra=attribute), **h)
    assert r.status_code == 400
    assert r.json()["type"].endswith("BadRequestData")


@pytest.mark.parametrize(
    "entity_id", ["urn:ngsi-ld:Building:\u202eB1", "urn:ngsi-ld:Building:\u200bB1", "B1"]
)
def test_look_alike_and_non_uri_ids_are_refused(client, h, entity_id):
    """001_03 / 4522_01: ids with U+202E or U+200B, or not URIs, are 400 BadRequestData."""
    r = post_json(client, f"{BASE}/entities", building(entity_id), **h)
    assert r.status_code == 400
    assert r.json()["type"].endswith("BadRequestData")
    assert not Entity.objects.exists()


# ------------------------------------------------------------------------------------------- queries


def test_query_with_an_invalid_id_is_bad_request(client, h, created):
    """019_01_03 (query with invalid ids): id=thisisaninvaliduri1,… is 400, not an empty list."""
    r = client.get(f"{BASE}/entities", {"id": "thisisaninvaliduri1,thisisaninvaliduri2"}, headers=h)
    assert r.status_code == 400
    assert r.json()["type"].endswith("BadRequestData")


@pytest.mark.parametrize("method", ["get", "delete"])
def test_a_non_uri_id_in_the_path_is_bad_request(client, h, method):
    """018_02 / 002_02: GET or DELETE /entities/thisisaninvaliduri is 400 BadRequestData, not 404."""
    r = getattr(client, method)(f"{BASE}/entities/thisisaninvaliduri", headers=h)
    assert r.status_code == 400
    assert r.json()["type"].endswith("BadRequestData")


def test_responses_name_the_versioned_core_context(client, h, created):
    """The core context of the version implemented (v1.9) in the Link header and in ld+json bodies."""
    r = client.get(URL, headers=h)
    assert CORE_V19 in r["Link"]
    ld = client.get(URL, headers={**h, "Accept": "application/ld+json"}).json()
    assert ld["@context"] == [CORE_V19]


# ------------------------------------------------------------------------------- purge, batch merge


def test_purge_entities_by_type(client, h, created, hautmesnil):
    """5621_01-style purge: DELETE /entities?type=Building deletes them all (204), in this tenant only."""
    post_json(client, f"{BASE}/entities", building("urn:ngsi-ld:Building:B2"), **h)
    other = headers(write_key(hautmesnil), "hautmesnil")
    post_json(client, f"{BASE}/entities", building(), **other)
    r = client.delete(f"{BASE}/entities?type=Building", headers=h)
    assert r.status_code == 204
    assert client.get(f"{BASE}/entities", {"type": "Building"}, headers=h).json() == []
    assert len(client.get(f"{BASE}/entities", {"type": "Building"}, headers=other).json()) == 1


def test_purge_without_a_filter_is_bad_request(client, h):
    """A purge must say which entities (no accidental wipe of a commune)."""
    assert client.delete(f"{BASE}/entities", headers=h).status_code == 400


def test_batch_merge(client, h, created):
    """057_01 (batch merge): each entity merge-patched, 204; an unknown one reported in a 207."""
    body = [{"id": EID, "type": "Building", "name": {"type": "Property", "value": "Tour Eiffel"}}]
    r = post_json(client, f"{BASE}/entityOperations/merge", body, **h)
    assert r.status_code == 204
    got = client.get(URL, headers=h).json()
    assert got["name"]["value"] == "Tour Eiffel" and got["subCategory"]["value"] == "tourism"
    body.append({"id": "urn:ngsi-ld:Building:none", "type": "Building"})
    r = post_json(client, f"{BASE}/entityOperations/merge", body, **h)
    assert r.status_code == 207
    assert r.json()["errors"][0]["entityId"] == "urn:ngsi-ld:Building:none"


# ---------------------------------------------------------------------------------------------- joins


@pytest.fixture
def linked(client, h):
    """A building located in Paris, in France (the suite's building-relationship, city and country files)."""
    for body in (
        {
            "id": "urn:ngsi-ld:Building:J1",
            "type": "Building",
            "name": {"type": "Property", "value": "Eiffel Tower"},
            "locatedAt": {"type": "Relationship", "object": "urn:ngsi-ld:City:Paris"},
        },
        {
            "id": "urn:ngsi-ld:City:Paris",
            "type": "City",
            "name": {"type": "Property", "value": "Paris"},
            "description": {"type": "Property", "value": "Paris is the capital and largest city of France"},
            "isInCountry": {"type": "Relationship", "object": "urn:ngsi-ld:Country:France"},
        },
        {
            "id": "urn:ngsi-ld:Country:France",
            "type": "Country",
            "name": {"type": "Property", "value": "France"},
            "description": {"type": "Property", "value": "France is an European country"},
        },
    ):
        assert post_json(client, f"{BASE}/entities", body, **h).status_code == 201
    return f"{BASE}/entities/urn:ngsi-ld:Building:J1"


def test_join_inline_one_level(client, h, linked):
    """018_10 (inline, one level): the relationship carries the linked entity in its entity member."""
    body = client.get(linked, {"join": "inline"}, headers=h).json()
    city = body["locatedAt"]["entity"]
    assert city["id"] == "urn:ngsi-ld:City:Paris" and city["name"]["value"] == "Paris"
    assert "entity" not in city["isInCountry"]  # joinLevel 1


def test_join_flat_two_levels(client, h, linked):
    """018_13 (flat, two levels): the entity then the entities it links to, relationships untouched."""
    body = client.get(linked, {"join": "flat", "joinLevel": 2}, headers=h).json()
    assert [e["id"] for e in body] == [
        "urn:ngsi-ld:Building:J1",
        "urn:ngsi-ld:City:Paris",
        "urn:ngsi-ld:Country:France",
    ]
    assert "entity" not in body[0]["locatedAt"]


def test_join_inline_with_nested_pick(client, h, linked):
    """018_20_03: pick=id,locatedAt{id,name,isInCountry{id,description}} projects each level."""
    body = client.get(
        linked,
        {"join": "inline", "joinLevel": 2, "pick": "id,locatedAt{id,name,isInCountry{id,description}}"},
        headers=h,
    ).json()
    assert body == {
        "id": "urn:ngsi-ld:Building:J1",
        "locatedAt": {
            "type": "Relationship",
            "object": "urn:ngsi-ld:City:Paris",
            "entity": {
                "id": "urn:ngsi-ld:City:Paris",
                "name": {"type": "Property", "value": "Paris"},
                "isInCountry": {
                    "type": "Relationship",
                    "object": "urn:ngsi-ld:Country:France",
                    "entity": {
                        "id": "urn:ngsi-ld:Country:France",
                        "description": {"type": "Property", "value": "France is an European country"},
                    },
                },
            },
        },
    }


def test_join_flat_with_nested_omit(client, h, linked):
    """018_21_04: omit=type,locatedAt{name,isInCountry{description}}: braces project linked entities only."""
    body = client.get(
        linked,
        {"join": "flat", "joinLevel": 2, "omit": "type,locatedAt{name,isInCountry{description}}"},
        headers=h,
    ).json()
    assert set(body[0]) == {"id", "name", "locatedAt"}
    assert set(body[1]) == {"id", "type", "description", "isInCountry"}
    assert set(body[2]) == {"id", "type", "name"}


def test_join_on_a_missing_linked_entity_leaves_the_relationship(client, h):
    """018_14: a relationship to an entity that does not exist is answered as it is."""
    post_json(
        client,
        f"{BASE}/entities",
        {
            "id": "urn:ngsi-ld:Building:J2",
            "type": "Building",
            "locatedAt": {"type": "Relationship", "object": "urn:ngsi-ld:City:Nowhere"},
        },
        **h,
    )
    body = client.get(f"{BASE}/entities/urn:ngsi-ld:Building:J2", {"join": "inline"}, headers=h).json()
    assert body["locatedAt"] == {"type": "Relationship", "object": "urn:ngsi-ld:City:Nowhere"}


def test_join_does_not_cross_tenants(client, h, hautmesnil):
    """Tenancy: a relationship to an id that exists only in another commune brings nothing."""
    other = headers(write_key(hautmesnil), "hautmesnil")
    post_json(client, f"{BASE}/entities", {"id": "urn:ngsi-ld:City:Secret", "type": "City"}, **other)
    post_json(
        client,
        f"{BASE}/entities",
        {
            "id": "urn:ngsi-ld:Building:J3",
            "type": "Building",
            "locatedAt": {"type": "Relationship", "object": "urn:ngsi-ld:City:Secret"},
        },
        **h,
    )
    body = client.get(f"{BASE}/entities", {"type": "Building", "join": "flat"}, headers=h).json()
    assert [e["id"] for e in body] == ["urn:ngsi-ld:Building:J3"]


def test_invalid_join_is_a_bad_request(client, h, linked):
    """join takes inline or flat."""
    assert client.get(linked, {"join": "deep"}, headers=h).status_code == 400


# ------------------------------------------------------------------------ multi-instance (datasetId)


@pytest.fixture
def vehicle(client, h):
    body = {
        "id": "urn:ngsi-ld:Vehicle:M1",
        "type": "Vehicle",
        "speed": [
            {"type": "Property", "value": 55},
            {"type": "Property", "value": 11, "datasetId": "urn:ngsi-ld:Dataset:gps"},
        ],
    }
    assert post_json(client, f"{BASE}/entities", body, **h).status_code == 201
    return f"{BASE}/entities/urn:ngsi-ld:Vehicle:M1"


def speeds(client, url, h):
    member = client.get(url, headers=h).json().get("speed")
    return sorted(i["value"] for i in (member if isinstance(member, list) else [member] if member else []))


@pytest.mark.parametrize(
    ("query", "left"),
    [
        ("?deleteAll=false", [11]),  # 013_01: the default instance only (was: every instance)
        ("?datasetId=urn:ngsi-ld:Dataset:gps", [55]),  # 013_02
        ("?deleteAll=true", []),  # 013_03
    ],
)
def test_delete_attribute_instances(client, h, vehicle, query, left):
    """013_01–03 (DeleteEntityAttribute with datasetId / deleteAll)."""
    assert client.delete(f"{vehicle}/attrs/speed{query}", headers=h).status_code == 204
    assert speeds(client, vehicle, h) == left


def test_delete_an_unknown_dataset_is_404(client, h, vehicle):
    """013_04: no instance of that datasetId."""
    r = client.delete(f"{vehicle}/attrs/speed?datasetId=urn:ngsi-ld:Dataset:none", headers=h)
    assert r.status_code == 404


def test_append_an_instance_keeps_the_other_datasets(client, h, vehicle):
    """010_0x (append with datasetId): a new datasetId is added beside the others, the same one replaced."""
    post_json(
        client,
        f"{vehicle}/attrs",
        {"speed": {"type": "Property", "value": 99, "datasetId": "urn:ngsi-ld:Dataset:radar"}},
        **h,
    )
    assert speeds(client, vehicle, h) == [11, 55, 99]
    patch(client, f"{vehicle}/attrs", {"speed": {"type": "Property", "value": 60}}, h)
    assert speeds(client, vehicle, h) == [11, 60, 99]


def test_replace_an_attribute(client, h, created):
    """5619_01 (PUT …/attrs/{attr}): the attribute is replaced whole (204); an absent one is 404."""
    r = client.put(
        f"{URL}/attrs/name",
        data=json.dumps(
            {"type": "Property", "value": "Tour Eiffel", "source": {"type": "Property", "value": "x"}}
        ),
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 204
    assert client.get(URL, headers=h).json()["name"]["value"] == "Tour Eiffel"
    r = client.put(
        f"{URL}/attrs/height",
        data=json.dumps({"type": "Property", "value": 300}),
        content_type="application/json",
        headers=h,
    )
    assert r.status_code == 404


# ------------------------------------------------------------------------------------ LanguageProperty


@pytest.fixture
def street(client, h):
    body = {
        "id": "urn:ngsi-ld:Street:L1",
        "type": "Street",
        "street": {"type": "LanguageProperty", "languageMap": {"fr": "Grand Place", "nl": "Grote Markt"}},
    }
    assert post_json(client, f"{BASE}/entities", body, **h).status_code == 201
    return f"{BASE}/entities/urn:ngsi-ld:Street:L1"


def test_retrieve_with_lang(client, h, street):
    """018_0x LanguageProperty with lang=nl: a Property in that language, naming it."""
    body = client.get(street, {"lang": "nl"}, headers=h).json()
    assert body["street"] == {"type": "Property", "value": "Grote Markt", "lang": "nl"}
    simple = client.get(street, {"lang": "de,fr;q=0.5", "options": "keyValues"}, headers=h).json()
    assert simple["street"] == "Grand Place"
    whole = client.get(street, headers=h).json()
    assert whole["street"]["languageMap"] == {"fr": "Grand Place", "nl": "Grote Markt"}


@pytest.mark.parametrize("language_map", [{"fr": 3}, {"not a tag": "x"}, "Grand Place", {}])
def test_invalid_language_maps_are_refused(client, h, language_map):
    """001_1x-style: a languageMap of language tags to strings, nothing else."""
    body = {
        "id": "urn:ngsi-ld:Street:L2",
        "type": "Street",
        "street": {"type": "LanguageProperty", "languageMap": language_map},
    }
    r = post_json(client, f"{BASE}/entities", body, **h)
    assert r.status_code == 400


# ---------------------------------------------------------------------------------------------- tenancy


def test_the_tenant_is_named_back(client, h, created):
    """CommonBehaviours tenant cases: the NGSILD-Tenant header of the request is echoed."""
    assert client.get(URL, headers=h)["NGSILD-Tenant"] == "valbourg"


def test_an_unknown_tenant_on_a_write_is_refused(client, valbourg):
    """Deliberate difference: communes are created by the platform, never by a header (NonexistentTenant)."""
    r = post_json(client, f"{BASE}/entities", building(), **headers(write_key(valbourg), "no-such-commune"))
    assert r.status_code == 404
    assert r.json()["type"].endswith("NonexistentTenant")
    assert not Entity.objects.exists()


# ------------------------------------------------------------------------------------ transient entities


def test_a_transient_entity_is_served_until_it_expires(client, h):
    """4524_01-style (transient entity): expiresAt is accepted (201, was 400) and returned; once passed, the
    entity is gone for every reader, its id free again, and the periodic pass deletes it."""
    from datetime import UTC, datetime, timedelta

    from beffroi.datahub import services

    soon = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = post_json(client, f"{BASE}/entities", building(expiresAt=soon), **h)
    assert r.status_code == 201, r.content
    assert client.get(URL, headers=h).json()["expiresAt"] == soon
    Entity.objects.filter(entity_id=EID).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert client.get(URL, headers=h).status_code == 404
    assert client.get(f"{BASE}/entities", {"type": "Building"}, headers=h).json() == []
    assert services.entities_expired_purge() == 1
    assert not Entity.objects.exists()


def test_an_invalid_expires_at_is_refused(client, h):
    """expiresAt must be a DateTime."""
    r = post_json(client, f"{BASE}/entities", building(expiresAt="tomorrow"), **h)
    assert r.status_code == 400


# ------------------------------------------------------------- types, attributes, GeoJSON, pagination


def test_type_details_and_one_type(client, h, created, linked):
    """025_0x / 026_0x (types with details, one type's EntityTypeInfo); an unknown type is 404."""
    details = client.get(f"{BASE}/types", {"details": "true"}, headers=h).json()
    building_type = next(t for t in details if t["typeName"] == "Building")
    assert building_type["type"] == "EntityType"
    assert set(building_type["attributeNames"]) == {"name", "subCategory", "locatedAt"}
    info = client.get(f"{BASE}/types/Building", headers=h).json()
    assert info["type"] == "EntityTypeInfo" and info["entityCount"] == 2
    located = next(a for a in info["attributeDetails"] if a["attributeName"] == "locatedAt")
    assert located["attributeTypes"] == ["Relationship"]
    assert client.get(f"{BASE}/types/Spaceship", headers=h).status_code == 404


def test_attribute_details_and_one_attribute(client, h, created, linked):
    """027_0x / 028_0x (attributes with details, one Attribute); an unknown attribute is 404."""
    one = client.get(f"{BASE}/attributes/name", headers=h).json()
    assert one["type"] == "Attribute" and one["attributeCount"] == 4
    assert one["typeNames"] == ["Building", "City", "Country"]
    details = client.get(f"{BASE}/attributes", {"details": "true"}, headers=h).json()
    assert {a["attributeName"] for a in details} >= {"name", "locatedAt", "isInCountry"}
    assert client.get(f"{BASE}/attributes/unknownThing", headers=h).status_code == 404


def test_geojson_representation(client, h):
    """018_0x / 019_0x GeoJSON (Accept: application/geo+json): a Feature, or a FeatureCollection."""
    point = {"type": "Point", "coordinates": [2.2945, 48.8584]}
    post_json(client, f"{BASE}/entities", building(location={"type": "GeoProperty", "value": point}), **h)
    geo = {**h, "Accept": "application/geo+json"}
    one = client.get(URL, headers=geo)
    assert one["Content-Type"] == "application/geo+json"
    body = one.json()
    assert body["type"] == "Feature" and body["id"] == EID and body["geometry"] == point
    assert body["properties"]["type"] == "Building"
    assert body["properties"]["name"]["value"] == "Eiffel Tower"
    many = client.get(f"{BASE}/entities", {"type": "Building", "options": "keyValues"}, headers=geo).json()
    assert many["type"] == "FeatureCollection"
    assert many["features"][0]["properties"]["name"] == "Eiffel Tower"


def test_accept_q_values_and_406(client, h, created):
    """CommonBehaviours Accept cases: q-values choose the representation; nothing acceptable is 406."""
    ld = client.get(URL, headers={**h, "Accept": "application/json;q=0.5, application/ld+json"})
    assert ld["Content-Type"] == "application/ld+json"
    assert client.get(URL, headers={**h, "Accept": "text/html"}).status_code == 406


def test_pagination_links(client, h):
    """019_xx pagination: Link rel="next"/"prev" name the neighbouring pages."""
    for n in range(3):
        post_json(client, f"{BASE}/entities", building(f"urn:ngsi-ld:Building:P{n}"), **h)
    first = client.get(f"{BASE}/entities", {"type": "Building", "limit": 2}, headers=h)
    assert 'rel="next"' in first["Link"] and "offset=2" in first["Link"] and 'rel="prev"' not in first["Link"]
    second = client.get(f"{BASE}/entities", {"type": "Building", "limit": 2, "offset": 2}, headers=h)
    assert 'rel="prev"' in second["Link"] and 'rel="next"' not in second["Link"]
    assert "ngsi-ld-core-context" in second["Link"]  # the @context link stays


# ---------------------------------------------------------------------------------------------- scopes


@pytest.mark.parametrize(
    ("scope_q", "expected"),
    [
        ("/Madrid", ["urn:ngsi-ld:Building:S1"]),
        ("/Madrid/#", ["urn:ngsi-ld:Building:S1", "urn:ngsi-ld:Building:S2"]),
        ("/Madrid/+", ["urn:ngsi-ld:Building:S2"]),
        ("/Madrid/Gardens,/Paris", ["urn:ngsi-ld:Building:S2", "urn:ngsi-ld:Building:S3"]),
        ("/Madrid/Gardens;/Paris", []),
        ("/#", ["urn:ngsi-ld:Building:S1", "urn:ngsi-ld:Building:S2", "urn:ngsi-ld:Building:S3"]),
    ],
)
def test_query_by_scope(client, h, scope_q, expected):
    """019_1x scopeQ (§4.19): exact, /# descendants, /+ children, OR and AND."""
    for entity_id, scope in (("S1", "/Madrid"), ("S2", ["/Madrid/Gardens"]), ("S3", "/Paris")):
        body = building(f"urn:ngsi-ld:Building:{entity_id}")
        body["scope"] = scope
        assert post_json(client, f"{BASE}/entities", body, **h).status_code == 201
    r = client.get(f"{BASE}/entities", {"scopeQ": scope_q}, headers=h)
    assert [e["id"] for e in r.json()] == expected


@pytest.mark.parametrize("scope", ["Madrid", ["/ok", 3], "/a b"])
def test_invalid_scopes_are_refused(client, h, scope):
    """001_xx scope: a path of segments, or a list of them."""
    body = building()
    body["scope"] = scope
    assert post_json(client, f"{BASE}/entities", body, **h).status_code == 400


def test_invalid_scope_query_is_bad_request(client, h):
    """scopeQ must be a scope expression."""
    assert client.get(f"{BASE}/entities", {"scopeQ": "Madrid"}, headers=h).status_code == 400


def test_create_with_an_empty_body_is_invalid_request(client, h):
    """001_02_02 (EmptyJson): an empty object is 400 InvalidRequest; 001_02_04 an invalid type BadRequestData."""
    r = post_json(client, f"{BASE}/entities", {}, **h)
    assert r.status_code == 400 and r.json()["type"].endswith("InvalidRequest")
    r = post_json(client, f"{BASE}/entities", {"id": EID, "type": ""}, **h)
    assert r.status_code == 400 and r.json()["type"].endswith("BadRequestData")


def test_sys_attrs_at_attribute_level(client, h, created):
    """018_0x sysAttrs: with options=sysAttrs each attribute carries createdAt and modifiedAt; a partial
    update keeps createdAt and moves modifiedAt; without the option neither is shown."""
    first = client.get(URL, {"options": "sysAttrs"}, headers=h).json()
    name = first["name"]
    assert name["createdAt"] and name["modifiedAt"] and first["createdAt"]
    assert "createdAt" not in client.get(URL, headers=h).json()["name"]
    import time

    time.sleep(0.01)
    patch(client, f"{URL}/attrs/name", {"value": "Tour Eiffel"}, h)
    after = client.get(URL, {"options": "sysAttrs"}, headers=h).json()["name"]
    assert after["createdAt"] == name["createdAt"]
    assert after["modifiedAt"] > name["modifiedAt"]


def test_query_by_post_with_scope_q(client, h):
    """POST /entityOperations/query with scopeQ (§5.7.2, the Query data type's scopeQ)."""
    for entity_id, scope in (("S1", "/Madrid"), ("S3", "/Paris")):
        body = building(f"urn:ngsi-ld:Building:{entity_id}")
        body["scope"] = scope
        post_json(client, f"{BASE}/entities", body, **h)
    r = post_json(client, f"{BASE}/entityOperations/query", {"type": "Query", "scopeQ": "/Paris"}, **h)
    assert [e["id"] for e in r.json()] == ["urn:ngsi-ld:Building:S3"]


def test_patch_scope_as_an_attribute(client, h, created):
    """Was a 500: PATCH …/attrs/scope is answered (never a crash); scope is appended, updated and checked
    like an attribute (§4.18): a bad scope is 400."""
    r = patch(client, f"{URL}/attrs/scope", {"type": "Property", "value": "/Madrid"}, h)
    assert r.status_code in (204, 400), r.content
    assert post_json(client, f"{URL}/attrs", {"scope": "/Madrid"}, **h).status_code == 204
    assert patch(client, f"{URL}/attrs", {"scope": "/Madrid/Gardens"}, h).status_code == 204
    assert client.get(URL, headers=h).json()["scope"] == "/Madrid/Gardens"
    r = patch(client, f"{URL}/attrs", {"scope": "Madrid"}, h)
    assert r.status_code == 400 and r.json()["type"].endswith("BadRequestData")
