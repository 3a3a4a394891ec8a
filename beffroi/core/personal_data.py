"""What each app holds about a person (RGPD art. 15, 17 and 20): exporters build the user's JSON download,
erasers run before the account row is deleted.

Each app registers one section from its own `personal_data.py`. The download is read by the person, who is
French: every key of every section is a French word in snake_case without accents (`signalements`, `cree_le`,
`cout_estime_euros`), dates are ISO 8601, and codes are given with their French label beside them.
"""

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # core sits below accounts: the user model is named for the type checker only
    from beffroi.accounts.models import User

Exporter = Callable[..., dict[str, Any]]  # (*, user) -> the app's section of the download
Eraser = Callable[..., None]  # (*, user) -> None; the user row still exists when it runs

_EXPORTERS: dict[str, Exporter] = {}
_ERASERS: dict[str, Eraser] = {}


def register(section: str, *, exporter: Exporter | None = None, eraser: Eraser | None = None) -> None:
    if exporter is not None:
        _EXPORTERS[section] = exporter
    if eraser is not None:
        _ERASERS[section] = eraser


def export_for(user: "User") -> dict[str, Any]:
    return {section: exporter(user=user) for section, exporter in sorted(_EXPORTERS.items())}


def erase_for(user: "User") -> None:
    for _section, eraser in sorted(_ERASERS.items()):
        eraser(user=user)


def account_reference(user_id: int) -> str:
    """The opaque reference that stands for an account in records kept after it is erased (the audit log):
    its number, never its address or name."""
    return f"compte n° {user_id}"


_ACCOUNT_REFERENCE = re.compile(r"compte n° (\d+)")


def account_references(texts: Iterable[str]) -> set[int]:
    """The account numbers `account_reference` wrote into these texts."""
    return {int(number) for text in texts for number in _ACCOUNT_REFERENCE.findall(text)}


def name_accounts(text: str, labels: dict[int, str]) -> str:
    """`text` with each account reference replaced by the account's current name where it still exists (the
    journal shows people by name while the record itself keeps only numbers)."""
    return _ACCOUNT_REFERENCE.sub(lambda match: labels.get(int(match.group(1)), match.group(0)), text)
