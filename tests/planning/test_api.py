"""Platform API of the planning app: use cases and the funding matches of the key's own projects."""

from datetime import date
from decimal import Decimal

from beffroi.core.services import apikey_create
from beffroi.planning import services
from tests.factories import member


def test_use_cases_in_the_api_and_openapi(client, valbourg):
    key = apikey_create(commune=valbourg, scope="read")[1]
    response = client.get("/api/planning/use-cases", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    items = response.json()
    assert len(items) >= 25
    first = items[0]
    assert first["costs"] and {"estimate", "source"} <= set(first["costs"][0])
    schema = client.get("/api/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/api/planning/use-cases",
        "/api/funding/mechanisms",
        "/api/funding/financing-plan/check",
    } <= paths
    assert "/api/planning/projects/{project_id}/funding-matches" in paths


def test_project_matches_only_for_the_key_commune(client, valbourg, hautmesnil):
    elu = member(valbourg, "elu", "elu@valbourg.test")
    project = services.project_create(
        commune=valbourg,
        actor=elu,
        title="Éclairage public intelligent",
        start_date=date(2026, 1, 1),
        investment_budget=Decimal("100000"),
        themes=["eclairage-public"],
    )
    own = apikey_create(commune=valbourg, scope="read")[1]
    other = apikey_create(commune=hautmesnil, scope="read")[1]
    url = f"/api/planning/projects/{project.pk}/funding-matches"
    body = client.get(url, HTTP_AUTHORIZATION=f"Bearer {own}").json()
    assert body["title"] == "Éclairage public intelligent"
    matched = [m for m in body["matches"] if m["matched"]]
    assert matched and all(m["reasons"] for m in matched)
    assert any(m["code"] == "DSIL" for m in matched)
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
