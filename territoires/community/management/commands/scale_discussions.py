import time

from django.core.management.base import BaseCommand

from territoires.community.scale import scale_discussions


class Command(BaseCommand):
    help = (
        "Complète les discussions jusqu'à N fils de R réponses (moitié publics par thème, moitié dans les espaces "
        "des projets), plus un fil de 500 réponses dans le projet de référence (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=5000, help="nombre de fils visé")
        parser.add_argument("--replies", type=int, default=50, help="réponses par fil")
        parser.add_argument("--long-replies", type=int, default=500, help="réponses du fil long")
        parser.add_argument("--seed", type=int, default=2021, help="graine du générateur (données reproductibles)")

    def handle(self, *args, threads, replies, long_replies, seed, **options):
        started = time.perf_counter()
        report = scale_discussions(threads=threads, replies=replies, long_replies=long_replies, seed=seed)
        created = ", ".join(f"{key} +{value}" for key, value in report.created.items())
        totals = ", ".join(f"{key} {value}" for key, value in report.totals.items())
        self.stdout.write(f"Créés : {created} ({time.perf_counter() - started:.1f} s)")
        self.stdout.write(f"Totaux : {totals}")
