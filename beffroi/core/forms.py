"""Form fields shared by every app."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from beffroi.core import held_uploads
from beffroi.core.amounts import MAX_AMOUNT, AmountError, check_amount, parse_amount
from beffroi.core.formatting import format_eur_short, format_int, format_number
from beffroi.core.held_uploads import HeldFile, held_field_name, hold

# The pure parser's sentences are French; these are the same sentences through the catalogue.
AMOUNT_MESSAGES = {
    "empty": gettext_lazy("Indiquez un montant."),
    "currency": gettext_lazy("Écrivez le montant en chiffres seulement, sans le symbole €."),
    "negative": gettext_lazy("Le montant ne peut pas être négatif."),
    "digits": gettext_lazy("Écrivez le montant avec les chiffres 0 à 9."),
    "dot": gettext_lazy(
        "Écrivez le montant sans point : les milliers séparés par une espace, les centimes après une virgule "
        "(par exemple 1 250,50)."
    ),
    "format": gettext_lazy(
        "Ce montant n'est pas un nombre : écrivez-le en chiffres, les milliers séparés par une espace et les "
        "centimes après une virgule (par exemple 1 250,50)."
    ),
    "not_number": gettext_lazy("Le montant doit être un nombre."),
    "exponent": gettext_lazy(
        "Écrivez le montant en entier, sans puissance de dix (par exemple 1 000 000 et non 1e6)."
    ),
}


class AmountField(forms.Field):
    """A euro amount typed the French way (`1 250,50`), read strictly by `core.amounts.parse_amount`.

    `cents=False` for whole euros (the value is then an `int`); the input keeps `inputmode="decimal"` so phones
    show a numeric keypad, and the typed text is shown back unchanged when it is refused.
    """

    def __init__(self, *, cents: bool = True, maximum: Decimal = MAX_AMOUNT, **kwargs: Any) -> None:
        self.cents = cents
        self.maximum = maximum
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "40")
        self.widget.attrs.setdefault("inputmode", "decimal" if cents else "numeric")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            number = Decimal(value)
            text = format_int(number).replace("\u202f", " ")
            if number != number.to_integral_value():
                text += "," + f"{number:.2f}".split(".")[1]
            return text
        return value

    def to_python(self, value: Any) -> Decimal | int | None:
        if value in self.empty_values:
            return None
        try:
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                amount = check_amount(value, allow_cents=self.cents, maximum=self.maximum)
            else:
                amount = parse_amount(str(value), allow_cents=self.cents, maximum=self.maximum)
        except AmountError as exc:
            raise ValidationError(self._message(exc), code="amount") from None
        return int(amount) if not self.cents else amount

    def _message(self, exc: AmountError) -> str:
        if exc.code == "too_high":
            return gettext("Ce montant est trop élevé (au plus %(maximum)s).") % {
                "maximum": format_eur_short(self.maximum)
            }
        if exc.code == "ambiguous":
            typed = exc.message.split("»")[0].lstrip("« ").strip()
            return gettext(
                "« %(typed)s » est ambigu : séparez les milliers par une espace (par exemple %(spaced)s) et les "
                "centimes par une virgule."
            ) % {"typed": typed, "spaced": typed.replace(".", " ")}
        if exc.code == "cents":
            return gettext("Indiquez un montant en euros, sans centimes.") if not self.cents else exc.message
        return str(AMOUNT_MESSAGES.get(exc.code, exc.message))


# A number as a French person writes it: an optional sign, the units (grouped by three with an ordinary, a
# no-break or a narrow no-break space, as pages print them), then decimals after a comma (or a dot, a phone's
# numeric keypad). `1.500` is refused as ambiguous: a thousands dot in French, one and a half elsewhere.
_NUMBER = re.compile(
    r"(?P<sign>[-+\u2212]?)(?P<units>[0-9]{1,3}(?:[\u0020\u00a0\u202f][0-9]{3})+|[0-9]+)(?:[,.](?P<decimals>[0-9]+))?"
)
_DOT_THOUSANDS = re.compile(r"[-+\u2212]?[0-9]{1,3}(?:\.[0-9]{3})+")


class FrenchDecimalField(forms.Field):
    """A number (a threshold, a measurement) typed the French way: `1 500`, `0,4`, `-2,5`; the thousands grouped
    by any kind of space, a comma (or a dot) before the decimals. The value is a `Decimal`, or None when left
    empty; a number is shown back the same way (`1 500`, `0,4`), and a refused text unchanged, with one French
    sentence saying how to write it."""

    default_error_messages = {
        "invalid": gettext_lazy(
            "Écrivez un nombre en chiffres, les milliers séparés par une espace et les décimales après une "
            "virgule (par exemple 1 500 ou 0,4)."
        ),
        "ambiguous": gettext_lazy(
            "« %(typed)s » est ambigu : écrivez %(spaced)s pour un nombre entier (les milliers séparés par une "
            "espace) ou %(comma)s avec une virgule avant les décimales."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "40")
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return format_number(value).replace("\u202f", " ")
        return value

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        text = str(value).strip()
        if not text:
            return None
        if _DOT_THOUSANDS.fullmatch(text):
            raise ValidationError(
                self.error_messages["ambiguous"],
                code="ambiguous",
                params={"typed": text, "spaced": text.replace(".", " "), "comma": text.replace(".", ",")},
            )
        match = _NUMBER.fullmatch(text) if len(text) <= 40 else None
        if match is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        units = re.sub(r"\D", "", match.group("units"))
        number = Decimal(f"{units}.{match.group('decimals') or '0'}")
        return -number if match.group("sign") in ("-", "\u2212") else number


class CoordinateField(forms.DecimalField):
    """A point's latitude or longitude in decimal degrees, a comma accepted as the
    decimal mark (« 47,3149 » as a French keyboard writes it), rounded to 6 decimals (about 10 cm) rather than
    refused for its precision: the commune's address base (BAL files carry 7 decimals) or a phone's GPS give more.

    Hidden by default: a map writes it, and the service that takes the point checks where it lies (an error on a
    hidden field would have nowhere to show). `typed=True` for a text input a person fills in, with a numeric
    keypad on phones and the globe's bounds checked here. The value is a `Decimal`, or None when left empty.
    """

    def __init__(self, axis: Literal["latitude", "longitude"], *, typed: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        if typed:
            bound = 90 if axis == "latitude" else 180
            kwargs.update(
                min_value=-bound, max_value=bound, localize=True
            )  # shown back with a comma in French
            kwargs["widget"] = forms.TextInput(
                attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}
            )
        else:
            kwargs["widget"] = forms.HiddenInput()
        super().__init__(max_digits=9, decimal_places=6, **kwargs)

    def to_python(self, value: Any) -> Any:  # a Decimal or None (the stubs type DecimalField as IntegerField)
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        number = super().to_python(value)
        return None if number is None else number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's `ValidationError` on the form that sent the values: each error on its field when the form
    has that field, the others at the top (in the error summary); what the person typed stays in the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


PICTURE_MESSAGES = {
    "too_big": gettext_lazy("La photo dépasse 8 Mo : choisissez une image plus légère."),
    "too_many_pixels": gettext_lazy(
        "La photo compte trop de pixels (plus de 40 millions) : réduisez sa définition, "
        "ou envoyez une capture d'écran de la photo."
    ),
    "bad_type": gettext_lazy(
        "Ce fichier n'est pas une photo lisible (formats acceptés : JPEG, PNG, WebP, GIF)."
    ),
}


PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


class PhotoInput(forms.ClearableFileInput):
    """A photo input that also shows the photos held from a form sent back with errors (`keep_pictures`): one
    ticked box each, « Garder la photo déjà jointe « … » », whose token brings it back with the next sending."""

    template_name = "forms/widgets/photo_input.html"
    held: list[HeldFile] = []

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"accept": PHOTO_ACCEPT, **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["held"] = self.held
        context["widget"]["held_name"] = held_field_name(name)
        return context


class PhotosInput(PhotoInput):
    """Several photos at once (a signalement's)."""

    allow_multiple_selected = True


class PictureField(forms.FileField):
    """One photo a resident gives (an idea, a proposal): its real type and size checked, re-encoded without
    its metadata (EXIF, GPS) by `core.images.process_photo`; cleans to a `ProcessedPhoto` or None."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", PhotoInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        from beffroi.core.images import MAX_BYTES, PhotoError, process_photo

        upload = super().clean(data, initial)
        if not upload:
            return None
        if upload.size > MAX_BYTES:
            raise ValidationError(PICTURE_MESSAGES["too_big"], code="too_big")
        try:
            return process_photo(upload.read())
        except PhotoError as error:
            raise ValidationError(PICTURE_MESSAGES[str(error)], code=str(error)) from None


def keep_pictures(form: forms.Form, field: str = "picture", *, commune_id: int) -> None:
    """A form sent back with errors cannot hand the browser its files again: hold the photos that were sent and
    not themselves refused (`core.held_uploads`), so that the form shows them as kept and the next sending takes
    them back. Should the storage fail, say on the field (and so in the error summary) that they must be chosen
    again, rather than drop them silently. Call it on the form about to be shown again after a POST, which was
    built with `files_with_held`; `field` may take several files (a report's photos)."""
    uploads = [upload for upload in form.files.getlist(field) if isinstance(upload, UploadedFile)]
    if not (form.errors and uploads):
        return
    refused = field in form.errors
    if refused:  # the photos refused (one too many): those held before stay offered, ticked
        uploads = [upload for upload in uploads if getattr(upload, "held_token", None)]
    widget = form.fields[field].widget
    held: list[HeldFile] = []
    if uploads and isinstance(widget, PhotoInput):
        try:
            held = hold(commune_id=commune_id, uploads=uploads)  # those held before keep their token
        except OSError:
            held = []
    if held and isinstance(widget, PhotoInput):
        widget.held = held  # the form's own copy of the widget
        return
    if refused or not uploads:
        return
    names = ", ".join((upload.name or "")[:100] for upload in uploads)
    message = ngettext_lazy(
        "La photo « %(names)s » n'a pas été gardée : choisissez-la de nouveau avant d'envoyer.",
        "Les photos « %(names)s » n'ont pas été gardées : choisissez-les de nouveau avant d'envoyer.",
        "count",
    )
    form.add_error(
        field, ValidationError(message, code="not_kept", params={"names": names, "count": len(uploads)})
    )


def files_with_held(request: Any, *fields: str) -> Any:
    """The request's files with, for each of ``fields``, the held photos the person kept ticked: what a form
    that may hold photos is built with (``Form(request.POST, files_with_held(request, "photos"))``)."""
    files = request.FILES
    if request.method != "POST" or request.commune is None:
        return files
    for field in fields:
        files = held_uploads.files_with_held(files, request.POST, commune_id=request.commune.pk, field=field)
    return files


def release_held(request: Any, *fields: str) -> None:
    """Delete the held photos a form has now sent for good (call it once the service accepted them)."""
    if request.commune is None:
        return
    for field in fields:
        held_uploads.release(
            commune_id=request.commune.pk, tokens=request.POST.getlist(held_field_name(field))
        )


def resident_picture_fields() -> tuple[PictureField, forms.CharField]:
    """The photo a resident may join to an idea or a proposal, and the sentence that describes it, as a form
    declares them: ``picture, picture_alt = resident_picture_fields()``."""
    picture = PictureField(
        label=gettext_lazy("Une photo"),
        help_text=gettext_lazy(
            "Le lieu tel qu'il est, ou un exemple de ce que vous imaginez. JPEG, PNG ou WebP, 8 Mo au plus."
        ),
    )
    picture_alt = forms.CharField(
        label=gettext_lazy("Ce que montre la photo"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Une phrase lue aux personnes qui ne voient pas l'image, par exemple : « le lavoir, sans banc »."
        ),
    )
    return picture, picture_alt
