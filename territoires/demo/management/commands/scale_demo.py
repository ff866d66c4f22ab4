from django.core.management.base import BaseCommand

from territoires.demo.scale import scale_demo


class Command(BaseCommand):
    help = (
        "Charge le cas de référence puis complète les données de démonstration jusqu'à N projets partagés "
        "et M collectivités (idempotent : relancer avec les mêmes chiffres ne change rien)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=300, help="nombre total de projets partagés visé")
        parser.add_argument("--authorities", type=int, default=1500, help="nombre total de collectivités visé")
        parser.add_argument("--seed", type=int, default=2021, help="graine du générateur (données reproductibles)")

    def handle(self, *args, projects, authorities, seed, **options):
        report = scale_demo(projects=projects, authorities=authorities, seed=seed)
        created = ", ".join(f"{key} +{value}" for key, value in report.created.items())
        self.stdout.write(f"Créés : {created}")
        totals = ", ".join(f"{key} {value}" for key, value in report.totals.items())
        self.stdout.write(f"Totaux : {totals}")
