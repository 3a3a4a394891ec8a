"""Preparing démarches (agents with build_procedures): the list, the ready templates installed in one click, the
form builder (sections, fields, conditions, repeatable blocks) with its preview, publication as a new version,
and the JSON export and import between communes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from beffroi.accounts.decorators import capability_required
from beffroi.core.guards import parse_pk
from beffroi.procedures import builder as form_builder
from beffroi.procedures import catalogue, schema, selectors, services
from beffroi.procedures.fields import FILE_KINDS, TYPES, parse_decimal
from beffroi.procedures.forms import bind_section
from beffroi.procedures.models import DecisionTemplate, Demarche, Regime
from beffroi.procedures.views import agent_nav
from beffroi.territory.selectors import team_get_by_pk, team_list


def _demarche(request, pk: int) -> Demarche:
    item = selectors.demarche_get(commune=request.commune, pk=pk, published_only=False)
    if item is None:
        raise Http404
    return item


@require_safe
@capability_required("build_procedures")
def demarches(request) -> HttpResponse:
    return render(
        request,
        "procedures/config/demarches.html",
        {
            "demarches": selectors.demarche_list(commune=request.commune, published_only=False),
            "nav": agent_nav(request),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("build_procedures")
def templates(request) -> HttpResponse:
    """The ready démarches; « Installer » adds one, published, to the commune (then editable)."""
    if request.method == "POST":
        code = request.POST.get("code", "")
        try:
            item = services.template_install(commune=request.commune, actor=request.user, code=code)
        except services.DemarcheError as exc:
            messages.error(request, " ".join(exc.problems))
        else:
            messages.success(
                request,
                _("« %(title)s » est installée et publiée. Vous pouvez l'adapter.") % {"title": item.title},
            )
            return redirect("procedures:config_builder", pk=item.pk)
    installed = set(
        selectors.demarche_list(commune=request.commune, published_only=False).values_list(
            "template_code", flat=True
        )
    )
    items = [
        {
            "code": code,
            "title": t["title"],
            "description": t["description"],
            "regime": schema.REGIMES[t["regime"]["kind"]],
            "months": t["regime"]["months"],
            "installed": code in installed,
        }
        for code, t in catalogue.TEMPLATES.items()
    ]
    return render(request, "procedures/config/templates.html", {"items": items})


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier JSON d'une démarche"),
        required=False,
        help_text=gettext_lazy("Exporté d'une autre commune (format beffroi.demarche)."),
    )
    text = forms.CharField(
        label=gettext_lazy("Ou collez le JSON"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("build_procedures")
def import_json(request) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        raw = (
            form.cleaned_data["file"].read(1_000_000)
            if form.cleaned_data.get("file")
            else form.cleaned_data["text"]
        )
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            form.add_error(None, _("Ce fichier n'est pas du JSON lisible."))
        else:
            try:
                item = services.demarche_import(commune=request.commune, actor=request.user, data=data)
            except services.DemarcheError as exc:
                for problem in exc.problems:
                    form.add_error(None, problem)
            else:
                messages.success(
                    request, _("Démarche importée, en préparation : vérifiez-la puis publiez-la.")
                )
                return redirect("procedures:config_builder", pk=item.pk)
    return render(
        request, "procedures/config/import.html", {"form": form}, status=422 if form.errors else 200
    )


@require_safe
@capability_required("build_procedures")
def export_json(request, pk: int) -> JsonResponse:
    item = _demarche(request, pk)
    response = JsonResponse(
        services.demarche_export(demarche=item), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="demarche-{item.slug}.json"'
    return response


class SettingsForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    team = forms.ChoiceField(label=gettext_lazy("Service en charge"), required=False)
    service_address = forms.CharField(
        label=gettext_lazy("Adresse postale du service"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Vide : l'adresse de la mairie."),
    )
    service_email = forms.EmailField(
        label=gettext_lazy("Courriel du service"),
        required=False,
        help_text=gettext_lazy("Vide : celui du service, sinon de la mairie."),
    )
    service_phone = forms.CharField(label=gettext_lazy("Téléphone du service"), required=False, max_length=30)
    applicant_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Qui peut faire la demande"),
        widget=forms.CheckboxSelectMultiple,
        choices=list(schema.APPLICANT_KINDS.items()),
    )
    regime = forms.ChoiceField(
        label=gettext_lazy("Si la mairie ne répond pas"),
        widget=forms.RadioSelect,
        choices=[
            ("sva", gettext_lazy("Silence vaut acceptation (règle générale, CRPA L231-1)")),
            ("svr", gettext_lazy("Silence vaut rejet (exceptions de l'article L231-4 et des décrets)")),
            ("none", gettext_lazy("Pas de décision implicite")),
        ],
    )
    months = forms.IntegerField(
        label=gettext_lazy("Délai, en mois"),
        min_value=1,
        max_value=24,
        required=False,
        help_text=gettext_lazy("Deux mois en règle générale."),
    )

    def __init__(self, *args: Any, teams: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", _("— aucun —")), *teams]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("regime") in ("sva", "svr") and not data.get("months"):
            self.add_error("months", _("Indiquez le délai au terme duquel le silence vaut décision."))
        return data


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("build_procedures")
def settings_edit(request, pk: int) -> HttpResponse:
    item = _demarche(request, pk)
    teams = [(str(t.pk), t.name) for t in team_list(commune=request.commune)]
    draft = item.draft_schema
    initial = {
        "title": item.title,
        "description": item.description,
        "team": item.team_id or "",
        "service_address": item.service_address,
        "service_email": item.service_email,
        "service_phone": item.service_phone,
        "applicant_kinds": draft.get("applicant_kinds", ["particulier"]),
        "regime": draft.get("regime", {}).get("kind", "sva"),
        "months": draft.get("regime", {}).get("months"),
    }
    form = SettingsForm(request.POST or None, initial=initial, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team_pk = parse_pk(data["team"])
        team = team_get_by_pk(commune=request.commune, pk=team_pk) if team_pk else None
        try:
            item = services.demarche_update(
                demarche=item,
                actor=request.user,
                data={
                    "title": data["title"],
                    "description": data["description"],
                    "team": team,
                    "service_address": data["service_address"],
                    "service_email": data["service_email"],
                    "service_phone": data["service_phone"],
                },
            )
            services.demarche_form_save(
                demarche=item,
                actor=request.user,
                form=form_builder.settings(
                    item.draft_schema,
                    applicant_kinds=data["applicant_kinds"],
                    regime=data["regime"],
                    months=data["months"],
                ),
            )
        except (services.DemarcheError, schema.SchemaError) as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
        else:
            messages.success(request, _("Réglages enregistrés dans la version en préparation."))
            return redirect("procedures:config_builder", pk=item.pk)
    return render(
        request,
        "procedures/config/settings.html",
        {"demarche": item, "form": form},
        status=422 if form.errors else 200,
    )


class FieldForm(forms.Form):
    """One field added by the builder: the options of every type, each used by its own type only."""

    target = forms.ChoiceField(label=gettext_lazy("Où l'ajouter"))
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=list(TYPES.items()))
    label = forms.CharField(label=gettext_lazy("Libellé (la question posée)"), max_length=200)
    help = forms.CharField(label=gettext_lazy("Aide"), required=False, max_length=300)
    required = forms.BooleanField(label=gettext_lazy("Réponse obligatoire"), required=False)
    choices = forms.CharField(
        label=gettext_lazy("Choix proposés, un par ligne"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Pour un choix unique ou multiple."),
    )
    minimum = forms.CharField(
        label=gettext_lazy("Minimum"),
        required=False,
        max_length=20,
        help_text=gettext_lazy(
            "Nombre : la plus petite valeur ; date : JJ/MM/AAAA ou « today » ; bloc répétable : le nombre "
            "de lignes."
        ),
    )
    maximum = forms.CharField(
        label=gettext_lazy("Maximum"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("Texte : le nombre de caractères ; nombre, date, bloc : comme le minimum."),
    )
    unit = forms.CharField(
        label=gettext_lazy("Unité"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("Pour un nombre : m², €, personnes…"),
    )
    file_types = forms.MultipleChoiceField(
        label=gettext_lazy("Types de fichiers acceptés"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(k, k.upper()) for k in FILE_KINDS],
    )
    max_size_mb = forms.IntegerField(
        label=gettext_lazy("Taille maximale du fichier (Mo)"), required=False, min_value=1, max_value=20
    )
    text = forms.CharField(
        label=gettext_lazy("Texte d'explication"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    condition = forms.ChoiceField(
        label=gettext_lazy("Afficher seulement si…"),
        required=False,
        help_text=gettext_lazy("Une réponse à une question placée avant (choix ou oui/non)."),
    )

    def __init__(
        self, *args: Any, targets: list[tuple[str, str]], conditions: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["target"]).choices = targets
        cast(forms.ChoiceField, self.fields["condition"]).choices = [
            ("", _("— toujours affiché —")),
            *conditions,
        ]

    def field_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data.get("type") or getattr(self, "kind", "")
        out: dict[str, Any] = {
            "type": kind,
            "label": data["label"].strip(),
            "help": data["help"].strip(),
            "required": data.get("required", False),
        }
        if kind in ("choice", "multiple_choice"):
            labels = [line.strip() for line in data["choices"].splitlines() if line.strip()]
            taken: set[str] = set()
            choices = []
            for label in labels:
                key = form_builder.key_from_label(label, taken)
                taken.add(key)
                choices.append({"key": key, "label": label})
            out["choices"] = choices
        if kind == "number":
            for name, option in (("minimum", "min"), ("maximum", "max")):
                if data[name]:
                    number = parse_decimal(data[name])
                    if number is None:
                        raise schema.SchemaError(
                            [_("Le minimum et le maximum d'un nombre sont des nombres.")]
                        )
                    out[option] = int(number) if number == number.to_integral() else float(Decimal(number))
            if data["unit"]:
                out["unit"] = data["unit"].strip()
        if kind == "date":
            for name, option in (("minimum", "min"), ("maximum", "max")):
                if data[name]:
                    out[option] = data[name].strip()
        if kind == "file":
            out["file_types"] = data["file_types"] or ["pdf", "jpg", "jpeg", "png"]
            out["max_size_mb"] = data["max_size_mb"] or 10
        if kind == "explanation":
            out["text"] = data["text"].strip() or data["label"]
        if kind == "repeat":
            rows = []
            for name, default in (("minimum", 1), ("maximum", 10)):
                number = parse_decimal(data[name]) if data[name] else Decimal(default)
                if number is None or number != number.to_integral():
                    raise schema.SchemaError([_("Le nombre de lignes d'un bloc répétable est un entier.")])
                rows.append(int(number))
            out["min_rows"], out["max_rows"] = rows
        if kind in ("short_text", "long_text") and data["maximum"]:
            number = parse_decimal(data["maximum"])
            if number is None or number != number.to_integral() or number < 1:
                raise schema.SchemaError([_("Le maximum d'un texte est un nombre de caractères.")])
            out["max_length"] = int(number)
        if kind == "place" and "places" in self.fields:
            out["places"] = list(data.get("places") or [])
        if kind == "date" and "answer_before" in self.fields:
            out["answer_before"] = bool(data.get("answer_before"))
        if data.get("condition"):
            field_key, _sep, value = data["condition"].partition("=")
            out["condition"] = {"field": field_key, "equals": value}
        return out


# Which types each option of the field form applies to (the edit form shows only its field's own).
OPTIONS = {
    "required": set(TYPES) - {"explanation", "repeat"},
    "choices": {"choice", "multiple_choice"},
    "minimum": {"number", "date", "repeat"},
    "maximum": {"number", "date", "repeat", "short_text", "long_text"},
    "unit": {"number"},
    "file_types": {"file"},
    "max_size_mb": {"file"},
    "text": {"explanation"},
}


class EditFieldForm(FieldForm):
    """A field already in the form: everything but its place (moved by « Monter » / « Descendre ») and its type."""

    def __init__(
        self,
        *args: Any,
        kind: str,
        in_block: bool,
        places: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, targets=[], **kwargs)
        self.kind = kind
        del self.fields["target"], self.fields["type"]
        if kind == "place":  # which of the commune's places the question offers (a room booking: its rooms)
            self.fields["places"] = forms.MultipleChoiceField(
                label=gettext_lazy("Lieux proposés"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=places or [],
                help_text=gettext_lazy(
                    "Cochez les lieux que la question propose (par exemple les salles que la commune prête ou "
                    "loue). Aucun coché : tous les lieux de la commune du type prévu par le formulaire."
                ),
            )
        if kind == "date" and not in_block:  # the day the request is for (schema's `answer_before`)
            self.fields["answer_before"] = forms.BooleanField(
                label=gettext_lazy("La demande porte sur cette date"),
                required=False,
                help_text=gettext_lazy(
                    "Par exemple la date d'un événement ou d'un déménagement : les pages disent au demandeur quand "
                    "le silence de la mairie viendrait trop tard pour cette date, et aux agents de décider avant elle."
                ),
            )
        if in_block:  # a block's fields are never conditional (schema.check)
            del self.fields["condition"]
        for name in list(self.fields):
            if name in OPTIONS and kind not in OPTIONS[name]:
                del self.fields[name]
        if kind == "explanation":  # its text is what is shown; a label is optional
            self.fields["label"].required = False


KEEP = "__garder__"


def _field_initial(item: dict[str, Any]) -> dict[str, Any]:
    kind = item["type"]
    low, high = item.get("min"), item.get("max")
    if kind == "repeat":
        low, high = item.get("min_rows"), item.get("max_rows")
    elif kind in ("short_text", "long_text"):
        high = item.get("max_length")
    condition = item.get("condition") or {}
    wanted = condition.get("in") or [condition.get("equals")]
    return {
        "label": item.get("label", ""),
        "help": item.get("help", ""),
        "required": bool(item.get("required")),
        "choices": "\n".join(c["label"] for c in item.get("choices", [])),
        "minimum": "" if low is None else str(low),
        "maximum": "" if high is None else str(high),
        "unit": item.get("unit", ""),
        "file_types": item.get("file_types", []),
        "max_size_mb": item.get("max_size_mb"),
        "text": item.get("text", ""),
        "places": [str(p) for p in item.get("places") or []],
        "answer_before": bool(item.get("answer_before")),
        "condition": (f"{condition['field']}={wanted[0]}" if len(wanted) == 1 else KEEP) if condition else "",
    }


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("build_procedures")
def field_edit(request, pk: int, key: str) -> HttpResponse:
    """One field of the form in preparation: its label, help, obligation, choices, limits and condition. The
    published version is never touched: the change applies when the form is published again."""
    item = _demarche(request, pk)
    draft = item.draft_schema
    found = form_builder.find(draft, key)
    if found is None:
        raise Http404
    field, in_block = found
    conditions = [c for c in _conditions(draft) if c[0].partition("=")[0] != key]
    kept = field.get("condition") if len((field.get("condition") or {}).get("in") or []) > 1 else None
    if kept:  # an imported condition on several values: offered as it is
        conditions.insert(0, (KEEP, _("garder la condition actuelle : %(c)s") % {"c": _condition_text(kept)}))
    form = EditFieldForm(
        request.POST or None,
        initial=_field_initial(field),
        kind=field["type"],
        in_block=in_block,
        conditions=conditions,
        places=list(services.field_context(request.commune).places.items()),
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        keep = form.cleaned_data.get("condition") == KEEP
        if keep:
            form.cleaned_data["condition"] = ""
        try:
            data = form.field_data()
            if keep:
                data["condition"] = kept
            new = form_builder.edit_field(draft, key=key, field=data)
            services.demarche_form_save(demarche=item, actor=request.user, form=new)
        except (schema.SchemaError, services.DemarcheError) as exc:
            problems = exc.problems
        else:
            messages.success(
                request, _("Champ modifié dans la version en préparation. Publiez-la pour qu'il s'applique.")
            )
            return redirect(f"{reverse('procedures:config_builder', args=[item.pk])}#champ-{key}")
    return render(
        request,
        "procedures/config/field_edit.html",
        {
            "demarche": item,
            "field": field,
            "type_label": TYPES.get(field["type"], field["type"]),
            "form": form,
            "problems": problems,
        },
        status=422 if problems or form.errors else 200,
    )


def _targets(form: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for section in form.get("sections", []):
        out.append((section["key"], _("Section « %(t)s »") % {"t": section.get("title", "")}))
        for item in section.get("fields", []):
            if item["type"] == "repeat":
                out.append((item["key"], _("Bloc répétable « %(t)s »") % {"t": item.get("label", "")}))
    return out


def _conditions(form: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for _section, item in schema.iter_fields(form):
        if item["type"] == "yes_no":
            out += [
                (f"{item['key']}=oui", f"{item['label']} = {_('Oui')}"),
                (f"{item['key']}=non", f"{item['label']} = {_('Non')}"),
            ]
        elif item["type"] in ("choice", "multiple_choice"):
            out += [
                (f"{item['key']}={c['key']}", f"{item['label']} = {c['label']}")
                for c in item.get("choices", [])
            ]
    return out


def _condition_text(condition: Any) -> str:
    if not condition:
        return ""
    wanted = condition["in"] if "in" in condition else [condition["equals"]]
    return f"{condition['field']} = {', '.join(str(v) for v in wanted)}"


def _shown(form: dict[str, Any]) -> dict[str, Any]:
    """The form as the builder page lists it: each field with the label shown and its condition in words."""
    shown = json.loads(json.dumps(form))
    shown.setdefault("regime", {"kind": "sva", "months": 2})
    shown["regime"].setdefault("months", None)
    shown.setdefault("applicant_kinds", ["particulier"])
    for section in shown.get("sections", []):
        section["condition_text"] = _condition_text(section.get("condition"))
        for item in section.get("fields", []):
            item["shown_label"] = item.get("label") or item.get("text") or item["key"]
            item["condition_text"] = _condition_text(item.get("condition"))
            item["required"] = bool(item.get("required"))
            item.setdefault("fields", [])
            for child in item["fields"]:
                child.setdefault("label", child["key"])
    return shown


class SectionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre de la nouvelle section"), max_length=120)
    condition = forms.ChoiceField(
        label=gettext_lazy("Afficher la section seulement si…"),
        required=False,
        help_text=gettext_lazy("Une réponse à une question placée avant (choix ou oui/non)."),
    )

    def __init__(self, *args: Any, conditions: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["condition"]).choices = [
            ("", _("— toujours affichée —")),
            *conditions,
        ]

    def condition_data(self) -> dict[str, str] | None:
        field_key, _sep, value = self.cleaned_data["condition"].partition("=")
        return {"field": field_key, "equals": value} if field_key else None


class LetterForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titre du modèle"), max_length=120)
    outcome = forms.ChoiceField(label=gettext_lazy("Décision"), choices=DecisionTemplate.Outcome.choices)
    body = forms.CharField(
        label=gettext_lazy("Texte de la lettre"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Champs de fusion : {{ demandeur }}, {{ code }}, {{ demarche }}, {{ date_depot }}, {{ date_decision }}, "
            "{{ commune }}, {{ signataire }}, et {{ champ.<clé> }} pour une réponse du formulaire."
        ),
    )
    signatory = forms.CharField(label=gettext_lazy("Signataire"), max_length=200, required=False)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("build_procedures")
def letters(request) -> HttpResponse:
    """The decision letters' templates of the commune, and a new one."""
    form = LetterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_template_create(
                commune=request.commune, actor=request.user, **form.cleaned_data
            )
        except services.DemarcheError as exc:
            for problem in exc.problems:
                form.add_error(exc.field if exc.field in form.fields else None, problem)
        else:
            messages.success(request, _("Modèle de lettre enregistré."))
            return redirect("procedures:config_letters")
    return render(
        request,
        "procedures/config/letters.html",
        {"form": form, "templates": selectors.decision_templates(commune=request.commune)},
        status=422 if form.errors else 200,
    )


def _letter(request, pk: int) -> DecisionTemplate:
    template = selectors.decision_template_get(commune=request.commune, pk=pk)
    if template is None:
        raise Http404
    return template


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("build_procedures")
def letter_edit(request, pk: int) -> HttpResponse:
    """Change a letter's template; the letters already sent keep the text they were sent with."""
    template = _letter(request, pk)
    initial = {k: getattr(template, k) for k in ("title", "outcome", "body", "signatory")}
    form = LetterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_template_update(template=template, actor=request.user, **form.cleaned_data)
        except services.DemarcheError as exc:
            for problem in exc.problems:
                form.add_error(exc.field if exc.field in form.fields else None, problem)
        else:
            messages.success(request, _("Modèle de lettre modifié."))
            return redirect(f"{reverse('procedures:config_letters')}#lettre-{template.pk}")
    return render(
        request,
        "procedures/config/letter_edit.html",
        {"form": form, "template": template},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("build_procedures")
def letter_delete(request, pk: int) -> HttpResponse:
    """Confirm, then delete a letter's template (letters already sent keep their text)."""
    template = _letter(request, pk)
    if request.method == "POST":
        services.decision_template_delete(template=template, actor=request.user)
        messages.success(request, _("Modèle « %(t)s » supprimé.") % {"t": template.title})
        return redirect("procedures:config_letters")
    return render(request, "procedures/config/letter_delete.html", {"template": template})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("build_procedures")
def builder(request, pk: int) -> HttpResponse:
    """The form in preparation: its sections and fields, with add, remove, move and publish."""
    item = _demarche(request, pk)
    draft = item.draft_schema
    field_form = FieldForm(targets=_targets(draft), conditions=_conditions(draft))
    section_form = SectionForm(conditions=_conditions(draft))
    problems: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add_field":
                field_form = FieldForm(request.POST, targets=_targets(draft), conditions=_conditions(draft))
                if not field_form.is_valid():
                    raise schema.SchemaError([])
                new = form_builder.add_field(
                    draft, target=field_form.cleaned_data["target"], field=field_form.field_data()
                )
            elif action == "add_section":
                section_form = SectionForm(request.POST, conditions=_conditions(draft))
                if not section_form.is_valid():
                    raise schema.SchemaError([])
                new = form_builder.add_section(
                    draft, title=section_form.cleaned_data["title"], condition=section_form.condition_data()
                )
            elif action in ("up", "down"):
                new = form_builder.move(
                    draft, key=request.POST.get("key", ""), delta=-1 if action == "up" else 1
                )
            elif action == "remove":
                new = form_builder.remove(draft, key=request.POST.get("key", ""))
            elif action == "publish":
                version = services.demarche_publish(demarche=item, actor=request.user)
                messages.success(
                    request,
                    _(
                        "Version %(n)s publiée : les nouveaux dossiers la suivent ; les dossiers "
                        "déjà déposés gardent la leur."
                    )
                    % {"n": version.number},
                )
                return redirect("procedures:config_builder", pk=item.pk)
            elif action in ("close", "reopen"):
                services.demarche_close(demarche=item, actor=request.user, reopen=action == "reopen")
                return redirect("procedures:config_builder", pk=item.pk)
            else:
                raise Http404
            services.demarche_form_save(demarche=item, actor=request.user, form=new)
        except (schema.SchemaError, services.DemarcheError) as exc:
            problems = exc.problems
        else:
            messages.success(
                request, _("Formulaire en préparation enregistré. Publiez-le pour qu'il s'applique.")
            )
            return redirect(f"{request.path}#formulaire")
    changed = item.current_version is None or item.current_version.schema != item.draft_schema
    return render(
        request,
        "procedures/config/builder.html",
        {
            "demarche": item,
            "draft": _shown(item.draft_schema),
            # what silence means, in words (« silence vaut acceptation »), never « SVA »
            "regime_label": dict(Regime.choices).get(
                str((item.draft_schema.get("regime") or {}).get("kind") or Regime.ACCEPTANCE), ""
            ),
            "field_form": field_form,
            "section_form": section_form,
            "problems": problems,
            "changed": changed,
            "types": TYPES,
            "versions": item.versions.all()[:10],
        },
        status=422 if problems or field_form.errors or section_form.errors else 200,
    )


def _preview(bound: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for field in bound:
        field["preview"] = True
        for row in field.get("rows", []):
            _preview(row["fields"])
    return bound


@require_safe
@capability_required("build_procedures")
def preview(request, pk: int) -> HttpResponse:
    """The form in preparation as residents will see it, every section on one page (nothing is saved)."""
    item = _demarche(request, pk)
    draft = item.draft_schema
    context = services.field_context(request.commune)
    sections = [
        {
            "title": s.get("title", ""),
            "help": s.get("help", ""),
            "bound": bind_section(
                s,
                form=draft,
                answers={},
                posted=None,
                errors={},
                places=context.places,
                place_kinds=context.place_kinds,
            ),
        }
        for s in draft.get("sections", [])
    ]
    return render(request, "procedures/config/preview.html", {"demarche": item, "sections": sections})
