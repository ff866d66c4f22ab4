from django.core.management.base import BaseCommand

from territoires.diagnostic.coding.scale import scale_coding


class Command(BaseCommand):
    help = (
        "Adds synthetic coded interviews to the reference project up to the given totals (benchmarks of "
        "the qualitative coding); idempotent. Needs the demo data (manage.py load_demo)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interviews", type=int, default=400)
        parser.add_argument("--words", type=int, default=8000)
        parser.add_argument("--codings", type=int, default=20_000)
        parser.add_argument("--codes", type=int, default=120)

    def handle(self, *args, interviews, words, codings, codes, **options):
        report = scale_coding(
            interviews=max(1, min(interviews, 5000)),
            words=max(10, min(words, 50_000)),
            codings=max(0, min(codings, 500_000)),
            codes=max(2, min(codes, 1000)),
        )
        self.stdout.write(
            f"{report.interviews} entretiens, {report.codes} codes, {report.codings} codages "
            f"(projet {report.project_slug})."
        )
