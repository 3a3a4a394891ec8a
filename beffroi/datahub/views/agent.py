"""Alert pages of the data hub: staff see alerts and rules (view_dashboards); agents act (handle_requests)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from beffroi.accounts.decorators import capability_required
from beffroi.accounts.selectors import user_can
from beffroi.core.confirm import confirmation_page
from beffroi.datahub import labels, selectors, services
from beffroi.datahub.forms import AcknowledgeForm, AlertRuleForm, CloseForm
from beffroi.datahub.models import Alert
from beffroi.territory.models import Team

STATE_BADGES = {
    Alert.State.OPEN: "badge-danger",
    Alert.State.ACKNOWLEDGED: "badge-warn",
    Alert.State.CLOSED: "badge-ok",
}
STATE_FILTERS = [
    ("", gettext_lazy("Ouvertes ou prises en compte")),
    ("open", gettext_lazy("Ouvertes")),
    ("acknowledged", gettext_lazy("Prises en compte")),
    ("closed", gettext_lazy("Clôturées")),
    ("all", gettext_lazy("Toutes")),
]


def _can_act(request) -> bool:
    return user_can(commune=request.commune, user=request.user, capability="handle_requests")


def _rows(alerts):
    return [{"alert": a, "badge": STATE_BADGES[a.state]} for a in alerts]


@capability_required("view_dashboards")
def alert_list(request):
    commune = request.commune
    state = request.GET.get("etat", "")
    team = request.GET.get("service", "")
    entity_type = request.GET.get("type", "")
    if state not in dict(STATE_FILTERS):
        state = ""
    # One equipment's alerts (the link on its page); an unknown or another commune's equipment: all of them.
    raw = request.GET.get("equipement", "")
    equipment = selectors.asset_get(commune=commune, pk=int(raw)) if raw.isdigit() and len(raw) < 10 else None
    alerts = selectors.alert_list(
        commune=commune,
        state=state,
        team_slug=team,
        entity_type=entity_type,
        entity_pk=equipment.pk if equipment is not None else None,
    )
    return render(
        request,
        "datahub/alerts/list.html",
        {
            "mine": _rows(selectors.alert_list_for_teams(commune=commune, user=request.user)),
            "rows": _rows(alerts),
            "limit": 200,
            "state": state,
            "team": team,
            "entity_type": entity_type,
            "equipment": equipment,
            "state_filters": [(value, str(label)) for value, label in STATE_FILTERS],
            "teams": Team.objects.filter(commune=commune),
            "types": selectors.entity_type_names(commune=commune),
            "open_count": selectors.alert_open_count(commune=commune),
            "can_manage": user_can(commune=commune, user=request.user, capability="manage_commune"),
        },
    )


def _alert(request, pk: int) -> Alert:
    alert = selectors.alert_get(commune=request.commune, pk=pk)
    if alert is None:
        raise Http404
    return alert


def _detail(request, alert, *, ack_form=None, close_form=None, status=200):
    can_act = _can_act(request)
    return render(
        request,
        "datahub/alerts/detail.html",
        {
            "alert": alert,
            "badge": STATE_BADGES[alert.state],
            "events": selectors.alert_events(alert=alert),
            "can_acknowledge": can_act and alert.state == Alert.State.OPEN,
            "can_close": can_act and alert.state != Alert.State.CLOSED,
            "ack_form": ack_form or AcknowledgeForm(prefix="ack"),
            "close_form": close_form or CloseForm(prefix="close"),
            "has_error": bool(
                (ack_form is not None and ack_form.errors) or (close_form is not None and close_form.errors)
            ),
        },
        status=status,
    )


@capability_required("view_dashboards")
def alert_detail(request, pk: int):
    return _detail(request, _alert(request, pk))


@require_POST
@capability_required("handle_requests")
def alert_acknowledge(request, pk: int):
    return _alert_action(
        request, pk, AcknowledgeForm, "ack", services.alert_acknowledge, _("Alerte prise en compte.")
    )


@require_POST
@capability_required("handle_requests")
def alert_close(request, pk: int):
    return _alert_action(request, pk, CloseForm, "close", services.alert_close, _("Alerte close."))


def _alert_action(request, pk: int, form_class, prefix: str, service, done: str):
    """Bind the action's form, run the service, return to the alert; errors re-render it with a 400."""
    alert = _alert(request, pk)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            service(commune=request.commune, actor=request.user, alert=alert, note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, done)
            return redirect("datahub:alert", pk=alert.pk)
    return _detail(request, alert, status=400, **{f"{prefix}_form": form})


@capability_required("view_dashboards")
def rule_list(request):
    commune = request.commune
    units = selectors.measure_units(commune=commune)
    rows = []
    for rule in selectors.rule_list(commune=commune):
        name = labels.short_name(rule.attribute)
        # The threshold as it was typed (0,6 stays « 0,6 »), in the measurement's unit (0.8 of a filling
        # level is « 80 % »).
        threshold = (
            labels.value_text(
                rule.threshold, units.get((rule.entity_type, name), ""), attribute=name, exact=True
            )
            if rule.threshold is not None
            else ""
        )
        rows.append({"rule": rule, "threshold": threshold})
    return render(request, "datahub/alerts/rules.html", {"rows": rows, "can_edit": _can_act(request)})


def _rule_form_page(request, rule=None):
    commune = request.commune
    # The form fills its own copy of the rule, so the service sees what changed (and the page title keeps
    # the stored label when the form has errors).
    edited = selectors.rule_get(commune=commune, pk=rule.pk) if rule is not None else None
    form = AlertRuleForm(request.POST or None, instance=edited, commune=commune)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.alerts.RULE_FIELDS}
        try:
            if rule is None:
                rule = services.alert_rule_create(commune=commune, actor=request.user, **fields)
                messages.success(request, _("Règle créée."))
            else:
                rule = services.alert_rule_update(commune=commune, actor=request.user, rule=rule, **fields)
                messages.success(request, _("Règle enregistrée."))
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            return redirect("datahub:alert_rules")
    return render(
        request,
        "datahub/alerts/rule_form.html",
        {"form": form, "rule": rule},
        status=400 if form.errors else 200,
    )


@capability_required("handle_requests")
def rule_create(request):
    return _rule_form_page(request)


def _rule(request, pk: int):
    rule = selectors.rule_get(commune=request.commune, pk=pk)
    if rule is None:
        raise Http404
    return rule


@capability_required("handle_requests")
def rule_edit(request, pk: int):
    return _rule_form_page(request, _rule(request, pk))


@capability_required("handle_requests")
def rule_delete(request, pk: int):
    rule = _rule(request, pk)
    asking = confirmation_page(
        request,
        title=_("Supprimer la règle « %(label)s » ?") % {"label": rule.label},
        message=_(
            "Ses alertes, en cours ou closes, et leur historique seront supprimés avec elle. Cette "
            "suppression est définitive ; pour seulement suspendre la règle, décochez « Règle active »."
        ),
        button=_("Supprimer la règle"),
        cancel_url=reverse("datahub:alert_rule_edit", args=[rule.pk]),
    )
    if asking is not None:
        return asking
    services.alert_rule_delete(commune=request.commune, actor=request.user, rule=rule)
    messages.success(request, _("Règle « %(label)s » supprimée.") % {"label": rule.label})
    return redirect("datahub:alert_rules")
