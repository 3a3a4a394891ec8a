"""« Mon compte » lists, per commune, the person's reports, ideas and votes; the agents' space offers only the
cards a role can open."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

import beffroi.accounts as accounts_app
import beffroi.territory as territory_app
from beffroi.accounts import activity
from beffroi.core import modules
from beffroi.core.codes import format_code
from beffroi.core.services import commune_update
from tests.factories import member


def test_my_account_lists_reports_ideas_and_votes_of_each_commune(client, journey):
    client.force_login(journey.user)
    html = client.get("/valbourg/compte/").content.decode()
    own = journey.reports[0]
    assert "Mes signalements" in html
    assert f'href="/valbourg/signalements/suivi/{own.tracking_code}/"' in html
    assert format_code(own.tracking_code) in html and "Nouveau" in html
    assert "Idée « Boîte à livres au lavoir » (budget « Budget participatif 2027 »)" in html
    assert "déposée, en attente d&#x27;instruction" in html
    assert "Vous avez voté au budget « Budget participatif 2027 »" in html
    assert 'href="/valbourg/budget-participatif/bp-2027/"' in html
    # The report an agent filed at the counter carries her address but not her account: it is hers to download,
    # not listed as filed by her account.
    assert format_code(journey.reports[1].tracking_code) not in html


def test_my_account_says_when_nothing_was_done_yet(client, participation, habitant_valbourg):
    client.force_login(habitant_valbourg)
    html = client.get("/valbourg/compte/").content.decode()
    assert "Vous n&#x27;avez pas fait de signalement dans cette commune." in html
    assert "Vous n&#x27;avez ni proposé d&#x27;idée ni voté dans cette commune." in html


ACCOUNT_TEMPLATES = [
    *(Path(accounts_app.__file__).parent / "templates" / "accounts").glob("*"),
    Path(territory_app.__file__).parent / "templates" / "territory" / "agent_space.html",
]


@pytest.mark.parametrize("template", ACCOUNT_TEMPLATES, ids=lambda p: p.name)
def test_account_pages_keep_punctuation_inside_the_translated_text(template):
    # « Adresse » : with the colon outside the msgid would print "Address :" in English.
    text = template.read_text()
    assert not re.search(r"(%\}|\}\})\s+[:;!?](\s|<|$)", text), template.name


@pytest.fixture
def all_modules(valbourg):
    commune_update(commune=valbourg, enabled_modules=["reports", "budgeting", "datahub", "planning"])


@pytest.mark.parametrize("role", ["agent", "elu", "admin"])
def test_agent_space_offers_a_card_exactly_for_the_pages_the_role_can_open(
    client, valbourg, all_modules, role
):
    client.force_login(member(valbourg, role, f"{role}@valbourg.test"))
    html = client.get("/valbourg/espace-agents/").content.decode()
    cards = {chunk.split('"', 1)[0] for chunk in html.split('<h3><a href="')[1:]}
    with activity.commune_urls(valbourg):
        entries = {reverse(m.agent_url_name) for m in modules.enabled_for(valbourg) if m.agent_url_name}
    assert cards <= entries and entries
    for url in entries:
        opens = client.get(url).status_code == 200
        assert (url in cards) == opens, (role, url, opens)


def test_the_elu_is_not_sent_to_a_refused_page(client, valbourg, all_modules):
    client.force_login(member(valbourg, "elu", "elu@valbourg.test"))
    html = client.get("/valbourg/espace-agents/").content.decode()
    for chunk in html.split('<h3><a href="')[1:]:
        assert client.get(chunk.split('"', 1)[0]).status_code != 403
