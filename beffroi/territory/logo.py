"""A commune's logo or coat of arms: check the upload is a real image, re-encode it as PNG at a size fit for the
site header and for printed documents. Re-encoding from the pixels drops any metadata. Pure: Pillow, no Django."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 4 * 1024 * 1024
MAX_PIXELS = 25_000_000
ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
MAX_SIDE = 600  # enough for a printed A4 header at 150 dpi (4 cm wide); the site header shows it 48 px high
MIN_SIDE = 32


class LogoError(ValueError):
    """The upload cannot be a logo; the message is French, for the person who sent it."""


def process_logo(data: bytes) -> bytes:
    """The logo as PNG bytes (transparency kept), no side over 600 px."""
    if len(data) > MAX_BYTES:
        raise LogoError("Le fichier dépasse 4 Mo.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise LogoError("Le logo doit être une image PNG, JPEG, WebP ou GIF.")
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise LogoError("L'image est trop grande (plus de 25 millions de points).")
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
            image = image.convert(
                "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
            )
    except LogoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise LogoError("Le fichier n'est pas une image lisible (PNG, JPEG, WebP ou GIF).") from None
    if min(image.size) < MIN_SIDE:
        raise LogoError("L'image est trop petite : au moins 32 points de côté.")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
