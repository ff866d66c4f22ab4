from django.core.management.base import BaseCommand

from territoires.demo.data import DEMO_PASSWORD
from territoires.demo.loader import DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Charge le cas de référence (quatre villes) une seule fois et affiche les comptes de démonstration."

    def handle(self, *args, **options):
        created = load_demo()
        self.stdout.write(
            "Données de démonstration chargées."
            if created
            else "Données de démonstration déjà présentes : rien n'a été dupliqué."
        )
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration (mot de passe commun : {DEMO_PASSWORD})")
        for email, _first, _last, _title, organisation, role, can_try in DEMO_USERS:
            self.stdout.write(f"  {role:<15} {email:<32} {organisation} — {can_try}")
        self.stdout.write(
            f"  {'enquêteur':<15} {'enqueteur.niort@ville.demo':<32} Niort — groupe d'enquête, collecte sur le terrain"
        )
        self.stdout.write(
            f"  {'enquêtrice':<15} {'enquetrice.guichen@ville.demo':<32} Guichen — groupe d'enquête, collecte sur le terrain"
        )
        self.stdout.write(
            "  visiteur / habitant : sans compte (questionnaire en ligne par le lien public de chaque ville)"
        )
