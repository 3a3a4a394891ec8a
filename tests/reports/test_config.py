"""The commune's own configuration of Signalements: categories, state table, reply templates (admins only)."""

import html

import pytest

from beffroi.core.models import AuditEntry
from beffroi.reports import services
from beffroi.reports.models import Category, ReplyTemplate, Report, State
from tests.factories import member
from tests.reports.conftest import file_report, posted_form

pytestmark = pytest.mark.django_db
C = "/valbourg/signalements/gestion/configuration"
QUESTIONS = [
    {"label": "Est-ce dangereux ?", "kind": "yesno", "required": "on"},
    {
        "label": "Côtés touchés",
        "kind": "multivaluelist",
        "options": "Gauche\nDroite",
        "help": "Plusieurs réponses possibles",
    },
    {"label": "Largeur (m)", "kind": "number"},
]


def text(response) -> str:
    return html.unescape(response.content.decode())


def question_data(rows: list[dict], initial: int = 0) -> dict[str, str]:
    """The questions' rows as the category page posts them (Django's formset management fields included)."""
    data = {"questions-TOTAL_FORMS": str(len(rows)), "questions-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"questions-{index}-{name}": value for name, value in row.items()})
    return data


def category_data(questions: list[dict] | None = None, **kw):
    return {
        "name": "Tag",
        "code": "tag",
        "description": "Graffiti",
        "team": "",
        "order": "0",
        "active": "on",
        **question_data(questions or []),
        **kw,
    }


@pytest.fixture
def admin(client, admin_valbourg, setup_reports):
    client.force_login(admin_valbourg)
    return admin_valbourg


def test_admin_creates_category_seen_by_residents_and_open311(client, admin, valbourg, setup_reports):
    team = setup_reports["team"]
    response = client.post(
        f"{C}/categories/nouvelle/",
        category_data(name="Graffiti", code="graffiti", team=team.pk, questions=QUESTIONS),
    )
    assert response.status_code == 302
    category = Category.objects.get(commune=valbourg, code="graffiti")
    assert category.team == team and category.questions[1]["type"] == "multivaluelist"
    assert AuditEntry.objects.filter(action="report.category.create", object_id=str(category.pk)).exists()
    listing = text(client.get(f"{C}/categories/"))
    assert "Graffiti" in listing and "Voirie" in listing

    client.logout()
    start = text(client.get("/valbourg/signalements/signaler/"))
    assert "Graffiti" in start
    form = client.get("/valbourg/signalements/signaler/graffiti/", {"address": "place de la Mairie"})
    asked = text(form)
    assert "Est-ce dangereux ?" in asked and "Gauche" in asked and "Plusieurs réponses possibles" in asked
    catalogue = client.get("/open311/v2/services.json", {"jurisdiction_id": "valbourg"}).json()
    graffiti = next(s for s in catalogue if s["service_code"] == "graffiti")
    assert graffiti["service_name"] == "Graffiti" and graffiti["metadata"] is True
    definition = client.get("/open311/v2/services/graffiti.json", {"jurisdiction_id": "valbourg"}).json()
    attrs = {a["code"]: a for a in definition["attributes"]}
    assert attrs["est_ce_dangereux"]["datatype"] == "singlevaluelist"
    assert attrs["est_ce_dangereux"]["required"] is True
    assert [v["key"] for v in attrs["cotes_touches"]["values"]] == ["gauche", "droite"]
    assert attrs["largeur_m"]["datatype"] == "number" and attrs["largeur_m"]["required"] is False


def test_edit_category_round_trips_questions_and_deactivates(client, admin, valbourg, setup_reports):
    pothole = setup_reports["pothole"]
    stored = pothole.questions
    page = client.get(f"{C}/categories/{pothole.pk}/")
    data = posted_form(page)
    assert data["questions-0-label"] == "Dangereux ?" and data["questions-0-kind"] == "yesno"
    assert data["questions-1-options"] == "A\nB" and data["questions-1-kind"] == "multivaluelist"
    del data["active"]
    assert client.post(f"{C}/categories/{pothole.pk}/", data).status_code == 302
    pothole.refresh_from_db()
    assert pothole.active is False and pothole.questions == stored
    assert "nid-de-poule" not in text(
        client.get("/open311/v2/services.json", {"jurisdiction_id": "valbourg"})
    )


def test_team_of_another_commune_refused(client, admin, valbourg, hautmesnil, setup_reports):
    foreign = Category.objects.get(commune=hautmesnil, code="voirie").team
    response = client.post(f"{C}/categories/nouvelle/", category_data(team=foreign.pk))
    assert response.status_code == 400
    assert "Erreur" in text(response) and "Sélectionnez un choix valide" in text(response)
    assert not Category.objects.filter(code="tag").exists()
    with pytest.raises(services.ReportInputError):
        services.category_save(commune=valbourg, actor=admin, code="tag", name="Tag", team=foreign)


def test_duplicate_code_refused_in_french(client, admin, valbourg):
    response = client.post(f"{C}/categories/nouvelle/", category_data(code="eclairage"))
    page = text(response)
    assert response.status_code == 400
    assert "Le code « eclairage » est déjà utilisé par la catégorie « Éclairage public »" in page
    assert not Category.objects.filter(code="tag").exists()


def test_state_kind_drives_open311_status(client, admin, valbourg, setup_reports):
    report = file_report(valbourg, setup_reports["light"])
    planned = State.objects.get(commune=valbourg, code="planifie")
    Report.objects.filter(pk=report.pk).update(state=planned)
    url = f"/open311/v2/requests/{report.pk}.json"
    assert client.get(url, {"jurisdiction_id": "valbourg"}).json()[0]["status"] == "open"
    data = {"label": "Planifié (clos)", "kind": "closed", "order": planned.order}
    assert client.post(f"{C}/etats/{planned.pk}/", data).status_code == 302
    assert client.get(url, {"jurisdiction_id": "valbourg"}).json()[0]["status"] == "closed"
    report.refresh_from_db()
    assert not report.is_open and report.closed_at is not None
    assert "Planifié (clos)" in text(client.get(f"{C}/etats/"))


def test_exactly_one_initial_state(client, admin, valbourg, setup_reports):
    initial = State.objects.get(commune=valbourg, is_initial=True)
    response = client.post(f"{C}/etats/{initial.pk}/", {"label": initial.label, "kind": "open", "order": 10})
    assert response.status_code == 400 and "Il faut exactement un état initial" in text(response)
    response = client.post(
        f"{C}/etats/nouveau/", {"label": "À trier", "kind": "open", "order": 1, "is_initial": "on"}
    )
    assert response.status_code == 302
    assert list(State.objects.filter(commune=valbourg, is_initial=True).values_list("label", flat=True)) == [
        "À trier"
    ]
    report = file_report(valbourg, setup_reports["light"])
    assert report.state.label == "À trier" and report.is_open
    response = client.post(
        f"{C}/etats/nouveau/", {"label": "Fermé d'office", "kind": "closed", "order": 2, "is_initial": "on"}
    )
    assert response.status_code == 400 and "L'état initial doit être" in text(response)


def test_deleting_a_used_state_refused_unused_deleted(client, admin, valbourg, setup_reports):
    report = file_report(valbourg, setup_reports["light"])
    used = report.state
    assert "Confirmer la suppression" in text(client.get(f"{C}/etats/{used.pk}/supprimer/"))
    page = text(client.post(f"{C}/etats/{used.pk}/supprimer/", follow=True))
    assert "est utilisé par 1 signalement(s) : il ne peut pas être supprimé" in page
    assert State.objects.filter(pk=used.pk).exists()
    spare = State.objects.get(commune=valbourg, code="transmis")
    client.post(f"{C}/etats/{spare.pk}/supprimer/")
    assert not State.objects.filter(pk=spare.pk).exists()
    assert AuditEntry.objects.filter(action="report.workflow.delete", object_id=str(spare.pk)).exists()


def test_reply_templates_add_edit_delete(client, admin, valbourg):
    assert (
        client.post(f"{C}/modeles/nouveau/", {"title": "Merci", "body": "Merci, c'est noté."}).status_code
        == 302
    )
    template = ReplyTemplate.objects.get(commune=valbourg, title="Merci")
    again = client.post(f"{C}/modeles/nouveau/", {"title": "Merci", "body": "x"})
    assert again.status_code == 400 and "Un modèle s'appelle déjà « Merci »" in text(again)
    client.post(f"{C}/modeles/{template.pk}/", {"title": "Merci !", "body": "Merci beaucoup."})
    template.refresh_from_db()
    assert template.title == "Merci !" and template.body == "Merci beaucoup."
    assert "Merci !" in text(client.get(f"{C}/modeles/"))
    client.post(f"{C}/modeles/{template.pk}/supprimer/")
    assert not ReplyTemplate.objects.filter(pk=template.pk).exists()
    actions = set(AuditEntry.objects.filter(object_id=str(template.pk)).values_list("action", flat=True))
    assert {"report.template.create", "report.template.update", "report.template.delete"} <= actions


@pytest.mark.parametrize("who", ["agent", "elu", "habitant"])
def test_non_admins_cannot_configure(client, setup_reports, valbourg, who):
    user = member(valbourg, who, f"{who}@config.test")
    client.force_login(user)
    pothole = setup_reports["pothole"]
    state = State.objects.filter(commune=valbourg).last()
    for url in (f"{C}/", f"{C}/categories/", f"{C}/categories/{pothole.pk}/", f"{C}/etats/", f"{C}/modeles/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{C}/categories/nouvelle/", category_data()).status_code == 403
    assert client.post(f"{C}/etats/{state.pk}/supprimer/").status_code == 403
    assert not Category.objects.filter(code="tag").exists() and State.objects.filter(pk=state.pk).exists()
    if who == "agent":
        queue = text(client.get("/valbourg/signalements/gestion/"))
        assert "gestion/configuration/" not in queue


def test_admin_sees_configuration_link(client, admin):
    assert f"{C}/" in text(client.get("/valbourg/signalements/gestion/"))


def test_isolation_between_communes(client, admin, valbourg, hautmesnil, setup_reports):
    other = setup_reports["other"]
    other_state = State.objects.filter(commune=hautmesnil).last()
    template = ReplyTemplate.objects.create(commune=hautmesnil, title="Hautmesnil", body="x")
    listing = text(client.get(f"{C}/categories/"))
    assert f"{C}/categories/{other.pk}/" not in listing and "<code>voirie</code>" not in listing
    assert client.get(f"{C}/categories/{other.pk}/").status_code == 404
    assert client.post(f"{C}/categories/{other.pk}/", category_data(code="voirie")).status_code == 404
    assert client.get(f"{C}/etats/{other_state.pk}/").status_code == 404
    assert client.post(f"{C}/etats/{other_state.pk}/supprimer/").status_code == 404
    assert client.post(f"{C}/modeles/{template.pk}/supprimer/").status_code == 404
    other.refresh_from_db()
    assert other.name == "Voirie" and State.objects.filter(pk=other_state.pk).exists()
    assert ReplyTemplate.objects.filter(pk=template.pk).exists()
    # Valbourg's admin is nobody in Hautmesnil
    assert client.get("/hautmesnil/signalements/gestion/configuration/").status_code == 403


def test_answers_stay_visible_after_their_question_is_reworded_or_removed(
    client, admin, valbourg, setup_reports, agent_valbourg
):
    """An accepted answer is never hidden: the agent's page shows it under the label the resident saw."""
    pothole = setup_reports["pothole"]
    report = file_report(valbourg, pothole, answers={"danger": "oui", "nature": ["a", "b"]})
    # The administrator rewords « Dangereux ? » and removes « Nature » through the configuration page.
    data = posted_form(client.get(f"{C}/categories/{pothole.pk}/"))
    data.update({"questions-0-label": "Présente-t-il un risque ?", "questions-1-DELETE": "on"})
    assert client.post(f"{C}/categories/{pothole.pk}/", data).status_code == 302
    pothole.refresh_from_db()
    assert [q["code"] for q in pothole.questions] == ["danger"]
    client.force_login(agent_valbourg)
    page = text(client.get(f"/valbourg/signalements/gestion/{report.pk}/"))
    assert "<dt>Dangereux ?</dt><dd>Oui</dd>" in page
    assert "<dt>Nature</dt><dd>A, B</dd>" in page
    assert "Présente-t-il un risque ?" not in page
    # A report filed after the change reads the new wording.
    later = file_report(valbourg, pothole, answers={"danger": "non"})
    assert "<dt>Présente-t-il un risque ?</dt><dd>Non</dd>" in text(
        client.get(f"/valbourg/signalements/gestion/{later.pk}/")
    )


def test_answers_of_reports_without_a_copy_of_their_questions_are_still_shown():
    """Reports filed before copies were kept: current label if the question exists, else its code."""
    from beffroi.reports.questions import answers_readable

    current = [{"code": "danger", "label": "Dangereux ?", "choices": [{"key": "oui", "name": "Oui"}]}]
    answers = {"danger": "oui", "largeur": "3", "cotes": ["g", "d"]}
    assert answers_readable(answers, [], current) == [
        ("Dangereux ?", "Oui"),
        ("largeur", "3"),
        ("cotes", "g, d"),
    ]


def test_a_new_category_s_form_speaks_plainly_and_chooses_what_it_can(client, admin, valbourg, setup_reports):
    """No « Open311 » on the page, the commune's only team already chosen, and the site's French error summary
    rather than the browser's own bubbles (novalidate, as the project's other forms)."""
    page = client.get(f"{C}/categories/nouvelle/").content.decode()
    assert "Open311" not in page
    assert '<form method="post" class="narrow" novalidate>' in page
    assert "Code pour les applications" in page
    assert f'<option value="{setup_reports["team"].pk}" selected>Voirie</option>' in page
    response = client.post(f"{C}/categories/nouvelle/", category_data(name=""))
    assert response.status_code == 400 and 'class="error-summary' in response.content.decode()


def test_a_category_s_code_is_made_from_its_name_when_left_empty_and_kept_after(
    client, admin, valbourg, setup_reports
):
    response = client.post(f"{C}/categories/nouvelle/", category_data(name="Éclairage public", code=""))
    assert response.status_code == 302
    # « eclairage » is taken by setup_reports' category: the name's own words give another code
    made = Category.objects.get(commune=valbourg, name="Éclairage public", code="eclairage-public")
    client.post(f"{C}/categories/nouvelle/", category_data(name="Éclairage public", code=""))
    assert Category.objects.filter(commune=valbourg, code="eclairage-public-2").exists()
    client.post(f"{C}/categories/{made.pk}/", category_data(name="Éclairage des rues", code=""))
    made.refresh_from_db()
    assert made.name == "Éclairage des rues" and made.code == "eclairage-public"
