"""A module a commune has not enabled is off everywhere: its public pages, its agents' pages and its APIs.

One guard per entry point (core.modules): the middleware for pages, the platform API's key check, and the
standard APIs' tenant resolution. Each module is checked switched off and then switched on, so the test would
fail if the guard let a page through or blocked an enabled one.
"""

import pytest

from beffroi.core.services import apikey_create
from tests.factories import member

# For each module: public pages, agents' pages, platform-API reads (with a read key), standard-API reads.
SURFACES = {
    "reports": {
        "pages": ["/valbourg/signalements/", "/valbourg/signalements/carte/"],
        "agent_pages": ["/valbourg/signalements/gestion/"],
        "api": ["/api/reports/reports"],
        "standard": ["/open311/v2/services.json?jurisdiction_id=valbourg", "/open311/v2/services.json"],
    },
    "procedures": {
        "pages": ["/valbourg/demarches/", "/valbourg/demarches/suivi/"],
        "agent_pages": ["/valbourg/demarches/gestion/", "/valbourg/demarches/gestion/demarches/"],
        "api": ["/api/procedures/demarches", "/api/procedures/dossiers"],
        "standard": [],
    },
    "budgeting": {
        "pages": ["/valbourg/budget-participatif/"],
        "agent_pages": ["/valbourg/budget-participatif/gestion/"],
        "api": ["/api/budgeting/budgets"],
        "standard": [],
    },
    "datahub": {
        "pages": ["/valbourg/donnees/"],
        "agent_pages": ["/valbourg/donnees/alertes/"],
        "api": [],
        "standard": ["/ngsi-ld/v1/entities?type=Streetlight"],
    },
    "participation": {
        "pages": ["/valbourg/participation/", "/valbourg/participation/propositions/"],
        "agent_pages": [
            "/valbourg/participation/gestion/",
            "/valbourg/participation/gestion/propositions/en-retard/",
        ],
        "api": [
            "/api/participation/consultations",
            "/api/participation/proposals",
            "/api/participation/meetings",
        ],
        "standard": [],
    },
    "planning": {
        "pages": ["/valbourg/projet/", "/valbourg/financements/"],
        "agent_pages": ["/valbourg/projet/feuille-de-route/", "/valbourg/financements/zonages/"],
        "api": ["/api/planning/use-cases", "/api/funding/mechanisms"],
        "standard": [],
    },
}


def _statuses(client, admin, surfaces, secret):
    found = {}
    for url in surfaces["pages"]:
        found[url] = client.get(url).status_code
    client.force_login(admin)
    for url in surfaces["agent_pages"]:
        found[url] = client.get(url).status_code
    client.logout()
    for url in surfaces["api"]:
        found[url] = client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
    for url in surfaces["standard"]:
        headers = {"HTTP_NGSILD_TENANT": "valbourg"} if url.startswith("/ngsi-ld/") else {}
        found[url] = client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}", **headers).status_code
    return found


@pytest.mark.parametrize("module", sorted(SURFACES))
def test_a_module_switched_off_is_off_on_every_page_and_api(client, valbourg, module):
    _, secret = apikey_create(commune=valbourg, scope="read")
    valbourg.enabled_modules = [code for code in SURFACES if code != module]
    valbourg.save()
    admin = member(valbourg, "admin", "admin-modules@valbourg.test")
    off = _statuses(client, admin, SURFACES[module], secret)
    assert off and all(status == 404 for status in off.values()), off

    valbourg.enabled_modules = list(SURFACES)
    valbourg.save()
    on = _statuses(client, admin, SURFACES[module], secret)
    assert all(status == 200 for status in on.values()), on


def test_the_switch_answers_in_french_on_pages_and_as_problem_json_in_the_api(client, valbourg):
    _, secret = apikey_create(commune=valbourg, scope="read")
    valbourg.enabled_modules = []
    valbourg.save()
    page = client.get("/valbourg/budget-participatif/")
    assert page.status_code == 404
    assert "text/html" in page["Content-Type"]
    api = client.get("/api/budgeting/budgets", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 404
    assert api["Content-Type"].startswith("application/problem+json")
    assert "n'est pas activé" in api.json()["detail"]


def test_the_home_page_offers_only_the_enabled_modules(client, valbourg):
    valbourg.enabled_modules = ["reports"]
    valbourg.save()
    html = client.get("/valbourg/").content.decode()
    assert "/valbourg/signalements/" in html
    assert "/valbourg/budget-participatif/" not in html
    assert "/valbourg/donnees/" not in html
