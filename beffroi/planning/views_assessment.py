"""Self-assessment pages: the grid as a form, results with the radar and its table, history, comparison."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beffroi.accounts.decorators import capability_required
from beffroi.accounts.selectors import user_can
from beffroi.planning import maturity, selectors, services, use_cases
from beffroi.planning.assessment_charts import assessment_radar


class AssessmentForm(forms.Form):
    """One radio group (levels 0–4) per question and one optional number per indicator of the grid."""

    assessed_on = forms.DateField(
        label=gettext_lazy("Date du diagnostic"),
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
                                _(
                                    "Question complémentaire : répondez-y si la question %(code)s est au niveau 2 ou plus."
                                )
                                % {"code": unlocked_by.get(question.code) or _("précédente")}
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
                    error_messages={"required": gettext_lazy("Choisissez un niveau pour cette question.")},
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
                        choices=[("oui", _("Oui")), ("non", _("Non")), ("", _("Je ne sais pas"))],
                        widget=forms.RadioSelect,
                    )
                else:
                    self.fields[f"i_{indicator.code}"] = forms.DecimalField(
                        label=label,
                        help_text=" ".join(help_parts),
                        required=False,
                        max_digits=16,
                        decimal_places=3,
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


def _prefill(grid: maturity.Grid, facts: dict) -> dict:
    """Form values of the indicators the platform already knows (the form has fields for domain indicators)."""
    fields = {i.code for d in grid.domains for i in d.indicators}
    known = maturity.prefill_indicators(grid, facts)
    return {f"i_{code}": value for code, value in known.items() if code in fields}


def _fact_rows(grid: maturity.Grid, facts: dict) -> list[tuple[str, object]]:
    labels = dict(grid.platform_sources)
    return [(labels.get(key, key), value) for key, value in facts.items()]


@capability_required("view_agent_space")
def assessment_list(request):
    assessments = list(selectors.assessment_list(commune=request.commune))
    grid = maturity.load_grid()
    chronological = list(reversed(assessments))
    return render(
        request,
        "planning/assessment_list.html",
        {
            "assessments": assessments,
            "domains": grid.domains,
            "history": [
                (a, [a.scores.get("domains", {}).get(d.code, {}).get("score") for d in grid.domains])
                for a in chronological
            ],
            "can_plan": user_can(commune=request.commune, user=request.user, capability="plan"),
        },
    )


@capability_required("view_agent_space")
def assessment_create(request):
    """Élus and agents may both answer: comparing their views is part of the exercise."""
    grid = maturity.load_grid()
    facts = selectors.platform_facts(commune=request.commune)
    initial = {"assessed_on": timezone.localdate(), **_prefill(grid, facts)}
    form = AssessmentForm(request.POST or None, initial=initial, grid=grid)
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        try:
            result = maturity.score_stored_answers(grid, answers, population=request.commune.population)
        except maturity.AssessmentError as error:
            form.add_error(None, str(error))
        else:
            assessment = services.assessment_create(
                commune=request.commune,
                actor=request.user,
                grid_version=grid.version,
                answers=answers,
                scores=result.to_dict(),
                assessed_on=form.cleaned_data["assessed_on"],
            )
            messages.success(request, _("Votre auto-diagnostic est enregistré."))
            return redirect("planning:assessment_detail", pk=assessment.pk)
    return render(
        request,
        "planning/assessment_form.html",
        {"form": form, "grid": grid, "facts": _fact_rows(grid, facts)},
        status=400 if form.is_bound else 200,
    )


def _recommendations(scores: dict) -> list[dict]:
    out = []
    for item in scores.get("recommendations", []):
        use_case = use_cases.get(item.get("use_case", ""))
        if use_case:
            out.append({**item, "entry": use_case})
    return out


def _series_name(assessment) -> str:
    return f"{assessment.author_label or assessment.role} ({assessment.assessed_on:%d/%m/%Y})"


@capability_required("view_agent_space")
def assessment_detail(request, pk: int):
    assessment = selectors.assessment_get(commune=request.commune, pk=pk)
    title = _("Maturité par domaine, de 0 à 4, au %(date)s") % {
        "date": assessment.assessed_on.strftime("%d/%m/%Y")
    }
    return render(
        request,
        "planning/assessment_detail.html",
        {
            "assessment": assessment,
            "chart": assessment_radar(
                maturity.load_grid(),
                assessment.scores,
                chart_id=f"radar-{assessment.pk}",
                title=title,
                name=_series_name(assessment),
                table_caption=_("Scores par domaine"),
            ),
            "recommendations": _recommendations(assessment.scores),
        },
    )


@capability_required("view_agent_space")
def assessment_compare(request):
    assessments = list(selectors.assessment_list(commune=request.commune))
    by_pk = {str(a.pk): a for a in assessments}
    first = by_pk.get(request.GET.get("a", ""))
    second = by_pk.get(request.GET.get("b", ""))
    context: dict[str, Any] = {"assessments": assessments, "first": first, "second": second}
    if first and second:
        title = _("Comparaison des auto-diagnostics : trait plein %(a)s, pointillés %(b)s") % {
            "a": _series_name(first),
            "b": _series_name(second),
        }
        context["chart"] = assessment_radar(
            maturity.load_grid(),
            first.scores,
            chart_id="radar-compare",
            title=title,
            name=_series_name(first),
            table_caption=_("Scores des deux diagnostics par domaine"),
            compare=second.scores,
            compare_name=_series_name(second),
            with_gap=True,
        )
    return render(request, "planning/assessment_compare.html", context)
