"""One way to do each thing in budgeting (issue #10): one rule registry, one parser for `beffroi pb`, typed count
results stored in the same shape, the official count checked in exact arithmetic, French amounts, shared chart."""

import argparse
import dataclasses
import html

import pytest
from django.core.exceptions import ValidationError
from django.core.management import load_command_class

from beffroi.budgeting import cli, rules, selectors, services
from beffroi.budgeting.forms import BudgetForm, SubBudgetForm
from beffroi.budgeting.models import Budget, ProjectStatus
from beffroi.budgeting.pabulib import parse_pabulib_bytes
from beffroi.budgeting.results import BudgetCount
from beffroi.budgeting.rules import mes
from beffroi.core.models import AuditEntry
from tests.budgeting.conftest import add_projects, make_budget, verified
from tests.budgeting.test_vote_walk import _form_data
from tests.factories import member

BASE = "/valbourg/budget-participatif"

# The keys of `Budget.results` as stored before the count returned a dataclass (the API and exports read them).
STORED_KEYS = {
    "rule",
    "num_voters",
    "num_online",
    "num_paper",
    "num_paper_blank",
    "num_paper_void",
    "paper_set_aside",
    "winners",
    "total_cost",
    "greedy_winners",
    "greedy_total_cost",
    "share_with_funded",
    "greedy_share_with_funded",
    "endowments",
    "draw",
    "draw_seed",
    "draw_method",
    "draw_at",
    "tie_breaks",
    "projects",
    "groups",
    "leftover",
}
PROJECT_KEYS = {
    "id",
    "title",
    "cost",
    "group",
    "leftover",
    "votes",
    "score",
    "selected",
    "position",
    "reason",
    "reason_label",
    "effective_votes",
    "price",
    "supporters_money",
    "budget_left",
    "money_left",
    "greedy_selected",
    "greedy_reason_label",
}


def _command_parser() -> argparse.ArgumentParser:
    return load_command_class("beffroi.budgeting", "pb").create_parser("beffroi", "pb")


def _options(parser: argparse.ArgumentParser) -> dict[str, list[tuple]]:
    """Each sub-command's options: (flags or name, destination, choices, required, default)."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: sorted(
            (
                tuple(a.option_strings) or (a.dest,),
                a.dest,
                tuple(a.choices or ()),
                a.required,
                repr(a.default),
            )
            for a in action._actions
            if not isinstance(a, argparse._HelpAction)
        )
        for name, action in sub.choices.items()
    }


@pytest.fixture
def fake_rule():
    """A rule registered for the test only: greedy under another name, with its own pabulib name."""
    rule = rules.register(
        rules.CountingRule(
            "essai-registre",
            "règle d'essai",
            lambda election, tb, ef, verify: rules.greedy(election, tie_breaking=tb, rule="essai-registre"),
            pabulib="essai/registre",
            budget_label="règle d'essai du registre",
        )
    )
    yield rule
    rules.unregister(rule.name)


def _voted_budget(valbourg, agent, voter, **fields):
    budget = make_budget(valbourg, agent, **fields)
    projects = add_projects(budget, agent)
    verified(budget, agent, voter)
    services.ballot_cast(
        commune=valbourg, budget=budget, voter=voter, choices={projects[2].pk: 1, projects[4].pk: 1}
    )
    return budget, projects


def test_a_registered_rule_is_offered_everywhere_and_exported_under_its_pabulib_name(
    client, fake_rule, valbourg, agent_valbourg, admin_valbourg, habitant_valbourg
):
    assert dict(Budget._meta.get_field("rule").choices)["essai-registre"] == "règle d'essai du registre"
    assert "essai-registre" in dict(BudgetForm(commune=valbourg).fields["rule"].choices)
    for parser in (cli.build_parser(), _command_parser()):
        assert parser.parse_args(["count", "f.pb", "--rule", "essai-registre"]).rule == "essai-registre"
        args = ["import", "f.pb", "--commune", "valbourg", "--slug", "x", "--rule", "essai-registre"]
        assert parser.parse_args(args).rule == "essai-registre"
    budget, _projects = _voted_budget(valbourg, agent_valbourg, habitant_valbourg, rule="essai-registre")
    services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    exported = client.get(f"{BASE}/{budget.slug}/resultats.pb")
    assert exported.status_code == 200
    assert parse_pabulib_bytes(exported.content).meta["rule"] == "essai/registre"


def test_known_rules_keep_their_pabulib_names():
    assert rules.get_rule("mes-add1").pabulib_name == "equalshares/add1"
    assert rules.get_rule("greedy").pabulib_name == "greedy"
    assert rules.rule_for_pabulib("equalshares/add1") == "mes-add1"
    assert [r.name for r in rules.budget_rules()] == ["greedy", "mes-add1"]


def test_both_entries_of_beffroi_pb_accept_the_same_options():
    ours, django = _options(cli.build_parser()), _options(_command_parser())
    assert set(ours) == {"count", "import"}
    assert ours == django
    argv = ["count", "f.pb", "--rule", "mes", "--json", "--eligibility-factor", "3", "--verify"]
    parsed = [vars(p.parse_args(argv)) for p in (cli.build_parser(), _command_parser())]
    assert all(parsed[0].items() <= args.items() for args in parsed[1:])


def test_count_budget_returns_typed_results_stored_in_the_same_shape(
    valbourg, agent_valbourg, admin_valbourg, habitant_valbourg
):
    budget, projects = _voted_budget(valbourg, agent_valbourg, habitant_valbourg)
    results = services.count_budget(budget, seed="0" * 32)
    assert isinstance(results, BudgetCount)
    assert results.winners and results.num_voters == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        results.rule = "greedy"  # type: ignore[misc]
    assert BudgetCount.from_json(results.to_json()) == results
    budget = services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    assert set(budget.results) == STORED_KEYS
    assert set(budget.results["projects"][str(projects[2].pk)]) == PROJECT_KEYS
    assert budget.count_results == BudgetCount.from_json(budget.results)


def test_results_stored_before_a_key_existed_still_read():
    old = {
        "rule": "greedy",
        "num_voters": 2,
        "winners": ["1"],
        "total_cost": 10,
        "projects": {"1": {"id": "1", "title": "Banc", "cost": 10, "votes": 2, "score": 2, "selected": True}},
    }
    results = BudgetCount.from_json(old)
    assert results.num_online == 2 and results.num_paper_blank == 0 and results.leftover is None
    assert results.projects["1"].money_left is None and results.projects["1"].group == ""


def _break_the_fast_engine(monkeypatch):
    """The fast engine reports its winners in the wrong order (same projects, same cost, so the Add1 completion
    ends as usual): the exact recount no longer agrees with it."""
    run = mes.Engine.run

    def wrong(self, endowment):
        result = run(self, endowment)
        if len(result.winners) > 1:
            result.winners, result.prices = result.winners[::-1], result.prices[::-1]
        return result

    monkeypatch.setattr(mes.Engine, "run", wrong)


def test_an_official_count_the_exact_check_contradicts_is_refused_audited_and_publishes_nothing(
    client, monkeypatch, valbourg, agent_valbourg, admin_valbourg, habitant_valbourg
):
    budget, projects = _voted_budget(valbourg, agent_valbourg, habitant_valbourg, rule="mes-add1")
    _break_the_fast_engine(monkeypatch)
    with pytest.raises(ValidationError) as refused:
        services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    assert "arithmétique exacte" in refused.value.messages[0]
    stored = Budget.objects.get(pk=budget.pk)
    assert stored.results is None and stored.counted_at is None
    assert {p.status for p in stored.projects.all()} == {ProjectStatus.FEASIBLE}
    entry = AuditEntry.objects.get(action="budget.count.refused", object_id=str(budget.pk))
    assert entry.data["rule"] == "mes-add1"
    client.force_login(admin_valbourg)
    page = client.post(f"{BASE}/gestion/{budget.slug}/depouiller/")
    assert page.status_code == 400
    assert "recomptage de contrôle" in page.content.decode()
    monkeypatch.undo()
    counted = services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    assert counted.results is not None and str(projects[2].pk) in counted.results["winners"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("150 000", 150000), ("150\u202f000", 150000), ("150000", 150000)],
)
def test_the_budget_amount_is_read_the_french_way(client, voting_budget, agent_valbourg, typed, stored):
    budget, _projects = voting_budget
    client.force_login(agent_valbourg)
    response = client.post(f"{BASE}/gestion/{budget.slug}/modifier/", _form_data(budget, total_amount=typed))
    assert response.status_code == 302
    assert Budget.objects.get(pk=budget.pk).total_amount == stored


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("1_000", "n'est pas un nombre"),
        ("1e3", "sans puissance de dix"),
        ("€100", "sans le symbole €"),
        ("1.000.000", "est ambigu"),
        ("１０００", "chiffres 0 à 9"),
        ("1 000,50", "sans centimes"),
    ],
)
def test_an_amount_not_written_the_french_way_is_refused_in_french_and_kept(
    client, voting_budget, agent_valbourg, typed, error
):
    budget, _projects = voting_budget
    client.force_login(agent_valbourg)
    response = client.post(
        f"{BASE}/gestion/{budget.slug}/modifier/",
        _form_data(budget, total_amount=typed, title="Titre tapé avant l'erreur"),
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert error in page and "Titre tapé avant l'erreur" in page
    assert Budget.objects.get(pk=budget.pk).total_amount == 100000


def test_envelope_amounts_are_read_the_french_way(valbourg):
    form = SubBudgetForm({"name": "Nord", "amount": "20 000"})
    assert form.is_valid() and form.cleaned_data["amount"] == 20000
    for typed in ("20_000", "2e4", "€20000", "20.000", "２００００"):
        form = SubBudgetForm({"name": "Nord", "amount": typed})
        assert not form.is_valid() and "amount" in form.errors


def test_envelope_page_keeps_what_was_typed_when_the_amount_is_refused(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    client.force_login(agent_valbourg)
    response = client.post(
        f"{BASE}/gestion/{budget.slug}/enveloppes/", {"name": "Quartier nord", "amount": "1e4"}
    )
    assert response.status_code == 400
    assert "Quartier nord" in response.content.decode()
    ok = client.post(
        f"{BASE}/gestion/{budget.slug}/enveloppes/", {"name": "Quartier nord", "amount": "10 000"}
    )
    assert ok.status_code == 302
    assert [(s.name, s.amount) for s in selectors.sub_budget_list(budget=budget)] == [
        ("Quartier nord", 10000)
    ]


def test_results_chart_is_the_shared_bar_chart_with_its_table(
    client, valbourg, agent_valbourg, admin_valbourg, habitant_valbourg
):
    budget, projects = _voted_budget(valbourg, agent_valbourg, habitant_valbourg)
    other = member(valbourg, "habitant", email="autre@exemple.fr")
    verified(budget, agent_valbourg, other)
    services.ballot_cast(commune=valbourg, budget=budget, voter=other, choices={projects[2].pk: 1})
    services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    page = client.get(f"{BASE}/{budget.slug}/resultats/").content.decode()
    assert 'class="chart chart-bar"' in page and 'class="chart-table"' in page
    assert f"{projects[2].title} (lauréat)" in page
    assert "pb-bar-won" not in page
