"""Input shape of the démarches' pages: a schema's fields bound to what was stored or posted, for the templates
(the form of a démarche is data, not a Django Form class), and the few fixed forms (start, track, messages,
instruction actions)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from beffroi.core.abuse import HoneypotMixin
from beffroi.procedures import schema
from beffroi.procedures.fields import (
    PAPER_PIECES,
    PAPER_SUFFIX,
    file_types,
    offered_places,
    parse_decimal,
    phone_display,
)
from beffroi.procedures.models import Dossier

ADDRESS_PARTS = ("street", "complement", "postcode", "city")
INPUT_TYPES = {
    "short_text": "text",
    "email": "email",
    "phone": "tel",
    "date": "date",
    "number": "text",
    "siret": "text",
    "siren": "text",
    "rna": "text",
    "iban": "text",
    "bic": "text",
    "commune": "text",
}
AUTOCOMPLETE = {
    "last_name": "family-name",
    "first_name": "given-name",
    "email": "email",
    "phone": "tel",
    "company_name": "organization",
    "association_name": "organization",
}


def _text(item: Mapping[str, Any], value: Any) -> str:
    """A stored value as the input shows it again."""
    if value is None:
        return ""
    kind = item["type"]
    if kind == "yes_no":
        return "oui" if value else "non"
    if kind == "number":
        number = parse_decimal(str(value))
        return str(value).replace(".", ",") if number is not None else str(value)
    if kind == "phone":
        return phone_display(str(value))
    return str(value)


def _condition_hint(item: Mapping[str, Any], fields_by_key: Mapping[str, Mapping[str, Any]]) -> str:
    condition = item.get("condition")
    if not condition:
        return ""
    target = fields_by_key.get(str(condition["field"]))
    if target is None:
        return ""
    wanted = condition["in"] if "in" in condition else [condition["equals"]]
    names = {str(c["key"]): str(c.get("label")) for c in target.get("choices", [])}
    names.update({"oui": gettext("Oui"), "non": gettext("Non")})
    answer = " / ".join(f"« {names.get(str(v), str(v))} »" for v in wanted)
    return gettext("À remplir seulement si vous avez répondu %(answer)s à « %(question)s ».") % {
        "answer": answer,
        "question": target.get("label", ""),
    }


def bind_field(
    item: Mapping[str, Any],
    *,
    name: str,
    stored: Any,
    posted: Mapping[str, list[str]] | None,
    errors: Mapping[str, str],
    places: Mapping[str, str],
    place_kinds: Mapping[str, str] | None = None,
    rows: Mapping[str, int] | None = None,
    hint: str = "",
    paper: bool = False,
) -> dict[str, Any]:
    """What the template needs to draw one field: its name, id, value(s) (posted again after an error, else
    stored), error, the list of places or choices, a repeat's rows."""
    kind = item["type"]
    bound: dict[str, Any] = {
        "item": item,
        "kind": kind,
        "name": name,
        "id": f"champ-{name}",
        "label": item.get("label", ""),
        "help": item.get("help", ""),
        "required": bool(item.get("required")),
        "error": errors.get(name, ""),
        "input_type": INPUT_TYPES.get(kind, "text"),
        "hint": hint,
        "condition": item.get("condition"),
        "autocomplete": AUTOCOMPLETE.get(item["key"], ""),
        "inputmode": "",
        "max_length": item.get("max_length") or 200,
        "unit": item.get("unit", ""),
        "condition_field": "",
        "condition_values": "",
        "preview": False,
        "text": "",
        "current": None,
    }
    condition = item.get("condition")
    if condition:
        wanted = condition["in"] if "in" in condition else [condition["equals"]]
        bound["condition_field"] = str(condition["field"])
        bound["condition_values"] = "|".join(str(v) for v in wanted)
    if kind == "number":
        bound["inputmode"] = "decimal"
    if kind in ("siret", "siren"):
        bound["inputmode"] = "numeric"
    if posted is not None and kind != "repeat":
        if kind == "address":
            bound["parts"] = {
                p: (posted.get(f"{name}-{p}") or [""])[0]
                for p in ("street", "complement", "postcode", "city", "lat", "lon")
            }
        else:
            bound["values"] = list(posted.get(name, []))
    else:
        if kind == "address":
            given = stored if isinstance(stored, Mapping) else {}
            bound["parts"] = {p: str(given.get(p) or "") for p in ADDRESS_PARTS} | {"lat": "", "lon": ""}
            point = given.get("point")
            if isinstance(point, Mapping) and point.get("source") == "carte":  # the applicant's own point
                bound["parts"].update(lat=str(point.get("lat", "")), lon=str(point.get("lon", "")))
        elif kind == "multiple_choice":
            bound["values"] = list(stored or [])
        elif kind != "repeat":
            bound["values"] = [_text(item, stored)] if stored is not None else []
    bound["value"] = (bound.get("values") or [""])[0]
    if kind in ("choice", "multiple_choice"):
        bound["choices"] = [
            {"key": c["key"], "label": c.get("label", c["key"])} for c in item.get("choices", [])
        ]
    if kind == "yes_no":
        bound["choices"] = [{"key": "oui", "label": gettext("Oui")}, {"key": "non", "label": gettext("Non")}]
    if kind == "place":
        bound["places"] = list(offered_places(item, places, place_kinds).items())
    if kind == "file":
        bound["current"] = stored if isinstance(stored, Mapping) else None
        bound["accept"] = ",".join(f".{t}" for t in file_types(item))
        bound["types"] = ", ".join(t.upper() for t in file_types(item))
        bound["max_mb"] = item.get("max_size_mb") or 10
        bound["paper"] = paper
        if paper:  # an agent filing for a resident: the piece may be seen on paper or come later
            if posted is not None:
                chosen = (posted.get(f"{name}-{PAPER_SUFFIX}") or [""])[0]
            else:
                chosen = str(stored.get("paper") or "") if isinstance(stored, Mapping) else ""
            bound["paper_name"] = f"{name}-{PAPER_SUFFIX}"
            bound["paper_choices"] = [
                {
                    "code": "",
                    "label": gettext("Fichier joint ci-dessus"),
                    "checked": chosen not in PAPER_PIECES,
                }
            ] + [
                {"code": code, "label": gettext(label), "checked": chosen == code}
                for code, label in PAPER_PIECES.items()
            ]
            if isinstance(stored, Mapping) and stored.get("paper"):
                bound["current"] = None
    if kind == "explanation":
        bound["text"] = item.get("text") or item.get("label", "")
    if kind == "repeat":
        stored_rows = list(stored or [])
        count = (rows or {}).get(item["key"])
        if count is None and posted is not None:
            try:
                count = int((posted.get(f"{name}-rows") or ["0"])[0])
            except ValueError:
                count = 0
        if count is None:
            count = len(stored_rows)
        count = max(count, int(item.get("min_rows") or 0), 1)
        count = min(count, int(item.get("max_rows") or schema.MAX_ROWS))
        bound["rows"] = []
        for index in range(count):
            previous = stored_rows[index] if index < len(stored_rows) else {}
            bound["rows"].append(
                {
                    "number": index + 1,
                    "index": index,
                    "fields": [
                        bind_field(
                            child,
                            name=schema.row_name(item["key"], index, child["key"]),
                            stored=previous.get(child["key"]),
                            posted=posted,
                            errors=errors,
                            places=places,
                            place_kinds=place_kinds,
                            paper=paper,
                        )
                        for child in item.get("fields", [])
                    ],
                }
            )
        bound["count"] = count
        bound["can_add"] = count < int(item.get("max_rows") or schema.MAX_ROWS)
        bound["can_remove"] = count > max(int(item.get("min_rows") or 0), 1)
        bound["row_label"] = item.get("row_label") or gettext("Ligne")
    return bound


def bind_section(
    section: Mapping[str, Any],
    *,
    form: Mapping[str, Any],
    answers: Mapping[str, Any],
    posted: Mapping[str, list[str]] | None,
    errors: Mapping[str, str],
    places: Mapping[str, str],
    place_kinds: Mapping[str, str] | None = None,
    rows: Mapping[str, int] | None = None,
    paper: bool = False,
) -> list[dict[str, Any]]:
    by_key = schema.field_map(form)
    return [
        bind_field(
            item,
            name=item["key"],
            stored=answers.get(item["key"]),
            posted=posted,
            errors=errors,
            places=places,
            place_kinds=place_kinds,
            rows=rows,
            hint=_condition_hint(item, by_key),
            paper=paper,
        )
        for item in section.get("fields", [])
    ]


# « Votre message », « Vos enfants »: a heading or label written to the resident, a noun phrase (no question).
_TO_THE_RESIDENT = re.compile(r"^(?:Votre|Vos)\s+(?P<thing>[^?!:«»]+?)\s*$")
_SECOND_PERSON = re.compile(r"\b(?:vous|votre|vos)\b", re.IGNORECASE)


def agent_wording(label: str) -> str:
    """A heading or label of the démarche's form as the agent filing for a resident reads it: « Votre message »
    becomes « Message du demandeur ». Only a second-person noun phrase is rewritten; a question (« Faites-vous
    appel à un déménageur ? ») and anything else is left as the commune wrote it."""
    found = _TO_THE_RESIDENT.match(label)
    if found is None or _SECOND_PERSON.search(found["thing"]):
        return label
    thing = found["thing"]
    return gettext("%(thing)s du demandeur") % {"thing": thing[:1].upper() + thing[1:]}


def agent_form(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The démarche's form as the counter page shows it to the agent (`agent_wording` on its section titles and
    labels, a block's fields too), and the labels so renamed (old → new), for the refusals that quote them."""
    worded = copy.deepcopy(dict(form))
    renamed: dict[str, str] = {}

    def reword(item: dict[str, Any], key: str) -> None:
        old = str(item.get(key) or "")
        new = agent_wording(old)
        if new != old:
            item[key] = renamed[old] = new

    for section in worded.get("sections", []):
        reword(section, "title")
        for item in section.get("fields", []):
            reword(item, "label")
            for child in item.get("fields", []):
                reword(child, "label")
    return worded, renamed


def agent_errors(errors: Mapping[str, str], renamed: Mapping[str, str]) -> dict[str, str]:
    """The refusals as the agent reads them: a label quoted (« Répondez à « Votre message ». ») under the name
    the agent's form gives it (`agent_form`)."""
    out = {}
    for name, message in errors.items():
        for old, new in renamed.items():
            message = message.replace(f"« {old} »", f"« {new} »")
        out[name] = message
    return out


def translated_identity(kind: str, *, email_required: bool = True) -> dict[str, Any]:
    """The identification section with its labels in the visitor's language."""
    form = schema.identity_schema(kind, email_required=email_required)
    for item in form["sections"][0]["fields"]:
        item["label"] = gettext(item["label"])
    form["sections"][0]["title"] = gettext("Identification")
    return form


def posted_lists(data: Any) -> dict[str, list[str]]:
    """A QueryDict as name → list of values (what the pure modules read)."""
    return {key: data.getlist(key) for key in data}


class StartForm(HoneypotMixin, forms.Form):
    applicant_kind = forms.ChoiceField(
        label=_("Vous faites cette demande en tant que"),
        widget=forms.RadioSelect,
        choices=Dossier.Kind.choices,
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["applicant_kind"])
        field.choices = [(k, v) for k, v in Dossier.Kind.choices if k in kinds]
        if len(kinds) == 1:
            field.initial = kinds[0]


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Code de suivi"),
        max_length=20,
        help_text=_("8 caractères, par exemple K7QH-3MZP, sur votre accusé de réception."),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, required=False
    )
    attachment = forms.FileField(
        label=_("Pièce jointe"),
        required=False,
        help_text=_("PDF, JPEG, PNG, OpenDocument ou Word, 10 Mo au plus."),
    )


class PiecesForm(forms.Form):
    pieces = forms.CharField(
        label=_("Pièces ou informations manquantes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_(
            "Le demandeur les lit dans le courriel et sur sa page de suivi ; le délai repart de zéro à leur réception."
        ),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Annotation privée"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Lue par les agents seulement."),
    )


class AssignForm(forms.Form):
    team = forms.ChoiceField(label=_("Service"), required=False)
    assignee = forms.ChoiceField(label=_("Agent"), required=False)

    def __init__(
        self, *args: Any, teams: list[tuple[str, str]], agents: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", gettext("— aucun —")), *teams]
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [("", gettext("— personne —")), *agents]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Décision"),
        widget=forms.RadioSelect,
        choices=[
            (Dossier.State.ACCEPTED.value, _("accepté")),
            (Dossier.State.REFUSED.value, _("refusé")),
            (Dossier.State.CLOSED.value, _("classé sans suite")),
        ],
    )
    template = forms.ChoiceField(
        label=_("Modèle de lettre"),
        required=False,
        help_text=_(
            "Choisissez un modèle puis « Préremplir avec ce modèle » : la lettre est remplie avec les champs du "
            "dossier, à relire et compléter avant d'enregistrer la décision."
        ),
    )
    # Both required, as the decision itself refuses them empty (services.dossier_decide): the labels say so.
    text = forms.CharField(
        label=_("Texte de la lettre"),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Rédigez la lettre de décision ou choisissez un modèle.")},
    )
    signatory = forms.CharField(
        label=_("Signataire"),
        max_length=200,
        help_text=_("Par exemple : Le maire, Jeanne Dupont."),
        error_messages={
            "required": _(
                "Indiquez le signataire de la décision, sa qualité puis son prénom et son nom séparés par une "
                "virgule (par exemple « Le maire, Jeanne Dupont »)."
            )
        },
    )

    def __init__(self, *args: Any, templates: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["template"]).choices = [
            ("", gettext("— aucun, je rédige —")),
            *templates,
        ]


# What services.dossier_file_for says of a mandate it refuses; the form says the same under its fields.
CHANNEL_REFUSED = _("Choisissez le canal : accueil, téléphone ou courrier.")
REQUESTER_TOO_LONG = _("Nommez la personne qui fait la demande en 200 caractères au plus.")


class CounterForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Canal"),
        widget=forms.RadioSelect,
        choices=[
            (Dossier.Channel.COUNTER.value, _("accueil de la mairie")),
            (Dossier.Channel.PHONE.value, _("téléphone")),
            (Dossier.Channel.MAIL.value, _("courrier")),
        ],
        initial=Dossier.Channel.COUNTER.value,
        error_messages={"required": CHANNEL_REFUSED, "invalid_choice": CHANNEL_REFUSED},
    )
    # The mandate (checked by services.dossier_file_for, whose refusal names `consent`): the applicant's
    # consent, and who made the request when it was not the applicant in person.
    consent = forms.BooleanField(
        label=_("Le demandeur accepte que la mairie dépose cette demande en son nom"),
        required=False,
        help_text=_("Son accord donné au guichet, au téléphone ou par son courrier signé."),
    )
    requester = forms.CharField(
        label=_("Demande faite par (si ce n'est pas le demandeur lui-même)"),
        required=False,
        max_length=200,
        error_messages={"max_length": REQUESTER_TOO_LONG},
        help_text=_("Par exemple : sa fille, Marie Dupont. Laissez vide si le demandeur fait la demande."),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        # ids as the error summary links them (#champ-consent), like the form's other fields
        kwargs.setdefault("auto_id", "champ-%s")
        super().__init__(*args, **kwargs)
