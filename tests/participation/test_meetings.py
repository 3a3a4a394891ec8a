"""Public meetings: registration within the cap with or without an account, cancellation by the private link of
the mail (an absolute address), the agents' list, minutes and documents after, links to a consultation."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from beffroi.participation import selectors, services
from beffroi.participation.models import Meeting, Registration
from tests.participation.conftest import make_consultation

BASE = "/valbourg/participation"


def make_meeting(commune, actor, *, days=7, capacity=3, **extra):
    start = timezone.now() + timedelta(days=days)
    return services.meeting_create(
        commune=commune,
        actor=actor,
        title="Réunion sur l'école",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place_name="Salle des fêtes",
        address="2 place de la Mairie",
        latitude=Decimal("47.316400"),
        longitude=Decimal("5.041500"),
        agenda="1. Les horaires\n2. La cantine",
        capacity=capacity,
        **extra,
    )


def test_registration_without_account_then_cancellation_by_the_mailed_link(
    client, valbourg, agent_valbourg, django_capture_on_commit_callbacks
):
    meeting = make_meeting(valbourg, agent_valbourg)
    page = client.get(f"{BASE}/reunions/{meeting.pk}/").content.decode()
    assert "3 places libres sur 3" in page and "latitude 47,316400" in page.replace("47.316400", "47,316400")
    response = client.post(
        f"{BASE}/reunions/{meeting.pk}/",
        {"name": "Jeanne Martin", "email": "jeanne@example.test", "seats": 2},
    )
    assert response.status_code == 302
    assert "1 place libre sur 3" in client.get(f"{BASE}/reunions/{meeting.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(
            commune=valbourg, meeting=meeting, name="Paul", email="paul@example.test"
        )
    assert "La réunion est complète." in client.get(f"{BASE}/reunions/{meeting.pk}/").content.decode()
    [message] = mail.outbox
    assert message.to == ["paul@example.test"] and "Salle des fêtes" in message.body
    link = re.search(r"https?://\S+/inscription/\S+/", message.body).group(0)
    assert "/valbourg/participation/inscription/" in link
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert "Annuler mon inscription" in client.get(f"/{path}").content.decode()
    client.post(f"/{path}")
    assert Registration.objects.get(email="paul@example.test").cancelled_at is not None
    assert "1 place libre sur 3" in client.get(f"{BASE}/reunions/{meeting.pk}/").content.decode()
    assert client.get(f"{BASE}/inscription/pas-le-bon-jeton/").status_code == 404


def test_the_cap_is_kept_and_a_second_registration_refused(client, valbourg, agent_valbourg):
    meeting = make_meeting(valbourg, agent_valbourg, capacity=2)
    services.registration_create(commune=valbourg, meeting=meeting, name="A", email="a@example.test", seats=1)
    with pytest.raises(ValidationError, match="déjà inscrite"):
        services.registration_create(commune=valbourg, meeting=meeting, name="A", email="A@example.test")
    full = client.post(f"{BASE}/reunions/{meeting.pk}/", {"name": "B", "email": "b@example.test", "seats": 2})
    assert full.status_code == 400 and "Il ne reste que 1 place(s)." in full.content.decode()
    services.registration_create(commune=valbourg, meeting=meeting, name="C", email="c@example.test")
    assert "La réunion est complète." in client.get(f"{BASE}/reunions/{meeting.pk}/").content.decode()


def test_agents_see_who_registered_and_publish_minutes_after(
    client, valbourg, agent_valbourg, habitant_valbourg
):
    consultation, _q = make_consultation(valbourg, agent_valbourg)
    meeting = make_meeting(valbourg, agent_valbourg, consultation=consultation)
    client.force_login(habitant_valbourg)
    client.post(
        f"{BASE}/reunions/{meeting.pk}/", {"name": "Henri", "email": habitant_valbourg.email, "seats": 1}
    )
    assert Registration.objects.get().person == habitant_valbourg
    assert client.get(f"{BASE}/gestion/reunions/{meeting.pk}/").status_code == 403

    client.force_login(agent_valbourg)
    page = client.get(f"{BASE}/gestion/reunions/{meeting.pk}/").content.decode()
    assert habitant_valbourg.email in page and "1 place(s) réservée(s) sur 3" in page
    with pytest.raises(ValidationError, match="après la réunion"):
        services.meeting_minutes_publish(commune=valbourg, actor=agent_valbourg, meeting=meeting, minutes="…")

    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(days=1), ends_at=None)
    client.post(
        f"{BASE}/gestion/reunions/{meeting.pk}/", {"action": "compte-rendu", "minutes": "Quarante présents."}
    )
    not_pdf = client.post(
        f"{BASE}/gestion/reunions/{meeting.pk}/",
        {"action": "document", "title": "Diaporama", "file": SimpleUploadedFile("d.pdf", b"hello")},
    )
    assert not_pdf.status_code == 400 and "Déposez un document PDF." in not_pdf.content.decode()
    client.post(
        f"{BASE}/gestion/reunions/{meeting.pk}/",
        {"action": "document", "title": "Diaporama", "file": SimpleUploadedFile("d.pdf", b"%PDF-1.4 test")},
    )
    client.logout()
    public = client.get(f"{BASE}/reunions/{meeting.pk}/").content.decode()
    assert "Quarante présents." in public and "Diaporama" in public and "S&#x27;inscrire" not in public
    document = meeting.documents.get()
    pdf = client.get(f"{BASE}/documents/{document.pk}/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "Les horaires de l&#x27;école" in public
    assert (
        "Réunion sur l&#x27;école"
        in client.get(f"{BASE}/consultations/{consultation.slug}/").content.decode()
    )


def test_another_communes_agent_is_refused(client, valbourg, hautmesnil, agent_valbourg, agent_hautmesnil):
    meeting = make_meeting(valbourg, agent_valbourg)
    client.force_login(agent_hautmesnil)
    assert client.get(f"{BASE}/gestion/reunions/{meeting.pk}/").status_code == 403
    assert client.get(f"/hautmesnil/participation/reunions/{meeting.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.meeting_minutes_publish(
            commune=valbourg, actor=agent_hautmesnil, meeting=meeting, minutes="x"
        )
    consultation, _q = make_consultation(valbourg, agent_valbourg)
    with pytest.raises(Exception, match="n'existe pas dans la commune"):
        services.meeting_create(
            commune=hautmesnil,
            actor=agent_hautmesnil,
            title="x",
            starts_at=timezone.now() + timedelta(days=1),
            place_name="x",
            agenda="x",
            consultation=consultation,
        )
    assert selectors.meeting_list(commune=hautmesnil).count() == 0
