"""The `beffroi` console script: Django's management commands, with a few friendly names.

beffroi demo | serve | worker | apikey … | mqtt | pb count …, and every Django command (migrate, createsuperuser…).

`beffroi pb count` touches no database: it runs the pure counting modules directly, without importing or setting
up Django (that start-up alone took longer than counting a city's vote). Its options, output and errors are those
of the management command `pb` (`beffroi.budgeting.management.commands.pb`), which still serves `call_command`.
"""

import os
import sys

ALIASES = {"worker": "db_worker"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 2 and argv[1] == "pb" and argv[2] == "count":
        sys.exit(count_without_django(argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.settings")
    if len(argv) > 1 and argv[1] == "demo":
        # The demo is served over plain HTTP on loopback: cookies must not require HTTPS.
        os.environ.setdefault("BEFFROI_HTTPS", "0")
        # Its legal notice names who hosts it, as a real instance's does (set by the operator).
        os.environ.setdefault(
            "BEFFROI_HOSTING_NAME", "l'ordinateur sur lequel cette démonstration a été lancée"
        )
    if len(argv) > 1 and argv[1] in ALIASES:
        argv[1] = ALIASES[argv[1]]
    argv[0] = "beffroi"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def count_without_django(args: list[str]) -> int:
    """`beffroi pb count …` (`args` from `count` on): the report on stdout, the file's warnings on stderr; an
    error as Django prints a `CommandError` (same text and exit status as the management command)."""
    import gc

    # A one-shot process that builds a few hundred thousand small objects and frees them at exit: the cyclic
    # collector would walk them again and again (a third of the time of reading Łódź 2022) for nothing.
    gc.disable()
    from beffroi.budgeting import cli

    parsed = cli.build_parser().parse_args(args)
    try:
        report = cli.run_count(
            parsed.file,
            parsed.rule,
            as_json=parsed.as_json,
            eligibility_factor=parsed.eligibility_factor,
            verify=parsed.verify,
            category_budgets=not parsed.ignore_category_budgets,
            warn=sys.stderr.write,
            parallel=True,  # a process that counts and exits: the Add1 runs may use the second core
        )
    except cli.CommandLineError as exc:
        sys.stderr.write(f"CommandError: {exc}\n")
        return 1
    sys.stdout.write(report)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    main()
