"""The ready démarches a village installs in one click, and the default decision letters (no Django here).

Each template is a real form in the documented schema format (`schema.py`) with the decision regime its subject
has: most requests to a mairie fall under *silence vaut acceptation* after two months (CRPA L231-1). Silence
is a rejection (CRPA L231-4) for a request of a financial character (3°: the association's subsidy) and for the
occupation of the public domain, which needs an express, personal title (CG3P L2122-1). An attestation is a
document issued, not a decision: no implicit decision. Nor does the free referral (« Écrire à la mairie »,
the saisine par voie électronique every commune owes, CRPA L112-8) give rise to one: a question, a request for
information or a complaint about the hedge of the communal land is a message, not a *demande* tending to a
decision, and L231-1 and L231-4 apply to such demandes only; its form offers no « demande de décision », which
belongs to the démarche made for it.

The texts name what the commune offers as it offers it (« certificat de résidence », not « in the communes that
deliver it »): installing a template is the commune's choice to offer it; a commune removes in the builder a
choice it does not offer.

A request for a given day marks that date `answer_before` (schema): the period of L231-1 is not shortened, but the
pages tell the applicant when silence would come too late for that day (`deadlines.comes_too_late`). Some
templates bring their own decision letters (`TEMPLATE_LETTERS`: the room booking's acceptance names the room,
the day, the hours, the deposit and the conditions), installed with the template beside the commune's general
letters (`DECISION_LETTERS`).
"""

from __future__ import annotations

from typing import Any


def _f(key: str, type_: str, label: str, required: bool = True, **options: Any) -> dict[str, Any]:
    return {"key": key, "type": type_, "label": label, "required": required, **options}


def _choices(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"key": key, "label": label} for key, label in pairs]


def _form(
    title: str,
    description: str,
    kinds: list[str],
    regime: str,
    months: int | None,
    sections: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "format": "beffroi.demarche",
        "format_version": 1,
        "title": title,
        "description": description,
        "applicant_kinds": kinds,
        "regime": {"kind": regime, "months": months},
        "sections": [{"help": "", "condition": None, **s} for s in sections],
    }


_DATES = [
    _f("date_debut", "date", "Date de début", min="today", answer_before=True),
    _f("date_fin", "date", "Date de fin", min="today"),
]

TEMPLATES: dict[str, dict[str, Any]] = {
    "salle-communale": _form(
        "Réservation d'une salle communale",
        "Réserver une salle municipale pour une fête familiale, une réunion ou une activité associative.",
        ["particulier", "association", "entreprise"],
        "sva",
        2,
        [
            {
                "key": "reservation",
                "title": "Votre réservation",
                "fields": [
                    _f(
                        "salle",
                        "place",
                        "Salle souhaitée",
                        help="Les salles de la commune.",
                        place_kinds=["batiment"],  # narrowed to the commune's rooms in the builder
                    ),
                    _f("date_evenement", "date", "Date de l'événement", min="today", answer_before=True),
                    _f("horaires", "short_text", "Horaires souhaités", help="Par exemple : de 18 h à 1 h."),
                    _f(
                        "objet",
                        "choice",
                        "Nature de l'événement",
                        choices=_choices(
                            ("familial", "Fête familiale"),
                            ("reunion", "Réunion"),
                            ("associatif", "Activité associative"),
                            ("autre", "Autre"),
                        ),
                    ),
                    _f(
                        "objet_autre",
                        "short_text",
                        "Précisez la nature de l'événement",
                        condition={"field": "objet", "equals": "autre"},
                    ),
                    _f(
                        "participants",
                        "number",
                        "Nombre de personnes attendues",
                        min=1,
                        max=500,
                        integer=True,
                        unit="personnes",
                    ),
                    _f(
                        "caution_info",
                        "explanation",
                        "Caution",
                        required=False,
                        text="Une caution est demandée à la remise des clés, par chèque à l'ordre du Trésor public. "
                        "Elle est rendue après l'état des lieux.",
                    ),
                    _f(
                        "attestation_assurance",
                        "file",
                        "Attestation d'assurance responsabilité civile",
                        file_types=["pdf", "jpg", "png"],
                        max_size_mb=5,
                    ),
                ],
            }
        ],
    ),
    "occupation-domaine-public": _form(
        "Demande d'occupation du domaine public",
        "Terrasse, échafaudage, benne, étalage : demander l'autorisation d'occuper un trottoir, une place ou "
        "une voie de la commune.",
        ["particulier", "entreprise", "association"],
        "svr",
        2,
        [
            {
                "key": "occupation",
                "title": "L'occupation",
                "fields": [
                    _f(
                        "nature",
                        "choice",
                        "Nature de l'occupation",
                        choices=_choices(
                            ("terrasse", "Terrasse ou étalage"),
                            ("echafaudage", "Échafaudage"),
                            ("benne", "Benne ou dépôt de matériaux"),
                            ("autre", "Autre"),
                        ),
                    ),
                    _f("lieu", "place", "Lieu de l'occupation", required=False),
                    _f("adresse", "address", "Adresse de l'occupation"),
                    *_DATES,
                    _f("surface", "number", "Surface occupée", min=0.5, max=2000, unit="m²"),
                    _f(
                        "plan",
                        "file",
                        "Plan ou croquis de l'emprise",
                        file_types=["pdf", "jpg", "png"],
                        max_size_mb=10,
                    ),
                    _f(
                        "entreprise_intervenante",
                        "siret",
                        "SIRET de l'entreprise qui intervient",
                        required=False,
                        condition={"field": "nature", "in": ["echafaudage", "benne"]},
                    ),
                ],
            }
        ],
    ),
    "stationnement-demenagement": _form(
        "Permis de stationnement pour un déménagement",
        "Réserver des places de stationnement devant votre logement le jour d'un déménagement ou d'une "
        "livraison.",
        ["particulier", "entreprise"],
        "sva",
        2,
        [
            {
                "key": "stationnement",
                "title": "Le stationnement",
                "fields": [
                    _f("adresse", "address", "Adresse du déménagement"),
                    _f("date", "date", "Date", min="today", answer_before=True),
                    _f("horaires", "short_text", "Horaires", help="Par exemple : de 8 h à 13 h."),
                    _f(
                        "longueur",
                        "number",
                        "Longueur à réserver",
                        min=5,
                        max=60,
                        unit="m",
                        help="Un camion de 20 m³ demande environ 10 m.",
                    ),
                    _f("demenageur", "yes_no", "Faites-vous appel à un déménageur ?"),
                    _f(
                        "demenageur_siret",
                        "siret",
                        "SIRET du déménageur",
                        required=False,
                        condition={"field": "demenageur", "equals": "oui"},
                    ),
                ],
            }
        ],
    ),
    "cantine-periscolaire": _form(
        "Inscription à la cantine et au périscolaire",
        "Inscrire vos enfants à la restauration scolaire et à l'accueil périscolaire pour l'année.",
        ["particulier"],
        "sva",
        2,
        [
            {
                "key": "enfants_section",
                "title": "Vos enfants",
                "fields": [
                    _f(
                        "enfants",
                        "repeat",
                        "Enfants à inscrire",
                        required=False,
                        min_rows=1,
                        max_rows=8,
                        row_label="Enfant",
                        fields=[
                            _f("prenom", "short_text", "Prénom", max_length=80),
                            _f("nom", "short_text", "Nom", max_length=80),
                            _f("naissance", "date", "Date de naissance", max="today"),
                            _f("ecole", "place", "École", place_kinds=["ecole"]),
                            _f(
                                "classe",
                                "choice",
                                "Classe",
                                choices=_choices(
                                    ("ps", "Petite section"),
                                    ("ms", "Moyenne section"),
                                    ("gs", "Grande section"),
                                    ("cp", "CP"),
                                    ("ce1", "CE1"),
                                    ("ce2", "CE2"),
                                    ("cm1", "CM1"),
                                    ("cm2", "CM2"),
                                ),
                            ),
                            _f(
                                "regime_alimentaire",
                                "choice",
                                "Repas",
                                choices=_choices(
                                    ("standard", "Repas standard"),
                                    ("sans_viande", "Sans viande"),
                                    ("pai", "Allergie (projet d'accueil individualisé)"),
                                ),
                            ),
                        ],
                    ),
                ],
            },
            {
                "key": "services",
                "title": "Les services",
                "fields": [
                    _f(
                        "jours_cantine",
                        "multiple_choice",
                        "Jours de cantine",
                        choices=_choices(
                            ("lundi", "Lundi"),
                            ("mardi", "Mardi"),
                            ("jeudi", "Jeudi"),
                            ("vendredi", "Vendredi"),
                        ),
                    ),
                    _f("periscolaire", "yes_no", "Accueil périscolaire (matin ou soir) ?"),
                    _f(
                        "periscolaire_creneaux",
                        "multiple_choice",
                        "Créneaux d'accueil",
                        choices=_choices(
                            ("matin", "Matin (7 h 30 – 8 h 30)"), ("soir", "Soir (16 h 30 – 18 h 30)")
                        ),
                        condition={"field": "periscolaire", "equals": "oui"},
                    ),
                    _f(
                        "quotient",
                        "number",
                        "Quotient familial CAF",
                        required=False,
                        min=0,
                        max=10000,
                        integer=True,
                        help="Pour le tarif ; sans réponse, le tarif le plus élevé s'applique.",
                    ),
                    _f(
                        "justificatif_domicile",
                        "file",
                        "Justificatif de domicile de moins de trois mois",
                        file_types=["pdf", "jpg", "png"],
                        max_size_mb=5,
                    ),
                ],
            },
        ],
    ),
    "subvention-association": _form(
        "Demande de subvention par une association",
        "Demander une subvention de fonctionnement ou pour un projet à la commune.",
        ["association"],
        "svr",
        2,
        [
            {
                "key": "projet",
                "title": "Le projet",
                "fields": [
                    _f(
                        "type_aide",
                        "choice",
                        "Type de subvention",
                        choices=_choices(
                            ("fonctionnement", "Fonctionnement"), ("projet", "Projet ou action")
                        ),
                    ),
                    _f(
                        "intitule",
                        "short_text",
                        "Intitulé de l'action",
                        condition={"field": "type_aide", "equals": "projet"},
                    ),
                    _f("description_action", "long_text", "Description de l'action ou de l'activité"),
                    _f("budget_total", "number", "Budget total de l'action", min=0, max=10000000, unit="€"),
                    _f(
                        "montant_demande",
                        "number",
                        "Montant demandé à la commune",
                        min=1,
                        max=1000000,
                        unit="€",
                    ),
                    _f(
                        "budget",
                        "file",
                        "Budget prévisionnel",
                        file_types=["pdf", "odt", "docx"],
                        max_size_mb=5,
                    ),
                ],
            },
            {
                "key": "banque",
                "title": "Coordonnées bancaires",
                "fields": [
                    _f("iban", "iban", "IBAN de l'association"),
                    _f("bic", "bic", "BIC"),
                    _f(
                        "rib",
                        "file",
                        "Relevé d'identité bancaire",
                        file_types=["pdf", "jpg", "png"],
                        max_size_mb=5,
                    ),
                ],
            },
        ],
    ),
    "arrete-circulation": _form(
        "Demande d'arrêté de circulation ou de stationnement (travaux)",
        "Pour des travaux sur ou au bord de la voie : demander un arrêté réglementant la circulation ou le "
        "stationnement.",
        ["entreprise", "particulier"],
        "sva",
        1,
        [
            {
                "key": "travaux",
                "title": "Les travaux",
                "fields": [
                    _f("adresse", "address", "Adresse des travaux"),
                    _f("nature_travaux", "long_text", "Nature des travaux"),
                    *_DATES,
                    _f(
                        "mesures",
                        "multiple_choice",
                        "Mesures demandées",
                        choices=_choices(
                            ("stationnement", "Interdiction de stationner"),
                            ("alternat", "Circulation alternée"),
                            ("deviation", "Route barrée avec déviation"),
                            ("vitesse", "Vitesse limitée"),
                        ),
                    ),
                    _f(
                        "plan_deviation",
                        "file",
                        "Plan de la déviation",
                        file_types=["pdf", "jpg", "png"],
                        condition={"field": "mesures", "equals": "deviation"},
                    ),
                    _f(
                        "donneur_ordre",
                        "short_text",
                        "Maître d'ouvrage (pour le compte de qui)",
                        required=False,
                    ),
                ],
            }
        ],
    ),
    "attestation": _form(
        "Demande d'attestation ou de certificat",
        "Demander à la mairie un certificat de résidence, un certificat de vie commune ou une autre "
        "attestation.",
        ["particulier"],
        "none",
        None,
        [
            {
                "key": "document",
                "title": "Le document",
                "fields": [
                    _f(
                        "type_document",
                        "choice",
                        "Document demandé",
                        choices=_choices(
                            ("residence", "Certificat de résidence"),
                            ("vie_commune", "Certificat de vie commune"),
                            ("autre", "Autre attestation"),
                        ),
                    ),
                    _f(
                        "precision",
                        "short_text",
                        "Précisez le document",
                        condition={"field": "type_document", "equals": "autre"},
                    ),
                    _f("motif", "short_text", "Pour quel usage ?", required=False),
                    _f(
                        "justificatif",
                        "file",
                        "Justificatif de domicile",
                        file_types=["pdf", "jpg", "png"],
                        max_size_mb=5,
                    ),
                    _f(
                        "retrait",
                        "choice",
                        "Comment recevoir le document ?",
                        choices=_choices(
                            ("mairie", "Retrait à la mairie"), ("courrier", "Envoi par courrier")
                        ),
                    ),
                ],
            }
        ],
    ),
    "saisine-libre": _form(
        "Écrire à la mairie",
        "Une question, une demande d'information, une réclamation : écrivez à la mairie. Vous recevez un "
        "accusé de réception, puis sa réponse.",
        ["particulier", "entreprise", "association"],
        "none",
        None,
        [
            {
                "key": "saisine",
                "title": "Votre message",
                "fields": [
                    _f("objet", "short_text", "Objet"),
                    _f(
                        "nature",
                        "choice",
                        "Nature",
                        choices=_choices(
                            ("question", "Une question"),
                            ("information", "Une demande d'information"),
                            ("reclamation", "Une réclamation ou un signalement"),
                        ),
                    ),
                    _f("message", "long_text", "Votre message"),
                    _f(
                        "piece",
                        "file",
                        "Pièce jointe",
                        required=False,
                        file_types=["pdf", "jpg", "png", "odt", "docx"],
                        max_size_mb=10,
                    ),
                ],
            }
        ],
    ),
}

DECISION_LETTERS: list[tuple[str, str, str]] = [
    (
        "Acceptation",
        "accepte",
        "Madame, Monsieur,\n\nPar votre demande « {{ demarche }} » reçue le {{ date_depot }} "
        "(dossier {{ code }}), vous avez sollicité la commune de {{ commune }}.\n\nJ'ai le plaisir de vous "
        "informer que votre demande est acceptée.\n\nJe vous prie d'agréer, Madame, Monsieur, l'expression de "
        "mes salutations distinguées.",
    ),
    (
        "Refus",
        "refuse",
        "Madame, Monsieur,\n\nPar votre demande « {{ demarche }} » reçue le {{ date_depot }} "
        "(dossier {{ code }}), vous avez sollicité la commune de {{ commune }}.\n\nJ'ai le regret de vous "
        "informer que je ne peux y donner une suite favorable, pour le motif suivant :\n\n[motif]\n\nCette "
        "décision peut faire l'objet d'un recours gracieux auprès du maire ou d'un recours contentieux devant "
        "le tribunal administratif dans un délai de deux mois à compter de sa notification (le tribunal peut "
        "être saisi par l'application Télérecours citoyens, www.telerecours.fr).\n\nJe vous prie d'agréer, "
        "Madame, Monsieur, l'expression de mes salutations distinguées.",
    ),
    (
        "Classement sans suite",
        "sans_suite",
        "Madame, Monsieur,\n\nVotre demande « {{ demarche }} » reçue le {{ date_depot }} "
        "(dossier {{ code }}) est classée sans suite, pour le motif suivant :\n\n[motif]\n\nJe vous prie "
        "d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
    ),
]

# Letters a template brings for its own dossiers, by template code: installed with it (once per commune, by
# title), offered only for the dossiers whose form has every field they name (`selectors.decision_templates_for`).
# `{{ champ.caution_info }}` reads the explanation's text as the commune wrote it (the deposit's amount).
TEMPLATE_LETTERS: dict[str, list[tuple[str, str, str]]] = {
    "salle-communale": [
        (
            "Acceptation d'une réservation de salle",
            "accepte",
            "Madame, Monsieur,\n\nPar votre demande « {{ demarche }} » reçue le {{ date_depot }} "
            "(dossier {{ code }}), vous avez demandé à utiliser une salle de la commune de {{ commune }}."
            "\n\nJ'ai le plaisir de vous informer que votre réservation est acceptée :\n\n"
            "- salle : {{ champ.salle }} ;\n"
            "- date : le {{ champ.date_evenement }} ;\n"
            "- horaires : {{ champ.horaires }} ;\n"
            "- public attendu : {{ champ.participants }}.\n\n"
            "{{ champ.caution_info }}\n\n"
            "Conditions : les clés vous sont remises par la mairie, sur rendez-vous, contre la caution et "
            "l'attestation d'assurance responsabilité civile jointe à votre demande. La salle est utilisée aux "
            "horaires ci-dessus, pour l'événement déclaré et dans la limite du nombre de personnes indiqué ; "
            "elle est rendue propre et rangée, après un état des lieux."
            "\n\nJe vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
        ),
    ],
}
