"""Temporal API: normalized, temporalValues, lastN, timerel and aggregation from the roll-ups."""

import pytest

from tests.datahub.helpers import BASE, headers, post_json, write_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def h(client, valbourg):
    key = write_key(valbourg)
    hh = headers(key, "valbourg")
    post_json(
        client, f"{BASE}/entities", {"id": "urn:ngsi-ld:WeatherObserved:1", "type": "WeatherObserved"}, **hh
    )
    for i, v in enumerate([10, 12, 14, 20, 22]):
        hour = 8 + i // 3 * 2  # 08:00, 08:00, 08:00, 10:00, 10:00
        post_json(
            client,
            f"{BASE}/entities/urn:ngsi-ld:WeatherObserved:1/attrs",
            {
                "temperature": {
                    "type": "Property",
                    "value": v,
                    "unitCode": "CEL",
                    "observedAt": f"2026-01-05T{hour:02d}:{i * 10:02d}:00Z",
                }
            },
            **hh,
        )
    return hh


URL = f"{BASE}/temporal/entities/urn:ngsi-ld:WeatherObserved:1"


def test_normalized_and_temporal_values(client, h):
    normalized = client.get(URL, headers=h).json()
    assert [i["value"] for i in normalized["temperature"]] == [10, 12, 14, 20, 22]
    assert normalized["temperature"][0]["unitCode"] == "CEL"
    simple = client.get(URL, {"options": "temporalValues", "lastN": 2}, headers=h).json()
    assert simple["temperature"]["values"] == [[20, "2026-01-05T10:30:00Z"], [22, "2026-01-05T10:40:00Z"]]
    between = client.get(
        URL,
        {
            "timerel": "between",
            "timeAt": "2026-01-05T08:05:00Z",
            "endTimeAt": "2026-01-05T10:35:00Z",
            "options": "temporalValues",
        },
        headers=h,
    ).json()
    assert [v[0] for v in between["temperature"]["values"]] == [12, 14, 20]


def test_aggregation_served_from_rollups(client, h):
    r = client.get(
        URL,
        {
            "options": "aggregatedValues",
            "aggrMethods": "avg,max,totalCount",
            "aggrPeriodDuration": "PT1H",
            "timerel": "after",
            "timeAt": "2026-01-05T00:00:00Z",
        },
        headers=h,
    ).json()
    assert r["temperature"]["avg"] == [
        [12.0, "2026-01-05T08:00:00Z", "2026-01-05T09:00:00Z"],
        [21.0, "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"],
    ]
    assert [x[0] for x in r["temperature"]["totalCount"]] == [3, 2]
    day = client.get(
        URL,
        {
            "options": "aggregatedValues",
            "aggrMethods": "sum",
            "aggrPeriodDuration": "P1D",
            "timerel": "after",
            "timeAt": "2026-01-01T00:00:00Z",
        },
        headers=h,
    ).json()
    assert day["temperature"]["sum"] == [[78, "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"]]


def test_temporal_errors_name_the_parameter(client, h):
    r = client.get(URL, {"timerel": "between", "timeAt": "2026-01-05T08:00:00Z"}, headers=h)
    assert r.status_code == 400 and "endTimeAt" in r.json()["detail"]
    r = client.get(URL, {"options": "aggregatedValues", "aggrMethods": "median"}, headers=h)
    assert r.status_code == 400 and "median" in r.json()["detail"]
    listed = client.get(
        f"{BASE}/temporal/entities",
        {"type": "WeatherObserved", "lastN": 1, "options": "temporalValues"},
        headers=h,
    ).json()
    assert listed[0]["temperature"]["values"][0][0] == 22


def test_more_instances_than_one_response_holds_gives_206_and_content_range(client, h, settings):
    settings.BEFFROI_NGSILD_TEMPORAL_LIMIT = 3
    first = client.get(URL, {"options": "temporalValues"}, headers=h)
    assert first.status_code == 206
    assert [v[0] for v in first.json()["temperature"]["values"]] == [10, 12, 14]
    assert first["Content-Range"] == "date-time 2026-01-05T08:00:00Z-2026-01-05T08:20:00Z/*"
    # The next page starts after the range: complete, so 200 without Content-Range.
    rest = client.get(
        URL,
        {"options": "temporalValues", "timerel": "after", "timeAt": "2026-01-05T08:20:00.001Z"},
        headers=h,
    )
    assert rest.status_code == 200 and "Content-Range" not in rest
    assert [v[0] for v in rest.json()["temperature"]["values"]] == [20, 22]
    # lastN: the most recent instances, the range given from the newest down; the size is lastN.
    recent = client.get(URL, {"lastN": 4}, headers=h)
    assert recent.status_code == 206
    assert [i["value"] for i in recent.json()["temperature"]] == [14, 20, 22]
    assert recent["Content-Range"] == "date-time 2026-01-05T10:40:00Z-2026-01-05T08:20:00Z/4"
    # The query form is paginated the same way.
    listed = client.get(f"{BASE}/temporal/entities", {"type": "WeatherObserved"}, headers=h)
    assert listed.status_code == 206
    assert [i["value"] for i in listed.json()[0]["temperature"]] == [10, 12, 14]
    settings.BEFFROI_NGSILD_TEMPORAL_LIMIT = 5
    whole = client.get(URL, headers=h)
    assert whole.status_code == 200 and "Content-Range" not in whole
    assert len(whole.json()["temperature"]) == 5
