from django.core.management.base import BaseCommand

from territoires.diagnostic.imports.services import imports_purge_files


class Command(BaseCommand):
    help = (
        "Supprime les fichiers déposés pour un import jamais lancé depuis plus de N jours (l'import reste, "
        "sans son fichier) ; à lancer chaque jour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="âge au-delà duquel le fichier est supprimé")

    def handle(self, *args, days, **options):
        deleted = imports_purge_files(older_than_days=max(1, days))
        self.stdout.write(f"{deleted} fichier(s) d'import supprimé(s).")
