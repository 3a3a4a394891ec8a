"""Forms of the data hub's pages: alert rules, acknowledging and closing an alert; messages in French."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from beffroi.core.models import Commune
from beffroi.datahub import selectors
from beffroi.datahub.models import AlertRule
from beffroi.datahub.services.alerts import RULE_FIELDS
from beffroi.territory.models import Team


class AlertRuleForm(forms.ModelForm):
    entity_type = forms.ChoiceField(label=_("Type d'équipement"))

    class Meta:
        model = AlertRule
        fields = list(RULE_FIELDS)
        help_texts = {
            "label": _("Ce que les agents liront, par exemple « Benne pleine »."),
            "attribute": _("Nom court de la mesure, par exemple fillingLevel, co2 ou waterConsumption."),
            "threshold": _(
                "Dans l'unité de la mesure (par heure pour une variation). Inutile pour « aucune mesure »."
            ),
            "duration_minutes": _(
                "Durée pendant laquelle la condition doit tenir (0 : immédiatement) ; pour « aucune mesure », "
                "le délai sans mesure ; pour une variation, la fenêtre (60 si 0)."
            ),
            "team": _("Le service prévenu par courriel à l'ouverture d'une alerte."),
        }

    def __init__(self, *args: Any, commune: Commune, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commune = commune
        types = selectors.entity_type_names(commune=commune)
        current = self.instance.entity_type if self.instance.pk else ""
        if current and current not in types:
            types.append(current)
        cast(forms.ChoiceField, self.fields["entity_type"]).choices = [("", "---------")] + [
            (t, t) for t in types
        ]
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = Team.objects.filter(commune=commune)
        self.fields["threshold"].localize = True
        self.fields["threshold"].widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def clean_attribute(self):
        return self.cleaned_data["attribute"].strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if kind and kind != AlertRule.Kind.NO_DATA and data.get("threshold") is None:
            self.add_error("threshold", _("Indiquez un seuil pour cette condition."))
        if kind == AlertRule.Kind.NO_DATA and not data.get("duration_minutes"):
            self.add_error(
                "duration_minutes", _("Indiquez après combien de minutes sans mesure l'alerte s'ouvre.")
            )
        entity_type, attribute = data.get("entity_type"), data.get("attribute")
        if entity_type and attribute:
            known = selectors.measured_attributes(commune=self.commune, entity_type=entity_type)
            if known and attribute not in known:
                self.add_error(
                    "attribute",
                    _(
                        "Aucun équipement de ce type ne transmet la mesure « %(name)s ». Mesures connues : %(known)s."
                    )
                    % {"name": attribute, "known": ", ".join(sorted(known))},
                )
        return data


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Ce qui a été fait"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez ce qui a été fait pour clore l'alerte.")},
    )
