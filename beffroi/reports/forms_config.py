"""Input shape of the commune's own configuration of Signalements: categories (with their extra questions, the
Open311 attributes), the state table and the reply templates. Rules that need the database live in services.

The extra questions are edited as rows, one question a row (`QuestionFormSet`): its wording, its kind in words,
whether an answer is required, the options of a list (one a line) and a help text. The page works without
JavaScript: adding a row and moving one are buttons that send the page and get it back as typed. What is stored
is the shape `reports.questions` reads; the codes (question and choice) are made from the wording when a question
or a choice is created and kept afterwards, since answers and Open311 clients use them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beffroi.core.annotations import JSONObject
from beffroi.core.text import code_from_label
from beffroi.reports.models import State
from beffroi.reports.questions import choices_from_names

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from beffroi.territory.models import Team

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
LIST_TYPES = ("singlevaluelist", "multivaluelist")
# « Oui ou non » is offered as a kind of its own; it is stored as a single-choice list of these two choices.
YES_NO = "yesno"
YES_NO_CHOICES: list[JSONObject] = [{"key": "oui", "name": "Oui"}, {"key": "non", "name": "Non"}]
KIND_CHOICES = [
    ("string", gettext_lazy("Texte court (une ligne)")),
    ("text", gettext_lazy("Texte long (plusieurs lignes)")),
    ("number", gettext_lazy("Nombre")),
    ("datetime", gettext_lazy("Date")),
    (YES_NO, gettext_lazy("Oui ou non")),
    ("singlevaluelist", gettext_lazy("Une réponse dans une liste")),
    ("multivaluelist", gettext_lazy("Plusieurs réponses dans une liste")),
]
QUESTION_ACTION = re.compile(r"^(add|up|down)(?:-(\d{1,4}))?$")


def question_rows(questions: list[JSONObject]) -> list[dict[str, Any]]:
    """The rows of the questions editor for stored questions (what `QuestionFormSet.questions` stores back)."""
    rows = []
    for question in questions:
        kind = str(question.get("type", "string"))
        choices = question.get("choices") or []
        if kind == "singlevaluelist" and [(c.get("key"), c.get("name")) for c in choices] == [
            (c["key"], c["name"]) for c in YES_NO_CHOICES
        ]:
            kind = YES_NO
        options = "\n".join(str(c.get("name", c["key"])) for c in choices) if kind in LIST_TYPES else ""
        rows.append(
            {
                "code": question["code"],
                "label": question.get("label", ""),
                "kind": kind,
                "required": bool(question.get("required")),
                "options": options,
                "help": question.get("help", ""),
            }
        )
    return rows


class QuestionForm(forms.Form):
    """One extra question of a category: a row of the category's page."""

    legend = ""  # « Question 2 », set by the formset
    focus = ""  # the control that gets the keyboard focus after a move or an addition: label, up, down

    # the question's Open311 code, kept from row to row; a new row has none until it is saved (see questions())
    code = forms.CharField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(
        label=gettext_lazy("Question posée"),
        max_length=200,
        error_messages={"required": gettext_lazy("Indiquez la question posée à l'habitant.")},
    )
    kind = forms.ChoiceField(label=gettext_lazy("Type de réponse"), choices=KIND_CHOICES, initial="string")
    options = forms.CharField(
        label=gettext_lazy("Réponses proposées, une par ligne"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Pour « Une réponse dans une liste » et « Plusieurs réponses dans une liste »."
        ),
    )
    help = forms.CharField(
        label=gettext_lazy("Précision affichée sous la question"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Par exemple : « Le numéro est peint sur le mât, à hauteur d'yeux. »"),
    )
    required = forms.BooleanField(label=gettext_lazy("Réponse obligatoire"), required=False)

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("DELETE"):
            # a row ticked « Supprimer » is about to go: its wording is not asked for
            self.errors.pop("label", None)
            return data
        kind, options = data.get("kind"), data.get("options") or []
        if kind in LIST_TYPES:
            if not options:
                self.add_error("options", _("Écrivez les réponses proposées, une par ligne."))
            elif len(options) < 2:
                self.add_error("options", _("Proposez au moins deux réponses, une par ligne."))
            else:
                repeated = next((name for n, name in enumerate(options) if name in options[:n]), None)
                if repeated is not None:
                    self.add_error(
                        "options", _("La réponse « %(name)s » est écrite deux fois.") % {"name": repeated}
                    )
        elif options:
            self.add_error(
                "options",
                _(
                    "Seules les questions « Une réponse dans une liste » et « Plusieurs réponses dans une liste » "
                    "proposent des réponses : videz ce champ ou changez le type de réponse."
                ),
            )
        return data


class BaseQuestionFormSet(forms.BaseFormSet[QuestionForm]):
    """The extra questions of a category, in the order the residents are asked them (`stored`: the category's
    questions before this change, whose codes and choice keys are kept)."""

    def __init__(self, *args: Any, stored: list[JSONObject] | None = None, **kwargs: Any) -> None:
        self.stored = stored or []
        kwargs.setdefault("prefix", "questions")
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        # A row nobody typed in (an added row left blank) is no question: skipped rather than refused. A row of an
        # existing question always carries its code, so it always counts as typed and is checked.
        return {"empty_permitted": True}

    def add_fields(self, form: QuestionForm, index: int | None) -> None:
        super().add_fields(form, index)
        delete = form.fields["DELETE"]
        delete.label = gettext_lazy("Supprimer cette question")
        delete.help_text = gettext_lazy(
            "Elle disparaît quand vous enregistrez ; les réponses déjà reçues restent lisibles."
        )
        form.legend = _("Question %(number)s") % {"number": (index or 0) + 1}

    def clean(self) -> None:
        seen: dict[str, int] = {}
        for number, form in enumerate(self.forms, start=1):
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("label"):
                continue
            wording = " ".join(data["label"].split()).casefold()
            if wording in seen:
                form.add_error(
                    "label",
                    _(
                        "La question %(number)s est déjà posée avec ce libellé : changez-le ou supprimez l'une des deux."
                    )
                    % {"number": seen[wording]},
                )
            else:
                seen[wording] = number

    def questions(self) -> list[JSONObject]:
        """The questions to store, in the rows' order (call once the formset is valid)."""
        previous = {str(q["code"]): q for q in self.stored}
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        taken = set(previous) | {str(f.cleaned_data.get("code") or "") for f in self.forms if f.cleaned_data}
        used: set[str] = set()
        questions: list[JSONObject] = []
        for row in rows:
            code = str(row.get("code") or "")
            if not CODE_RE.match(code) or code in used:
                code = code_from_label(row["label"], taken | used, fallback="question")
            used.add(code)
            question: JSONObject = {
                "code": code,
                "label": row["label"],
                "type": "singlevaluelist" if row["kind"] == YES_NO else row["kind"],
                "required": bool(row["required"]),
            }
            if row["help"]:
                question["help"] = row["help"]
            if row["kind"] == YES_NO:
                question["choices"] = [dict(c) for c in YES_NO_CHOICES]
            elif row["kind"] in LIST_TYPES:
                question["choices"] = choices_from_names(
                    row["options"], list(previous.get(code, {}).get("choices") or [])
                )
            questions.append(question)
        return questions

    def rearranged(self, action: str) -> BaseQuestionFormSet:
        """The rows again as typed, unchecked, after « Ajouter une question » (`add`) or a move (`up-<n>`,
        `down-<n>`, n counted from 0); the row added or moved gets the keyboard focus."""
        rows = [{name: form[name].value() for name in form.fields} for form in self.forms]
        match = QUESTION_ACTION.match(action or "")
        focus: tuple[int, str] | None = None
        if match and match[1] == "add":
            rows.append({})
            focus = (len(rows) - 1, "label")
        elif match and match[2] is not None:
            index = int(match[2])
            target = index - 1 if match[1] == "up" else index + 1
            if 0 <= index < len(rows) and 0 <= target < len(rows):
                rows[index], rows[target] = rows[target], rows[index]
                at_end = target == 0 if match[1] == "up" else target == len(rows) - 1
                focus = (target, ("down" if match[1] == "up" else "up") if at_end else match[1])
        again = type(self)(initial=rows, prefix=self.prefix, stored=self.stored)
        if focus is not None:
            row = again.forms[focus[0]]
            row.focus = focus[1]
            if focus[1] == "label":
                row.fields["label"].widget.attrs["autofocus"] = True
        return again


QuestionFormSet = cast(
    type[BaseQuestionFormSet],
    forms.formset_factory(QuestionForm, formset=BaseQuestionFormSet, extra=0, can_delete=True),
)


class CategoryConfigForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom"), max_length=120)
    code = forms.SlugField(
        label=gettext_lazy("Code pour les applications"),
        max_length=60,
        required=False,  # left empty, it is made from the name (services.category_save)
        help_text=gettext_lazy(
            "Laissez vide : il est fait à partir du nom (« Éclairage public » donne eclairage-public). Les "
            "applications qui envoient des signalements à la commune le connaissent : évitez de le changer "
            "une fois publié."
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
        label=gettext_lazy("Active (proposée aux habitants et aux applications)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, teams: QuerySet[Team] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams

    @staticmethod
    def initial_for(category) -> dict:
        return {
            "name": category.name,
            "code": category.code,
            "description": category.description,
            "team": category.team_id,
            "order": category.order,
            "active": category.active,
        }


class StateConfigForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Libellé"), max_length=80)
    kind = forms.ChoiceField(
        label=gettext_lazy("Nature"),
        choices=State.Kind.choices,
        help_text=gettext_lazy(
            "« En cours de traitement » : le signalement reste ouvert ; « clos » : il est fermé, aussi pour les "
            "applications."
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
