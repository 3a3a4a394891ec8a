"""Platform API of the funding app: catalogue and the L1111-10 check of posted lines."""

import pytest

from beffroi.core.services import apikey_create


@pytest.fixture
def key(valbourg):
    return apikey_create(commune=valbourg, scope="read")[1]


def _check(client, key, lines, **extra):
    return client.post(
        "/api/funding/financing-plan/check",
        {"lines": lines, **extra},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def test_mechanisms_need_a_key_and_list_sources(client, key):
    assert client.get("/api/funding/mechanisms").status_code == 401
    response = client.get("/api/funding/mechanisms", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    mechanisms = response.json()
    assert len(mechanisms) >= 30
    dsil = client.get("/api/funding/mechanisms/DSIL", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert dsil["source_url"].startswith("https://")
    assert dsil["verified_on"] == "2026-11-26"
    assert dsil["verified_against"].startswith("https://www.prefectures-regions.gouv.fr/")
    leader = client.get("/api/funding/mechanisms/LEADER", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert leader["verified_on"] is None and leader["verified_against"] is None
    assert client.get("/api/funding/mechanisms/NOPE", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 404


@pytest.mark.parametrize(
    "regime,extra,own,aid,ok",
    [
        ("standard", {}, "20000", "80000", True),
        ("standard", {}, "20000", "80000.01", False),
        ("chef_de_file", {}, "30000", "70000", True),
        ("chef_de_file", {}, "30000", "70000.01", False),
        ("school_energy_renovation", {"prefect_decision": True}, "10000", "90000", True),
        ("school_energy_renovation", {"prefect_decision": True}, "10000", "90000.01", False),
    ],
)
def test_plan_check_on_and_just_past_each_threshold(client, key, regime, extra, own, aid, ok):
    response = _check(
        client,
        key,
        [
            {"funder_type": "own_funds", "cost_nature": "investment", "amount": own},
            {"funder_type": "public", "cost_nature": "investment", "amount": aid},
            {"funder_type": "private", "cost_nature": "investment", "amount": "99999"},
            {"funder_type": "public", "cost_nature": "operating", "amount": "99999"},
        ],
        regime=regime,
        **extra,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is ok
    assert "L1111-10" in body["article"]
    assert "L1111-10" in body["message"]


def test_plan_check_refuses_bad_amounts_in_french(client, key):
    response = _check(client, key, [{"funder_type": "public", "cost_nature": "investment", "amount": "-3"}])
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "négatif" in response.json()["detail"]
    response = _check(client, key, [{"funder_type": "public", "cost_nature": "investment", "amount": "abc"}])
    assert response.status_code == 400
    assert "n'est pas un nombre" in response.json()["detail"]
