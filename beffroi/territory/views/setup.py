"""The commune administrators' setup pages (capability "manage_commune"): « Premiers pas », identity and logo,
contour, preset, home page and accessibility statement; and the agents' news items ("handle_requests")."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beffroi.accounts.decorators import capability_required
from beffroi.core.confirm import confirmation_page
from beffroi.core.models import AccessibilityLevel
from beffroi.territory import first_steps, presets, selectors, services
from beffroi.territory.forms import ContourForm, HomeSettingsForm, IdentityForm, NewsForm, PresetForm


def _add_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@capability_required("manage_commune")
def first_steps_page(request):
    steps = first_steps.steps(request.commune)
    return render(
        request,
        "territory/first_steps.html",
        {
            "steps": steps,
            "done": sum(s.done for s in steps),
            "preset": presets.PRESETS.get(request.commune.preset),
        },
    )


@capability_required("manage_commune")
def commune_identity(request):
    commune = request.commune
    initial = {name: getattr(commune, name) for name in services.IDENTITY_FIELDS}
    form = IdentityForm(
        request.POST or None, request.FILES or None, initial=initial, has_logo=bool(commune.logo)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        for name in ("logo", "logo_pending"):
            data.pop(name)
        remove = data.pop("remove_logo", False)
        try:
            services.commune_identity_update(
                commune=commune, actor=request.user, logo=form.logo_png, remove_logo=remove, **data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("L'identité de la commune est enregistrée."))
            return redirect("territory:commune_identity")
    return render(request, "territory/commune_identity.html", {"form": form})


@capability_required("manage_commune")
def commune_contour(request):
    commune = request.commune
    form = ContourForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.POST.get("action") == "remove":
        asking = confirmation_page(
            request,
            title=_("Retirer le contour de la commune ?"),
            message=_(
                "Les signalements seront acceptés où qu'ils soient placés sur la carte, même hors de la commune."
            ),
            button=_("Retirer le contour"),
            cancel_url=reverse("territory:commune_contour"),
        )
        if asking is not None:
            return asking
        services.commune_contour_set(commune=commune, actor=request.user, contour_file=None)
        messages.success(request, _("Le contour est retiré : les signalements sont acceptés partout."))
        return redirect("territory:commune_contour")
    if request.method == "POST" and form.is_valid():
        try:
            services.commune_contour_set(
                commune=commune, actor=request.user, contour_file=form.cleaned_data["contour"].read()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Le contour de la commune est enregistré."))
            return redirect("territory:commune_contour")
    return render(request, "territory/commune_contour.html", {"form": form, "commune": commune})


@capability_required("manage_commune")
def commune_preset(request):
    commune = request.commune
    suggested = presets.preset_for_population(commune.population)
    form = PresetForm(request.POST or None, initial={"preset": commune.preset or suggested.code})
    if request.method == "POST" and form.is_valid():
        services.commune_preset_apply(commune=commune, preset=form.cleaned_data["preset"], actor=request.user)
        messages.success(
            request,
            _("Le modèle « %(label)s » est appliqué : modules, services et catégories ajoutés.")
            % {"label": presets.PRESETS[form.cleaned_data["preset"]].label},
        )
        return redirect("territory:first_steps")
    return render(
        request,
        "territory/commune_preset.html",
        {"form": form, "suggested": suggested, "current": presets.PRESETS.get(commune.preset)},
    )


@capability_required("manage_commune")
def commune_home_settings(request):
    commune = request.commune
    initial = {name: getattr(commune, name) for name in services.HOME_FIELDS}
    # never stated: the site already says « non conforme », so saving the page states it (first steps: done)
    initial["accessibility_level"] = commune.accessibility_level or AccessibilityLevel.NONE
    form = HomeSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.commune_home_update(commune=commune, actor=request.user, **form.cleaned_data)
        messages.success(request, _("La page d'accueil et la déclaration d'accessibilité sont enregistrées."))
        return redirect("territory:commune_home_settings")
    return render(
        request, "territory/commune_home_settings.html", {"form": form}, status=400 if form.errors else 200
    )


@capability_required("handle_requests")
def news(request):
    form = NewsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.news_create(commune=request.commune, actor=request.user, **form.cleaned_data)
        messages.success(request, _("L'actualité est publiée sur la page d'accueil."))
        return redirect("territory:news")
    return render(
        request, "territory/news.html", {"form": form, "items": selectors.news_list(commune=request.commune)}
    )


@require_POST
@capability_required("handle_requests")
def news_delete(request, pk: int):
    item = selectors.news_get(commune=request.commune, pk=pk)
    if item is None:
        raise Http404
    asking = confirmation_page(
        request,
        title=_("Retirer l'actualité « %(title)s » ?") % {"title": item.title},
        message=_("Elle ne sera plus affichée sur la page d'accueil de la commune."),
        button=_("Retirer l'actualité"),
        cancel_url=reverse("territory:news"),
    )
    if asking is not None:
        return asking
    services.news_delete(commune=request.commune, actor=request.user, item=item)
    messages.success(request, _("L'actualité « %(title)s » est retirée.") % {"title": item.title})
    return redirect("territory:news")
