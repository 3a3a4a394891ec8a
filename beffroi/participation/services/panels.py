"""Citizen panels: quotas, volunteers (public form, counter, file), the draw by lot (LEXIMIN, then the
transparent lottery and a published seed: `participation.sortition`) and the replacement of a panelist."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beffroi.accounts.guards import require_capability
from beffroi.core.annotations import Actor
from beffroi.core.guards import ensure_owned
from beffroi.core.models import Commune
from beffroi.core.services import audit_record
from beffroi.participation import sortition
from beffroi.participation.models import Channel, Panel, PanelReplacement, PanelVolunteer, VolunteerStatus

if TYPE_CHECKING:
    from beffroi.accounts.models import User

# The greedy method's probabilities are estimated over this many seeded draws, after the draw, by a background
# task (`tasks.panel_greedy_compute`): the estimate takes minutes, the draw itself a second.
GREEDY_RUNS = 200


def panel_quotas(panel: Panel) -> sortition.Quotas:
    """The panel's quotas, read from its quotas file (checked when it was saved)."""
    return sortition.parse_quotas(panel.quotas_text)


def _quotas_check(text: str, size: int) -> sortition.Quotas:
    try:
        quotas = sortition.parse_quotas(text)
    except sortition.SortitionError as exc:
        raise ValidationError({"quotas_text": str(exc)}) from exc
    for category, features in quotas.items():
        if sum(f.min for f in features.values()) > size:
            raise ValidationError(
                {
                    "quotas_text": _(
                        "Catégorie « %(category)s » : les minimums font %(sum)d personnes, plus que le panel de "
                        "%(size)d."
                    )
                    % {"category": category, "sum": sum(f.min for f in features.values()), "size": size}
                }
            )
        if sum(f.max for f in features.values()) < size:
            raise ValidationError(
                {
                    "quotas_text": _(
                        "Catégorie « %(category)s » : les maximums ne font que %(sum)d personnes, moins que le "
                        "panel de %(size)d."
                    )
                    % {"category": category, "sum": sum(f.max for f in features.values()), "size": size}
                }
            )
    return quotas


@transaction.atomic
def panel_create(
    *,
    commune: Commune,
    actor: Actor,
    title: str,
    slug: str,
    size: int,
    quotas_text: str,
    description: str = "",
    volunteers_close_at: datetime | None = None,
) -> Panel:
    """A new panel: its size and its quotas (`category,feature,min,max`), checked against each other."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    if size < 1:
        raise ValidationError({"size": _("Un panel compte au moins une personne.")})
    _quotas_check(quotas_text, size)
    if Panel.objects.filter(commune=commune, slug=slug).exists():
        raise ValidationError({"slug": _("Un panel de la commune porte déjà cet identifiant.")})
    panel = Panel.objects.create(
        commune=commune,
        title=title,
        slug=slug,
        size=size,
        quotas_text=quotas_text.strip(),
        description=description,
        volunteers_close_at=volunteers_close_at,
    )
    audit_record(commune=commune, actor=actor, action="panel.create", obj=panel, summary=title)
    return panel


def _features_check(panel: Panel, features: dict[str, str]) -> dict[str, str]:
    quotas = panel_quotas(panel)
    clean: dict[str, str] = {}
    for category, values in quotas.items():
        value = (features.get(category) or "").strip()
        if not value:
            raise ValidationError({category: _("Choisissez une réponse.")})
        if value not in values:
            raise ValidationError({category: _("Choisissez une des réponses proposées.")})
        clean[category] = value
    return clean


def _next_ref(panel: Panel) -> str:
    count = PanelVolunteer.objects.filter(panel=panel).count() + 1
    while PanelVolunteer.objects.filter(panel=panel, ref=f"V{count:03d}").exists():
        count += 1
    return f"V{count:03d}"


@transaction.atomic
def volunteer_add(
    *,
    commune: Commune,
    panel: Panel,
    name: str,
    features: dict[str, str],
    email: str = "",
    phone: str = "",
    person: User | None = None,
    actor: Actor = None,
) -> PanelVolunteer:
    """A volunteer for the panel, by the public form (`person`, or nobody) or at the counter (`actor` an agent).

    The volunteer gives a feature for each category of the quotas; the mairie needs a way to reach them.
    """
    ensure_owned(panel, commune)
    counter = actor is not None
    if counter:
        require_capability(commune=commune, actor=actor, capability="run_participation")
    panel = Panel.objects.select_for_update().get(pk=panel.pk)
    if not panel.collecting:
        raise ValidationError(_("L'appel aux volontaires de ce panel est clos."))
    if not name.strip():
        raise ValidationError({"name": _("Indiquez le nom.")})
    if not email.strip() and not phone.strip():
        raise ValidationError(
            {"email": _("Donnez une adresse électronique ou un téléphone pour être prévenu·e.")}
        )
    if email and PanelVolunteer.objects.filter(panel=panel, email__iexact=email.strip()).exists():
        raise ValidationError({"email": _("Cette adresse est déjà inscrite comme volontaire pour ce panel.")})
    clean = _features_check(panel, features)
    volunteer = PanelVolunteer.objects.create(
        panel=panel,
        ref=_next_ref(panel),
        name=name.strip(),
        email=email.strip().lower(),
        phone=phone.strip(),
        features=clean,
        person=person,
        channel=Channel.COUNTER if counter else Channel.ONLINE,
    )
    if counter:
        audit_record(
            commune=commune,
            actor=actor,
            action="panel.volunteer.add",
            obj=panel,
            summary=volunteer.ref,
            channel="guichet",
        )
    return volunteer


@transaction.atomic
def volunteers_import(*, commune: Commune, actor: Actor, panel: Panel, text: str) -> int:
    """Add the volunteers of a file (`id` then a column per category of the quotas): each line's id becomes
    the volunteer's reference; names and contacts stay with the mairie's own list. All or nothing: one bad line
    refuses the file, naming its line and column."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(panel, commune)
    panel = Panel.objects.select_for_update().get(pk=panel.pk)
    if panel.drawn:
        raise ValidationError(_("Le panel est tiré : la liste des volontaires ne peut plus changer."))
    try:
        volunteers = sortition.parse_volunteers(text, panel_quotas(panel))
    except sortition.SortitionError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    existing = set(PanelVolunteer.objects.filter(panel=panel).values_list("ref", flat=True))
    for volunteer in volunteers:
        if volunteer.id in existing:
            raise ValidationError(
                {
                    "file": _("ligne %(line)s, colonne « id » : le volontaire « %(id)s » est déjà inscrit.")
                    % {"line": volunteer.line, "id": volunteer.id}
                }
            )
        if len(volunteer.id) > 40:
            raise ValidationError(
                {
                    "file": _("ligne %(line)s, colonne « id » : 40 caractères au plus.")
                    % {"line": volunteer.line}
                }
            )
    PanelVolunteer.objects.bulk_create(
        PanelVolunteer(panel=panel, ref=v.id, features=dict(v.features), channel=Channel.COUNTER)
        for v in volunteers
    )
    audit_record(
        commune=commune,
        actor=actor,
        action="panel.volunteers.import",
        obj=panel,
        summary=f"{len(volunteers)}",
    )
    return len(volunteers)


def _pool(panel: Panel) -> list[sortition.Volunteer]:
    return [
        sortition.Volunteer(id=v.ref, features=v.features)
        for v in PanelVolunteer.objects.filter(panel=panel).order_by("ref")
    ]


@transaction.atomic
def panel_draw(*, commune: Commune, actor: Actor, panel: Panel) -> Panel:
    """Draw the panel: LEXIMIN probabilities (Flanigan et al., Nature 2021), rounded to a uniform lottery of
    1,000 panels (Flanigan, Kehne, Procaccia, 2021), one ticket picked by the published seed. Quotas no panel can meet are refused,
    naming the category. Done once: the draw is final (a withdrawal is handled by `panelist_replace`).

    The seed is drawn at random here, when the draw is made (`sortition.new_seed`, 32 hexadecimal characters as
    the budget's draw), never chosen by anyone: the public page says so.

    The greedy method's probabilities follow, computed by a background task (`tasks.panel_greedy_compute`,
    enqueued by the page that draws) through `panel_greedy_compare`."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(panel, commune)
    panel = Panel.objects.select_for_update().get(pk=panel.pk)
    if panel.drawn:
        raise ValidationError(_("Ce panel est déjà tiré au sort : le tirage est définitif."))
    volunteers = _pool(panel)
    quotas = panel_quotas(panel)
    try:
        distribution = sortition.leximin(volunteers, quotas, panel.size)
        lottery = sortition.round_to_lottery(distribution)
        seed = sortition.new_seed()
        ticket, chosen = sortition.draw(lottery, seed)
    except sortition.InfeasibleQuotas as exc:
        if exc.category:
            raise ValidationError(
                _("Aucun panel ne respecte les quotas de la catégorie « %(category)s » : %(detail)s")
                % {"category": exc.category, "detail": exc.problem}
            ) from exc
        raise ValidationError(_("Tirage impossible : %(detail)s") % {"detail": exc.problem}) from exc
    except sortition.SortitionError as exc:
        raise ValidationError(_("Tirage impossible : %(detail)s") % {"detail": str(exc)}) from exc
    panel.drawn_at = timezone.now()
    panel.seed = seed
    panel.ticket = ticket
    panel.lottery = [list(p) for p in lottery.panels]
    panel.probabilities = dict(distribution.probabilities)
    panel.lottery_probabilities = dict(lottery.probabilities)
    panel.min_probability = distribution.min_probability
    panel.optimality_gap = distribution.gap
    panel.max_deviation = lottery.max_deviation
    panel.deviation_bound = lottery.bound
    panel.save()
    PanelVolunteer.objects.filter(panel=panel, ref__in=chosen).update(status=VolunteerStatus.SELECTED)
    audit_record(
        commune=commune,
        actor=actor,
        action="panel.draw",
        obj=panel,
        summary=f"ticket {ticket}/{lottery.m}",
        data={"seed": seed, "ticket": ticket, "panel": list(chosen)},
    )
    return panel


def panel_greedy_compare(*, panel: Panel, runs: int = GREEDY_RUNS) -> Panel:
    """Estimate, beside the LEXIMIN draw, each volunteer's probability under the greedy method (draw one at a
    time among those who keep the quotas feasible), over `runs` seeded draws, and store its minimum.

    Not audited: a computed comparison, the same for the same volunteers and quotas; it changes no one's chance.
    """
    volunteers = _pool(panel)
    greedy = sortition.greedy_probabilities(volunteers, panel_quotas(panel), panel.size, runs=runs, seed=0)
    Panel.objects.filter(pk=panel.pk).update(
        greedy_probabilities=dict(greedy), greedy_min_probability=min(greedy.values()), greedy_runs=runs
    )
    panel.refresh_from_db()
    return panel


@transaction.atomic
def panelist_replace(
    *, commune: Commune, actor: Actor, panel: Panel, volunteer: PanelVolunteer
) -> PanelReplacement:
    """A panelist withdraws: the seat goes, by a public seeded pick (a seed drawn at random now, as the panel's),
    to a volunteer who keeps every quota (`sortition.replacement`); volunteers who withdrew before are never drawn
    again."""
    require_capability(commune=commune, actor=actor, capability="run_participation")
    ensure_owned(panel, commune)
    panel = Panel.objects.select_for_update().get(pk=panel.pk)
    if volunteer.panel_id != panel.pk or not volunteer.on_panel:
        raise ValidationError(_("Cette personne n'est pas membre du panel."))
    members = list(
        PanelVolunteer.objects.filter(
            panel=panel, status__in=(VolunteerStatus.SELECTED, VolunteerStatus.REPLACEMENT)
        ).values_list("ref", flat=True)
    )
    gone = set(
        PanelVolunteer.objects.filter(panel=panel, status=VolunteerStatus.WITHDRAWN).values_list(
            "ref", flat=True
        )
    )
    pool = [v for v in _pool(panel) if v.id not in gone]
    seed = sortition.new_seed()
    try:
        result = sortition.replacement(members, volunteer.ref, pool, panel_quotas(panel), seed=seed)
    except sortition.InfeasibleQuotas as exc:
        raise ValidationError(
            _(
                "Remplacement impossible en respectant les quotas de la catégorie « %(category)s » : %(detail)s"
            )
            % {"category": exc.category, "detail": exc.problem}
        ) from exc
    except sortition.SortitionError as exc:
        raise ValidationError(_("Remplacement impossible : %(detail)s") % {"detail": str(exc)}) from exc
    PanelVolunteer.objects.filter(pk=volunteer.pk).update(status=VolunteerStatus.WITHDRAWN)
    PanelVolunteer.objects.filter(panel=panel, ref=result.chosen).update(status=VolunteerStatus.REPLACEMENT)
    replacement = PanelReplacement.objects.create(
        panel=panel,
        withdrawn=volunteer.ref,
        chosen=result.chosen,
        candidates=list(result.candidates),
        seed=seed,
    )
    audit_record(
        commune=commune,
        actor=actor,
        action="panel.replace",
        obj=panel,
        summary=f"{volunteer.ref} → {result.chosen}",
        data={"seed": seed, "candidates": len(result.candidates)},
    )
    return replacement
