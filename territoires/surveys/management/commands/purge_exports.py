from django.core.management.base import BaseCommand

from territoires.surveys.exports import exports_purge


class Command(BaseCommand):
    help = "Supprime les exports de réponses (fichiers compris) de plus de N jours ; à lancer chaque jour."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="âge au-delà duquel un export est supprimé")

    def handle(self, *args, days, **options):
        deleted = exports_purge(older_than_days=max(1, days))
        self.stdout.write(f"{deleted} export(s) supprimé(s).")
