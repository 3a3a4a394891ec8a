"""The field types of a démarche and the server-side check of one answer (no Django here).

Each type turns what a person typed (strings, as a form posts them) into the stored value, or raises
`FieldError` with a reason; `MESSAGES` holds the French sentence of each reason (the pages translate it through
gettext, see `procedures.messages`). Checksums and numbers go through maintained libraries: python-stdnum
(SIRET, SIREN, IBAN, BIC) and phonenumbers (Google's libphonenumber metadata), never hand-written ones.

Types follow the French téléprocédure tools (démarches-simplifiées' `type_de_champ`, w.c.s.' fields): text,
long text, number, date, yes/no, single and multiple choice, e-mail, phone, postal address, a named place of
the commune, a commune of France (INSEE code), SIRET, SIREN, RNA, IBAN, BIC, file, a repeatable block and an
explanation text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from beffroi.core.formatting import NBSP, format_date_long, format_number

# type code → French label (shown in the form builder). Order is the builder's menu order.
TYPES: dict[str, str] = {
    "short_text": "Texte court",
    "long_text": "Texte long",
    "number": "Nombre",
    "date": "Date",
    "yes_no": "Oui / non",
    "choice": "Choix unique",
    "multiple_choice": "Choix multiple",
    "email": "Adresse électronique",
    "phone": "Téléphone",
    "address": "Adresse postale",
    "place": "Lieu de la commune",
    "commune": "Commune de France",
    "siret": "Numéro SIRET",
    "siren": "Numéro SIREN",
    "rna": "Numéro RNA (association)",
    "iban": "IBAN",
    "bic": "BIC",
    "file": "Fichier joint",
    "repeat": "Bloc répétable",
    "explanation": "Texte d'explication",
}
# Types that hold no answer of their own.
NO_VALUE_TYPES = frozenset({"explanation"})
# What a file may be, by extension: (label, leading bytes that a real file of that kind starts with).
FILE_KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("PDF", (b"%PDF-",)),
    "jpg": ("JPEG", (b"\xff\xd8\xff",)),
    "jpeg": ("JPEG", (b"\xff\xd8\xff",)),
    "png": ("PNG", (b"\x89PNG\r\n\x1a\n",)),
    "odt": ("OpenDocument", (b"PK\x03\x04",)),
    "docx": ("Word", (b"PK\x03\x04",)),
}
DEFAULT_FILE_TYPES = ("pdf", "jpg", "jpeg", "png")
# What an agent filing for a resident (counter, phone, letter) may record instead of a file: the piece seen on
# paper, or to come later. Stored as the file field's answer ({"paper": code}) and read so by the instructor.
PAPER_PIECES: dict[str, str] = {
    "vu": "Pièce vue en original par la mairie (non numérisée)",
    "a_fournir": "Pièce à fournir plus tard par le demandeur",
}
PAPER_SUFFIX = "papier"  # the posted name of the choice: `<field name>-papier`
MAX_FILE_MB = 10
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000

# reason → French message; {label} is the field's label, the other names come from FieldError.params.
MESSAGES: dict[str, str] = {
    "required": "Répondez à « {label} ».",
    "too_long": "« {label} » ne doit pas dépasser {max} caractères.",
    "number": "« {label} » doit être un nombre (par exemple 12 ou 12,5).",
    "integer": "« {label} » doit être un nombre entier.",
    "min": "« {label} » doit être au moins {min}.",
    "max": "« {label} » ne doit pas dépasser {max}.",
    "date": "« {label} » doit être une date réelle, au format JJ/MM/AAAA.",
    "date_min": "« {label} » ne peut pas être avant le {min}.",
    "date_max": "« {label} » ne peut pas être après le {max}.",
    "yes_no": "Répondez « oui » ou « non » à « {label} ».",
    "choice": "La réponse à « {label} » ne fait pas partie des choix proposés.",
    "choices_min": "Cochez au moins {min} réponse(s) à « {label} ».",
    "choices_max": "Cochez au plus {max} réponse(s) à « {label} ».",
    "email": "« {label} » n'est pas une adresse électronique valide (exemple : nom@exemple.fr).",
    "phone": "« {label} » n'est pas un numéro de téléphone valide (exemple : 06 12 34 56 78 ou +32 2 123 45 67).",
    "address_street": "Indiquez le numéro et la voie de « {label} ».",
    "postcode": "Le code postal de « {label} » doit compter 5 chiffres.",
    "address_city": "Indiquez la commune de « {label} ».",
    "address_point": "Le point placé sur la carte pour « {label} » n'est pas valable : placez-le à nouveau.",
    "place": "Choisissez un lieu de la liste pour « {label} ».",
    "commune": "« {label} » doit être une commune de France (code INSEE à 5 caractères, par exemple 75056).",
    "siret": "« {label} » n'est pas un numéro SIRET valide : 14 chiffres dont le dernier est une clé de contrôle.",
    "siren": "« {label} » n'est pas un numéro SIREN valide : 9 chiffres dont le dernier est une clé de contrôle.",
    "rna": "« {label} » n'est pas un numéro RNA : la lettre W suivie de 9 chiffres (par exemple W751234567).",
    "iban": "« {label} » n'est pas un IBAN valide : vérifiez les caractères recopiés (la clé de contrôle ne "
    "correspond pas).",
    "bic": "« {label} » n'est pas un BIC valide : 8 ou 11 caractères (par exemple BNPAFRPP).",
    "file_type": "Le fichier joint à « {label} » doit être de type {types}.",
    "file_size": "Le fichier joint à « {label} » dépasse {max} Mo.",
    "file_content": "Le fichier joint à « {label} » n'est pas un fichier {kind} lisible.",
    "rows_min": "Remplissez au moins {min} ligne(s) de « {label} ».",
    "rows_max": "« {label} » compte au plus {max} ligne(s).",
    "hidden": "« {label} » ne s'applique pas d'après vos réponses : laissez-le vide.",
    "paper": "Choisissez comment la pièce « {label} » est fournie parmi les choix proposés.",
}

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_RNA = re.compile(r"^W\d[0-9AB]\d{7}$")  # W + 9 characters: the département (2A/2B in Corsica) then a number
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_POSTCODE = re.compile(r"^\d{5}$")


class FieldError(ValueError):
    """An answer refused: `key` the field (a repeat's row field is `block.2.child`), `reason` a MESSAGES key."""

    def __init__(self, key: str, reason: str, label: str = "", **params: Any):
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason
        self.label = label
        self.params = params

    def message(self, template: str | None = None) -> str:
        """The French sentence (or a translated `template` of it), filled in."""
        return (template or MESSAGES[self.reason]).format(label=self.label, **self.params)


@dataclass(frozen=True)
class FileUpload:
    """What the page received for a file field: its name, size and first bytes (the storage is not here)."""

    name: str
    size: int
    head: bytes


@dataclass
class Context:
    """What some types check against and that lives in the database: the commune's places, France's communes."""

    places: Mapping[str, str]  # place id → name
    communes: Mapping[str, str] | None = None  # INSEE code → name; None: format check only
    today: date | None = None
    place_kinds: Mapping[str, str] | None = None  # place id → its kind (territory's Place.Kind code)


def offered_places(
    field: Mapping[str, Any], places: Mapping[str, str], kinds: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The places a « place » field offers, in the commune's order: the ones the builder chose (`places`, ids),
    else those of the kinds the field names (`place_kinds`, e.g. a room booking's public buildings), else all.

    Chosen places no longer in the commune (deleted, or a form imported from another commune) are skipped; if
    none is left the kinds apply, so a form never offers a place of another commune nor an empty list by
    mistake."""
    chosen = {str(p) for p in field.get("places") or []}
    picked = {pk: name for pk, name in places.items() if pk in chosen}
    if picked:
        return picked
    wanted = {str(k) for k in field.get("place_kinds") or []}
    if wanted:
        return {pk: name for pk, name in places.items() if (kinds or {}).get(pk) in wanted}
    return dict(places)


def _strip(values: list[str]) -> list[str]:
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def parse_decimal(text: str) -> Decimal | None:
    """A French or English number: « 1 250,5 », « 1250.5 », with non-breaking spaces; None if not a number."""
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_date(text: str) -> date | None:
    """JJ/MM/AAAA (what people type) or AAAA-MM-JJ (what a date input posts); None if not a real date."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            parsed = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 1000 <= parsed.year <= 9999:
            return parsed
    return None


def french_date(day: date) -> str:
    """A day as a resident reads it, in words: « 12 mai 2017 » (« 1er mars » on the first)."""
    return format_date_long(day)


def _number_text(number: Decimal) -> str:
    text = format(number.normalize(), "f") if number == number.to_integral() else format(number, "f")
    return text.replace(".", ",")


def clean_value(
    field: Mapping[str, Any], values: list[str], *, context: Context, key: str | None = None
) -> Any:
    """Check one simple field's posted values and return the value to store (None when left empty).

    `values` are the strings the form posted under the field's name (several for a multiple choice).
    Raises FieldError. Repeatable blocks and files are handled by `schema.clean_answers` / `clean_file`.
    """
    kind = field["type"]
    label = str(field.get("label", field["key"]))
    key = key or field["key"]
    given = _strip(values)

    def error(reason: str, **params: Any) -> FieldError:
        return FieldError(key, reason, label, **params)

    if kind in NO_VALUE_TYPES:
        return None
    if kind == "multiple_choice":
        keys = [str(c["key"]) for c in field.get("choices", [])]
        if any(v not in keys for v in given):
            raise error("choice")
        chosen = [k for k in keys if k in given]  # the builder's order, no duplicates
        if not chosen:
            if field.get("required"):
                raise error("required")
            return None
        if field.get("min_choices") and len(chosen) < int(field["min_choices"]):
            raise error("choices_min", min=field["min_choices"])
        if field.get("max_choices") and len(chosen) > int(field["max_choices"]):
            raise error("choices_max", max=field["max_choices"])
        return chosen
    if kind == "address":
        raise ValueError("address: use clean_address")
    if not given:
        if field.get("required"):
            raise error("required")
        return None
    value = given[0]
    if kind in ("short_text", "long_text"):
        limit = int(field.get("max_length") or (SHORT_TEXT_MAX if kind == "short_text" else LONG_TEXT_MAX))
        if len(value) > limit:
            raise error("too_long", max=limit)
        return value if kind == "long_text" else " ".join(value.split())
    if kind == "number":
        number = parse_decimal(value)
        if number is None:
            raise error("number")
        if field.get("integer") and number != number.to_integral():
            raise error("integer")
        unit = f" {field['unit']}" if field.get("unit") else ""
        if field.get("min") is not None and number < Decimal(str(field["min"])):
            raise error("min", min=_number_text(Decimal(str(field["min"]))) + unit)
        if field.get("max") is not None and number > Decimal(str(field["max"])):
            raise error("max", max=_number_text(Decimal(str(field["max"]))) + unit)
        return _number_text(number).replace(",", ".")
    if kind == "date":
        day = parse_date(value)
        if day is None:
            raise error("date")
        for bound, reason, out in (
            ("min", "date_min", lambda d: day < d),
            ("max", "date_max", lambda d: day > d),
        ):
            limit_day = _date_bound(field.get(bound), context)
            if limit_day is not None and out(limit_day):
                raise error(reason, **{bound: french_date(limit_day)})
        return day.isoformat()
    if kind == "yes_no":
        lowered = value.lower()
        if lowered in ("oui", "yes", "true", "1", "on"):
            return True
        if lowered in ("non", "no", "false", "0"):
            return False
        raise error("yes_no")
    if kind == "choice":
        if value not in {str(c["key"]) for c in field.get("choices", [])}:
            raise error("choice")
        return value
    if kind == "email":
        if len(value) > 254 or not _EMAIL.match(value):
            raise error("email")
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"
    if kind == "phone":
        return clean_phone(value, error)
    if kind == "place":
        if value not in offered_places(field, context.places, context.place_kinds):
            raise error("place")
        return value
    if kind == "commune":
        code = value.upper().replace(" ", "")
        if not _INSEE.match(code) or (context.communes is not None and code not in context.communes):
            raise error("commune")
        return code
    if kind in ("siret", "siren"):
        module = stdnum_siret if kind == "siret" else stdnum_siren
        try:
            return str(module.validate(value))
        except StdnumError:
            raise error(kind) from None
    if kind == "rna":
        code = value.upper().replace(" ", "")
        if not _RNA.match(code):
            raise error("rna")
        return code
    if kind == "iban":
        try:
            return str(stdnum_iban.validate(value))
        except StdnumError:
            raise error("iban") from None
    if kind == "bic":
        try:
            return str(stdnum_bic.validate(value))
        except StdnumError:
            raise error("bic") from None
    raise ValueError(f"unknown field type {kind!r}")


def _date_bound(bound: Any, context: Context) -> date | None:
    if not bound:
        return None
    if bound == "today":
        return context.today
    return parse_date(str(bound))


def clean_phone(value: str, error: Any = None) -> str:
    """A French (06 12 34 56 78) or international (+32 2 …) number → E.164 (+33612345678)."""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise (error("phone") if error else FieldError("phone", "phone"))
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def phone_display(e164: str) -> str:
    """How a stored number is read: national format for France (06 12 34 56 78), international otherwise."""
    try:
        number = phonenumbers.parse(e164, "FR")
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 33
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))


def clean_address(
    field: Mapping[str, Any], parts: Mapping[str, list[str]], *, key: str | None = None
) -> dict[str, Any] | None:
    """A postal address from its parts (`street`, `complement`, `postcode`, `city`) → a dict, or None if empty.

    With JavaScript a point placed on the map comes as `lat` and `lon`: stored as `point` {lat, lon, source:
    "carte"}; a point that is not a pair of coordinates is refused (a tampered form)."""
    key = key or field["key"]
    label = str(field.get("label", field["key"]))
    got = {
        name: (_strip(parts.get(name, [])) or [""])[0]
        for name in ("street", "complement", "postcode", "city")
    }
    if not any(got.values()):
        if field.get("required"):
            raise FieldError(key, "required", label)
        return None
    if not got["street"]:
        raise FieldError(key, "address_street", label)
    if not _POSTCODE.match(got["postcode"].replace(" ", "")):
        raise FieldError(key, "postcode", label)
    if not got["city"]:
        raise FieldError(key, "address_city", label)
    got["postcode"] = got["postcode"].replace(" ", "")
    for name, text in got.items():
        if len(text) > SHORT_TEXT_MAX:
            raise FieldError(key, "too_long", label, max=SHORT_TEXT_MAX)
        got[name] = " ".join(text.split())
    out: dict[str, Any] = dict(got)
    lat, lon = ((_strip(parts.get(name, [])) or [""])[0] for name in ("lat", "lon"))
    if lat or lon:
        try:
            point = (float(lat), float(lon))
        except ValueError:
            raise FieldError(key, "address_point", label) from None
        if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180) or any(v != v for v in point):
            raise FieldError(key, "address_point", label)
        out["point"] = {"lat": round(point[0], 6), "lon": round(point[1], 6), "source": "carte"}
    return out


def file_types(field: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        t.lower().lstrip(".")
        for t in field.get("file_types") or DEFAULT_FILE_TYPES
        if t.lower().lstrip(".") in FILE_KINDS
    )


def clean_file(field: Mapping[str, Any], upload: FileUpload, *, key: str | None = None) -> str:
    """Check a file against the field's types and size limit (by extension AND by its first bytes).

    Returns the extension to store it under. A renamed executable or a PDF too big is refused in French.
    """
    key = key or field["key"]
    label = str(field.get("label", field["key"]))
    allowed = file_types(field)
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in allowed:
        names = ", ".join(sorted({FILE_KINDS[t][0] for t in allowed}))
        raise FieldError(key, "file_type", label, types=names)
    max_mb = float(field.get("max_size_mb") or MAX_FILE_MB)
    if upload.size > max_mb * 1024 * 1024:
        raise FieldError(key, "file_size", label, max=_number_text(Decimal(str(max_mb))))
    kind, signatures = FILE_KINDS[extension]
    if not any(upload.head.startswith(signature) for signature in signatures):
        raise FieldError(key, "file_content", label, kind=kind)
    return extension


def display_value(
    field: Mapping[str, Any],
    value: Any,
    *,
    places: Mapping[str, str] | None = None,
    communes: Mapping[str, str] | None = None,
    coordinates: bool = True,
) -> str:
    """The human reading of a stored value (for the summary, the receipt, the agents' page, the CSV).

    `coordinates`: an address's located point as read by the agents (latitude, longitude and where it comes
    from); False for what a resident reads (the summary, the tracking page, the receipt, the letter)."""
    if value is None or value == [] or value == "":
        return ""
    kind = field["type"]
    if kind == "yes_no":
        return "Oui" if value else "Non"
    if kind in ("choice", "multiple_choice"):
        names = {str(c["key"]): str(c.get("label", c["key"])) for c in field.get("choices", [])}
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(names.get(str(v), str(v)) for v in chosen)
    if kind == "date":
        day = parse_date(str(value))
        return french_date(day) if day else str(value)
    if kind == "number":
        number = parse_decimal(str(value))
        text = _number_text(number) if number is not None else str(value)
        return f"{text} {field['unit']}" if field.get("unit") else text
    if kind == "phone":  # read whole: never cut at the end of a line (a page, the printed accusé)
        return phone_display(str(value)).replace(" ", NBSP)
    if kind == "address" and isinstance(value, Mapping):
        lines = [
            value.get("street", ""),
            value.get("complement", ""),
            f"{value.get('postcode', '')} {value.get('city', '')}",
        ]
        text = ", ".join(line.strip() for line in lines if line and line.strip())
        point = value.get("point")
        if coordinates and isinstance(point, Mapping) and "lat" in point and "lon" in point:
            where = (
                "point placé sur la carte"
                if point.get("source") == "carte"
                else "situé d'après la base adresse"
            )
            # French decimal commas: the two numbers are named, a comma between them would read as a third
            lat, lon = (format_number(Decimal(str(point[axis])), 5) for axis in ("lat", "lon"))
            text = f"{text} ({where} : latitude {lat}, longitude {lon})"
        return text
    if kind == "place":
        return (places or {}).get(str(value), str(value))
    if kind == "commune":
        name = (communes or {}).get(str(value))
        return f"{name} ({value})" if name else str(value)
    if kind == "iban":
        return str(stdnum_iban.format(str(value)))
    if kind == "siret":
        return str(stdnum_siret.format(str(value)))
    if kind == "file" and isinstance(value, Mapping):
        if value.get("paper"):
            return PAPER_PIECES.get(str(value["paper"]), str(value["paper"]))
        return str(value.get("name", ""))
    return str(value)
