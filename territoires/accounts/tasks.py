"""Background tasks: they receive ids and call a service (e-mails are never sent inside a request)."""

from django_tasks import task

from territoires.accounts import invitations


@task()
def send_invitation_email(invitation_id: int) -> bool:
    return invitations.invitation_email_send(invitation_id=invitation_id)


@task()
def build_personal_data_export(export_id: int) -> str:
    """Builds a person's download of their data (territoires/accounts/privacy.py)."""
    from territoires.accounts.privacy import personal_data_export_build

    export = personal_data_export_build(export_id=export_id)
    return export.status if export else "missing"
