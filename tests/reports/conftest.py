import io
from decimal import Decimal

import pytest
from PIL import Image

from beffroi.reports import services
from tests.factories import TeamFactory

SQUARE_V = {
    "type": "Polygon",
    "coordinates": [[[4.79, 47.29], [4.87, 47.29], [4.87, 47.34], [4.79, 47.34], [4.79, 47.29]]],
}
SQUARE_H = {
    "type": "Polygon",
    "coordinates": [[[4.75, 47.35], [4.79, 47.35], [4.79, 47.37], [4.75, 47.37], [4.75, 47.35]]],
}


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[0x8825] = {1: "N", 2: (47.0, 18.0, 0.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


@pytest.fixture
def setup_reports(valbourg, hautmesnil):
    from beffroi.core.services import commune_update

    commune_update(
        commune=valbourg,
        boundary=SQUARE_V,
        enabled_modules=["reports"],
        latitude=Decimal("47.318"),
        longitude=Decimal("4.832"),
    )
    commune_update(
        commune=hautmesnil,
        boundary=SQUARE_H,
        enabled_modules=["reports"],
        latitude=Decimal("47.361"),
        longitude=Decimal("4.771"),
    )
    services.states_ensure(commune=valbourg)
    services.states_ensure(commune=hautmesnil)
    team_v = TeamFactory(commune=valbourg, name="Voirie", slug="voirie")
    team_h = TeamFactory(commune=hautmesnil, name="Technique", slug="technique")
    pothole = services.category_create(
        commune=valbourg,
        code="nid-de-poule",
        name="Nid-de-poule",
        team=team_v,
        actor=None,
        questions=[
            {
                "code": "danger",
                "label": "Dangereux ?",
                "type": "singlevaluelist",
                "required": True,
                "choices": [{"key": "oui", "name": "Oui"}, {"key": "non", "name": "Non"}],
            },
            {
                "code": "nature",
                "label": "Nature",
                "type": "multivaluelist",
                "required": False,
                "choices": [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
            },
        ],
    )
    light = services.category_create(
        commune=valbourg, code="eclairage", name="Éclairage public", team=team_v, actor=None
    )
    batch = services.category_create(
        commune=valbourg, code="bruit", name="Bruit", service_type="batch", actor=None
    )
    other = services.category_create(
        commune=hautmesnil, code="voirie", name="Voirie", team=team_h, actor=None
    )
    return {"pothole": pothole, "light": light, "batch": batch, "other": other, "team": team_v}


def file_report(commune, category, **kw):
    defaults = {"description": "Un trou", "latitude": Decimal("47.318"), "longitude": Decimal("4.832")}
    if category.questions and "answers" not in kw:
        kw["answers"] = {"danger": "oui"}
    return services.report_create(commune=commune, category=category, **{**defaults, **kw})
