"""The platform operator's pages (staff accounts): the communes of the instance, adding one from the official
list (search as you type, and without JavaScript: submit the query, pick a result), archiving, export."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from beffroi.core.confirm import confirmation_page
from beffroi.core.decorators import operator_required
from beffroi.territory import export, official_list, presets, selectors, services
from beffroi.territory.forms import CommuneAddForm, CommuneSearchForm

SEARCH_LIMIT = 20


@require_safe
@operator_required
def commune_list(request):
    return render(request, "territory/operator/communes.html", {"communes": selectors.commune_list_all()})


def _search(request) -> tuple[CommuneSearchForm, list[official_list.OfficialCommune] | None]:
    form = CommuneSearchForm(request.GET if "q" in request.GET else None)
    results = None
    if form.is_bound and form.is_valid():
        results = official_list.load().search(form.cleaned_data["q"], limit=SEARCH_LIMIT)
    return form, results


def _with_status(results):
    """Each result with the commune already on the platform, if any."""
    if results is None:
        return None
    present = selectors.communes_by_insee(codes=[r.insee_code for r in results])
    return [(r, present.get(r.insee_code)) for r in results]


@require_safe
@operator_required
def commune_search(request):
    """The results alone (htmx, as the operator types), or the whole page without JavaScript."""
    form, results = _search(request)
    context = {"search_form": form, "results": _with_status(results)}
    if request.headers.get("HX-Request"):
        return render(request, "territory/operator/_results.html", context)
    return render(request, "territory/operator/commune_add.html", context)


@operator_required
def commune_add(request):
    code = (request.POST.get("insee_code") or request.GET.get("insee") or "").strip()
    official = official_list.load().get(code) if code else None
    if official is None:
        form, results = _search(request)
        if code:
            messages.error(
                request,
                _("Aucune commune n'a le code INSEE « %(code)s » dans la liste officielle.") % {"code": code},
            )
        return render(
            request,
            "territory/operator/commune_add.html",
            {"search_form": form, "results": _with_status(results)},
        )
    suggested = presets.preset_for_population(official.population)
    add_form = CommuneAddForm(
        request.POST or None,
        request.FILES or None,
        initial={"insee_code": official.insee_code, "preset": suggested.code},
    )
    if request.method == "POST" and add_form.is_valid():
        data = add_form.cleaned_data
        upload = data.get("contour")
        try:
            commune = services.commune_add(
                insee_code=official.insee_code,
                admin_email=data["admin_email"],
                slug=data["slug"],
                host=data["host"],
                preset=data["preset"],
                contour_file=upload.read() if upload else None,
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                actor=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                add_form.add_error(
                    field if field in add_form.fields and field != "insee_code" else None, errors
                )
        else:
            messages.success(
                request,
                _("%(name)s est créée. Une invitation a été envoyée à %(email)s.")
                % {"name": commune.name, "email": data["admin_email"]},
            )
            return redirect("operator:communes")
    existing = selectors.communes_by_insee(codes=[official.insee_code]).get(official.insee_code)
    return render(
        request,
        "territory/operator/commune_form.html",
        {"official": official, "form": add_form, "suggested": suggested, "existing": existing},
    )


@require_POST
@operator_required
def commune_archive(request, slug: str):
    commune = selectors.commune_get_any(slug=slug)
    if commune is None:
        raise Http404
    reactivate = request.POST.get("action") == "reactivate"
    if not reactivate:
        asking = confirmation_page(
            request,
            title=_("Archiver %(name)s ?") % {"name": commune.name},
            message=_(
                "Ses pages et ses API seront fermées ; ses données sont gardées et la commune pourra être rouverte."
            ),
            button=_("Archiver la commune"),
            cancel_url=reverse("operator:communes"),
        )
        if asking is not None:
            return asking
    services.commune_archive(commune=commune, actor=request.user, reactivate=reactivate)
    if reactivate:
        messages.success(request, _("%(name)s est rouverte.") % {"name": commune.name})
    else:
        messages.success(
            request,
            _("%(name)s est archivée : ses pages et ses API sont fermées, ses données sont gardées.")
            % {"name": commune.name},
        )
    return redirect("operator:communes")


@require_safe
@operator_required
def commune_export(request, slug: str):
    """The commune's archive (zip): JSON and CSV per table, its files, a manifest."""
    commune = selectors.commune_get_any(slug=slug)
    if commune is None:
        raise Http404
    services.commune_export_record(commune=commune, actor=request.user)
    stamp = timezone.localdate().isoformat()
    return FileResponse(
        export.archive_file(commune), as_attachment=True, filename=f"beffroi-{commune.slug}-{stamp}.zip"
    )
