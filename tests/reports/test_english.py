"""Issue #18 item 9: a visitor who chose English reads the shipped data in English (report states, shipped
categories, the use-case catalogue, the map hint); a commune's own wording stays as written; the APIs answer
in one language whatever the cookie (platform API and Open311 in French, NGSI-LD in English); the English
catalogue is complete."""

import html
import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

from beffroi.core.services import commune_update
from beffroi.reports import services
from beffroi.reports.models import State
from tests.reports.conftest import file_report

pytestmark = pytest.mark.django_db
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def test_a_report_reads_its_shipped_state_and_category_in_english(client, setup_reports, valbourg):
    report = file_report(valbourg, setup_reports["light"])
    french = text(client.get(f"/valbourg/signalements/{report.pk}/"))
    assert "Nouveau" in french and "Éclairage public" in french

    page = text(in_english(client).get(f"/valbourg/signalements/{report.pk}/"))
    assert ">New<" in page and "Street lighting" in page
    assert "Nouveau" not in page and "Éclairage public" not in page
    # the stored text stays the French source
    assert State.objects.get(commune=valbourg, code="nouveau").label == "Nouveau"


def test_a_commune_s_own_wording_is_never_translated(client, setup_reports, valbourg):
    state = State.objects.get(commune=valbourg, code="nouveau")
    services.state_save(
        commune=valbourg,
        actor=None,
        state=state,
        label="Reçu en mairie",
        kind="open",
        order=state.order,
        is_initial=True,
    )
    report = file_report(valbourg, setup_reports["pothole"])  # its name « Nid-de-poule » is the commune's own
    page = text(in_english(client).get(f"/valbourg/signalements/{report.pk}/"))
    assert "Reçu en mairie" in page and "Nid-de-poule" in page


def test_the_shipped_category_questions_are_asked_in_english(client, setup_reports, valbourg):
    from beffroi.reports.presets import DEMO_CATEGORIES

    code, name, description, _team, questions = next(
        s for s in DEMO_CATEGORIES["valbourg"] if s[0] == "depot-sauvage"
    )
    services.category_create(
        commune=valbourg, code=code, name=name, description=description, questions=questions, actor=None
    )
    page = text(in_english(client).get(f"/valbourg/signalements/signaler/{code}/"))
    assert "Cleanliness: fly-tipping" in page and "Kind of waste" in page and "Bulky waste" in page
    assert name not in page and questions[0]["label"] not in page
    french = text(client.get(f"/valbourg/signalements/signaler/{code}/", HTTP_COOKIE=""))
    assert questions[0]["label"] in french


def test_the_map_hint_comes_translated_from_the_page(client, setup_reports, valbourg):
    commune_update(commune=valbourg, enabled_modules=["reports"])
    french = text(client.get("/valbourg/signalements/signaler/"))
    assert 'data-hint="Touchez la carte' in french
    page = text(in_english(client).get("/valbourg/signalements/signaler/"))
    hint = re.search(r'data-hint="([^"]*)"', page)
    picked = re.search(r'data-picked="([^"]*)"', page)
    near = re.search(r'data-near="([^"]*)"', page)
    assert hint and picked and near
    assert "map" in hint.group(1) and "Touchez" not in hint.group(1)
    assert "Point choisi" not in picked.group(1)
    assert "{address}" in near.group(1) and "près du" not in near.group(1)
    script = (Path(settings.BASE_DIR) / "reports" / "static" / "reports" / "map.js").read_text(
        encoding="utf-8"
    )
    assert "Touchez" not in script and "Point choisi" not in script


def test_a_use_case_reads_in_english(client, valbourg):
    commune_update(commune=valbourg, enabled_modules=["planning"])
    french = text(client.get("/valbourg/projet/cas-d-usage/eclairage-intelligent/"))
    assert "Éclairage public intelligent" in french
    page = text(in_english(client).get("/valbourg/projet/cas-d-usage/eclairage-intelligent/"))
    assert "Smart street lighting" in page and "2,000 to 10,000 inhabitants" in page
    assert "Éclairage public intelligent" not in page and "Données personnelles (RGPD)" not in page
    catalogue = text(client.get("/valbourg/projet/"))
    assert "Water leak detection" in catalogue and "Détection des fuites d'eau" not in catalogue


def test_the_platform_api_answers_in_french_whatever_the_cookie(client, setup_reports, valbourg):
    from beffroi.core.services import apikey_create

    commune_update(commune=valbourg, enabled_modules=["reports", "planning"])
    _key, secret = apikey_create(commune=valbourg, scope="read")
    in_english(client)
    unknown = client.get("/api/planning/use-cases/nexiste-pas", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert unknown.status_code == 404 and unknown["Content-Type"] == "application/problem+json"
    assert unknown.json()["title"] == "Introuvable" and unknown.json()["detail"] == "Cas d'usage inconnu."
    invalid = client.get("/api/reports/reports?limit=abc", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert invalid["title"] == "Requête invalide" and "Nombre entier attendu" in invalid["detail"]
    wrong_method = client.delete("/api/reports/reports", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert wrong_method.status_code == 405 and wrong_method["Content-Type"] == "application/problem+json"
    assert wrong_method.json()["title"] == "Méthode non autorisée" and "GET" in wrong_method["Allow"]
    anonymous = client.get("/api/reports/reports").json()
    assert anonymous["title"] == "Authentification requise" and anonymous["detail"].startswith("Clé d'API")
    use_case = client.get(
        "/api/planning/use-cases/eclairage-intelligent", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert use_case.json()["title"] == "Éclairage public intelligent"


def test_open311_in_french_and_ngsi_ld_in_english_whatever_the_cookie(client, setup_reports, valbourg):
    in_english(client)
    open311 = client.get("/open311/v2/requests.json?jurisdiction_id=nexiste")
    assert open311.status_code == 404 and "inconnu" in json.dumps(open311.json(), ensure_ascii=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    ngsi = client.get("/ngsi-ld/v1/nexiste")
    assert ngsi.status_code == 404 and ngsi["Content-Language"] == "en"
    assert ngsi.json()["title"] == "The resource was not found"  # NGSI-LD's own ResourceNotFound


def test_the_english_catalogue_is_complete():
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []
    compiled = {
        (entry.msgctxt, entry.msgid): entry for entry in polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    }
    stale = [
        entry.msgid
        for entry in catalogue.translated_entries()
        if (entry.msgctxt, entry.msgid) not in compiled
        or compiled[entry.msgctxt, entry.msgid].msgstr != entry.msgstr
    ]
    assert stale == [], "compilemessages was not run after the last translations"
    # no French spacing before punctuation in English
    french_spacing = [
        entry.msgstr
        for entry in catalogue.translated_entries()
        if re.search(r"\w[  ][:;?!](\s|$)", entry.msgstr)
    ]
    assert french_spacing == []


def test_every_use_case_text_has_its_english():
    from beffroi.planning.use_case_catalogue import TEXT_KEYS, load_translations, translate_texts

    translations = load_translations("en")
    missing: list[str] = []

    def walk(value, key=None):
        if isinstance(value, str):
            if key in TEXT_KEYS and re.search(r"[^\W\d_]", value) and value not in translations:
                missing.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)

    source = json.loads((Path(settings.BASE_DIR) / "planning" / "data" / "use_cases.json").read_text("utf-8"))
    walk(source)
    assert missing == []
    english = translate_texts(source, translations)
    # codes and figures are never translated
    assert [u["code"] for u in english["use_cases"]] == [u["code"] for u in source["use_cases"]]
    assert english["use_cases"][0]["costs"]["bands"] == [
        {**band, "label": translations[band["label"]]} for band in source["use_cases"][0]["costs"]["bands"]
    ]
