"""Forms of the data hub's pages: alert rules, acknowledging and closing an alert; messages in French."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from beffroi.core.forms import CoordinateField, FrenchDecimalField
from beffroi.core.models import Commune
from beffroi.datahub import labels, selectors
from beffroi.datahub.models import AlertRule
from beffroi.datahub.services.alerts import RULE_FIELDS
from beffroi.territory.models import Team


class AlertRuleForm(forms.ModelForm):
    """An alert rule, typed by choosing: the equipment types the commune has and the measurements they
    transmit, in French (a mistyped measurement would be a rule that never fires)."""

    entity_type = forms.ChoiceField(
        label=_("Type d'équipement"),
        error_messages={"invalid_choice": _("Choisissez un type d'équipement de la liste.")},
    )
    attribute = forms.ChoiceField(
        label=_("Mesure surveillée"),
        error_messages={"invalid_choice": _("Choisissez une mesure de la liste.")},
    )

    class Meta:
        model = AlertRule
        fields = list(RULE_FIELDS)
        # « 1 500 » or « 0,4 », as the rules' list prints thresholds.
        field_classes = {"threshold": FrenchDecimalField}
        help_texts = {
            "label": _("Ce que les agents liront, par exemple « Benne pleine »."),
            "attribute": _("Les mesures que transmettent les équipements de chaque type."),
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
        cast(forms.ChoiceField, self.fields["entity_type"]).choices = [("", "---------")] + sorted(
            ((t, str(labels.type_label(t))) for t in types), key=lambda choice: choice[1].casefold()
        )
        # One group per type of what its equipment transmits, so the list says which type measures what.
        self.measured = selectors.measured_attributes_by_type(commune=commune)
        groups: list[Any] = [("", "---------")]
        for kind, names in sorted(self.measured.items(), key=lambda item: str(labels.type_label(item[0]))):
            groups.append((str(labels.type_label(kind)), _measure_choices(names)))
        attribute = self.instance.attribute if self.instance.pk else ""
        if attribute and not any(attribute in names for names in self.measured.values()):
            groups.append((str(_("Mesure de la règle")), _measure_choices({attribute})))
        cast(forms.ChoiceField, self.fields["attribute"]).choices = groups
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = Team.objects.filter(commune=commune)
        # The threshold is typed and shown in the unit a person reads (a filling level stored as 0.95 is 95 %),
        # and the field says which unit.
        self.units = selectors.measure_units(commune=commune)
        self.fields["threshold"].help_text = self._threshold_help()
        stored = self.initial.get("threshold")
        if self.instance.pk and stored is not None:
            scale = self._percent_scale(self.instance.entity_type, self.instance.attribute) or 1.0
            self.initial["threshold"] = _as_typed(stored * scale)

    def _unit_code(self, entity_type: str, attribute: str) -> str:
        return self.units.get((entity_type, attribute), "")

    def _percent_scale(self, entity_type: str, attribute: str) -> float | None:
        return labels.percent_scale(attribute, self._unit_code(entity_type, attribute))

    def _threshold_help(self) -> str:
        """The unit of the rule's measurement when the form knows it (a rule edited or sent back), else the
        unit of each measurement the commune's equipment transmits."""
        if self.is_bound:
            entity_type, attribute = self.data.get("entity_type", ""), self.data.get("attribute", "")
        else:
            entity_type, attribute = self.instance.entity_type, self.instance.attribute
        tail = str(_("Par heure pour une variation ; inutile pour « aucune mesure »."))
        if entity_type and attribute in self.measured.get(entity_type, set()):
            unit = labels.unit_shown(attribute, self._unit_code(entity_type, attribute))
            if self._percent_scale(entity_type, attribute) is not None:
                return _("En %(unit)s, de 0 à 100 : 95 pour 95 %(unit)s.") % {"unit": unit} + " " + tail
            if unit:
                return _("En %(unit)s.") % {"unit": unit} + " " + tail
            return _("Sans unité (un nombre).") + " " + tail
        units = [
            _("%(measure)s en %(unit)s")
            % {
                "measure": labels.attribute_label(name),
                "unit": labels.unit_shown(name, self._unit_code(kind, name)),
            }
            for kind, names in sorted(self.measured.items())
            for name in sorted(names)
            if labels.unit_shown(name, self._unit_code(kind, name))
        ]
        if units:
            return (
                _("Dans l'unité de la mesure : %(units)s.") % {"units": ", ".join(dict.fromkeys(units))}
                + " "
                + tail
            )
        return _("Dans l'unité de la mesure.") + " " + tail

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        # A threshold typed but refused already has its error: no second one saying it is missing.
        if (
            kind
            and kind != AlertRule.Kind.NO_DATA
            and data.get("threshold") is None
            and "threshold" not in self.errors
        ):
            self.add_error("threshold", _("Indiquez un seuil pour cette condition."))
        if kind == AlertRule.Kind.NO_DATA and not data.get("duration_minutes"):
            self.add_error(
                "duration_minutes", _("Indiquez après combien de minutes sans mesure l'alerte s'ouvre.")
            )
        entity_type, attribute = data.get("entity_type"), data.get("attribute")
        typed = data.get("threshold")  # a Decimal, exactly as typed
        threshold = float(typed) if typed is not None else None
        data["threshold"] = threshold
        scale = self._percent_scale(entity_type, attribute) if entity_type and attribute else None
        if scale is not None and typed is not None and threshold is not None:
            if not 0 <= threshold <= 100:
                self.add_error(
                    "threshold",
                    _("Un pourcentage va de 0 à 100 : indiquez par exemple 95 pour 95 %(unit)s.")
                    % {"unit": "%"},
                )
            else:
                # Stored as the sensors send it, as typed: 95,3 % is 0.953, not 0.9530000000000001.
                data["threshold"] = float(typed / Decimal(repr(scale)))
        if entity_type and attribute:
            known = self.measured.get(entity_type, set())
            if attribute not in known:
                words = {
                    "type": labels.type_label(entity_type),
                    "name": labels.attribute_label(attribute),
                    "known": ", ".join(label for _name, label in _measure_choices(known)),
                }
                self.add_error(
                    "attribute",
                    _(
                        "Aucun équipement de type « %(type)s » ne transmet la mesure « %(name)s » : "
                        "la règle ne se déclencherait jamais. Mesures transmises : %(known)s."
                    )
                    % words
                    if known
                    else _(
                        "Aucun équipement de type « %(type)s » ne transmet encore de mesure : "
                        "la règle ne se déclencherait jamais."
                    )
                    % words,
                )
        return data


def _as_typed(value: float) -> float | int:
    """A stored threshold as a person would have typed it: 0.95 × 100 is 95, not 95.00000000000001 or « 95,0 »."""
    value = round(value, 9)
    return int(value) if value.is_integer() else value


def _measure_choices(names: set[str]) -> list[tuple[str, str]]:
    """(short name, French label) of measurements, by label."""
    return sorted(
        ((name, str(labels.attribute_label(name))) for name in names), key=lambda choice: choice[1].casefold()
    )


class AssetForm(forms.Form):
    """An asset of the commune's inventory (administrators): its name, its type (when added), where it stands
    and whether residents see it."""

    name = forms.CharField(
        label=_("Nom"),
        max_length=200,
        help_text=_(
            "Ce que liront les agents et les habitants, par exemple « Lampadaire place de l'Église »."
        ),
        error_messages={"required": _("Indiquez le nom du capteur.")},
    )
    kind = forms.ChoiceField(
        label=_("Type d'équipement"),
        error_messages={
            "required": _("Choisissez le type d'équipement."),
            "invalid_choice": _("Choisissez un type d'équipement de la liste."),
        },
    )
    latitude = CoordinateField(
        "latitude", typed=True, label=_("Latitude"), help_text=_("En degrés décimaux, par exemple 47,3191.")
    )
    longitude = CoordinateField(
        "longitude", typed=True, label=_("Longitude"), help_text=_("En degrés décimaux, par exemple 4,8247.")
    )
    is_public = forms.BooleanField(
        label=_("Publier ce capteur"),
        required=False,
        help_text=_(
            "Les habitants le voient, avec ses mesures, sur la page publique des données, et les logiciels "
            "qui lisent les données ouvertes de la commune le voient sans clé."
        ),
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is None:  # an asset's type is chosen when it is added, not changed afterwards
            del self.fields["kind"]
        else:
            cast(forms.ChoiceField, self.fields["kind"]).choices = [("", "---------"), *kinds]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not self.errors:
            # The error goes on the empty field, the one to fill in (or the other one to empty).
            missing = "longitude" if data.get("longitude") is None else "latitude"
            self.add_error(missing, _("Indiquez la latitude et la longitude, ou aucune des deux."))
        for axis in ("latitude", "longitude"):  # the services write the point as JSON numbers
            if data.get(axis) is not None:
                data[axis] = float(data[axis])
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
