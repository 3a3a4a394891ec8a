import csv
import html
import io
import re
from datetime import date

import pytest

from beffroi.core.models import AuditEntry
from beffroi.reports import services
from beffroi.reports.models import Report, State
from tests.factories import PASSWORD, member
from tests.reports.conftest import file_report, jpeg_with_gps

pytestmark = pytest.mark.django_db
G = "/valbourg/signalements/gestion"


def login(client, user):
    assert client.login(username=user.email, password=PASSWORD) or client.force_login(user) is None


def test_queue_requires_staff(client, setup_reports, habitant_valbourg):
    assert client.get(f"{G}/").status_code == 302  # anonymous → login
    client.force_login(habitant_valbourg)
    assert client.get(f"{G}/").status_code == 403


def test_agent_handles_a_report_end_to_end_with_audit(client, setup_reports, valbourg, agent_valbourg):
    report = file_report(valbourg, setup_reports["pothole"], description="trou-a-traiter")
    client.force_login(agent_valbourg)
    page = client.get(f"{G}/?service=tous").content.decode()
    assert f"{G}/{report.pk}/" in page.replace("/valbourg/signalements/gestion", G)
    resolved = State.objects.get(commune=valbourg, code="resolu")
    client.post(
        f"{G}/{report.pk}/affecter/", {"team": setup_reports["team"].pk, "assignee": agent_valbourg.pk}
    )
    client.post(f"{G}/{report.pk}/echeance/", {"due_date": "2020-01-01"})
    overdue = client.get(f"{G}/?service=tous&retard=1").content.decode()
    assert "En retard" in overdue
    client.post(f"{G}/{report.pk}/repondre/", {"visibility": "note", "body": "voir avec l'équipe"})
    client.post(f"{G}/{report.pk}/repondre/", {"visibility": "public", "body": "Réparation prévue lundi."})
    client.post(f"{G}/{report.pk}/etat/", {"state": resolved.pk, "note": ""})
    report.refresh_from_db()
    assert report.state == resolved and not report.is_open and report.closed_at
    assert report.assignee == agent_valbourg and str(report.due_date) == "2020-01-01"
    actions = set(
        AuditEntry.objects.filter(commune=valbourg, object_id=str(report.pk)).values_list("action", flat=True)
    )
    assert {"report.assign", "report.due_date", "report.note", "report.reply", "report.state"} <= actions
    public = client.get(f"/valbourg/signalements/suivi/{report.tracking_code}/").content.decode()
    assert "Réparation prévue lundi." in public and "voir avec l" not in public


def test_reply_template_used_when_body_empty(client, setup_reports, valbourg, agent_valbourg):
    from beffroi.reports.services import reply_template_create

    template = reply_template_create(commune=valbourg, title="Merci", body="Merci, c'est noté.", actor=None)
    report = file_report(valbourg, setup_reports["pothole"])
    client.force_login(agent_valbourg)
    client.post(f"{G}/{report.pk}/repondre/", {"visibility": "public", "body": "", "template": template.pk})
    assert report.events.filter(kind="reply", body="Merci, c'est noté.").exists()


def test_merge_duplicate_moves_supports(client, setup_reports, valbourg, agent_valbourg):
    a = file_report(valbourg, setup_reports["pothole"])
    b = file_report(valbourg, setup_reports["pothole"])
    Report.objects.filter(pk=b.pk).update(supports_count=2)
    client.force_login(agent_valbourg)
    client.post(f"{G}/{b.pk}/fusionner/", {"into": a.display_code})
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.duplicate_of == a and b.state.code == "doublon" and a.supports_count == 3
    assert AuditEntry.objects.filter(action="report.merge").exists()


def test_the_merged_report_s_history_links_to_the_report_it_joined(
    client, setup_reports, valbourg, agent_valbourg
):
    a = file_report(valbourg, setup_reports["pothole"])
    b = file_report(valbourg, setup_reports["pothole"])
    client.force_login(agent_valbourg)
    response = client.post(f"{G}/{b.pk}/fusionner/", {"into": f"n° {a.pk}"}, follow=True)
    assert f"Signalement fusionné avec le signalement n° {a.pk}" in response.content.decode()
    public = client.get(f"/valbourg/signalements/{b.pk}/").content.decode()
    assert f'Fusionné avec le <a href="/valbourg/signalements/{a.pk}/">signalement n° {a.pk}</a>.' in public
    assert a.display_code not in public
    agent_page = client.get(f"{G}/{b.pk}/").content.decode()
    assert f'Fusionné avec le <a href="{G}/{a.pk}/">signalement n° {a.pk}</a>' in agent_page
    target_page = client.get(f"{G}/{a.pk}/").content.decode()
    assert f'<a href="{G}/{b.pk}/">Signalement n° {b.pk}</a> fusionné avec celui-ci (1 soutien reporté)' in (
        target_page
    )
    assert "fusionné avec celui-ci" not in client.get(f"/valbourg/signalements/{a.pk}/").content.decode()


@pytest.mark.parametrize(
    ("case", "said"),
    [
        ("itself", "ne peut pas être fusionné avec lui-même"),
        ("other_category", "est d'une autre catégorie (Éclairage public)"),
        ("closed", "est clos : choisissez un signalement en cours de traitement"),
        ("target_is_a_duplicate", "est lui-même fusionné avec le signalement n° {first}"),
        ("already_merged", "Ce signalement est déjà fusionné avec le signalement n° {first}"),
        ("unknown", "Aucun signalement de la commune ne porte ce numéro ou ce code."),
    ],
)
def test_a_merge_that_makes_no_sense_is_refused_in_french_and_the_number_typed_stays(
    client, setup_reports, valbourg, hautmesnil, agent_valbourg, case, said
):
    first = file_report(valbourg, setup_reports["pothole"])
    report = file_report(valbourg, setup_reports["pothole"])
    target = file_report(valbourg, setup_reports["pothole"])
    if case == "itself":
        target = report
    elif case == "other_category":
        target = file_report(valbourg, setup_reports["light"])
    elif case == "closed":
        services.report_change_state(
            report=target, actor=agent_valbourg, state=State.objects.get(commune=valbourg, code="resolu")
        )
    elif case == "target_is_a_duplicate":
        services.report_merge(report=target, actor=agent_valbourg, into=first)
    elif case == "already_merged":
        services.report_merge(report=report, actor=agent_valbourg, into=first)
    typed = "999999" if case == "unknown" else str(target.pk)
    client.force_login(agent_valbourg)
    response = client.post(f"{G}/{report.pk}/fusionner/", {"into": typed})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert said.format(first=first.pk) in page
    assert f'<input type="text" id="a-into" name="into" value="{typed}" aria-invalid="true"' in page
    report.refresh_from_db()
    target.refresh_from_db()
    assert (report.duplicate_of_id == first.pk) == (case == "already_merged")
    assert target.supports_count == 0 or case == "target_is_a_duplicate"


def test_a_merged_report_s_own_duplicates_follow_it(setup_reports, valbourg, agent_valbourg):
    """No chain: a duplicate always names a report that is not one."""
    a, b, c = (file_report(valbourg, setup_reports["pothole"]) for _ in range(3))
    services.report_merge(report=c, actor=agent_valbourg, into=b)
    services.report_merge(report=b, actor=agent_valbourg, into=a)
    c.refresh_from_db()
    a.refresh_from_db()
    assert c.duplicate_of == a and a.supports_count == 2  # b and c, each once


def test_assisted_intake_and_printable_receipt(client, setup_reports, valbourg, agent_valbourg):
    client.force_login(agent_valbourg)
    response = client.post(
        f"{G}/nouveau/",
        {
            "channel": "telephone",
            "category": setup_reports["light"].pk,
            "description": "Lampadaire éteint",
            "address": "3 rue du Stade",
            "contact_name": "M. Dupont",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.channel == "telephone" and report.created_by == agent_valbourg
    receipt = html.unescape(client.get(response["Location"]).content.decode())
    assert report.display_code in receipt and "Signalement enregistré. Remettez ce récépissé" in receipt
    entry = AuditEntry.objects.get(action="report.create")
    assert entry.channel == "telephone" and entry.on_behalf_of == "M. Dupont"


def test_a_photo_taken_at_the_counter_is_kept_when_the_form_comes_back(client, setup_reports, agent_valbourg):
    """The resident handed their phone's photo at the counter: a forgotten description must not lose it."""
    client.force_login(agent_valbourg)
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "lampadaire.jpg"
    intake = {"channel": "guichet", "category": setup_reports["light"].pk, "address": "3 rue du Stade"}
    response = client.post(f"{G}/nouveau/", {**intake, "description": "", "photos": photo})
    page = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400 and "Garder la photo déjà jointe « lampadaire.jpg »" in page
    token = re.search(r'name="photos-gardees" value="([^"]+)"', page).group(1)
    response = client.post(
        f"{G}/nouveau/", {**intake, "description": "Lampadaire éteint", "photos-gardees": token}
    )
    assert response.status_code == 302 and Report.objects.get().photos.count() == 1


def test_elu_reads_but_cannot_act(client, setup_reports, valbourg):
    elu = member(valbourg, "elu", "elu@valbourg.test")
    report = file_report(valbourg, setup_reports["pothole"])
    client.force_login(elu)
    assert client.get(f"{G}/").status_code == 200
    assert client.get(f"{G}/{report.pk}/").status_code == 200
    assert client.get(f"{G}/statistiques/").status_code == 200
    resolved = State.objects.get(commune=valbourg, code="resolu")
    assert client.post(f"{G}/{report.pk}/etat/", {"state": resolved.pk}).status_code == 403
    assert client.get(f"{G}/nouveau/").status_code == 403


def test_csv_export_and_stats(client, setup_reports, valbourg, agent_valbourg):
    file_report(valbourg, setup_reports["pothole"], description="=HYPERLINK(1)")
    client.force_login(agent_valbourg)
    content = client.get(f"{G}/export.csv?service=tous").content.decode("utf-8-sig")
    assert content.startswith("N°;Code de suivi;Reçu le;Catégorie;État;Statut;Clos le;")
    assert "'=HYPERLINK(1)" in content
    stats = client.get(f"{G}/statistiques/").content.decode()
    assert "<svg" in stats and "<table>" in stats and "Nid-de-poule" in stats


def test_the_csv_export_has_french_column_names_and_one_way_of_writing_dates(
    client, setup_reports, valbourg, agent_valbourg
):
    """Like the dossiers' export: column names a person reads, moments as `2026-12-05 14:30:00` (local time)
    and days as `2026-12-17`, whichever column they sit in."""
    report = file_report(valbourg, setup_reports["light"])
    closed = State.objects.get(commune=valbourg, code="resolu")
    services.report_set_due_date(report=report, actor=agent_valbourg, due_date=date(2026, 12, 17))
    services.report_change_state(report=report, actor=agent_valbourg, state=closed)
    client.force_login(agent_valbourg)
    content = client.get(f"{G}/export.csv?service=tous&statut=all").content.decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(content), delimiter=";")
    assert not any("_" in name for name in row), list(row)
    moment = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
    assert moment.match(row["Reçu le"]) and moment.match(row["Clos le"])
    assert row["Échéance"] == "2026-12-17"
    assert row["Statut"] == "clos" and row["Catégorie"] == "Éclairage public"


def test_agent_of_other_commune_sees_nothing(client, setup_reports, valbourg, agent_hautmesnil):
    report = file_report(valbourg, setup_reports["pothole"])
    client.force_login(agent_hautmesnil)
    assert client.get(f"{G}/").status_code == 403
    assert client.get(f"/hautmesnil/signalements/gestion/{report.pk}/").status_code == 404
    assert client.post(f"/hautmesnil/signalements/gestion/{report.pk}/etat/", {"state": 1}).status_code == 404


def test_lost_code_found_by_the_residents_phone_email_or_name(
    client, setup_reports, valbourg, agent_valbourg
):
    """« Code perdu ? Un agent le retrouvera » : the queue's search reads what the resident left."""
    mine = file_report(
        valbourg,
        setup_reports["pothole"],
        description="nid de poule",
        contact_name="Josiane Martinet",
        contact_email="josiane.martinet@example.org",
        contact_phone="06 12 34 56 78",
    )
    other = file_report(
        valbourg, setup_reports["pothole"], description="autre", contact_phone="07 00 00 00 01"
    )
    client.force_login(agent_valbourg)
    for typed in (
        "0612345678",
        "+33 6 12 34 56 78",
        "06.12.34.56.78",
        "martinet",
        "josiane.martinet@example",
    ):
        page = client.get(f"{G}/", {"service": "tous", "statut": "all", "q": typed}).content.decode()
        assert f"{G}/{mine.pk}/" in page, typed
        assert f"{G}/{other.pk}/" not in page, typed
    assert "le nom, le courriel ou le téléphone laissé par l'habitant" in page


def test_the_queue_search_finds_a_report_by_the_address_its_place_column_shows(
    client, setup_reports, valbourg, agent_valbourg
):
    """A point tapped on the map reads « près du 9 avenue de la Gare » in the « Lieu » column: searching
    « gare » finds it, as the search's hint (« adresse… ») promises."""
    near = file_report(valbourg, setup_reports["pothole"], description="trou")
    Report.objects.filter(pk=near.pk).update(near_address="9 avenue de la Gare")
    other = file_report(valbourg, setup_reports["pothole"], description="autre")
    client.force_login(agent_valbourg)
    page = client.get(f"{G}/", {"service": "tous", "statut": "all", "q": "Gare"}).content.decode()
    assert "près du 9 avenue de la Gare" in page and f"{G}/{near.pk}/" in page
    assert f"{G}/{other.pk}/" not in page


def test_the_queue_search_ignores_accents_and_case(client, setup_reports, valbourg, agent_valbourg):
    """« ecole » finds « École », « ÉCLAIRAGE » finds « éclairage »: an agent types as they can."""
    school = file_report(valbourg, setup_reports["pothole"], description="Trou devant l'École Jules-Ferry")
    lamp = file_report(valbourg, setup_reports["pothole"], description="éclairage en panne")
    client.force_login(agent_valbourg)
    for typed, expected, absent in (
        ("ecole", school, lamp),
        ("ÉCLAIRAGE", lamp, school),
        ("eclairage", lamp, school),
    ):
        page = client.get(f"{G}/", {"service": "tous", "statut": "all", "q": typed}).content.decode()
        assert f"{G}/{expected.pk}/" in page and f"{G}/{absent.pk}/" not in page, typed


def test_clearing_a_due_date_says_it_is_removed(client, setup_reports, valbourg, agent_valbourg):
    report = file_report(valbourg, setup_reports["pothole"])
    services.report_set_due_date(report=report, actor=agent_valbourg, due_date=date(2026, 12, 17))
    client.force_login(agent_valbourg)
    page = html.unescape(
        client.post(f"{G}/{report.pk}/echeance/", {"due_date": ""}, follow=True).content.decode()
    )
    assert "Échéance retirée." in page and "Échéance enregistrée." not in page
    report.refresh_from_db()
    assert report.due_date is None


def test_the_agents_landing_lists_their_reports_and_the_overdue_ones(
    client, setup_reports, valbourg, agent_valbourg
):
    from datetime import date, timedelta

    from beffroi.reports import services

    report = file_report(valbourg, setup_reports["pothole"], description="trou")
    services.report_assign(report=report, actor=agent_valbourg, assignee=agent_valbourg)
    services.report_set_due_date(
        report=report, actor=agent_valbourg, due_date=date.today() - timedelta(days=2)
    )
    client.force_login(agent_valbourg)
    page = client.get("/valbourg/mon-espace/").content.decode()
    assert f"{G}/{report.pk}/" in page
    assert "1 signalement en retard dans la commune." in page and "en retard</span>" in page


def test_the_queue_warns_while_the_commune_has_no_contour_and_stops_once_it_has_one(
    client, setup_reports, valbourg, agent_valbourg
):
    warning = "pas encore de contour"
    valbourg.boundary = None
    valbourg.save(update_fields=["boundary"])
    client.force_login(agent_valbourg)
    assert warning in client.get("/valbourg/signalements/gestion/").content.decode()
    side = {"type": "Polygon", "coordinates": [[[4.8, 47.3], [4.9, 47.3], [4.9, 47.4], [4.8, 47.3]]]}
    valbourg.boundary = side
    valbourg.save(update_fields=["boundary"])
    assert warning not in client.get("/valbourg/signalements/gestion/").content.decode()


def test_the_history_writes_a_due_date_in_words_and_a_reply_s_address_as_a_link(
    client, setup_reports, valbourg, agent_valbourg
):
    report = file_report(valbourg, setup_reports["pothole"], description="trou-a-dater")
    client.force_login(agent_valbourg)
    client.post(f"{G}/{report.pk}/echeance/", {"due_date": "2026-12-17"})
    client.post(
        f"{G}/{report.pk}/repondre/",
        {"visibility": "public", "body": "Le planning est sur https://valbourg.example/travaux merci."},
    )
    history = client.get(f"{G}/{report.pk}/").content.decode()
    assert "17 décembre 2026" in history and "2026-12-17<" not in history
    public = client.get(f"/valbourg/signalements/suivi/{report.tracking_code}/").content.decode()
    assert '<a href="https://valbourg.example/travaux"' in public
