"""Input shape of the planning pages."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from beffroi.funding.forms import AmountField, DateInput
from beffroi.funding.selectors import vocabulary
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
    class Meta:
        model = ProjectIndicator
        fields = ["name", "unit", "baseline", "target", "target_date", "datahub_ref"]
        widgets = {"target_date": DateInput()}
