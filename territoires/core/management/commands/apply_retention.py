from django.core.management.base import BaseCommand
from django.utils import timezone

from territoires.core.personal_data import retention_rules


class Command(BaseCommand):
    help = (
        "Supprime ce qui a dépassé sa durée de conservation (registre des traitements, "
        "docs/registre-des-traitements.md) ; à lancer chaque jour."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        for rule in retention_rules():
            count = rule.apply(now)
            self.stdout.write(f"{rule.label} — {count} supprimé(s).")
