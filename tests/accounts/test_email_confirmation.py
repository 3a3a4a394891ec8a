"""Sign-up mails a signed, expiring confirmation link; nothing is sent to the address until it is opened."""

from decimal import Decimal

import pytest
from django.core import mail, signing
from django.utils import timezone

from beffroi.accounts import services
from beffroi.accounts.models import User
from beffroi.accounts.selectors import notification_address
from beffroi.core.services import commune_update
from beffroi.reports import services as reports
from tests.accounts.conftest import confirmation_link

EMAIL = "camille@exemple.test"
PASSWORD = "un-mot-de-passe-long-42"


@pytest.fixture
def signed_up(client, valbourg, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/valbourg/inscription/",
            {"email": EMAIL, "full_name": "Camille", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    assert response["Location"] == "/valbourg/compte/confirmer-mon-adresse/"
    return User.objects.get(email=EMAIL)


def test_sign_up_mails_an_absolute_link_that_confirms_the_address(client, signed_up):
    assert not signed_up.email_confirmed
    (message,) = mail.outbox
    assert message.to == [EMAIL]
    assert message.subject == "Confirmez votre adresse électronique"
    assert "http://testserver/valbourg/compte/confirmer-mon-adresse/" in message.body
    assert EMAIL not in confirmation_link(message)  # the link does not carry the address

    page = client.get("/valbourg/compte/confirmer-mon-adresse/").content.decode()
    assert f"Nous avons envoyé un lien à {EMAIL}" in page

    client.logout()  # the link works from another browser, signed out
    response = client.get(confirmation_link(message))
    assert response.status_code == 200
    assert "Adresse confirmée" in response.content.decode()
    signed_up.refresh_from_db()
    assert signed_up.email_confirmed
    assert client.get(confirmation_link(message)).status_code == 200  # opening it twice is harmless


def test_a_forged_expired_or_outdated_link_confirms_nothing(client, signed_up, settings):
    link = confirmation_link(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert client.get(link.replace(token, token[:-2] + "xx")).status_code == 400

    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is now past its three days
    response = client.get(link)
    assert response.status_code == 400
    assert "Ce lien n'est plus valable" in response.content.decode()
    settings.PASSWORD_RESET_TIMEOUT = 3 * 86400

    User.objects.filter(pk=signed_up.pk).update(email="autre@exemple.test")
    assert client.get(link).status_code == 400  # sent to an address the account no longer has
    signed_up.refresh_from_db()
    assert not signed_up.email_confirmed
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="autre-chose")


def test_the_link_can_be_sent_again_but_not_in_a_burst(client, signed_up, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/valbourg/compte/confirmer-mon-adresse/", follow=True)
    assert "Attendez une minute" in response.content.decode()
    assert len(mail.outbox) == 1
    session = client.session
    session["accounts_confirmation_sent_at"] = 0
    session.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/valbourg/compte/confirmer-mon-adresse/", follow=True)
    assert f"Un nouveau lien a été envoyé à {EMAIL}" in response.content.decode()
    assert len(mail.outbox) == 2
    client.get(confirmation_link(mail.outbox[1]))
    signed_up.refresh_from_db()
    assert signed_up.email_confirmed


def test_my_account_says_the_address_is_not_confirmed(client, signed_up):
    html = client.get("/valbourg/compte/").content.decode()
    assert "Votre adresse n'est pas encore confirmée" in html
    assert 'href="/valbourg/compte/confirmer-mon-adresse/"' in html


def test_no_report_notification_reaches_an_unconfirmed_address(
    valbourg, signed_up, django_capture_on_commit_callbacks
):
    commune_update(commune=valbourg, enabled_modules=["reports"])
    reports.states_ensure(commune=valbourg)
    category = reports.category_create(commune=valbourg, code="voirie", name="Voirie", actor=None)
    mail.outbox.clear()
    fields = {
        "commune": valbourg,
        "category": category,
        "description": "Trou",
        "latitude": Decimal("47.3"),
        "longitude": Decimal("4.8"),
        "reporter": signed_up,
        "contact_email": EMAIL,
    }
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_create(**fields)
    assert mail.outbox == []

    services.email_mark_confirmed(user=signed_up)
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_create(**fields)
    assert [m.to for m in mail.outbox] == [[EMAIL]]


def test_notification_address_is_none_until_confirmed(signed_up):
    assert notification_address(signed_up) is None
    signed_up.email_confirmed_at = timezone.now()
    assert notification_address(signed_up) == EMAIL
    signed_up.is_active = False
    assert notification_address(signed_up) is None


def test_accounts_made_by_the_mairie_count_as_confirmed(valbourg):
    user = services.user_create(email="agent.nouveau@valbourg.test", password=None)
    assert notification_address(user) == "agent.nouveau@valbourg.test"


def test_a_password_reset_link_also_proves_the_address(client, signed_up):
    client.logout()
    client.post("/valbourg/mot-de-passe-oublie/", {"email": EMAIL})
    link = [m for m in mail.outbox if "mot-de-passe-oublie" in m.body][-1]
    path = confirmation_path = link.body.split("http://testserver", 1)[1].split()[0]
    response = client.get(path, follow=True)
    confirmation_path = response.redirect_chain[-1][0]
    client.post(
        confirmation_path, {"new_password1": "encore-un-secret-77", "new_password2": "encore-un-secret-77"}
    )
    signed_up.refresh_from_db()
    assert signed_up.email_confirmed
