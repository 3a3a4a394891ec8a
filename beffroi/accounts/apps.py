from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "beffroi.accounts"
    label = "accounts"
    verbose_name = _("Comptes")

    def ready(self) -> None:
        # Every app's `personal_data.py` registers, on import, its share of a person's data download, its eraser
        # and (accounts.activity) its part of the « Mon compte » page: importing them all here keeps the three
        # in step with the apps installed, without `accounts` naming the apps above it.
        autodiscover_modules("personal_data")
        from beffroi.accounts import demo  # noqa: F401 - registers the demo step
