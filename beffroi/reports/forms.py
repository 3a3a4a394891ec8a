"""Input shape of the Signalements pages (rules live in services)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from beffroi.core.abuse import HoneypotMixin
from beffroi.core.forms import CoordinateField, PhotosInput
from beffroi.core.images import MAX_BYTES
from beffroi.reports.models import Category, Report
from beffroi.reports.services import MAX_PHOTOS

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from beffroi.territory.models import Place


class PhotosField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", PhotosInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [super(PhotosField, self).clean(f, initial) for f in files if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("Trois photos au plus."))
        for f in files:
            if f.size > MAX_BYTES:
                raise forms.ValidationError(_("La photo dépasse 8 Mo : choisissez une image plus légère."))
        return files


class LocationMixin(forms.Form):
    # The field under which « Indiquez où se trouve le problème » is written (and linked from the error summary):
    # the first of the location group the page shows; None where the group is hidden (the report's step 2).
    location_error_field: str | None = "address"

    latitude = CoordinateField("latitude")
    longitude = CoordinateField("longitude")
    place: forms.ModelChoiceField[Place] = forms.ModelChoiceField(
        label=_("…ou un lieu connu de la commune"),
        queryset=None,
        required=False,
        empty_label=_("— aucun —"),
        help_text=_("La mairie, l'école, une place… si le problème est là."),
    )
    address = forms.CharField(
        label=_("Adresse ou repère"),
        max_length=255,
        required=False,
        # The map's own hint is written by its script (data-hint): without JavaScript there is no map to touch.
        help_text=_("Par exemple : 14 rue des Écoles, ou « devant la boulangerie »."),
    )

    def __init__(self, *args: Any, places: QuerySet[Place] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["place"]).queryset = places
        # One of the address, the place or the point is needed (services.report_create): the group's legend says
        # « obligatoire », each field neither (core.form_renderer).
        for name in ("address", "place"):
            self.fields[name].in_required_group = True  # type: ignore[attr-defined]
        # Suggestions from the commune's address base while typing (static/beffroi/address-search.js).
        self.fields["address"].widget.attrs.update(
            {
                "data-address-search": reverse("territory_public:address_search"),
                "data-list-label": _("Adresses de la commune"),
                "data-count-one": _("1 adresse proposée : flèche vers le bas pour la choisir."),
                "data-count-many": _(
                    "{n} adresses proposées : flèches haut et bas pour choisir, Entrée pour valider."
                ),
                "data-none": _(
                    "Aucune adresse de la commune ne correspond : votre texte sera transmis tel quel."
                ),
                "data-chosen": _("Adresse choisie : {address}."),
            }
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        has_point = data.get("latitude") is not None and data.get("longitude") is not None
        if not has_point and not data.get("place") and not (data.get("address") or "").strip():
            self.add_error(
                self.location_error_field,
                _(
                    "Indiquez où se trouve le problème : touchez la carte, choisissez un lieu ou écrivez une adresse."
                ),
            )
        return data


class StartForm(LocationMixin):
    """Step 1: what and where (a GET form, so it works without JavaScript and can be bookmarked)."""

    category: forms.ModelChoiceField[Category] = forms.ModelChoiceField(
        label=_("Type de problème"),
        queryset=None,
        to_field_name="code",
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez le type de problème.")},
    )

    field_order = ["category", "address", "latitude", "longitude", "place"]

    def __init__(self, *args: Any, categories: QuerySet[Category] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories


def question_fields(category: Category) -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for q in category.display_questions():
        common = {"label": q["label"], "required": bool(q.get("required")), "help_text": q.get("help", "")}
        choices = [(str(c["key"]), c.get("name", c["key"])) for c in q.get("choices", [])]
        kind = q.get("type", "string")
        field: forms.Field
        if kind == "singlevaluelist":
            field = forms.ChoiceField(choices=[("", "—"), *choices], **common)
        elif kind == "multivaluelist":
            field = forms.MultipleChoiceField(choices=choices, **common)
        elif kind == "text":
            field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, **common)
        elif kind == "number":
            field = forms.DecimalField(**common)
        elif kind == "datetime":
            field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        else:
            field = forms.CharField(max_length=255, **common)
        fields[f"q_{q['code']}"] = field
    return fields


def raw_answers(category: Category, cleaned: dict[str, Any]) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for q in category.questions:
        value = cleaned.get(f"q_{q['code']}")
        if value in (None, "", []):
            continue
        raw[q["code"]] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return raw


class ReportForm(HoneypotMixin, LocationMixin):
    """Step 2: the description, the category's questions, photos and an optional contact."""

    location_error_field = None  # the place chosen at step 1 is carried in hidden fields

    description = forms.CharField(
        label=_("Description du problème"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ce texte sera visible publiquement : n'y mettez pas de nom ni de coordonnées."),
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_(
            "Jusqu'à 3 photos, 8 Mo chacune (JPEG, PNG, WebP). Elles sont vérifiées par un agent avant publication."
        ),
    )
    contact_email = forms.EmailField(
        label=_("Votre courriel"),
        required=False,
        help_text=_("Pour être prévenu·e de la suite. Jamais publié."),
    )
    contact_phone = forms.CharField(
        label=_("Votre téléphone"),
        max_length=30,
        required=False,
        help_text=_("Pour recevoir un SMS à chaque étape. Jamais publié."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, category=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        self.fields.update(question_fields(category))
        for name in ("place", "address"):
            self.fields[name].widget = forms.HiddenInput()

    def question_bound_fields(self):
        return [self[name] for name in self.fields if name.startswith("q_")]


class AssistedReportForm(LocationMixin):
    """An agent files a report for a resident at the counter, on the phone or from a letter."""

    category: forms.ModelChoiceField[Category] = forms.ModelChoiceField(
        label=_("Catégorie"), queryset=None, empty_label=None
    )
    channel = forms.ChoiceField(
        label=_("Reçu par"),
        widget=forms.RadioSelect,
        choices=[
            (c.value, c.label) for c in (Report.Channel.COUNTER, Report.Channel.PHONE, Report.Channel.MAIL)
        ],
        initial=Report.Channel.COUNTER,
    )
    description = forms.CharField(
        label=_("Description publique du problème"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Publiée sur le site et dans les applications : décrivez le problème seulement, sans nom, téléphone "
            "ni détail personnel de l'habitant·e."
        ),
    )
    private_note = forms.CharField(
        label=_("Note interne (jamais publiée)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Visible des seuls agents : ce que l'habitant·e a confié, comment le joindre, ce qu'il faut savoir "
            "pour intervenir."
        ),
    )
    photos = PhotosField(label=_("Photos"), required=False)
    contact_name = forms.CharField(label=_("Nom de l'habitant·e"), max_length=120, required=False)
    contact_email = forms.EmailField(label=_("Courriel de l'habitant·e"), required=False)
    contact_phone = forms.CharField(label=_("Téléphone de l'habitant·e"), max_length=30, required=False)

    field_order = [
        "channel",
        "category",
        "description",
        "private_note",
        "place",
        "address",
        "latitude",
        "longitude",
        "photos",
        "contact_name",
        "contact_email",
        "contact_phone",
    ]

    def __init__(self, *args: Any, categories: QuerySet[Category] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = categories
        self.fields["address"].help_text = _(
            "Par exemple : 14 rue des Écoles. Elle est cherchée dans la base d'adresses de la commune."
        )
        # The agent types the coordinates the resident gives (the map, with JavaScript, writes them here too).
        example = _("En degrés décimaux, par exemple %(example)s.")
        self.fields["latitude"] = CoordinateField(
            "latitude", typed=True, label=_("Latitude"), help_text=example % {"example": "47,3149"}
        )
        self.fields["longitude"] = CoordinateField(
            "longitude", typed=True, label=_("Longitude"), help_text=example % {"example": "4,8382"}
        )
        # The chosen category's questions, as on the resident's form (the category posted, else the one chosen
        # on the page before: ?categorie=).
        self.chosen_category = self._chosen_category(categories)
        if self.chosen_category is not None:
            self.fields.update(question_fields(self.chosen_category))

    def _chosen_category(self, categories: QuerySet[Category] | None) -> Category | None:
        raw = self.data.get("category") if self.is_bound else self.initial.get("category")
        if categories is None or raw in (None, ""):
            return None
        try:
            return categories.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None

    def question_bound_fields(self):
        return [self[name] for name in self.fields if name.startswith("q_")]


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Code de suivi"),
        max_length=20,
        help_text=_("Le code reçu après votre signalement, par exemple K7QH-3MZP."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
