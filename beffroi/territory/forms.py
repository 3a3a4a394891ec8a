import base64
import contextlib
from typing import cast

from django import forms
from django.http import QueryDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from beffroi.accounts.models import Role, User
from beffroi.core import modules
from beffroi.core.models import AccessibilityLevel, ApiKey
from beffroi.territory import presets
from beffroi.territory.logo import MAX_BYTES, LogoError, process_logo


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


class CommuneSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Nom, code INSEE ou code postal de la commune"),
        max_length=100,
        help_text=_(
            "Les accents et les tirets sont facultatifs ; « st » vaut « saint » (ex. st jean de luz)."
        ),
    )


class CommuneAddForm(forms.Form):
    insee_code = forms.CharField(widget=forms.HiddenInput, max_length=5)
    admin_email = forms.EmailField(
        label=_("Adresse électronique du premier administrateur"),
        max_length=254,
        help_text=_(
            "Le maire ou la secrétaire de mairie : une invitation lui est envoyée, valable 14 jours."
        ),
    )
    slug = forms.CharField(
        label=_("Identifiant dans les adresses"),
        max_length=50,
        required=False,
        help_text=_("Par défaut, le nom de la commune (ex. saint-jean-de-luz)."),
    )
    host = forms.CharField(
        label=_("Nom d'hôte dédié"),
        max_length=253,
        required=False,
        help_text=_(
            "Facultatif (ex. services.valbourg.fr) : la commune sera aussi servie à cette adresse, une fois "
            "l'adresse reliée à ce serveur par son hébergeur."
        ),
    )
    preset = forms.ChoiceField(label=_("Modèle de départ"), required=False, widget=forms.RadioSelect)
    contour = forms.FileField(
        label=_("Contour de la commune (GeoJSON)"),
        required=False,
        help_text=_(
            "Facultatif : un Polygon ou MultiPolygon en longitude et latitude (WGS 84), par exemple exporté "
            "d'ADMIN EXPRESS (IGN). Il peut être ajouté plus tard par la commune."
        ),
    )
    latitude = forms.DecimalField(
        label=_("Latitude du centre"), required=False, min_value=-90, max_value=90, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude du centre"), required=False, min_value=-180, max_value=180, decimal_places=6
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["preset"]).choices = [
            ("", _("Aucun : la commune choisira")),
            *((p.code, f"{p.label} — {p.description}") for p in presets.PRESETS.values()),
        ]

    def clean(self):
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Donnez la latitude et la longitude, ou aucune des deux."))
        return data


class IdentityForm(forms.Form):
    """The mairie's logo and contact details. The logo is checked here (a bad file is an error beside its field)
    and, when another field is refused, kept in `logo_pending` (the checked PNG): a browser never sends a chosen
    file again, and the next successful save must not say « enregistrée » without it."""

    logo = forms.FileField(
        label=_("Logo ou blason"),
        required=False,
        help_text=_(
            "PNG, JPEG, WebP ou GIF, 4 Mo au plus ; il est redimensionné pour l'en-tête et les documents."
        ),
    )
    remove_logo = forms.BooleanField(label=_("Retirer le logo actuel"), required=False)
    address = forms.CharField(label=_("Adresse de la mairie"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Téléphone de la mairie"), max_length=30, required=False)
    contact_email = forms.EmailField(label=_("Courriel de la mairie"), required=False)
    opening_hours = forms.CharField(
        label=_("Horaires d'ouverture"),
        max_length=200,
        required=False,
        help_text=_("ex. lundi et jeudi 9 h – 12 h, mercredi 14 h – 18 h"),
    )
    website = forms.URLField(label=_("Site internet de la commune"), required=False, assume_scheme="https")
    publication_director = forms.CharField(
        label=_("Directeur ou directrice de la publication"),
        max_length=150,
        required=False,
        help_text=_(
            "Nommé dans les mentions légales, comme la loi le demande (LCEN, article 6) : en général le maire "
            "(ex. Marie Dupont, maire)."
        ),
    )
    logo_pending = forms.CharField(required=False, widget=forms.HiddenInput, max_length=MAX_BYTES * 2)

    def __init__(self, *args, has_logo: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.logo_png: bytes | None = None  # the chosen logo, checked and re-encoded
        if not has_logo:
            del self.fields["remove_logo"]  # nothing to remove

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload:
            try:
                self.logo_png = process_logo(upload.read())
            except LogoError as error:
                raise forms.ValidationError(str(error)) from None
        return upload

    def clean_logo_pending(self) -> str:
        raw = self.cleaned_data.get("logo_pending") or ""
        if raw and self.logo_png is None and "logo" not in self.errors:
            # Not a logo this page made (LogoError and binascii.Error are ValueErrors): as if none was chosen.
            with contextlib.suppress(ValueError):
                self.logo_png = process_logo(base64.b64decode(raw, validate=True))
        return ""

    def full_clean(self) -> None:
        super().full_clean()
        if self.logo_png is not None:
            # Sent back with the page (with errors) so that the next submission saves it.
            pending = base64.b64encode(self.logo_png).decode("ascii")
            # a QueryDict's copy stays one (unpacking it into a dict would give each field a list of values)
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            data[self.add_prefix("logo_pending")] = pending
            self.data = data
            kept = _(
                "Le logo choisi est gardé : il sera enregistré avec le reste du formulaire. Choisissez un "
                "autre fichier pour le remplacer."
            )
            self.fields["logo"].help_text = self["logo"].help_text = kept  # the bound field copied it


class ContourForm(forms.Form):
    contour = forms.FileField(
        label=_("Fichier du contour (GeoJSON)"),
        help_text=_(
            "Un Polygon ou MultiPolygon en longitude et latitude (WGS 84, EPSG:4326), par exemple la commune "
            "extraite d'ADMIN EXPRESS (IGN) ; 5 Mo au plus."
        ),
    )


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("Modèle"), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["preset"]).choices = [
            (p.code, f"{p.label} — {p.description}") for p in presets.PRESETS.values()
        ]


class HomeSettingsForm(forms.Form):
    welcome_text = forms.CharField(
        label=_("Mot d'accueil"),
        max_length=1500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Texte simple : les adresses web deviennent des liens, le reste s'affiche tel quel."),
    )
    home_published = forms.BooleanField(label=_("Publier la page d'accueil"), required=False)
    accessibility_level = forms.ChoiceField(
        label=_("État de conformité au RGAA"),
        required=False,
        choices=AccessibilityLevel.choices,
        help_text=_(
            "« Non conforme » tant qu'aucun audit ne fonde une conformité partielle ou totale, comme le RGAA le "
            "demande."
        ),
    )
    accessibility_audit = forms.CharField(
        label=_("Évaluation de l'accessibilité"),
        max_length=200,
        required=False,
        help_text=_("Qui l'a faite et quand (ex. audit interne du 12 mars 2026 sur 10 pages)."),
    )
    accessibility_plan = forms.CharField(
        label=_("Schéma pluriannuel et plan d'action de l'année"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Ce que la mairie prévoit sur trois ans au plus pour rendre ses services en ligne accessibles, et les "
            "actions de cette année : référent, formation, audits prévus, corrections, tests avec des "
            "personnes handicapées. Texte simple ; une adresse web devient un lien (vers un document publié "
            "ailleurs, par exemple)."
        ),
    )

    def clean(self):
        data = super().clean() or {}
        if data.get("home_published") and not (data.get("welcome_text") or "").strip():
            self.add_error("welcome_text", _("Écrivez un mot d'accueil avant de publier la page."))
        # « non conforme » is what a site without a valid audit must say: only a level of conformity needs one
        audited = data.get("accessibility_level") in (AccessibilityLevel.PARTIAL, AccessibilityLevel.FULL)
        if audited and not (data.get("accessibility_audit") or "").strip():
            self.add_error(
                "accessibility_audit",
                _(
                    "Dites qui a évalué l'accessibilité et quand : une conformité totale ou partielle repose sur un audit."
                ),
            )
        return data


class NewsForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=150)
    body = forms.CharField(
        label=_("Texte"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Texte simple ; une adresse web (https://…) devient un lien."),
    )
