from typing import cast

from django import forms
from django.utils.text import capfirst
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


MAX_GEODATA_BYTES = 20 * 1024 * 1024


class _GeoFileField(forms.FileField):
    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if file is not None and file.size > MAX_GEODATA_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 20 Mo."))
        return file


class AddressFileForm(forms.Form):
    """The commune's Base Adresse Locale, as published on the national address portal (BAL 1.3 or 1.4 CSV)."""

    file = _GeoFileField(
        label=_("Fichier de la Base Adresse Locale (CSV)"),
        help_text=_(
            "Au format BAL 1.3 ou 1.4 (colonnes séparées par « ; », encodage UTF-8), tel que le produit "
            "l'éditeur de la commune ou le portail national des adresses. Il remplace les adresses actuelles."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def text(self) -> str | None:
        """The file's text, or None (and an error on the field) when it is not UTF-8."""
        raw = self.cleaned_data["file"].read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.add_error("file", _("Le fichier doit être encodé en UTF-8 (format BAL)."))
            return None


class MapLayerFileForm(forms.Form):
    """One layer of the commune's own base map, as a GeoJSON FeatureCollection in longitude/latitude."""

    kind = forms.ChoiceField(label=_("Couche"), choices=[])
    file = _GeoFileField(
        label=_("Fichier GeoJSON"),
        help_text=_(
            "Une FeatureCollection en longitude/latitude (WGS84) : des lignes nommées (propriété « name ») pour "
            "les voies, des polygones pour les bâtiments, des points ou polygones nommés pour les lieux. Elle "
            "remplace la couche actuelle."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".geojson,.json,application/geo+json,application/json"}
        ),
    )

    def __init__(self, *args, **kwargs):
        from beffroi.territory.models import MapLayer

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (value, capfirst(label)) for value, label in MapLayer.Kind.choices
        ]
