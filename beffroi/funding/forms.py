"""Input shape of the funding pages; amounts are written the French way ("12 500,50")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from beffroi.core.forms import AmountField as CoreAmountField
from beffroi.funding.models import CommuneZonage, FinancingLine, FinancingPlan

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class AmountField(CoreAmountField):
    """A euro amount to the cent, never negative, read by the one strict French parser (core.forms.AmountField:
    `1.5e3`, `1_000`, `100€`, other scripts' digits are refused with a sentence saying why)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("En euros, au centime près, par exemple 12 500,50."))
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class FinancingLineForm(forms.ModelForm):
    amount = AmountField(label=_("Montant (€)"))

    class Meta:
        model = FinancingLine
        fields = [
            "funder",
            "mechanism_code",
            "kind",
            "cost_nature",
            "amount",
            "status",
            "requested_on",
            "decided_on",
            "application_deadline",
        ]
        widgets = {
            "requested_on": DateInput(),
            "decided_on": DateInput(),
            "application_deadline": DateInput(),
            "mechanism_code": forms.Select(),
        }
        help_texts = {
            "kind": _("Un prêt est remboursé par la commune : il compte dans sa part propre."),
            "cost_nature": _(
                "La participation minimale du CGCT (art. L1111-10) ne porte que sur l'investissement."
            ),
            "application_deadline": _("Un rappel est envoyé au responsable du projet 14 jours avant."),
        }

    def __init__(self, *args, mechanisms=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, StrOrPromise]] = [("", _("— aucun dispositif du catalogue —"))]
        # The full name as on the catalogue's page, never a bare acronym (« AAP TID », « CPE »).
        choices += [(m.code, m.display_name) for m in mechanisms]
        self.fields["mechanism_code"] = forms.ChoiceField(
            label=_("Dispositif du catalogue"), choices=choices, required=False
        )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        requested, decided = data.get("requested_on"), data.get("decided_on")
        if requested and decided and decided < requested:
            self.add_error("decided_on", _("La date de la décision précède la date de la demande."))
        return data


class FinancingPlanForm(forms.ModelForm):
    class Meta:
        model = FinancingPlan
        fields = ["regime", "prefect_decision", "ctec_derogation"]


class CommuneZonageForm(forms.Form):
    """One yes / no / don't-know question per zonage of the catalogue's vocabulary."""

    def __init__(self, *args, vocabulary, initial_states: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for code, (label, _sentence) in vocabulary.zonages.items():
            self.fields[code] = forms.ChoiceField(
                label=label,
                help_text=vocabulary.zonage_help.get(code, ""),
                choices=CommuneZonage.State.choices,
                widget=forms.RadioSelect,
                initial=initial_states.get(code, CommuneZonage.State.UNKNOWN),
                error_messages={"required": _("Choisissez « Oui », « Non » ou « Je ne sais pas ».")},
            )
