from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from beffroi.accounts.models import NotificationKind, User
from beffroi.accounts.notifications import SMS_KINDS


def normalise_email(value: str) -> str:
    """One spelling per address, for login, lockout counting, sign-up and reset: `Foo@X.fr` is `foo@x.fr`
    (accounts are stored lower-case by UserManager)."""
    return (value or "").strip().lower()


def axes_username(request, credentials=None) -> str:
    """AXES_USERNAME_CALLABLE: the lockout counts failures per normalised address, so changing the case of an
    address is not a fresh set of guesses."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        raw = credentials.get(field) or credentials.get("email") or ""
    else:
        raw = getattr(request, "data", request.POST).get(field, "") if request is not None else ""
    return normalise_email(str(raw))


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "Adresse électronique ou mot de passe incorrect. Vérifiez la saisie (majuscules comprises) "
            "et réessayez."
        ),
        "inactive": _("Ce compte est désactivé. Contactez votre mairie."),
    }

    def clean_username(self):
        return normalise_email(self.cleaned_data.get("username", ""))


class SignupForm(forms.Form):
    full_name = forms.CharField(
        label=_("Nom et prénom"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("Affiché aux agents quand ils traitent vos demandes."),
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 10 caractères, pas seulement des chiffres, pas un mot de passe trop courant."),
    )
    password2 = forms.CharField(
        label=_("Confirmez le mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self):
        email = normalise_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _(
                    "Un compte existe déjà avec cette adresse. Connectez-vous ou réinitialisez votre mot de passe."
                )
            )
        return email

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif p1:
            try:
                password_validation.validate_password(p1, User(email=cleaned.get("email", "")))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe, pour confirmer"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mot de passe incorrect : le compte n'a pas été supprimé."))
        return password


class InvitationSignupForm(forms.Form):
    """The invited person's new account: the address is the invitation's, so only a name and a password."""

    full_name = forms.CharField(
        label=_("Nom et prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("Affiché à vos collègues et aux habitants dont vous traitez les demandes."),
    )
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 10 caractères, pas seulement des chiffres, pas un mot de passe trop courant."),
    )
    password2 = forms.CharField(
        label=_("Confirmez le mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Les deux mots de passe ne sont pas identiques."))
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LinkConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Mot de passe de votre compte"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class NotificationSettingsForm(forms.Form):
    """« Mes notifications »: per kind of news, mail and (where a phone is known and texts exist) SMS; only the
    `kinds` the commune's modules send (all by default)."""

    def __init__(
        self,
        *args,
        sms: bool = False,
        stored: dict[str, dict[str, bool]],
        kinds: list[str] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.stored = stored
        self.kinds = set(NotificationKind.values if kinds is None else kinds)
        self.groups: list[tuple[str, list[forms.BoundField]]] = []
        for kind, label in NotificationKind.choices:
            if kind not in self.kinds:
                continue
            names = [f"{kind}_email"]
            self.fields[names[0]] = forms.BooleanField(
                label=_("Par courriel"), required=False, initial=stored[kind]["email"]
            )
            if sms and kind in SMS_KINDS:
                names.append(f"{kind}_sms")
                self.fields[names[1]] = forms.BooleanField(
                    label=_("Par SMS, au numéro laissé sur le signalement"),
                    required=False,
                    initial=stored[kind]["sms"],
                )
            self.groups.append((str(label), [self[name] for name in names]))

    def choices(self) -> dict[str, dict[str, bool]]:
        """What to store: the channels on the page as ticked; a channel not offered keeps its stored value."""
        return {
            kind: {
                channel: bool(self.cleaned_data[name]) if name in self.fields else self.stored[kind][channel]
                for channel in ("email", "sms")
                for name in [f"{kind}_{channel}"]
            }
            for kind in NotificationKind.values
        }
