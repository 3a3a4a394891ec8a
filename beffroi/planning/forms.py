"""Input shape of the planning pages."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beffroi.funding.forms import AmountField, DateInput
from beffroi.funding.selectors import vocabulary
from beffroi.planning import maturity
from beffroi.planning.models import Project, ProjectIndicator, ProjectPhase


class OwnerChoiceField(forms.ModelChoiceField):
    """A project owner, shown by name (by email when the account has no name)."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.email


class ProjectForm(forms.ModelForm):
    investment_budget = AmountField(label=_("Budget d'investissement (€)"), required=False)
    operating_budget = AmountField(
        label=_("Coût de fonctionnement annuel (€)"),
        required=False,
        help_text=_("Abonnements, maintenance, personnel : par an, en euros."),
    )
    themes = forms.MultipleChoiceField(
        label=_("Thématiques"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Servent à chercher les aides qui correspondent."),
    )

    class Meta:
        model = Project
        fields = [
            "title",
            "description",
            "status",
            "stage",
            "owner",
            "start_date",
            "end_date",
            "investment_budget",
            "operating_budget",
            "themes",
        ]
        field_classes = {"owner": OwnerChoiceField}
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        theme_choices: list[tuple[str, str]] = sorted(vocabulary().themes.items(), key=lambda kv: kv[1])
        cast(forms.MultipleChoiceField, self.fields["themes"]).choices = theme_choices
        owner = cast(OwnerChoiceField, self.fields["owner"])
        if owners is None and owner.queryset is not None:
            owners = owner.queryset.none()
        owner.queryset = owners

    def clean_investment_budget(self):
        return self.cleaned_data.get("investment_budget") or Decimal(0)

    def clean_operating_budget(self):
        return self.cleaned_data.get("operating_budget") or Decimal(0)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La date de fin ne peut pas précéder la date de début."))
        return data


class PhaseForm(forms.ModelForm):
    class Meta:
        model = ProjectPhase
        fields = ["title", "start_date", "end_date"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La date de fin ne peut pas précéder la date de début."))
        return data


class IndicatorForm(forms.ModelForm):
    """An indicator of a project; what it follows in the data hub is chosen among what the commune's sensors
    measure (`selectors.datahub_series`), in words, not typed as « Type/attribut »."""

    datahub_ref = forms.ChoiceField(
        label=_("Mesure suivie par les capteurs"),
        required=False,
        help_text=_(
            "La page du projet montre ce que mesurent les capteurs choisis : le total de la période pour un "
            "indicateur annuel ou mensuel, sinon le dernier relevé."
        ),
    )

    class Meta:
        model = ProjectIndicator
        fields = ["name", "unit", "baseline", "target", "target_date", "datahub_ref"]
        widgets = {"target_date": DateInput()}

    def __init__(self, *args: Any, series: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", gettext("— aucune : pas de capteur pour cet indicateur —")), *(series or [])]
        current = self.instance.datahub_ref if self.instance.pk else ""
        if current and current not in {value for value, _label in choices}:
            choices.append((current, current))  # followed before its sensors went away: kept as it is
        cast(forms.ChoiceField, self.fields["datahub_ref"]).choices = choices


class AssessmentForm(forms.Form):
    """One radio group (levels 0–4) per question and one optional number per indicator of the grid."""

    assessed_on = forms.DateField(
        label=_("Date du diagnostic"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, grid: maturity.Grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.grid = grid
        unlocked_by = grid.unlocked_by
        for domain in grid.domains:
            for question in domain.questions:
                help_text = question.help or ""
                if question.follow_up:
                    help_text = " ".join(
                        p
                        for p in (
                            str(
                                gettext(
                                    "Question complémentaire : répondez-y si la question %(code)s est au niveau 2 ou plus."
                                )
                                % {"code": unlocked_by.get(question.code) or gettext("précédente")}
                            ),
                            help_text,
                        )
                        if p
                    )
                self.fields[f"q_{question.code}"] = forms.ChoiceField(
                    label=f"{question.code}. {question.text}",
                    help_text=help_text,
                    choices=[
                        (str(value), f"{value} — {label}") for value, label in enumerate(question.levels)
                    ],
                    widget=forms.RadioSelect,
                    required=not question.follow_up,
                    error_messages={"required": _("Choisissez un niveau pour cette question.")},
                )
            for indicator in domain.indicators:
                label = indicator.label + (
                    f" ({indicator.unit})" if indicator.unit and indicator.scoring != "yes_no" else ""
                )
                help_parts = [
                    p
                    for p in (indicator.definition, indicator.source and f"Source : {indicator.source}")
                    if p
                ]
                if indicator.scoring == "yes_no":
                    self.fields[f"i_{indicator.code}"] = forms.ChoiceField(
                        label=label,
                        help_text=" ".join(help_parts),
                        required=False,
                        choices=[
                            ("oui", gettext("Oui")),
                            ("non", gettext("Non")),
                            ("", gettext("Je ne sais pas")),
                        ],
                        widget=forms.RadioSelect,
                    )
                else:
                    # The bounds of maturity.indicator_score, checked on the field so that the error names it.
                    self.fields[f"i_{indicator.code}"] = forms.DecimalField(
                        label=label,
                        help_text=" ".join(help_parts),
                        required=False,
                        max_digits=16,
                        decimal_places=0 if indicator.scoring == "level" else 3,
                        min_value=0,
                        max_value={"percent": 100, "level": 4}.get(indicator.scoring or ""),
                    )

    def sections(self):
        """(domain, question fields, indicator fields) for the template."""
        for domain in self.grid.domains:
            yield (
                domain,
                [self[f"q_{q.code}"] for q in domain.questions],
                [self[f"i_{i.code}"] for i in domain.indicators],
            )

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            "questions": {
                q.code: int(data[f"q_{q.code}"])
                for d in self.grid.domains
                for q in d.questions
                if data.get(f"q_{q.code}") not in (None, "")
            },
            "indicators": {
                i.code: str(data[f"i_{i.code}"])
                for d in self.grid.domains
                for i in d.indicators
                if data.get(f"i_{i.code}") not in (None, "")
            },
        }


def assessment_initial(grid: maturity.Grid, facts: dict) -> dict:
    """Form values of the indicators the platform already knows (the form has fields for domain indicators)."""
    fields = {i.code for d in grid.domains for i in d.indicators}
    known = maturity.prefill_indicators(grid, facts)
    return {f"i_{code}": value for code, value in known.items() if code in fields}
