"""One strict reading of a euro amount typed by a person, the French way (pure: no Django).

Accepted: ASCII digits, optionally grouped by three with a space (ordinary, no-break or narrow no-break), and
cents after a comma — `1250`, `1 250`, `1 250,5`, `1 250,50`, and a euro sign after the amount, as a person
writes it (`12 500,50 €`). A dot is read as the decimal mark only when one
or two digits follow it (`12.5`, a phone's numeric keypad), never as a thousands separator (`1.250` is
ambiguous and refused). Everything else is refused with a sentence saying why, rather than read silently
into another number: exponents (`1.5e3`), underscores (`1_000`), the euro sign before the amount or any other letter, digits
of other scripts (full-width `１００`, Arabic-Indic `١٠٠`), signs, and amounts past a trillion euros.
"""

from __future__ import annotations

import re
from decimal import Decimal

from beffroi.core.formatting import format_eur_short

MAX_AMOUNT = Decimal("999999999999.99")  # under a trillion euros: any public budget, and safe in every column
_SPACES = "\u0020\u00a0\u202f"
_AMOUNT = re.compile(
    r"(?P<units>[0-9]{1,3}(?:[" + _SPACES + r"][0-9]{3})+|[0-9]+)(?:[,.](?P<cents>[0-9]{1,2}))?"
)


class AmountError(ValueError):
    """The text is not an amount; `message` is a French sentence for the person who typed it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code  # empty, currency, negative, digits, dot, format, cents, too_high, not_number
        self.message = message


def parse_amount(text: str, *, allow_cents: bool = True, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """The amount in euros written in `text` (see the module's docstring), or `AmountError`."""
    cleaned = text.strip()
    if not cleaned:
        raise AmountError("empty", "Indiquez un montant.")
    if cleaned.endswith("€") and cleaned[:-1].strip() and cleaned[:-1].strip()[-1].isdigit():
        cleaned = cleaned[:-1].rstrip(_SPACES)
    if re.fullmatch(r"[0-9.,]+[eE][+-]?[0-9]+", cleaned):
        raise AmountError(
            "exponent",
            "Écrivez le montant en entier, sans puissance de dix (par exemple 1 000 000 et non 1e6).",
        )
    if "€" in cleaned or "eur" in cleaned.lower():
        raise AmountError("currency", "Écrivez le montant en chiffres seulement, sans le symbole €.")
    if cleaned.startswith("-"):
        raise AmountError("negative", "Le montant ne peut pas être négatif.")
    if any(c.isdigit() and not c.isascii() for c in cleaned):
        raise AmountError("digits", "Écrivez le montant avec les chiffres 0 à 9.")
    if "." in cleaned and "," in cleaned:
        raise AmountError(
            "dot",
            "Écrivez le montant sans point : les milliers séparés par une espace, les centimes après une virgule "
            "(par exemple 1 250,50).",
        )
    if re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{3})+", cleaned):
        raise AmountError(
            "ambiguous",
            f"« {cleaned} » est ambigu : séparez les milliers par une espace (par exemple "
            f"{cleaned.replace('.', ' ')}) et les centimes par une virgule.",
        )
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise AmountError(
            "format",
            "Ce montant n'est pas un nombre : écrivez-le en chiffres, les milliers séparés par une espace et les "
            "centimes après une virgule (par exemple 1 250,50).",
        )
    cents = match.group("cents")
    if cents and not allow_cents:
        raise AmountError("cents", "Indiquez un montant en euros, sans centimes.")
    units = re.sub(f"[{_SPACES}]", "", match.group("units"))
    amount = Decimal(units) + (Decimal(cents.ljust(2, "0")) / 100 if cents else Decimal(0))
    if amount > maximum:
        raise AmountError("too_high", f"Ce montant est trop élevé (au plus {format_eur_short(maximum)}).")
    return amount


def check_amount(value: Decimal | int, *, allow_cents: bool = True, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """The same rules for an amount that arrives as a number (an API's JSON): finite, not negative, bounded."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise AmountError("not_number", "Le montant doit être un nombre.")
    amount = Decimal(value)
    if not amount.is_finite():
        raise AmountError("not_number", "Le montant doit être un nombre.")
    if amount < 0:
        raise AmountError("negative", "Le montant ne peut pas être négatif.")
    if amount > maximum:
        raise AmountError("too_high", f"Ce montant est trop élevé (au plus {format_eur_short(maximum)}).")
    if amount != amount.quantize(Decimal("1" if not allow_cents else "0.01")):
        raise AmountError(
            "cents",
            "Indiquez un montant en euros, au centime près."
            if allow_cents
            else "Indiquez un montant en euros, sans centimes.",
        )
    return amount
