"""The catalogue of funding mechanisms, open to anyone visiting the commune's site."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beffroi.accounts.selectors import user_can
from beffroi.core.decorators import commune_required
from beffroi.core.formatting import format_int, join_fr
from beffroi.funding import selectors
from beffroi.funding.catalogue import EligibilityRule, Mechanism, Vocabulary
from beffroi.funding.matching import TerritoryScope

# What the catalogue's « availability » says of a mechanism's calendar, when it has no dates of its own.
AVAILABILITY_LABELS = {
    "permanent": gettext_lazy("Dispositif permanent, sans date limite publiée."),
    "annuel": gettext_lazy("Enveloppe annuelle : le calendrier de dépôt est fixé localement chaque année."),
    "fenetre": gettext_lazy("Appel à projets ouvert à des dates fixées par le financeur."),
    "programme": gettext_lazy("Programme pluriannuel en cours."),
    "clos": gettext_lazy("Dispositif clos, conservé comme référence."),
    "inconnu": gettext_lazy("Pas de calendrier publié."),
}

# The list's filters beyond the catalogue's own: by default the commune's territory and the open mechanisms.
ALL_ZONES = "toutes"
SHOW_CLOSED = "afficher"


@commune_required
def mechanism_list(request):
    vocab = selectors.vocabulary()
    theme = request.GET.get("theme", "")
    stage = request.GET.get("etape", "")
    funder_kind = request.GET.get("financeur", "")
    query = request.GET.get("q", "")
    zone = request.GET.get("zone", "")
    closed = request.GET.get("clotures", "")
    selected = {
        "q": query,
        "theme": theme if theme in vocab.themes else "",
        "etape": stage if stage in vocab.stages else "",
        "financeur": funder_kind if funder_kind in vocab.funder_kinds else "",
        "zone": ALL_ZONES if zone == ALL_ZONES else "",
        "clotures": SHOW_CLOSED if closed == SHOW_CLOSED else "",
    }
    catalogue = selectors.mechanism_catalogue(
        commune=request.commune,
        today=timezone.localdate(),
        theme=selected["theme"],
        stage=selected["etape"],
        funder_kind=selected["financeur"],
        query=query,
        all_zones=bool(selected["zone"]),
        with_closed=bool(selected["clotures"]),
    )
    return render(
        request,
        "funding/mechanism_list.html",
        {
            "catalogue": catalogue,
            "entries": [_card(entry, vocab) for entry in catalogue.entries],
            "closed_entries": [_card(entry, vocab) for entry in catalogue.closed],
            "vocab": vocab,
            "themes": sorted(vocab.themes.items(), key=lambda kv: kv[1]),
            "stages": list(vocab.stages.items()),
            "funder_kinds": sorted(vocab.funder_kinds.items(), key=lambda kv: kv[1]),
            "selected": selected,
            "territory": catalogue.territory,
            "all_zones_url": _filtered_url(selected, zone=ALL_ZONES),
            "show_closed_url": _filtered_url(selected, clotures=SHOW_CLOSED) + "#clotures",
            "ALL_ZONES": ALL_ZONES,
            "SHOW_CLOSED": SHOW_CLOSED,
            "can_plan": user_can(commune=request.commune, user=request.user, capability="plan"),
            **selectors.catalogue_counts(),
        },
    )


def _filtered_url(selected: dict[str, str], **changes: str) -> str:
    """The list's address with the same filters, ``changes`` applied (empty filters left out)."""
    return "?" + urlencode({k: v for k, v in {**selected, **changes}.items() if v})


def _card(entry: selectors.CatalogueEntry, vocab: Vocabulary) -> dict[str, object]:
    return {
        "mechanism": entry.mechanism,
        "closed": entry.closed,
        "zone": zone_label(entry.mechanism, vocab),
        "elsewhere": entry.scope is TerritoryScope.ELSEWHERE,
        "zone_unknown": entry.scope is TerritoryScope.UNKNOWN,
    }


def zone_label(mechanism: Mechanism, vocab: Vocabulary) -> str:
    """Where the mechanism may be sought, as Aides-territoires shows an aid's perimeter: « Toute la France »,
    « Région Grand Est », « Côte-d'Or (21) », an intercommunality, or a local perimeter to check."""
    places = [_("Région %(name)s") % {"name": vocab.region_name(r)} for r in mechanism.regions]
    places += [vocab.departement_name(d) for d in mechanism.departements]
    places += [_("Intercommunalité « %(name)s »") % {"name": e} for e in mechanism.epcis]
    if places:
        return ", ".join(places)
    if mechanism.perimeter_unknown:
        if mechanism.perimeter:
            return _("%(perimeter)s (territoire local, à vérifier)") % {"perimeter": mechanism.perimeter}
        return _("Territoire local non précisé (à vérifier)")
    return _("Toute la France")


@commune_required
def mechanism_detail(request, code: str):
    mechanism = selectors.mechanism_get(code=code)
    vocab = selectors.vocabulary()
    place = selectors.mechanism_place(commune=request.commune, mechanism=mechanism)
    return render(
        request,
        "funding/mechanism_detail.html",
        {
            "mechanism": mechanism,
            "vocab": vocab,
            "themes": [vocab.themes.get(t, t) for t in mechanism.themes],
            "stages": [vocab.stages.get(s, s) for s in mechanism.stages],
            "aid_types": [vocab.aid_types.get(a, a) for a in mechanism.aid_types],
            "eligibility": _eligibility(mechanism, vocab),
            "funder_kind": _funder_kind(mechanism, vocab),
            "availability": AVAILABILITY_LABELS.get(mechanism.availability, ""),
            "zone": zone_label(mechanism, vocab),
            "zonages": [vocab.zonages.get(z, (z, ""))[0] for z in mechanism.zonages],
            "conditions": [vocab.conditions.get(c, c) for c in mechanism.conditions],
            "closed": mechanism.is_closed(timezone.localdate()),
            "elsewhere": place.scope is TerritoryScope.ELSEWHERE,
            "territory": place.territory,
            # The maintainers' notes (what a check corrected, what a source lacks) are for the team that keeps
            # the catalogue, the platform operator (staff accounts), not for residents or élus.
            "show_editor_notes": request.user.is_active and request.user.is_staff,
        },
    )


def _eligibility(mechanism: Mechanism, vocab: Vocabulary) -> list[tuple[str, list[str]]]:
    """Each kind of beneficiary by its French name, with what its rules ask (size, conditions, note)."""
    kinds = list(mechanism.beneficiaries)
    kinds += [r.beneficiary for r in mechanism.eligibility if r.beneficiary not in kinds]
    return [
        (
            vocab.beneficiaries[kind].label if kind in vocab.beneficiaries else kind,
            [text for r in mechanism.eligibility if r.beneficiary == kind if (text := _rule_text(r, vocab))],
        )
        for kind in kinds
    ]


def _rule_text(rule: EligibilityRule, vocab: Vocabulary) -> str:
    parts = []
    low, high = rule.population_min, rule.population_max
    if low is not None and high is not None:
        parts.append(_("de %(min)s à %(max)s hab.") % {"min": format_int(low), "max": format_int(high)})
    elif low is not None:
        parts.append(_("à partir de %(n)s hab.") % {"n": format_int(low)})
    elif high is not None:
        parts.append(_("jusqu'à %(n)s hab.") % {"n": format_int(high)})
    if rule.conditions:
        labels = join_fr(vocab.conditions.get(c, c) for c in rule.conditions)
        parts.append(_("sous condition : %(conditions)s") % {"conditions": labels})
    text = ", ".join(parts)
    if rule.note:
        text = f"{text} — {rule.note}" if text else rule.note
    return text


def _funder_kind(mechanism: Mechanism, vocab: Vocabulary) -> str:
    """The kind of funder, unless the funder's name already says it (« État (préfets…) », not « … (État) »)."""
    kind = str(vocab.funder_kinds.get(mechanism.funder_kind, mechanism.funder_kind))
    name = mechanism.funder_name.casefold()
    return "" if not kind or kind.casefold() in name or name in kind.casefold() else kind
