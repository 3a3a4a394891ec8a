"""Demo data of the territory: the two fictional communes, their teams, places and the demo accounts."""

import random
from decimal import Decimal
from typing import Any

from beffroi.accounts.models import Role, User
from beffroi.accounts.services import membership_set, user_create
from beffroi.core import demo
from beffroi.core.models import AccessibilityLevel, Commune
from beffroi.core.services import commune_create
from beffroi.territory.models import NewsItem, Place, Team
from beffroi.territory.services import (
    commune_home_update,
    commune_identity_update,
    news_create,
    place_create,
    team_add_member,
    team_create,
)

DEMO_PASSWORD = "beffroi-demo"  # noqa: S105 — printed at start; these accounts exist only in a demo


def _square(lat: float, lon: float, half: float) -> dict:
    ring = [
        [lon - half * 1.4, lat - half],
        [lon + half * 1.4, lat - half],
        [lon + half * 1.4, lat + half],
        [lon - half * 1.4, lat + half],
        [lon - half * 1.4, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


COMMUNES: list[dict[str, Any]] = [
    {
        "name": "Valbourg",
        "slug": "valbourg",
        "insee_code": "21990",
        "population": 3214,
        "departement": "Côte-d'Or",
        "departement_code": "21",
        "region": "Bourgogne-Franche-Comté",
        "epci": "Communauté de communes des Coteaux du Val",
        "epci_siren": "200099001",
        "latitude": Decimal("47.318200"),
        "longitude": Decimal("4.832500"),
        "boundary": _square(47.3182, 4.8325, 0.025),
        "contact_email": "mairie@valbourg.demo.test",
        "contact_phone": "03 80 00 00 00",
        "address": "1 place de la Mairie, 21990 Valbourg",
        "opening_hours": "Du lundi au vendredi, 9 h – 12 h et 14 h – 17 h ; le samedi, 9 h – 12 h",
        "enabled_modules": ["reports", "budgeting", "planning", "datahub"],
    },
    {
        "name": "Hautmesnil",
        "slug": "hautmesnil",
        "insee_code": "21991",
        "population": 612,
        "departement": "Côte-d'Or",
        "departement_code": "21",
        "region": "Bourgogne-Franche-Comté",
        "epci": "Communauté de communes des Coteaux du Val",
        "epci_siren": "200099001",
        "latitude": Decimal("47.361000"),
        "longitude": Decimal("4.771000"),
        "boundary": _square(47.361, 4.771, 0.012),
        "contact_email": "mairie@hautmesnil.demo.test",
        "contact_phone": "03 80 00 00 01",
        "address": "Place de l'Église, 21991 Hautmesnil",
        "opening_hours": "Le mardi et le jeudi, 14 h – 18 h",
        "enabled_modules": ["reports"],
    },
]

TEAMS = {
    "valbourg": [
        ("Voirie et propreté", "voirie@valbourg.demo.test"),
        ("Espaces verts", "espaces-verts@valbourg.demo.test"),
        ("Bâtiments et éclairage", "batiments@valbourg.demo.test"),
        ("Accueil de la mairie", "accueil@valbourg.demo.test"),
    ],
    "hautmesnil": [("Services techniques", "technique@hautmesnil.demo.test")],
}

PLACES = {
    "valbourg": [
        ("Mairie", "batiment", "1 place de la Mairie", "47.318200", "4.832500"),
        ("École élémentaire Jules-Ferry", "ecole", "12 rue des Écoles", "47.321100", "4.828900"),
        ("Place du Marché", "place", "Place du Marché", "47.317400", "4.834800"),
        ("Salle des fêtes", "batiment", "8 avenue de la Gare", "47.314900", "4.838200"),
        ("Parc du Château", "parc", "Rue du Château", "47.322700", "4.838900"),
        ("Gymnase municipal", "batiment", "3 rue du Stade", "47.311800", "4.826300"),
        ("Rue de la République", "voie", "Rue de la République", "47.319300", "4.831000"),
    ],
    "hautmesnil": [
        ("Mairie", "batiment", "Place de l'Église", "47.361000", "4.771000"),
        ("Lavoir", "autre", "Chemin du Lavoir", "47.362300", "4.769200"),
    ],
}

ACCOUNTS = [
    ("admin@demo.test", "Alice Administratrice", "valbourg", Role.ADMIN, None),
    ("elu@demo.test", "Étienne Maire-Adjoint", "valbourg", Role.ELU, None),
    ("agent@demo.test", "Agnès Agent", "valbourg", Role.AGENT, "voirie-et-proprete"),
    ("habitant@demo.test", "Henri Habitant", "valbourg", Role.HABITANT, None),
    (
        "mairie@hautmesnil.demo.test",
        "Hugo Secrétaire de mairie",
        "hautmesnil",
        Role.ADMIN,
        "services-techniques",
    ),
]


OPERATOR = ("operateur@demo.test", "Olivier Opérateur")
NEWS = {
    "valbourg": [
        (
            "Travaux rue des Tilleuls",
            "La chaussée de la rue des Tilleuls est refaite du 8 au 19 décembre ; la circulation est alternée.\n"
            "Le plan de déviation est affiché en mairie.",
        ),
        (
            "Marché de Noël",
            "Le marché de Noël se tient place de la Mairie le samedi 13 décembre de 10 h à 19 h. "
            "Programme : https://www.valbourg.example/noel",
        ),
    ]
}
WELCOME = {
    "valbourg": "Ici, vous pouvez signaler un problème dans la commune, faire vos démarches, suivre le projet de "
    "la commune et participer au budget participatif : la mairie vous répond."
}

# Hautmesnil's is left to fill in: its first steps show the item to do.
PUBLICATION_DIRECTORS = {"valbourg": "Claire Morel, maire de Valbourg"}


def summary() -> list[str]:
    lines = [f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :"]
    for email, _name, slug, role, _team in ACCOUNTS:
        lines.append(f"  {email:<32} {Role(role).label!s:<22} {slug}")
    lines.append(f"  {OPERATOR[0]:<32} {'opérateur':<22} /plateforme/communes/")
    return lines


@demo.register("territory", order=10, summary=summary)
def load() -> None:
    communes = {}
    for spec in COMMUNES:
        commune = Commune.objects.filter(slug=spec["slug"]).first() or commune_create(**spec)
        communes[commune.slug] = commune
        for name, email in TEAMS[commune.slug]:
            if not Team.objects.filter(commune=commune, name=name).exists():
                team_create(commune=commune, name=name, email=email)
        for name, kind, address, lat, lon in PLACES[commune.slug]:
            if not Place.objects.filter(commune=commune, name=name).exists():
                place_create(
                    commune=commune,
                    name=name,
                    kind=kind,
                    address=address,
                    latitude=Decimal(lat),
                    longitude=Decimal(lon),
                )
    for slug, items in NEWS.items():
        if not NewsItem.objects.filter(commune=communes[slug]).exists():
            for title, body in items:
                news_create(commune=communes[slug], actor=None, title=title, body=body)
    for slug, text in WELCOME.items():
        if not communes[slug].welcome_text:
            # « non conforme » stated, as a site must until an audit founds more (RGAA): its first step is done
            commune_home_update(
                commune=communes[slug],
                actor=None,
                welcome_text=text,
                accessibility_level=AccessibilityLevel.NONE,
            )
    for slug, director in PUBLICATION_DIRECTORS.items():
        if not communes[slug].publication_director:
            commune_identity_update(commune=communes[slug], actor=None, publication_director=director)
    if not User.objects.filter(email=OPERATOR[0]).exists():
        # The platform operator's staff account (User.is_staff): the pages that add and archive communes.
        User.objects.create_user(OPERATOR[0], DEMO_PASSWORD, full_name=OPERATOR[1], is_staff=True)
    for email, full_name, slug, role, team_slug in ACCOUNTS:
        user = User.objects.filter(email=email).first() or user_create(
            email=email, password=DEMO_PASSWORD, full_name=full_name
        )
        membership_set(commune=communes[slug], user=user, role=role)
        if team_slug:
            team = Team.objects.get(commune=communes[slug], slug=team_slug)
            if not team.members.filter(pk=user.pk).exists():
                team_add_member(team=team, user=user)


@demo.register("territory-geography", order=11)
def load_geography() -> None:
    """The demo communes' own base map (streets, buildings, named places) and Base Adresse Locale, generated
    by ``demo_geography`` and loaded through the same imports as a commune's real files."""
    from beffroi.territory import bal, demo_geography
    from beffroi.territory.models import Address, MapLayer
    from beffroi.territory.services import addresses_import, map_layer_import

    for slug, town in demo_geography.TOWNS.items():
        commune = Commune.objects.filter(slug=slug).first()
        if commune is None:
            continue
        streets, buildings, places, addresses = demo_geography.generate(town)
        if not MapLayer.objects.filter(commune=commune).exists():
            for kind, collection in (("voies", streets), ("batiments", buildings), ("lieux", places)):
                map_layer_import(commune=commune, kind=kind, collection=collection, source="démonstration")
        if not Address.objects.filter(commune=commune).exists():
            text = bal.write(addresses, commune_name=town.name, source=f"Commune de {town.name}")
            addresses_import(commune=commune, text=text)


_STAFF_PASSWORD: list[
    str
] = []  # hashed once (Argon2 is slow on purpose), shared by every scale commune's staff


def scale_staff_password() -> str:
    from django.contrib.auth.hashers import make_password

    if not _STAFF_PASSWORD:
        _STAFF_PASSWORD.append(make_password(DEMO_PASSWORD))
    return _STAFF_PASSWORD[0]


@demo.register_commune("territory", order=10)
def load_commune(commune: Commune, rng: random.Random) -> None:
    """Teams, places and staff of one more demo commune: `agent@<slug>.demo.test` (agent of the voirie team),
    `mairie@<slug>.demo.test` (administrateur) and `elu@<slug>.demo.test` (élu), password of the demo."""
    teams = [team_create(commune=commune, name=name, email="") for name, _email in TEAMS["valbourg"]]
    lat0, lon0 = float(commune.latitude or 0), float(commune.longitude or 0)
    for name, kind, address, lat, lon in PLACES["valbourg"]:
        place_create(
            commune=commune,
            name=name,
            kind=kind,
            address=address,
            latitude=Decimal(f"{lat0 + float(lat) - 47.3182:.6f}"),
            longitude=Decimal(f"{lon0 + float(lon) - 4.8325:.6f}"),
        )
    news_create(commune=commune, actor=None, title=NEWS["valbourg"][0][0], body=NEWS["valbourg"][0][1])
    for local, name, role in (
        ("agent", "Agent des services techniques", Role.AGENT),
        ("mairie", "Secrétaire de mairie", Role.ADMIN),
        ("elu", "Maire", Role.ELU),
    ):
        user = user_create(email=f"{local}@{commune.slug}.demo.test", password=None, full_name=name)
        User.objects.filter(pk=user.pk).update(password=scale_staff_password())
        membership_set(commune=commune, user=user, role=role)
        if role == Role.AGENT:
            team_add_member(team=teams[0], user=user)
