"""Background tasks: they receive ids and call a service (e-mails are never sent inside a request)."""

from django_tasks import task

from territoires.accounts import invitations


@task()
def send_invitation_email(invitation_id: int) -> bool:
    return invitations.invitation_email_send(invitation_id=invitation_id)
