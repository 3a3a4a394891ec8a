"""`beffroi pb count FILE.pb --rule RULE [--json]` and `beffroi pb import …`: the options are those of
`beffroi.budgeting.cli.build_parser`, the same as `python -m beffroi.budgeting`."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from beffroi.budgeting import cli, services
from beffroi.budgeting.models import Budget
from beffroi.budgeting.pabulib import PabulibError, read_pabulib
from beffroi.core.models import Commune


class Command(BaseCommand):
    help = "Budgets participatifs au format pabulib (.pb) : « pb count FICHIER.pb --rule RÈGLE [--json] »."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        cli.build_parser(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "count":
            try:
                report = cli.run_count(
                    options["file"],
                    options["rule"],
                    as_json=options["as_json"],
                    eligibility_factor=options["eligibility_factor"],
                    verify=options["verify"],
                    category_budgets=not options["ignore_category_budgets"],
                    warn=lambda line: self.stderr.write(line, ending=""),
                )
            except cli.CommandLineError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(report, ending="")
        elif options["action"] == "import":
            self.stdout.write(
                self._import(options["file"], options["commune"], options["slug"], options["rule"])
            )

    def _import(self, path: str, commune_slug: str, slug: str, rule: str) -> str:
        commune = Commune.objects.filter(slug=commune_slug).first()
        if commune is None:
            raise CommandError(f"commune inconnue : {commune_slug}")
        if Budget.objects.filter(commune=commune, slug=slug).exists():
            raise CommandError(f"la commune {commune_slug} a déjà un budget « {slug} »")
        try:
            pb = read_pabulib(path)
            for line in cli.file_warnings(path, pb.warnings):
                self.stderr.write(line, ending="")
            budget = services.budget_import_pabulib(commune=commune, actor=None, pb=pb, slug=slug, rule=rule)
        except FileNotFoundError:
            raise CommandError(f"fichier introuvable : {path}") from None
        except PabulibError as exc:
            raise CommandError(f"{path}, {exc}") from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        results = budget.count_results
        if results is None:  # budget_import_pabulib counts the budget: results are always recorded
            raise CommandError(f"le budget « {budget.title} » a été importé mais n'a pas été dépouillé")
        return (
            f"Budget « {budget.title} » importé dans {commune.name} : {results.num_voters} bulletins, "
            f"{len(results.winners)} projets retenus ({results.total_cost} €)."
        )
