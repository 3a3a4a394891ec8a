import pytest

from beffroi.procedures import services
from beffroi.territory.models import Place


@pytest.fixture
def valbourg(valbourg):
    valbourg.enabled_modules = [*valbourg.enabled_modules, "procedures"]
    valbourg.address = "1 place de la Mairie, 21990 Valbourg"
    valbourg.contact_phone = "03 80 00 00 00"
    valbourg.save()
    return valbourg


@pytest.fixture
def hautmesnil(hautmesnil):
    hautmesnil.enabled_modules = [*hautmesnil.enabled_modules, "procedures"]
    hautmesnil.save()
    return hautmesnil


@pytest.fixture
def school(valbourg):
    return Place.objects.create(
        commune=valbourg, name="École Jules-Ferry", kind="ecole", latitude=47.3, longitude=4.8
    )


@pytest.fixture
def cantine(valbourg, school):
    return services.template_install(commune=valbourg, actor=None, code="cantine-periscolaire")
