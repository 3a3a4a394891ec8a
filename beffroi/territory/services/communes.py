"""The life of a commune on the platform: created from the official list by the platform operator, given a
preset, a contour, an identity and a home page by its administrators, archived at the end.

The operator (``User.is_staff``, the team that runs the instance, or ``None``: a management command) creates and
archives communes; the commune's administrators (``manage_commune``) do the rest, and so may the operator.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from beffroi.accounts import services as account_services
from beffroi.accounts.guards import require_capability
from beffroi.accounts.models import Role
from beffroi.core import modules
from beffroi.core.annotations import Actor, account_of
from beffroi.core.guards import ensure_owned
from beffroi.core.models import RESERVED_SLUGS, Commune
from beffroi.core.services import audit_record, commune_create, commune_update
from beffroi.territory import contour, official_list, presets
from beffroi.territory.logo import LogoError, process_logo
from beffroi.territory.models import NewsItem, Team
from beffroi.territory.services.teams import modules_set

CONTOUR_FIELDS = ("boundary", "latitude", "longitude")


def is_operator(actor: Actor) -> bool:
    """The platform itself (None) or a member of the operator's staff."""
    return actor is None or bool(actor.is_authenticated and actor.is_active and actor.is_staff)


def require_operator(actor: Actor) -> None:
    """Refuse unless the actor is the platform operator (a staff account, or None for a command)."""
    if not is_operator(actor):
        raise PermissionDenied(_("Seule l'équipe de l'opérateur de la plateforme peut faire cette action."))


def _require_manager(*, commune: Commune, actor: Actor) -> Actor:
    """The commune's administrators, or the operator; returns the actor the sub-services run as (None for the
    operator, who holds no role in the commune)."""
    if is_operator(actor):
        return None
    require_capability(commune=commune, actor=actor, capability="manage_commune")
    return actor


def _clean_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


def _identity_errors(*, insee_code: str, slug: str, host: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    taken = Commune.objects.filter(insee_code=insee_code).first()
    if taken is not None:
        errors["insee_code"] = _(
            "%(name)s (code INSEE %(code)s) est déjà sur la plateforme, à l'identifiant « %(slug)s »."
        ) % {"name": taken.name, "code": insee_code, "slug": taken.slug}
    if slug in RESERVED_SLUGS:
        errors["slug"] = _(
            "« %(slug)s » est réservé par la plateforme : choisissez un autre identifiant."
        ) % {"slug": slug}
    else:
        other = Commune.objects.filter(slug=slug).first()
        if other is not None:
            errors["slug"] = _(
                "L'identifiant « %(slug)s » est déjà pris par %(name)s : choisissez-en un autre."
            ) % {"slug": slug, "name": other.name}
    if host:
        other = Commune.objects.filter(host=host).first()
        if other is not None:
            errors["host"] = _("Le nom d'hôte « %(host)s » sert déjà %(name)s.") % {
                "host": host,
                "name": other.name,
            }
    return errors


@transaction.atomic
def commune_add(
    *,
    insee_code: str,
    admin_email: str,
    actor: Actor,
    slug: str = "",
    host: str = "",
    preset: str = "",
    contour_file: bytes | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Commune:
    """Create a commune from the official list (name, population, département, région, EPCI, from the bundled
    INSEE list), with its optional contour and preset, and invite ``admin_email`` by mail to be its first
    administrator (``accounts.services.invitation_create``: a single-use link that expires).

    One transaction: any refusal (unknown INSEE code, slug or host taken, bad contour, unknown preset) leaves
    nothing behind. Errors are a ``ValidationError`` keyed by field, in French. The new commune's home page is
    unpublished until its administrators publish it (« Premiers pas »).
    """
    require_operator(actor)
    code = insee_code.strip().upper()
    official = official_list.load().get(code)
    if official is None:
        raise ValidationError(
            {
                "insee_code": _(
                    "Aucune commune n'a le code INSEE « %(code)s » dans la liste officielle (%(source)s)."
                )
                % {"code": insee_code.strip(), "source": official_list.load().source}
            }
        )
    slug = (slug.strip().lower() or slugify(official.name))[:50].strip("-")
    host = _clean_host(host)
    errors = _identity_errors(insee_code=code, slug=slug, host=host)
    if preset and preset not in presets.PRESETS:
        errors["preset"] = _("Modèle inconnu « %(preset)s » : village, bourg ou petite-ville.") % {
            "preset": preset
        }
    centre = (float(latitude), float(longitude)) if latitude is not None and longitude is not None else None
    boundary = None
    if contour_file is not None:
        try:
            read = contour.read(
                contour_file,
                centre=centre,
                box=official_list.territory_box(official.departement_code),
                place=official.name,
            )
        except contour.ContourError as error:
            errors["contour"] = str(error)
        else:
            boundary = read.geometry
            if centre is None:
                centre = read.centre
    if errors:
        raise ValidationError(errors)
    commune = commune_create(
        actor=actor,
        name=official.name,
        slug=slug,
        insee_code=code,
        population=official.population,
        departement=official.departement,
        departement_code=official.departement_code,
        region=official.region,
        epci=official.epci[:120],
        epci_siren=official.epci_siren,
        host=host,
        boundary=boundary,
        latitude=Decimal(str(centre[0])) if centre else None,
        longitude=Decimal(str(centre[1])) if centre else None,
        home_published=False,
    )
    if preset:
        commune_preset_apply(commune=commune, preset=preset, actor=actor)
    try:
        invitation = account_services.invitation_create(
            commune=commune, actor=None, email=admin_email, role=Role.ADMIN
        )
    except ValidationError as error:
        raise ValidationError({"admin_email": error.messages}) from None
    audit_record(
        commune=commune,
        actor=actor,
        action="commune.add",
        obj=commune,
        summary=f"{commune.name} ({code})",
        data={"preset": preset, "invitation": invitation.pk},
    )
    return commune


@transaction.atomic
def commune_preset_apply(*, commune: Commune, preset: str, actor: Actor) -> list[str]:
    """Apply a preset (village, bourg, petite ville): open its modules (those installed; the others stay as
    they are), create its teams and let each module's app add its part (categories, states, reply templates).

    Adds what is missing, never deletes: applying it again, or another preset later, keeps the commune's own
    changes. Returns the modules now open.
    """
    chosen = presets.PRESETS.get(preset)
    if chosen is None:
        raise ValidationError({"preset": _("Modèle inconnu : village, bourg ou petite-ville.")})
    runner = _require_manager(commune=commune, actor=actor)
    installed = {m.code for m in modules.all_modules()}
    wanted = [code for code in chosen.modules if code in installed]
    enabled = modules_set(
        commune=commune, actor=runner, codes=sorted(set(commune.enabled_modules or []) | set(wanted))
    )
    existing = set(Team.objects.filter(commune=commune).values_list("slug", flat=True))
    for team_slug, name in chosen.teams:
        if team_slug not in existing:
            Team.objects.create(commune=commune, slug=team_slug, name=name)
    for code in wanted:
        step = presets.step_for(code)
        if step is not None:
            step(commune, chosen, runner)
    commune_update(commune=commune, actor=runner, preset=chosen.code)
    audit_record(
        commune=commune, actor=actor, action="commune.preset", obj=commune, summary=str(chosen.label)
    )
    return enabled


@transaction.atomic
def commune_contour_set(
    *, commune: Commune, actor: Actor, contour_file: bytes | None, keep_centre: bool = True
) -> Commune:
    """Give the commune its contour from an uploaded GeoJSON file (None: remove it).

    The contour must contain the commune's centre when one is known (``keep_centre``), else its inner point
    becomes the centre. Refused with a French ``ValidationError`` on ``contour``.
    """
    _require_manager(commune=commune, actor=actor)
    if contour_file is None:
        commune_update(commune=commune, actor=actor, boundary=None)
        return commune
    centre = None
    if keep_centre and commune.latitude is not None and commune.longitude is not None:
        centre = (float(commune.latitude), float(commune.longitude))
    try:
        read = contour.read(
            contour_file,
            centre=centre,
            box=official_list.territory_box(commune.departement_code) if commune.departement_code else None,
            place=commune.name,
        )
    except contour.ContourError as error:
        raise ValidationError({"contour": str(error)}) from None
    latitude, longitude = centre or read.centre
    commune_update(
        commune=commune,
        actor=actor,
        boundary=read.geometry,
        latitude=Decimal(str(round(latitude, 6))),
        longitude=Decimal(str(round(longitude, 6))),
    )
    return commune


IDENTITY_FIELDS = (
    "address",
    "contact_phone",
    "contact_email",
    "opening_hours",
    "website",
    "publication_director",
)
HOME_FIELDS = (
    "welcome_text",
    "home_published",
    "accessibility_level",
    "accessibility_audit",
    "accessibility_plan",
)


@transaction.atomic
def commune_identity_update(
    *, commune: Commune, actor: Actor, logo: bytes | None = None, remove_logo: bool = False, **fields: str
) -> Commune:
    """Change the mairie's contact details and its logo (checked and re-encoded as PNG by ``territory.logo``)."""
    _require_manager(commune=commune, actor=actor)
    unknown = set(fields) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown identity fields: {sorted(unknown)}")
    commune_update(commune=commune, actor=actor, **fields)
    if logo is not None:
        try:
            png = process_logo(logo)
        except LogoError as error:
            raise ValidationError({"logo": str(error)}) from None
        old = commune.logo.name if commune.logo else ""
        commune.logo.save(f"{commune.slug}.png", ContentFile(png), save=True)
        if old and old != commune.logo.name:
            commune.logo.storage.delete(old)
        audit_record(
            commune=commune, actor=actor, action="commune.logo", obj=commune, summary=commune.logo.name or ""
        )
    elif remove_logo and commune.logo:
        commune.logo.delete(save=True)
        audit_record(commune=commune, actor=actor, action="commune.logo", obj=commune, summary="")
    return commune


@transaction.atomic
def commune_home_update(*, commune: Commune, actor: Actor, **fields: object) -> Commune:
    """Change the home page (welcome text, published or not) and the accessibility statement's level; a statement
    whose level or evaluation changes is dated of the day (« établie le », which the statement must give)."""
    _require_manager(commune=commune, actor=actor)
    unknown = set(fields) - set(HOME_FIELDS)
    if unknown:
        raise TypeError(f"unknown home fields: {sorted(unknown)}")
    statement = ("accessibility_level", "accessibility_audit")
    if any(key in fields and fields[key] != getattr(commune, key) for key in statement):
        fields["accessibility_stated_on"] = timezone.localdate()
    return commune_update(commune=commune, actor=actor, **fields)


@transaction.atomic
def news_create(
    *, commune: Commune, actor: Actor, title: str, body: str, published_on: date | None = None
) -> NewsItem:
    """Publish a news item on the commune's home page (agents: ``handle_requests``; plain text only)."""
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    item = NewsItem(
        commune=commune,
        title=title.strip(),
        body=body.strip(),
        published_on=published_on or timezone.localdate(),
        author=account_of(actor),
    )
    item.full_clean()
    item.save()
    audit_record(commune=commune, actor=actor, action="news.create", obj=item, summary=item.title)
    return item


@transaction.atomic
def news_delete(*, commune: Commune, actor: Actor, item: NewsItem) -> None:
    """Take a news item off the home page."""
    require_capability(commune=commune, actor=actor, capability="handle_requests")
    ensure_owned(item, commune)
    audit_record(commune=commune, actor=actor, action="news.delete", obj=item, summary=item.title)
    item.delete()


@transaction.atomic
def commune_archive(*, commune: Commune, actor: Actor, reactivate: bool = False) -> Commune:
    """Archive a commune (operator): its data is kept, its pages answer « commune archivée », its APIs and
    API keys refuse. ``reactivate`` reopens it as it was."""
    require_operator(actor)
    if reactivate:
        return commune_update(commune=commune, actor=actor, is_active=True, archived_at=None)
    if commune.archived_at is not None:
        return commune
    return commune_update(commune=commune, actor=actor, is_active=False, archived_at=timezone.now())


def commune_export_record(*, commune: Commune, actor: Actor) -> None:
    """Record in the commune's audit log that the operator exported everything it owns (the archive itself is
    built by ``territory.export``, a read)."""
    require_operator(actor)
    audit_record(commune=commune, actor=actor, action="commune.export", obj=commune, summary=commune.name)
