"""Login, logout, sign-up, password reset, the account page, personal-data download and account deletion."""

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beffroi.accounts import selectors, services
from beffroi.accounts.forms import DeleteAccountForm, LoginForm, SignupForm
from beffroi.accounts.models import Role
from beffroi.core import personal_data


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        messages.success(self.request, _("Votre mot de passe a été changé."))
        return super().form_valid(form)


@require_http_methods(["POST"])
def logout_view(request):
    logout(request)
    messages.info(request, _("Vous êtes déconnecté·e."))
    return redirect("core:home")


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:account")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            full_name=form.cleaned_data["full_name"],
        )
        if request.commune is not None:
            services.membership_set(commune=request.commune, user=user, role=Role.HABITANT)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Votre compte est créé. Bienvenue !"))
        return redirect("core:home")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def account(request):
    return render(
        request, "accounts/account.html", {"memberships": selectors.user_memberships(user=request.user)}
    )


@login_required
def export_personal_data(request):
    """RGPD art. 15 and 20: everything the platform holds about the user, as one JSON file."""
    payload = {
        "generated_at": timezone.now().isoformat(),
        "platform": "Beffroi",
        **personal_data.export_for(request.user),
    }
    response = HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-beffroi.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.user_delete(user=user)
        messages.success(request, _("Votre compte et vos données personnelles ont été supprimés."))
        return redirect("core:home")
    return render(request, "accounts/delete_account.html", {"form": form})
