"""Issue #16 item 8 and 14 probes against the platform API and Open311: zero 5xx, problem+json in French."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beffroi.core.services import apikey_create
from tests.reports.conftest import file_report

pytestmark = pytest.mark.django_db
HUGE = "9" * 30


@pytest.fixture
def api(client, setup_reports, valbourg):
    from beffroi.core.services import commune_update

    commune_update(commune=valbourg, enabled_modules=["reports", "planning"])
    client.raise_request_exception = False
    file_report(valbourg, setup_reports["light"])
    _key, secret = apikey_create(commune=valbourg, scope="write")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    client.secret = secret
    return client


def problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize("query", [f"limit={HUGE}", f"offset={HUGE}", "limit=0", "offset=-1", "limit=abc"])
def test_out_of_range_paging_is_a_french_400(api, query):
    body = problem(api.get(f"/api/reports/reports?{query}"), 400)
    assert body["title"] == "Requête invalide"
    assert all(error["msg"] and "Input" not in error["msg"] for error in body["errors"])


def test_paging_within_bounds_still_works(api):
    response = api.get("/api/reports/reports?limit=500&offset=0")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_unknown_api_path_is_problem_json(api):
    body = problem(api.get("/api/nexiste/pas"), 404)
    assert body["title"] == "Introuvable"


def test_validation_errors_are_french(api):
    body = problem(
        api.post(
            "/api/funding/financing-plan/check", json.dumps({"lines": [{}]}), content_type="application/json"
        ),
        400,
    )
    assert "Champ obligatoire." in {e["msg"] for e in body["errors"]}
    assert "Field required" not in json.dumps(body)


def test_unreadable_json_is_a_french_400(api):
    body = problem(
        api.post("/api/funding/financing-plan/check", "[" * 10_000, content_type="application/json"), 400
    )
    assert body["detail"] == "Le corps de la requête n'est pas un JSON valide."


@pytest.mark.parametrize(
    "path", ["/api/funding/financing-plan/check", "/valbourg/signalements/signaler/eclairage/"]
)
def test_a_body_over_the_limit_is_413(api, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(path, "x" * 5000, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    if path.startswith("/api/"):
        assert problem(response, 413)["title"] == "Requête trop volumineuse"
    else:
        assert "Envoi trop volumineux" in response.content.decode()


def test_an_announced_length_over_the_request_limit_is_413_before_reading(api, settings):
    settings.BEFFROI_MAX_REQUEST_BYTES = 100
    response = api.post(
        "/api/funding/financing-plan/check", "{}" + " " * 200, content_type="application/json"
    )
    assert problem(response, 413)["detail"] == "Le corps de la requête dépasse la taille acceptée."


@pytest.mark.parametrize(
    "query",
    [
        f"page={HUGE}",
        f"page_size={HUGE}",
        f"service_request_id={HUGE}",
        f"service_request_id=1,{HUGE}",
        "start_date=2026-13-45T00:00:00Z",
        "end_date=0001-01-01T00:00:00Z",
        "start_date=9999-12-31T00:00:00Z",
        "start_date=0001-01-01T00:00:00Z&end_date=0001-01-02T00:00:00Z",
    ],
)
def test_open311_list_never_fails_on_bad_parameters(api, query):
    response = api.get(f"/open311/v2/requests.json?jurisdiction_id=valbourg&{query}")
    assert response.status_code in (200, 400), response.content[:300]


def test_open311_huge_request_id_is_404(api):
    assert api.get(f"/open311/v2/requests/{HUGE}.json?jurisdiction_id=valbourg").status_code == 404


def test_open311_post_with_odd_values_is_4xx(api):
    for extra in ({"address_id": HUGE}, {"lat": "nan", "long": "inf"}, {"lat": "1e400", "long": "1e400"}):
        data = {"api_key": api.secret, "jurisdiction_id": "valbourg", "service_code": "eclairage", **extra}
        response = api.post("/open311/v2/requests.json", data)
        assert 400 <= response.status_code < 500, (extra, response.content[:300])


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["", HUGE, "-1", "1e400", "nan", "\x00", "2026-02-30T00:00:00Z", "0001-01-01T00:00:00+14:00"]
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "page",
                "page_size",
                "service_request_id",
                "service_code",
                "status",
                "start_date",
                "end_date",
                "jurisdiction_id",
            ]
        ),
        text,
    )
)
def test_open311_list_fuzz(api, params):
    params.setdefault("jurisdiction_id", "valbourg")
    response = api.get("/open311/v2/requests.json", params)
    assert response.status_code < 500, (params, response.content[:300])


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
        ),
        max_leaves=10,
    )
    | st.fixed_dictionaries(
        {
            "lines": st.lists(
                st.fixed_dictionaries(
                    {
                        "funder_type": st.sampled_from(["public", "private", "own_funds", "x"]),
                        "cost_nature": st.sampled_from(["investment", "operating"]),
                        "amount": st.one_of(
                            st.text(max_size=12), st.integers(), st.floats(), st.just("1e30")
                        ),
                        "label": st.text(max_size=10),
                    }
                ),
                max_size=3,
            )
        }
    )
)
def test_financing_plan_check_fuzz(api, body):
    response = api.post(
        "/api/funding/financing-plan/check", json.dumps(body), content_type="application/json"
    )
    assert response.status_code < 500, (body, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
