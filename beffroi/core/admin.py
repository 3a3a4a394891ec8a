from django.contrib import admin

from beffroi.core.models import ApiKey, AuditEntry, Commune


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "insee_code", "population", "departement", "is_active")
    search_fields = ("name", "slug", "insee_code")
    list_filter = ("is_active", "region")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the journal is append-only."""

    list_display = ("created_at", "commune", "actor_label", "action", "summary", "on_behalf_of")
    list_filter = ("commune", "action")
    search_fields = ("actor_label", "action", "summary", "on_behalf_of")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("prefix", "commune", "name", "scope", "created_at", "last_used_at", "revoked_at")
    list_filter = ("commune", "scope")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at", "created_by")

    def has_add_permission(self, request):
        return False  # keys are created with `beffroi apikey create`, which shows the secret once
