"""Brute-force protection cannot be side-stepped by spelling the address differently (issue #16, item 3)."""

import pytest
from django.core import mail

from beffroi.accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def post_login(client, email, password):
    return client.post("/valbourg/connexion/", {"username": email, "password": password})


def test_case_variants_share_one_failure_counter(client, agent_valbourg):
    # 16 wrong guesses spread over 4 spellings used to leave each spelling under the limit of 5.
    for spelling in (
        "agent@valbourg.test",
        "AGENT@valbourg.test",
        "Agent@Valbourg.Test",
        "agent@VALBOURG.TEST",
    ):
        for _ in range(4):
            post_login(client, spelling, "mauvais-mot-de-passe")
    response = post_login(client, "aGeNt@vAlBoUrG.tEsT", PASSWORD)
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_surrounding_spaces_do_not_make_a_new_counter(client, agent_valbourg):
    for _ in range(5):
        post_login(client, "  agent@valbourg.test ", "mauvais")
    assert post_login(client, "agent@valbourg.test", PASSWORD).status_code == 429


def test_an_address_typed_in_capitals_still_logs_in(client, agent_valbourg):
    response = post_login(client, "Agent@Valbourg.TEST", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent_valbourg.pk)


def test_sign_up_with_another_case_of_an_existing_address_is_refused(client, valbourg, agent_valbourg):
    response = client.post(
        "/valbourg/inscription/",
        {
            "email": "AGENT@Valbourg.test",
            "password1": "une phrase assez longue",
            "password2": "une phrase assez longue",
        },
    )
    assert "Un compte existe déjà avec cette adresse" in response.content.decode().replace("&#x27;", "'")
    assert User.objects.filter(email__iexact="agent@valbourg.test").count() == 1


def test_sign_up_stores_the_address_lower_case(client, valbourg):
    client.post(
        "/valbourg/inscription/",
        {
            "email": "Nouvelle@Exemple.FR",
            "password1": "une phrase assez longue",
            "password2": "une phrase assez longue",
        },
    )
    assert User.objects.filter(email="nouvelle@exemple.fr").exists()
    assert not User.objects.filter(email="Nouvelle@Exemple.FR").exists()


def test_password_reset_with_another_case_reaches_the_account(client, valbourg, agent_valbourg):
    client.post("/valbourg/mot-de-passe-oublie/", {"email": "AGENT@VALBOURG.TEST"})
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["agent@valbourg.test"]
