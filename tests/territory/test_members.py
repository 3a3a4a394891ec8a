"""The administrator's pages on people: members searched and paginated, invitations (one, or a CSV file),
resent and revoked, a person removed (who loses access at once), teams renamed, emptied and deleted."""

import html
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from beffroi.accounts.models import Invitation, Membership
from beffroi.core.models import AuditEntry
from beffroi.territory.models import Team
from tests.factories import MembershipFactory, TeamFactory, UserFactory, member


def text(response) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


ADMIN = "/valbourg/espace-agents/administration/"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.BEFFROI_SITE_URL = "https://beffroi.example.fr"


@pytest.fixture
def admin_client(client, admin_valbourg):
    client.force_login(admin_valbourg)
    return client


@pytest.fixture
def voirie(valbourg):
    return TeamFactory(commune=valbourg, name="Voirie", slug="voirie")


def test_members_are_paginated_by_25_and_searchable_by_name_or_address(admin_client, valbourg, hautmesnil):
    for n in range(30):
        MembershipFactory(
            commune=valbourg,
            role="habitant",
            user=UserFactory(email=f"habitant{n:02d}@exemple.test", full_name=f"Habitant {n:02d}"),
        )
    member(valbourg, "elu", "maire@valbourg.test").__class__.objects.filter(
        email="maire@valbourg.test"
    ).update(full_name="Zoé Vermandoisé")
    member(hautmesnil, "agent", "voisin@hautmesnil.test")
    first = admin_client.get(f"{ADMIN}membres/")
    page = text(first)
    assert "32 membres" in page and "page 1 sur 2" in page
    assert page.count('data-label="Rôle"') == 25
    assert "voisin@hautmesnil.test" not in page
    # the staff counted apart from the residents, each count a link to its list; the neighbour not counted
    assert "Par rôle\u00a0: Administrateur·rice (1) · Élu·e (1) · Habitant·e (30)" in re.sub(
        r"<[^>]+>", "", page
    )
    assert 'href="?role=elu"' in first.content.decode()
    second = text(admin_client.get(f"{ADMIN}membres/?page=2"))
    assert second.count('data-label="Rôle"') == 7
    # Faker's French names can include a « Zoé »: search the surname no generated name has.
    found = text(admin_client.get(f"{ADMIN}membres/?q=vermandoisé"))
    assert "1 membre trouvé" in found and "maire@valbourg.test" in found
    assert ">Élu·e<" in found and ">elu<" not in found
    for typed in ("VERMANDOISE", "zoe vermandoise", "ZOÉ"):
        assert "maire@valbourg.test" in text(admin_client.get(f"{ADMIN}membres/?q={typed}")), typed
    by_address = text(admin_client.get(f"{ADMIN}membres/?q=HABITANT07@"))
    assert "1 membre trouvé" in by_address and "Habitant 07" in by_address
    by_role = text(admin_client.get(f"{ADMIN}membres/?role=elu"))
    assert "1 membre trouvé" in by_role
    assert "Aucun membre ne correspond à cette recherche." in text(
        admin_client.get(f"{ADMIN}membres/?q=voisin")
    )


def test_the_administrator_invites_and_the_invited_person_joins_from_the_mail(
    admin_client, valbourg, voirie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"{ADMIN}membres/inviter/",
            {"email": "lea@exemple.test", "role": "agent", "team": voirie.pk},
            follow=True,
        )
    page = text(response)
    assert "Invitation envoyée à lea@exemple.test. Le lien est valable 14 jours." in page
    assert page.index("Invitation envoyée") < page.index("<h1>")  # the feedback is at the top
    assert "lea@exemple.test" in page.split("Invitations en attente")[1]
    (message,) = mail.outbox
    path = re.search(r"^https://beffroi\.example\.fr(/\S+)$", message.body, re.MULTILINE).group(1)

    invited = Client()
    invited.post(
        path,
        {
            "full_name": "Léa Martin",
            "password1": "un-mot-de-passe-long-42",
            "password2": "un-mot-de-passe-long-42",
        },
    )
    agent_space = invited.get("/valbourg/espace-agents/")
    assert agent_space.status_code == 200
    assert "Bienvenue dans l'équipe de Valbourg" in text(agent_space)
    assert voirie.members.filter(email="lea@exemple.test").exists()
    listing = text(admin_client.get(f"{ADMIN}membres/?q=lea"))
    assert "Léa Martin" in listing and "Voirie" in listing
    assert "Aucune invitation en attente." in listing


def test_a_refused_invitation_stays_on_the_page_with_the_reason(
    admin_client, valbourg, agent_valbourg, hautmesnil
):
    response = admin_client.post(f"{ADMIN}membres/inviter/", {"email": "agent@valbourg.test", "role": "elu"})
    assert response.status_code == 400
    page = text(response)
    assert "a déjà le rôle « agent » dans la commune" in page
    assert "<title>Erreur" in page
    other_team = TeamFactory(commune=hautmesnil)
    response = admin_client.post(
        f"{ADMIN}membres/inviter/", {"email": "x@exemple.test", "role": "agent", "team": other_team.pk}
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in text(response)
    response = admin_client.post(f"{ADMIN}membres/inviter/", {"email": "x@exemple.test", "role": "habitant"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_a_csv_with_faults_names_each_line_and_creates_nothing(admin_client, valbourg, voirie):
    bad = SimpleUploadedFile(
        "equipe.csv",
        "email;role;team\nlea@exemple.test;agent;Voirie\nmarc@exemple.test;maire;\n".encode("cp1252"),
    )
    response = admin_client.post(f"{ADMIN}membres/importer/", {"file": bad})
    assert response.status_code == 400
    page = text(response)
    assert "Ligne 3 : rôle « maire » inconnu" in page
    assert "aucune invitation n'a été envoyée" in page
    assert not Invitation.objects.exists()
    good = SimpleUploadedFile(
        "equipe.csv", "email,role,team\nlea@exemple.test,agent,Voirie\nmarc@exemple.test,élu,\n".encode()
    )
    response = admin_client.post(f"{ADMIN}membres/importer/", {"file": good}, follow=True)
    assert "2 invitations envoyées." in text(response)
    assert Invitation.objects.count() == 2
    binary = SimpleUploadedFile("photo.csv", b"\xff\xfe\x00\x81\x8d")
    assert "enregistrez-le en CSV UTF-8" in text(
        admin_client.post(f"{ADMIN}membres/importer/", {"file": binary})
    )


def test_resend_and_revoke_from_the_list_are_audited_and_scoped(
    admin_client, valbourg, hautmesnil, django_capture_on_commit_callbacks
):
    from beffroi.accounts import services

    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            commune=valbourg, actor=None, email="lea@exemple.test", role="elu"
        )
        response = admin_client.post(
            f"{ADMIN}invitations/{invitation.pk}/renvoyer/", {"next": f"{ADMIN}membres/?q=x"}, follow=True
        )
    assert response.redirect_chain[-1][0] == f"{ADMIN}membres/?q=x"
    assert "Invitation renvoyée à lea@exemple.test" in text(response)
    assert len(mail.outbox) == 2
    asked = text(
        admin_client.post(f"{ADMIN}invitations/{invitation.pk}/annuler/", {"next": f"{ADMIN}membres/"})
    )
    assert "Annuler l'invitation de lea@exemple.test ?" in asked  # a page asks first, nothing done yet
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    response = admin_client.post(
        f"{ADMIN}invitations/{invitation.pk}/annuler/",
        {"next": f"{ADMIN}membres/", "confirme": "1"},
        follow=True,
    )
    assert "Invitation de lea@exemple.test annulée" in text(response)
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert {"invitation.resend", "invitation.revoke"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )
    foreign = services.invitation_create(commune=hautmesnil, actor=None, email="x@exemple.test", role="agent")
    assert admin_client.post(f"{ADMIN}invitations/{foreign.pk}/annuler/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "pending"


def test_a_removed_agent_loses_access_at_once_open_session_included(
    admin_client, valbourg, agent_valbourg, voirie
):
    voirie.members.add(agent_valbourg)
    agent = Client()
    agent.force_login(agent_valbourg)
    assert agent.get("/valbourg/espace-agents/").status_code == 200
    confirm = text(admin_client.get(f"{ADMIN}membres/{agent_valbourg.pk}/retirer/"))
    assert "Voirie" in confirm and "sa prochaine page lui est refusée" in confirm
    response = admin_client.post(f"{ADMIN}membres/{agent_valbourg.pk}/retirer/", follow=True)
    assert "n'a plus de rôle dans la commune" in text(response)
    assert not Membership.objects.filter(user=agent_valbourg, commune=valbourg).exists()
    assert not voirie.members.exists()
    assert agent.get("/valbourg/espace-agents/").status_code == 403  # the same session, refused
    assert AuditEntry.objects.filter(action="membership.remove").exists()


def test_an_agent_made_resident_leaves_the_teams(admin_client, valbourg, agent_valbourg, voirie):
    voirie.members.add(agent_valbourg)
    response = admin_client.post(
        f"{ADMIN}membres/{agent_valbourg.pk}/role/", {"role": "habitant"}, follow=True
    )
    assert "a maintenant le rôle « habitant·e »" in text(response)
    assert not voirie.members.exists()
    assert Membership.objects.get(user=agent_valbourg).role == "habitant"


def test_the_administrator_cannot_remove_themselves_nor_the_last_administrator(
    admin_client, valbourg, admin_valbourg
):
    response = admin_client.post(f"{ADMIN}membres/{admin_valbourg.pk}/retirer/", follow=True)
    assert "Vous ne pouvez pas vous retirer vous-même" in text(response)
    assert Membership.objects.filter(user=admin_valbourg).exists()
    from beffroi.territory import services

    with pytest.raises(Exception, match="au moins un administrateur"):
        services.member_remove(commune=valbourg, user=admin_valbourg, actor=None)


def test_teams_lose_an_agent_are_renamed_and_deleted_after_confirmation(
    admin_client, valbourg, agent_valbourg, voirie
):
    TeamFactory(commune=valbourg, name="Espaces verts", slug="espaces-verts")
    voirie.members.add(agent_valbourg)
    response = admin_client.post(
        f"{ADMIN}services/voirie/agents/{agent_valbourg.pk}/retirer/", {"confirme": "1"}, follow=True
    )
    assert "ne fait plus partie du service « Voirie »" in text(response)
    assert not voirie.members.exists()
    assert Membership.objects.get(user=agent_valbourg).role == "agent"

    taken = admin_client.post(f"{ADMIN}services/voirie/renommer/", {"name": "espaces verts"})
    assert taken.status_code == 400
    assert "Un autre service de la commune porte déjà ce nom." in text(taken)
    renamed = admin_client.post(
        f"{ADMIN}services/voirie/renommer/", {"name": "Voirie et réseaux"}, follow=True
    )
    assert "s'appelle maintenant « Voirie et réseaux »" in text(renamed)
    voirie.refresh_from_db()
    assert voirie.name == "Voirie et réseaux" and voirie.slug == "voirie"

    confirm = admin_client.get(f"{ADMIN}services/voirie/supprimer/")
    assert "Supprimer le service « Voirie et réseaux »" in text(confirm)
    assert Team.objects.filter(pk=voirie.pk).exists()  # nothing deleted by looking
    admin_client.post(f"{ADMIN}services/voirie/supprimer/")
    assert not Team.objects.filter(pk=voirie.pk).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"team.remove_member", "team.rename", "team.delete"} <= actions


def test_another_communes_team_is_not_found(admin_client, hautmesnil):
    TeamFactory(commune=hautmesnil, name="Voirie", slug="voirie-h")
    assert admin_client.get(f"{ADMIN}services/voirie-h/supprimer/").status_code == 404
    assert admin_client.post(f"{ADMIN}services/voirie-h/renommer/", {"name": "X"}).status_code == 404
    assert Team.objects.get(slug="voirie-h").name == "Voirie"


def test_the_members_page_has_unique_ids_and_no_empty_removal_on_ones_own_row(
    admin_client, valbourg, admin_valbourg, agent_valbourg
):
    page = admin_client.get(f"{ADMIN}membres/").content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert 'for="recherche_role"' in page and 'id="recherche_role"' in page
    assert "Tous les rôles, habitants compris" in page  # what the unfiltered list holds
    own = next(row for row in page.split("<tr>") if admin_valbourg.email in row)
    assert "Retirer de la commune" not in own and 'data-label="Retirer"' not in own
    other = next(row for row in page.split("<tr>") if agent_valbourg.email in row)
    assert "Retirer de la commune" in other
