from django.core.management.base import BaseCommand

from territoires.demo.loader import load_demo
from territoires.demo.management.commands.demo_ready import write_demo_accounts
from territoires.search.services import index_rebuild


class Command(BaseCommand):
    help = (
        "Charge la démonstration (le cas de référence 2021-2022 et un projet en cours) sans rien dupliquer, "
        "met à jour une démonstration chargée par une version précédente, et affiche les comptes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-accounts", action="store_true", help="ne pas afficher les comptes (make run les affiche à la fin)"
        )

    def handle(self, *args, no_accounts=False, **options):
        created = load_demo()
        # Some demo rows are written without the services (fixed dates, past events): index them all.
        index_rebuild()
        self.stdout.write(
            "Données de démonstration chargées."
            if created
            else "Données de démonstration déjà présentes : rien n'a été dupliqué."
        )
        if not no_accounts:
            self.stdout.write("")
            write_demo_accounts(self.stdout.write)
