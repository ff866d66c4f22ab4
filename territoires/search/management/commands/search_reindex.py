from django.core.management.base import BaseCommand

from territoires.search.services import index_rebuild


class Command(BaseCommand):
    help = (
        "Reconstruit l'index de recherche à partir des contenus enregistrés (projets, thèmes, ressources, "
        "actualités, rencontres, retours d'expérience) : à lancer une fois après une mise à jour qui "
        "rend de nouveaux contenus cherchables. Sans effet de bord, relançable."
    )

    def handle(self, *args, **options):
        for label, count in index_rebuild().items():
            self.stdout.write(f"{label} : {count} document(s) indexé(s)")
