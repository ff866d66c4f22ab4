from django.core.management.base import BaseCommand

from territoires.surveys.scale import scale_surveys


class Command(BaseCommand):
    help = (
        "Crée ou complète l'enquête de banc d'essai (30 questions, 4 territoires) jusqu'à N réponses "
        "synthétiques (idempotent : relancer avec le même nombre ne change rien)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--answers", type=int, default=100_000, help="nombre de réponses visé")

    def handle(self, *args, answers, **options):
        if answers < 1 or answers > 5_000_000:
            self.stderr.write("Le nombre de réponses doit être compris entre 1 et 5 000 000.")
            return
        survey = scale_surveys(answers=answers, log=self.stdout.write)
        self.stdout.write(f"{survey.title} : {survey.responses.count()} réponses (enquête n° {survey.pk}).")
