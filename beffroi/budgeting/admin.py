"""Django admin (platform operator only): budgets and projects. Ballot contents are deliberately not registered."""

from django.contrib import admin

from beffroi.budgeting.models import Budget, Project, SubBudget


class SubBudgetInline(admin.TabularInline):
    model = SubBudget
    extra = 0


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "commune",
        "total_amount",
        "ballot_type",
        "rule",
        "vote_open_at",
        "vote_close_at",
    )
    list_filter = ("commune", "ballot_type", "rule")
    search_fields = ("title", "slug")
    inlines = [SubBudgetInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "budget", "status", "estimated_cost", "final_cost")
    list_filter = ("status", "budget__commune")
    search_fields = ("title",)
    raw_id_fields = ("merged_into", "author", "place")
