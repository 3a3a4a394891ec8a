"""Template helpers of the territory app: the « Premiers pas » checklist, shown on the administrators' pages."""

from django import template

from beffroi.territory import first_steps

register = template.Library()


@register.simple_tag(takes_context=True)
def first_steps_of_commune(context):
    """The checklist of the request's commune (an empty list on the platform's own pages)."""
    request = context.get("request")
    commune = getattr(request, "commune", None)
    return first_steps.steps(commune) if commune is not None else []
