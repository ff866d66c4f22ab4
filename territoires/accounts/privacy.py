"""A person's rights over their personal data (RGPD articles 15, 17 and 20): download what the
platform holds about them, close their account.

What each module holds is registered in its `personal_data.py` (territoires/core/personal_data.py);
this module only runs the sources. Closing an account de-identifies it rather than deleting it: the
contributions the person authored (messages, resources, news, directory entries, committee
decisions…) are part of shared projects' public record and stay, signed "Ancien·ne membre"; what
only concerned the person (memberships, follows, notifications, registrations, invitations, second
factor, downloads) is deleted. docs/donnees-personnelles.md says why.

The views check who acts (the person themselves, signed in); these services are reached from the
account pages and from tasks only.
"""

import datetime
import io
import json
import logging
import secrets
import zipfile

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.accounts.models import PersonalDataExport, User
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.core.personal_data import personal_data_sources

logger = logging.getLogger(__name__)

# A download is being built: a new request waits for it (one at a time per person).
EXPORT_STALLED_AFTER = datetime.timedelta(minutes=30)

README = """Vos données sur Territoires en commun
=====================================

Ce fichier ZIP contient, dans donnees-personnelles.json, tout ce que la plateforme
conserve à votre sujet à la date indiquée : votre compte, vos appartenances à des
organisations, ce que vous avez écrit ou déposé (discussions, ressources, actualités,
fiches d'annuaire…), vos inscriptions, abonnements et notifications, et le journal des
actions que vous avez faites.

Les réponses des habitants aux enquêtes sont anonymes : elles ne figurent pas ici, même
celles que vous avez recueillies sur le terrain (seul leur nombre est indiqué).

Le registre des traitements (docs/registre-des-traitements.md) décrit chaque traitement,
sa finalité et sa durée de conservation. Pour toute question : le ou la délégué·e à la
protection des données de l'Agence nationale de la cohésion des territoires.
"""


def personal_data_export_request(*, user: User) -> PersonalDataExport:
    """Records a download request and starts its build after commit; one in progress at a time."""
    with transaction.atomic():
        # Lock the person's row: two clicks at once start one build, not two.
        User.objects.select_for_update().filter(pk=user.pk).first()
        in_progress = (
            PersonalDataExport.objects.filter(
                user=user,
                status__in=[PersonalDataExport.Status.QUEUED, PersonalDataExport.Status.RUNNING],
                updated_at__gte=timezone.now() - EXPORT_STALLED_AFTER,
            )
            .order_by("-created_at")
            .first()
        )
        if in_progress:
            return in_progress
        export = PersonalDataExport.objects.create(user=user)
        audit_log(actor=user, action=AuditEvent.Action.PERSONAL_DATA_EXPORTED, target=user)
        from territoires.accounts.tasks import build_personal_data_export

        transaction.on_commit(lambda: build_personal_data_export.enqueue(export.pk))
    return export


def personal_data_collect(*, user: User) -> dict:
    """Everything the registered sources hold about the person, as one JSON-ready dict."""
    sections = {}
    for source in personal_data_sources():
        sections[source.key] = {"intitulé": str(source.label), "lignes": source.export(user)}
    return {
        "plateforme": "Territoires en commun",
        "personne": user.email,
        "extrait_le": timezone.now(),
        "rubriques": sections,
    }


def _mark(export_id: int, **fields) -> None:
    # update(), not save(): never overwrites what another process changed.
    PersonalDataExport.objects.filter(pk=export_id).update(updated_at=timezone.now(), **fields)


def personal_data_export_build(*, export_id: int) -> PersonalDataExport | None:
    """Builds the ZIP of a queued download (called by the background task)."""
    export = PersonalDataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status not in (PersonalDataExport.Status.QUEUED, PersonalDataExport.Status.RUNNING):
        return export
    _mark(export.pk, status=PersonalDataExport.Status.RUNNING, error="")
    try:
        data = personal_data_collect(user=export.user)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("LISEZMOI.txt", README)
            archive.writestr(
                "donnees-personnelles.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            )
        # A random stored name: even a leaked storage path cannot be guessed.
        stored = export.file.storage.save(
            f"accounts/exports/{export.pk}-{secrets.token_urlsafe(12)}.zip", ContentFile(buffer.getvalue())
        )
    except Exception:
        logger.exception("Personal data export %s failed", export.pk)
        _mark(
            export.pk,
            status=PersonalDataExport.Status.FAILED,
            error=_(
                "Une erreur inattendue a interrompu la préparation. Relancez-la ; si l'échec se répète, signalez-le."
            ),
            finished_at=timezone.now(),
        )
    else:
        _mark(export.pk, status=PersonalDataExport.Status.DONE, file=stored, finished_at=timezone.now())
    export.refresh_from_db()
    return export


def personal_data_exports_purge(now: datetime.datetime) -> int:
    """Deletes downloads (rows and files) older than PERSONAL_DATA_EXPORT_DAYS; returns how many."""
    from territoires.core.storage import delete_with_files

    limit = now - datetime.timedelta(days=settings.PERSONAL_DATA_EXPORT_DAYS)
    return delete_with_files(PersonalDataExport.objects.filter(created_at__lt=limit))


def account_close_check(*, user: User, password: str, email: str) -> None:
    """Raises a French ValidationError unless the confirmation proves the person is at the keyboard:
    their password, or (for an account that signs in through ProConnect only) their address."""
    if user.is_superuser:
        raise ValidationError(
            _(
                "Un compte d'administration de la plateforme ne se ferme pas ici : demandez à une autre "
                "administratrice ou à un autre administrateur de retirer vos droits d'abord."
            )
        )
    if user.has_usable_password():
        if not password or not user.check_password(password):
            raise ValidationError({"password": _("Mot de passe incorrect : votre compte n'est pas fermé.")})
    elif (email or "").strip().lower() != user.email:
        raise ValidationError({"email": _("Ce n'est pas l'adresse de votre compte : votre compte n'est pas fermé.")})


def account_close(*, user: User, password: str = "", email: str = "") -> None:
    """Closes the person's account: each module forgets what only concerned them, then the account
    is de-identified (no name, no address, no password, inactive) and every session ends."""
    account_close_check(user=user, password=password, email=email)
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if user.closed_at:
            return
        for source in personal_data_sources():
            if source.close:
                source.close(user)
        for export in PersonalDataExport.objects.filter(user=user):
            if export.file:
                transaction.on_commit(lambda file=export.file: file.storage.delete(file.name))
        PersonalDataExport.objects.filter(user=user).delete()
        user.closed_at = timezone.now()
        user.email = f"ancien-membre-{user.pk}@compte-ferme.invalid"
        user.first_name = user.last_name = user.job_title = ""
        user.is_active = user.is_staff = user.is_superuser = False
        user.set_unusable_password()
        user.save()
        # The journal keeps that an account was closed, not whose it was.
        audit_log(actor=None, action=AuditEvent.Action.ACCOUNT_CLOSED, target=user)
        _end_sessions(user_id=user.pk)
    logger.info("Account %s closed", user.pk)


def _end_sessions(*, user_id: int) -> None:
    # Sessions are stored in the database (cached_db): the user id is inside the encoded data.
    # A closed account is inactive and AccountBackend refuses it anyway; this removes the rows.
    key = str(user_id)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == key:
            session.delete()
