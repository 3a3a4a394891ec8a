"""Issue #11, notifications: a mail reads as coming from the commune's mairie, an answer reaches the mairie,
the demo's history is not mailed when the demo starts."""

import pytest
from django.core import mail
from django.core.management import call_command

from beffroi.core.mail import commune_sender, send_commune_mail
from beffroi.core.management.commands.demo import _discard_history_mail
from beffroi.core.models import Commune
from beffroi.core.tasks import send_email

pytestmark = pytest.mark.django_db


def test_a_commune_mail_is_from_its_mairie_and_answers_go_to_the_mairie(
    valbourg, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "Beffroi <ne-pas-repondre@services.example.fr>"
    Commune.objects.filter(pk=valbourg.pk).update(contact_email="mairie@valbourg.example.fr")
    valbourg.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        send_commune_mail(
            commune=valbourg, to=["h@exemple.test"], subject="Votre demande", body="Elle avance."
        )
    (message,) = mail.outbox
    assert message.from_email == "Mairie de Valbourg <ne-pas-repondre@services.example.fr>"
    assert message.reply_to == ["mairie@valbourg.example.fr"]
    assert message.to == ["h@exemple.test"]


def test_without_a_contact_address_there_is_no_reply_to_and_no_recipient_no_mail(
    valbourg, django_capture_on_commit_callbacks
):
    Commune.objects.filter(pk=valbourg.pk).update(contact_email="")
    valbourg.refresh_from_db()
    assert commune_sender(valbourg)[1] == []
    with django_capture_on_commit_callbacks(execute=True):
        send_commune_mail(commune=valbourg, to=[""], subject="Rien", body="Rien")
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_demo_history_is_not_mailed_but_later_mails_are(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django.utils import timezone

    before = send_email.enqueue(to=["a@exemple.test"], subject="Avant", body="…")
    started = timezone.now()
    send_email.enqueue(to=["b@exemple.test"], subject="Historique", body="…")
    assert _discard_history_mail(since=started) == 1
    send_email.enqueue(to=["c@exemple.test"], subject="Après", body="…")
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    before.refresh()
    assert sorted(m.subject for m in mail.outbox) == ["Après", "Avant"]
