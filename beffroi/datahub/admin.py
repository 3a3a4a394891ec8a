"""Platform administration of the data hub: devices and rejected uplinks (for inspection)."""

from django.contrib import admin

from beffroi.datahub.models import Device, Entity, RejectedUplink


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ("entity_id", "type_name", "name", "commune", "is_public", "modified_at")
    list_filter = ("commune", "type_name", "is_public")
    search_fields = ("entity_id", "name")
    readonly_fields = ("data", "created_at", "modified_at")


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("dev_eui", "name", "commune", "decoder_profile", "last_f_cnt", "last_seen_at")
    list_filter = ("commune", "decoder_profile")
    search_fields = ("dev_eui", "name")
    raw_id_fields = ("entity",)


@admin.register(RejectedUplink)
class RejectedUplinkAdmin(admin.ModelAdmin):
    list_display = ("received_at", "commune", "source", "dev_eui", "reason")
    list_filter = ("commune", "source")
    search_fields = ("dev_eui", "reason")
    readonly_fields = ("received_at", "commune", "source", "topic", "dev_eui", "reason", "payload")
