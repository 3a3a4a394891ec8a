"""The commune's inventory of connected assets, for its administrators (capability "manage_commune"): add an
asset, rename or move it, publish or withdraw it, delete it. Agents and élus get a 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from beffroi.accounts.decorators import capability_required
from beffroi.core.confirm import confirmation_page
from beffroi.core.forms import add_service_errors
from beffroi.datahub import labels, selectors, services
from beffroi.datahub.forms import AssetForm
from beffroi.datahub.services.assets import TYPE_DOMAINS

manage = capability_required("manage_commune")


def _asset(request, pk: int):
    entity = selectors.asset_get(commune=request.commune, pk=pk)
    if entity is None:
        raise Http404
    return entity


def _kinds() -> list[tuple[str, str]]:
    """The types an administrator may add, in French, by label."""
    return sorted(
        ((kind, str(labels.type_label(kind))) for kind in TYPE_DOMAINS), key=lambda c: c[1].casefold()
    )


@require_safe
@manage
def asset_list(request):
    assets = selectors.asset_list(commune=request.commune)
    kinds = {kind: str(labels.type_label(kind)) for kind in {e.type_name for e in assets}}
    assets.sort(key=lambda e: (kinds[e.type_name].casefold(), labels.natural_key(str(e))))
    rows = [{"entity": e, "type_label": kinds[e.type_name]} for e in assets]
    return render(request, "datahub/config/assets.html", {"rows": rows})


@manage
def asset_create(request):
    form = AssetForm(request.POST or None, kinds=_kinds())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            entity = services.asset_create(
                commune=request.commune,
                actor=request.user,
                name=d["name"],
                kind=d["kind"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                is_public=d["is_public"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Capteur « %(name)s » ajouté.") % {"name": entity})
            return redirect("datahub:config_assets")
    return _form_page(request, form, None)


@manage
def asset_edit(request, pk: int):
    entity = _asset(request, pk)
    initial = {
        "name": entity.name,
        "latitude": entity.lat,
        "longitude": entity.lon,
        "is_public": entity.is_public,
    }
    form = AssetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.asset_update(
                commune=request.commune,
                actor=request.user,
                entity=entity,
                name=d["name"],
                latitude=d["latitude"],
                longitude=d["longitude"],
                is_public=d["is_public"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Capteur « %(name)s » enregistré.") % {"name": d["name"]})
            return redirect("datahub:config_assets")
    return _form_page(request, form, entity)


def _form_page(request, form, entity):
    return render(
        request,
        "datahub/config/asset_form.html",
        {
            "form": form,
            "entity": entity,
            "type_label": labels.type_label(entity.type_name) if entity is not None else "",
        },
        status=400 if form.errors else 200,
    )


@require_POST
@manage
def asset_publish(request, pk: int):
    entity = _asset(request, pk)
    public = request.POST.get("publique") == "1"
    services.asset_set_public(commune=request.commune, actor=request.user, entity=entity, is_public=public)
    done = (
        _("Capteur « %(name)s » publié.") if public else _("Capteur « %(name)s » retiré de la publication.")
    )
    messages.success(request, done % {"name": entity})
    return redirect("datahub:config_assets")


@manage
def asset_delete(request, pk: int):
    entity = _asset(request, pk)
    asking = confirmation_page(
        request,
        title=_("Supprimer le capteur « %(name)s » ?") % {"name": entity},
        message=_(
            "Ses mesures, son historique et ses alertes seront supprimés avec lui. Cette suppression est "
            "définitive."
        ),
        button=_("Supprimer le capteur"),
        cancel_url=reverse("datahub:config_asset_edit", args=[entity.pk]),
    )
    if asking is not None:
        return asking
    name = str(entity)
    services.asset_delete(commune=request.commune, actor=request.user, entity=entity)
    messages.success(request, _("Capteur « %(name)s » supprimé.") % {"name": name})
    return redirect("datahub:config_assets")
