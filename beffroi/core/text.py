"""Text as people type it, made comparable: no accents, no case, words apart, "st"/"ste" spelled out.
Pure: no Django."""

from __future__ import annotations

import re
import unicodedata

# The words written short in commune names and in what people type.
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by one space, abbreviations spelled out."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = _NON_WORD.sub(" ", plain).split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)
