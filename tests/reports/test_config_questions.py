"""A category's extra questions, edited as rows (one question a row) by the commune's administrator, without
JavaScript: « Ajouter une question », « Monter », « Descendre » send the page and get it back as typed."""

import html
import re

import pytest

from beffroi.core.models import AuditEntry
from beffroi.core.text import code_from_label
from beffroi.reports.forms_config import QuestionFormSet, question_rows
from beffroi.reports.models import Category
from beffroi.reports.presets import DEMO_CATEGORIES
from beffroi.reports.questions import choices_from_names
from tests.factories import member
from tests.reports.conftest import posted_form
from tests.reports.test_config import C, category_data, question_data

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def rows_of(data: dict[str, str]) -> list[dict[str, str]]:
    """The question rows of a posted (or to-be-posted) form, by index."""
    rows: dict[int, dict[str, str]] = {}
    for name, value in data.items():
        if match := re.fullmatch(r"questions-(\d+)-(\w+)", name):
            rows.setdefault(int(match[1]), {})[match[2]] = value
    return [rows[i] for i in sorted(rows)]


@pytest.fixture
def admin(client, admin_valbourg, setup_reports):
    client.force_login(admin_valbourg)
    return admin_valbourg


def test_an_administrator_adds_a_category_with_a_list_and_a_yes_no_question_the_resident_is_asked(
    client, admin, valbourg, setup_reports
):
    page = client.get(f"{C}/categories/nouvelle/")
    assert "Aucune question complémentaire" in text(page)
    data = posted_form(page)
    data.update({"name": "Dépôt sauvage", "code": "depot", "team": str(setup_reports["team"].pk)})
    # Two rows, added as a browser without JavaScript does: « Ajouter une question » twice.
    for _ in range(2):
        page = client.post(f"{C}/categories/nouvelle/", {**data, "questions_action": "add"})
        assert page.status_code == 200
        data = posted_form(page)
    assert len(rows_of(data)) == 2 and not Category.objects.filter(code="depot").exists()
    data.update(
        {
            "questions-0-label": "Qu'a-t-on déposé ?",
            "questions-0-kind": "singlevaluelist",
            "questions-0-options": "Encombrants\r\nGravats\r\n\r\n Sacs d'ordures ",
            "questions-0-required": "on",
            "questions-1-label": "Le passage est-il bloqué ?",
            "questions-1-kind": "yesno",
            "questions-1-help": "Trottoir ou chaussée",
        }
    )
    assert client.post(f"{C}/categories/nouvelle/", data).status_code == 302

    category = Category.objects.get(commune=valbourg, code="depot")
    assert category.questions == [
        {
            "code": "qu_a_t_on_depose",
            "label": "Qu'a-t-on déposé ?",
            "type": "singlevaluelist",
            "required": True,
            "choices": [
                {"key": "encombrants", "name": "Encombrants"},
                {"key": "gravats", "name": "Gravats"},
                {"key": "sacs_d_ordures", "name": "Sacs d'ordures"},
            ],
        },
        {
            "code": "le_passage_est_il_bloque",
            "label": "Le passage est-il bloqué ?",
            "type": "singlevaluelist",
            "required": False,
            "help": "Trottoir ou chaussée",
            "choices": [{"key": "oui", "name": "Oui"}, {"key": "non", "name": "Non"}],
        },
    ]
    assert AuditEntry.objects.filter(action="report.category.create", object_id=str(category.pk)).exists()

    client.logout()
    form = text(client.get("/valbourg/signalements/signaler/depot/", {"address": "place de la Mairie"}))
    assert "Qu'a-t-on déposé ?" in form and '<option value="sacs_d_ordures">Sacs d\'ordures</option>' in form
    assert "Le passage est-il bloqué ?" in form and '<option value="oui">Oui</option>' in form
    assert "Trottoir ou chaussée" in form
    definition = client.get("/open311/v2/services/depot.json", {"jurisdiction_id": "valbourg"}).json()
    assert [(a["code"], a["required"]) for a in definition["attributes"]] == [
        ("qu_a_t_on_depose", True),
        ("le_passage_est_il_bloque", False),
    ]


def test_adding_a_question_keeps_everything_typed_and_saves_nothing(client, admin, setup_reports):
    pothole = setup_reports["pothole"]
    url = f"{C}/categories/{pothole.pk}/"
    data = posted_form(client.get(url))
    data.update(
        {
            "name": "",  # a required field left empty is not an error yet: nothing is being saved
            "description": "Trou dans la chaussée",
            "questions-0-label": "Le trou est-il profond ?",
            "questions-1-options": "A\nB\nC",
            "questions-1-DELETE": "on",
        }
    )
    response = client.post(url, {**data, "questions_action": "add"})
    page = text(response)
    assert response.status_code == 200 and "error-summary" not in page and "Erreur" not in page
    again = posted_form(response)
    blank = {"code": "", "label": "", "kind": "string", "options": "", "help": ""}
    assert rows_of(again) == [*rows_of(data), blank]
    assert {k: v for k, v in again.items() if not k.startswith("questions-")} == {
        k: v for k, v in data.items() if not k.startswith("questions-")
    }
    assert again["questions-TOTAL_FORMS"] == "3"
    # the new row gets the keyboard focus; Enter in a field still saves (the form's first submit button)
    assert re.search(r'<input type="text" name="questions-2-label"[^>]*autofocus', page)
    first_button = re.search(
        r"<form method=\"post\" class=\"narrow\" novalidate>.*?(<button[^>]*>)", page, re.S
    )
    assert first_button and "name=" not in first_button[1]
    pothole.refresh_from_db()
    assert pothole.name == "Nid-de-poule" and pothole.description == ""
    assert [q["label"] for q in pothole.questions] == ["Dangereux ?", "Nature"]


def test_a_row_added_and_left_blank_is_no_question(client, admin, setup_reports):
    pothole = setup_reports["pothole"]
    url = f"{C}/categories/{pothole.pk}/"
    stored = pothole.questions
    data = posted_form(client.post(url, {**posted_form(client.get(url)), "questions_action": "add"}))
    assert client.post(url, data).status_code == 302
    pothole.refresh_from_db()
    assert pothole.questions == stored


def test_questions_are_moved_and_deleted_keeping_their_codes_and_choice_keys(client, admin, setup_reports):
    pothole = setup_reports["pothole"]
    url = f"{C}/categories/{pothole.pk}/"
    data = posted_form(client.post(url, {**posted_form(client.get(url)), "questions_action": "add"}))
    data.update({"questions-2-label": "Largeur (m)", "questions-2-kind": "number"})
    # « Monter » on the third question, then « Descendre » on the first: Largeur, Nature, Dangereux
    response = client.post(url, {**data, "questions_action": "up-2"})
    data = posted_form(response)
    assert [row["label"] for row in rows_of(data)] == ["Dangereux ?", "Largeur (m)", "Nature"]
    assert re.search(r'value="up-1"[^>]*autofocus', response.content.decode())
    data = posted_form(client.post(url, {**data, "questions_action": "down-0"}))
    assert [row["label"] for row in rows_of(data)] == ["Largeur (m)", "Dangereux ?", "Nature"]
    data = posted_form(client.post(url, {**data, "questions_action": "down-1"}))
    assert [row["label"] for row in rows_of(data)] == ["Largeur (m)", "Nature", "Dangereux ?"]
    # a move past the ends changes nothing
    assert rows_of(posted_form(client.post(url, {**data, "questions_action": "up-0"}))) == rows_of(data)
    data.update({"questions-1-options": "A\nB à revoir\nC", "questions-2-DELETE": "on"})
    assert client.post(url, data).status_code == 302
    pothole.refresh_from_db()
    assert pothole.questions == [
        {"code": "largeur_m", "label": "Largeur (m)", "type": "number", "required": False},
        {
            "code": "nature",
            "label": "Nature",
            "type": "multivaluelist",
            "required": False,
            "choices": [
                {"key": "a", "name": "A"},
                {"key": "b_a_revoir", "name": "B à revoir"},
                {"key": "c", "name": "C"},
            ],
        },
    ]


@pytest.mark.parametrize(
    ("rows", "field", "message"),
    [
        ([{"kind": "yesno", "required": "on"}], "label", "Indiquez la question posée à l'habitant."),
        (
            [{"label": "Quelle couleur ?", "kind": "singlevaluelist", "options": " \n "}],
            "options",
            "Écrivez les réponses proposées, une par ligne.",
        ),
        (
            [{"label": "Quelle couleur ?", "kind": "multivaluelist", "options": "Rouge"}],
            "options",
            "Proposez au moins deux réponses, une par ligne.",
        ),
        (
            [{"label": "Quelle couleur ?", "kind": "singlevaluelist", "options": "Rouge\nVert\nRouge"}],
            "options",
            "La réponse « Rouge » est écrite deux fois.",
        ),
        (
            [{"label": "Quelle couleur ?", "kind": "string", "options": "Rouge\nVert"}],
            "options",
            "Seules les questions « Une réponse dans une liste » et « Plusieurs réponses dans une liste » "
            "proposent des réponses",
        ),
        (
            [
                {"label": "Est-ce  dangereux ?", "kind": "yesno"},
                {"label": "est-ce dangereux ?", "kind": "text"},
            ],
            "label",
            "La question 1 est déjà posée avec ce libellé : changez-le ou supprimez l'une des deux.",
        ),
    ],
)
def test_each_mistake_is_told_in_french_next_to_its_field_and_at_the_top(client, admin, rows, field, message):
    data = category_data(questions=rows)
    response = client.post(f"{C}/categories/nouvelle/", data)
    page = text(response)
    assert response.status_code == 400 and page.count(message) == 2
    number = len(rows)
    field_id = f"id_questions-{number - 1}-{field}"
    label = {"label": "Question posée", "options": "Réponses proposées, une par ligne"}[field]
    start = page.index('<div class="error-summary"')
    summary = page[start : page.index("</ul>", start)]
    assert f'<a href="#{field_id}">Question {number}, {label} : {message}' in summary
    assert re.search(rf'<div class="error" id="{field_id}_error"><p>{re.escape(message)}', page)
    assert re.search(rf'aria-invalid="true" aria-describedby="[^"]*{field_id}_error" id="{field_id}"', page)
    assert rows_of(posted_form(response)) == [
        {"code": "", "options": "", "help": "", **row, "label": row.get("label", "")} for row in rows
    ]
    assert not Category.objects.filter(code="tag").exists()


def test_a_row_ticked_for_deletion_is_not_checked(client, admin, valbourg):
    rows = [{"label": "", "kind": "singlevaluelist", "DELETE": "on"}, {"label": "Où ?", "kind": "string"}]
    assert client.post(f"{C}/categories/nouvelle/", category_data(questions=rows)).status_code == 302
    assert [q["label"] for q in Category.objects.get(commune=valbourg, code="tag").questions] == ["Où ?"]


def test_an_administrator_of_another_commune_cannot_edit_the_questions(client, setup_reports, hautmesnil):
    pothole = setup_reports["pothole"]
    stored = pothole.questions
    client.force_login(member(hautmesnil, "admin", "admin@hautmesnil.test"))
    data = category_data(
        name="Piraté", code="nid-de-poule", questions=[{"label": "Question ajoutée", "kind": "string"}]
    )
    own_url = f"/hautmesnil/signalements/gestion/configuration/categories/{pothole.pk}/"
    for action in ({}, {"questions_action": "add"}):
        assert client.post(f"{C}/categories/{pothole.pk}/", {**data, **action}).status_code == 403
        assert client.post(own_url, {**data, **action}).status_code == 404
    assert client.get(f"{C}/categories/{pothole.pk}/").status_code == 403
    assert client.get(own_url).status_code == 404
    pothole.refresh_from_db()
    assert pothole.name == "Nid-de-poule" and pothole.questions == stored


@pytest.mark.parametrize(
    "questions",
    [questions for seeds in DEMO_CATEGORIES.values() for *_, questions in seeds if questions],
    ids=lambda questions: questions[0]["code"],
)
def test_shipped_questions_come_back_unchanged_from_their_rows(questions):
    """Stored questions shown as rows and sent back untouched are stored exactly as they were."""
    rows = [
        {**row, "required": "on" if row["required"] else "", "options": row["options"].replace("\n", "\r\n")}
        for row in question_rows(questions)
    ]
    formset = QuestionFormSet(question_data(rows, initial=len(rows)), stored=questions)
    assert formset.is_valid(), formset.errors
    assert formset.questions() == questions


def test_codes_are_made_from_the_wording_and_kept():
    assert (
        code_from_label("Le trou est-il dangereux ?", set(), fallback="question")
        == "le_trou_est_il_dangereux"
    )
    assert code_from_label("Écrit à la main", {"ecrit_a_la_main"}, fallback="question") == "ecrit_a_la_main_2"
    assert code_from_label("« ? »", set(), fallback="question") == "question"
    previous = [{"key": "g", "name": "Gauche"}, {"key": "d", "name": "Droite"}]
    assert choices_from_names(["Droite", "Milieu", "Gauche"], previous) == [
        {"key": "d", "name": "Droite"},
        {"key": "milieu", "name": "Milieu"},
        {"key": "g", "name": "Gauche"},
    ]
    # a new choice never takes the key of a removed one
    assert choices_from_names(["Oui"], [{"key": "oui", "name": "Oui, tout de suite"}]) == [
        {"key": "oui_2", "name": "Oui"}
    ]
