"""Every map has streets: the tile service (Plan IGN by default, the only third-party origin in the CSP) and
the commune's own vector layers under it, served from its base map; the demo communes have such layers."""

import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from beffroi.core.services import commune_update
from beffroi.territory import demo_geography, services
from beffroi.territory.models import MapLayer
from tests.factories import member

PLAN_IGN_ORIGIN = "https://data.geopf.fr"
SQUARE_V = {
    "type": "Polygon",
    "coordinates": [[[4.79, 47.29], [4.87, 47.29], [4.87, 47.34], [4.79, 47.34], [4.79, 47.29]]],
}


def street(name, coords):
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "LineString", "coordinates": coords},
    }


@pytest.fixture
def mapped(valbourg):
    commune_update(
        commune=valbourg,
        boundary=SQUARE_V,
        enabled_modules=["reports"],
        latitude=Decimal("47.318"),
        longitude=Decimal("4.832"),
    )
    from beffroi.reports import services as report_services

    report_services.states_ensure(commune=valbourg)
    return valbourg


def basemap_config(html: str) -> dict:
    match = re.search(r'<script id="basemap-config" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page carries no base-map configuration"
    return json.loads(match.group(1))


def test_the_csp_lets_images_come_from_the_tile_service_and_nowhere_else(client, mapped):
    response = client.get("/valbourg/signalements/carte/")
    policy = response["Content-Security-Policy"]
    img_src = next(d for d in policy.split(";") if d.strip().startswith("img-src")).split()[1:]
    assert img_src == ["'self'", "data:", PLAN_IGN_ORIGIN]
    for directive in policy.split(";"):
        if not directive.strip().startswith("img-src"):
            assert "geopf" not in directive


def test_the_origin_is_read_from_the_tile_url():
    from beffroi.settings import _origin

    assert _origin("https://tiles.example.org:8443/{z}/{x}/{y}.png") == "https://tiles.example.org:8443"
    assert _origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://a.tile.example.org"
    assert _origin("") == ""


def test_the_report_map_is_drawn_on_plan_ign_with_its_attribution(client, mapped):
    html = client.get("/valbourg/signalements/carte/").content.decode()
    config = basemap_config(html)
    assert config["tiles"]["url"].startswith(
        "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
    )
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in config["tiles"]["url"]
    assert config["tiles"]["attribution"] == "© IGN – Plan IGN"
    assert "beffroi/basemap.js" in html and "vendor/leaflet/leaflet.js" in html


def test_without_a_tile_service_the_maps_rely_on_the_commune_s_own_layers(client, mapped, admin_valbourg):
    services.map_layer_import(
        commune=mapped,
        kind="voies",
        collection={
            "type": "FeatureCollection",
            "features": [street("Rue des Écoles", [[4.83, 47.31], [4.84, 47.32]])],
        },
        actor=admin_valbourg,
    )
    with override_settings(BEFFROI_TILE_URL=""):
        config = basemap_config(client.get("/valbourg/signalements/signaler/").content.decode())
    assert config["tiles"] is None
    layers = client.get(config["layers_url"])
    assert layers.status_code == 200
    assert layers.json()["voies"]["features"][0]["properties"]["name"] == "Rue des Écoles"
    again = client.get(config["layers_url"], HTTP_IF_NONE_MATCH=layers["ETag"])
    assert again.status_code == 304


def test_the_base_map_of_one_commune_is_not_served_to_another(client, mapped, hautmesnil, admin_valbourg):
    services.map_layer_import(
        commune=mapped,
        kind="voies",
        collection={
            "type": "FeatureCollection",
            "features": [street("Rue des Écoles", [[4.83, 47.31], [4.84, 47.32]])],
        },
        actor=admin_valbourg,
    )
    assert client.get("/hautmesnil/territoire/fond-de-carte.json").json() == {}


@pytest.mark.parametrize(
    ("kind", "feature", "message"),
    [
        ("batiments", street("Rue", [[4.83, 47.31], [4.84, 47.32]]), "ne convient pas à cette couche"),
        ("voies", street("Rue", [[851000.0, 6700000.0], [851100.0, 6700100.0]]), "WGS84"),
        ("voies", street("", [[4.83, 47.31], [4.84, 47.32]]), "il lui manque son nom"),
    ],
)
def test_a_layer_that_does_not_fit_is_refused_whole_in_french(mapped, admin_valbourg, kind, feature, message):
    with pytest.raises(services.GeoDataError, match=message):
        services.map_layer_import(
            commune=mapped,
            kind=kind,
            collection={"type": "FeatureCollection", "features": [feature]},
            actor=admin_valbourg,
        )
    assert not MapLayer.objects.exists()


def test_only_the_commune_s_administrators_import_layers(mapped, hautmesnil):
    collection = {"type": "FeatureCollection", "features": [street("Rue", [[4.83, 47.31], [4.84, 47.32]])]}
    for actor in (member(mapped, "agent", "a@v.test"), member(hautmesnil, "admin", "h@h.test")):
        with pytest.raises(PermissionDenied):
            services.map_layer_import(commune=mapped, kind="voies", collection=collection, actor=actor)


def test_the_import_command_reads_geojson_files(tmp_path, mapped, capsys):
    from django.core.management import call_command

    path = tmp_path / "voies.geojson"
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": [street("Rue Pasteur", [[4.83, 47.31], [4.84, 47.32]])]}
        ),
        encoding="utf-8",
    )
    call_command("fond_de_carte", "valbourg", f"voies={path}")
    assert MapLayer.objects.get(commune=mapped, kind="voies").feature_count == 1
    assert "1 objet" in capsys.readouterr().out


@pytest.mark.parametrize("town", demo_geography.TOWNS.values(), ids=lambda t: t.slug)
def test_the_demo_towns_have_named_streets_buildings_and_places_inside_their_commune(town):
    from shapely.geometry import Point, shape

    from beffroi.territory.demo import COMMUNES

    spec = next(c for c in COMMUNES if c["slug"] == town.slug)
    outline = shape(spec["boundary"])
    streets, buildings, places, addresses = demo_geography.generate(town)
    names = {f["properties"]["name"] for f in streets["features"]}
    assert "Rue des Écoles" in names and all(names)
    assert len(buildings["features"]) > 100
    assert {"mairie", "ecole", "eglise", "place"} <= {f["properties"]["kind"] for f in places["features"]}
    assert all(outline.covers(Point(a.longitude, a.latitude)) for a in addresses)
    keys = [a.interop_key for a in addresses]
    assert len(keys) == len(set(keys))


def test_the_demo_places_stand_at_their_address():
    """« 12 rue des Écoles » is the school of the demo's list of places, « 1 place de la Mairie » the town hall."""
    from beffroi.territory.demo import PLACES

    *_, addresses = demo_geography.generate(demo_geography.VALBOURG)
    by_label = {f"{a.number} {a.street.lower()}": a for a in addresses}
    for name, _kind, address, lat, lon in PLACES["valbourg"]:
        found = by_label.get(address.lower())
        if found is None:
            continue
        assert abs(found.latitude - float(lat)) < 0.00002 and abs(found.longitude - float(lon)) < 0.00002, (
            name
        )
    assert "12 rue des écoles" in by_label and "1 place de la mairie" in by_label


BAL_HEADER = (
    "uid_adresse;cle_interop;commune_insee;commune_nom;voie_nom;lieudit_complement_nom;numero;suffixe;position;"
    "x;y;long;lat;cad_parcelles;source;date_der_maj;certification_commune\n"
)


def test_an_administrator_uploads_the_bal_and_reads_each_refused_line(client, mapped, admin_valbourg):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = BAL_HEADER + (
        ";21990_0120_00014;21990;Valbourg;Rue des Écoles;;14;;entrée;;;4.832;47.318;;Commune;2026-01-02;1\n"
        ";21990_0120_00016;21990;Valbourg;Rue des Écoles;;16;;entrée;;;4.950;47.318;;Commune;2026-01-02;1\n"
        ";21990-0120-00018;21990;Valbourg;Rue des Écoles;;18;;entrée;;;4.832;47.318;;Commune;2026-01-02;1\n"
    )
    client.force_login(admin_valbourg)
    page = client.get("/valbourg/espace-agents/administration/plan-et-adresses/")
    assert page.status_code == 200 and "Base Adresse Locale" in page.content.decode()
    response = client.post(
        "/valbourg/espace-agents/administration/plan-et-adresses/",
        {"form": "bal", "file": SimpleUploadedFile("bal.csv", text.encode("utf-8"), "text/csv")},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "1 adresse importée." in html
    assert "<td>3</td><td>L&#x27;adresse est hors du contour de la commune.</td>" in html
    assert "<td>4</td><td>Clé d&#x27;interopérabilité « 21990-0120-00018 » invalide" in html


def test_a_bal_file_that_is_not_utf8_is_refused_with_a_reason(client, mapped, admin_valbourg):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_valbourg)
    text = BAL_HEADER + ";21990_0120_00014;21990;Valbourg;Rue des Écoles;;14;;;;;4.832;47.318;;;;1\n"
    response = client.post(
        "/valbourg/espace-agents/administration/plan-et-adresses/",
        {"form": "bal", "file": SimpleUploadedFile("bal.csv", text.encode("latin-1"), "text/csv")},
    )
    assert response.status_code == 400 and "encodé en UTF-8" in response.content.decode()


def test_the_geodata_page_is_for_administrators_only(client, mapped):
    client.force_login(member(mapped, "agent", "a@v.test"))
    assert client.get("/valbourg/espace-agents/administration/plan-et-adresses/").status_code == 403


def test_a_tapped_point_is_named_by_its_nearest_address(client, mapped, admin_valbourg):
    services.addresses_import(
        commune=mapped,
        text=BAL_HEADER
        + ";21990_0120_00014;21990;Valbourg;Rue des Écoles;;14;;entrée;;;4.832;47.318;;Commune;2026-01-02;1\n",
        actor=admin_valbourg,
    )
    near = client.get("/valbourg/territoire/adresses/proche.json", {"lat": "47.31805", "lon": "4.83205"})
    assert near.json() == {"label": "14 rue des Écoles"}
    far = client.get("/valbourg/territoire/adresses/proche.json", {"lat": "47.33", "lon": "4.85"})
    assert far.json() == {"label": None}
    assert client.get("/valbourg/territoire/adresses/proche.json", {"lat": "x"}).status_code == 400


def test_the_data_hub_map_has_the_base_map_too(client, mapped):
    commune_update(commune=mapped, enabled_modules=["reports", "datahub"])
    html = client.get("/valbourg/donnees/").content.decode()
    assert basemap_config(html)["tiles"]["attribution"] == "© IGN – Plan IGN"
    assert "beffroi/basemap.js" in html
