"""The catalogue of funding mechanisms, open to anyone visiting the commune's site."""

from django.shortcuts import render

from beffroi.accounts.selectors import user_can
from beffroi.core.decorators import commune_required
from beffroi.funding import selectors


@commune_required
def mechanism_list(request):
    vocab = selectors.vocabulary()
    theme = request.GET.get("theme", "")
    stage = request.GET.get("etape", "")
    funder_kind = request.GET.get("financeur", "")
    query = request.GET.get("q", "")
    mechanisms = selectors.mechanism_list(
        theme=theme if theme in vocab.themes else "",
        stage=stage if stage in vocab.stages else "",
        funder_kind=funder_kind if funder_kind in vocab.funder_kinds else "",
        query=query,
    )
    return render(
        request,
        "funding/mechanism_list.html",
        {
            "mechanisms": mechanisms,
            "vocab": vocab,
            "themes": sorted(vocab.themes.items(), key=lambda kv: kv[1]),
            "stages": list(vocab.stages.items()),
            "funder_kinds": sorted(vocab.funder_kinds.items(), key=lambda kv: kv[1]),
            "selected": {"theme": theme, "etape": stage, "financeur": funder_kind, "q": query},
            "can_plan": user_can(commune=request.commune, user=request.user, capability="plan"),
            **selectors.catalogue_counts(),
        },
    )


@commune_required
def mechanism_detail(request, code: str):
    mechanism = selectors.mechanism_get(code=code)
    vocab = selectors.vocabulary()
    return render(
        request,
        "funding/mechanism_detail.html",
        {
            "mechanism": mechanism,
            "vocab": vocab,
            "themes": [vocab.themes.get(t, t) for t in mechanism.themes],
            "stages": [vocab.stages.get(s, s) for s in mechanism.stages],
            "aid_types": [vocab.aid_types.get(a, a) for a in mechanism.aid_types],
            "beneficiaries": [
                vocab.beneficiaries[b].plural if b in vocab.beneficiaries else b
                for b in mechanism.beneficiaries
            ],
            "funder_kind": vocab.funder_kinds.get(mechanism.funder_kind, mechanism.funder_kind),
            "regions": [vocab.region_name(r) for r in mechanism.regions],
            "departements": [vocab.departement_name(d) for d in mechanism.departements],
            "zonages": [vocab.zonages.get(z, (z, ""))[0] for z in mechanism.zonages],
            "conditions": [vocab.conditions.get(c, c) for c in mechanism.conditions],
        },
    )
