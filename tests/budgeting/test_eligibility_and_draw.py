"""Eligibility a small commune can trust (codes for eligible residents only, counter checks recorded, no vote
without verification), and the public page of the tie-breaking draw."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from beffroi.budgeting import services
from beffroi.budgeting.models import VoterVerification
from beffroi.core.models import AuditEntry
from tests.budgeting.conftest import add_projects, make_budget
from tests.factories import member

BASE = "/valbourg/budget-participatif"


def test_a_minimum_age_requires_verified_voters(valbourg, agent_valbourg):
    with pytest.raises(ValidationError) as exc:
        make_budget(valbourg, agent_valbourg, min_age=16, voter_verification=False)
    assert "âge minimum ne peut être garanti" in exc.value.message_dict["voter_verification"][0]


def test_without_code_or_counter_check_a_resident_cannot_vote(valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, min_age=16)
    projects = add_projects(budget, agent_valbourg)
    with pytest.raises(ValidationError, match="code de vote ou faites-vous vérifier"):
        services.ballot_cast(
            commune=valbourg,
            budget=budget,
            voter=habitant_valbourg,
            choices={projects[0].pk: 1},
            attested=True,
        )


def test_counter_check_must_cover_identity_residence_and_age_and_is_audited(
    valbourg, agent_valbourg, habitant_valbourg
):
    budget = make_budget(valbourg, agent_valbourg, min_age=16)
    with pytest.raises(ValidationError, match="l'âge \\(au moins 16 ans\\)"):
        services.voter_verify_at_counter(
            commune=valbourg,
            budget=budget,
            actor=agent_valbourg,
            voter=habitant_valbourg,
            checks=["identite", "domicile"],
        )
    assert not VoterVerification.objects.exists()
    services.voter_verify_at_counter(
        commune=valbourg,
        budget=budget,
        actor=agent_valbourg,
        voter=habitant_valbourg,
        checks=["identite", "domicile", "age"],
    )
    verification = VoterVerification.objects.get(budget=budget, voter=habitant_valbourg)
    assert (
        verification.checks == ["age", "domicile", "identite"] and verification.verified_by == agent_valbourg
    )
    entry = AuditEntry.objects.get(action="budget.voter.verify")
    assert entry.data == {"checks": ["age", "domicile", "identite"], "min_age": 16}
    assert entry.channel == "guichet"


def test_codes_for_an_age_limited_budget_need_the_agents_undertaking(valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, min_age=16)
    with pytest.raises(ValidationError, match="16 ans et plus"):
        services.voting_codes_generate(commune=valbourg, budget=budget, actor=agent_valbourg, count=3)
    codes = services.voting_codes_generate(
        commune=valbourg, budget=budget, actor=agent_valbourg, count=3, eligible_only=True
    )
    assert len(codes) == 3
    assert AuditEntry.objects.get(action="budget.codes.generate").data == {
        "eligible_only": True,
        "min_age": 16,
    }


def test_counter_page_refuses_an_unchecked_age(client, valbourg, agent_valbourg, habitant_valbourg):
    budget = make_budget(valbourg, agent_valbourg, min_age=16)
    client.force_login(agent_valbourg)
    page = client.get(f"{BASE}/gestion/{budget.slug}/").content.decode()
    assert "au moins 16 ans" in page
    response = client.post(
        f"{BASE}/gestion/{budget.slug}/guichet/",
        {"email": habitant_valbourg.email, "identite": "on", "domicile": "on"},
        follow=True,
    )
    assert "Vérifiez et cochez aussi" in response.content.decode()
    assert not VoterVerification.objects.exists()


def test_self_declared_voting_when_the_budget_does_not_verify(
    client, valbourg, agent_valbourg, habitant_valbourg
):
    budget = make_budget(valbourg, agent_valbourg, voter_verification=False)
    projects = add_projects(budget, agent_valbourg)
    with pytest.raises(ValidationError, match="Attestez"):
        services.ballot_cast(
            commune=valbourg,
            budget=budget,
            voter=habitant_valbourg,
            choices={projects[0].pk: 1},
            attested=False,
        )
    client.force_login(habitant_valbourg)
    assert "J'atteste sur l'honneur" in client.get(f"{BASE}/{budget.slug}/voter/").content.decode()
    response = client.post(f"{BASE}/{budget.slug}/voter/", {"project": [projects[0].pk], "attestation": "1"})
    assert response.status_code == 302


# -- the draw ------------------------------------------------------------------------------------------------------


def test_draw_page_shows_seed_method_order_and_decided_ties(client, valbourg, agent_valbourg, admin_valbourg):
    budget = make_budget(valbourg, agent_valbourg, max_choices=None, total_amount=30000, rule="greedy")
    a, b = add_projects(budget, agent_valbourg, [("Banc nord", 20000), ("Banc sud", 20000)])
    for i in range(2):
        user = member(valbourg, "habitant", f"t{i}@valbourg.test")
        services.voter_verify_at_counter(
            commune=valbourg, budget=budget, actor=agent_valbourg, voter=user, checks=["identite", "domicile"]
        )
        services.ballot_cast(commune=valbourg, budget=budget, voter=user, choices={a.pk: 1, b.pk: 1})
    budget = services.budget_close_and_count(commune=valbourg, budget=budget, actor=admin_valbourg)
    results = budget.results
    seed = results["draw_seed"]
    # anyone can recompute the order from the published seed
    expected = sorted(
        [str(a.pk), str(b.pk)], key=lambda pid: hashlib.sha256(f"{seed}:{pid}".encode()).hexdigest()
    )
    assert results["draw"] == expected
    assert results["winners"] == [expected[0]]
    drawn = [t for t in results["tie_breaks"] if t["criterion"] == "draw"]
    assert drawn and drawn[0]["chosen"] == expected[0]
    assert "tirage au sort" in client.get(f"{BASE}/{budget.slug}/resultats/").content.decode()
    page = client.get(f"{BASE}/{budget.slug}/resultats/tirage/").content.decode()
    assert seed in page
    assert hashlib.sha256(f"{seed}:{expected[0]}".encode()).hexdigest() in page
    assert "SHA-256" in page and "Banc nord" in page and "Banc sud" in page
    assert page.index("Départagés par") < page.index("tirage au sort", page.index("Départagés par"))


def test_draw_page_is_not_public_before_the_results(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg)
    assert client.get(f"{BASE}/{budget.slug}/resultats/tirage/").status_code == 404
    assert client.get(f"/hautmesnil/budget-participatif/{budget.slug}/resultats/tirage/").status_code == 404
