"""`beffroi apikey create --commune SLUG --scope read|write [--name N]` (prints the key on its last line),
`beffroi apikey list --commune SLUG`, `beffroi apikey revoke PREFIX`."""

from django.core.management.base import BaseCommand, CommandError

from beffroi.core import selectors, services
from beffroi.core.models import ApiKey


class Command(BaseCommand):
    help = "Crée, liste ou révoque les clés d'API d'une commune."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Créer une clé (affichée une seule fois, en dernière ligne).")
        create.add_argument("--commune", required=True, help="identifiant (slug) de la commune")
        create.add_argument("--scope", required=True, choices=ApiKey.Scope.values)
        create.add_argument("--name", default="", help="à quoi sert la clé")
        listing = sub.add_parser("list", help="Lister les clés d'une commune.")
        listing.add_argument("--commune", required=True)
        revoke = sub.add_parser("revoke", help="Révoquer une clé par son préfixe.")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        if action == "revoke":
            key = ApiKey.objects.filter(prefix=options["prefix"]).first()
            if key is None:
                raise CommandError(f"Aucune clé avec le préfixe « {options['prefix']} ».")
            services.apikey_revoke(key=key)
            self.stdout.write(f"Clé {key.prefix} révoquée.")
            return
        commune = selectors.commune_get_by_slug(slug=options["commune"])
        if commune is None:
            raise CommandError(f"Aucune commune active avec l'identifiant « {options['commune']} ».")
        if action == "list":
            for key in selectors.apikey_list(commune=commune):
                state = "révoquée" if key.revoked_at else "active"
                self.stdout.write(f"{key.prefix}\t{key.scope}\t{state}\t{key.name}")
            return
        key, secret = services.apikey_create(commune=commune, scope=options["scope"], name=options["name"])
        self.stdout.write(
            f"Clé créée pour {commune.name} (portée : {key.scope}). Conservez-la : elle ne sera plus affichée."
        )
        self.stdout.write(secret)
