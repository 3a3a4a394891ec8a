"""What the platform ships for Signalements: the default state table every commune starts with, and the
categories of the demo communes.

The stored text is the French source (`gettext_noop` only marks it for the catalogue). Pages show it through
`shipped_state_label` and `shipped_category_text`, which translate a label only while it is still the shipped
one for its code: a commune that renames « Nouveau » or words its own category keeps its wording in every
language.
"""

from __future__ import annotations

from typing import TypeAlias

from django.utils.translation import gettext, gettext_noop

from beffroi.core.annotations import JSONObject

# (code, label, kind, is_initial): created for every commune that uses the module.
DEFAULT_STATES: list[tuple[str, str, str, bool]] = [
    ("nouveau", gettext_noop("Nouveau"), "open", True),
    ("pris-en-compte", gettext_noop("Pris en compte"), "open", False),
    ("planifie", gettext_noop("Planifié"), "open", False),
    ("en-cours", gettext_noop("En cours"), "open", False),
    ("resolu", gettext_noop("Résolu"), "closed", False),
    ("non-pertinent", gettext_noop("Non pertinent"), "closed", False),
    ("doublon", gettext_noop("Doublon"), "closed", False),
    ("transmis", gettext_noop("Transmis à un autre service"), "closed", False),
]

# (code, name, description, team slug, questions)
CategorySeed: TypeAlias = tuple[str, str, str, str, list[JSONObject]]
DEMO_CATEGORIES: dict[str, list[CategorySeed]] = {
    "valbourg": [
        (
            "eclairage",
            gettext_noop("Éclairage public"),
            gettext_noop("Lampadaire éteint, clignotant ou allumé en journée."),
            "batiments-et-eclairage",
            [
                {
                    "code": "numero_mat",
                    "label": gettext_noop("Numéro inscrit sur le mât (si visible)"),
                    "type": "string",
                    "required": False,
                }
            ],
        ),
        (
            "nid-de-poule",
            gettext_noop("Voirie : nid-de-poule, chaussée abîmée"),
            gettext_noop("Trou, affaissement ou fissure de la chaussée."),
            "voirie-et-proprete",
            [
                {
                    "code": "danger",
                    "label": gettext_noop("Le trou est-il dangereux ?"),
                    "type": "singlevaluelist",
                    "required": True,
                    "choices": [
                        {"key": "oui", "name": gettext_noop("Oui, risque de chute ou d'accident")},
                        {"key": "non", "name": gettext_noop("Non")},
                    ],
                }
            ],
        ),
        (
            "depot-sauvage",
            gettext_noop("Propreté : dépôt sauvage"),
            gettext_noop("Déchets, encombrants ou gravats abandonnés."),
            "voirie-et-proprete",
            [
                {
                    "code": "nature",
                    "label": gettext_noop("Nature des déchets"),
                    "type": "multivaluelist",
                    "required": False,
                    "choices": [
                        {"key": "encombrants", "name": gettext_noop("Encombrants")},
                        {"key": "gravats", "name": gettext_noop("Gravats")},
                        {"key": "sacs", "name": gettext_noop("Sacs d'ordures")},
                        {"key": "dangereux", "name": gettext_noop("Produits dangereux")},
                    ],
                }
            ],
        ),
        (
            "arbre",
            gettext_noop("Espaces verts : arbre, haie"),
            gettext_noop("Branche tombée, arbre dangereux, haie qui gêne le passage."),
            "espaces-verts",
            [],
        ),
        (
            "mobilier",
            gettext_noop("Mobilier urbain"),
            gettext_noop("Banc, poubelle, panneau ou abribus endommagé."),
            "voirie-et-proprete",
            [],
        ),
        (
            "bruit",
            gettext_noop("Bruit"),
            gettext_noop("Nuisance sonore répétée (hors urgence : appelez le 17)."),
            "accueil-de-la-mairie",
            [],
        ),
    ],
    "hautmesnil": [
        (
            "voirie",
            gettext_noop("Voirie"),
            gettext_noop("Chaussée, trottoir, fossé."),
            "services-techniques",
            [],
        ),
        (
            "eclairage",
            gettext_noop("Éclairage public"),
            gettext_noop("Lampadaire en panne."),
            "services-techniques",
            [],
        ),
    ],
}

# The categories each commune preset (territory.presets) starts Signalements with: the village's five, handled by
# its one team; the bourg and the petite ville add more and route them to their services.
_VILLAGE: list[CategorySeed] = [
    (
        "voirie",
        gettext_noop("Voirie : chaussée, trottoir, fossé"),
        gettext_noop("Trou, affaissement, trottoir abîmé, fossé bouché."),
        "mairie",
        [],
    ),
    (
        "eclairage",
        gettext_noop("Éclairage public"),
        gettext_noop("Lampadaire éteint, clignotant ou allumé en journée."),
        "mairie",
        [],
    ),
    (
        "proprete",
        gettext_noop("Propreté : dépôt sauvage, poubelle"),
        gettext_noop("Déchets abandonnés, poubelle pleine ou renversée."),
        "mairie",
        [],
    ),
    (
        "espaces-verts",
        gettext_noop("Espaces verts : arbre, haie"),
        gettext_noop("Branche tombée, arbre dangereux, haie qui gêne le passage."),
        "mairie",
        [],
    ),
    (
        "autre",
        gettext_noop("Autre problème"),
        gettext_noop("Tout autre problème dans l'espace public de la commune."),
        "mairie",
        [],
    ),
]


def _routed(seeds: list[CategorySeed], teams: dict[str, str]) -> list[CategorySeed]:
    return [
        (code, name, text, teams.get(code, teams["*"]), questions)
        for code, name, text, _t, questions in seeds
    ]


_BOURG_EXTRA: list[CategorySeed] = [
    (
        "signalisation",
        gettext_noop("Signalisation : panneau, marquage"),
        gettext_noop("Panneau tombé, illisible ou masqué, marquage effacé."),
        "",
        [],
    ),
    (
        "mobilier",
        gettext_noop("Mobilier urbain"),
        gettext_noop("Banc, abribus, jeu d'enfants ou barrière endommagé."),
        "",
        [],
    ),
]
_TOWN_EXTRA: list[CategorySeed] = [
    (
        "stationnement",
        gettext_noop("Stationnement gênant"),
        gettext_noop("Véhicule sur un trottoir, une place réservée ou un passage (hors urgence)."),
        "",
        [],
    ),
    (
        "bruit",
        gettext_noop("Bruit"),
        gettext_noop("Nuisance sonore répétée (hors urgence : appelez le 17)."),
        "",
        [],
    ),
]
PRESET_CATEGORIES: dict[str, list[CategorySeed]] = {
    "village": _VILLAGE,
    "bourg": _routed(_VILLAGE + _BOURG_EXTRA, {"autre": "accueil-de-la-mairie", "*": "services-techniques"}),
    "petite-ville": _routed(
        _VILLAGE + _BOURG_EXTRA + _TOWN_EXTRA,
        {
            "eclairage": "batiments-et-eclairage",
            "espaces-verts": "espaces-verts",
            "autre": "accueil-de-la-mairie",
            "stationnement": "accueil-de-la-mairie",
            "bruit": "accueil-de-la-mairie",
            "*": "voirie-et-proprete",
        },
    ),
}
# (title, body) of the reply templates every preset starts with.
PRESET_REPLY_TEMPLATES: list[tuple[str, str]] = [
    (
        gettext_noop("Signalement bien reçu"),
        gettext_noop(
            "Bonjour, la mairie a bien reçu votre signalement et l'a transmis au service concerné. "
            "Merci de votre aide."
        ),
    ),
    (
        gettext_noop("Intervention prévue"),
        gettext_noop("Bonjour, une intervention est prévue. Nous vous tiendrons informé de sa réalisation."),
    ),
    (
        gettext_noop("Problème résolu"),
        gettext_noop("Bonjour, le problème que vous avez signalé est résolu. Merci de nous l'avoir signalé."),
    ),
    (
        gettext_noop("Hors compétence de la commune"),
        gettext_noop(
            "Bonjour, ce problème ne relève pas de la commune : nous l'avons transmis au service compétent "
            "(département, intercommunalité ou gestionnaire du réseau)."
        ),
    ),
]

_STATE_LABELS = {code: label for code, label, _kind, _initial in DEFAULT_STATES}


def _category_texts() -> frozenset[tuple[str, str]]:
    """(category code, text) of every shipped category text: name, description, question labels and choices."""
    texts: set[tuple[str, str]] = set()
    for seeds in [*DEMO_CATEGORIES.values(), *PRESET_CATEGORIES.values()]:
        for code, name, description, _team, questions in seeds:
            texts.update({(code, name), (code, description)})
            for question in questions:
                texts.add((code, str(question["label"])))
                for choice in question.get("choices", ()):
                    texts.add((code, str(choice["name"])))
    return frozenset(texts)


_CATEGORY_TEXTS = _category_texts()


def shipped_state_label(code: str, label: str) -> str:
    """The label in the visitor's language while it is the shipped one for that code, else as the commune wrote it."""
    return gettext(label) if label and _STATE_LABELS.get(code) == label else label


def shipped_category_text(code: str, text: str) -> str:
    """A category's text in the visitor's language while it is a shipped one for that code, else as written."""
    return gettext(text) if text and (code, text) in _CATEGORY_TEXTS else text
