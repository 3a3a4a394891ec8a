"""Proposals as residents, agents and élus use them: filing (account or counter), one support per person and
withdrawing it, the threshold and the answer owed, the élus' overdue list, comments and their moderation,
merging without double supports; another commune's agent refused."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from beffroi.core.guards import NotOwned
from beffroi.core.models import AuditEntry
from beffroi.participation import selectors, services
from beffroi.participation.models import Proposal, Support
from tests.factories import member

BASE = "/valbourg/participation"


@pytest.fixture
def rules(valbourg, admin_valbourg):
    return services.proposal_rules_set(
        commune=valbourg, actor=admin_valbourg, support_threshold=3, support_days=30, answer_days=10
    )


def residents(commune, n):
    return [member(commune, "habitant", f"voisin{i}@valbourg.test") for i in range(n)]


def test_a_resident_files_a_proposal_and_others_support_it_once(client, valbourg, habitant_valbourg, rules):
    assert client.get(f"{BASE}/propositions/deposer/").status_code == 302  # login first
    client.force_login(habitant_valbourg)
    response = client.post(
        f"{BASE}/propositions/deposer/",
        {"title": "Un composteur partagé", "body": "Près de la salle des fêtes."},
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.threshold == 3 and proposal.answer_days == 10

    url = f"{BASE}/propositions/{proposal.pk}/soutien/"
    assert "1 soutien sur les 3" in client.post(url, {"action": "soutenir"}, follow=True).content.decode()
    again = client.post(url, {"action": "soutenir"}, follow=True).content.decode()
    assert "Vous soutenez déjà cette proposition" in again
    assert Support.objects.count() == 1
    withdrawn = client.post(url, {"action": "retirer"}, follow=True).content.decode()
    assert "Votre soutien est retiré." in withdrawn and Support.objects.count() == 0


def test_the_landing_page_counts_every_proposal_waiting_and_lists_the_ten_due_first(
    client, valbourg, habitant_valbourg, rules
):
    now = timezone.now()
    for n in range(12):
        proposal = services.proposal_submit(
            commune=valbourg, author=habitant_valbourg, title=f"Proposition {n:02d}", body="Au parc."
        )
        # past the threshold: the three oldest are late
        Proposal.objects.filter(pk=proposal.pk).update(
            threshold_reached_at=now - timedelta(days=20), answer_due_at=now + timedelta(days=n - 3, hours=12)
        )
    client.force_login(member(valbourg, "elu", "elu@valbourg.test"))
    landing = client.get("/valbourg/mon-espace/").content.decode()
    assert "12 propositions attendent la réponse de la commune, dont 3 en retard." in landing
    assert "Proposition 00" in landing and "Proposition 09" in landing and "Proposition 10" not in landing
    assert landing.count("réponse en retard") == 3 and f"{BASE}/gestion/propositions/en-retard/" in landing


def test_reaching_the_threshold_owes_an_answer_and_the_elu_sees_it_overdue(
    client, valbourg, habitant_valbourg, rules, admin_valbourg
):
    elu = member(valbourg, "elu", "elu@valbourg.test")
    proposal = services.proposal_submit(
        commune=valbourg, author=habitant_valbourg, title="Des bancs", body="Au parc."
    )
    for person in residents(valbourg, 3):
        services.support_add(commune=valbourg, proposal=proposal, person=person)
    proposal.refresh_from_db()
    assert proposal.threshold_reached_at is not None
    assert proposal.answer_due_at.date() == (proposal.threshold_reached_at + timedelta(days=10)).date()

    client.force_login(elu)
    page = client.get(f"{BASE}/gestion/propositions/en-retard/").content.decode()
    assert "Aucune réponse en retard." in page and "Des bancs" in page  # owed, not late yet

    landing = client.get("/valbourg/mon-espace/").content.decode()
    assert "Propositions des habitants" in landing and "Des bancs" in landing and "en retard" not in landing

    Proposal.objects.filter(pk=proposal.pk).update(answer_due_at=timezone.now() - timedelta(days=2))
    page = client.get(f"{BASE}/gestion/propositions/en-retard/").content.decode()
    assert "Des bancs" in page and "en retard de 2" in page
    # the élu's landing page (« Mon espace ») says it too, and leads to the late answers
    landing = client.get("/valbourg/mon-espace/").content.decode()
    assert "dont 1 en retard" in landing and "réponse en retard" in landing
    assert f"{BASE}/gestion/propositions/en-retard/" in landing
    assert (
        "attend la réponse de la commune au-delà du délai" in client.get(f"{BASE}/gestion/").content.decode()
    )

    refused = client.post(
        f"{BASE}/gestion/propositions/{proposal.pk}/",
        {"action": "repondre", "decision": "acceptee", "answer": "Oui, trois bancs.", "followup": ""},
    )
    assert refused.status_code == 400 and "Dites ce qui va suivre" in refused.content.decode()
    client.post(
        f"{BASE}/gestion/propositions/{proposal.pk}/",
        {
            "action": "repondre",
            "decision": "acceptee",
            "answer": "Oui, trois bancs.",
            "followup": "Les services techniques les posent en mai.",
        },
    )
    assert (
        "Aucune réponse en retard." in client.get(f"{BASE}/gestion/propositions/en-retard/").content.decode()
    )
    public = client.get(f"{BASE}/propositions/{proposal.pk}/").content.decode()
    assert "Réponse de la commune" in public and "posent en mai" in public
    assert AuditEntry.objects.filter(action="proposal.answer").exists()


def test_only_elus_answer_and_a_refusal_needs_its_reason(valbourg, agent_valbourg, habitant_valbourg, rules):
    elu = member(valbourg, "elu", "elu@valbourg.test")
    proposal = services.proposal_submit(commune=valbourg, author=habitant_valbourg, title="Piscine", body="…")
    with pytest.raises(PermissionDenied):
        services.proposal_answer(
            commune=valbourg, actor=agent_valbourg, proposal=proposal, accepted=False, answer="Non"
        )
    with pytest.raises(ValidationError, match="raison du refus"):
        services.proposal_answer(commune=valbourg, actor=elu, proposal=proposal, accepted=False, answer=" ")
    services.proposal_answer(
        commune=valbourg, actor=elu, proposal=proposal, accepted=False, answer="Le budget ne le permet pas."
    )
    proposal.refresh_from_db()
    assert proposal.status == "refusee" and proposal.answered_at


def test_counter_filing_for_a_person_without_account(client, valbourg, agent_valbourg, rules):
    client.force_login(agent_valbourg)
    missing = client.post(
        f"{BASE}/gestion/propositions/guichet/", {"title": "Éclairage", "body": "Rue haute."}
    )
    assert missing.status_code == 400 and "Indiquez le nom de la personne" in missing.content.decode()
    done = client.post(
        f"{BASE}/gestion/propositions/guichet/",
        {"title": "Éclairage", "body": "Rue haute.", "author_name": "Mme Roux"},
    )
    assert done.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.channel == "guichet" and proposal.author is None and proposal.author_name == "Mme Roux"
    assert AuditEntry.objects.filter(action="proposal.submit", channel="guichet").exists()
    assert "Mme Roux" not in client.get(f"{BASE}/propositions/{proposal.pk}/").content.decode()


def test_merging_keeps_supports_without_double_support(valbourg, agent_valbourg, habitant_valbourg, rules):
    a = services.proposal_submit(commune=valbourg, author=habitant_valbourg, title="Piste cyclable", body="…")
    b = services.proposal_submit(commune=valbourg, author=habitant_valbourg, title="Voie vélo", body="…")
    both, only_a, only_b = residents(valbourg, 3)
    for person in (both, only_a):
        services.support_add(commune=valbourg, proposal=a, person=person)
    for person in (both, only_b):
        services.support_add(commune=valbourg, proposal=b, person=person)
    services.proposal_merge(commune=valbourg, actor=agent_valbourg, proposal=a, into=b)
    a.refresh_from_db()
    assert a.status == "fusionnee" and a.merged_into == b
    assert sorted(Support.objects.filter(proposal=b).values_list("person__email", flat=True)) == sorted(
        [both.email, only_a.email, only_b.email]
    )
    assert not Support.objects.filter(proposal=a).exists()
    b.refresh_from_db()
    assert b.threshold_reached_at is not None  # three distinct supporters: the threshold
    with pytest.raises(ValidationError):
        services.support_add(commune=valbourg, proposal=a, person=member(valbourg, "habitant"))


def test_comments_are_reported_and_hidden_with_a_reason(
    client, valbourg, agent_valbourg, habitant_valbourg, rules
):
    proposal = services.proposal_submit(
        commune=valbourg, author=habitant_valbourg, title="Marché bio", body="…"
    )
    client.force_login(habitant_valbourg)
    client.post(f"{BASE}/propositions/{proposal.pk}/commenter/", {"body": "Propos injurieux"})
    comment = proposal.comments.get()
    client.post(f"{BASE}/commentaires/{comment.pk}/signaler/", {"reason": "Insulte"})
    again = client.post(f"{BASE}/commentaires/{comment.pk}/signaler/", {"reason": "Insulte"}, follow=True)
    assert "Vous avez déjà signalé ce commentaire." in again.content.decode()

    client.force_login(agent_valbourg)
    assert "Marché bio" in client.get(f"{BASE}/gestion/").content.decode()  # in the moderation queue
    client.post(
        f"{BASE}/gestion/commentaires/{comment.pk}/masquer/", {"reason": "Propos injurieux envers un voisin"}
    )
    client.logout()
    page = client.get(f"{BASE}/propositions/{proposal.pk}/").content.decode()
    assert "Commentaire masqué par la mairie : Propos injurieux envers un voisin" in page
    assert "<p>Propos injurieux</p>" not in page
    assert AuditEntry.objects.filter(action="proposal.comment.hide").exists()


def test_another_communes_agent_is_refused(
    client, valbourg, hautmesnil, agent_hautmesnil, habitant_valbourg, rules
):
    proposal = services.proposal_submit(
        commune=valbourg, author=habitant_valbourg, title="Fontaine", body="…"
    )
    client.force_login(agent_hautmesnil)
    assert client.get(f"{BASE}/gestion/propositions/{proposal.pk}/").status_code == 403
    assert client.get(f"/hautmesnil/participation/propositions/{proposal.pk}/").status_code == 404
    other = services.proposal_submit(
        commune=hautmesnil, author=member(hautmesnil, "habitant"), title="Lavoir", body="…"
    )
    with pytest.raises((PermissionDenied, NotOwned)):
        services.proposal_merge(commune=valbourg, actor=agent_hautmesnil, proposal=proposal, into=other)
    with pytest.raises(PermissionDenied):
        services.support_add(commune=hautmesnil, proposal=other, person=habitant_valbourg)
    assert selectors.proposal_list(commune=hautmesnil).count() == 1


def test_a_proposal_past_its_deadline_below_the_threshold_says_so_and_takes_no_support(
    client, valbourg, habitant_valbourg, rules
):
    proposal = services.proposal_submit(
        commune=valbourg, author=habitant_valbourg, title="Un kiosque", body="…"
    )
    Proposal.objects.filter(pk=proposal.pk).update(supports_close_at=timezone.now() - timedelta(days=1))
    page = client.get(f"{BASE}/propositions/{proposal.pk}/").content.decode()
    assert "soutiens clos sans atteindre le seuil" in page
    with pytest.raises(ValidationError, match="ne recueille plus de soutiens"):
        services.support_add(
            commune=valbourg, proposal=Proposal.objects.get(pk=proposal.pk), person=residents(valbourg, 1)[0]
        )
