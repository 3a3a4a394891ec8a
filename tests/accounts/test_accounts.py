"""Login, brute-force protection, sign-up, password reset, personal data download and erasure."""

import json
import re

from django.core import mail

from beffroi.accounts.models import Membership, User
from beffroi.core.models import AuditEntry
from beffroi.core.services import audit_record
from tests.factories import PASSWORD


def post_login(client, email, password, prefix="/valbourg"):
    return client.post(f"{prefix}/connexion/", {"username": email, "password": password})


def test_login_with_email_and_password(client, agent_valbourg):
    response = post_login(client, "agent@valbourg.test", PASSWORD)
    assert response.status_code == 302
    assert client.get("/valbourg/espace-agents/").status_code == 200


def test_wrong_password_gets_a_clear_french_message_and_logs_nobody_in(client, agent_valbourg):
    response = post_login(client, "agent@valbourg.test", "pas-le-bon")
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_is_locked_after_repeated_failures(client, agent_valbourg):
    for _ in range(5):
        post_login(client, "agent@valbourg.test", "mauvais")
    response = post_login(client, "agent@valbourg.test", PASSWORD)
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_the_proxy_lockouts_count_per_real_client_not_per_proxy(client, agent_valbourg, settings):
    settings.BEFFROI_BEHIND_PROXY = True
    settings.BEFFROI_TRUSTED_PROXIES = ["127.0.0.1"]
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for _ in range(5):
        client.post(
            "/valbourg/connexion/", {"username": "agent@valbourg.test", "password": "mauvais"}, **attacker
        )
    locked = client.post(
        "/valbourg/connexion/", {"username": "agent@valbourg.test", "password": PASSWORD}, **attacker
    )
    assert locked.status_code == 429
    # the agent, behind the same proxy from another address, still signs in
    agent = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    response = client.post(
        "/valbourg/connexion/", {"username": "agent@valbourg.test", "password": PASSWORD}, **agent
    )
    assert response.status_code == 302


def test_a_spoofed_forwarded_address_from_outside_the_proxy_does_not_escape_the_lockout(
    client, agent_valbourg, settings
):
    settings.BEFFROI_BEHIND_PROXY = True
    settings.BEFFROI_TRUSTED_PROXIES = ["127.0.0.1"]
    for attempt in range(5):
        spoofed = {"REMOTE_ADDR": "192.0.2.9", "HTTP_X_FORWARDED_FOR": f"203.0.113.{attempt}"}
        client.post(
            "/valbourg/connexion/", {"username": "agent@valbourg.test", "password": "mauvais"}, **spoofed
        )
    spoofed = {"REMOTE_ADDR": "192.0.2.9", "HTTP_X_FORWARDED_FOR": "203.0.113.99"}
    response = client.post(
        "/valbourg/connexion/", {"username": "agent@valbourg.test", "password": PASSWORD}, **spoofed
    )
    assert response.status_code == 429


def test_passwords_are_hashed_with_argon2(settings, agent_valbourg):
    from beffroi import settings as production  # the tests hash with a fast hasher (tests/conftest.py)

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    agent_valbourg.set_password(PASSWORD)
    agent_valbourg.save()
    assert agent_valbourg.password.startswith("argon2")
    assert agent_valbourg.check_password(PASSWORD)


def test_signup_creates_a_habitant_of_the_commune(client, valbourg):
    response = client.post(
        "/valbourg/inscription/",
        {
            "email": "Nouvelle@Example.test",
            "full_name": "Nadia",
            "password1": "un-mot-long-42",
            "password2": "un-mot-long-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nouvelle@example.test")
    assert Membership.objects.get(user=user).role == "habitant"


def test_signup_refuses_weak_or_mismatched_passwords_and_too_long_fields(client, valbourg):
    response = client.post(
        "/valbourg/inscription/",
        {"email": "a@example.test", "full_name": "x" * 151, "password1": "12345678901", "password2": "autre"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Les deux mots de passe ne sont pas identiques" in html
    assert "au plus 150 caractères" in html
    assert not User.objects.filter(email="a@example.test").exists()


def test_password_reset_sends_a_working_link(client, habitant_valbourg):
    client.post("/valbourg/mot-de-passe-oublie/", {"email": "habitant@valbourg.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/\S+)", mail.outbox[0].body).group(1)
    assert link.startswith("/valbourg/mot-de-passe-oublie/")
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "nouveau-secret-77", "new_password2": "nouveau-secret-77"}
    )
    assert response.status_code == 302
    habitant_valbourg.refresh_from_db()
    assert habitant_valbourg.check_password("nouveau-secret-77")


def test_personal_data_download_holds_the_account_and_memberships(client, habitant_valbourg):
    client.force_login(habitant_valbourg)
    response = client.get("/valbourg/compte/mes-donnees.json")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["compte"]["adresse_electronique"] == "habitant@valbourg.test"
    (membership,) = data["compte"]["communes"]
    assert (membership["commune"], membership["role"], membership["role_libelle"]) == (
        "valbourg",
        "habitant",
        "habitant·e",
    )


def test_account_deletion_needs_the_password_and_keeps_the_audit_log(client, agent_valbourg, valbourg):
    audit_record(commune=valbourg, actor=agent_valbourg, action="report.update")
    client.force_login(agent_valbourg)
    refused = client.post("/valbourg/compte/supprimer/", {"password": "faux"})
    assert "Mot de passe incorrect" in refused.content.decode()
    assert User.objects.filter(pk=agent_valbourg.pk).exists()
    done = client.post("/valbourg/compte/supprimer/", {"password": PASSWORD})
    assert done.status_code == 302
    assert not User.objects.filter(pk=agent_valbourg.pk).exists()
    assert AuditEntry.objects.filter(action="report.update").count() == 1


def test_logout_is_a_post(client, habitant_valbourg):
    client.force_login(habitant_valbourg)
    assert client.get("/valbourg/deconnexion/").status_code == 405
    client.post("/valbourg/deconnexion/")
    assert "_auth_user_id" not in client.session
