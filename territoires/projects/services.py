"""Writes on shared projects that touch several models: keyword-only, atomic, audited.

Each service checks the business rules and raises ValidationError with a message for the user;
permissions are checked by the views (rules), before calling.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.accounts.models import Organisation
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.core.validators import validate_pdf_upload
from territoires.projects.charter_template import default_articles
from territoires.projects.models import (
    MAX_PARTICIPANTS,
    MIN_PARTICIPANTS,
    Charter,
    CharterArticle,
    Committee,
    Decision,
    Meeting,
    Participation,
    SharedProject,
    Signature,
    StepCompletion,
    Theme,
    ThemeInterest,
    Withdrawal,
)
from territoires.projects.phases import STEPS_BY_CODE

Action = AuditEvent.Action


def _search_reindex(obj) -> None:
    """Themes and projects are searchable (search_documents.py): each write re-indexes them."""
    from territoires.search.services import source_reindex

    source_reindex(source=obj)


# Themes ------------------------------------------------------------------------------------------


def theme_propose(*, organisation: Organisation, user, title: str, description: str) -> Theme:
    if not organisation.is_local_authority:
        raise ValidationError(_("Seule une collectivité peut proposer un thème."))
    with transaction.atomic():
        theme = Theme.objects.create(
            title=title, description=description, proposed_by_organisation=organisation, proposed_by=user
        )
        # The proposing authority is, by definition, interested.
        ThemeInterest.objects.create(theme=theme, organisation=organisation, expressed_by=user)
        _search_reindex(theme)
    return theme


def theme_interest_express(*, theme: Theme, organisation: Organisation, user) -> bool:
    """Record the organisation's interest; False if it had already expressed it (stored once)."""
    if theme.status != Theme.Status.PROPOSED:
        raise ValidationError(_("Ce thème n'est plus ouvert aux marques d'intérêt."))
    if not organisation.is_local_authority:
        raise ValidationError(_("Seule une collectivité peut marquer son intérêt."))
    _interest, created = ThemeInterest.objects.get_or_create(
        theme=theme, organisation=organisation, defaults={"expressed_by": user}
    )
    return created


def theme_interest_withdraw(*, theme: Theme, organisation: Organisation) -> bool:
    deleted, _details = ThemeInterest.objects.filter(theme=theme, organisation=organisation).delete()
    return bool(deleted)


def theme_convert_to_project(
    *, theme: Theme, user, facilitator_organisation: Organisation, title: str = ""
) -> SharedProject:
    if theme.status != Theme.Status.PROPOSED:
        raise ValidationError(_("Ce thème est déjà devenu un projet partagé ou a été archivé."))
    with transaction.atomic():
        project = project_create(
            user=user,
            title=title or theme.title,
            facilitator_organisation=facilitator_organisation,
            theme=theme,
            summary=theme.description[:400],
        )
        Theme.objects.filter(pk=theme.pk).update(status=Theme.Status.PROJECT)
        theme.status = Theme.Status.PROJECT
        _search_reindex(theme)
    return project


# Projects ----------------------------------------------------------------------------------------


def project_create(
    *,
    user,
    title: str,
    facilitator_organisation: Organisation,
    theme: Theme | None = None,
    summary: str = "",
    description: str = "",
    consultancy: Organisation | None = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
) -> SharedProject:
    """A draft project with its steering committee and a first charter built from the model text."""
    with transaction.atomic():
        project = SharedProject.objects.create(
            title=title,
            theme=theme,
            summary=summary,
            description=description,
            facilitator_organisation=facilitator_organisation,
            consultancy=consultancy,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        Committee.objects.create(project=project)
        _search_reindex(project)
        charter_publish_version(
            project=project,
            user=user,
            title=_("Charte d'engagement — %(title)s") % {"title": title},
            preamble="",
            articles=default_articles(project),
            audit=False,
        )
    return project


def _lock_project(project: SharedProject) -> SharedProject:
    # Serialises concurrent changes to one project's participants (PostgreSQL row lock; SQLite
    # transactions are already serialised by BEGIN IMMEDIATE).
    return SharedProject.objects.select_for_update().get(pk=project.pk)


def participation_add(*, project: SharedProject, organisation: Organisation, role: str, user) -> Participation:
    if not organisation.is_local_authority:
        raise ValidationError(_("Seule une collectivité peut participer à un projet ou l'observer."))
    if organisation.pk in (project.facilitator_organisation_id, project.consultancy_id):
        raise ValidationError(_("Cette organisation anime déjà le projet."))
    with transaction.atomic():
        project = _lock_project(project)
        if Participation.objects.filter(project=project, organisation=organisation).exists():
            raise ValidationError(_("%(org)s est déjà associée à ce projet.") % {"org": organisation})
        if role == Participation.Role.PARTICIPANT:
            count = Participation.objects.filter(project=project).active_participants().count()
            if count >= MAX_PARTICIPANTS:
                raise ValidationError(
                    _(
                        "Un projet partagé réunit au plus %(max)d collectivités participantes ; "
                        "%(org)s peut le suivre comme observatrice."
                    )
                    % {"max": MAX_PARTICIPANTS, "org": organisation}
                )
        participation = Participation.objects.create(
            project=project,
            organisation=organisation,
            role=role,
            observer_status=Participation.ObserverStatus.ACCEPTED if role == Participation.Role.OBSERVER else "",
            requested_by=user,
        )
        audit_log(actor=user, action=Action.PARTICIPANT_ADDED, target=participation, project_id=project.pk, role=role)
        _search_reindex(project)  # its territories' names are part of its text
    return participation


def participation_remove(*, participation: Participation, user) -> None:
    """Undo an addition: a participant before the project is launched, or an observer at any time.

    A participant of a launched project leaves only by withdrawal (registered letter, notice).
    """
    with transaction.atomic():
        project = _lock_project(participation.project)
        if participation.is_participant and project.status != SharedProject.Status.DRAFT:
            raise ValidationError(
                _("Le projet est lancé : une collectivité participante le quitte par un retrait notifié.")
            )
        if Signature.objects.filter(charter__project=project, organisation=participation.organisation_id).exists():
            raise ValidationError(
                _("%(org)s a signé la charte : elle ne peut plus être retirée ainsi.")
                % {"org": participation.organisation}
            )
        audit_log(
            actor=user,
            action=Action.PARTICIPANT_REMOVED,
            target=participation,
            project_id=project.pk,
            role=participation.role,
        )
        participation.delete()
        _search_reindex(project)


def project_launch(*, project: SharedProject, user) -> SharedProject:
    with transaction.atomic():
        project = _lock_project(project)
        if project.status != SharedProject.Status.DRAFT:
            raise ValidationError(_("Ce projet est déjà lancé."))
        count = Participation.objects.filter(project=project).active_participants().count()
        if not MIN_PARTICIPANTS <= count <= MAX_PARTICIPANTS:
            raise ValidationError(
                _(
                    "Un projet partagé se lance avec %(min)d à %(max)d collectivités participantes ; "
                    "il en compte %(count)d."
                )
                % {"min": MIN_PARTICIPANTS, "max": MAX_PARTICIPANTS, "count": count}
            )
        project.status = SharedProject.Status.LAUNCHED
        project.launched_at = timezone.now()
        project.save(update_fields=["status", "launched_at", "updated_at"])
        _search_reindex(project)
        audit_log(actor=user, action=Action.PROJECT_LAUNCHED, target=project, project_id=project.pk, participants=count)
    return project


def project_set_publication(*, project: SharedProject, is_public: bool, user) -> SharedProject:
    """Also re-indexes the project for search (the edit page saves through here): who finds it, and
    its news, events and lessons, follows its publication."""
    from territoires.search.services import project_sources_reindex

    with transaction.atomic():
        _search_reindex(project)
        if project.is_public != is_public:
            project.is_public = is_public
            # save(), not QuerySet.update(): its post_save signal drops the cached public pages once
            # committed, so an unpublished project stops being served to visitors at once.
            project.save(update_fields=["is_public", "updated_at"])
            audit_log(
                actor=user,
                action=Action.PUBLICATION_CHANGED,
                target=project,
                project_id=project.pk,
                is_public=is_public,
            )
            _search_reindex(project)
            project_sources_reindex(project_id=project.pk)
    return project


def observer_request(*, project: SharedProject, organisation: Organisation, user) -> Participation:
    if not organisation.is_local_authority:
        raise ValidationError(_("Seule une collectivité peut demander à observer un projet."))
    with transaction.atomic():
        participation, created = Participation.objects.get_or_create(
            project=project,
            organisation=organisation,
            defaults={
                "role": Participation.Role.OBSERVER,
                "observer_status": Participation.ObserverStatus.REQUESTED,
                "requested_by": user,
            },
        )
        if not created:
            if participation.role == Participation.Role.PARTICIPANT:
                raise ValidationError(_("%(org)s participe déjà à ce projet.") % {"org": organisation})
            if participation.observer_status == Participation.ObserverStatus.REFUSED:
                raise ValidationError(
                    _("La demande de %(org)s a été refusée par l'animation du projet.") % {"org": organisation}
                )
            return participation
        audit_log(actor=user, action=Action.OBSERVER_REQUESTED, target=participation, project_id=project.pk)
    return participation


def observer_decide(*, participation: Participation, accept: bool, user) -> Participation:
    if participation.role != Participation.Role.OBSERVER:
        raise ValidationError(_("Cette collectivité n'est pas observatrice."))
    if participation.observer_status != Participation.ObserverStatus.REQUESTED:
        raise ValidationError(_("Cette demande a déjà été traitée."))
    with transaction.atomic():
        participation.observer_status = (
            Participation.ObserverStatus.ACCEPTED if accept else Participation.ObserverStatus.REFUSED
        )
        participation.save(update_fields=["observer_status", "updated_at"])
        audit_log(
            actor=user,
            action=Action.OBSERVER_ACCEPTED if accept else Action.OBSERVER_REFUSED,
            target=participation,
            project_id=participation.project_id,
        )
    return participation


# Territories -------------------------------------------------------------------------------------


def step_set_done(*, participation: Participation, step: str, done: bool, user) -> None:
    if step not in STEPS_BY_CODE:
        raise ValidationError(_("Étape inconnue."))
    if not participation.is_participant:
        raise ValidationError(_("Seules les collectivités participantes ont des étapes."))
    if participation.participation_state == "withdrawn":
        raise ValidationError(_("Cette collectivité s'est retirée du projet."))
    with transaction.atomic():
        if done:
            _completion, changed = StepCompletion.objects.get_or_create(
                participation=participation, step=step, defaults={"completed_by": user}
            )
        else:
            changed = bool(StepCompletion.objects.filter(participation=participation, step=step).delete()[0])
        if changed:
            audit_log(
                actor=user,
                action=Action.PHASE_STEP_DONE if done else Action.PHASE_STEP_UNDONE,
                target=participation,
                project_id=participation.project_id,
                step=STEPS_BY_CODE[step][1].label,
            )


def withdrawal_notify(
    *, participation: Participation, letter_received_on: datetime.date | None, reason: str, user
) -> Withdrawal:
    if letter_received_on is None:
        raise ValidationError({"letter_received_on": _("Indiquez la date de réception du courrier recommandé.")})
    if letter_received_on > timezone.localdate():
        raise ValidationError({"letter_received_on": _("La date de réception ne peut pas être dans le futur.")})
    if not participation.is_participant:
        raise ValidationError(_("Seule une collectivité participante peut se retirer."))
    with transaction.atomic():
        if Withdrawal.objects.filter(participation=participation).exists():
            raise ValidationError(_("Le retrait de cette collectivité est déjà notifié."))
        withdrawal = Withdrawal.objects.create(
            participation=participation,
            letter_received_on=letter_received_on,
            notice_ends_on=Withdrawal.notice_end_for(letter_received_on),
            reason=reason,
            recorded_by=user,
        )
        audit_log(
            actor=user,
            action=Action.WITHDRAWAL_NOTIFIED,
            target=participation,
            project_id=participation.project_id,
            letter_received_on=letter_received_on.isoformat(),
            notice_ends_on=withdrawal.notice_ends_on.isoformat(),
        )
    return withdrawal


def withdrawal_close_engaged_actions(*, withdrawal: Withdrawal, closed_on: datetime.date | None, user) -> Withdrawal:
    """The engaged actions are closed: the withdrawal now has its effective date."""
    if closed_on is None:
        raise ValidationError({"closed_on": _("Indiquez la date de clôture des actions engagées.")})
    if closed_on < withdrawal.letter_received_on:
        raise ValidationError({"closed_on": _("Les actions ne peuvent être closes avant la réception du courrier.")})
    with transaction.atomic():
        # The effective date, once fixed and announced, is not moved by a second (replayed) closing.
        if Withdrawal.objects.filter(pk=withdrawal.pk, engaged_actions_closed_on__isnull=False).exists():
            raise ValidationError(_("Les actions engagées sont déjà closes ; la date de retrait effectif est fixée."))
        withdrawal.engaged_actions_closed_on = closed_on
        withdrawal.effective_on = withdrawal.expected_effective_on
        withdrawal.save(update_fields=["engaged_actions_closed_on", "effective_on", "updated_at"])
        audit_log(
            actor=user,
            action=Action.WITHDRAWAL_ACTIONS_CLOSED,
            target=withdrawal.participation,
            project_id=withdrawal.participation.project_id,
            effective_on=withdrawal.effective_on.isoformat(),
        )
        if withdrawal.is_effective():
            withdrawals_apply_due(project_ids=[withdrawal.participation.project_id], user=user)
    return withdrawal


def withdrawals_apply_due(*, project_ids=None, user=None) -> int:
    """Draw the consequences of withdrawals that have taken effect: a charter whose only missing
    signatures were those of withdrawn parties comes into force. Run daily (`apply_withdrawals`).
    Returns the number of charters put in force."""
    charters = Charter.objects.filter(in_force_on__isnull=True).select_related("project")
    if project_ids is not None:
        charters = charters.filter(project_id__in=project_ids)
    count = 0
    for charter in charters:
        if charter == charter_current(charter.project):
            count += charter_refresh_in_force(charter=charter, user=user)
    return count


# Charter -----------------------------------------------------------------------------------------


def charter_current(project: SharedProject) -> Charter | None:
    return project.charters.order_by("-version").first()


def charter_parties(project: SharedProject) -> list[Organisation]:
    """The agency and every participating authority that has not withdrawn."""
    participants = [
        p.organisation
        for p in Participation.objects.filter(project=project).active_participants().select_related("organisation")
    ]
    return [project.facilitator_organisation, *participants]


def charter_publish_version(
    *, project: SharedProject, user, title: str, preamble: str, articles: list[dict], audit: bool = True
) -> Charter:
    """A new version of the charter text. Refused once a version is in force or has signatures."""
    if not articles:
        raise ValidationError(_("Une charte compte au moins un article."))
    with transaction.atomic():
        _lock_project(project)
        current = charter_current(project)
        if current is not None and current.is_in_force:
            raise ValidationError(_("La charte est en vigueur : son texte ne peut plus être modifié."))
        if current is not None and current.signatures.exists():
            raise ValidationError(
                _(
                    "Cette version a déjà été signée : publier un nouveau texte annulerait des signatures "
                    "fondées sur des délibérations."
                )
            )
        charter = Charter.objects.create(
            project=project,
            version=(current.version + 1) if current else 1,
            title=title,
            preamble=preamble,
            created_by=user,
        )
        CharterArticle.objects.bulk_create(
            CharterArticle(charter=charter, number=index, **article) for index, article in enumerate(articles, 1)
        )
        if audit:
            audit_log(
                actor=user,
                action=Action.CHARTER_VERSION_PUBLISHED,
                target=charter,
                project_id=project.pk,
                version=charter.version,
            )
    return charter


VOTE_FIELDS = ("votes_for", "votes_against", "abstentions", "not_taking_part", "excused")


def signature_check_deliberation(values: dict) -> None:
    """The deliberation behind an authority's signature: complete, not in the future, votes adding up."""
    errors = {}
    required = {
        "deliberation_number": _("Indiquez le numéro de la délibération."),
        "deliberation_date": _("Indiquez la date de la délibération."),
        "deliberative_body": _("Indiquez l'instance qui a délibéré."),
        "members_in_office": _("Indiquez le nombre de membres en exercice."),
        "votes_for": _("Indiquez le nombre de voix pour."),
    }
    for field, message in required.items():
        if values.get(field) in (None, ""):
            errors[field] = message
    date = values.get("deliberation_date")
    if date and date > timezone.localdate():
        errors["deliberation_date"] = _("La date de la délibération ne peut pas être dans le futur.")
    signed_on = values.get("signed_on")
    if date and signed_on and signed_on < date:
        errors["signed_on"] = _("La charte ne peut être signée avant la délibération qui l'autorise.")
    members = values.get("members_in_office")
    if members is not None and "votes_for" not in errors:
        total = sum(values.get(field) or 0 for field in VOTE_FIELDS)
        if total != members:
            errors["members_in_office"] = _(
                "Les voix ne tombent pas juste : pour, contre, abstentions, ne prenant pas part au vote "
                "et excusés font %(total)d, pour %(members)d membres en exercice."
            ) % {"total": total, "members": members}
        elif (values.get("votes_for") or 0) <= (values.get("votes_against") or 0):
            errors["votes_for"] = _("La délibération n'a pas été adoptée : il y a plus de voix contre que pour.")
    if errors:
        raise ValidationError(errors)


def charter_sign(
    *,
    charter: Charter,
    organisation: Organisation,
    user,
    signatory_name: str,
    signatory_title: str,
    signed_on: datetime.date,
    deliberation: dict | None = None,
    deliberation_document=None,
) -> Signature:
    """Record a party's signature; the charter comes into force when the last party signs."""
    project = charter.project
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("La date de signature ne peut pas être dans le futur.")})
    is_agency = organisation.pk == project.facilitator_organisation_id
    deliberation = dict(deliberation or {})
    if not is_agency:
        signature_check_deliberation({**deliberation, "signed_on": signed_on})
        if deliberation_document is None:
            raise ValidationError({"deliberation_document": _("Joignez la délibération au format PDF.")})
    if deliberation_document is not None:
        try:
            validate_pdf_upload(deliberation_document)
        except ValidationError as error:
            raise ValidationError({"deliberation_document": error.messages}) from error
    stored_files = []
    try:
        with transaction.atomic():
            signature = _charter_sign_locked(
                charter=charter,
                organisation=organisation,
                user=user,
                signatory_name=signatory_name,
                signatory_title=signatory_title,
                signed_on=signed_on,
                deliberation=deliberation,
                deliberation_document=deliberation_document,
                stored_files=stored_files,
            )
    except BaseException:
        # Nothing of a refused signature stays behind, not even its uploaded PDF.
        for stored in stored_files:
            stored.storage.delete(stored.name)
        raise
    return signature


def _charter_sign_locked(
    *,
    charter,
    organisation,
    user,
    signatory_name,
    signatory_title,
    signed_on,
    deliberation,
    deliberation_document,
    stored_files,
) -> Signature:
    project = charter.project
    _lock_project(project)
    charter = Charter.objects.get(pk=charter.pk)
    if charter != charter_current(project):
        raise ValidationError(_("Cette version de la charte a été remplacée ; signez la version en cours."))
    if organisation not in charter_parties(project):
        raise ValidationError(_("%(org)s n'est pas partie à cette charte.") % {"org": organisation})
    if Signature.objects.filter(charter=charter, organisation=organisation).exists():
        raise ValidationError(_("%(org)s a déjà signé cette charte.") % {"org": organisation})
    signature = Signature(
        charter=charter,
        organisation=organisation,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        signed_on=signed_on,
        recorded_by=user,
        **{key: value for key, value in deliberation.items() if value not in (None, "")},
    )
    if deliberation_document is not None:
        signature.deliberation_document = deliberation_document
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError as error:
        raise ValidationError(_("%(org)s a déjà signé cette charte.") % {"org": organisation}) from error
    finally:
        # The file is written to storage before the row is inserted: remember it for cleanup.
        if signature.deliberation_document and getattr(signature.deliberation_document, "_committed", False):
            stored_files.append(signature.deliberation_document)
    audit_log(
        actor=user,
        action=Action.CHARTER_SIGNED,
        target=charter,
        project_id=project.pk,
        party=organisation.name,
        deliberation=deliberation.get("deliberation_number", ""),
    )
    charter_refresh_in_force(charter=charter, user=user)
    return signature


def charter_refresh_in_force(*, charter: Charter, user=None) -> bool:
    """Put the charter in force once every current party has signed (after the last signature, or
    once the last party that had not signed has withdrawn). Returns True if it came into force now."""
    if charter.is_in_force:
        return False
    project = charter.project
    signed = set(Signature.objects.filter(charter=charter).values_list("organisation_id", flat=True))
    if not all(party.pk in signed for party in charter_parties(project)):
        return False
    charter.in_force_on = timezone.localdate()
    charter.save(update_fields=["in_force_on", "updated_at"])
    audit_log(actor=user, action=Action.CHARTER_IN_FORCE, target=charter, project_id=project.pk)
    return True


# Steering committee ------------------------------------------------------------------------------


def meeting_save(*, meeting: Meeting, decisions: list[str] | None = None, attendees=None, user) -> Meeting:
    """Create or update a meeting with its attendance and its numbered decisions, all or nothing."""
    with transaction.atomic():
        meeting.save()
        if attendees is not None:
            meeting.attendees.set(attendees)
        if decisions is not None:
            meeting.decisions.all().delete()
            Decision.objects.bulk_create(
                Decision(meeting=meeting, number=index, text=text)
                for index, text in enumerate((d.strip() for d in decisions if d.strip()), 1)
            )
    return meeting
