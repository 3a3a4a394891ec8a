"""RFC 9457 problem details (application/problem+json) for every API error."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(
    status: int, title: str, detail: str = "", type_: str = "about:blank", **extra: object
) -> JsonResponse:
    body: dict[str, object] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(
        body, status=status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


# A standard API whose own error form is not problem+json (Open311) registers it for its path prefix: the error
# views of core (an unknown path, a NUL character, a body too large, a server error) answer in that form there.
ErrorForm = Callable[[HttpRequest, int, str], HttpResponse]
_ERROR_FORMS: dict[str, ErrorForm] = {}


def register_error_form(prefix: str, render: ErrorForm) -> None:
    _ERROR_FORMS[prefix] = render


def machine_error(request: HttpRequest, status: int, title: str, detail: str = "") -> HttpResponse:
    """The error a program gets: the form its API registered for the path, else problem+json."""
    for prefix, render in _ERROR_FORMS.items():
        if request.path_info.startswith(prefix):
            return render(request, status, detail or title)
    return problem_response(status, title, detail)
