from django.core.management.base import BaseCommand

from territoires.notifications import services
from territoires.notifications.tasks import send_digest


class Command(BaseCommand):
    help = (
        "Enqueue today's e-mail digests (one background task per user with unread notifications). Run daily from cron."
    )

    def handle(self, *args, **options):
        user_ids = services.digest_recipient_ids()
        for user_id in user_ids:
            send_digest.enqueue(user_id)
        self.stdout.write(f"{len(user_ids)} digest(s) enqueued.")
