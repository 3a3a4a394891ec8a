"""The list pages and APIs read a commune's reports in a fixed number of queries, however many reports it has
(a syndicat serves 200 communes from one database: a query per row would multiply under load)."""

import pytest

from beffroi.reports import services
from beffroi.reports.models import State
from tests.factories import member
from tests.reports.conftest import file_report

# The most each page may take (measured, with a little room); the same with 2 or 12 reports.
PAGES = [
    ("/valbourg/signalements/", {}, 5),
    ("/valbourg/signalements/carte/", {}, 11),
    ("/valbourg/signalements/gestion/", {"agent": True}, 11),
    ("/open311/v2/requests.json?jurisdiction_id=valbourg", {}, 8),
    ("/open311/v2/requests.xml?jurisdiction_id=valbourg", {}, 8),
]


def _reports(valbourg, setup_reports, agent, count):
    done = State.objects.get(commune=valbourg, code="resolu")
    for i in range(count):
        category = setup_reports["pothole"] if i % 2 else setup_reports["light"]
        report = file_report(valbourg, category, description=f"Signalement {i}")
        if i % 3 == 0:
            services.report_change_state(report=report, actor=agent, state=done, note="Réparé, merci.")


@pytest.mark.parametrize(("path", "options", "most"), PAGES)
def test_list_pages_take_a_fixed_number_of_queries(
    client, valbourg, setup_reports, django_assert_max_num_queries, path, options, most
):
    agent = member(valbourg, "agent", "agent-queue@valbourg.test")
    if options.get("agent"):
        client.force_login(agent)
    counts = []
    for count in (2, 10):
        _reports(valbourg, setup_reports, agent, count)
        with django_assert_max_num_queries(most) as captured:
            response = client.get(path)
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], f"{path}: {counts[0]} queries with 2 reports, {counts[1]} with 12"


@pytest.mark.parametrize(("path", "options", "most"), PAGES)
def test_list_pages_read_the_reports_without_joining_their_categories_states_and_teams(
    client, valbourg, setup_reports, django_assert_max_num_queries, path, options, most
):
    """A join of the reports with five tables costs PostgreSQL more to plan than to run (3 ms of planning for
    the agents' queue on 200 communes): the names come from the commune's few, read once for the page."""
    agent = member(valbourg, "agent", "agent-queue@valbourg.test")
    if options.get("agent"):
        client.force_login(agent)
    _reports(valbourg, setup_reports, agent, 3)
    with django_assert_max_num_queries(most) as captured:
        response = client.get(path)
    assert response.status_code == 200
    joined = [
        q["sql"]
        for q in captured
        if 'FROM "reports_report"' in q["sql"]
        and any(
            f'JOIN "{table}"' in q["sql"] for table in ("reports_category", "reports_state", "territory_team")
        )
    ]
    assert joined == []
    assert "Nid-de-poule" in response.content.decode()  # the names are still shown
