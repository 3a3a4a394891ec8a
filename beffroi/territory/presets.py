"""Presets: a starting configuration that fits the commune's size, picked at creation or later by the mayor.

A preset names the modules it opens and the teams (services municipaux) it creates; each module's app adds its
own part (the categories, states and reply templates of Signalements…) through a step it registers here from
its ``AppConfig.ready()`` — territory sits below the domain apps and never imports them. Applying a preset
twice, or another one later, adds what is missing and never deletes: the commune's own changes stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from beffroi.core.annotations import Actor
    from beffroi.core.models import Commune


@dataclass(frozen=True)
class Preset:
    code: str
    label: StrOrPromise
    description: StrOrPromise
    population: tuple[int, int | None]  # [low, high) inhabitants it suits
    modules: tuple[str, ...]  # module codes opened (those installed on the platform)
    teams: tuple[tuple[str, str], ...]  # (slug, French name, stored as shipped)


PRESETS: dict[str, Preset] = {
    "village": Preset(
        code="village",
        label=_("Village"),
        description=_(
            "Moins de 1 000 habitants : les signalements avec cinq catégories traitées par la mairie, "
            "un seul service, la saisine libre de la mairie en ligne, pas de capteurs."
        ),
        population=(0, 1000),
        modules=("reports", "procedures", "planning"),
        teams=(("mairie", gettext_noop("Mairie")),),
    ),
    "bourg": Preset(
        code="bourg",
        label=_("Bourg"),
        description=_(
            "De 1 000 à 5 000 habitants : les signalements avec sept catégories réparties entre l'accueil et "
            "les services techniques, quatre démarches en ligne, le projet de territoire et le budget participatif."
        ),
        population=(1000, 5000),
        modules=("reports", "procedures", "planning", "budgeting"),
        teams=(
            ("accueil-de-la-mairie", gettext_noop("Accueil de la mairie")),
            ("services-techniques", gettext_noop("Services techniques")),
        ),
    ),
    "petite-ville": Preset(
        code="petite-ville",
        label=_("Petite ville"),
        description=_(
            "De 5 000 à 20 000 habitants : les signalements avec neuf catégories et quatre services, les huit "
            "démarches en ligne, le projet de territoire, le budget participatif, la participation citoyenne et "
            "les données des capteurs."
        ),
        population=(5000, 20000),
        modules=("reports", "procedures", "planning", "budgeting", "participation", "datahub"),
        teams=(
            ("accueil-de-la-mairie", gettext_noop("Accueil de la mairie")),
            ("voirie-et-proprete", gettext_noop("Voirie et propreté")),
            ("espaces-verts", gettext_noop("Espaces verts")),
            ("batiments-et-eclairage", gettext_noop("Bâtiments et éclairage")),
        ),
    ),
}


def preset_for_population(population: int) -> Preset:
    """The preset whose size range holds the population (the largest one beyond 20,000)."""
    for preset in PRESETS.values():
        low, high = preset.population
        if low <= population and (high is None or population < high):
            return preset
    return PRESETS["petite-ville"]


# A module's part of a preset: (commune, preset, actor) → None, run inside the preset's transaction.
PresetStep = Callable[["Commune", Preset, "Actor"], None]
_STEPS: dict[str, PresetStep] = {}


def register_step(module_code: str, step: PresetStep) -> None:
    """Called by a module's app: ``step`` runs when a preset that opens ``module_code`` is applied."""
    _STEPS[module_code] = step


def step_for(module_code: str) -> PresetStep | None:
    return _STEPS.get(module_code)
