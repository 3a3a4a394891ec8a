#!/usr/bin/env python3
"""Writes the French catalogue of the plural messages only (beffroi/locale/fr/LC_MESSAGES/django.po).

French is the language the messages are written in, so it needs no translation, except for one rule: without a
French catalogue, gettext picks a plural with the English rule (« 0 soutiens »), while French says « 0 soutien »
(`plural=(n > 1)`). Each plural message is copied here as its own translation, under the French rule; every other
message keeps falling back to its source text. Run by `make messages` after the English catalogue is updated.
"""

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "beffroi" / "locale"


def main() -> None:
    english = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    french = polib.POFile(wrapwidth=0)
    french.metadata = {
        "Project-Id-Version": "Beffroi",
        "Language": "fr",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=2; plural=(n > 1);",
    }
    for entry in english:
        if entry.msgid_plural and not entry.obsolete:
            french.append(
                polib.POEntry(
                    msgctxt=entry.msgctxt,
                    msgid=entry.msgid,
                    msgid_plural=entry.msgid_plural,
                    msgstr_plural={0: entry.msgid, 1: entry.msgid_plural},
                    flags=[flag for flag in entry.flags if flag != "fuzzy"],
                )
            )
    target = LOCALE / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    french.save(str(target / "django.po"))
    sys.stdout.write(f"{len(french)} plural messages in the French catalogue\n")


if __name__ == "__main__":
    main()
