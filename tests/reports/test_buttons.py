"""The action that matters is the primary button: sending a report, not supporting another one."""

import re

import pytest

from tests.reports.conftest import file_report

pytestmark = pytest.mark.django_db


def test_supporting_a_report_is_a_secondary_button(client, setup_reports, valbourg):
    report = file_report(valbourg, setup_reports["pothole"])
    page = client.get(f"/valbourg/signalements/{report.pk}/").content.decode()
    assert re.search(r'<button type="submit" class="button-secondary">Je soutiens ce signalement', page)
