"""Input shape of the participatory budget's pages. The ballot itself is read by `parse_ballot` (one input per
project, built from the budget's ballot type) so that the page works as a plain form post."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from beffroi.budgeting.models import CATEGORIES, BallotType, Budget, PaperBallotKind, Project, SubBudget
from beffroi.budgeting.services.budgets import BUDGET_FIELDS
from beffroi.core.abuse import HoneypotMixin
from beffroi.core.forms import AmountField, resident_picture_fields

if TYPE_CHECKING:
    from beffroi.territory.models import Place

MAX_EUROS = Decimal(2**31 - 1)  # the largest amount the budget's amount columns hold (PositiveIntegerField)

DATE_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BudgetForm(forms.ModelForm):
    # Amounts in whole euros, typed the French way (« 150 000 »), read strictly by core.forms.AmountField.
    total_amount = AmountField(cents=False, maximum=MAX_EUROS, label=_("Montant total (euros)"))
    cost_limit = AmountField(
        cents=False,
        maximum=MAX_EUROS,
        required=False,
        label=_("Montant maximum du panier (euros)"),
        help_text=_("Bulletin « panier » : par défaut, le montant total du budget."),
    )

    class Meta:
        model = Budget
        fields = list(BUDGET_FIELDS)
        widgets = {
            "ideas_open_at": DATE_WIDGET,
            "ideas_close_at": DATE_WIDGET,
            "vote_open_at": DATE_WIDGET,
            "vote_close_at": DATE_WIDGET,
            "followup_at": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "slug": _("Partie de l'adresse de la page (ex. bp-2026)."),
            "rule": _(
                "Parts égales : l'argent est partagé à égalité entre les votants, et chaque projet est payé avec "
                "les parts de ceux qui l'ont choisi, si elles y suffisent ; les parts sont ensuite augmentées pour "
                "dépenser le plus possible, mais une partie de l'argent peut rester non attribuée. Un projet très "
                "soutenu par un même groupe ne prend pas tout. Au plus grand nombre de voix : les projets les plus "
                "soutenus d'abord, tant que l'argent suffit."
            ),
        }

    def __init__(self, *args, commune, **kwargs):
        self.commune = commune
        super().__init__(*args, **kwargs)
        # the rules' registry as it is now (the class attribute was built when the module was imported)
        cast(forms.ChoiceField, self.fields["rule"]).choices = Budget._meta.get_field("rule").choices or []
        for name in ("ideas_open_at", "ideas_close_at", "vote_open_at", "vote_close_at", "followup_at"):
            cast(forms.DateTimeField, self.fields[name]).input_formats = [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
                "%d/%m/%Y %H:%M",
            ]

    DATE_FIELDS = ("ideas_open_at", "ideas_close_at", "vote_open_at", "vote_close_at", "followup_at")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug == "gestion":
            raise forms.ValidationError(_("« gestion » est réservé aux pages des agents."))
        others = Budget.objects.filter(commune=self.commune, slug=slug)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Un autre budget de la commune a déjà cet identifiant."))
        return slug

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        # The page shows dates to the minute: a date sent back as shown is the stored instant, not a change
        # (otherwise every save would move the stored dates to the minute and record them as modified).
        for name in self.DATE_FIELDS:
            stored, sent = self.initial.get(name), cleaned.get(name)
            if stored is not None and sent is not None and stored.replace(second=0, microsecond=0) == sent:
                cleaned[name] = stored
        order = ["ideas_open_at", "ideas_close_at", "vote_open_at", "vote_close_at"]
        dates = [(name, cleaned[name]) for name in order if cleaned.get(name)]
        for (_a, first), (b, second) in zip(dates, dates[1:], strict=False):
            if second < first:
                self.add_error(b, _("Les phases doivent se suivre : cette date précède la précédente."))
        min_c, max_c = cleaned.get("min_choices"), cleaned.get("max_choices")
        if min_c is not None and max_c is not None and max_c < min_c:
            self.add_error("max_choices", _("Le maximum doit être au moins égal au minimum."))
        return cleaned


class IdeaForm(forms.Form):
    title = forms.CharField(label=_("Titre de votre idée"), max_length=150)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ce que vous proposez, pour qui, et pourquoi."),
    )
    # An empty first choice: a preselected category would be filed by people who never chose one.
    category = forms.ChoiceField(label=_("Catégorie"), choices=[("", _("— choisir —")), *CATEGORIES])
    place: forms.ModelChoiceField[Place] = forms.ModelChoiceField(
        label=_("Lieu"), queryset=None, required=False, empty_label=_("— autre lieu ou toute la commune —")
    )
    location = forms.CharField(
        label=_("Précisez le lieu"),
        max_length=200,
        required=False,
        help_text=_("Par exemple : au bout de la rue des Écoles, devant la boulangerie."),
    )
    estimated_cost = forms.IntegerField(
        label=_("Coût estimé (en euros)"),
        min_value=1,
        required=False,
        help_text=_(
            "Si vous avez une idée du coût. Sinon, laissez vide : les services de la mairie l'estimeront "
            "pendant l'instruction."
        ),
    )
    sub_budget: forms.ModelChoiceField[SubBudget] = forms.ModelChoiceField(
        label=_("Enveloppe"), queryset=None, required=False
    )
    picture, picture_alt = resident_picture_fields()
    author_name = forms.CharField(
        label=_("Votre nom"),
        max_length=100,
        required=False,
        help_text=_("Vu seulement par les agents de la mairie."),
    )
    contact_email = forms.EmailField(
        label=_("Votre adresse électronique"),
        required=False,
        help_text=_("Pour que la mairie puisse vous poser une question sur votre idée. Jamais publiée."),
    )

    def __init__(self, *args, commune, budget, anonymous: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not anonymous:
            del self.fields["author_name"]
            del self.fields["contact_email"]
        from beffroi.territory.models import Place

        cast(forms.ModelChoiceField, self.fields["place"]).queryset = Place.objects.filter(commune=commune)
        subs = budget.sub_budgets.all()
        if subs.exists():
            cast(forms.ModelChoiceField, self.fields["sub_budget"]).queryset = subs
        else:
            del self.fields["sub_budget"]


class HoneypotForm(HoneypotMixin):
    """The trap field alone (core.abuse.HoneypotMixin): invalid when a robot filled it in."""


class AssessForm(forms.Form):
    DECISIONS = [
        ("feasible", _("réalisable : soumise au vote")),
        ("infeasible", _("non réalisable")),
        ("merge", _("fusionner avec une autre idée")),
    ]
    outcome = forms.ChoiceField(label=_("Décision"), choices=DECISIONS, widget=forms.RadioSelect)
    final_cost = forms.IntegerField(
        label=_("Coût retenu (en euros)"),
        min_value=1,
        required=False,
        help_text=_("Laisser vide pour garder le coût estimé."),
    )
    merge_into: forms.ModelChoiceField[Project] = forms.ModelChoiceField(
        label=_("Fusionner avec"), queryset=None, required=False
    )
    decision = forms.CharField(
        label=_("Décision motivée (publiée)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Expliquez la décision aux habitants : faisabilité, coût, compétence de la commune…"),
    )

    sub_budget: forms.ModelChoiceField[SubBudget] = forms.ModelChoiceField(
        label=_("Enveloppe"),
        queryset=None,
        required=False,
        empty_label=_("— hors enveloppe (budget général) —"),
        help_text=_(
            "Le projet sera départagé avec les autres projets de cette enveloppe, dans la limite de son montant."
        ),
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["merge_into"]).queryset = Project.objects.filter(
            budget=project.budget
        ).exclude(pk=project.pk)
        subs = SubBudget.objects.filter(budget=project.budget)
        if subs.exists():
            cast(forms.ModelChoiceField, self.fields["sub_budget"]).queryset = subs
        else:
            del self.fields["sub_budget"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("outcome") == "merge" and not cleaned.get("merge_into"):
            self.add_error("merge_into", _("Choisissez l'idée qui reçoit celle-ci."))
        return cleaned


class CodesForm(forms.Form):
    count = forms.IntegerField(label=_("Nombre de codes à imprimer"), min_value=1, max_value=2000, initial=50)
    batch = forms.CharField(
        label=_("Nom du lot"),
        max_length=40,
        required=False,
        help_text=_("Par exemple : envoi postal, quartier nord."),
    )
    eligible_only = forms.BooleanField(
        label=_(
            "Ces codes seront remis uniquement aux habitants éligibles, vérifiés sur la liste de la mairie"
        ),
        required=False,
    )

    def __init__(self, *args, budget: Budget | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if budget is not None and budget.min_age:
            self.fields["eligible_only"].required = True
            self.fields["eligible_only"].label = _(
                "Ces codes seront remis uniquement aux habitants de %(age)d ans et plus, vérifiés sur la liste "
                "de la mairie"
            ) % {"age": budget.min_age}


class CounterForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse électronique du compte de la personne"),
        help_text=_("Vérifiez son identité et son domicile avant de valider."),
    )
    identite = forms.BooleanField(label=_("J'ai vu sa pièce d'identité"), required=True)
    domicile = forms.BooleanField(
        label=_("J'ai vu un justificatif de domicile dans la commune"), required=True
    )
    age = forms.BooleanField(required=True)

    def __init__(self, *args, budget: Budget, **kwargs):
        super().__init__(*args, **kwargs)
        if budget.min_age:
            self.fields["age"].label = _("La pièce d'identité montre qu'elle a au moins %(age)d ans") % {
                "age": budget.min_age
            }
        else:
            del self.fields["age"]

    @property
    def checks(self) -> list[str]:
        return [name for name in ("identite", "domicile", "age") if self.cleaned_data.get(name)]


class SubBudgetForm(forms.Form):
    name = forms.CharField(
        label=_("Quartier ou catégorie"), max_length=100, help_text=_("Par exemple : quartier nord, nature.")
    )
    amount = AmountField(cents=False, maximum=MAX_EUROS, label=_("Montant réservé (en euros)"))


class VotingCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code de vote"),
        max_length=20,
        help_text=_("Le code imprimé reçu de la mairie, ex. ABCD-EFGH-JKMN."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class PaperKindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Ce bulletin papier est"),
        choices=PaperBallotKind.choices,
        initial=PaperBallotKind.VALID,
        required=False,  # a ballot sent without saying is a valid one (the page always sends it)
        widget=forms.RadioSelect,
        help_text=_(
            "Blanc : aucun projet choisi. Nul : bulletin déchiré, annoté ou qui ne respecte pas les règles (trop "
            "de projets, panier trop cher). Blancs et nuls comptent dans la participation, pas dans le résultat."
        ),
    )

    def clean_kind(self):
        return self.cleaned_data["kind"] or PaperBallotKind.VALID


class CloseForm(forms.Form):
    """Closing the vote: paper ballots still pending are set aside only on purpose, with the reason."""

    set_aside = forms.BooleanField(
        label=_("J'écarte du dépouillement les bulletins papier non rapprochés listés ci-dessus"),
        required=False,
    )
    reason = forms.CharField(
        label=_("Pourquoi ces bulletins sont-ils écartés ?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Publié avec les résultats. Par exemple : bulletins illisibles, second agent indisponible."
        ),
    )

    def __init__(self, *args, pending: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = pending
        if not pending:
            del self.fields["set_aside"]
            del self.fields["reason"]
            return
        # With ballots pending, closing needs both: the page says so ("obligatoire") and each error says why.
        self.fields["set_aside"].required = True
        self.fields["set_aside"].error_messages["required"] = _(
            "Des bulletins papier ne sont pas rapprochés : terminez leur double saisie, ou cochez cette "
            "case et indiquez pourquoi vous les écartez."
        )
        self.fields["reason"].required = True
        self.fields["reason"].error_messages["required"] = _(
            "Indiquez pourquoi ces bulletins sont écartés : la raison sera publiée."
        )


class PaperNumberForm(forms.Form):
    paper_number = forms.IntegerField(label=_("Numéro du bulletin papier"), min_value=1)


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("Où en est le projet ?"), widget=forms.Textarea(attrs={"rows": 3}))
    progress = forms.IntegerField(label=_("Avancement (%)"), min_value=0, max_value=100, initial=0)
    delivered = forms.BooleanField(label=_("Le projet est réalisé"), required=False)


def parse_ballot(budget: Budget, projects, data) -> tuple[dict[int, int], list[str]]:
    """The choices posted for `projects` under the budget's ballot type, and input-shape errors (French)."""
    choices: dict[int, int] = {}
    errors: list[str] = []
    kind = budget.ballot_type
    if kind in (BallotType.APPROVAL, BallotType.BASKET):
        chosen = set(data.getlist("project"))
        for p in projects:
            if str(p.pk) in chosen:
                choices[p.pk] = 1
        return choices, errors
    prefix = "points" if kind == BallotType.CUMULATIVE else "rank"
    for p in projects:
        raw = (data.get(f"{prefix}-{p.pk}") or "").strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError:
            errors.append(
                str(_("« %(value)s » n'est pas un nombre entier (projet « %(title)s »)."))
                % {"value": raw, "title": p.title}
            )
            continue
        if value < 0:
            errors.append(str(_("Pas de nombre négatif (projet « %(title)s »).")) % {"title": p.title})
            continue
        if value:
            choices[p.pk] = value
    return choices, errors


def ballot_rows(projects: Iterable[Project], choices: dict[int, int]) -> list[dict[str, Any]]:
    """One row per project of the ballot paper, with the value chosen for it (0: none), for the ballot inputs."""
    return [{"project": p, "value": choices.get(p.pk, 0)} for p in projects]


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's `ValidationError` on the form: each error on its field when the form has it, the others
    at the top; the values already typed stay in the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
