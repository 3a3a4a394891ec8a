import io
from decimal import Decimal
from html.parser import HTMLParser

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


class _PostedForm(HTMLParser):
    """What a browser sends from the page's own form (the method="post" form inside <main>), submit buttons left
    out: text as shown, ticked boxes only, the selected option (else the first), a text area's content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.in_main = self.in_form = False
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self.in_main = True
        elif tag == "form" and self.in_main and (a.get("method") or "").lower() == "post":
            self.in_form = True
        elif not self.in_form or not a.get("name") and tag != "option":
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "reset", "image", "file"):
            if a.get("type") not in ("checkbox", "radio"):
                self.values[a["name"]] = a.get("value") or ""
            elif "checked" in a:
                self.values[a["name"]] = a.get("value") or "on"
        elif tag == "select":
            self.select, self.first_option = a["name"], None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = a.get("value") or ""
            if "selected" in a:
                self.values[self.select] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = a["name"]
            self.values[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self.select:
            self.values.setdefault(self.select, self.first_option or "")
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.values[self.textarea] = self.values[self.textarea].removeprefix("\n")
            self.textarea = None


def posted_form(response) -> dict[str, str]:
    """The fields of the page's form as a browser would send them back untouched (without the CSRF token)."""
    reader = _PostedForm()
    reader.feed(response.content.decode())
    reader.values.pop("csrfmiddlewaretoken", None)
    return reader.values


def post_report(client, **extra):
    """A resident's report of a pothole through the form without JavaScript, with `extra` fields."""
    data = {
        "latitude": "47.318000",
        "longitude": "4.832000",
        "description": "Trou profond",
        "q_danger": "oui",
        "contact_email": "",
        "contact_phone": "",
        "website": "",
        **extra,
    }
    return client.post("/valbourg/signalements/signaler/nid-de-poule/", data)
