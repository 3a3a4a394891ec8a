"""Tracking codes of signalements and dossiers: short, unguessable, easy to read and dictate on the phone, one
format for every app (no Django here); and the secret of a private link.

8 characters from a 31-letter alphabet without 0/O, 1/I/L (31**8 ≈ 8.5e11 codes), shown grouped as K7QH-3MZP.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == LENGTH else code


def normalize_code(text: str) -> str | None:
    """What a person typed or dictated (any case, spaces, dashes) → the stored code, or None if impossible."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -_.")
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def new_token() -> str:
    """The secret of a private link (a draft to resume, a registration to cancel): 256 bits, unguessable."""
    return secrets.token_urlsafe(32)
