from django.core.management.base import BaseCommand
from django.db import transaction

from territoires.projects.services import withdrawals_apply_due


class Command(BaseCommand):
    help = "Applique les retraits devenus effectifs (à lancer chaque jour, par exemple par cron)."

    def handle(self, *args, **options):
        with transaction.atomic():
            count = withdrawals_apply_due()
        self.stdout.write(f"Chartes entrées en vigueur après des retraits effectifs : {count}.")
