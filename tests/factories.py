"""Factories for the core objects; multi-step states go through the real services."""

from decimal import Decimal

import factory
from django.utils import timezone

from beffroi.accounts.models import Membership, Role, User
from beffroi.core.models import Commune
from beffroi.territory.models import Team

PASSWORD = "mot-de-passe-de-test"


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.Sequence(lambda n: f"commune-{n}")
    insee_code = factory.Sequence(lambda n: f"{70000 + n:05d}")
    population = 1500
    departement = "Côte-d'Or"
    departement_code = "21"
    region = "Bourgogne-Franche-Comté"
    latitude = Decimal("47.3")
    longitude = Decimal("4.8")
    contact_email = factory.LazyAttribute(lambda o: f"mairie@{o.slug}.test")
    enabled_modules = factory.LazyFunction(
        lambda: ["reports", "budgeting", "datahub", "planning"]
    )  # every module


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"personne{n}@example.test")
    full_name = factory.Faker("name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)
    # Confirmed, as accounts the mairie creates are; sign-up's unconfirmed state is built by its own tests.
    email_confirmed_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    commune = factory.SubFactory(CommuneFactory)
    role = Role.HABITANT


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    commune = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")


def member(commune: Commune, role: str, email: str | None = None) -> User:
    user = UserFactory(**({"email": email} if email else {}))
    MembershipFactory(user=user, commune=commune, role=role)
    return user
