"""`beffroi pb count FILE.pb --rule RULE [--json]`: count a pabulib file (wrapper over budgeting.cli)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Budgets participatifs au format pabulib (.pb) : « pb count FICHIER.pb --rule RÈGLE [--json] »."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        from beffroi.budgeting.rules import RULES

        sub = parser.add_subparsers(dest="action", required=True, title="actions")
        count = sub.add_parser(
            "count",
            help="Dépouille un fichier .pb et affiche les projets retenus dans l'ordre de sélection.",
            description="Dépouille un fichier pabulib avec la règle choisie.",
        )
        count.add_argument("file", metavar="FICHIER.pb", help="le fichier pabulib à dépouiller")
        count.add_argument("--rule", required=True, choices=list(RULES), help="la règle de dépouillement")
        count.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help='sortie JSON : {"winners": [...], "total_cost": ..., "rule": ...}',
        )
        count.add_argument(
            "--eligibility-factor",
            type=int,
            default=None,
            help="filtre d'éligibilité (Świecie : 3) : écarte un projet trop cher pour ses soutiens",
        )

    def handle(self, *args, **options):
        if options["action"] == "count":
            self.stdout.write(
                self._count(
                    options["file"], options["rule"], options["as_json"], options["eligibility_factor"]
                ),
                ending="",
            )

    def _count(self, path: str, rule: str, as_json: bool, eligibility_factor: int | None) -> str:
        from beffroi.budgeting.cli import count_file
        from beffroi.budgeting.pabulib import PabulibError
        from beffroi.budgeting.rules import ElectionError

        try:
            text = count_file(path, rule, as_json, eligibility_factor)
        except FileNotFoundError:
            raise CommandError(f"fichier introuvable : {path}") from None
        except IsADirectoryError:
            raise CommandError(f"{path} est un dossier, pas un fichier .pb") from None
        except PabulibError as exc:
            raise CommandError(f"{path}, {exc}") from None
        except ElectionError as exc:
            raise CommandError(f"{path} : {exc}") from None
        return text if text.endswith("\n") else text + "\n"
