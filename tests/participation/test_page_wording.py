"""What a resident or an agent reads on the participation pages: no template comment printed, titles in plain
text, an error summary that names the question, the login page saying why it is asked, a photo not silently
dropped, no empty proposal left behind by opening the form."""

import html
import re
from pathlib import Path

import pytest

from beffroi.participation import services
from beffroi.participation.models import Proposal
from tests.budgeting.test_pictures import photo_with_gps
from tests.factories import member
from tests.participation.conftest import make_consultation

BASE = "/valbourg/participation"
APPS = Path(__file__).resolve().parents[2] / "beffroi"
TEMPLATES = sorted(
    [*APPS.glob("participation/templates/**/*.html"), *APPS.glob("budgeting/templates/**/*.html")]
)


@pytest.fixture
def rules(valbourg, admin_valbourg):
    return services.proposal_rules_set(
        commune=valbourg, actor=admin_valbourg, support_threshold=3, support_days=30, answer_days=10
    )


def _text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(APPS)))
def test_no_template_comment_spans_lines_and_every_title_is_plain_text(template):
    """`{# … #}` is one line only: across lines Django prints it; a title block holds no markup."""
    source = template.read_text()
    assert not [line for line in source.splitlines() if "{#" in line and "#}" not in line]
    for title in re.findall(r"{% block title %}(.*?){% endblock %}", source, re.S):
        assert "<" not in title and "\n" not in title


def test_the_consultation_page_prints_no_comment(client, valbourg, admin_valbourg):
    make_consultation(valbourg, admin_valbourg)
    page = client.get(f"{BASE}/consultations/horaires-ecole/").content.decode()
    assert "What the mairie will know" not in page and "#}" not in page
    assert "Vos réponses sont anonymes" in page


def test_the_agents_space_has_a_plain_title_and_its_panels_once(client, valbourg, agent_valbourg):
    client.force_login(agent_valbourg)
    response = client.get(f"{BASE}/gestion/")
    assert _title(response).startswith("Participation citoyenne — gestion")
    assert "<" not in _title(response)
    assert response.content.decode().count('id="titre-panels"') == 1


def test_the_error_summary_names_each_question_without_a_stray_question_mark(
    client, valbourg, admin_valbourg
):
    make_consultation(valbourg, admin_valbourg)
    response = client.post(f"{BASE}/consultations/horaires-ecole/", {})
    summary = _text(response).split('class="error-summary"')[1].split("</div>")[0]
    assert response.status_code == 400
    assert "Question 1, « Quelle semaine préférez-vous ? » : " in summary
    assert "? :" not in summary.replace("? » :", "")


def test_the_login_page_says_why_a_participation_action_asks_for_it(client, valbourg, rules):
    login = client.get(f"{BASE}/propositions/deposer/", follow=True)
    assert "Connectez-vous pour déposer une proposition." in _text(login)
    proposal = services.proposal_submit(
        commune=valbourg, author=member(valbourg, "habitant", "a@valbourg.test"), title="Un banc", body="Ici."
    )
    page = _text(client.get(f"{BASE}/propositions/{proposal.pk}/"))
    assert "Connectez-vous pour soutenir cette proposition." in page
    assert "Connectez-vous pour commenter cette proposition." in page
    reached = client.get(f"/valbourg/connexion/?next={BASE}/propositions/{proposal.pk}/")
    assert "Connectez-vous pour soutenir ou commenter cette proposition." in _text(reached)
    # the login page reached from elsewhere, or sent elsewhere, gives no reason
    assert '<p class="notice">' not in client.get("/valbourg/connexion/").content.decode()
    assert '<p class="notice">' not in client.get("/valbourg/connexion/?next=/valbourg/").content.decode()


def test_opening_the_proposal_form_twice_files_nothing(client, habitant_valbourg, rules):
    client.force_login(habitant_valbourg)
    for _ in range(2):
        assert client.get(f"{BASE}/propositions/deposer/").status_code == 200
    assert not Proposal.objects.exists()


def test_a_photo_sent_with_a_form_in_error_is_kept_for_the_next_sending(client, habitant_valbourg, rules):
    client.force_login(habitant_valbourg)
    photo = photo_with_gps()
    photo.name = "lavoir.jpg"
    response = client.post(
        f"{BASE}/propositions/deposer/", {"title": "", "body": "Un banc.", "picture": photo}
    )
    page = _text(response)
    assert response.status_code == 400 and not Proposal.objects.exists()
    assert "Garder la photo déjà jointe « lavoir.jpg »" in page and "choisissez-la de nouveau" not in page
    token = re.search(r'name="picture-gardees" value="([^"]+)"', page).group(1)
    response = client.post(
        f"{BASE}/propositions/deposer/",
        {"title": "Un banc au lavoir", "body": "Un banc.", "picture-gardees": token},
    )
    assert response.status_code == 302 and Proposal.objects.get().picture
    # no photo sent: nothing said about one
    response = client.post(f"{BASE}/propositions/deposer/", {"title": "", "body": "Un banc."})
    assert "Garder la photo" not in _text(response)


def test_no_support_yet_reads_in_the_singular(client, valbourg, rules):
    proposal = services.proposal_submit(
        commune=valbourg, author=member(valbourg, "habitant", "a@valbourg.test"), title="Un banc", body="Ici."
    )
    # French says « 0 soutien » (n > 1 takes the plural): the French catalogue carries that rule
    assert "0 soutien sur les 3" in _text(client.get(f"{BASE}/propositions/{proposal.pk}/"))


def test_an_answer_past_its_date_is_said_late_on_the_proposal_page(client, valbourg, rules):
    from datetime import timedelta

    from django.utils import timezone

    from beffroi.participation.models import Proposal

    proposal = services.proposal_submit(
        commune=valbourg, author=member(valbourg, "habitant", "b@valbourg.test"), title="Un banc", body="Ici."
    )
    url = f"{BASE}/propositions/{proposal.pk}/"
    assert "Réponse en retard" not in _text(client.get(url))
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        threshold_reached_at=now - timedelta(days=45), answer_due_at=now - timedelta(days=15)
    )
    assert "Réponse en retard" in _text(client.get(url))
