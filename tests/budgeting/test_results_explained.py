"""The results page as a resident, then an élu, reads it: the method in plain words with the technical material in
its own « Pour vérifier le résultat » section, why each project was not funded, where the unspent money went, and
a comparison with a vote by most votes that shows only what differs (never « 100 % contre 100 % »)."""

import html
import random
import re

import pytest

from beffroi.budgeting import demo
from beffroi.budgeting.results import (
    BudgetCount,
    funded_voters,
    greedy_comparison,
    unspent_money,
    why_not_funded,
)
from tests.budgeting.conftest import add_projects, make_budget
from tests.budgeting.test_vote_walk import _count

BASE = "/valbourg/budget-participatif"
JARGON = ("add1", "glouton", "graine", "pabulib", "pb count", "seed")
VERIFY = re.compile(r'<section class="pb-check" aria-labelledby="titre-verifier">.*?</section>', re.S)


def _read(page: str) -> str:
    """The page as a reader sees it: entities decoded, no-break spaces read as spaces."""
    return html.unescape(page).replace("\u202f", " ").replace("\xa0", " ")


def _split(page: str) -> tuple[str, str]:
    """(the page without its verification section, the verification section)."""
    found = VERIFY.search(page)
    assert found, "the results page has no « Pour vérifier le résultat » section"
    return page[: found.start()] + page[found.end() :], found.group(0)


def _outcomes(page: str) -> dict[str, str]:
    """Each project's sentence in « Pourquoi chaque projet est retenu ou non », by title."""
    block = re.search(r'<ul class="pb-outcomes">(.*?)</ul>', page, re.S)
    assert block
    return {
        title: re.sub(r"\s+", " ", sentence).strip()
        for title, sentence in re.findall(
            r"<li><strong>(.*?)</strong>.*?<p class=\"pb-outcome\">(.*?)</p></li>", block.group(1), re.S
        )
    }


def _comparison_rows(page: str) -> list[tuple[str, str, str]]:
    table = re.search(r'<caption id="titre-ecarts">.*?<tbody>(.*?)</tbody>', page, re.S)
    if not table:
        return []
    return re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td><td>(.*?)</td>', table.group(1))


# --------------------------------------------------------------------------------------------------------------
# The demo's counted budget, as the resident who reported the jargon walked it
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def demo_results(client, valbourg, agent_valbourg, admin_valbourg):
    # the 2025 budget with the volumes of a syndicat's commune (quick to load): envelopes, leftover completion
    demo._load_finished(
        valbourg,
        agent_valbourg,
        admin_valbourg,
        random.Random(2025),
        online=0,
        code_only=40,
        paper=4,
        bulk=True,
    )
    return _read(client.get(f"{BASE}/bp-2025/resultats/").content.decode())


def test_the_demo_results_speak_plain_french_and_keep_the_technical_words_for_checking(demo_results):
    page, verification = _split(demo_results)
    lowered = page.lower()
    assert [word for word in JARGON if word in lowered] == []
    # the method in two sentences, its completion step in words
    assert "Méthode des parts égales : le budget est partagé en parts égales entre les votants" in page
    assert "le budget restant est réparti à nouveau entre les votants" in page
    # the technical material, each piece explained in a sentence
    assert "Pour vérifier le résultat" in verification
    assert "Le fichier au format pabulib, un format ouvert utilisé par les chercheurs" in verification
    assert "beffroi pb count valbourg_bp-2025.pb --rule mes-add1" in verification
    assert "la « graine » : avec elle, chacun peut refaire le tirage" in verification


def test_the_demo_results_say_why_each_project_lost_and_where_the_money_went(demo_results):
    outcomes = _outcomes(demo_results)
    lost = {title: sentence for title, sentence in outcomes.items() if sentence.startswith("Non retenu")}
    assert lost, "the demo budget funds every project: nothing to explain"
    for title, sentence in lost.items():
        # a cause, never a bare « Non retenu » or the count's code
        assert re.match(r"Non retenu : \S", sentence), (title, sentence)
    spent, amount = (
        int(re.sub(r"\D", "", figure))
        for figure in re.search(r"Coût total : ([\d ]+) € sur ([\d ]+) €\.", demo_results).groups()
    )
    if spent < amount:
        unspent = f"{amount - spent:,}".replace(",", " ")
        assert re.search(rf"{unspent} € n'ont pas été attribués à des projets\. \S", demo_results)


# --------------------------------------------------------------------------------------------------------------
# Why a project lost, the unspent money, the comparison: counted budgets with known outcomes
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["mes-add1", "greedy"])
def test_no_jargon_outside_the_verification_section_whatever_the_rule(
    client, valbourg, agent_valbourg, admin_valbourg, rule
):
    budget = make_budget(valbourg, agent_valbourg, total_amount=100000, max_choices=None, rule=rule)
    a, b, c = add_projects(budget, agent_valbourg, [("Halle", 50000), ("Verger", 60000), ("Fresque", 40000)])
    _count(budget, agent_valbourg, admin_valbourg, [[a, b]] * 3 + [[a, b, c]] * 5)
    page, verification = _split(_read(client.get(f"{BASE}/{budget.slug}/resultats/").content.decode()))
    assert [word for word in JARGON if word in page.lower()] == []
    assert f"--rule {rule}" in verification
    if rule == "greedy":
        assert (
            "Vote à la majorité des voix, projet par projet : les projets sont retenus du plus voté" in page
        )


def test_money_left_unspent_and_an_equal_comparison_are_explained(
    client, valbourg, agent_valbourg, admin_valbourg
):
    # 8 voters want the hall and the orchard, 5 of them the fresco too. Equal shares fund the hall only: the
    # orchard no longer fits, the fresco's 5 supporters cannot pay for it. A vote by most votes funds the fresco.
    budget = make_budget(valbourg, agent_valbourg, total_amount=100000, max_choices=None)
    a, b, c = add_projects(budget, agent_valbourg, [("Halle", 50000), ("Verger", 60000), ("Fresque", 40000)])
    _count(budget, agent_valbourg, admin_valbourg, [[a, b]] * 3 + [[a, b, c]] * 5)
    page = _read(client.get(f"{BASE}/{budget.slug}/resultats/").content.decode())
    outcomes = _outcomes(page)
    assert re.fullmatch(
        r"Non retenu : pas assez de soutiens pour être financé avec les parts de ses votants\. Ses 5 soutiens "
        r"n'avaient plus, à eux tous, que [\d ]+ € de leurs parts pour un projet à 40 000 €\.",
        outcomes["Fresque"],
    ), outcomes["Fresque"]
    assert outcomes["Verger"].endswith(
        "À la fin du calcul, il ne restait d'ailleurs que 50 000 € à dépenser."
    )
    assert (
        "Coût total : 50 000 € sur 100 000 €. 50 000 € n'ont pas été attribués à des projets. « Fresque » tenait "
        "dans l'argent qui restait, mais n'avait pas assez de soutiens pour être payé avec les parts de ses "
        "votants." in page
    )
    # every voter has a funded project either way: said once, not shown as « 8 sur 8 » beside « 8 sur 8 »
    rows = _comparison_rows(page)
    assert rows == [
        ("Montant attribué à des projets", "50 000 €", "90 000 €"),
        ("Projets retenus", "1", "2"),
    ]
    assert "Dans les deux cas, tous les votants ont au moins un de leurs projets retenus." in page
    assert " contre " not in page
    assert "Elle aurait retenu ce projet, que la méthode des parts égales n'a pas retenu :" in page


def test_the_comparison_shows_the_voters_left_out_and_says_what_is_equal(
    client, valbourg, agent_valbourg, admin_valbourg
):
    # 6 voters want the A halls, 4 the B orchards, all at 30 000 €: a vote by most votes funds the three halls and
    # leaves the 4 others with nothing; equal shares fund two halls and an orchard. Same money, same number.
    budget = make_budget(valbourg, agent_valbourg, max_choices=None)
    specs = [
        ("Halle A1", 30000),
        ("Halle A2", 30000),
        ("Halle A3", 30000),
        ("Verger B1", 30000),
        ("Verger B2", 30000),
    ]
    a1, a2, a3, b1, b2 = add_projects(budget, agent_valbourg, specs)
    _count(budget, agent_valbourg, admin_valbourg, [[a1, a2, a3]] * 6 + [[b1, b2]] * 4)
    page = _read(client.get(f"{BASE}/{budget.slug}/resultats/").content.decode())
    assert _comparison_rows(page) == [
        ("Votants ayant au moins un de leurs projets retenus", "10 sur 10", "6 sur 10")
    ]
    assert "Dans les deux cas, 90 000 € sont attribués à des projets." in page
    assert "Dans les deux cas, 3 projets sont retenus." in page
    assert "Tous les votants ont au moins un projet retenu parmi ceux qu'ils ont choisis." in page
    # the 10 000 € left: no project left costs so little
    assert (
        "10 000 € n'ont pas été attribués à des projets. Aucun projet restant ne tenait dans ce montant : le moins "
        "cher des projets non retenus coûte 30 000 €." in page
    )


def test_a_greedy_budget_says_a_project_came_too_late_for_the_money(
    client, valbourg, agent_valbourg, admin_valbourg
):
    budget = make_budget(valbourg, agent_valbourg, total_amount=10000, rule="greedy", max_choices=None)
    big, small, none = add_projects(
        budget, agent_valbourg, [("Kiosque", 9000), ("Bancs", 6000), ("Nichoirs", 1500)]
    )
    _count(budget, agent_valbourg, admin_valbourg, [[big, small]] * 3 + [[big]])
    page = _read(client.get(f"{BASE}/{budget.slug}/resultats/").content.decode())
    outcomes = _outcomes(page)
    assert outcomes["Bancs"] == "Non retenu : il ne restait que 1 000 € pour un projet à 6 000 €."
    assert outcomes["Nichoirs"] == "Non retenu : personne ne l'a choisi."
    assert "titre-comparaison" not in page  # nothing to compare a vote by most votes with
    assert (
        "1 000 € n'ont pas été attribués à des projets. Aucun projet restant ne tenait dans ce montant : le moins "
        "cher des projets non retenus coûte 1 500 €." in page
    )


# --------------------------------------------------------------------------------------------------------------
# The pure functions behind those sentences (results.py), on hand-made results
# --------------------------------------------------------------------------------------------------------------


def _project(pid, cost, votes, *, selected=False, reason="", group="", **figures):
    return {
        "id": pid,
        "title": f"Projet {pid}",
        "cost": cost,
        "group": group,
        "votes": votes,
        "score": votes,
        "selected": selected,
        "reason": reason,
        **figures,
    }


def _results(projects, *, rule="mes-add1", num_voters=10, groups=None, leftover=None, **fields):
    winners = [p["id"] for p in projects if p["selected"]]
    return BudgetCount.from_json(
        {
            "rule": rule,
            "num_voters": num_voters,
            "winners": winners,
            "total_cost": sum(p["cost"] for p in projects if p["selected"]),
            "projects": {p["id"]: p for p in projects},
            "groups": groups or [],
            "leftover": leftover,
            **fields,
        }
    )


def test_why_not_funded_names_the_cause_and_whether_the_money_left_was_short():
    data = _results(
        [
            _project("1", 6000, 6, selected=True, reason="selected_mes", money_left=4000),
            _project("2", 3000, 3, reason="not_affordable", supporters_money=2100, money_left=4000),
            _project("3", 5000, 2, reason="not_affordable", supporters_money=1400, money_left=4000),
            _project("4", 1000, 0, reason="no_support"),
            _project("5", 9000, 4, reason="over_budget", money_left=1000),
        ]
    )
    assert why_not_funded(data.projects["1"], data) is None
    shares = why_not_funded(data.projects["2"], data)
    assert (shares.cause, shares.money_left, shares.money_short, shares.from_leftover) == (
        "shares",
        4000,
        False,
        False,
    )
    assert why_not_funded(data.projects["3"], data).money_short  # 4 000 € left for 5 000 €
    assert why_not_funded(data.projects["4"], data).cause == "no_support"
    assert why_not_funded(data.projects["5"], data).cause == "budget"


def test_why_not_funded_in_results_stored_before_money_left_was_kept():
    data = _results(
        [_project("1", 5000, 2, reason="not_affordable"), _project("2", 1000, 5, selected=True)],
        groups=[{"name": "", "amount": 3000, "winners": ["2"], "total_cost": 1000}],
    )
    why = why_not_funded(data.projects["1"], data)
    assert (why.money_left, why.money_short) == (2000, True)  # what the budget had left at the end


def test_unspent_money_when_no_project_left_fits():
    data = _results(
        [_project("1", 70000, 9, selected=True), _project("2", 48000, 5, reason="not_affordable")],
    )
    unspent = unspent_money(data, 100000)
    assert (unspent.amount, unspent.cheapest_unfunded, unspent.fitting) == (30000, 48000, ())
    assert not unspent.kept_in_envelopes and not unspent.unassigned


def test_unspent_money_names_the_projects_that_fitted_but_were_not_paid_for():
    data = _results(
        [
            _project("1", 50000, 8, selected=True),
            _project("2", 60000, 8, reason="not_affordable"),
            _project("3", 40000, 5, reason="not_affordable"),
        ]
    )
    assert unspent_money(data, 100000).fitting == ("3",)


def test_unspent_money_after_the_leftover_completion_is_what_it_left():
    data = _results(
        [
            _project("1", 30000, 9, selected=True, group="Nord"),
            _project("2", 20000, 6, selected=True, group="Sud", leftover=True),
            _project("3", 35000, 5, reason="not_affordable", group="Sud"),
        ],
        groups=[
            {"name": "Nord", "amount": 40000, "winners": ["1"], "total_cost": 30000},
            {"name": "Sud", "amount": 40000, "winners": [], "total_cost": 0},
        ],
        leftover={"amount": 50000, "winners": ["2"], "total_cost": 20000},
    )
    unspent = unspent_money(data, 80000)
    # the envelopes left 50 000 €, the leftover completion funded project 2, project 3 no longer fits: the money is
    # one pot, not kept by the envelopes (Sud's 40 000 € would have fitted project 3)
    assert (unspent.amount, unspent.cheapest_unfunded, unspent.fitting) == (30000, 35000, ())
    assert not unspent.kept_in_envelopes


def test_unspent_money_kept_in_envelopes_and_given_to_none():
    data = _results(
        [
            _project("1", 30000, 9, selected=True, group="Nord"),
            _project("2", 15000, 3, reason="not_affordable", group="Nord"),
            _project("3", 35000, 6, selected=True, group="Sud"),
        ],
        groups=[
            {"name": "Nord", "amount": 40000, "winners": ["1"], "total_cost": 30000},
            {"name": "Sud", "amount": 40000, "winners": ["3"], "total_cost": 35000},
        ],
    )
    unspent = unspent_money(data, 100000)
    # 35 000 € unspent: 10 000 € kept by Nord (project 2 costs more), 5 000 € by Sud, 20 000 € in no envelope
    assert (unspent.amount, unspent.cheapest_unfunded, unspent.fitting) == (35000, 15000, ())
    assert unspent.kept_in_envelopes and unspent.unassigned == 20000


def test_unspent_money_with_every_project_funded_or_none_left():
    every = _results([_project("1", 10000, 3, selected=True)])
    assert unspent_money(every, 12000).cheapest_unfunded is None
    assert unspent_money(every, 10000).amount == 0


def test_the_comparison_separates_equal_figures_from_different_ones():
    data = _results(
        [
            _project("1", 30000, 6, selected=True),
            _project("2", 30000, 6, selected=True),
            _project("3", 30000, 6),
            _project("4", 30000, 4, selected=True),
        ],
        greedy_winners=["1", "2", "3"],
        greedy_total_cost=90000,
        share_with_funded=1.0,
        greedy_share_with_funded=0.6,
    )
    comparison = greedy_comparison(data)
    assert [(f.name, f.official, f.greedy) for f in comparison.different] == [("voters_with_funded", 10, 6)]
    assert [f.name for f in comparison.equal] == ["total_cost", "num_winners"]
    assert (comparison.only_official, comparison.only_greedy) == (("4",), ("3",))
    assert not comparison.same_winners


def test_funded_voters_are_counted_not_rounded_to_a_percentage():
    # 344 of 345 voters: 99.71 %, which a page rounding to the percent showed as « 100 % contre 100 % »
    data = _results([], num_voters=345, share_with_funded=0.9971, greedy_share_with_funded=1.0)
    assert funded_voters(data) == (344, 345)
    assert greedy_comparison(data).different[0].name == "voters_with_funded"
