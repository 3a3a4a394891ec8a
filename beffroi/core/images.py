"""Photo intake (reports, ideas, proposals): check the real type and size, re-encode to drop EXIF/GPS metadata,
make a thumbnail.

Re-encoding from the decoded pixels (rather than deleting tags) is what guarantees nothing of the original
file's metadata survives: GPS position, camera serial, embedded thumbnails.
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_SIDE = 2000
THUMB_SIDE = 400


class PhotoError(ValueError):
    """The upload is not an acceptable photo; the message is for the person who sent it."""


@dataclass
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes


def process_photo(data: bytes) -> ProcessedPhoto:
    if len(data) > MAX_BYTES:
        raise PhotoError("too_big")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise PhotoError("bad_type")
            width, height = probe.size
            if width * height > MAX_PIXELS:  # a small file can still decode to gigabytes of pixels
                raise PhotoError("too_many_pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            # keep the orientation the EXIF tag gave, then drop the tag
            img = ImageOps.exif_transpose(opened).convert("RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise PhotoError("bad_type") from None
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    full = io.BytesIO()
    img.save(full, "JPEG", quality=85, optimize=True)
    thumb_img = img.copy()
    thumb_img.thumbnail((THUMB_SIDE, THUMB_SIDE))
    thumb = io.BytesIO()
    thumb_img.save(thumb, "JPEG", quality=80, optimize=True)
    return ProcessedPhoto(image=full.getvalue(), thumbnail=thumb.getvalue())
