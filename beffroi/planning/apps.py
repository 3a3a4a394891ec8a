from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "beffroi.planning"
    label = "planning"
    verbose_name = _("Projet de territoire")
