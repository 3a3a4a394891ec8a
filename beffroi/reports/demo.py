"""Demo data of the Signalements module: Valbourg's categories routed to its teams and about 200 reports over
the past year in every state (some filed at the counter, some with public replies); a few for Hautmesnil.
Deterministic (fixed seed) and idempotent (nothing is added once a commune has its demo reports)."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from beffroi.accounts.models import User
from beffroi.core import demo
from beffroi.core.models import Commune
from beffroi.reports import services
from beffroi.reports.models import Category, Report, ReportEvent, State
from beffroi.reports.presets import DEMO_CATEGORIES
from beffroi.territory.models import Address, Place, Team

CATEGORIES = DEMO_CATEGORIES  # the shipped categories (translatable while a commune keeps them as shipped)

DESCRIPTIONS = {
    "eclairage": [
        "Le lampadaire devant le n° {n} ne s'allume plus depuis plusieurs soirs.",
        "Lampadaire qui clignote toute la nuit, c'est gênant pour les riverains.",
        "Trois lampadaires éteints d'affilée, la rue est très sombre le soir.",
        "L'éclairage reste allumé en plein jour.",
    ],
    "nid-de-poule": [
        "Gros nid-de-poule au milieu de la chaussée, les vélos doivent faire un écart.",
        "La chaussée s'affaisse près de la bouche d'égout.",
        "Trou profond en bordure du trottoir, une roue s'y est coincée.",
        "Fissures importantes après les dernières gelées.",
    ],
    "depot-sauvage": [
        "Dépôt de gravats et de sacs au bord du chemin.",
        "Un matelas et un vieux canapé abandonnés sur le trottoir.",
        "Sacs d'ordures déchirés à côté des conteneurs.",
        "Des pots de peinture laissés près du point d'apport volontaire.",
    ],
    "arbre": [
        "Une grosse branche est tombée et bloque à moitié le trottoir.",
        "La haie déborde sur le trottoir, on ne peut plus passer avec une poussette.",
        "Arbre penché qui semble dangereux après la tempête.",
    ],
    "mobilier": [
        "Le banc est cassé, une planche manque.",
        "La poubelle est arrachée de son support.",
        "Le panneau de stop est tordu et difficile à voir.",
        "Vitre de l'abribus brisée.",
    ],
    "bruit": [
        "Musique très forte tous les soirs après 23 h.",
        "Aboiements continus la journée pendant des heures.",
    ],
    "voirie": ["Le fossé est bouché, l'eau déborde sur la route.", "Nid-de-poule à l'entrée du village."],
}

STREETS = [
    "rue de la République",
    "rue des Écoles",
    "avenue de la Gare",
    "rue du Château",
    "rue du Stade",
    "chemin des Vignes",
    "impasse des Tilleuls",
    "allée de l'Église",
    "rue Pasteur",
    "place du Marché",
]
REPLIES = [
    "Merci pour votre signalement : une équipe passera dans la semaine.",
    "L'intervention est programmée ; merci de votre patience.",
    "C'est réparé. Merci d'avoir pris le temps de nous prévenir.",
    "Ce point relève du Département : nous lui avons transmis votre signalement.",
]
TEMPLATES = [
    ("Accusé de réception", "Merci pour votre signalement : il a été transmis au service concerné."),
    ("Intervention programmée", "L'intervention est programmée dans les prochains jours."),
    ("Problème résolu", "Le problème est résolu. Merci de nous l'avoir signalé."),
    ("Hors compétence", "Ce point ne relève pas de la commune : nous l'avons transmis au service compétent."),
]


def _point(rng, commune):
    """A point in the inner part of the commune's boundary box (the demo boundaries are rectangles)."""
    ring = commune.boundary["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    clat, clon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    lat = clat + rng.uniform(-0.4, 0.4) * (max(lats) - min(lats))
    lon = clon + rng.uniform(-0.4, 0.4) * (max(lons) - min(lons))
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


def _typed_address(rng, place, counter, street_address) -> str:
    """What the report says of its place: nothing for a place chosen from the list; the address an agent noted
    at the counter; for a resident, often nothing (the point tapped on the map gives « près du … »)."""
    if place is not None:
        return ""
    if street_address is None:
        return f"{rng.randint(1, 60)} {rng.choice(STREETS)}"
    if counter or rng.random() < 0.3:
        return street_address.label
    return ""


def _load_commune(slug: str, count: int, rng: random.Random) -> None:
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        return
    services.states_ensure(commune=commune)
    for order, (code, name, desc, team_slug, questions) in enumerate(CATEGORIES[slug], start=1):
        if not Category.objects.filter(commune=commune, code=code).exists():
            services.category_create(
                commune=commune,
                code=code,
                name=name,
                description=desc,
                questions=questions,
                order=order,
                team=Team.objects.filter(commune=commune, slug=team_slug).first(),
                actor=None,
            )
    for title, body in TEMPLATES:
        if not services.ReplyTemplate.objects.filter(commune=commune, title=title).exists():
            services.reply_template_create(commune=commune, title=title, body=body, actor=None)
    if Report.objects.filter(commune=commune).exists():
        return
    agent_email = "agent@demo.test" if slug == "valbourg" else "mairie@hautmesnil.demo.test"
    agent = User.objects.filter(email=agent_email).first()
    states = {s.code: s for s in State.objects.filter(commune=commune)}
    categories = list(Category.objects.filter(commune=commune))
    places = list(Place.objects.filter(commune=commune))
    addresses = list(Address.objects.filter(commune=commune).order_by("pk"))
    now = timezone.now()
    for i in range(count):
        category = rng.choice(categories)
        answers = {}
        for q in category.questions:
            if q["type"] == "singlevaluelist":
                answers[q["code"]] = rng.choice(q["choices"])["key"]
            elif q["type"] == "multivaluelist":
                answers[q["code"]] = [rng.choice(q["choices"])["key"]]
        lat, lon = _point(rng, commune)
        place = rng.choice(places) if places and rng.random() < 0.15 else None
        counter = agent is not None and rng.random() < 0.15
        street_address = rng.choice(addresses) if addresses else None
        if street_address is not None:  # on a street of the commune's address base, a few metres off the door
            lat = Decimal(f"{street_address.latitude + rng.uniform(-0.00006, 0.00006):.6f}")
            lon = Decimal(f"{street_address.longitude + rng.uniform(-0.00008, 0.00008):.6f}")
        report = services.report_create(
            commune=commune,
            category=category,
            answers=answers,
            place=place,
            description=rng.choice(DESCRIPTIONS[category.code]).format(n=rng.randint(1, 60)),
            latitude=None if place else lat,
            longitude=None if place else lon,
            address_string=_typed_address(rng, place, counter, street_address),
            channel=rng.choice(["guichet", "telephone", "courrier"]) if counter else "web",
            actor=agent if counter else None,
            contact_name="Mme Martin" if counter else "",
            contact_email=f"habitant{i}@exemple.test" if rng.random() < 0.1 else "",
        )
        age = timedelta(days=rng.uniform(0, 360), hours=rng.uniform(0, 10))
        created = now - age
        Report.objects.filter(pk=report.pk).update(
            created_at=created, supports_count=rng.choice([0, 0, 0, 1, 2, 5])
        )
        ReportEvent.objects.filter(report=report).update(created_at=created)
        if agent is None:
            continue
        # Older reports have travelled further through the workflow.
        roll = rng.random()
        path = ["nouveau"]
        if age.days > 15 or roll < 0.4:
            path.append(rng.choice(["pris-en-compte", "planifie", "en-cours"]))
        if age.days > 20:
            path.append(rng.choices(["resolu", "non-pertinent", "transmis", "en-cours"], [6, 1, 1, 2])[0])
        report.refresh_from_db()
        if rng.random() < 0.3:
            services.report_set_due_date(
                report=report, actor=agent, due_date=(created + timedelta(days=14)).date()
            )
        for step, code in enumerate(path[1:], start=1):
            note = rng.choice(REPLIES) if code in ("resolu", "transmis") or rng.random() < 0.2 else ""
            services.report_change_state(report=report, actor=agent, state=states[code], note=note)
            when = created + timedelta(days=step * rng.uniform(0.5, 12))
            when = min(when, now)
            Report.objects.filter(pk=report.pk).update(
                updated_at=when, closed_at=when if not states[code].is_open else None
            )
            ReportEvent.objects.filter(
                report=report,
                created_at__gt=created + timedelta(seconds=1),
                created_at__gte=now - timedelta(minutes=5),
            ).update(created_at=when)
    # Henri Habitant filed two of them from his account, leaving his phone: « Mon espace » lists them and
    # offers him texts as well as mail.
    henri = User.objects.filter(email="habitant@demo.test").first()
    if slug == "valbourg" and henri is not None:
        mine = Report.objects.filter(commune=commune, channel="web", place=None).order_by("pk")
        picked = [r.pk for r in mine.filter(is_open=True)[:1]] + [
            r.pk for r in mine.filter(is_open=False)[:1]
        ]
        Report.objects.filter(pk__in=picked).update(
            reporter=henri, contact_name="", contact_email=henri.email, contact_phone="06 12 34 56 78"
        )
    # A few duplicates among Valbourg's open pothole reports.
    if slug == "valbourg" and agent is not None:
        potholes = list(
            Report.objects.filter(commune=commune, category__code="nid-de-poule", is_open=True)[:4]
        )
        if len(potholes) >= 2:
            services.report_merge(report=potholes[1], actor=agent, into=potholes[0])


@demo.register("reports", order=20)
def load() -> None:
    rng = random.Random(20260115)
    _load_commune("valbourg", 200, rng)
    _load_commune("hautmesnil", 8, rng)


SCALE_REPORTS = 200  # as many as Valbourg's


@demo.register_commune("reports", order=20)
def load_commune(commune: Commune, rng: random.Random) -> None:
    """One more demo commune's categories and 200 reports of the past year in every state, written in bulk
    (the same rows `report_create` and `report_change_state` write, without one transaction per report)."""
    from beffroi.core.codes import new_code
    from beffroi.reports.questions import questions_answered

    services.states_ensure(commune=commune)
    teams = {t.slug: t for t in Team.objects.filter(commune=commune)}
    for order, (code, name, desc, team_slug, questions) in enumerate(CATEGORIES["valbourg"], start=1):
        services.category_create(
            commune=commune,
            code=code,
            name=name,
            description=desc,
            questions=questions,
            order=order,
            team=teams.get(team_slug),
            actor=None,
        )
    for title, body in TEMPLATES:
        services.reply_template_create(commune=commune, title=title, body=body, actor=None)
    agent = User.objects.filter(email=f"agent@{commune.slug}.demo.test").first()
    states = {s.code: s for s in State.objects.filter(commune=commune)}
    categories = list(Category.objects.filter(commune=commune))
    places = list(Place.objects.filter(commune=commune))
    now = timezone.now()
    reports, histories = [], []
    for i in range(SCALE_REPORTS):
        category = rng.choice(categories)
        answers: dict = {}
        for q in category.questions:
            if q["type"] == "singlevaluelist":
                answers[q["code"]] = rng.choice(q["choices"])["key"]
            elif q["type"] == "multivaluelist":
                answers[q["code"]] = [rng.choice(q["choices"])["key"]]
        lat, lon = _point(rng, commune)
        place = rng.choice(places) if places and rng.random() < 0.15 else None
        counter = agent is not None and rng.random() < 0.15
        age = timedelta(days=rng.uniform(0, 360), hours=rng.uniform(0, 10))
        created = now - age
        path = ["nouveau"]
        if age.days > 15 or rng.random() < 0.4:
            path.append(rng.choice(["pris-en-compte", "planifie", "en-cours"]))
        if age.days > 20:
            path.append(rng.choices(["resolu", "non-pertinent", "transmis", "en-cours"], [6, 1, 1, 2])[0])
        final = states[path[-1]]
        moments = [created]
        for _step in path[1:]:
            moments.append(min(moments[-1] + timedelta(days=rng.uniform(0.5, 12)), now))
        reports.append(
            Report(
                commune=commune,
                category=category,
                description=rng.choice(DESCRIPTIONS[category.code]).format(n=rng.randint(1, 60)),
                latitude=place.latitude if place else lat,
                longitude=place.longitude if place else lon,
                address_string=(place.address or place.name)
                if place
                else f"{i % 60 + 1} {rng.choice(STREETS)}",
                place=place,
                tracking_code=new_code(),
                state=final,
                is_open=final.is_open,
                team=category.team,
                channel=rng.choice(["guichet", "telephone", "courrier"]) if counter else "web",
                created_by=agent if counter else None,
                contact_name="Mme Martin" if counter else "",
                answers=answers,
                answered_questions=questions_answered(category.questions, answers),
                supports_count=rng.choice([0, 0, 0, 1, 2, 5]),
                due_date=(created + timedelta(days=14)).date() if rng.random() < 0.3 else None,
                closed_at=None if final.is_open else moments[-1],
            )
        )
        histories.append((path, moments))
    Report.objects.bulk_create(reports)
    # auto_now(_add) fields take the time of the insert: the past is written afterwards, like the demo does
    demo.set_columns(
        Report,
        ["created_at", "updated_at"],
        [
            (report.pk, moments[0], moments[-1])
            for report, (_path, moments) in zip(reports, histories, strict=True)
        ],
    )
    events = []
    for report, (path, _moments) in zip(reports, histories, strict=True):
        events.append(ReportEvent(report=report, kind=ReportEvent.Kind.CREATED, public=True))
        for code in path[1:]:
            note = rng.choice(REPLIES) if code in ("resolu", "transmis") else ""
            events.append(
                ReportEvent(report=report, kind=ReportEvent.Kind.STATE, public=True, body=note, author=agent)
            )
    ReportEvent.objects.bulk_create(events)
    moments_of = iter(m for _path, moments in histories for m in moments)
    demo.set_columns(ReportEvent, ["created_at"], [(event.pk, next(moments_of)) for event in events])
