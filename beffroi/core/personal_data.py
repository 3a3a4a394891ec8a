"""What each app holds about a person: exporters build the user's JSON download, erasers run before deletion."""

from collections.abc import Callable

Exporter = Callable[..., dict]
Eraser = Callable[..., None]

_EXPORTERS: dict[str, Exporter] = {}
_ERASERS: dict[str, Eraser] = {}


def register(section: str, *, exporter: Exporter | None = None, eraser: Eraser | None = None) -> None:
    if exporter is not None:
        _EXPORTERS[section] = exporter
    if eraser is not None:
        _ERASERS[section] = eraser


def export_for(user) -> dict:
    return {section: exporter(user=user) for section, exporter in sorted(_EXPORTERS.items())}


def erase_for(user) -> None:
    for _section, eraser in sorted(_ERASERS.items()):
        eraser(user=user)
