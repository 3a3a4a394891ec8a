"""The `beffroi` console script: Django's management commands, with a few friendly names.

beffroi demo | serve | worker | apikey … | mqtt | pb count …, and every Django command (migrate, createsuperuser…).
"""

import os
import sys

ALIASES = {"worker": "db_worker"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.settings")
    if len(argv) > 1 and argv[1] == "demo":
        # The demo is served over plain HTTP on loopback: cookies must not require HTTPS.
        os.environ.setdefault("BEFFROI_HTTPS", "0")
    if len(argv) > 1 and argv[1] in ALIASES:
        argv[1] = ALIASES[argv[1]]
    argv[0] = "beffroi"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
