"""Wait until the local server answers and the background queue is empty, then print the demo logins.

`make run` starts the web server and the background worker, then runs this command so that the
logins are the last thing on the screen: before, the worker's first e-mails (printed by the console
backend) scrolled them out of sight.
"""

import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError
from django_tasks.base import TaskResultStatus

from territoires.accounts.models import Membership
from territoires.demo.data import DEMO_PASSWORD
from territoires.demo.loader import DEMO_USERS


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a local address from the Makefile)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _pending_tasks() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).count()


def write_demo_accounts(write) -> None:
    write(f"Comptes de démonstration (mot de passe commun : {DEMO_PASSWORD})")
    for email, _first, _last, _title, organisation, role, can_try in DEMO_USERS:
        label = str(Membership.Role(role).label) if role in Membership.Role.values else str(role)
        write(f"  {email:<32} {label}, {organisation} — {can_try}")
    write(
        f"  {'enqueteur.niort@ville.demo':<32} Groupe d'enquête, Niort — collecte sur le terrain et saisie papier (enquête cantines, ouverte)"
    )
    write(
        f"  {'enquetrice.guichen@ville.demo':<32} Groupe d'enquête, Guichen — collecte sur le terrain et saisie papier (enquête cantines, ouverte)"
    )
    write("  Visiteur ou habitant : sans compte (questionnaire en ligne par le lien public de chaque ville)")


class Command(BaseCommand):
    help = "Attend que le serveur local réponde et que la file des tâches soit vide, puis affiche les comptes de démonstration."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="adresse de la page d'accueil du serveur local")
        parser.add_argument("--timeout", type=float, default=180.0, help="attente maximale du serveur, en secondes")
        parser.add_argument(
            "--queue-timeout", type=float, default=60.0, help="attente maximale de la file des tâches, en secondes"
        )

    def handle(self, *args, url, timeout, queue_timeout, **options):
        deadline = time.monotonic() + timeout
        while not _answers(url):
            if time.monotonic() > deadline:
                raise CommandError(f"Le serveur ne répond pas à {url} après {timeout:.0f} s.")
            time.sleep(0.5)
        # The worker's first tasks (notification e-mails of the demo) print to the console: let them
        # pass, so that the logins stay the last lines on screen.
        queue_deadline = time.monotonic() + queue_timeout
        while _pending_tasks() and time.monotonic() < queue_deadline:
            time.sleep(0.5)
        time.sleep(0.5)
        self.stdout.write("")
        write_demo_accounts(self.stdout.write)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Territoires en commun est prêt : {url}  (Ctrl-C pour arrêter)"))
