from django.core.management.base import BaseCommand

from territoires.library.scale import scale_library


class Command(BaseCommand):
    help = "Adds generated published resources (and their search documents) up to the given total; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--resources", type=int, default=20_000)

    def handle(self, *args, resources, **options):
        report = scale_library(resources=max(0, min(resources, 1_000_000)), log=self.stdout.write)
        self.stdout.write(f"{report.created} ressources créées, {report.total} au total.")
