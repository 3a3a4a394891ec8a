"""The participatory budget's vote walked as residents, agents and élus do it, page by page (issue #18).

Each test goes through the real pages and services: editing a budget, closing the vote with paper ballots
still pending, voting with a printed code alone from a phone, blank and void paper ballots, the results'
plain-language outcome of each project, and the élu's read-only follow page.
"""

import html
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from beffroi.budgeting import selectors, services
from beffroi.budgeting.models import Ballot, BallotChoice, Budget, PaperBallotEntry, VotingCode
from beffroi.budgeting.pabulib import parse_pabulib_bytes
from beffroi.core.models import AuditEntry
from tests.budgeting.conftest import add_projects, make_budget, verified
from tests.factories import member

BASE = "/valbourg/budget-participatif"


def _text(response) -> str:
    """The page as a reader sees it: no-break spaces read as spaces."""
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def elu_valbourg(valbourg):
    return member(valbourg, "elu", "elu@valbourg.test")


@pytest.fixture
def second_agent(valbourg):
    return member(valbourg, "agent", "agent2@valbourg.test")


# --------------------------------------------------------------------------------------------------------------
# 1. Editing a budget saves what changed, audits it, and says when nothing changed
# --------------------------------------------------------------------------------------------------------------


def _form_data(budget: Budget, **changes) -> dict[str, str]:
    """What the edit page posts back: every field as shown (dates to the minute), with `changes` applied."""
    local = timezone.localtime

    def date(value):
        return local(value).strftime("%Y-%m-%dT%H:%M") if value else ""

    data = {
        "title": budget.title,
        "slug": budget.slug,
        "description": budget.description,
        "total_amount": str(budget.total_amount),
        "ideas_open_at": date(budget.ideas_open_at),
        "ideas_close_at": date(budget.ideas_close_at),
        "vote_open_at": date(budget.vote_open_at),
        "vote_close_at": date(budget.vote_close_at),
        "followup_at": date(budget.followup_at),
        "phase_override": budget.phase_override,
        "ballot_type": budget.ballot_type,
        "min_choices": str(budget.min_choices),
        "max_choices": str(budget.max_choices or ""),
        "cost_limit": str(budget.cost_limit or ""),
        "points_total": str(budget.points_total),
        "max_points_per_project": "",
        "rule": budget.rule,
        "min_age": "",
        "voter_verification": "on" if budget.voter_verification else "",
        "fund_leftover": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_editing_a_budget_saves_and_audits_the_change(client, voting_budget, agent_valbourg):
    budget, _projects = voting_budget
    client.force_login(agent_valbourg)
    url = f"{BASE}/gestion/{budget.slug}/modifier/"
    new_close = timezone.localtime(budget.vote_close_at + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url,
        _form_data(
            budget,
            title="Budget participatif 2026 (prolongé)",
            total_amount="120000",
            vote_close_at=new_close,
        ),
        follow=True,
    )
    stored = Budget.objects.get(pk=budget.pk)
    assert stored.title == "Budget participatif 2026 (prolongé)"
    assert stored.total_amount == 120000
    assert timezone.localtime(stored.vote_close_at).strftime("%Y-%m-%dT%H:%M") == new_close
    entry = AuditEntry.objects.filter(action="budget.update", object_id=str(budget.pk)).get()
    assert entry.data["fields"] == ["title", "total_amount", "vote_close_at"]
    assert entry.data["changes"]["total_amount"] == [100000, 120000]
    assert entry.data["changes"]["title"] == [
        "Budget participatif test",
        "Budget participatif 2026 (prolongé)",
    ]
    assert any("Budget enregistré" in m for m in _messages(response))


def test_saving_the_form_unchanged_says_so_and_records_nothing(client, voting_budget, agent_valbourg):
    budget, _projects = voting_budget
    client.force_login(agent_valbourg)
    # the stored dates have seconds; the page shows minutes: sent back as shown, they are not a change
    response = client.post(f"{BASE}/gestion/{budget.slug}/modifier/", _form_data(budget), follow=True)
    assert _messages(response) == ["Aucune modification."]
    assert not AuditEntry.objects.filter(action="budget.update").exists()
    assert Budget.objects.get(pk=budget.pk).vote_close_at == budget.vote_close_at


def test_a_mairie_can_open_the_vote_early_by_forcing_the_phase(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    client.force_login(agent_valbourg)
    client.post(f"{BASE}/gestion/{budget.slug}/modifier/", _form_data(budget, phase_override="vote"))
    assert Budget.objects.get(pk=budget.pk).phase == "vote"


def test_the_update_service_refuses_unknown_fields(voting_budget, agent_valbourg):
    budget, _projects = voting_budget
    with pytest.raises(TypeError, match="results"):
        services.budget_update(commune=budget.commune, budget=budget, actor=agent_valbourg, results={})


# --------------------------------------------------------------------------------------------------------------
# 2. Closing the vote: confirmation, the right role, pending paper ballots set aside only with a reason
# --------------------------------------------------------------------------------------------------------------


def _enter(budget, agent, number, choices=None, kind="valable"):
    services.paper_entry_record(
        commune=budget.commune,
        budget=budget,
        actor=agent,
        paper_number=number,
        choices=choices or {},
        kind=kind,
    )


def test_an_agent_can_neither_close_nor_count(client, voting_budget, agent_valbourg):
    budget, _projects = voting_budget
    with pytest.raises(PermissionDenied):
        services.budget_close_and_count(commune=budget.commune, budget=budget, actor=agent_valbourg)
    client.force_login(agent_valbourg)
    assert client.get(f"{BASE}/gestion/{budget.slug}/depouiller/").status_code == 403
    assert client.post(f"{BASE}/gestion/{budget.slug}/depouiller/").status_code == 403
    page = client.get(f"{BASE}/gestion/{budget.slug}/").content.decode()
    assert f"{BASE}/gestion/{budget.slug}/depouiller/" not in page  # no link the role cannot open
    assert Budget.objects.get(pk=budget.pk).counted_at is None


def test_closing_with_pending_paper_ballots_is_refused_then_done_with_a_published_reason(
    client, voting_budget, agent_valbourg, second_agent, elu_valbourg
):
    budget, projects = voting_budget
    a, b = projects[0].pk, projects[1].pk
    _enter(budget, agent_valbourg, 1, {a: 1})
    _enter(budget, second_agent, 1, {a: 1})  # counted
    _enter(budget, agent_valbourg, 2, {b: 1})  # awaiting its second entry
    _enter(budget, agent_valbourg, 3, {a: 1})
    _enter(budget, second_agent, 3, {b: 1})  # divergent
    client.force_login(elu_valbourg)
    url = f"{BASE}/gestion/{budget.slug}/depouiller/"
    page = _text(client.get(url))
    assert "Le vote sera clos maintenant, avant la date prévue" in page
    assert "2 bulletins papier ne sont pas rapprochés" in page
    assert "Saisi une seule fois : n° 2." in page and "n° 3" in page

    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "cochez cette case et indiquez pourquoi" in _text(refused)
    no_reason = client.post(url, {"set_aside": "on", "reason": "  "})
    assert no_reason.status_code == 400 and "Indiquez pourquoi" in _text(no_reason)
    assert Budget.objects.get(pk=budget.pk).counted_at is None

    reason = "Bulletin n° 2 illisible ; n° 3 : l'urne a été scellée avant la correction."
    done = client.post(url, {"set_aside": "on", "reason": reason})
    assert done.status_code == 302
    budget.refresh_from_db()
    assert budget.results["num_paper"] == 1
    assert budget.results["paper_set_aside"] == {"count": 2, "single": [2], "mismatch": [3], "reason": reason}
    results = _text(client.get(f"{BASE}/{budget.slug}/resultats/"))
    assert "2 bulletins papier ont été écartés du dépouillement" in results
    assert reason in results
    entry = AuditEntry.objects.get(action="budget.count", object_id=str(budget.pk))
    assert entry.data["paper_set_aside"]["reason"] == reason


def test_the_service_refuses_to_count_past_pending_ballots(voting_budget, agent_valbourg, admin_valbourg):
    budget, projects = voting_budget
    _enter(budget, agent_valbourg, 7, {projects[0].pk: 1})
    with pytest.raises(Exception, match="1 bulletin papier n'est pas encore compté"):
        services.budget_close_and_count(commune=budget.commune, budget=budget, actor=admin_valbourg)


# --------------------------------------------------------------------------------------------------------------
# 3. Voting with a printed code alone, from a phone, without an account
# --------------------------------------------------------------------------------------------------------------


def _printed_slip(client, budget, agent) -> tuple[str, str, str]:
    """Print one code from the agents' page: (code, the address the QR code carries, the page)."""
    client.force_login(agent)
    page = client.post(f"{BASE}/gestion/{budget.slug}/codes/", {"count": "1"}).content.decode()
    client.logout()
    code = re.search(r'class="pb-code">([A-Z0-9-]+)<', page).group(1)
    return code, f"http://testserver{BASE}/{budget.slug}/voter/code/?code={code}", page


def _csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def _post_with_token(phone: Client, url: str, data: dict) -> object:
    page = phone.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return phone.post(url, {**data, "csrfmiddlewaretoken": token})


def test_the_printed_slip_carries_the_full_address_and_its_qr_code(client, voting_budget, agent_valbourg):
    budget, _projects = voting_budget
    code, address, page = _printed_slip(client, budget, agent_valbourg)
    assert f"http://testserver{BASE}/{budget.slug}/voter/code/" in page  # written out, to type
    assert "connectez-vous" not in page
    qr = re.search(r"<svg[^>]*class=\"pb-qr\".*?</svg>", page, re.S).group(0)
    assert "<title>" in qr and "<path" in qr
    import segno

    # the QR code drawn on the slip is the one of the address carrying the code
    expected = segno.make(address, error="m", micro=False).svg_inline(
        scale=1, omitsize=True, svgclass="pb-qr", lineclass=None, title="Adresse du vote avec ce code"
    )
    assert qr == expected


def test_an_anonymous_visitor_votes_with_the_printed_code_from_a_phone(client, voting_budget, agent_valbourg):
    budget, projects = voting_budget
    code, address, _page = _printed_slip(client, budget, agent_valbourg)
    phone = _csrf_client()
    opened = phone.get(address.removeprefix("http://testserver"))
    assert opened.status_code == 200
    assert f'value="{code}"' in opened.content.decode()  # the code is filled in from the QR code's address
    url = f"{BASE}/{budget.slug}/voter/code/"
    assert phone.post(url, {"code": code, "project": [projects[0].pk]}).status_code == 403  # no CSRF token
    response = _post_with_token(phone, url, {"code": code, "project": [projects[0].pk, projects[2].pk]})
    assert response.status_code == 302
    assert "Votre vote est enregistré" in phone.get(response["Location"]).content.decode()

    ballot = Ballot.objects.get(budget=budget)
    assert ballot.voter is None and ballot.voting_code.used_at is not None
    assert selectors.collected_ballots(budget=budget)[:2] == (
        [tuple(sorted((str(projects[0].pk), str(projects[2].pk))))],
        1,
    )
    # the ballot's choices are not keyed by anything an agent can read (same secrecy as an account's ballot)
    tokens = set(BallotChoice.objects.filter(budget=budget).values_list("ballot_token", flat=True))
    assert tokens.isdisjoint({code, VotingCode.objects.get().code_hash, str(ballot.pk)})

    # typing the code by hand works too, and the new ballot replaces the first one (until the vote closes)
    again = _post_with_token(
        phone, url, {"code": code.lower().replace("-", " "), "project": [projects[4].pk]}
    )
    assert again.status_code == 302
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert selectors.collected_ballots(budget=budget)[0] == [(str(projects[4].pk),)]


def test_a_refused_code_ballot_keeps_the_code_and_the_choices(client, voting_budget, agent_valbourg):
    budget, projects = voting_budget
    code, _address, _page = _printed_slip(client, budget, agent_valbourg)
    response = client.post(
        f"{BASE}/{budget.slug}/voter/code/", {"code": code, "project": [p.pk for p in projects]}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Trop de projets : 5 choisis, 3 au maximum." in page
    assert f'value="{code}"' in page and page.count("checked") == len(projects)
    assert not Ballot.objects.exists() and VotingCode.objects.get().used_at is None


def test_a_code_spent_on_an_account_does_not_vote_again(
    client, voting_budget, agent_valbourg, habitant_valbourg
):
    budget, projects = voting_budget
    code, _address, _page = _printed_slip(client, budget, agent_valbourg)
    services.voter_verify_with_code(commune=budget.commune, budget=budget, voter=habitant_valbourg, code=code)
    response = client.post(f"{BASE}/{budget.slug}/voter/code/", {"code": code, "project": [projects[0].pk]})
    assert response.status_code == 400
    assert "déjà servi à vérifier un compte" in _text(response)
    assert not Ballot.objects.exists()


def test_guessing_codes_locks_the_client_out(client, voting_budget, agent_valbourg):
    budget, projects = voting_budget
    code, _address, _page = _printed_slip(client, budget, agent_valbourg)
    url = f"{BASE}/{budget.slug}/voter/code/"
    for guess in ("AAAA-BBBB-CCCC", "AAAA-BBBB-CCCD", "AAAA-BBBB-CCCE", "AAAA-BBBB-CCCF", "AAAA-BBBB-CCCG"):
        wrong = client.post(url, {"code": guess, "project": [projects[0].pk]})
        assert "Ce code de vote est inconnu" in wrong.content.decode()
    locked = client.post(url, {"code": code, "project": [projects[0].pk]})
    assert locked.status_code == 400
    assert "Trop de codes erronés ont été saisis depuis cette connexion" in locked.content.decode()
    assert not Ballot.objects.exists()
    # another connection is not locked out
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(url, {"code": code, "project": [projects[0].pk]}).status_code == 302


def test_voting_with_a_code_after_the_close_is_refused(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="closed")
    projects = add_projects(budget, agent_valbourg)
    code = services.voting_codes_generate(commune=valbourg, budget=budget, actor=agent_valbourg, count=1)[0]
    response = client.post(f"{BASE}/{budget.slug}/voter/code/", {"code": code, "project": [projects[0].pk]})
    assert response.status_code == 400 and "Le vote n'est pas ouvert" in _text(response)


def test_the_vote_page_offers_the_code_to_anonymous_visitors(client, voting_budget, agent_valbourg):
    budget, _projects = voting_budget
    services.voting_codes_generate(commune=budget.commune, budget=budget, actor=agent_valbourg, count=1)
    page = client.get(f"{BASE}/{budget.slug}/voter/").content.decode()
    assert f'href="{BASE}/{budget.slug}/voter/code/"' in page and "Voter avec mon code" in page


# --------------------------------------------------------------------------------------------------------------
# 4. Blank and void paper ballots
# --------------------------------------------------------------------------------------------------------------


def test_blank_and_void_paper_ballots_count_in_the_turnout_not_in_the_result(
    client, voting_budget, agent_valbourg, second_agent, admin_valbourg
):
    budget, projects = voting_budget
    url = f"{BASE}/gestion/{budget.slug}/bulletins-papier/"
    for agent in (agent_valbourg, second_agent):
        client.force_login(agent)
        assert client.post(url, {"paper_number": "1", "kind": "blanc"}).status_code == 302
        assert client.post(url, {"paper_number": "2", "kind": "nul"}).status_code == 302
        assert (
            client.post(
                url, {"paper_number": "3", "kind": "valable", "project": [projects[1].pk]}
            ).status_code
            == 302
        )
    # a ballot breaking the rules is refused as valid, with the way out
    refused = client.post(url, {"paper_number": "4", "kind": "valable", "project": [p.pk for p in projects]})
    assert refused.status_code == 400
    assert "enregistrez-le comme nul" in refused.content.decode()
    assert 'value="4"' in refused.content.decode()  # what was typed is kept
    page = _text(client.get(url))
    assert "3 bulletins saisis deux fois à l'identique" in page and "Dont blancs : 1, nuls : 1" in page

    budget = services.budget_close_and_count(commune=budget.commune, budget=budget, actor=admin_valbourg)
    assert (budget.results["num_voters"], budget.results["num_paper"]) == (1, 1)
    assert (budget.results["num_paper_blank"], budget.results["num_paper_void"]) == (1, 1)
    assert budget.results["projects"][str(projects[1].pk)]["votes"] == 1
    results = _text(client.get(f"{BASE}/{budget.slug}/resultats/"))
    assert "Bulletins papier blancs : 1 ; nuls : 1." in results and "participation (3 votants)" in results
    # the pabulib file holds the votes only: still a valid instance, counted as the page says
    response = client.get(f"{BASE}/{budget.slug}/resultats.pb")
    pb = parse_pabulib_bytes(response.content)
    assert pb.meta["num_votes"] == "1" and len(pb.voters) == 1
    # after the count, the page stops offering entry
    after = client.get(url).content.decode()
    assert "ne peuvent plus être saisis" in after and 'name="paper_number"' not in after


def test_a_divergent_second_entry_is_announced_as_such(client, voting_budget, agent_valbourg, second_agent):
    budget, projects = voting_budget
    url = f"{BASE}/gestion/{budget.slug}/bulletins-papier/"
    client.force_login(agent_valbourg)
    first = client.post(url, {"paper_number": "5", "project": [projects[0].pk]}, follow=True)
    assert any("Il comptera quand un autre agent" in m for m in _messages(first))
    client.force_login(second_agent)
    second = client.post(url, {"paper_number": "5", "kind": "blanc"}, follow=True)
    [message] = list(second.context["messages"])
    assert message.level_tag == "warning"
    assert "votre saisie diffère de celle de" in str(message) and agent_valbourg.get_full_name() in str(
        message
    )
    assert "Saisies divergentes" in second.content.decode()
    client.force_login(agent_valbourg)
    agreed = client.post(url, {"paper_number": "5", "kind": "blanc"}, follow=True)
    assert any("les deux saisies concordent" in m for m in _messages(agreed))
    assert PaperBallotEntry.objects.filter(paper_number=5, kind="blanc").count() == 2


# --------------------------------------------------------------------------------------------------------------
# 8. Each project's outcome in words, with the figures that decided it
# --------------------------------------------------------------------------------------------------------------


def _count(budget, agent, admin, ballots):
    for i, chosen in enumerate(ballots):
        user = verified(budget, agent, member(budget.commune, "habitant", f"v{i}@valbourg.test"))
        services.ballot_cast(
            commune=budget.commune, budget=budget, voter=user, choices={p.pk: 1 for p in chosen}
        )
    return services.budget_close_and_count(commune=budget.commune, budget=budget, actor=admin)


def test_results_say_why_a_project_lost_with_its_figures(client, valbourg, agent_valbourg, admin_valbourg):
    budget = make_budget(valbourg, agent_valbourg, total_amount=10000, rule="greedy", max_choices=None)
    big, small, none = add_projects(
        budget, agent_valbourg, [("Kiosque", 9000), ("Bancs", 6000), ("Nichoirs", 1500)]
    )
    _count(budget, agent_valbourg, admin_valbourg, [[big, small]] * 3 + [[big]])
    page = _text(client.get(f"{BASE}/{budget.slug}/resultats/"))
    assert "Non retenu : il ne restait que 1 000 € pour un projet à 6 000 €." in page
    assert "Retenu : avec 4 voix, il tenait dans les 10 000 € qui restaient (coût : 9 000 €)." in page
    assert "Non retenu : personne ne l'a choisi." in page
    assert "3000,00" not in page and "part de chaque votant" not in page


def test_equal_shares_results_explain_the_method_once_in_plain_words(
    client, valbourg, agent_valbourg, admin_valbourg
):
    budget = make_budget(valbourg, agent_valbourg, total_amount=10000, max_choices=None)
    a, b, c = add_projects(budget, agent_valbourg, [("Verger", 6000), ("Fresque", 4000), ("Skatepark", 8000)])
    _count(budget, agent_valbourg, admin_valbourg, [[a]] * 6 + [[b]] * 3 + [[c]])
    page = _text(client.get(f"{BASE}/{budget.slug}/resultats/"))
    assert "Les mots de la méthode" in page and page.count("<dt>Part de chaque votant</dt>") == 1
    assert re.search(
        r"Part du budget de chaque votant : \d[\d ]*(,\d\d)? €", page
    )  # "1 334 €", not "1334.00"
    assert "Retenu : les 6 personnes qui l'ont choisi pouvaient payer ensemble ses 6 000 €" in page
    # the skatepark's only supporter could not pay for it with her share, and nothing was left anyway
    assert (
        "Non retenu : pas assez de soutiens pour être financé avec les parts de ses votants. La personne qui l'a "
        "choisi n'avait plus que 1 334 € de sa part pour un projet à 8 000 €. À la fin du calcul, il ne restait "
        "d'ailleurs plus rien à dépenser." in page
    )


# --------------------------------------------------------------------------------------------------------------
# 7. The élu follows the vote, read-only
# --------------------------------------------------------------------------------------------------------------


def test_the_elu_follows_turnout_and_state_from_the_agent_entry_point(
    client, voting_budget, agent_valbourg, second_agent, habitant_valbourg, elu_valbourg
):
    budget, projects = voting_budget
    verified(budget, agent_valbourg, habitant_valbourg)
    services.ballot_cast(
        commune=budget.commune, budget=budget, voter=habitant_valbourg, choices={projects[0].pk: 1}
    )
    code = services.voting_codes_generate(
        commune=budget.commune, budget=budget, actor=agent_valbourg, count=3
    )[0]
    services.ballot_cast_with_code(
        commune=budget.commune, budget=budget, code=code, choices={projects[1].pk: 1}
    )
    _enter(budget, agent_valbourg, 1, kind="blanc")
    _enter(budget, second_agent, 1, kind="blanc")
    _enter(budget, agent_valbourg, 2, {projects[0].pk: 1})
    client.force_login(elu_valbourg)
    index = client.get(f"{BASE}/gestion/")
    assert index.status_code == 200  # the agents' space card leads here
    follow_url = f"{BASE}/gestion/{budget.slug}/suivi-du-vote/"
    assert follow_url in index.content.decode()
    assert f'href="{BASE}/gestion/{budget.slug}/"' not in index.content.decode()
    page = _text(client.get(follow_url))
    # The lead and the table's total say the same figure; the paper ballot entered once is said apart.
    assert "3 bulletins comptent dans la participation à ce jour." in page
    assert re.search(r"avec un compte</th><td>1<", page) and re.search(r"code de vote seul</th><td>1<", page)
    assert "dont blancs : 1, nuls : 0" in page
    assert re.search(r"Total</th><td>3<", page)
    assert (
        "1 bulletin papier attend sa seconde saisie ou un rapprochement : il n'est pas encore dans ce total."
        in page
    )
    assert "3 codes imprimés, 1 utilisé : 1 pour voter directement" in page
    assert "Phase" in page and "vote" in page
    # read-only for the rest: every link offered opens
    for href in set(re.findall(rf'href="({BASE}/gestion/[^"]*)"', page)):
        assert client.get(href).status_code == 200, href
    assert client.get(f"{BASE}/gestion/{budget.slug}/").status_code == 403
    assert client.get(f"{BASE}/gestion/{budget.slug}/bulletins-papier/").status_code == 403


def test_recalculating_the_total_with_a_code_refuses_nothing_and_keeps_the_code(
    client, voting_budget, agent_valbourg
):
    """Asking for the total (no JavaScript) is not a vote: no « vote non enregistré », no missing-code error."""
    budget, projects = voting_budget
    code, _address, _page = _printed_slip(client, budget, agent_valbourg)
    url = f"{BASE}/{budget.slug}/voter/code/"
    response = client.post(url, {"project": [p.pk for p in projects], "action": "recalculer"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Total recalculé" in page and "Trop de projets" in page
    assert "pas enregistré" not in page and "Ce champ est obligatoire" not in page
    response = client.post(url, {"code": code, "project": [projects[0].pk], "action": "recalculer"})
    assert f'value="{code}"' in response.content.decode()
    assert not Ballot.objects.exists()
    response = client.post(url, {"code": "", "project": [projects[0].pk], "action": "voter"})
    page = response.content.decode()
    assert response.status_code == 400 and "Saisissez le code de vote" in page
    assert "Ce champ est obligatoire" not in page  # one error, said once
