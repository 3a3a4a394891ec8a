"""Demo data of the démarches: Valbourg has the eight ready templates installed and about 60 dossiers in every
state over the past months (some filed at the counter or on the phone, some with pieces requested, messages and
decisions); Hautmesnil has the free referral and the room booking with a few dossiers. Deterministic (fixed
seed) and idempotent (nothing is added once a commune has its demo dossiers). Everything goes through the
services; only the filing dates are moved back in time, as a dossier filed in the past would have them."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from beffroi.accounts.models import User
from beffroi.core import demo
from beffroi.core.formatting import format_eur, format_eur_short
from beffroi.core.models import Commune
from beffroi.procedures import builder, catalogue, deadlines, letters, schema, selectors, services
from beffroi.procedures.fields import offered_places
from beffroi.procedures.models import Demarche, Dossier, DossierEvent
from beffroi.territory.models import Place, Team
from beffroi.territory.services import modules_set

PEOPLE = [
    ("Martin", "Jeanne"),
    ("Bernard", "Louis"),
    ("Petit", "Chloé"),
    ("Durand", "Karim"),
    ("Leroy", "Manon"),
    ("Moreau", "Hugo"),
    ("Simon", "Inès"),
    ("Laurent", "Paul"),
    ("Lefebvre", "Sarah"),
    ("Michel", "Nathan"),
    ("Garcia", "Léa"),
    ("Roux", "Yanis"),
    ("Fournier", "Camille"),
    ("Girard", "Théo"),
    ("Bonnet", "Emma"),
]
STREETS = [
    "rue de la République",
    "rue des Écoles",
    "avenue de la Gare",
    "rue du Château",
    "chemin des Vignes",
]
ASSOCIATIONS = [
    ("Comité des fêtes de Valbourg", "W212000123"),
    ("Valbourg Football Club", "W212000456"),
    ("Les Amis du Lavoir", "W212000789"),
]
COMPANIES = [("Déménagements Bourguignons", "73282932000074"), ("SARL Toitures Dupuis", "44306184100047")]


def _identity(rng: random.Random, kind: str, commune: Commune) -> dict[str, list[str]]:
    last, first = rng.choice(PEOPLE)
    out = {
        "last_name": [last],
        "first_name": [first],
        "email": [
            f"{first.lower().replace('é', 'e').replace('ï', 'i').replace('è', 'e')}.{last.lower()}@exemple.fr"
        ],
        "phone": [f"06 12 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"],
        "address-street": [f"{rng.randint(1, 60)} {rng.choice(STREETS)}"],
        "address-postcode": [commune.insee_code if commune.insee_code.isdigit() else "21000"],
        "address-city": [commune.name],
    }
    if kind == "association":
        name, rna = rng.choice(ASSOCIATIONS)
        out.update(association_name=[name], rna=[rna])
    if kind == "entreprise":
        name, siret = rng.choice(COMPANIES)
        out.update(company_name=[name], siret=[siret])
    return out


def _answers(code: str, rng: random.Random, places: dict[str, str]) -> dict[str, list[str]]:
    """Plausible answers to a template's form, as the web form would post them."""
    school = next((pk for pk, name in places.items() if "École" in name), next(iter(places), ""))
    hall = next((pk for pk, name in places.items() if "Salle" in name), next(iter(places), ""))
    soon = (timezone.localdate() + timedelta(days=rng.randint(20, 90))).isoformat()
    later = (timezone.localdate() + timedelta(days=rng.randint(91, 120))).isoformat()
    street = [f"{rng.randint(1, 60)} {rng.choice(STREETS)}"]
    address = {"adresse-street": street, "adresse-postcode": ["21990"], "adresse-city": ["Valbourg"]}
    if code == "salle-communale":
        return {
            "salle": [hall],
            "date_evenement": [soon],
            "horaires": ["de 18 h à 1 h"],
            "objet": [rng.choice(["familial", "reunion", "associatif"])],
            "participants": [str(rng.randint(20, 120))],
        }
    if code == "occupation-domaine-public":
        return {
            "nature": ["terrasse"],
            **address,
            "date_debut": [soon],
            "date_fin": [later],
            "surface": [str(rng.randint(4, 30))],
        }
    if code == "stationnement-demenagement":
        return {
            **address,
            "date": [soon],
            "horaires": ["de 8 h à 13 h"],
            "longueur": ["10"],
            "demenageur": ["non"],
        }
    if code == "cantine-periscolaire":
        rows = rng.randint(1, 3)
        posted: dict[str, list[str]] = {
            "enfants-rows": [str(rows)],
            "jours_cantine": ["lundi", "mardi", "jeudi"],
            "periscolaire": [rng.choice(["oui", "non"])],
            "periscolaire_creneaux": ["soir"],
        }
        for row in range(rows):
            posted.update(
                {
                    f"enfants-{row}-prenom": [
                        rng.choice(["Léo", "Jade", "Louis", "Alice", "Gabriel", "Rose"])
                    ],
                    f"enfants-{row}-nom": [rng.choice(PEOPLE)[0]],
                    f"enfants-{row}-naissance": [
                        f"{rng.randint(2015, 2021)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
                    ],
                    f"enfants-{row}-ecole": [school],
                    f"enfants-{row}-classe": [rng.choice(["cp", "ce1", "ce2", "cm1", "gs"])],
                    f"enfants-{row}-regime_alimentaire": [rng.choice(["standard", "sans_viande"])],
                }
            )
        return posted
    if code == "subvention-association":
        return {
            "type_aide": ["projet"],
            "intitule": ["Fête de la musique"],
            "description_action": [
                "Concerts gratuits sur la place du Marché, buvette tenue par les bénévoles."
            ],
            "budget_total": [str(rng.randint(2, 9) * 1000)],
            "montant_demande": [str(rng.randint(3, 15) * 100)],
            "iban": ["FR76 3000 6000 0112 3456 7890 189"],
            "bic": ["BNPAFRPP"],
        }
    if code == "arrete-circulation":
        return {
            **address,
            "nature_travaux": ["Réfection de toiture, échafaudage sur trottoir."],
            "date_debut": [soon],
            "date_fin": [later],
            "mesures": ["stationnement", "alternat"],
        }
    if code == "attestation":
        return {"type_document": ["residence"], "motif": ["Inscription au lycée"], "retrait": ["mairie"]}
    return {
        "objet": ["Haie débordant sur le chemin"],
        "nature": ["reclamation"],
        "message": [
            "La haie du terrain communal déborde sur le chemin des Vignes ; pourriez-vous la faire tailler ?"
        ],
    }


REASONS: dict[str, list[str]] = {
    Dossier.State.REFUSED: [
        "la salle est déjà réservée à cette date",
        "l'emprise demandée gêne le passage des piétons",
        "le budget de l'action n'est pas détaillé",
    ],
    Dossier.State.CLOSED: [
        "la demande a été retirée par le demandeur",
        "la demande fait double emploi avec un autre dossier",
    ],
    Dossier.State.ACCEPTED: [""],
}
NEEDS_FILE = {
    "salle-communale": ("attestation_assurance",),
    "occupation-domaine-public": ("plan",),
    "cantine-periscolaire": ("justificatif_domicile",),
    "subvention-association": ("budget", "rib"),
    "attestation": ("justificatif",),
}


def _pieces(code: str) -> dict[str, Any]:
    """A small real PDF as the answer to the template's file field (the demo's pieces)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%%EOF\n"
    return {key: SimpleUploadedFile(f"{key}.pdf", pdf) for key in NEEDS_FILE.get(code, ())}


def _backdate(dossier: Dossier, days: int) -> None:
    """Move a dossier filed today back `days` days (its received date, history and implicit-decision date)."""
    filed_at = timezone.now() - timedelta(days=days)
    received = timezone.localdate(filed_at)
    deadline = deadlines.implicit_decision_date(
        received_on=received, regime=dossier.version.regime, months=dossier.version.months
    )
    Dossier.objects.filter(pk=dossier.pk).update(filed_at=filed_at, received_on=received, deadline=deadline)
    DossierEvent.objects.filter(dossier=dossier).update(created_at=filed_at)
    dossier.filed_at, dossier.received_on, dossier.deadline = filed_at, received, deadline


# The places of a demo commune that are rooms it lends or rents: what its room booking offers (the builder's
# « Lieux proposés »); a commune with none of them keeps the template's public buildings.
ROOMS = ("Salle des fêtes",)
# The demo communes' own prices, written where the templates name a price without giving it (a template cannot
# know a commune's prices; its secretary writes them in the builder): the room's deposit, the cantine's meal.
DEPOSIT = Decimal(300)
MEAL_PRICES = (Decimal("1.00"), Decimal("4.20"))  # by the CAF quotient: the lowest, the highest


def _edits(commune: Commune, code: str, form: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What the demo commune's secretary changes in an installed template before opening it, by field key;
    nothing for a field already changed (the demo loads again without publishing again)."""
    edits: dict[str, dict[str, Any]] = {}
    if code == "salle-communale":
        found = builder.find(form, "salle")
        rooms = [
            str(pk)
            for pk in Place.objects.filter(commune=commune, name__in=ROOMS).values_list("pk", flat=True)
        ]
        if found is not None and not found[0].get("places") and rooms:
            edits["salle"] = {**found[0], "places": rooms}
        found = builder.find(form, "caution_info")
        if found is not None and "€" not in found[0].get("text", ""):
            edits["caution_info"] = {
                **found[0],
                "text": f"Une caution de {format_eur_short(DEPOSIT)} est demandée à la remise des clés, par "
                "chèque à l'ordre du Trésor public. Elle est rendue après l'état des lieux.",
            }
    if code == "cantine-periscolaire":
        found = builder.find(form, "quotient")
        if found is not None and "€" not in found[0].get("help", ""):
            low, high = (format_eur(price) for price in MEAL_PRICES)
            edits["quotient"] = {
                **found[0],
                "help": f"Le repas coûte de {low} à {high} selon le quotient familial ; sans réponse, le "
                f"tarif le plus élevé ({high}) s'applique.",
            }
    return edits


def _adapt(commune: Commune, demarche: Demarche) -> None:
    """Adapt an installed template to the demo commune as its secretary would in the builder (its rooms, its
    prices: `_edits`), and publish that version once."""
    form = demarche.draft_schema
    edits = _edits(commune, demarche.template_code, form)
    if not edits:
        return
    for key, field in edits.items():
        form = builder.edit_field(form, key=key, field=field)
    services.demarche_form_save(demarche=demarche, actor=None, form=form)
    services.demarche_publish(demarche=demarche, actor=None)


def _places(commune: Commune, demarche: Demarche | None = None) -> dict[str, str]:
    """The commune's places, or those the démarche's first place question offers (what a person could pick)."""
    rows = list(Place.objects.filter(commune=commune).values_list("pk", "name", "kind"))
    names = {str(pk): name for pk, name, _kind in rows}
    form = demarche.current_version.schema if demarche is not None and demarche.current_version else {}
    for _section, item in schema.iter_fields(form):
        for question in [item, *item.get("fields", [])]:
            if question["type"] == "place":
                return offered_places(question, names, {str(pk): kind for pk, _name, kind in rows})
    return names


def _file_one(
    commune: Commune,
    demarche: Demarche,
    rng: random.Random,
    agent: User | None,
    places: dict[str, str],
    counter: bool,
) -> Dossier:
    code = demarche.template_code
    kinds = (
        demarche.current_version.schema["applicant_kinds"] if demarche.current_version else ["particulier"]
    )
    kind = rng.choice(kinds)
    identity = _identity(rng, kind, commune)
    answers = _answers(code, rng, places)
    if counter and agent is not None:
        return services.dossier_file_for(
            commune=commune,
            demarche=demarche,
            actor=agent,
            channel=rng.choice(["guichet", "telephone"]),
            applicant_kind=kind,
            identity=identity,
            posted=answers,
            files=_pieces(code),
            consent=True,
        )
    dossier = services.dossier_start(commune=commune, demarche=demarche, actor=None, applicant_kind=kind)
    services.dossier_save(dossier=dossier, posted=identity, identity=True, complete=True)
    services.dossier_save(dossier=dossier, posted=answers, files=_pieces(code))
    return services.dossier_submit(dossier=dossier, actor=None)


def _handle(dossier: Dossier, rng: random.Random, agent: User, fate: str) -> None:
    """Take the dossier through instruction to `fate` (a state), with messages on the way."""
    if fate == Dossier.State.FILED:
        return
    services.dossier_take(dossier=dossier, actor=agent)
    if fate == Dossier.State.INSTRUCTION:
        if rng.random() < 0.4:
            services.message_send(
                dossier=dossier,
                actor=agent,
                body="Bonjour, votre dossier est bien en cours d'examen. Nous revenons vers vous rapidement.",
            )
        if rng.random() < 0.3:
            services.dossier_annotate(
                dossier=dossier, actor=agent, body="Voir avec le service technique avant de répondre."
            )
        return
    # Pieces are asked for only while the period runs: past its date the implicit decision is born.
    late = bool(services.implicit_decision_born(dossier, today=timezone.localdate()))
    if not late and (fate == Dossier.State.INCOMPLETE or rng.random() < 0.3):
        services.dossier_request_pieces(
            dossier=dossier,
            actor=agent,
            pieces="Merci de joindre un justificatif de domicile de moins de trois mois.",
        )
        if fate == Dossier.State.INCOMPLETE:
            return
        services.message_from_applicant(dossier=dossier, body="Voici le justificatif demandé.", pieces=True)
    elif fate == Dossier.State.INCOMPLETE:
        return
    # The letter made for the dossier's form when there is one (a room booking's acceptance), else the general one.
    template = next((t for t in selectors.decision_templates_for(dossier=dossier) if t.outcome == fate), None)
    text = "" if template else "Décision de la mairie."
    if template is not None and "[motif]" in template.body:
        values, answers = services.letter_values(dossier, signatory="Le maire, Michel Roy")
        text = letters.render(template.body, values, answers).replace("[motif]", rng.choice(REASONS[fate]))
    services.dossier_decide(
        dossier=dossier,
        actor=agent,
        outcome=fate,
        template=template,
        text=text,
        signatory="Le maire, Michel Roy",
    )
    decided = dossier.filed_at + timedelta(days=rng.randint(8, 50)) if dossier.filed_at else timezone.now()
    Dossier.objects.filter(pk=dossier.pk).update(decided_at=decided)
    DossierEvent.objects.filter(dossier=dossier, created_at__gt=dossier.filed_at).update(created_at=decided)


def _load(slug: str, spec: list[tuple[str, int]], seed: int, agent_email: str) -> None:
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None or Dossier.objects.filter(commune=commune).exclude(state=Dossier.State.DRAFT).exists():
        return
    if not commune.has_module("procedures"):
        modules_set(commune=commune, actor=None, codes=[*commune.enabled_modules, "procedures"])
        commune.refresh_from_db()
    rng = random.Random(seed)
    agent = User.objects.filter(email=agent_email).first()
    team = (
        Team.objects.filter(commune=commune, slug="accueil-de-la-mairie").first()
        or Team.objects.filter(commune=commune).first()
    )
    services.decision_templates_ensure(commune=commune)
    installed: dict[str, Demarche] = {}
    for code, _count in spec:
        existing = Demarche.objects.filter(commune=commune, template_code=code).first()
        installed[code] = existing or services.template_install(
            commune=commune, actor=None, code=code, team=team
        )
        _adapt(commune, installed[code])
    offered = {code: _places(commune, demarche) for code, demarche in installed.items()}
    fates = [
        Dossier.State.FILED,
        Dossier.State.INSTRUCTION,
        Dossier.State.INCOMPLETE,
        Dossier.State.ACCEPTED,
        Dossier.State.REFUSED,
        Dossier.State.CLOSED,
    ]
    for code, count in spec:
        for number in range(count):
            fate = fates[number % len(fates)] if agent is not None else Dossier.State.FILED
            counter = agent is not None and rng.random() < 0.2
            dossier = _file_one(commune, installed[code], rng, agent, offered[code], counter)
            # The oldest are decided, the newest still open; some open ones past their date (to act on).
            days = rng.randint(70, 200) if fate in Dossier.DECIDED_STATES else rng.randint(1, 75)
            if fate == Dossier.State.INCOMPLETE:
                days = rng.randint(3, 40)  # pieces asked for before the date passes, as an agent does
            _backdate(dossier, days)
            if agent is not None:
                _handle(dossier, rng, agent, fate)


VALBOURG = [
    (code, 8 if code in ("cantine-periscolaire", "salle-communale") else 7) for code in catalogue.TEMPLATES
]
HAUTMESNIL = [("saisine-libre", 3), ("salle-communale", 2)]


def _drafts(slug: str, email: str) -> None:
    """Two drafts of the demo resident, resumable from « Mon compte » (a draft is the applicant's alone)."""
    commune = Commune.objects.filter(slug=slug).first()
    resident = User.objects.filter(email=email).first()
    if (
        commune is None
        or resident is None
        or Dossier.objects.filter(commune=commune, applicant=resident).exists()
    ):
        return
    rng = random.Random(11)
    for code in ("cantine-periscolaire", "salle-communale"):
        demarche = Demarche.objects.filter(commune=commune, template_code=code).first()
        if demarche is None:
            continue
        draft = services.dossier_start(
            commune=commune, demarche=demarche, actor=resident, applicant_kind="particulier"
        )
        identity = {
            **_identity(rng, "particulier", commune),
            "last_name": ["Habitant"],
            "first_name": ["Henri"],
            "email": [resident.email],
        }
        services.dossier_save(dossier=draft, posted=identity, identity=True)
        services.dossier_save(dossier=draft, posted=_answers(code, rng, _places(commune, demarche)))


@demo.register("procedures", order=25)
def load() -> None:
    _load("valbourg", VALBOURG, 20261203, "agent@demo.test")
    _drafts("valbourg", "habitant@demo.test")
    _load("hautmesnil", HAUTMESNIL, 20261204, "mairie@hautmesnil.demo.test")


SCALE = [("saisine-libre", 4), ("salle-communale", 4), ("cantine-periscolaire", 4)]


@demo.register_commune("procedures", order=25)
def load_commune(commune: Commune, rng: random.Random) -> None:
    """One more demo commune's démarches (three of the templates) and a dozen dossiers in every state."""
    _load(commune.slug, SCALE, rng.randint(0, 10**6), f"agent@{commune.slug}.demo.test")
