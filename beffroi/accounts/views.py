"""Login, logout, sign-up and its address confirmation, password reset, the account page, personal-data download
and account deletion."""

import json
import time

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beffroi.accounts import activity, oidc_views, selectors, services
from beffroi.accounts.decorators import login_reason_for
from beffroi.accounts.forms import (
    DeleteAccountForm,
    InvitationSignupForm,
    LoginForm,
    NotificationSettingsForm,
    SignupForm,
)
from beffroi.accounts.models import Invitation, Role
from beffroi.accounts.notifications import kinds_offered, phone_known
from beffroi.accounts.oidc import providers_configured
from beffroi.core import attention, personal_data
from beffroi.core.decorators import commune_required


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # FranceConnect and ProConnect buttons: only those the platform configured.
        return {
            **super().get_context_data(**kwargs),
            "oidc_providers": {p.code: p for p in providers_configured()},
            # why this person must sign in, when `next` (already checked as local) leads to a view that says it
            "login_reason": login_reason_for(self.get_redirect_url()),
        }


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # The link came to this address: opening it proves the address as well as the confirmation link would.
        services.email_mark_confirmed(user=form.user)
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        messages.success(self.request, _("Votre mot de passe a été changé."))
        return super().form_valid(form)


@require_http_methods(["POST"])
def logout_view(request):
    """Sign out here and, for a person who signed in through FranceConnect or ProConnect, there too."""
    at_provider = oidc_views.provider_logout(request)
    commune_slug = request.commune.slug if request.commune is not None else ""
    logout(request)
    if at_provider is not None:
        return oidc_views.logout_at_provider(request, at_provider, commune_slug)
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
            email_confirmed=False,
        )
        if request.commune is not None:
            services.membership_set(commune=request.commune, user=user, role=Role.HABITANT)
        _send_confirmation(request, user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Votre compte est créé. Bienvenue !"))
        return redirect("accounts:email_confirmation")
    return render(request, "accounts/signup.html", {"form": form})


RESEND_INTERVAL = 60  # seconds between two confirmation mails asked from one session


def _send_confirmation(request, user) -> None:
    token = services.email_confirmation_token(user=user)
    link = request.build_absolute_uri(reverse("accounts:email_confirm", kwargs={"token": token}))
    services.email_confirmation_send(user=user, link=link)
    request.session["accounts_confirmation_sent_at"] = time.time()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_confirmation(request):
    """Where sign-up leads: the address to confirm, and a button to send the link again."""
    user = request.user
    if request.method == "POST" and not user.email_confirmed:
        sent_at = request.session.get("accounts_confirmation_sent_at", 0)
        if time.time() - sent_at < RESEND_INTERVAL:
            messages.warning(
                request,
                _("Un lien vient d'être envoyé. Attendez une minute avant d'en demander un autre."),
            )
        else:
            _send_confirmation(request, user)
            messages.success(request, _("Un nouveau lien a été envoyé à %(email)s.") % {"email": user.email})
        return redirect("accounts:email_confirmation")
    return render(request, "accounts/email_confirmation.html", {"email_user": user})


@require_http_methods(["GET", "HEAD"])
def email_confirm(request, token: str):
    """The link of the confirmation mail; it works without being signed in (another device, another browser)."""
    user = services.email_confirm(token=token)
    return render(
        request,
        "accounts/email_confirm.html",
        {"confirmed_user": user},
        status=200 if user is not None else 400,
    )


@login_required
def account(request):
    """The person's account: their address (confirmed or not), and per commune what they did there."""
    communes = [
        {
            "membership": membership,
            "sections": activity.sections_for(user=request.user, commune=membership.commune),
        }
        for membership in selectors.user_memberships(user=request.user)
    ]
    identities = selectors.oidc_identities(user=request.user)
    return render(request, "accounts/account.html", {"communes": communes, "identities": identities})


@login_required
def export_personal_data(request):
    """RGPD art. 15 and 20: everything the platform holds about the user, as one JSON file."""
    payload = {
        "genere_le": timezone.now().isoformat(),
        "plateforme": "Beffroi",
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


INVALID_STATUS = {"unknown": 404, "accepted": 410, "revoked": 410, "expired": 410}


def _invitation_refused(request, status: str, invitation: Invitation | None = None):
    return render(
        request,
        "accounts/invitation_invalid.html",
        {"reason": status, "invitation": invitation},
        status=INVALID_STATUS.get(status, 404),
    )


def _invitation_accepted(request, invitation: Invitation):
    messages.success(
        request,
        _("Bienvenue dans l'équipe de %(commune)s : vous avez le rôle « %(role)s ».")
        % {"commune": invitation.commune.name, "role": invitation.get_role_display()},
    )
    return redirect("territory:agent_space")


@commune_required
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request, token: str):
    """The link of an invitation mail: create an account and join, or join with the account already signed
    in (same address); an expired, revoked, used or unknown link gets a page saying so and what to do."""
    invitation = selectors.invitation_get_by_token(commune=request.commune, token=token)
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        return _invitation_refused(request, invitation.status if invitation else "unknown", invitation)
    existing = selectors.user_get_by_email(email=invitation.email)
    form = None
    context = {
        "invitation": invitation,
        "existing": existing is not None,
        # Staff may accept by signing in with ProConnect (the address it gives must be the invited one).
        "oidc_providers": {p.code: p for p in providers_configured() if p.code == "proconnect"},
    }
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            return render(
                request, "accounts/invitation_accept.html", {**context, "wrong_account": True}, status=403
            )
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except services.InvitationUnusable as refused:
                return _invitation_refused(request, refused.status, invitation)
            return _invitation_accepted(request, invitation)
    elif existing is None:
        form = InvitationSignupForm(request.POST or None, email=invitation.email)
        if request.method == "POST" and form.is_valid():
            try:
                user = services.invitation_accept_new_account(
                    invitation=invitation,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
            except services.InvitationUnusable as refused:
                return _invitation_refused(request, refused.status, invitation)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return _invitation_accepted(request, invitation)
    return render(request, "accounts/invitation_accept.html", {**context, "form": form})


@login_required
def landing(request):
    """« Mon espace », where a member lands after signing in: what needs their attention in this commune
    (sections given by the modules through core.attention for the member's role), and for a resident their
    reports, ideas and votes with where their notifications go. Outside a commune where they have a role: the
    operator's list of communes for the operator's staff (their tool), the account page for anyone else."""
    commune = getattr(request, "commune", None)
    role = selectors.role_get(commune=commune, user=request.user) if commune is not None else None
    if role is None and request.user.is_staff:
        return redirect("operator:communes")
    if commune is None or role is None:
        return redirect("accounts:account")
    form = NotificationSettingsForm(
        request.POST or None,
        sms=phone_known(request.user),
        stored=selectors.notification_settings(user=request.user),
        kinds=kinds_offered(commune),
    )
    if request.method == "POST" and form.is_valid():
        services.notification_settings_set(user=request.user, choices=form.choices())
        messages.success(request, _("Vos choix de notifications sont enregistrés."))
        return redirect(reverse("accounts:landing") + "#titre-notifications")
    return render(
        request,
        "accounts/landing.html",
        {
            "role": role,
            "role_label": Role(role).label,
            "attention": attention.sections_for(commune=commune, user=request.user, role=role),
            "activity": activity.sections_for(user=request.user, commune=commune),
            "notification_address": selectors.notification_address(request.user),
            "notification_form": form,
        },
    )
