"""The commune administrator's pages (capability "manage_commune"): modules, members and roles, teams, API keys."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beffroi.accounts import selectors as account_selectors
from beffroi.accounts import services as account_services
from beffroi.accounts.decorators import capability_required
from beffroi.core import selectors as core_selectors
from beffroi.core import services as core_services
from beffroi.territory import selectors, services
from beffroi.territory.forms import ApiKeyForm, MemberForm, ModulesForm, RoleForm, TeamForm, TeamMemberForm


@capability_required("manage_commune")
def administration(request):
    commune = request.commune
    member_form = MemberForm(request.POST or None) if request.POST.get("form") == "member" else MemberForm()
    team_form = TeamForm(request.POST or None) if request.POST.get("form") == "team" else TeamForm()
    key_form = ApiKeyForm(request.POST or None) if request.POST.get("form") == "apikey" else ApiKeyForm()
    modules_form = (
        ModulesForm(request.POST)
        if request.POST.get("form") == "modules"
        else ModulesForm(initial={"codes": commune.enabled_modules})
    )
    new_secret = None
    if request.method == "POST":
        kind = request.POST.get("form")
        if kind == "modules" and modules_form.is_valid():
            services.modules_set(
                commune=commune, actor=request.user, codes=modules_form.cleaned_data["codes"]
            )
            messages.success(request, _("Les modules de la commune sont enregistrés."))
            return redirect("territory:administration")
        if kind == "member" and member_form.is_valid():
            user = services.member_add(commune=commune, actor=request.user, **member_form.cleaned_data)
            messages.success(
                request, _("%(email)s a maintenant un rôle dans la commune.") % {"email": user.email}
            )
            return redirect("territory:administration")
        if kind == "team" and team_form.is_valid():
            services.team_create(commune=commune, actor=request.user, **team_form.cleaned_data)
            messages.success(request, _("Le service a été créé."))
            return redirect("territory:administration")
        if kind == "apikey" and key_form.is_valid():
            _key, new_secret = core_services.apikey_create(
                commune=commune, actor=request.user, **key_form.cleaned_data
            )
            key_form = ApiKeyForm()
    context = {
        "memberships": account_selectors.membership_list(commune=commune),
        "member_form": member_form,
        "team_form": team_form,
        "key_form": key_form,
        "modules_form": modules_form,
        "teams": selectors.team_list(commune=commune),
        "api_keys": core_selectors.apikey_list(commune=commune),
        "new_secret": new_secret,
        "role_form": RoleForm(),
    }
    return render(request, "territory/administration.html", context)


@require_POST
@capability_required("manage_commune")
def membership_change(request, user_id: int):
    membership = account_selectors.membership_get(commune=request.commune, user_id=user_id)
    if membership is None:
        raise Http404
    form = RoleForm(request.POST)
    if form.is_valid():
        if membership.user_id == request.user.pk and form.cleaned_data["role"] != membership.role:
            messages.error(request, _("Vous ne pouvez pas changer votre propre rôle."))
        else:
            account_services.membership_set(
                commune=request.commune,
                user=membership.user,
                role=form.cleaned_data["role"],
                actor=request.user,
            )
            messages.success(request, _("Rôle modifié."))
    return redirect("territory:administration")


@require_POST
@capability_required("manage_commune")
def team_add_member(request, slug: str):
    team = selectors.team_get(commune=request.commune, slug=slug)
    if team is None:
        raise Http404
    staff = account_selectors.member_list(commune=request.commune, capability="view_agent_space")
    form = TeamMemberForm(request.POST, users=staff)
    if form.is_valid():
        services.team_add_member(team=team, user=form.cleaned_data["user"], actor=request.user)
        messages.success(request, _("Agent ajouté au service."))
    else:
        messages.error(request, _("Choisissez un agent, un élu ou un administrateur de la commune."))
    return redirect("territory:administration")


@require_POST
@capability_required("manage_commune")
def apikey_revoke(request, prefix: str):
    key = core_selectors.apikey_get(commune=request.commune, prefix=prefix)
    if key is None:
        raise Http404
    core_services.apikey_revoke(key=key, actor=request.user)
    messages.success(request, _("La clé %(prefix)s est révoquée.") % {"prefix": prefix})
    return redirect("territory:administration")


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
