"""Demo data of the participatory budget: Valbourg's finished 2025 budget (counted with equal shares, winners in
suivi) and its 2026 budget open for voting. Idempotent (each budget is looked up by slug); deterministic (seeded)."""

import random

from django.utils import timezone

from beffroi.accounts.models import Role, User
from beffroi.accounts.services import membership_set, user_create
from beffroi.budgeting import services
from beffroi.budgeting.models import Budget, PaperBallotKind, Phase, Project
from beffroi.core import demo
from beffroi.core.demo import deadline, opening
from beffroi.core.demo_pictures import ALT, demo_picture
from beffroi.core.models import Commune
from beffroi.territory.models import Place

#: The projects and ideas whose resident gave a photo (drawn at load time, `core.demo_pictures`).
PICTURES = {
    "Aire de jeux inclusive au parc du Château": "jeux",
    "Bancs et ombrages place du Marché": "bancs",
    "Boîtes à livres dans les trois quartiers": "livres",
    "Verger conservatoire": "verger",
    "Abri vélos sécurisé à l'école Jules-Ferry": "velos",
    "Bornes de réparation de vélos": "velos",
    "Composteurs collectifs": "compost",
    "Jeux pour les tout-petits au square": "jeux",
    "Des bancs le long de la promenade de la Vingeanne": "bancs",
    "Un composteur partagé au jardin des Tilleuls": "compost",
}


def _picture(title: str) -> dict:
    kind = PICTURES.get(title)
    return {"picture": demo_picture(kind), "picture_alt": ALT[kind]} if kind else {}


# (title, description, category, place name or None, location, cost in euros, district)
PROJECTS_2025 = [
    (
        "Aire de jeux inclusive au parc du Château",
        "Des jeux accessibles aux enfants en fauteuil et un sol souple.",
        "sport-loisirs",
        "Parc du Château",
        "",
        48000,
        "nord",
    ),
    (
        "Piste cyclable entre la gare et le collège",
        "Une piste protégée de 900 m pour aller au collège à vélo.",
        "mobilite",
        None,
        "Avenue de la Gare",
        62000,
        "centre",
    ),
    (
        "Jardin partagé derrière la salle des fêtes",
        "Des bacs de culture, un récupérateur d'eau et un abri.",
        "nature",
        "Salle des fêtes",
        "",
        14000,
        "sud",
    ),
    (
        "Bancs et ombrages place du Marché",
        "Huit bancs et quatre arbres pour s'asseoir à l'ombre les jours de marché.",
        "cadre-de-vie",
        "Place du Marché",
        "",
        18000,
        "centre",
    ),
    (
        "Boîtes à livres dans les trois quartiers",
        "Trois boîtes à livres fabriquées par le club de menuiserie.",
        "culture",
        None,
        "Nord, centre et sud",
        3000,
        "tous",
    ),
    (
        "City-stade près du gymnase",
        "Un terrain multisport en accès libre.",
        "sport-loisirs",
        "Gymnase municipal",
        "",
        70000,
        "sud",
    ),
    (
        "Verger conservatoire",
        "Vingt arbres fruitiers de variétés anciennes de Bourgogne.",
        "nature",
        None,
        "Chemin des Vignes",
        9000,
        "nord",
    ),
    (
        "Éclairage solaire du chemin du lavoir",
        "Des bornes solaires basse intensité, respectueuses des chauves-souris.",
        "cadre-de-vie",
        None,
        "Chemin du lavoir",
        22000,
        "nord",
    ),
    (
        "Abri vélos sécurisé à l'école Jules-Ferry",
        "Un abri couvert de 20 places pour les élèves et les parents.",
        "education",
        "École élémentaire Jules-Ferry",
        "",
        12000,
        "centre",
    ),
    (
        "Fresque participative sur le mur du gymnase",
        "Une fresque peinte avec les jeunes de la commune.",
        "culture",
        "Gymnase municipal",
        "",
        7000,
        "sud",
    ),
    (
        "Tables de pique-nique au bord de l'Ouche",
        "Six tables et des poubelles de tri.",
        "cadre-de-vie",
        None,
        "Berges de l'Ouche",
        6000,
        "sud",
    ),
    (
        "Défibrillateurs dans les lieux publics",
        "Trois défibrillateurs et une formation aux premiers secours.",
        "solidarite",
        None,
        "Mairie, gymnase, salle des fêtes",
        8000,
        "tous",
    ),
    (
        "Rénovation du terrain de pétanque",
        "Nivellement, bordures et éclairage du terrain.",
        "sport-loisirs",
        None,
        "Square de la République",
        11000,
        "centre",
    ),
    (
        "Nichoirs et hôtels à insectes",
        "Quarante nichoirs installés avec l'école.",
        "nature",
        None,
        "Parcs et écoles",
        2500,
        "tous",
    ),
]

PROJECTS_2026 = [
    (
        "Skatepark en béton",
        "Un skatepark de 400 m² pour les jeunes.",
        "sport-loisirs",
        "Gymnase municipal",
        "",
        65000,
        None,
    ),
    (
        "Toilettes publiques place du Marché",
        "Des toilettes accessibles, ouvertes de 7 h à 21 h.",
        "cadre-de-vie",
        "Place du Marché",
        "",
        38000,
        None,
    ),
    (
        "Ombrières et fontaine dans la cour de l'école",
        "Une cour plus fraîche l'été : voiles d'ombrage et fontaine.",
        "education",
        "École élémentaire Jules-Ferry",
        "",
        24000,
        None,
    ),
    (
        "Navette du marché pour les aînés",
        "Un minibus le samedi matin pour les hameaux.",
        "solidarite",
        None,
        "Hameaux",
        16000,
        None,
    ),
    (
        "Parcours sportif au parc du Château",
        "Dix agrès en bois le long d'une boucle de 1,5 km.",
        "sport-loisirs",
        "Parc du Château",
        "",
        21000,
        None,
    ),
    (
        "Plantation d'une haie bocagère",
        "800 m de haie champêtre pour la biodiversité.",
        "nature",
        None,
        "Chemin des Vignes",
        9500,
        None,
    ),
    (
        "Grainothèque à la médiathèque",
        "Un meuble et des ateliers pour échanger des graines.",
        "culture",
        None,
        "Médiathèque",
        1500,
        None,
    ),
    (
        "Ralentisseurs rue de la République",
        "Deux plateaux surélevés devant l'école et la boulangerie.",
        "mobilite",
        "Rue de la République",
        "",
        27000,
        None,
    ),
    (
        "Cinéma de plein air",
        "Trois séances gratuites l'été, matériel de projection compris.",
        "culture",
        "Parc du Château",
        "",
        8000,
        None,
    ),
    (
        "Bornes de réparation de vélos",
        "Deux bornes avec outils et pompe.",
        "mobilite",
        None,
        "Gare et mairie",
        4000,
        None,
    ),
    (
        "Composteurs collectifs",
        "Cinq composteurs de quartier et un guide composteur.",
        "nature",
        None,
        "Quartiers nord et sud",
        6000,
        None,
    ),
    (
        "Mur d'escalade au gymnase",
        "Un mur de blocs de 12 m de large.",
        "sport-loisirs",
        "Gymnase municipal",
        "",
        33000,
        None,
    ),
    (
        "Kiosque à musique rénové",
        "Remise en état du kiosque et de son éclairage.",
        "culture",
        "Place du Marché",
        "",
        29000,
        None,
    ),
    (
        "Jeux pour les tout-petits au square",
        "Des jeux pour les 1-4 ans et une clôture basse.",
        "sport-loisirs",
        None,
        "Square de la République",
        17000,
        None,
    ),
]

IDEAS_2026_DECLINED = [
    (
        "Piscine municipale couverte",
        "Une piscine de 25 m.",
        "sport-loisirs",
        2400000,
        "infeasible",
        "Non réalisable : le coût dépasse très largement l'enveloppe du budget participatif (80 000 €) et le "
        "fonctionnement annuel d'une piscine n'est pas finançable par ce budget.",
    ),
    (
        "Des jeux pour les petits au square République",
        "Remplacer le vieux toboggan.",
        "sport-loisirs",
        9000,
        "merge",
        "Idée proche de « Jeux pour les tout-petits au square » : fusionnée pour être présentée au vote en un seul "
        "projet.",
    ),
]

FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Louise",
    "Inès",
    "Jeanne",
    "Sarah",
    "Lucie",
    "Thomas",
    "Lucas",
    "Hugo",
    "Louis",
    "Nathan",
    "Gabriel",
    "Arthur",
    "Jules",
    "Paul",
    "Martin",
    "Yasmine",
    "Karim",
    "Mamadou",
    "Fatou",
    "Nicolas",
    "Sophie",
    "Isabelle",
    "Bernard",
    "Monique",
    "Christophe",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Benali",
    "Diallo",
    "Nguyen",
]

ONLINE_VOTERS = 280
CODE_ONLY_VOTERS = 45  # residents who voted with their printed code alone, without an account
PAPER_BALLOTS = 20
BLANK_PAPER, VOID_PAPER = 3, 2  # numbered after the valid ones
SET_ASIDE_REASON = (
    "Bulletin n° 26 déchiré en deux lors de l'ouverture de l'urne : illisible pour le second agent, écarté "
    "par la commission de dépouillement."
)


def _place(commune, name):
    return Place.objects.filter(commune=commune, name=name).first() if name else None


def _add_projects(budget, agent, specs, decision, envelopes=None):
    projects = []
    for title, description, category, place, location, cost, district in specs:
        idea = services.idea_submit(
            commune=budget.commune,
            budget=budget,
            author=None,
            title=title,
            description=description,
            category=category,
            estimated_cost=cost,
            place=_place(budget.commune, place),
            location=location,
            check_phase=False,
            **_picture(title),
        )
        extra = {"sub_budget": envelopes.get(district)} if envelopes else {}
        projects.append(
            services.idea_assess(
                commune=budget.commune, project=idea, actor=agent, feasible=True, decision=decision, **extra
            )
        )
    return projects


def _voters(commune, count, rng):
    """Generated residents (no usable password: they exist only as demo voters)."""
    voters = []
    for i in range(count):
        email = f"votant-{i + 1:03d}@valbourg.demo.test"
        user = User.objects.filter(email=email).first()
        if user is None:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            user = user_create(email=email, password=None, full_name=name)
        membership_set(commune=commune, user=user, role=Role.HABITANT)
        voters.append(user)
    return voters


def _preferences(rng, projects, districts):
    """One voter's approval ballot: mostly projects of their district and town-wide ones (2 to 5 projects)."""
    home = rng.choices(["nord", "centre", "sud"], weights=[5, 3, 2])[0]
    weights = [
        (3.0 if districts[p.pk] == home else 1.4 if districts[p.pk] == "tous" else 0.5) / (1 + p.cost / 60000)
        for p in projects
    ]
    size = rng.randint(2, 5)
    chosen: set = set()
    while len(chosen) < size:
        chosen.add(rng.choices(projects, weights=weights)[0])
    return chosen


def _cast_with_codes(budget, ballots: list[set]) -> None:
    """The ballots of residents who voted with their printed code alone, written in bulk: the rows
    `services.ballot_cast_with_code` writes (a `Ballot` naming the spent code, the code marked used, the
    choices under the ballot's opaque token), for the syndicat's communes whose 40 such ballots are drawn
    valid (2 to 5 of the budget's projects, as `_preferences` draws them)."""
    from beffroi.budgeting.models import Ballot, BallotChoice, VotingCode
    from beffroi.budgeting.selectors import ballot_token

    now = timezone.now()
    spent = list(
        VotingCode.objects.filter(budget=budget, used_at__isnull=True).order_by("pk")[: len(ballots)]
    )
    Ballot.objects.bulk_create(Ballot(budget=budget, voter=None, voting_code=code) for code in spent)
    VotingCode.objects.filter(pk__in=[code.pk for code in spent]).update(used_at=now)
    BallotChoice.objects.bulk_create(
        BallotChoice(
            budget=budget,
            ballot_token=ballot_token(budget=budget, key=f"code:{code.code_hash}"),
            project_id=project.pk,
            value=1,
        )
        for code, chosen in zip(spent, ballots, strict=True)
        for project in chosen
    )


def _load_finished(
    commune,
    agent,
    admin,
    rng,
    online=ONLINE_VOTERS,
    code_only=CODE_ONLY_VOTERS,
    paper=PAPER_BALLOTS,
    bulk=False,
):
    now = timezone.now()
    budget = services.budget_create(
        commune=commune,
        actor=agent,
        title="Budget participatif 2025",
        slug="bp-2025",
        description=f"La première édition du budget participatif de {commune.name} : 150 000 € pour des projets "
        "proposés et choisis par les habitants. Dépouillement par la méthode des parts égales.",
        total_amount=150000,
        ideas_open_at=opening(now, -300),
        ideas_close_at=deadline(now, -250),
        vote_open_at=opening(now, -200),
        vote_close_at=deadline(now, 1),  # open while the ballots are cast; moved back below
        ballot_type="approval",
        min_choices=1,
        max_choices=5,
        rule="mes-add1",
        min_age=16,
        phase_override=Phase.INSTRUCTION,
        fund_leftover=True,
    )
    # One envelope per district; town-wide projects share the rest (30 000 €)
    envelopes = {
        district: services.sub_budget_create(
            commune=commune, budget=budget, actor=agent, name=f"Quartier {district}", amount=40000
        )
        for district in ("nord", "centre", "sud")
    }
    projects = _add_projects(
        budget,
        agent,
        PROJECTS_2025,
        "Réalisable : projet étudié par les services techniques, coût confirmé.",
        envelopes,
    )
    budget, _changed = services.budget_update(
        commune=commune, budget=budget, actor=agent, phase_override=Phase.VOTE
    )
    districts = {p.pk: spec[6] for p, spec in zip(projects, PROJECTS_2025, strict=True)}
    codes = services.voting_codes_generate(
        commune=commune,
        budget=budget,
        actor=agent,
        count=online + code_only,
        batch="envoi postal 2025",
        eligible_only=True,
    )
    for voter, code in zip(_voters(commune, online, rng), codes, strict=False):
        services.voter_verify_with_code(commune=commune, budget=budget, voter=voter, code=code)
        chosen = _preferences(rng, projects, districts)
        services.ballot_cast(commune=commune, budget=budget, voter=voter, choices={p.pk: 1 for p in chosen})
    if bulk:
        _cast_with_codes(budget, [_preferences(rng, projects, districts) for _code in codes[online:]])
    for code in codes[online:] if not bulk else []:  # the code alone is the credential: no account
        chosen = _preferences(rng, projects, districts)
        services.ballot_cast_with_code(
            commune=commune, budget=budget, code=code, choices={p.pk: 1 for p in chosen}
        )
    for number in range(1, paper + 1):
        chosen = {p.pk: 1 for p in _preferences(rng, projects, districts)}
        for clerk in (agent, admin):  # double entry: two agents, same paper ballot
            services.paper_entry_record(
                commune=commune, budget=budget, actor=clerk, paper_number=number, choices=chosen
            )
    kinds = [PaperBallotKind.BLANK] * BLANK_PAPER + [PaperBallotKind.VOID] * VOID_PAPER
    for number, kind in enumerate(kinds, start=paper + 1):
        for clerk in (agent, admin):
            services.paper_entry_record(
                commune=commune, budget=budget, actor=clerk, paper_number=number, choices={}, kind=kind
            )
    # One ballot entered once only (torn), set aside with its reason when the vote is closed
    services.paper_entry_record(
        commune=commune,
        budget=budget,
        actor=agent,
        paper_number=paper + len(kinds) + 1,
        choices={p.pk: 1 for p in _preferences(rng, projects, districts)},
    )
    services.budget_update(commune=commune, budget=budget, actor=agent, phase_override="")
    budget = services.budget_close_and_count(
        commune=commune, budget=budget, actor=admin, set_aside_reason=SET_ASIDE_REASON
    )
    services.budget_update(
        commune=commune,
        budget=budget,
        actor=agent,
        vote_close_at=deadline(now, -170),
        followup_at=opening(now, -160),
    )
    notes = [
        (30, "Marché public attribué ; travaux programmés au printemps."),
        (70, "Travaux en cours ; fin prévue le mois prochain."),
        (100, "Projet réalisé et inauguré avec les habitants qui l'avaient proposé."),
    ]
    for i, project in enumerate(Project.objects.filter(budget=budget, status="retenu").order_by("pk")):
        for progress, text in notes[: 1 + i % 3]:
            services.project_update_add(
                commune=commune,
                project=project,
                actor=agent,
                text=text,
                progress=progress,
                delivered=progress == 100,
            )


def _load_open(commune, agent, admin, habitant):
    now = timezone.now()
    budget = services.budget_create(
        commune=commune,
        actor=agent,
        title="Budget participatif 2026",
        slug="bp-2026",
        description="80 000 € pour vos projets. Composez votre panier de projets dans la limite de l'enveloppe : "
        "votre vote peut être modifié jusqu'à la clôture.",
        total_amount=80000,
        ideas_open_at=opening(now, -60),
        ideas_close_at=deadline(now, -30),
        vote_open_at=opening(now, -3),
        vote_close_at=deadline(now, 18),
        ballot_type="panier",
        min_choices=1,
        rule="mes-add1",
    )
    projects = _add_projects(
        budget, agent, PROJECTS_2026, "Réalisable : coût estimé par les services techniques de la commune."
    )
    target = next(p for p in projects if p.title.startswith("Jeux pour les tout-petits"))
    for title, description, category, cost, outcome, decision in IDEAS_2026_DECLINED:
        idea = services.idea_submit(
            commune=commune,
            budget=budget,
            author=habitant,
            title=title,
            description=description,
            category=category,
            estimated_cost=cost,
            check_phase=False,
        )
        if outcome == "merge":
            services.idea_merge(commune=commune, project=idea, into=target, actor=agent, decision=decision)
        else:
            services.idea_assess(
                commune=commune, project=idea, actor=agent, feasible=False, decision=decision
            )
    if habitant is not None:  # Henri Habitant came to the counter: he can vote online without a code.
        services.voter_verify_at_counter(
            commune=commune,
            budget=budget,
            actor=agent,
            voter=habitant,
            checks=["identite", "domicile", "age"],
        )
    # Codes mailed to residents (a few already voted with them, without an account); paper ballots from the
    # mairie's ballot box: entered twice (blank, void included), one awaiting its second entry, one divergent.
    codes = services.voting_codes_generate(
        commune=commune, budget=budget, actor=agent, count=12, batch="envoi postal 2026"
    )
    rng = random.Random(2026)
    for code in codes[:4]:
        basket = _basket(rng, projects, budget.basket_limit)
        services.ballot_cast_with_code(commune=commune, budget=budget, code=code, choices=basket)
    entries = [
        (1, _basket(rng, projects, budget.basket_limit), PaperBallotKind.VALID, (agent, admin)),
        (2, {}, PaperBallotKind.BLANK, (agent, admin)),
        (3, {}, PaperBallotKind.VOID, (agent, admin)),
        (4, _basket(rng, projects, budget.basket_limit), PaperBallotKind.VALID, (agent,)),
    ]
    for number, choices, kind, clerks in entries:
        for clerk in clerks:
            services.paper_entry_record(
                commune=commune, budget=budget, actor=clerk, paper_number=number, choices=choices, kind=kind
            )
    divergent = _basket(rng, projects, budget.basket_limit)
    services.paper_entry_record(
        commune=commune, budget=budget, actor=agent, paper_number=5, choices=divergent
    )
    misread = next(p for p in projects if p.pk not in divergent and p.cost <= budget.basket_limit)
    services.paper_entry_record(
        commune=commune, budget=budget, actor=admin, paper_number=5, choices={misread.pk: 1}
    )


IDEAS_2027 = [
    (
        "Des bancs le long de la promenade de la Vingeanne",
        "Les personnes âgées ne peuvent pas faire le tour sans s'asseoir : trois ou quatre bancs suffiraient.",
        "cadre-de-vie",
        None,  # the resident did not know the cost: the services will estimate it
    ),
    (
        "Un composteur partagé au jardin des Tilleuls",
        "Pour les habitants des immeubles qui n'ont pas de jardin.",
        "nature",
        1500,
    ),
]


def _load_ideas(commune, agent, habitant):
    """The budget whose ideas are being collected, as the home page invites residents to propose them."""
    now = timezone.now()
    budget = services.budget_create(
        commune=commune,
        actor=agent,
        title="Budget participatif 2027",
        slug="bp-2027",
        description="60 000 € pour les projets des habitants. Proposez vos idées jusqu'à la fin du dépôt : "
        "les services de la mairie les étudieront avant le vote.",
        total_amount=60000,
        ideas_open_at=opening(now, -5),
        ideas_close_at=deadline(now, 40),
        vote_open_at=opening(now, 100),
        vote_close_at=deadline(now, 130),
        ballot_type="panier",
        min_choices=1,
        rule="mes-add1",
    )
    for title, description, category, cost in IDEAS_2027:
        services.idea_submit(
            commune=commune,
            budget=budget,
            author=habitant,
            title=title,
            description=description,
            category=category,
            estimated_cost=cost,
            **_picture(title),
        )


def _basket(rng, projects, limit):
    """A basket ballot within the limit: projects taken in a random order while they fit."""
    chosen: dict[int, int] = {}
    total = 0
    for project in rng.sample(projects, len(projects)):
        if total + project.cost <= limit and len(chosen) < 4:
            chosen[project.pk] = 1
            total += project.cost
    return chosen


@demo.register("budgeting", order=30)
def load() -> None:
    commune = Commune.objects.filter(slug="valbourg").first()
    if commune is None:
        return
    agent = User.objects.get(email="agent@demo.test")
    admin = User.objects.get(email="admin@demo.test")
    habitant = User.objects.get(email="habitant@demo.test")
    rng = random.Random(2025)
    if not Budget.objects.filter(commune=commune, slug="bp-2025").exists():
        _load_finished(commune, agent, admin, rng)
    if not Budget.objects.filter(commune=commune, slug="bp-2026").exists():
        _load_open(commune, agent, admin, habitant)
    if not Budget.objects.filter(commune=commune, slug="bp-2027").exists():
        _load_ideas(commune, agent, habitant)


@demo.register_commune("budgeting", order=30)
def load_commune(commune, rng: random.Random) -> None:
    """One more demo commune's budgets: the 2025 one counted (40 ballots cast with postal codes, 10 paper ballots),
    the 2026 one open for voting, the 2027 one collecting ideas (ideas filed by the agent at the counter)."""
    agent = User.objects.get(email=f"agent@{commune.slug}.demo.test")
    admin = User.objects.get(email=f"mairie@{commune.slug}.demo.test")
    _load_finished(commune, agent, admin, rng, online=0, code_only=40, paper=4, bulk=True)
    _load_open(commune, agent, admin, None)
    _load_ideas(commune, agent, None)
