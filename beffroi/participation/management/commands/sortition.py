"""`beffroi sortition draw VOLUNTEERS.csv QUOTAS.csv --size K [--seed S] [--json]`: the options are those of
`beffroi.participation.sortition.cli.build_parser`; the work is `run_draw` (pure, no database)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from beffroi.participation.sortition import cli


class Command(BaseCommand):
    help = (
        "Tirage au sort d'un panel citoyen (LEXIMIN) : « sortition draw VOLONTAIRES.csv QUOTAS.csv --size K "
        "[--seed GRAINE] [--json] »."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        cli.build_parser(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = cli.run_draw(
                options["volunteers"],
                options["quotas"],
                options["size"],
                seed=options["seed"],
                as_json=options["as_json"],
                tickets=options["tickets"],
                greedy_runs=options["greedy_runs"],
            )
        except cli.CommandLineError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report, ending="")
