"""Text as people type it, made comparable: no accents, no case, words apart, "st"/"ste" spelled out.
Pure: no Django."""

from __future__ import annotations

import re
import unicodedata

# The words written short in commune names and in what people type.
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_NON_WORD = re.compile(r"[^a-z0-9]+")
CODE_LENGTH = 30


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by one space, abbreviations spelled out."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = _NON_WORD.sub(" ", plain).split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


# The accented letters French text carries, and their plain letter: the same table folds what a person types
# (`fold`) and what the database holds (``core.search``'s `folded` lookup, in SQL on PostgreSQL).
ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyyaaaaaaceeeeiiiinooooouuuuyy"
LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"}
_FOLD = str.maketrans({**dict(zip(ACCENTED, PLAIN, strict=True)), **LIGATURES})


def fold(text: str) -> str:
    """Lower case, no accents, nothing else changed (« Hélène Cœur » → « helene coeur »): what a search compares,
    so that « helene », « HÉLÈNE » and « Hélène » find the same person."""
    return text.lower().translate(_FOLD)


def code_from_label(label: str, taken: set[str], fallback: str) -> str:
    """A code made from a label, unique among `taken`: « Date de naissance » → date_de_naissance, then
    date_de_naissance_2. At most 30 characters, cut between two words (« Le chemin est-il praticable à pied ? »
    → le_chemin_est_il_praticable_a, never le_chemin_est_il_praticable_a_ nor a word cut in two), starting with a
    letter (`fallback`, the code of a label with no letter or digit, goes in front of one that starts with a
    digit). A démarche's field keys, a category's question
    codes and choice keys: made once, when created, and kept when the wording changes."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    words = _NON_WORD.sub(" ", ascii_text).split() or [fallback]
    if not words[0][0].isalpha():
        words.insert(0, fallback)
    base = _first_words(words, CODE_LENGTH)
    code, number = base, 2
    while code in taken:
        code, number = f"{base}_{number}", number + 1
    return code


def _first_words(words: list[str], length: int) -> str:
    """As many whole words as fit in `length` characters, joined by `_`; a first word longer than that is cut."""
    code = words[0][:length]
    for word in words[1:]:
        if len(code) + 1 + len(word) > length:
            break
        code = f"{code}_{word}"
    return code
