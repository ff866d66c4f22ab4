from django.core.management.base import BaseCommand

from territoires.codesign.services import workshop_reminders_send


class Command(BaseCommand):
    help = "Rappelle par courriel leur atelier aux personnes inscrites, 48 heures avant (une fois chacune)."

    def handle(self, *args, **options):
        sent = workshop_reminders_send()
        self.stdout.write(f"{sent} rappel(s) envoyé(s).")
