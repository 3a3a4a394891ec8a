"""The French messages of the field checks (`fields.MESSAGES`), through the catalogue so English pages read
English; and the France's communes list the "commune" field checks against."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from beffroi.procedures.fields import MESSAGES, FieldError

# Marked for makemessages: the same sentences as fields.MESSAGES (a test checks both lists agree).
CATALOGUE = [
    gettext_noop("Répondez à « {label} »."),
    gettext_noop("« {label} » ne doit pas dépasser {max} caractères."),
    gettext_noop("« {label} » doit être un nombre (par exemple 12 ou 12,5)."),
    gettext_noop("« {label} » doit être un nombre entier."),
    gettext_noop("« {label} » doit être au moins {min}."),
    gettext_noop("« {label} » ne doit pas dépasser {max}."),
    gettext_noop("« {label} » doit être une date réelle, au format JJ/MM/AAAA."),
    gettext_noop("« {label} » ne peut pas être avant le {min}."),
    gettext_noop("« {label} » ne peut pas être après le {max}."),
    gettext_noop("Répondez « oui » ou « non » à « {label} »."),
    gettext_noop("La réponse à « {label} » ne fait pas partie des choix proposés."),
    gettext_noop("Cochez au moins {min} réponse(s) à « {label} »."),
    gettext_noop("Cochez au plus {max} réponse(s) à « {label} »."),
    gettext_noop("« {label} » n'est pas une adresse électronique valide (exemple : nom@exemple.fr)."),
    gettext_noop(
        "« {label} » n'est pas un numéro de téléphone valide (exemple : 06 12 34 56 78 ou +32 2 123 45 67)."
    ),
    gettext_noop("Indiquez le numéro et la voie de « {label} »."),
    gettext_noop("Le code postal de « {label} » doit compter 5 chiffres."),
    gettext_noop("Indiquez la commune de « {label} »."),
    gettext_noop("Le point placé sur la carte pour « {label} » n'est pas valable : placez-le à nouveau."),
    gettext_noop("Choisissez un lieu de la liste pour « {label} »."),
    gettext_noop(
        "« {label} » doit être une commune de France (code INSEE à 5 caractères, par exemple 75056)."
    ),
    gettext_noop(
        "« {label} » n'est pas un numéro SIRET valide : 14 chiffres dont le dernier est une clé de contrôle."
    ),
    gettext_noop(
        "« {label} » n'est pas un numéro SIREN valide : 9 chiffres dont le dernier est une clé de contrôle."
    ),
    gettext_noop(
        "« {label} » n'est pas un numéro RNA : la lettre W suivie de 9 chiffres (par exemple W751234567)."
    ),
    gettext_noop(
        "« {label} » n'est pas un IBAN valide : vérifiez les caractères recopiés (la clé de contrôle ne "
        "correspond pas)."
    ),
    gettext_noop("« {label} » n'est pas un BIC valide : 8 ou 11 caractères (par exemple BNPAFRPP)."),
    gettext_noop("Le fichier joint à « {label} » doit être de type {types}."),
    gettext_noop("Le fichier joint à « {label} » dépasse {max} Mo."),
    gettext_noop("Le fichier joint à « {label} » n'est pas un fichier {kind} lisible."),
    gettext_noop("Remplissez au moins {min} ligne(s) de « {label} »."),
    gettext_noop("« {label} » compte au plus {max} ligne(s)."),
    gettext_noop("« {label} » ne s'applique pas d'après vos réponses : laissez-le vide."),
    gettext_noop("Choisissez comment la pièce « {label} » est fournie parmi les choix proposés."),
]

# A piece not sent as a file at the counter (fields.PAPER_PIECES), read through gettext on the pages.
PAPER_LABELS = [
    gettext_noop("Pièce vue en original par la mairie (non numérisée)"),
    gettext_noop("Pièce à fournir plus tard par le demandeur"),
]


# The identification's labels (schema.IDENTITY_FIELDS), read through gettext on the pages.
IDENTITY_LABELS = [
    gettext_noop("Identification"),
    gettext_noop("Nom"),
    gettext_noop("Prénom"),
    gettext_noop("Adresse électronique"),
    gettext_noop("Téléphone"),
    gettext_noop("Adresse postale"),
    gettext_noop("Raison sociale"),
    gettext_noop("Numéro SIRET"),
    gettext_noop("Adresse postale de l'établissement"),
    gettext_noop("Nom de l'association"),
    gettext_noop("Numéro RNA"),
    gettext_noop("Adresse du siège"),
]


def field_message(error: FieldError) -> str:
    """The refusal as the visitor reads it (French, or its English translation)."""
    return error.message(gettext(MESSAGES[error.reason]))


COMMUNES_FILE = (
    Path(settings.BASE_DIR).parent
    / "node_modules"
    / "@etalab"
    / "decoupage-administratif"
    / "data"
    / "communes.json"
)


@lru_cache(maxsize=1)
def france_communes() -> dict[str, str] | None:
    """INSEE code → name of every current commune (the official list of @etalab/decoupage-administratif);
    None when the data is not installed, and the field then checks the code's form only."""
    try:
        rows = json.loads(COMMUNES_FILE.read_text(encoding="utf-8"))
    except OSError:
        return None
    return {row["code"]: row["nom"] for row in rows if row.get("type") == "commune-actuelle"}
