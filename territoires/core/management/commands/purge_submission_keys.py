from django.core.management.base import BaseCommand

from territoires.core.idempotency import submission_keys_purge


class Command(BaseCommand):
    help = "Oublie les clés de soumission de plus de N jours (à lancer chaque jour, par exemple par cron)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days, **options):
        count = submission_keys_purge(older_than_days=days)
        self.stdout.write(f"Clés de soumission oubliées : {count}.")
