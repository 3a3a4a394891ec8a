"""A dossier's tracking code and private link (no Django here).

The code is read and dictated the same way as a signalement's (8 characters from 31 letters and digits without
0/O, 1/I/L, shown K7QH-3MZP), so residents and agents meet one format; the two apps do not import each other,
hence this module of the démarches' own. The private link's secret is 256 bits, unguessable.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == LENGTH else code


def normalize_code(text: str) -> str | None:
    """What a person typed or dictated (any case, spaces, dashes) → the stored code, or None if impossible."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -_.")
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned
