"""A resident's photo on an idea (proposals: tests/participation/test_pictures.py): checked (real type, size), stripped of its EXIF/GPS metadata,
shown on the cards with the sentence that says what it shows (alt="" when none was given)."""

import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from beffroi.budgeting.models import Project
from tests.budgeting.conftest import make_budget

pytestmark = pytest.mark.django_db

BASE = "/valbourg/budget-participatif"
IDEA = {"title": "Un banc au lavoir", "description": "Pour s'asseoir.", "category": "cadre-de-vie"}


def photo_with_gps() -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), "#3a7")
    exif = Image.Exif()
    exif[0x010F] = "Appareil de Jeanne"  # Make
    exif[0x8825] = {1: "N", 2: (47.0, 19.0, 5.0)}  # GPS IFD: where the photo was taken
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile("IMG_jeanne_maison.jpg", out.getvalue(), "image/jpeg")


def test_an_idea_with_a_photo_shows_it_on_its_card_without_its_metadata(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    response = client.post(
        f"{BASE}/{budget.slug}/proposer/",
        {**IDEA, "picture": photo_with_gps(), "picture_alt": "Le lavoir, sans banc"},
    )
    assert response.status_code == 302
    idea = Project.objects.get()
    assert "jeanne" not in idea.picture.name.lower()  # the file name could tell who or where
    with Image.open(idea.picture.open("rb")) as stored:
        assert stored.format == "JPEG" and not stored.getexif()
    page = client.get(f"{BASE}/{budget.slug}/idees/").content.decode()
    thumb = f"{BASE}/{budget.slug}/idees/{idea.pk}/vignette/"
    assert f'<img class="card-picture" src="{thumb}" alt="Le lavoir, sans banc"' in page
    served = client.get(thumb)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert (
        client.get(f"/hautmesnil/budget-participatif/{budget.slug}/idees/{idea.pk}/photo/").status_code == 404
    )


def test_a_file_that_is_not_a_photo_is_refused_in_french(client, valbourg, agent_valbourg):
    budget = make_budget(valbourg, agent_valbourg, phase="ideas")
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 pas une image", "image/jpeg")
    response = client.post(f"{BASE}/{budget.slug}/proposer/", {**IDEA, "picture": fake})
    assert response.status_code == 200
    assert "Ce fichier n'est pas une photo lisible" in html.unescape(response.content.decode())
    assert not Project.objects.exists()
