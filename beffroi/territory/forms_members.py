"""Forms of the administrator's pages on people: invitations (one, or a CSV file), the members' search, the
teams' names."""

from typing import cast

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from beffroi.accounts.models import Role
from beffroi.accounts.services import INVITED_ROLES
from beffroi.territory.models import Team

MAX_CSV_BYTES = 512 * 1024


def invited_role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(capfirst(role.label))) for role in INVITED_ROLES]


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={
            "invalid": _("Saisissez une adresse électronique valide, par exemple prenom.nom@mairie.fr.")
        },
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=invited_role_choices)
    team = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Aucun service"),
        help_text=_("Pour un agent : le service dont il traitera les demandes."),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams


class InvitationCsvForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_(
            "Première ligne « email,role,team », puis une personne par ligne : son adresse, son rôle (agent, élu "
            "ou administrateur) et, si besoin, le nom de son service. Virgules ou points-virgules."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 512 Ko : découpez-le en plusieurs fichiers."))
        raw = upload.read()
        for encoding in ("utf-8-sig", "cp1252"):  # a spreadsheet saves in UTF-8 or, on Windows, in cp1252
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise forms.ValidationError(
            _("Ce fichier n'est pas un texte CSV lisible : enregistrez-le en CSV UTF-8.")
        )


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Nom ou adresse électronique"), max_length=100, required=False)
    role = forms.ChoiceField(
        label=_("Rôle"),
        required=False,
        choices=lambda: [
            ("", _("Tous les rôles, habitants compris")),
            *((r.value, capfirst(r.label)) for r in Role),
        ],
    )


class TeamRenameForm(forms.Form):
    name = forms.CharField(label=_("Nouveau nom"), max_length=100)
