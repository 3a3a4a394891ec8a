"""Input shape of the commune's own configuration of Signalements: categories (with their extra questions, the
Open311 attributes), the state table and the reply templates. Rules that need the database live in services.

The extra questions are edited as one structured textarea, one question a line:

    code | libellé | type | obligatoire | choix (clé=nom ; clé=nom) | aide

so the page works without JavaScript and a whole set of questions can be copied from one category to another.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beffroi.reports.models import State

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from beffroi.territory.models import Team

# French word typed by the administrator → Open311 datatype stored in Category.questions.
TYPE_WORDS = {
    "texte": "string",
    "texte long": "text",
    "nombre": "number",
    "date": "datetime",
    "choix unique": "singlevaluelist",
    "choix multiple": "multivaluelist",
    "choix multiples": "multivaluelist",
}
TYPE_NAMES = {
    "string": "texte",
    "text": "texte long",
    "number": "nombre",
    "datetime": "date",
    "singlevaluelist": "choix unique",
    "multivaluelist": "choix multiples",
}
REQUIRED_WORDS = {"obligatoire": True, "oui": True, "facultatif": False, "non": False, "": False}
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def questions_format(questions: list[dict]) -> str:
    """The textarea text of stored questions (inverse of questions_parse)."""
    lines = []
    for q in questions:
        choices = " ; ".join(f"{c['key']}={c.get('name', c['key'])}" for c in q.get("choices", []))
        parts = [
            q["code"],
            q.get("label", ""),
            TYPE_NAMES.get(q.get("type", "string"), "texte"),
            "obligatoire" if q.get("required") else "facultatif",
            choices,
            q.get("help", ""),
        ]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def questions_parse(text: str) -> list[dict]:
    """Parse the textarea; raise forms.ValidationError with one French message per faulty line."""
    questions: list[dict] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (6 - len(parts))
        code, label, type_word, required_word, choices_text, help_text = parts[:6]
        prefix = _("Ligne %(n)s : ") % {"n": number}
        if len(parts) > 6:
            errors.append(prefix + _("six colonnes au plus, séparées par « | »."))
            continue
        code = code.lower()
        if not CODE_RE.match(code):
            errors.append(
                prefix
                + _(
                    "le code « %(code)s » doit être fait de lettres minuscules sans accent, de chiffres et de tirets."
                )
                % {"code": code}
            )
            continue
        if code in seen:
            errors.append(
                prefix + _("le code « %(code)s » est déjà utilisé par une autre question.") % {"code": code}
            )
            continue
        seen.add(code)
        if not label:
            errors.append(prefix + _("indiquez le libellé de la question, après le code."))
            continue
        type_key = type_word.lower() or "texte"
        kind = TYPE_WORDS.get(type_key) or (type_key if type_key in TYPE_NAMES else None)
        if kind is None:
            errors.append(
                prefix
                + _("type « %(type)s » inconnu ; choisissez parmi : %(types)s.")
                % {"type": type_word, "types": ", ".join(TYPE_NAMES.values())}
            )
            continue
        if required_word.lower() not in REQUIRED_WORDS:
            errors.append(prefix + _("écrivez « obligatoire » ou « facultatif » dans la quatrième colonne."))
            continue
        choices = []
        for item in (c.strip() for c in choices_text.split(";")):
            if not item:
                continue
            key, _sep, name = item.partition("=")
            key, name = key.strip(), (name.strip() or key.strip())
            if not key:
                errors.append(prefix + _("chaque choix s'écrit clé=nom."))
                break
            choices.append({"key": key, "name": name})
        else:
            keys = [c["key"] for c in choices]
            if len(set(keys)) != len(keys):
                errors.append(prefix + _("deux choix ont la même clé."))
                continue
            if kind in ("singlevaluelist", "multivaluelist") and len(choices) < 2:
                errors.append(
                    prefix + _("une question à choix demande au moins deux choix (clé=nom ; clé=nom).")
                )
                continue
            if kind not in ("singlevaluelist", "multivaluelist") and choices:
                errors.append(prefix + _("seules les questions à choix ont des choix."))
                continue
            question = {
                "code": code,
                "label": label[:200],
                "type": kind,
                "required": REQUIRED_WORDS[required_word.lower()],
            }
            if help_text:
                question["help"] = help_text[:300]
            if choices:
                question["choices"] = choices
            questions.append(question)
    if errors:
        raise forms.ValidationError(errors)
    return questions


class CategoryConfigForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom"), max_length=120)
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=60,
        help_text=gettext_lazy(
            "Identifiant court, sans espace ni accent (par exemple : eclairage-public). Les applications "
            "qui envoient des signalements à la commune le connaissent : évitez de le changer une fois publié."
        ),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        label=gettext_lazy("Service destinataire"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("— aucun service —"),
        help_text=gettext_lazy("Les nouveaux signalements de cette catégorie arrivent dans sa file."),
    )
    order = forms.IntegerField(
        label=gettext_lazy("Ordre d'affichage"), min_value=0, initial=0, required=False
    )
    active = forms.BooleanField(
        label=gettext_lazy("Active (proposée aux habitants et dans Open311)"), required=False, initial=True
    )
    questions = forms.CharField(
        label=gettext_lazy("Questions complémentaires"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Une question par ligne : code | libellé | type | obligatoire ou facultatif | choix | aide. "
            "Types : texte, texte long, nombre, date, choix unique, choix multiples. Choix : clé=nom ; clé=nom. "
            "Exemple : danger | Est-ce dangereux ? | choix unique | obligatoire | oui=Oui ; non=Non"
        ),
    )

    def __init__(self, *args: Any, teams: QuerySet[Team] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams

    def clean_questions(self):
        return questions_parse(self.cleaned_data.get("questions", ""))

    @staticmethod
    def initial_for(category) -> dict:
        return {
            "name": category.name,
            "code": category.code,
            "description": category.description,
            "team": category.team_id,
            "order": category.order,
            "active": category.active,
            "questions": questions_format(category.questions),
        }


class StateConfigForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Libellé"), max_length=80)
    kind = forms.ChoiceField(
        label=gettext_lazy("Nature"),
        choices=State.Kind.choices,
        help_text=gettext_lazy(
            "« En cours de traitement » = ouvert, « clos » = fermé (statut Open311 open / closed)."
        ),
    )
    order = forms.IntegerField(label=gettext_lazy("Ordre"), min_value=0, initial=100)
    is_initial = forms.BooleanField(
        label=gettext_lazy("État initial (celui des nouveaux signalements)"), required=False
    )


class ReplyTemplateConfigForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=120)
    body = forms.CharField(
        label=gettext_lazy("Texte"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Texte proposé aux agents pour leurs réponses publiques."),
    )
