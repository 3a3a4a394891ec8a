from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "beffroi.procedures"
    label = "procedures"
    verbose_name = _("Démarches en ligne")

    def ready(self):
        from beffroi.core import modules
        from beffroi.procedures import (
            demo,  # noqa: F401 — registers the demo step
            services,
        )
        from beffroi.territory import first_steps, presets

        modules.register(
            modules.Module(
                code="procedures",
                label=_("Démarches en ligne"),
                description=_(
                    "Faire une demande à la mairie en ligne (salle, cantine, stationnement, subvention…), "
                    "recevoir son accusé de réception et suivre son dossier."
                ),
                agent_description=_(
                    "Instruire les dossiers reçus, saisir une demande à l'accueil ou au téléphone, préparer les démarches en ligne."
                ),
                url_name="procedures:index",
                agent_url_name="procedures:agent_queue",
                order=15,
                namespaces=("procedures",),
                api_prefixes=("procedures",),
            )
        )
        presets.register_step("procedures", services.commune_preset_apply)
        first_steps.register(
            first_steps.Item(
                "first_demarche",
                _("Première démarche en ligne"),
                _(
                    "Installez un modèle (réservation de salle, cantine, saisine libre…), relisez-le et publiez-le."
                ),
                "procedures:config_templates",
                _has_published_demarche,
                order=50,
                module="procedures",
            )
        )


def _has_published_demarche(commune) -> bool:
    from beffroi.procedures.models import Demarche

    return Demarche.objects.filter(commune=commune, status=Demarche.Status.PUBLISHED).exists()
