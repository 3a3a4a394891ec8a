"""The audit log's action codes (`funding.line.update`) as the sentence a person reads in the journal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ACTION_LABELS: dict[str, StrOrPromise] = {
    "apikey.create": _("Clé d'API créée"),
    "apikey.revoke": _("Clé d'API révoquée"),
    "budget.codes.generate": _("Codes de vote générés"),
    "budget.count": _("Vote dépouillé"),
    "budget.count.refused": _("Dépouillement refusé"),
    "budget.create": _("Budget participatif créé"),
    "budget.idea.assess": _("Idée instruite"),
    "budget.idea.merge": _("Idées regroupées"),
    "budget.paper.enter": _("Bulletin papier saisi"),
    "budget.project.progress": _("Avancement d'un projet publié"),
    "budget.subbudget.create": _("Enveloppe créée"),
    "budget.subbudget.delete": _("Enveloppe supprimée"),
    "budget.subbudget.update": _("Enveloppe modifiée"),
    "budget.update": _("Budget participatif modifié"),
    "budget.voter.verify": _("Votant vérifié à l'accueil"),
    "commune.create": _("Commune créée"),
    "commune.update": _("Réglages de la commune modifiés"),
    "datahub.alert.acknowledge": _("Alerte prise en charge"),
    "datahub.alert.auto_close": _("Alerte close d'elle-même"),
    "datahub.alert.close": _("Alerte close"),
    "datahub.alert.open": _("Alerte ouverte"),
    "datahub.alert_rule.create": _("Règle d'alerte créée"),
    "datahub.alert_rule.update": _("Règle d'alerte modifiée"),
    "datahub.device.register": _("Capteur enregistré"),
    "datahub.entity.create": _("Équipement ajouté"),
    "datahub.entity.delete": _("Équipement supprimé"),
    "datahub.entity.publish": _("Équipement publié"),
    "datahub.entity.replace": _("Équipement remplacé"),
    "funding.line.create": _("Ligne de financement ajoutée"),
    "funding.line.delete": _("Ligne de financement supprimée"),
    "funding.line.update": _("Ligne de financement modifiée"),
    "funding.plan.create": _("Plan de financement créé"),
    "funding.plan.update": _("Plan de financement modifié"),
    "funding.zonages.update": _("Zonages de la commune modifiés"),
    "membership.remove": _("Membre retiré"),
    "membership.set": _("Rôle d'un membre modifié"),
    "place.create": _("Lieu ajouté"),
    "planning.assessment.create": _("Auto-diagnostic enregistré"),
    "planning.assessment.report": _("Auto-diagnostic retenu pour le rapport au conseil"),
    "planning.assessment.validate": _("Auto-diagnostic validé"),
    "planning.indicator.create": _("Indicateur ajouté"),
    "planning.indicator.delete": _("Indicateur supprimé"),
    "planning.phase.create": _("Phase de projet ajoutée"),
    "planning.phase.delete": _("Phase de projet supprimée"),
    "planning.project.create": _("Projet ajouté à la feuille de route"),
    "planning.project.delete": _("Projet retiré de la feuille de route"),
    "planning.project.update": _("Projet modifié"),
    "report.assign": _("Signalement attribué"),
    "report.category.create": _("Catégorie de signalement créée"),
    "report.category.update": _("Catégorie de signalement modifiée"),
    "report.create": _("Signalement enregistré"),
    "report.due_date": _("Échéance d'un signalement fixée"),
    "report.merge": _("Signalements fusionnés (doublon)"),
    "report.note": _("Note interne ajoutée"),
    "report.photo.publish": _("Photo publiée"),
    "report.reply": _("Réponse envoyée à l'habitant"),
    "report.state": _("État d'un signalement changé"),
    "report.template.create": _("Modèle de réponse créé"),
    "report.template.delete": _("Modèle de réponse supprimé"),
    "report.template.update": _("Modèle de réponse modifié"),
    "report.workflow.create": _("État de signalement créé"),
    "report.workflow.delete": _("État de signalement supprimé"),
    "team.add_member": _("Agent ajouté à un service"),
    "team.create": _("Service créé"),
}

_VERBS: dict[str, StrOrPromise] = {
    "create": _("Création"),
    "update": _("Modification"),
    "delete": _("Suppression"),
    "remove": _("Retrait"),
    "publish": _("Publication"),
}


def action_label(code: str) -> StrOrPromise:
    """The sentence for an action code; an unknown code is named by its verb, never shown as it is."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    verb = code.rsplit(".", 1)[-1].rsplit("_", 1)[-1]
    return _VERBS.get(verb, _("Action enregistrée"))
