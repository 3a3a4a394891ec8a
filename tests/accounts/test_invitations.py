"""Invitations: an administrator (or the platform operator) invites a person by e-mail to a staff role; the
mailed link works once, expires, can be revoked and resent; accepting creates or joins an account."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from beffroi.accounts import services
from beffroi.accounts.models import Invitation, Membership, User
from beffroi.core.guards import NotOwned
from beffroi.core.models import AuditEntry
from tests.factories import PASSWORD, TeamFactory, member

INVITED = "lea.martin@exemple.test"
NEW_PASSWORD = "un-mot-de-passe-long-42"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.BEFFROI_SITE_URL = "https://beffroi.example.fr"


@pytest.fixture
def voirie(valbourg):
    return TeamFactory(commune=valbourg, name="Voirie", slug="voirie")


def link_path(message) -> str:
    """The path of the absolute link in an invitation mail (checked absolute, under the site's address)."""
    match = re.search(
        r"^https://beffroi\.example\.fr(/valbourg/invitation/[\w-]+/)$", message.body, re.MULTILINE
    )
    assert match, message.body
    return match.group(1)


def invite(commune, actor, email=INVITED, role="agent", team=None, capture=None) -> Invitation:
    with capture(execute=True):
        return services.invitation_create(commune=commune, actor=actor, email=email, role=role, team=team)


def test_invitation_is_mailed_under_the_communes_name_with_a_link_stored_hashed(
    valbourg, admin_valbourg, voirie, django_capture_on_commit_callbacks
):
    invitation = invite(
        valbourg,
        admin_valbourg,
        email=" Lea.Martin@Exemple.test ",
        team=voirie,
        capture=django_capture_on_commit_callbacks,
    )
    assert invitation.email == INVITED
    (message,) = mail.outbox
    assert message.to == [INVITED]
    assert message.from_email.startswith("Mairie de Valbourg <")
    assert message.reply_to == ["mairie@valbourg.test"]
    assert "Valbourg" in message.subject
    assert "Votre rôle : agent" in message.body and "Votre service : Voirie" in message.body
    path = link_path(message)
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert token not in Invitation.objects.values_list("token_hash", flat=True)[0]
    assert len(Invitation.objects.get().token_hash) == 64
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    entry = AuditEntry.objects.get(action="invitation.create")
    assert entry.actor_id == admin_valbourg.pk
    assert INVITED not in entry.summary and "Voirie" in entry.summary


def test_the_platform_operator_invites_a_first_administrator(valbourg, django_capture_on_commit_callbacks):
    invitation = invite(valbourg, None, role="admin", capture=django_capture_on_commit_callbacks)
    assert invitation.invited_by is None
    assert "Vous êtes invité·e à rejoindre l'équipe de la commune de Valbourg" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("email", "role", "field", "message"),
    [
        ("pas-une-adresse", "agent", "email", "adresse électronique valide"),
        (INVITED, "habitant", "role", "Choisissez un rôle"),
        (INVITED, "maire", "role", "Choisissez un rôle"),
        ("agent@valbourg.test", "elu", "email", "a déjà le rôle « agent »"),
    ],
)
def test_bad_invitations_are_refused_in_french(
    valbourg, admin_valbourg, agent_valbourg, email, role, field, message
):
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(commune=valbourg, actor=admin_valbourg, email=email, role=role)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Invitation.objects.exists()


def test_a_second_invitation_to_a_pending_address_is_refused_an_expired_one_replaced(
    valbourg, admin_valbourg, django_capture_on_commit_callbacks
):
    first = invite(valbourg, admin_valbourg, capture=django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="attend déjà"):
        services.invitation_create(commune=valbourg, actor=admin_valbourg, email=INVITED.upper(), role="elu")
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    second = invite(valbourg, admin_valbourg, role="elu", capture=django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.status == "revoked" and second.status == "pending"


def test_only_the_communes_administrators_invite_and_only_to_their_teams(
    valbourg, hautmesnil, admin_valbourg, agent_valbourg, voirie
):
    with pytest.raises(PermissionDenied):
        services.invitation_create(commune=valbourg, actor=agent_valbourg, email=INVITED, role="agent")
    with pytest.raises(PermissionDenied):  # Valbourg's administrator has no role in Hautmesnil
        services.invitation_create(commune=hautmesnil, actor=admin_valbourg, email=INVITED, role="agent")
    other_team = TeamFactory(commune=hautmesnil)
    with pytest.raises(NotOwned):
        services.invitation_create(
            commune=valbourg, actor=admin_valbourg, email=INVITED, role="agent", team=other_team
        )
    assert not Invitation.objects.exists()


def test_accepting_creates_the_account_with_the_role_and_team(
    client, valbourg, admin_valbourg, voirie, django_capture_on_commit_callbacks
):
    invite(valbourg, admin_valbourg, team=voirie, capture=django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200
    assert "Rejoindre l'équipe de Valbourg" in page.content.decode()
    assert INVITED in page.content.decode()

    short = client.post(path, {"full_name": "Léa Martin", "password1": "court", "password2": "court"})
    assert short.status_code == 200
    assert "trop court" in short.content.decode()
    assert not User.objects.filter(email=INVITED).exists()

    response = client.post(
        path, {"full_name": "Léa Martin", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/valbourg/espace-agents/"
    user = User.objects.get(email=INVITED)
    assert user.full_name == "Léa Martin" and user.email_confirmed
    assert Membership.objects.get(user=user, commune=valbourg).role == "agent"
    assert list(user.teams.all()) == [voirie]
    assert client.get("/valbourg/espace-agents/").status_code == 200  # signed in, in the agents' space
    assert AuditEntry.objects.filter(action="invitation.accept", actor_id=user.pk).exists()

    client.logout()
    reused = client.get(path)
    assert reused.status_code == 410
    assert "déjà été acceptée" in reused.content.decode()
    again = client.post(path, {"full_name": "Autre", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert again.status_code == 410
    assert User.objects.filter(email=INVITED).count() == 1


def test_an_existing_account_signs_in_first_then_joins(
    client, valbourg, admin_valbourg, django_capture_on_commit_callbacks
):
    resident = member(valbourg, "habitant", INVITED)
    invite(valbourg, admin_valbourg, role="elu", capture=django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    page = client.get(path).content.decode()
    assert "Un compte existe déjà avec cette adresse" in page
    assert f"/valbourg/connexion/?next={path}" in page.replace("%2F", "/")
    login = client.post(
        f"/valbourg/connexion/?next={path}", {"username": INVITED, "password": PASSWORD, "next": path}
    )
    assert login["Location"] == path
    assert "Accepter l'invitation" in client.get(path).content.decode()
    assert client.post(path)["Location"] == "/valbourg/espace-agents/"
    assert Membership.objects.get(user=resident, commune=valbourg).role == "elu"


def test_another_account_cannot_accept(
    client, valbourg, admin_valbourg, agent_valbourg, django_capture_on_commit_callbacks
):
    invite(valbourg, admin_valbourg, role="admin", capture=django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    client.force_login(agent_valbourg)
    response = client.post(path)
    assert response.status_code == 403
    assert "cette invitation a été envoyée à " + INVITED in response.content.decode()
    assert Membership.objects.get(user=agent_valbourg).role == "agent"
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=Invitation.objects.get(), user=agent_valbourg)


def test_expired_revoked_and_resent_links_are_refused_with_a_clear_page(
    client, valbourg, admin_valbourg, django_capture_on_commit_callbacks
):
    invitation = invite(valbourg, admin_valbourg, capture=django_capture_on_commit_callbacks)
    first = link_path(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(commune=valbourg, actor=admin_valbourg, invitation=invitation)
    second = link_path(mail.outbox[1])
    assert first != second
    gone = client.get(first)
    assert gone.status_code == 404
    assert "remplacé par un lien plus récent" in gone.content.decode()
    assert client.get(second).status_code == 200

    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get(second)
    assert expired.status_code == 410
    assert "Ce lien a expiré le" in expired.content.decode()

    services.invitation_revoke(commune=valbourg, actor=admin_valbourg, invitation=invitation)
    revoked = client.get(second)
    assert revoked.status_code == 410
    assert "annulée par la mairie" in revoked.content.decode()
    with pytest.raises(ValidationError):
        services.invitation_resend(commune=valbourg, actor=admin_valbourg, invitation=invitation)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"invitation.create", "invitation.resend", "invitation.revoke"} <= actions
    assert not AuditEntry.objects.filter(summary__icontains=INVITED).exists()


def test_a_link_opened_under_another_commune_is_unknown(
    client, valbourg, hautmesnil, admin_valbourg, django_capture_on_commit_callbacks
):
    invite(valbourg, admin_valbourg, capture=django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    assert client.get(path.replace("/valbourg/", "/hautmesnil/")).status_code == 404
    other_admin = member(hautmesnil, "admin")
    with pytest.raises(NotOwned):
        services.invitation_revoke(commune=hautmesnil, actor=other_admin, invitation=Invitation.objects.get())


CSV_OK = "email,role,team\nlea@exemple.test,agent,Voirie\nmarc@exemple.test;élu;\n"


def test_a_csv_invites_everyone_or_nobody(
    valbourg, admin_valbourg, agent_valbourg, voirie, django_capture_on_commit_callbacks
):
    text = (
        "email,role,team\n"
        "lea@exemple.test,agent,Voirie\n"
        "pas-une-adresse,agent,\n"
        "marc@exemple.test,maire,\n"
        "agent@valbourg.test,élu,\n"
        "zoe@exemple.test,agent,Cantine\n"
        "LEA@exemple.test,administrateur,\n"
    )
    with pytest.raises(services.InvitationImportError) as refused:
        services.invitation_create_many(commune=valbourg, actor=admin_valbourg, text=text)
    assert refused.value.errors == [
        "Ligne 3 : Saisissez une adresse électronique valide, par exemple prenom.nom@mairie.fr.",
        "Ligne 4 : rôle « maire » inconnu (agent, élu ou administrateur).",
        "Ligne 5 : Cette personne a déjà le rôle « agent » dans la commune : changez son rôle dans la liste des membres.",
        "Ligne 6 : le service « Cantine » n'existe pas dans la commune.",
        "Ligne 7 : l'adresse figure déjà ligne 2.",
    ]
    assert not Invitation.objects.exists()
    assert not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        created = services.invitation_create_many(
            commune=valbourg,
            actor=admin_valbourg,
            text="\ufeffEmail;Role;Team\r\nlea@exemple.test;Agente;voirie\r\nmarc@exemple.test;Élu;\r\n;;\r\n",
        )
    assert [(i.email, i.role, i.team) for i in created] == [
        ("lea@exemple.test", "agent", voirie),
        ("marc@exemple.test", "elu", None),
    ]
    assert len(mail.outbox) == 2
    assert AuditEntry.objects.get(action="invitation.import").summary == "2 invitations importées"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Le fichier est vide"),
        ("adresse,rôle\nlea@exemple.test,agent\n", "La première ligne doit être « email,role,team »"),
        ("email,role,team\n", "aucune invitation"),
        ("email,role,team\nlea@exemple.test,agent,Voirie,en trop\n", "4 colonnes au lieu de trois"),
    ],
)
def test_a_malformed_csv_says_why(valbourg, admin_valbourg, text, error):
    with pytest.raises(services.InvitationImportError) as refused:
        services.invitation_create_many(commune=valbourg, actor=admin_valbourg, text=text)
    assert error in refused.value.errors[0]
