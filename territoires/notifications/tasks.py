"""Background tasks: they receive ids and call a service (e-mails are never sent inside a request)."""

from django_tasks import task

from territoires.notifications import services


@task()
def send_immediate_email(notification_id: int) -> bool:
    return services.notification_email_now(notification_id=notification_id)


@task()
def send_digest(user_id: int) -> int:
    return services.digest_send(user_id=user_id)


@task()
def enqueue_digests() -> int:
    """Fan out: one digest task per user who has something pending."""
    user_ids = services.digest_recipient_ids()
    for user_id in user_ids:
        send_digest.enqueue(user_id)
    return len(user_ids)
