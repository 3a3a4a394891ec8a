"""Creating a commune from the official list, its presets and contour, archiving: what the operator and the
mayor see, bad input refused in French with nothing half-created."""

import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from beffroi.accounts import services as account_services
from beffroi.accounts.models import Invitation
from beffroi.core.models import AuditEntry, Commune
from beffroi.reports.models import Category, ReplyTemplate, State
from beffroi.territory import services
from beffroi.territory.models import Team
from tests.factories import UserFactory, member

ROVON = "38345"  # Rovon, Isère: 605 inhabitants in the bundled list


def square(lat: float, lon: float, half: float = 0.02) -> bytes:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]}).encode()


def mayor_of(commune):
    """The invited mayor accepts the mail's link and chooses a password."""
    invitation = Invitation.objects.get(commune=commune, role="admin")
    return account_services.invitation_accept_new_account(
        invitation=invitation, full_name="Claire Maire", password="un-mot-de-passe-solide-42"
    )


@pytest.fixture
def operator(db):
    return UserFactory(email="exploitation@syndicat.test", is_staff=True)


def test_a_commune_is_created_from_the_official_list(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        commune = services.commune_add(insee_code=ROVON, admin_email="Maire@Rovon.test", actor=operator)
    assert (commune.name, commune.slug, commune.population) == ("Rovon", "rovon", 605)
    assert (commune.departement, commune.departement_code, commune.region) == (
        "Isère",
        "38",
        "Auvergne-Rhône-Alpes",
    )
    assert commune.epci == "CC Saint-Marcellin Vercors Isère Communauté"
    assert commune.epci_siren == "200070431"
    assert commune.boundary is None and commune.latitude is None
    assert commune.home_published is False
    invitation = Invitation.objects.get(commune=commune)
    assert (invitation.email, invitation.role) == ("maire@rovon.test", "admin")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["maire@rovon.test"]
    assert "Rovon" in mail.outbox[0].subject + mail.outbox[0].body
    assert AuditEntry.objects.filter(commune=commune, action="commune.add", actor_id=operator.pk).exists()


def test_the_contour_gives_the_centre_and_must_contain_a_known_centre(operator):
    commune = services.commune_add(
        insee_code=ROVON, admin_email="maire@rovon.test", contour_file=square(45.19, 5.46), actor=operator
    )
    assert commune.boundary["type"] == "Polygon"
    assert abs(float(commune.latitude) - 45.19) < 0.02
    with pytest.raises(ValidationError) as refused:
        services.commune_contour_set(commune=commune, actor=operator, contour_file=square(45.5, 5.9))
    assert "ne contient pas le centre de Rovon" in refused.value.message_dict["contour"][0]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"pas du json", "n'est pas du GeoJSON lisible"),
        (json.dumps({"type": "Point", "coordinates": [5.46, 45.19]}).encode(), "pas « Point »"),
        (
            json.dumps({"type": "FeatureCollection", "features": []}).encode(),
            "exactement un objet",
        ),
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[5.4, 45.1], [5.5, 45.2], [5.5, 45.1], [5.4, 45.2], [5.4, 45.1]]],
                }
            ).encode(),
            "n'est pas valide",
        ),
        (square(-21.1, 55.5), "situé ailleurs qu'à Rovon"),  # La Réunion
        (
            json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[800000, 6400000], [810000, 6400000], [810000, 6410000], [800000, 6400000]]
                    ],
                }
            ).encode(),
            "EPSG:4326",
        ),
    ],
)
def test_a_bad_contour_is_refused_in_french_and_nothing_is_created(operator, payload, message):
    with pytest.raises(ValidationError) as refused:
        services.commune_add(
            insee_code=ROVON, admin_email="maire@rovon.test", contour_file=payload, actor=operator
        )
    assert message in refused.value.message_dict["contour"][0]
    assert not Commune.objects.filter(insee_code=ROVON).exists()


def test_a_contour_wrapped_in_a_feature_collection_is_accepted(operator):
    feature = {"type": "Feature", "properties": {"nom": "Rovon"}, "geometry": json.loads(square(45.19, 5.46))}
    payload = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    commune = services.commune_add(
        insee_code=ROVON, admin_email="m@rovon.test", contour_file=payload, actor=operator
    )
    assert commune.boundary["type"] == "Polygon"


def test_unknown_code_taken_slug_and_host_are_refused_in_french(operator, valbourg):
    with pytest.raises(ValidationError) as refused:
        services.commune_add(insee_code="99999", admin_email="m@x.test", actor=operator)
    assert "Aucune commune n'a le code INSEE « 99999 »" in refused.value.message_dict["insee_code"][0]
    valbourg.host = "services.valbourg.fr"
    valbourg.save()
    with pytest.raises(ValidationError) as refused:
        services.commune_add(
            insee_code=ROVON,
            admin_email="m@x.test",
            slug="valbourg",
            host="Services.Valbourg.fr",
            actor=operator,
        )
    errors = refused.value.message_dict
    assert "déjà pris par Valbourg" in errors["slug"][0]
    assert "sert déjà Valbourg" in errors["host"][0]
    with pytest.raises(ValidationError) as refused:
        services.commune_add(insee_code=ROVON, admin_email="m@x.test", slug="admin", actor=operator)
    assert "réservé" in refused.value.message_dict["slug"][0]
    services.commune_add(insee_code=ROVON, admin_email="m@x.test", actor=operator)
    with pytest.raises(ValidationError) as refused:
        services.commune_add(insee_code=ROVON, admin_email="m@x.test", slug="rovon-2", actor=operator)
    assert "déjà sur la plateforme" in refused.value.message_dict["insee_code"][0]
    assert Commune.objects.filter(insee_code=ROVON).count() == 1


def test_a_failed_creation_leaves_no_commune_behind(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as refused:
        services.commune_add(
            insee_code=ROVON, admin_email="pas une adresse", preset="village", actor=operator
        )
    assert "admin_email" in refused.value.message_dict
    assert not Commune.objects.filter(insee_code=ROVON).exists()
    assert not AuditEntry.objects.filter(action="commune.create").exists()
    assert not Team.objects.exists() and not Invitation.objects.exists()
    assert len(mail.outbox) == 0


def test_only_the_operator_creates_or_archives_a_commune(valbourg, admin_valbourg):
    with pytest.raises(PermissionDenied):
        services.commune_add(insee_code=ROVON, admin_email="m@x.test", actor=admin_valbourg)
    with pytest.raises(PermissionDenied):
        services.commune_archive(commune=valbourg, actor=admin_valbourg)
    assert not Commune.objects.filter(insee_code=ROVON).exists()


def test_the_village_preset_opens_signalements_with_five_categories_and_one_team(operator):
    commune = services.commune_add(
        insee_code=ROVON, admin_email="m@rovon.test", preset="village", actor=operator
    )
    assert commune.preset == "village"
    assert "reports" in commune.enabled_modules and "datahub" not in commune.enabled_modules
    assert list(Team.objects.filter(commune=commune).values_list("name", flat=True)) == ["Mairie"]
    categories = Category.objects.filter(commune=commune)
    assert categories.count() == 5
    assert {c.team.slug for c in categories} == {"mairie"}
    assert State.objects.filter(commune=commune, is_initial=True).count() == 1
    assert ReplyTemplate.objects.filter(commune=commune).count() == 4


def test_a_preset_applied_later_by_the_mayor_adds_without_deleting(operator):
    commune = services.commune_add(
        insee_code=ROVON, admin_email="m@rovon.test", preset="village", actor=operator
    )
    mayor = mayor_of(commune)
    Category.objects.filter(commune=commune, code="autre").update(name="Autre chose")
    services.commune_preset_apply(commune=commune, preset="petite-ville", actor=mayor)
    commune.refresh_from_db()
    assert commune.preset == "petite-ville"
    assert {"reports", "budgeting", "datahub", "planning"} <= set(commune.enabled_modules)
    assert Category.objects.filter(commune=commune).count() == 9
    assert Category.objects.get(commune=commune, code="autre").name == "Autre chose"
    assert Team.objects.filter(commune=commune).count() == 5  # the village's Mairie is kept
    assert ReplyTemplate.objects.filter(commune=commune).count() == 4


def test_another_commune_s_administrator_cannot_apply_a_preset(operator, hautmesnil):
    commune = services.commune_add(insee_code=ROVON, admin_email="m@rovon.test", actor=operator)
    intruder = member(hautmesnil, "admin", "admin@hautmesnil.test")
    with pytest.raises(PermissionDenied):
        services.commune_preset_apply(commune=commune, preset="village", actor=intruder)
    assert not Team.objects.filter(commune=commune).exists()
    with pytest.raises(ValidationError):
        services.commune_preset_apply(commune=commune, preset="metropole", actor=operator)


def test_archiving_keeps_the_data_and_reactivating_reopens(operator, valbourg):
    services.team_create(commune=valbourg, name="Voirie", actor=None)
    services.commune_archive(commune=valbourg, actor=operator)
    valbourg.refresh_from_db()
    assert valbourg.is_active is False and valbourg.archived_at is not None
    assert Team.objects.filter(commune=valbourg).exists()
    services.commune_archive(commune=valbourg, actor=operator, reactivate=True)
    valbourg.refresh_from_db()
    assert valbourg.is_active and valbourg.archived_at is None


def test_the_centre_given_by_the_operator_is_kept(operator):
    commune = services.commune_add(
        insee_code=ROVON,
        admin_email="m@rovon.test",
        latitude=Decimal("45.191"),
        longitude=Decimal("5.461"),
        actor=operator,
    )
    assert (commune.latitude, commune.longitude) == (Decimal("45.191"), Decimal("5.461"))


def test_the_command_adds_a_commune_and_says_what_is_wrong(db, tmp_path, valbourg):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    contour_file = tmp_path / "rovon.geojson"
    contour_file.write_bytes(square(45.19, 5.46))
    call_command(
        "commune",
        "add",
        "--insee",
        ROVON,
        "--admin",
        "maire@rovon.test",
        "--preset",
        "village",
        "--contour",
        str(contour_file),
        stdout=out,
    )
    assert "Rovon (38345, Isère) créée : /rovon/" in out.getvalue()
    assert Category.objects.filter(commune__slug="rovon").count() == 5
    with pytest.raises(CommandError, match="déjà sur la plateforme"):
        call_command("commune", "add", "--insee", ROVON, "--admin", "m@x.test", "--slug", "rovon-bis")
    with pytest.raises(CommandError, match="Aucune commune n'a le code INSEE « 00000 »"):
        call_command("commune", "add", "--insee", "00000", "--admin", "m@x.test")
    with pytest.raises(CommandError, match="--centre attend"):
        call_command("commune", "add", "--insee", "60343", "--admin", "m@x.test", "--centre", "nord")
    call_command("commune", "archive", "valbourg", stdout=out)
    valbourg.refresh_from_db()
    assert valbourg.archived_at is not None
    archive = tmp_path / "valbourg.zip"
    call_command("commune", "export", "valbourg", "--output", str(archive), stdout=out)
    assert archive.stat().st_size > 0 and "valbourg.zip" in out.getvalue()
