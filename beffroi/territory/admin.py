from django.contrib import admin

from beffroi.territory.models import Place, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "commune", "email")
    list_filter = ("commune",)
    filter_horizontal = ("members",)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "commune", "kind", "address")
    list_filter = ("commune", "kind")
