"""The commune administrator's set-up page (capability "manage_commune"): its modules, and the way to its
members, teams and API keys (their pages: `members.py`)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from beffroi.accounts import selectors as account_selectors
from beffroi.accounts.decorators import capability_required
from beffroi.core import selectors as core_selectors
from beffroi.territory import selectors, services
from beffroi.territory.forms import ModulesForm


@capability_required("manage_commune")
def administration(request):
    commune = request.commune
    modules_form = (
        ModulesForm(request.POST)
        if request.POST.get("form") == "modules"
        else ModulesForm(initial={"codes": commune.enabled_modules})
    )
    if request.method == "POST" and request.POST.get("form") == "modules" and modules_form.is_valid():
        services.modules_set(commune=commune, actor=request.user, codes=modules_form.cleaned_data["codes"])
        messages.success(request, _("Les modules de la commune sont enregistrés."))
        return redirect("territory:administration")
    context = {
        "modules_form": modules_form,
        "member_count": account_selectors.membership_list(commune=commune).count(),
        "invitation_count": account_selectors.invitation_list_open(commune=commune).count(),
        "team_count": selectors.team_list(commune=commune).count(),
        "key_count": core_selectors.apikey_list(commune=commune).filter(revoked_at__isnull=True).count(),
    }
    return render(request, "territory/administration.html", context)


@capability_required("manage_commune")
def geodata(request):
    """The commune's address base (its BAL) and its own base map: what is loaded, and files to replace them.

    The result of an import is shown on the page it returns (the lines refused, each with its reason)."""
    import json

    from beffroi.territory.forms import AddressFileForm, MapLayerFileForm

    commune = request.commune
    which = request.POST.get("form")
    address_form = AddressFileForm(request.POST, request.FILES) if which == "bal" else AddressFileForm()
    layer_form = MapLayerFileForm(request.POST, request.FILES) if which == "layer" else MapLayerFileForm()
    result, status = None, 200
    if which == "bal" and address_form.is_valid():
        text = address_form.text()
        if text is not None:
            result = services.addresses_import(commune=commune, text=text, actor=request.user)
            if not result.imported:
                status = 400
    elif which == "layer" and layer_form.is_valid():
        try:
            collection = json.loads(layer_form.cleaned_data["file"].read().decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            layer_form.add_error("file", _("Ce fichier n'est pas du GeoJSON lisible (JSON en UTF-8)."))
        else:
            try:
                layer = services.map_layer_import(
                    commune=commune,
                    kind=layer_form.cleaned_data["kind"],
                    collection=collection,
                    source=layer_form.cleaned_data["file"].name,
                    actor=request.user,
                )
            except services.GeoDataError as exc:
                layer_form.add_error("file", exc.message)
            else:
                messages.success(
                    request,
                    _("Couche « %(kind)s » importée : %(n)s objets.")
                    % {"kind": layer.get_kind_display(), "n": layer.feature_count},
                )
                return redirect("territory:geodata")
    if which and (address_form.errors or layer_form.errors):
        status = 400
    return render(
        request,
        "territory/geodata.html",
        {
            "address_form": address_form,
            "layer_form": layer_form,
            "result": result,
            "address_count": selectors.address_count(commune=commune),
            "layers": selectors.map_layer_list(commune=commune),
        },
        status=status,
    )
