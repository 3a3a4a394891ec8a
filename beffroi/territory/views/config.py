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
