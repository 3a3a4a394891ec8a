"""« Premiers pas »: what a new commune has left to do, each item read from the commune's real state.

territory computes its own items (identity and logo, contour, the team, accessibility statement, home page);
a module's app adds the items only it can check (Signalements' categories, a first démarche) with
``register(...)`` from its ``AppConfig.ready()``: territory sits below the domain apps and never imports them.
An app's item is listed only when its module is open in the commune.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from beffroi.accounts import selectors as account_selectors
from beffroi.core import modules
from beffroi.core.models import AccessibilityLevel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from beffroi.core.models import Commune


@dataclass(frozen=True)
class Item:
    code: str
    label: StrOrPromise
    hint: StrOrPromise  # what to do, shown while it is not done
    url_name: str
    done: Callable[[Commune], bool]
    order: int = 100
    module: str = ""  # listed only when this module is open in the commune
    anchor: str = ""
    # the hint written for the commune's state (what is still missing), when it depends on it
    hint_for: Callable[[Commune], StrOrPromise] | None = None


@dataclass(frozen=True)
class Step:
    """One line of the checklist as shown."""

    code: str
    label: str
    hint: str
    url: str
    done: bool


_REGISTRY: dict[str, Item] = {}


def register(item: Item) -> None:
    _REGISTRY[item.code] = item


def _identity_missing(commune: Commune) -> list[StrOrPromise]:
    missing: list[StrOrPromise] = []
    if not commune.logo:
        missing.append(_("le logo ou le blason"))
    if not commune.address:
        missing.append(_("l'adresse de la mairie"))
    if not (commune.contact_phone or commune.contact_email):
        missing.append(_("un téléphone ou un courriel"))
    if not commune.publication_director:
        missing.append(_("le directeur ou la directrice de la publication"))
    return missing


def _identity(commune: Commune) -> bool:
    return not _identity_missing(commune)


def _identity_hint(commune: Commune) -> StrOrPromise:
    """What is still missing, not the whole list: « Ajoutez le logo ou le blason. » when only the logo is."""
    missing = [str(part) for part in _identity_missing(commune)]
    if not missing:
        return ""
    listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + str(_(" et ")) + missing[-1]
    return _("Ajoutez %(missing)s.") % {"missing": listed}


def _team(commune: Commune) -> bool:
    """Someone besides the first administrator: a second staff member, or an invitation on its way."""
    staff = account_selectors.member_list(commune=commune, capability="view_agent_space").count()
    return staff >= 2 or (staff >= 1 and account_selectors.invitation_list_open(commune=commune).exists())


for _item in (
    Item(
        "identity",
        _("Identité de la commune et logo"),
        _(
            "Ajoutez le logo ou le blason, l'adresse de la mairie, un téléphone ou un courriel et le directeur ou "
            "la directrice de la publication (nommé dans les mentions légales)."
        ),
        "territory:commune_identity",
        _identity,
        order=10,
        hint_for=_identity_hint,
    ),
    Item(
        "contour",
        _("Contour de la commune"),
        _(
            "Envoyez le contour (GeoJSON) : les cartes se centrent sur la commune et les signalements hors "
            "de la commune sont refusés."
        ),
        "territory:commune_contour",
        lambda commune: bool(commune.boundary),
        order=20,
    ),
    Item(
        "team",
        _("Inviter l'équipe"),
        _("Invitez au moins une personne : secrétaire de mairie, agent technique ou élu."),
        "territory:members",
        _team,
        order=30,
    ),
    Item(
        "accessibility",
        _("Déclaration d'accessibilité renseignée"),
        _(
            "Indiquez l'état de conformité au RGAA : « non conforme » tant qu'aucun audit n'a été fait ; pour une "
            "conformité partielle ou totale, qui l'a évaluée et quand."
        ),
        "territory:commune_home_settings",
        lambda commune: bool(
            commune.accessibility_level == AccessibilityLevel.NONE
            or (commune.accessibility_level and commune.accessibility_audit)
        ),
        order=80,
        anchor="id_accessibility_level",
    ),
    Item(
        "home",
        _("Publier la page d'accueil"),
        _(
            "Écrivez un mot d'accueil et publiez la page : jusque-là, les visiteurs voient « site en préparation »."
        ),
        "territory:commune_home_settings",
        lambda commune: commune.home_published and bool(commune.welcome_text),
        order=90,
    ),
):
    register(_item)


def steps(commune: Commune) -> list[Step]:
    """The checklist of a commune, in order, each item computed now."""
    enabled = {m.code for m in modules.enabled_for(commune)}
    installed = {m.code for m in modules.all_modules()}
    found = []
    for item in sorted(_REGISTRY.values(), key=lambda i: (i.order, i.code)):
        if item.module and (item.module not in installed or item.module not in enabled):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        found.append(
            Step(
                code=item.code,
                label=str(item.label),
                hint=str(item.hint_for(commune) if item.hint_for else item.hint),
                url=f"{url}#{item.anchor}" if item.anchor else url,
                done=item.done(commune),
            )
        )
    return found
