"""Demo data of citizen participation, through the services: Valbourg has a closed consultation with its results
(online and paper) and the commune's answer, an open one with illustrated options, about twenty proposals (two
past the threshold, one answered, the other late), a past meeting with its minutes and an upcoming one, and a
panel of 12 drawn from 80 volunteers; Hautmesnil an open consultation and a proposal. Idempotent (each piece is
looked up first); deterministic (seeded), except the panel's draw: its public seed is drawn at random, as in a real
draw, so the panel differs from one demo to the next."""

import io
import random
from datetime import time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from beffroi.accounts.models import Role, User
from beffroi.accounts.services import membership_set, user_create
from beffroi.core import demo
from beffroi.core.demo import deadline, local_day_at, opening
from beffroi.core.demo_pictures import ALT, demo_picture
from beffroi.core.models import Commune
from beffroi.core.services import commune_update
from beffroi.participation import services
from beffroi.participation.models import Consultation, Meeting, Panel, Proposal

RESIDENTS = 40  # demo residents who support proposals (voisin01@demo.test …)
PANEL_QUOTAS = """category,feature,min,max
sexe,femme,6,6
sexe,homme,6,6
âge,18-34,3,5
âge,35-59,4,5
âge,60 et plus,3,5
quartier,nord,3,5
quartier,centre,3,5
quartier,sud,3,5
"""
#: The proposals whose author gave a photo (drawn at load time, `core.demo_pictures`).
PICTURES = {
    "Un composteur partagé au square des Tilleuls": "compost",
    "Des bancs le long de la voie verte": "bancs",
    "Une boîte à livres à la gare": "livres",
    "Un abri vélo couvert à l'école": "velos",
    "Planter des arbres fruitiers sur les espaces verts": "verger",
}

PROPOSALS = [
    ("Un composteur partagé au square des Tilleuls", "Pour réduire nos déchets et nourrir les jardins."),
    ("Des bancs le long de la voie verte", "Les aînés marchent volontiers mais manquent de haltes."),
    ("Éteindre l'éclairage public entre 1 h et 5 h", "Économies d'énergie et ciel étoilé."),
    ("Une boîte à livres à la gare", "Pour les voyageurs du matin."),
    ("Un abri vélo couvert à l'école", "Les enfants viennent à vélo, les vélos restent sous la pluie."),
    ("Une fête des voisins organisée par quartier", "La mairie prêterait tables et barnums."),
    ("Un marché de producteurs le vendredi soir", "Pour ceux qui travaillent le samedi matin."),
    ("Limiter la vitesse à 30 km/h rue du Moulin", "Beaucoup d'enfants y traversent."),
    ("Un espace sans tabac devant l'école", "Comme le prévoit la loi autour des écoles."),
    ("Des toilettes publiques au parc du Château", "Les familles restent l'après-midi."),
    ("Un atelier de réparation de vélos", "Un samedi par mois, avec des bénévoles."),
    ("Planter des arbres fruitiers sur les espaces verts", "Des fruits à cueillir pour tous."),
    ("Un panneau d'affichage associatif au centre", "Les associations manquent de visibilité."),
    ("Des cours d'informatique pour les aînés", "À la médiathèque, avec des jeunes volontaires."),
    ("Une navette le jour du marché", "Pour les hameaux sans voiture."),
    ("Réhabiliter le lavoir de la rue Basse", "Un patrimoine qui s'abîme."),
    ("Un terrain de pétanque éclairé", "Pour les soirées d'été."),
    ("Une piste cyclable jusqu'au collège", "Pour aller au collège en sécurité."),
    ("Des nichoirs à mésanges dans les parcs", "Contre les chenilles processionnaires, sans pesticide."),
    ("Une grainothèque à la médiathèque", "Échanger ses graines entre jardiniers."),
]


def _residents(commune: Commune) -> list[User]:
    people = []
    rng = random.Random(7)
    first = ["Camille", "Louis", "Emma", "Jules", "Léa", "Hugo", "Chloé", "Nathan", "Inès", "Paul"]
    last = ["Martin", "Bernard", "Durand", "Petit", "Moreau", "Simon", "Laurent", "Michel", "Garcia", "Roux"]
    for i in range(1, RESIDENTS + 1):
        email = f"voisin{i:02d}@demo.test"
        user = User.objects.filter(email=email).first() or user_create(
            email=email, password=None, full_name=f"{rng.choice(first)} {rng.choice(last)}"
        )
        membership_set(commune=commune, user=user, role=Role.HABITANT)
        people.append(user)
    return people


def _illustration(text: str, colour: str) -> SimpleUploadedFile:
    """A small drawn plan (a coloured square with shapes), so the illustrated options have an image."""
    image = Image.new("RGB", (480, 300), "#f4f1ea")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 440, 260), outline="#555555", width=4)
    if colour == "green":
        for x in range(90, 420, 80):
            draw.ellipse((x - 25, 90, x + 25, 140), fill="#3d7a3d")
            draw.ellipse((x - 25, 170, x + 25, 220), fill="#3d7a3d")
    else:
        for x in range(70, 420, 45):
            draw.rectangle((x, 80, x + 30, 130), outline="#1d4e89", width=3)
            draw.rectangle((x, 170, x + 30, 220), outline="#1d4e89", width=3)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(f"{text}.png", buffer.getvalue(), "image/png")


def _closed_consultation(
    commune: Commune, agent: User, admin: User, elu: User, online: int = 34, paper: int = 8
) -> None:
    now = timezone.now()
    consultation = services.consultation_create(
        commune=commune,
        actor=agent,
        title="Les rythmes scolaires à l'école Jules-Ferry",
        slug="rythmes-scolaires",
        description="Semaine de quatre jours ou de quatre jours et demi ? Votre avis avant la décision du conseil.",
        opens_at=opening(now, -45),
        closes_at=deadline(now, 1),  # open while the answers are entered; closed ten days ago below
        audience="tous",
        anonymous=True,
    )
    week = services.question_add(
        commune=commune,
        actor=agent,
        consultation=consultation,
        kind="choix_unique",
        label="Quelle semaine préférez-vous pour les enfants ?",
        options=["Quatre jours", "Quatre jours et demi (mercredi matin)"],
    )
    activities = services.question_add(
        commune=commune,
        actor=agent,
        consultation=consultation,
        kind="choix_multiple",
        label="Quelles activités périscolaires souhaitez-vous ?",
        options=["Sport", "Musique", "Jardinage", "Aide aux devoirs"],
        max_choices=2,
    )
    priorities = services.question_add(
        commune=commune,
        actor=agent,
        consultation=consultation,
        kind="classement",
        label="Classez ces priorités pour l'école",
        options=["Cantine bio", "Garderie du soir", "Transport scolaire"],
    )
    satisfaction = services.question_add(
        commune=commune,
        actor=agent,
        consultation=consultation,
        kind="echelle",
        label="Êtes-vous satisfait des horaires actuels ?",
    )
    remark = services.question_add(
        commune=commune,
        actor=agent,
        consultation=consultation,
        kind="texte_long",
        label="Une remarque pour la commune ?",
        required=False,
    )
    services.consultation_publish(commune=commune, actor=agent, consultation=consultation)
    rng = random.Random(2024)
    week_options = list(week.options.values_list("pk", flat=True))
    activity_options = list(activities.options.values_list("pk", flat=True))
    priority_options = list(priorities.options.values_list("pk", flat=True))
    remarks = [
        "Le mercredi matin fatigue les plus petits.",
        "Pensez aux familles qui travaillent le mercredi.",
        "Plus de sport, s'il vous plaît.",
        "",
        "",
    ]

    # What the families asked for, as the decision below reads it: sport and gardening first among the
    # activities, the school canteen then the evening childcare among the priorities (a weighted draw: each
    # answer still varies).
    activity_weights = dict(
        zip(activity_options, (4, 1, 3, 2), strict=True)
    )  # Sport, Musique, Jardinage, Aide
    priority_weights = dict(zip(priority_options, (4, 2, 1), strict=True))  # Cantine, Garderie, Transport

    def weighted_order(weights: dict[int, int]) -> list[int]:
        return sorted(weights, key=lambda pk: rng.random() ** (1 / weights[pk]), reverse=True)

    def answers() -> dict[str, object]:
        return {
            str(week.pk): week_options[0] if rng.random() < 0.65 else week_options[1],
            str(activities.pk): weighted_order(activity_weights)[:2],
            str(priorities.pk): weighted_order(priority_weights),
            str(satisfaction.pk): rng.choice([2, 3, 3, 4, 4, 5]),
            str(remark.pk): rng.choice(remarks),
        }

    for i in range(online):
        services.consultation_answer(
            commune=commune,
            consultation=consultation,
            person=None,
            answers=answers(),
            browser_key=f"demo-{i}",
        )
    for number in range(1, paper + 1):  # paper questionnaires from the mairie's box, entered twice
        sheet = answers()
        for clerk in (agent, admin):
            services.paper_entry_record(
                commune=commune, actor=clerk, consultation=consultation, paper_number=number, answers=sheet
            )
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=deadline(now, -10))
    consultation.refresh_from_db()
    services.consultation_decide(
        commune=commune,
        actor=elu,
        consultation=consultation,
        decision=(
            "Une large majorité des familles a choisi la semaine de quatre jours. Le conseil municipal, réuni "
            "après la consultation, a voté ce retour à quatre jours à la rentrée prochaine. Le mercredi matin, le "
            "centre de loisirs accueillera les enfants avec des activités de sport et de jardinage, les deux plus "
            "demandées. La garderie du soir, deuxième priorité après la cantine bio, sera prolongée jusqu'à "
            "18 h 30."
        ),
    )


def _open_consultation(commune: Commune, agent: User) -> None:
    now = timezone.now()
    consultation = services.consultation_create(
        commune=commune,
        actor=agent,
        title="Réaménager la place de l'Église",
        slug="place-eglise",
        description="Deux esquisses ont été préparées avec les habitants du centre. Laquelle préférez-vous ?",
        opens_at=opening(now, -3),
        closes_at=deadline(now, 25),
        audience="tous",
        anonymous=True,
    )
    layout = services.question_add(
        commune=commune,
        actor=agent,
        consultation=consultation,
        kind="illustre",
        label="Quelle esquisse préférez-vous ?",
    )
    services.option_add(
        commune=commune,
        actor=agent,
        question=layout,
        label="Une place plantée, sans voiture",
        image=_illustration("place-arboree", "green"),
        image_alt="Plan de la place : deux rangées de six arbres, aucun stationnement.",
    )
    services.option_add(
        commune=commune,
        actor=agent,
        question=layout,
        label="Un parking paysager de 16 places",
        image=_illustration("parking-paysager", "blue"),
        image_alt="Plan de la place : deux rangées de huit places de stationnement.",
    )
    services.question_add(
        commune=commune,
        actor=agent,
        consultation=consultation,
        kind="echelle",
        label="Faut-il garder le marché du samedi sur la place ?",
    )
    services.question_add(
        commune=commune,
        actor=agent,
        consultation=consultation,
        kind="texte_court",
        label="Votre rue (facultatif)",
        required=False,
    )
    services.consultation_publish(commune=commune, actor=agent, consultation=consultation)


def _proposals(commune: Commune, agent: User, elu: User, habitant: User, people: list[User]) -> None:
    admin = User.objects.get(email="admin@demo.test")
    services.proposal_rules_set(
        commune=commune, actor=admin, support_threshold=25, support_days=90, answer_days=30
    )
    rng = random.Random(11)
    made = []
    for i, (title, body) in enumerate(PROPOSALS):
        author = habitant if i % 5 == 0 else people[i]
        if i == 3:
            proposal = services.proposal_submit(
                commune=commune, author=None, actor=agent, author_name="Mme Lemaire", title=title, body=body
            )
        else:
            kind = PICTURES.get(title)
            proposal = services.proposal_submit(
                commune=commune,
                author=author,
                title=title,
                body=body,
                picture=demo_picture(kind) if kind else None,
                picture_alt=ALT[kind] if kind else "",
            )
        made.append(proposal)
    counts = [30, 27] + [rng.randint(0, 14) for _ in made[2:]]
    for proposal, count in zip(made, counts, strict=True):
        for person in people[:count]:
            services.support_add(commune=commune, proposal=proposal, person=person)
    # The first reached its threshold two months ago and was answered; the second is late for its answer.
    past = timezone.now() - timedelta(days=60)
    Proposal.objects.filter(pk=made[0].pk).update(
        created_at=past - timedelta(days=20),
        threshold_reached_at=past,
        answer_due_at=past + timedelta(days=30),
    )
    late = timezone.now() - timedelta(days=45)
    Proposal.objects.filter(pk=made[1].pk).update(
        created_at=late - timedelta(days=10),
        threshold_reached_at=late,
        answer_due_at=late + timedelta(days=30),
    )
    services.proposal_answer(
        commune=commune,
        actor=elu,
        proposal=made[0],
        accepted=True,
        answer="Oui : le composteur réduit les déchets verts de la commune et l'association Les Jardins du Val le suivra.",
        followup="Installation par les services techniques en avril ; formation des référents par le syndicat des déchets.",
    )
    # Two similar proposals merged (the duplicate's supports are kept on the other).
    duplicate = services.proposal_submit(
        commune=commune,
        author=people[30],
        title="Un abri pour les vélos des écoliers",
        body="Couvert, près de l'entrée.",
    )
    services.support_add(commune=commune, proposal=duplicate, person=people[31])
    services.proposal_merge(commune=commune, actor=agent, proposal=duplicate, into=made[4])
    # Comments, one reported and hidden with its reason.
    services.comment_add(
        commune=commune, proposal=made[2], author=people[5], body="Très bonne idée, comme à Saint-Vallier."
    )
    rude = services.comment_add(
        commune=commune,
        proposal=made[2],
        author=people[6],
        body="Ceux qui ont peur du noir n'ont qu'à rester chez eux, bande d'idiots.",
    )
    services.comment_report(commune=commune, comment=rude, reporter=people[7], reason="Insultant")
    services.comment_hide(
        commune=commune,
        actor=agent,
        comment=rude,
        reason="Propos insultants envers d'autres habitants (charte de modération).",
    )
    services.comment_add(
        commune=commune, proposal=made[7], author=people[8], body="Les voitures roulent très vite le matin."
    )
    reported = services.comment_add(
        commune=commune, proposal=made[7], author=people[9], body="Encore une idée de citadins !"
    )
    services.comment_report(
        commune=commune, comment=reported, reporter=people[10], reason="Hors sujet et agressif"
    )


def _meetings(commune: Commune, agent: User) -> None:
    now = timezone.now()
    consultation = Consultation.objects.get(commune=commune, slug="rythmes-scolaires")
    past = services.meeting_create(
        commune=commune,
        actor=agent,
        title="Réunion publique : les rythmes scolaires",
        starts_at=local_day_at(now, -20, time(18, 30)),
        ends_at=local_day_at(now, -20, time(20, 30)),
        place_name="Salle des fêtes",
        address="Rue des Écoles, Valbourg",
        latitude=Decimal("47.316100"),
        longitude=Decimal("4.830700"),
        agenda="1. Résultats provisoires de la consultation\n2. Le mercredi matin : ce que proposent les animateurs\n3. Questions de la salle",
        capacity=120,
        consultation=consultation,
    )
    services.meeting_minutes_publish(
        commune=commune,
        actor=agent,
        meeting=past,
        minutes=(
            "Une soixantaine de parents présents. La directrice de l'école a présenté les résultats provisoires ; "
            "les animateurs du centre de loisirs ont proposé sport et jardinage le mercredi matin. Questions sur la "
            "garderie du soir : la commune étudiera une fermeture à 18 h 30."
        ),
    )
    proposal = Proposal.objects.filter(commune=commune, title__startswith="Limiter la vitesse").first()
    upcoming = services.meeting_create(
        commune=commune,
        actor=agent,
        title="Réunion publique : la place de l'Église",
        starts_at=local_day_at(now, 12, time(18, 30)),
        ends_at=local_day_at(now, 12, time(20, 30)),
        place_name="Mairie, salle du conseil",
        address="1 place de la Mairie, Valbourg",
        latitude=Decimal("47.318200"),
        longitude=Decimal("4.832500"),
        agenda="1. Présentation des deux esquisses\n2. Le marché du samedi\n3. La circulation rue du Moulin",
        capacity=40,
        consultation=Consultation.objects.get(commune=commune, slug="place-eglise"),
        proposal=proposal,
    )
    for i, (name, email) in enumerate(
        [("Jeanne Martin", "jeanne.martin@example.test"), ("Paul Roux", "paul.roux@example.test")]
    ):
        services.registration_create(commune=commune, meeting=upcoming, name=name, email=email, seats=1 + i)


def _panel(commune: Commune, agent: User) -> None:
    panel = services.panel_create(
        commune=commune,
        actor=agent,
        title="Panel citoyen sur les mobilités",
        slug="panel-mobilites",
        size=12,
        quotas_text=PANEL_QUOTAS,
        description="Douze habitants tirés au sort proposeront au conseil un plan de mobilité pour 2027.",
    )
    rng = random.Random(80)
    lines = ["id;sexe;âge;quartier"]
    for i in range(1, 81):
        lines.append(
            f"V{i:03d};{rng.choice(['femme', 'homme'])};{rng.choice(['18-34', '35-59', '35-59', '60 et plus'])};"
            f"{rng.choice(['nord', 'centre', 'sud'])}"
        )
    services.volunteers_import(commune=commune, actor=agent, panel=panel, text="\n".join(lines) + "\n")
    panel = services.panel_draw(commune=commune, actor=agent, panel=panel)
    services.panels.panel_greedy_compare(panel=panel, runs=40)


@demo.register("participation", order=35)
def load() -> None:
    commune = Commune.objects.filter(slug="valbourg").first()
    if commune is None:
        return
    for place in Commune.objects.filter(slug__in=["valbourg", "hautmesnil"]):
        if "participation" not in (place.enabled_modules or []):
            commune_update(commune=place, enabled_modules=[*place.enabled_modules, "participation"])
    commune.refresh_from_db()
    agent = User.objects.get(email="agent@demo.test")
    admin = User.objects.get(email="admin@demo.test")
    elu = User.objects.get(email="elu@demo.test")
    habitant = User.objects.get(email="habitant@demo.test")
    if not Consultation.objects.filter(commune=commune, slug="rythmes-scolaires").exists():
        _closed_consultation(commune, agent, admin, elu)
    if not Consultation.objects.filter(commune=commune, slug="place-eglise").exists():
        _open_consultation(commune, agent)
    if not Proposal.objects.filter(commune=commune).exists():
        _proposals(commune, agent, elu, habitant, _residents(commune))
    if not Meeting.objects.filter(commune=commune).exists():
        _meetings(commune, agent)
    if not Panel.objects.filter(commune=commune).exists():
        _panel(commune, agent)
    _hautmesnil()


def _hautmesnil() -> None:
    commune = Commune.objects.filter(slug="hautmesnil").first()
    if commune is None or Consultation.objects.filter(commune=commune).exists():
        return
    secretary = User.objects.get(email="mairie@hautmesnil.demo.test")
    now = timezone.now()
    consultation = services.consultation_create(
        commune=commune,
        actor=secretary,
        title="Les horaires d'ouverture de la mairie",
        slug="horaires-mairie",
        opens_at=opening(now, -2),
        closes_at=deadline(now, 20),
        audience="tous",
        anonymous=True,
    )
    services.question_add(
        commune=commune,
        actor=secretary,
        consultation=consultation,
        kind="choix_unique",
        label="Quel créneau vous arrangerait le plus ?",
        options=[
            "Le samedi matin",
            "Un soir par semaine jusqu'à 19 h",
            "Les horaires actuels me conviennent",
        ],
    )
    services.consultation_publish(commune=commune, actor=secretary, consultation=consultation)
    villager = User.objects.filter(email="voisin01@demo.test").first()
    if villager is not None:
        membership_set(commune=commune, user=villager, role=Role.HABITANT)
        services.proposal_submit(
            commune=commune,
            author=villager,
            title="Restaurer le lavoir",
            body="Le toit du lavoir fuit ; une journée de chantier participatif suffirait.",
        )


@demo.register_commune("participation", order=35)
def load_commune(commune: Commune, rng: random.Random) -> None:
    """One more demo commune's consultations: one closed with its answers (fewer than Valbourg's, to load
    quickly) and results, one open."""
    agent = User.objects.get(email=f"agent@{commune.slug}.demo.test")
    admin = User.objects.get(email=f"mairie@{commune.slug}.demo.test")
    elu = User.objects.get(email=f"elu@{commune.slug}.demo.test")
    _closed_consultation(commune, agent, admin, elu, online=16, paper=2)
    _open_consultation(commune, agent)
