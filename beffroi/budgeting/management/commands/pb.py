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
        count.add_argument(
            "--ignore-category-budgets",
            action="store_true",
            help="compte le budget d'un seul tenant même si le fichier a des budgets par catégorie "
            "(par défaut, chaque catégorie de budget_per_category est dépouillée séparément)",
        )

        imp = sub.add_parser(
            "import",
            help="Importe un fichier .pb comme budget dépouillé d'une commune (bulletins anonymes).",
            description="Importe un fichier pabulib comme budget participatif d'une commune, puis le dépouille.",
        )
        imp.add_argument("file", metavar="FICHIER.pb")
        imp.add_argument("--commune", required=True, help="identifiant de la commune (ex. valbourg)")
        imp.add_argument("--slug", required=True, help="identifiant du budget créé (ex. lodz-2022)")
        imp.add_argument(
            "--rule", default="mes-add1", choices=["mes-add1", "greedy"], help="règle de dépouillement"
        )

    def handle(self, *args, **options):
        if options["action"] == "count":
            self.stdout.write(
                self._count(
                    options["file"],
                    options["rule"],
                    options["as_json"],
                    options["eligibility_factor"],
                    not options["ignore_category_budgets"],
                ),  # fmt: skip
                ending="",
            )
        elif options["action"] == "import":
            self.stdout.write(
                self._import(options["file"], options["commune"], options["slug"], options["rule"])
            )

    def _import(self, path: str, commune_slug: str, slug: str, rule: str) -> str:
        from django.core.exceptions import ValidationError

        from beffroi.budgeting import services
        from beffroi.budgeting.models import Budget
        from beffroi.budgeting.pabulib import PabulibError, read_pabulib
        from beffroi.core.models import Commune

        commune = Commune.objects.filter(slug=commune_slug).first()
        if commune is None:
            raise CommandError(f"commune inconnue : {commune_slug}")
        if Budget.objects.filter(commune=commune, slug=slug).exists():
            raise CommandError(f"la commune {commune_slug} a déjà un budget « {slug} »")
        try:
            pb = read_pabulib(path)
            budget = services.budget_import_pabulib(commune=commune, actor=None, pb=pb, slug=slug, rule=rule)
        except FileNotFoundError:
            raise CommandError(f"fichier introuvable : {path}") from None
        except PabulibError as exc:
            raise CommandError(f"{path}, {exc}") from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        results = budget.results
        if results is None:  # budget_import_pabulib counts the budget: results are always recorded
            raise CommandError(f"le budget « {budget.title} » a été importé mais n'a pas été dépouillé")
        return (
            f"Budget « {budget.title} » importé dans {commune.name} : {results['num_voters']} bulletins, "
            f"{len(results['winners'])} projets retenus ({results['total_cost']} €)."
        )

    def _count(
        self,
        path: str,
        rule: str,
        as_json: bool,
        eligibility_factor: int | None,
        category_budgets: bool = True,
    ) -> str:
        from beffroi.budgeting.cli import count_file
        from beffroi.budgeting.pabulib import PabulibError
        from beffroi.budgeting.rules import ElectionError

        try:
            text = count_file(path, rule, as_json, eligibility_factor, category_budgets=category_budgets)
        except FileNotFoundError:
            raise CommandError(f"fichier introuvable : {path}") from None
        except IsADirectoryError:
            raise CommandError(f"{path} est un dossier, pas un fichier .pb") from None
        except PabulibError as exc:
            raise CommandError(f"{path}, {exc}") from None
        except ElectionError as exc:
            raise CommandError(f"{path} : {exc}") from None
        return text if text.endswith("\n") else text + "\n"
