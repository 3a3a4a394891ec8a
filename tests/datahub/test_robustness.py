"""Bad input never breaks the data hub: instants out of any sane window, reserved or invalid attribute names,
oversized values and bodies are refused with a clear error (per measurement where others can be stored), and
the pages show whatever is already stored."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beffroi.datahub import partitions, services
from beffroi.datahub.models import Entity, HourlyRollup, LatestValue, Observation, RejectedUplink
from tests.datahub.helpers import BASE, headers, post_json, write_key

pytestmark = pytest.mark.django_db

FILL = "https://uri.etsi.org/ngsi-ld/default-context/fillingLevel"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def container(valbourg):
    return services.entity_create(
        commune=valbourg,
        entity={
            "id": "urn:ngsi-ld:WasteContainer:1",
            "type": "https://uri.etsi.org/ngsi-ld/default-context/WasteContainer",
            FILL: {"type": "Property", "value": 0.1},
        },
        is_public=True,
    )


@pytest.fixture
def key(valbourg):
    return write_key(valbourg)


def _batch(client, key, items):
    return client.post(
        "/api/datahub/observations",
        data=json.dumps({"observations": items}),
        content_type="application/json",
        headers=headers(key),
    )


def _item(container, **fields):
    return {
        "entity": container.entity_id,
        "attribute": "fillingLevel",
        "observedAt": NOW.isoformat(),
        "value": 0.5,
        **fields,
    }


def _is_problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["title"] and body["detail"]
    return body


# ------------------------------------------------------------------------------------------------ batch API


@pytest.mark.parametrize(
    "instant",
    [
        "9999-12-31T23:30:00Z",
        "9999-12-31T23:30:00-01:00",  # beyond the calendar once in UTC
        "0001-01-01T00:00:00+01:00",
        "1999-12-31T23:59:59Z",
        # a fixed id: an id made of the current time differs between pytest-xdist workers, which then refuse to run
        pytest.param((NOW + timedelta(days=2)).isoformat(), id="two-days-ahead"),
    ],
)
def test_instants_outside_the_window_are_rejected_one_by_one(client, key, container, instant):
    good = _item(container)
    r = _batch(client, key, [good, _item(container, observedAt=instant)])
    assert r.status_code == 200
    body = r.json()
    assert body["accepted"] == 1
    [rejected] = body["rejected"]
    assert (
        rejected["index"] == 1
        and "observedAt" in rejected["reason"]
        and "hors de la plage" in rejected["reason"]
    )
    assert Observation.objects.count() == 1
    assert LatestValue.objects.get(entity=container, attribute=FILL).observed_at == NOW


def test_an_instant_within_a_day_ahead_is_accepted(client, key, container):
    soon = (NOW + timedelta(hours=20)).isoformat()
    assert _batch(client, key, [_item(container, observedAt=soon)]).json()["accepted"] == 1


@pytest.mark.parametrize(
    "name",
    ["id", "type", "@context", "scope", "createdAt", "@id", "", "a@b", "a b", "x" * 5000],
)
def test_reserved_and_invalid_attribute_names_are_rejected_one_by_one(client, key, container, name):
    r = _batch(client, key, [_item(container, attribute=name), _item(container, value=0.7)])
    body = r.json()
    assert body["accepted"] == 1
    assert body["rejected"][0]["index"] == 0 and "attribute" in body["rejected"][0]["reason"]
    container.refresh_from_db()
    assert set(container.data) == {FILL}
    document = client.get(f"{BASE}/entities/{container.entity_id}", headers=headers(key)).json()
    assert document["id"] == container.entity_id and document["type"] == "WasteContainer"


def test_a_nul_character_anywhere_in_a_batch_refuses_it_whole_and_stores_nothing(client, key, container):
    # PostgreSQL cannot hold U+0000 in any text: the request is refused at the door (core.middleware), so a
    # batch with one is a 400 that names the character, and nothing of it is stored.
    before = Observation.objects.count()
    r = _batch(client, key, [_item(container, attribute="a\x00b"), _item(container, value=0.7)])
    assert r.status_code == 400 and "caractère nul" in r.json()["detail"]
    assert Observation.objects.count() == before


def test_location_and_full_iris_remain_valid_names(client, key, container):
    r = _batch(
        client,
        key,
        [
            _item(container, attribute="location", value=1),
            _item(
                container, attribute="https://smartdatamodels.org/dataModel.Environment/temperature", value=2
            ),
            _item(container, attribute="filling_level_2", value=3),
        ],
    )
    assert r.json() == {"accepted": 3, "duplicates": 0, "rejected": []}


def test_long_texts_and_unit_codes_are_rejected_one_by_one(client, key, container):
    r = _batch(
        client,
        key,
        [
            _item(container, value="x" * 100_000),
            _item(container, unitCode="U" * 1000),
            _item(container, unitCode=5),
            _item(container, value="plein", unitCode="P1"),
        ],
    )
    body = r.json()
    assert body["accepted"] == 1
    reasons = {item["index"]: item["reason"] for item in body["rejected"]}
    assert set(reasons) == {0, 1, 2}
    assert reasons[0].startswith("value") and "1000" in reasons[0].replace("\u202f", "").replace(" ", "")
    assert reasons[1].startswith("unitCode") and reasons[2].startswith("unitCode")
    assert Observation.objects.get().value_text == '"plein"'


@pytest.mark.django_db(transaction=True)
def test_rejected_items_stay_out_of_the_careful_path_on_repeats(client, valbourg, container):
    # A repeat sends the batch through the second path, which rebuilds the rows from the documents.
    key = write_key(valbourg)
    assert _batch(client, key, [_item(container)]).json()["accepted"] == 1
    again = _batch(
        client,
        key,
        [
            _item(container),
            _item(container, attribute="type"),
            _item(container, observedAt="9999-01-01T00:00:00Z"),
        ],
    )
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 1
    assert [item["index"] for item in again.json()["rejected"]] == [1, 2]


@pytest.mark.parametrize(
    "body",
    [
        {
            "observations": [
                {"entity": ["urn:a"], "attribute": "x", "observedAt": "2026-03-02T10:00:00Z", "value": 1}
            ]
        },
        {
            "observations": [
                {"entity": {"a": 1}, "attribute": "x", "observedAt": "2026-03-02T10:00:00Z", "value": 1}
            ]
        },
        {
            "observations": [
                {"entity": "urn:a", "attribute": ["x"], "observedAt": "2026-03-02T10:00:00Z", "value": 1}
            ]
        },
        {"observations": [{"entity": "urn:a", "attribute": "x", "observedAt": {"a": 1}, "value": 1}]},
    ],
)
def test_fields_of_the_wrong_shape_are_a_400_naming_them(client, key, container, body):
    r = client.post(
        "/api/datahub/observations",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers(key),
    )
    problem = _is_problem(r, 400)
    assert "observations[0]." in problem["detail"]
    assert not Observation.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"observations": [{"entity": "urn:ngsi-ld:X:\\ud800", "attribute": "x", "observedAt": "2026-03-02T10:00:00Z", "value": 1}]}',
        b'{"observations": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
        b"\xff\xfe",
    ],
)
def test_unreadable_bodies_are_a_400_in_french(client, key, raw):
    r = client.post(
        "/api/datahub/observations", data=raw, content_type="application/json", headers=headers(key)
    )
    problem = _is_problem(r, 400)
    assert (
        problem["title"] == "Requête invalide"
        and "JSON" in problem["detail"]
        or "observations" in problem["detail"]
    )


def test_a_body_larger_than_the_upload_limit_is_a_413(client, key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = client.post(
        "/api/datahub/observations",
        data=json.dumps({"observations": [{"value": "x" * 2000}]}),
        content_type="application/json",
        headers=headers(key),
    )
    assert _is_problem(r, 413)["title"] == "Requête trop volumineuse"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_document = st.fixed_dictionaries(
    {},
    optional={
        "entity": st.sampled_from(["urn:ngsi-ld:WasteContainer:1", "urn:x", ""]) | _json,
        "attribute": st.sampled_from(["fillingLevel", "id", "type", "@context", ""]) | _json,
        "observedAt": st.sampled_from(["2026-03-02T10:00:00Z", "9999-12-31T23:59:59Z", "hier"]) | _json,
        "value": _json,
        "unitCode": _json,
    },
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.fixed_dictionaries({"observations": st.lists(_document, max_size=4)}) | _json)
def test_fuzzed_batches_never_answer_500(client, key, container, body):
    r = client.post(
        "/api/datahub/observations",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers(key),
    )
    assert r.status_code in (200, 400), r.content[:300]
    if r.status_code == 400:
        _is_problem(r, 400)


def test_openapi_describes_the_bodies_and_errors_of_the_four_endpoints(client):
    document = client.get("/api/openapi.json").json()
    for path in ("observations", "uplinks/tts", "uplinks/chirpstack", "uplinks/plain"):
        operation = document["paths"][f"/api/datahub/{path}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["type"] == "object" and body["properties"]
        assert "application/problem+json" in operation["responses"]["401"]["content"]
        assert "413" in operation["responses"]
    batch = document["paths"]["/api/datahub/observations"]["post"]
    item = batch["requestBody"]["content"]["application/json"]["schema"]["properties"]["observations"][
        "items"
    ]
    assert item["required"] == ["entity", "attribute", "observedAt", "value"]
    assert item["properties"]["unitCode"]["maxLength"] == 16
    assert "application/problem+json" in batch["responses"]["400"]["content"]


# ------------------------------------------------------------------------------------------------- NGSI-LD


def _entity(**attrs):
    return {"id": "urn:ngsi-ld:WasteContainer:n1", "type": "WasteContainer", **attrs}


@pytest.mark.parametrize(
    "attrs",
    [
        {"fillingLevel": {"type": "Property", "value": 0.5, "observedAt": "9999-12-31T23:30:00Z"}},
        {"fillingLevel": {"type": "Property", "value": 0.5, "observedAt": "1990-01-01T00:00:00Z"}},
        {"fillingLevel": {"type": "Property", "value": "x" * 5000, "observedAt": "2026-03-02T10:00:00Z"}},
        {"fillingLevel": {"type": "Property", "value": 0.5, "unitCode": "U" * 1000}},
        {"a@b": {"type": "Property", "value": 1}},
        {"a b": {"type": "Property", "value": 1}},
        {"@types": {"type": "Property", "value": 1}},
        {"deletedAt": {"type": "Property", "value": 1}},
    ],
)
def test_ngsild_writes_refuse_what_the_batch_api_refuses(client, valbourg, key, attrs):
    r = post_json(client, f"{BASE}/entities", _entity(**attrs), **headers(key, "valbourg"))
    assert r.status_code == 400, r.content
    assert r.json()["type"].endswith("/BadRequestData")
    assert not Entity.objects.exists() and not Observation.objects.exists()
    batch = post_json(
        client,
        f"{BASE}/entityOperations/create",
        [_entity(**attrs), {"id": "urn:ngsi-ld:WasteContainer:n2", "type": "WasteContainer"}],
        **headers(key, "valbourg"),
    )
    assert batch.status_code == 207
    assert batch.json()["success"] == ["urn:ngsi-ld:WasteContainer:n2"]
    assert batch.json()["errors"][0]["error"]["type"].endswith("/BadRequestData")


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "InvalidRequest"),
        (b'{"id": "urn:ngsi-ld:X:\\ud800", "type": "X"}', "InvalidRequest"),
        (
            b'{"id": "urn:ngsi-ld:X:1", "type": "X", "n": {"type": "Property", "value": 1e999}}',
            "InvalidRequest",
        ),
    ],
)
def test_ngsild_unreadable_bodies_are_4xx(client, valbourg, key, raw, kind):
    r = client.post(
        f"{BASE}/entities", data=raw, content_type="application/json", headers=headers(key, "valbourg")
    )
    assert r.status_code == 400 and r.json()["type"].endswith(kind)


@pytest.mark.parametrize(
    "body",
    [
        {"type": "Query", "entities": [{"type": ["WasteContainer"]}]},
        {"type": "Query", "entities": [{"id": {"a": 1}}]},
        {"type": "Query", "entities": ["WasteContainer"]},
        {"type": "Query", "entities": [{"type": "WasteContainer"}], "attrs": [["fillingLevel"]]},
    ],
)
def test_ngsild_query_with_selectors_of_the_wrong_shape_is_bad_request_data(
    client, valbourg, key, container, body
):
    r = post_json(client, f"{BASE}/entityOperations/query", body, **headers(key, "valbourg"))
    assert r.status_code == 400 and r.json()["type"].endswith("/BadRequestData"), r.content


def test_ngsild_patch_of_scope_is_bad_request_data(client, valbourg, key):
    h = headers(key, "valbourg")
    assert post_json(client, f"{BASE}/entities", _entity(scope="/Nord"), **h).status_code == 201
    for body in ("x", {"value": 1}, ["x"]):
        r = client.patch(
            f"{BASE}/entities/urn:ngsi-ld:WasteContainer:n1/attrs/scope",
            data=json.dumps(body),
            content_type="application/json",
            headers=h,
        )
        assert r.status_code == 400 and r.json()["type"].endswith("/BadRequestData"), r.content


def test_ngsild_batch_reports_only_domain_errors_per_entity(client, valbourg, key, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services.entities, "entity_create", broken)  # what the batch calls
    r = post_json(client, f"{BASE}/entityOperations/create", [_entity()], **headers(key, "valbourg"))
    # A programming error is the server's (500 InternalError, logged), never the client's BadRequestData.
    assert r.status_code == 500 and r.json()["type"].endswith("/InternalError")


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("get", "/entities", "type=WasteContainer&q=fillingLevel>0001-01-01T00:00:00%2B01:00"),
        ("get", "/entities", "type=WasteContainer&limit=99999999999999999999"),
        ("get", "/entities", "type=WasteContainer&idPattern=(((("),
        ("get", "/entities", "georel=near;maxDistance==abc&geometry=Point&coordinates=[1,2]"),
        ("get", "/temporal/entities", "type=WasteContainer&timerel=after&timeAt=0001-01-01T00:00:00%2B01:00"),
        ("get", "/temporal/entities/urn:ngsi-ld:WasteContainer:1", "lastN=-1"),
        (
            "get",
            "/temporal/entities/urn:ngsi-ld:WasteContainer:1",
            "options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=P99999999999999Y",
        ),
        ("get", "/entities/urn:ngsi-ld:WasteContainer:%ED%A0%80", ""),
        ("get", "/entities", "type=WasteContainer&offset=99999999999999999999999"),
        ("get", "/entities", "type=WasteContainer&limit=5&offset=99999999999999999999"),
    ],
)
def test_ngsild_odd_queries_are_4xx(client, valbourg, key, container, method, path, query):
    r = getattr(client, method)(f"{BASE}{path}?{query}", headers=headers(key, "valbourg"))
    assert 400 <= r.status_code < 500, r.content[:300]


# --------------------------------------------------------------------------------------------------- uplinks


def _plain(received_at, decoded, f_cnt=1):
    return {"dev_eui": "70B3D57ED0001234", "f_cnt": f_cnt, "received_at": received_at, "decoded": decoded}


def test_uplinks_out_of_the_window_are_set_aside_and_bad_names_left_out(client, valbourg, key, container):
    services.device_register(commune=valbourg, dev_eui="70B3D57ED0001234", entity=container)

    def send(body):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return client.post(
            "/api/datahub/uplinks/plain", data=raw, content_type="application/json", headers=headers(key)
        )

    assert send(_plain("9999-12-31T23:30:00Z", {"fillingLevel": 0.5})).json() == {"result": "rejected"}
    assert "outside the accepted window" in RejectedUplink.objects.get().reason
    # A decoded "type" or "id" would overwrite the entity's own: left out, the rest stored.
    r = send(
        _plain(NOW.isoformat(), {"fillingLevel": 0.5, "type": "t", "id": 3, "a@b": 1, "note": "y" * 5000}, 2)
    )
    assert r.json() == {"result": "ingested"}
    assert list(Observation.objects.values_list("attribute", flat=True)) == [FILL]
    container.refresh_from_db()
    assert set(container.data) == {FILL}
    # Garbage is refused before parsing and only its beginning is kept for the operator.
    assert send(b"x" * 200_000).json() == {"result": "rejected"}
    garbage = RejectedUplink.objects.latest("received_at")
    assert len(garbage.payload) <= 16 * 1024 and "truncated" in garbage.reason


def test_mqtt_batches_set_aside_uplinks_out_of_the_window(valbourg, container):
    services.device_register(commune=valbourg, dev_eui="70B3D57ED0001234", entity=container)
    topic = "beffroi/valbourg/devices/70B3D57ED0001234/up"
    results = services.uplinks_ingest(
        [
            (topic, json.dumps(_plain("9999-12-31T23:30:00Z", {"fillingLevel": 0.9}, 1)).encode()),
            (topic, json.dumps(_plain(NOW.isoformat(), {"fillingLevel": 0.4, "type": 1}, 2)).encode()),
            (topic, b'{"dev_eui": "70B3D57ED0001234", "f_cnt": 3, "decoded": {"\\ud800": 1}}'),
        ]
    )
    assert results == ["rejected", "ingested", "rejected"]
    assert list(Observation.objects.values_list("value_num", flat=True)) == [0.4]


# ----------------------------------------------------------------------------------------------------- pages


def _store_directly(container, moment):
    """Write a measurement as an older version (or a database edit) could have left it, bypassing the service."""
    stamp = moment.replace(tzinfo=None).isoformat(" ") if connection.vendor == "sqlite" else moment
    partitions.forget()
    partitions.ensure_months([moment])  # (PostgreSQL: the month's partition, as the migration makes them)
    with connection.cursor() as cursor:
        for table in (Observation._meta.db_table, LatestValue._meta.db_table):
            cursor.execute(
                f"DELETE FROM {table} WHERE entity_id = %s AND attribute = %s AND observed_at = %s",
                [container.pk, FILL, stamp],
            )
            if table == LatestValue._meta.db_table:
                cursor.execute(f"DELETE FROM {table} WHERE entity_id = %s", [container.pk])
            cursor.execute(
                f"INSERT INTO {table} (entity_id, attribute, observed_at, value_num, value_text, unit_code) "
                "VALUES (%s, %s, %s, %s, NULL, '')",
                [container.pk, FILL, stamp, 0.9],
            )
        hour = moment.replace(minute=0, second=0, microsecond=0)
        cursor.execute(
            f'INSERT INTO {HourlyRollup._meta.db_table} (entity_id, attribute, bucket, minimum, maximum, total, "count") '
            "VALUES (%s, %s, %s, 0.9, 0.9, 0.9, 1)",
            [
                container.pk,
                FILL,
                hour.replace(tzinfo=None).isoformat(" ") if connection.vendor == "sqlite" else hour,
            ],
        )


@pytest.mark.parametrize(
    "moment", [datetime(9999, 12, 31, 23, 30, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)]
)
def test_pages_show_any_stored_instant(client, valbourg, container, agent_valbourg, moment):
    _store_directly(container, moment)
    client.force_login(agent_valbourg)
    index = client.get("/valbourg/donnees/")
    assert index.status_code == 200
    detail = client.get(f"/valbourg/donnees/equipement/{container.pk}/")
    assert detail.status_code == 200
    if moment.year == 9999:
        # the year 10000 in Paris: said in UTC, and so
        assert "31 décembre 9999 à 23\u00a0h\u00a030 UTC" in detail.content.decode()
        assert "31 décembre 9999 à 23\u00a0h\u00a030 UTC" in index.content.decode()
    for period in ("day", "week", "month", "year"):
        page = client.get(f"/valbourg/donnees/equipement/{container.pk}/?periode={period}")
        assert page.status_code == 200
    ngsi = client.get(f"{BASE}/entities/{container.entity_id}", headers=headers(tenant="valbourg"))
    assert ngsi.status_code == 200
    temporal = client.get(
        f"{BASE}/temporal/entities/{container.entity_id}", headers=headers(tenant="valbourg")
    )
    assert temporal.status_code == 200


def test_recent_measurements_still_chart_beside_a_stored_year_9999_one(
    client, valbourg, container, agent_valbourg
):
    services.observation_ingest_batch(
        commune=valbourg,
        measurements=[(container.entity_id, FILL, timezone.now() - timedelta(hours=2), 0.3, "")],
    )
    _store_directly(container, datetime(9999, 12, 31, 23, 30, tzinfo=UTC))
    client.force_login(agent_valbourg)
    html = client.get(f"/valbourg/donnees/equipement/{container.pk}/?periode=day").content.decode()
    chart = html.split('class="chart chart-line"')[1].split("</table>")[0]  # the chart and its data table
    assert "9999" not in chart and ">30<" in chart  # a filling level of 0.3 is shown as 30 %


def test_series_export_is_a_french_spreadsheet_file(client, valbourg, container, agent_valbourg):
    # two readings in the same hour (at :30 and :25, two hours ago), whatever the minute the test runs at
    at = timezone.now().replace(minute=30, second=0, microsecond=0) - timedelta(hours=2)
    services.observation_ingest_batch(
        commune=valbourg,
        measurements=[
            (container.entity_id, FILL, at, -0.25, ""),
            (container.entity_id, FILL, at - timedelta(minutes=5), -0.5, ""),
        ],
    )
    client.force_login(agent_valbourg)
    r = client.get(
        f"/valbourg/donnees/equipement/{container.pk}/export.csv", {"attribut": FILL, "periode": "day"}
    )
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeffdebut_periode;moyenne;minimum;maximum;nombre_mesures\r\n")
    row = text.splitlines()[1].split(";")
    # Numbers stay numbers with a decimal comma: a negative one is not mistaken for a formula and quoted.
    assert row[1:] == ["-0,375", "-0,5", "-0,25", "2"]
