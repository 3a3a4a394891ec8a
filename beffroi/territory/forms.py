from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from beffroi.accounts.models import Role, User
from beffroi.core import modules
from beffroi.core.models import ApiKey


class MemberForm(forms.Form):
    email = forms.EmailField(label=_("Adresse électronique de la personne"), max_length=254)
    full_name = forms.CharField(
        label=_("Nom et prénom"),
        max_length=150,
        required=False,
        help_text=_("Utilisé seulement si la personne n'a pas encore de compte."),
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Nouveau rôle"), choices=Role.choices)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Nom du service"), max_length=100)
    email = forms.EmailField(label=_("Courriel du service"), required=False)


class TeamMemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Agent à ajouter"), queryset=User.objects.none())

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = users


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("À quoi sert la clé"), max_length=100, help_text=_("ex. serveur LoRaWAN"))
    scope = forms.ChoiceField(label=_("Portée"), choices=ApiKey.Scope.choices)


class ModulesForm(forms.Form):
    codes = forms.MultipleChoiceField(
        label=_("Modules ouverts"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Un module fermé disparaît partout : ses pages, l'espace agents et ses API. Ses données sont gardées "
            "et réapparaissent quand on le rouvre."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["codes"]).choices = [
            (m.code, m.label) for m in modules.all_modules()
        ]
