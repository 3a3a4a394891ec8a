"""A destructive action asks once more, on a page of its own and without JavaScript.

The action's form posts as usual; the view calls `confirmation_page` first. Until the post carries
``confirme=1`` it answers the page that asks (« Révoquer la clé … ? ») with the same fields posted back and a
red button, and a way back; once confirmed it returns None and the view carries on.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirme"


def confirmation_page(
    request: HttpRequest, *, title: str, message: str, button: str, cancel_url: str
) -> HttpResponse | None:
    """None once the person confirmed; else the confirmation page (status 200, the action not done)."""
    if request.POST.get(CONFIRM_FIELD) == "1":
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in {"csrfmiddlewaretoken", CONFIRM_FIELD}
        for value in values
    ]
    return render(
        request,
        "confirm.html",
        {
            "title": title,
            "message": message,
            "button": button,
            "cancel_url": cancel_url,
            "fields": fields,
            "action": request.get_full_path(),
            "confirm_field": CONFIRM_FIELD,
        },
    )
