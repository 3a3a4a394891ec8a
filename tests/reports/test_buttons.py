"""The action that matters is the primary button: sending a report, not supporting another one."""

import re

import pytest

from tests.reports.conftest import file_report

pytestmark = pytest.mark.django_db


def test_supporting_a_report_is_a_secondary_button(client, setup_reports, valbourg):
    report = file_report(valbourg, setup_reports["pothole"])
    page = client.get(f"/valbourg/signalements/{report.pk}/").content.decode()
    assert re.search(r'<button type="submit" class="button-secondary">Je soutiens ce signalement', page)


def test_on_the_list_reporting_is_the_primary_action_and_filtering_secondary(client, setup_reports, valbourg):
    page = client.get("/valbourg/signalements/").content.decode()
    assert re.search(r'<a class="button" href="[^"]*">Signaler un problème</a>', page)
    assert '<button type="submit" class="button-secondary">Filtrer</button>' in page
