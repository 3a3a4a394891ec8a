"""Input shape of participation's pages (every audience); French messages. The questionnaire itself is read by
`answers.parse_post`, which builds no Django form so that any question type renders without JavaScript."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from beffroi.core.abuse import HoneypotMixin
from beffroi.core.forms import resident_picture_fields
from beffroi.participation.models import Consultation, Meeting, Proposal, QuestionKind

DATE_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
RESERVED_SLUGS = {"gestion", "nouvelle"}


def _date_inputs(form: forms.BaseForm, *names: str) -> None:
    for name in names:
        cast(forms.DateTimeField, form.fields[name]).input_formats = DATE_FORMATS


def _minute_dates(form: forms.BaseForm, names: tuple[str, ...]) -> None:
    """A date sent back as the page shows it (to the minute) is the stored instant, not a change."""
    for name in names:
        stored, sent = form.initial.get(name), form.cleaned_data.get(name)
        if stored is not None and sent is not None and stored.replace(second=0, microsecond=0) == sent:
            form.cleaned_data[name] = stored


class ConsultationForm(forms.ModelForm):
    class Meta:
        model = Consultation
        fields = ["title", "slug", "description", "opens_at", "closes_at", "audience", "anonymous"]
        widgets = {
            "opens_at": DATE_WIDGET,
            "closes_at": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 4}),
            "audience": forms.RadioSelect,
        }
        help_texts = {"slug": _("Partie de l'adresse de la page (ex. horaires-ecole).")}

    def __init__(self, *args, commune, **kwargs):
        self.commune = commune
        super().__init__(*args, **kwargs)
        _date_inputs(self, "opens_at", "closes_at")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("Cet identifiant est réservé aux pages de la mairie."))
        others = Consultation.objects.filter(commune=self.commune, slug=slug)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Une autre consultation de la commune a déjà cet identifiant."))
        return slug

    def clean(self):
        super().clean()
        _minute_dates(self, ("opens_at", "closes_at"))
        opens, closes = self.cleaned_data.get("opens_at"), self.cleaned_data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("La clôture doit venir après l'ouverture."))
        return self.cleaned_data


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de question"), choices=QuestionKind.choices)
    label = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Aide (facultatif)"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Réponse obligatoire"), required=False, initial=True)
    max_choices = forms.IntegerField(
        label=_("Nombre maximum de réponses cochées (choix multiple, facultatif)"),
        min_value=1,
        max_value=50,
        required=False,
    )
    options = forms.CharField(
        label=_("Réponses proposées, une par ligne"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Pour un choix unique, multiple ou un classement. Les options illustrées s'ajoutent une à une, avec "
            "leur image, une fois la question créée."
        ),
    )

    def clean_options(self):
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class OptionForm(forms.Form):
    label = forms.CharField(label=_("Réponse proposée"), max_length=200)
    image = forms.ImageField(label=_("Illustration (JPEG, PNG ou WebP, 5 Mo au plus)"), required=False)
    image_alt = forms.CharField(
        label=_("Ce que montre l'image"),
        max_length=300,
        required=False,
        help_text=_("Lu aux personnes qui ne voient pas l'image. Obligatoire avec une illustration."),
    )

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and image.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("L'image dépasse 5 Mo : choisissez une image plus légère."))
        return image


class PaperNumberForm(forms.Form):
    paper_number = forms.IntegerField(
        label=_("Numéro du questionnaire papier"),
        min_value=1,
        max_value=1_000_000,
        help_text=_("Le numéro inscrit sur le questionnaire (à numéroter à l'ouverture de l'urne)."),
    )


class CounterVerifyForm(forms.Form):
    email = forms.EmailField(label=_("Adresse du compte de la personne"))
    checks = forms.MultipleChoiceField(
        label=_("Vérifié au guichet"),
        choices=[
            ("identite", _("Identité (pièce d'identité)")),
            ("domicile", _("Domicile dans la commune (justificatif)")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )


class DecisionForm(forms.Form):
    decision = forms.CharField(
        label=_("Ce que nous avons décidé et pourquoi"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
    )


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Titre de votre proposition"), max_length=150)
    body = forms.CharField(
        label=_("Votre proposition"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
        help_text=_("Ce que vous proposez, pour qui, et pourquoi."),
    )
    picture, picture_alt = resident_picture_fields()


class CounterProposalForm(ProposalForm):
    picture = None  # type: ignore[assignment]  # filed at the counter: no photo taken there
    picture_alt = None  # type: ignore[assignment]

    author_email = forms.EmailField(
        label=_("Adresse du compte de la personne (si elle en a un)"), required=False
    )
    author_name = forms.CharField(
        label=_("Nom de la personne (sans compte)"),
        max_length=100,
        required=False,
        help_text=_("Vu des seuls agents ; la proposition est publiée sans nom."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Votre commentaire"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=300)


class ProposalAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[("acceptee", _("Acceptée")), ("refusee", _("Refusée"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("Réponse publique de la commune"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        help_text=_("Acceptée : ce qui sera fait ; refusée : la raison du refus."),
    )
    followup = forms.CharField(
        label=_("Suite donnée (si acceptée)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("Qui s'en charge, quoi, et quand."),
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Numéro de la proposition qui réunit les deux"),
        min_value=1,
        help_text=_(
            "Ses soutiens s'ajoutent à ceux de l'autre ; une personne qui soutenait les deux garde un seul soutien."
        ),
    )


class RulesForm(forms.Form):
    support_threshold = forms.IntegerField(label=_("Seuil de soutiens"), min_value=1, max_value=100000)
    support_days = forms.IntegerField(
        label=_("Durée de recueil des soutiens (jours)"), min_value=1, max_value=730
    )
    answer_days = forms.IntegerField(
        label=_("Délai de réponse de la commune après le seuil (jours)"), min_value=1, max_value=365
    )


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = [
            "title",
            "starts_at",
            "ends_at",
            "place_name",
            "address",
            "latitude",
            "longitude",
            "agenda",
            "capacity",
            "consultation",
            "proposal",
        ]
        widgets = {
            "starts_at": DATE_WIDGET,
            "ends_at": DATE_WIDGET,
            "agenda": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "latitude": _("Le point sur la carte (facultatif), par exemple 47.3164."),
            "longitude": _("Par exemple 5.0415."),
        }

    def __init__(self, *args, commune, **kwargs):
        super().__init__(*args, **kwargs)
        _date_inputs(self, "starts_at", "ends_at")
        consultation_field = cast(forms.ModelChoiceField, self.fields["consultation"])
        consultation_field.queryset = Consultation.objects.filter(commune=commune)
        proposal_field = cast(forms.ModelChoiceField, self.fields["proposal"])
        proposal_field.queryset = Proposal.objects.filter(commune=commune).exclude(status="fusionnee")

    def clean(self):
        super().clean()
        _minute_dates(self, ("starts_at", "ends_at"))
        return self.cleaned_data


class RegistrationForm(HoneypotMixin):
    name = forms.CharField(
        label=_("Nom"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        help_text=_("Pour recevoir la confirmation et le lien qui permet d'annuler."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    seats = forms.IntegerField(label=_("Nombre de places"), min_value=1, max_value=5, initial=1)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Compte rendu"), widget=forms.Textarea(attrs={"rows": 10}), max_length=50000
    )


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Titre du document"), max_length=150)
    file = forms.FileField(label=_("Fichier (PDF, 10 Mo au plus)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("Le fichier dépasse 10 Mo."))
        if not upload.name.lower().endswith(".pdf") or upload.read(5) != b"%PDF-":
            raise forms.ValidationError(_("Déposez un document PDF."))
        upload.seek(0)
        return upload


class PanelForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=150)
    slug = forms.SlugField(
        label=_("Identifiant"),
        max_length=60,
        help_text=_("Partie de l'adresse de la page (ex. panel-mobilites)."),
    )
    description = forms.CharField(
        label=_("Présentation"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    size = forms.IntegerField(label=_("Taille du panel"), min_value=1, max_value=500)
    volunteers_close_at = forms.DateTimeField(
        label=_("Fin de l'appel aux volontaires (facultatif)"), required=False, widget=DATE_WIDGET
    )
    quotas_text = forms.CharField(
        label=_("Quotas"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_(
            "Une ligne d'en-tête « category,feature,min,max », puis une ligne par valeur d'une catégorie : "
            "« sexe,femme,5,7 » (au moins 5 femmes, au plus 7)."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _date_inputs(self, "volunteers_close_at")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("Cet identifiant est réservé aux pages de la mairie."))
        return slug


class VolunteerForm(HoneypotMixin):
    """A volunteer's name, contact and one choice per category of the panel's quotas (built from them)."""

    name = forms.CharField(
        label=_("Nom et prénom"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        required=False,
        help_text=_(
            "Une adresse électronique ou un téléphone, pour vous prévenir si vous êtes tiré·e au sort."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, quotas, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(quotas)
        for category, values in quotas.items():
            self.fields[f"c_{category}"] = forms.ChoiceField(
                label=category[:1].upper() + category[1:],
                choices=[("", _("— choisir —"))] + [(v, v) for v in values],
            )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not (cleaned.get("phone") or "").strip():
            self.add_error("email", _("Donnez une adresse électronique ou un téléphone pour être prévenu·e."))
        return cleaned

    def features(self) -> dict[str, str]:
        return {category: self.cleaned_data[f"c_{category}"] for category in self.categories}


class VolunteersFileForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier des volontaires (CSV)"),
        help_text=_("En-tête « id » puis une colonne par catégorie des quotas ; une ligne par volontaire."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("Le fichier dépasse 5 Mo."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("Le fichier doit être un CSV enregistré en UTF-8.")) from exc
