"""Writes on shared projects that touch several models: keyword-only, atomic, audited.

Each service checks the business rules and raises ValidationError with a message for the user;
permissions are checked by the views (rules), before calling.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from territoires.accounts.models import Membership, Organisation
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.core.validators import validate_pdf_upload
from territoires.projects.charter_template import articles_for
from territoires.projects.deliberations import deliberation_errors
from territoires.projects.methods import method_copy, template_default
from territoires.projects.models import (
    MAX_PARTICIPANTS,
    MIN_PARTICIPANTS,
    Charter,
    CharterArticle,
    Committee,
    CommitteeMember,
    Decision,
    Meeting,
    MeetingInvitation,
    Method,
    Participation,
    SharedProject,
    Signature,
    StepCompletion,
    Theme,
    ThemeInterest,
    Withdrawal,
)
from territoires.projects.phases import progress_timeline

Action = AuditEvent.Action


def _search_reindex(obj) -> None:
    """Themes and projects are searchable (search_documents.py): each write re-indexes them."""
    from territoires.search.services import source_reindex

    source_reindex(source=obj)


# Themes ------------------------------------------------------------------------------------------


def theme_propose(*, organisation: Organisation, user, title: str, description: str) -> Theme:
    """A theme proposed by an authority (which is, by definition, interested) or by the agency."""
    if not organisation.is_local_authority and organisation.kind != Organisation.Kind.NATIONAL_AGENCY:
        raise ValidationError(_("Un thème est proposé au nom d'une collectivité ou de l'Agence."))
    with transaction.atomic():
        theme = Theme.objects.create(
            title=title, description=description, proposed_by_organisation=organisation, proposed_by=user
        )
        if organisation.is_local_authority:
            ThemeInterest.objects.create(theme=theme, organisation=organisation, expressed_by=user)
        audit_log(actor=user, action=Action.THEME_PROPOSED, target=theme, organisation=organisation.name)
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
    *,
    theme: Theme,
    user,
    facilitator_organisation: Organisation,
    title: str = "",
    participants: list[Organisation] | tuple = (),
    observers: list[Organisation] | tuple = (),
    method_template: Method | None = None,
) -> SharedProject:
    """A draft project from the theme, with the authorities chosen among those interested added at once."""
    if set(participants) & set(observers):
        raise ValidationError(_("Une collectivité est soit participante, soit observatrice."))
    if len(participants) > MAX_PARTICIPANTS:
        raise ValidationError(
            _("Un projet partagé réunit au plus %(max)d collectivités participantes ; vous en avez choisi %(n)d.")
            % {"max": MAX_PARTICIPANTS, "n": len(participants)}
        )
    with transaction.atomic():
        # Two facilitators converting the same theme at once: the second one waits, then is refused.
        theme = Theme.objects.select_for_update().get(pk=theme.pk)
        if theme.status != Theme.Status.PROPOSED:
            raise ValidationError(_("Ce thème est déjà devenu un projet partagé ou a été archivé."))
        project = project_create(
            user=user,
            title=title or theme.title,
            facilitator_organisation=facilitator_organisation,
            theme=theme,
            summary=theme.description[:400],
            method_template=method_template,
        )
        Theme.objects.filter(pk=theme.pk).update(status=Theme.Status.PROJECT)
        theme.status = Theme.Status.PROJECT
        _search_reindex(theme)
        audit_log(
            actor=user,
            action=Action.THEME_CONVERTED,
            target=theme,
            project_id=project.pk,
            participants=len(participants),
        )
        for organisation in participants:
            participation_add(
                project=project, organisation=organisation, role=Participation.Role.PARTICIPANT, user=user
            )
        for organisation in observers:
            participation_add(project=project, organisation=organisation, role=Participation.Role.OBSERVER, user=user)
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
    method_template: Method | None = None,
) -> SharedProject:
    """A draft project with its own copy of a method (the default template unless one is given), its
    steering committee and a first charter built from the method's charter model."""
    if method_template is None:
        method_template = template_default()
    if not method_template.is_template:
        raise ValidationError(_("Choisissez un modèle de méthode."))
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
        method_copy(source=method_template, project=project)
        Committee.objects.create(project=project)
        _search_reindex(project)
        charter_publish_version(
            project=project,
            user=user,
            title=_("Charte d'engagement — %(title)s") % {"title": title},
            preamble="",
            articles=articles_for(method_template, project),
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


def _step_progress(participation: Participation, step: str):
    """The step's place in the territory's timeline, read afresh; refuses what has no steps."""
    if not participation.is_participant:
        raise ValidationError(_("Seules les collectivités participantes ont des étapes."))
    if participation.participation_state == "withdrawn":
        raise ValidationError(_("Cette collectivité s'est retirée du projet."))
    method = Method.objects.filter(project_id=participation.project_id).prefetch_related("phases", "steps").first()
    completions = StepCompletion.objects.filter(participation=participation)
    for phase in progress_timeline(method, completions):
        for progress in phase.steps:
            if progress.step.code == step:
                return progress
    raise ValidationError(_("Étape inconnue."))


def _lock_participation(participation: Participation) -> None:
    # Two people marking steps of one territory at once see each other's steps (PostgreSQL row
    # lock; SQLite transactions are serialised).
    Participation.objects.select_for_update().filter(pk=participation.pk).first()


def step_complete(*, participation: Participation, step: str, user, note: str = "") -> StepCompletion:
    """Mark a step done, with an optional note; only once the earlier steps of its phase are.
    Marking a step already done changes nothing (a resent form)."""
    note = note.strip()
    if len(note) > 2000:
        raise ValidationError({"note": _("La note compte au plus 2 000 caractères.")})
    with transaction.atomic():
        _lock_participation(participation)
        progress = _step_progress(participation, step)
        if progress.done:
            return progress.completion
        if progress.missing_before:
            raise ValidationError(
                _("« %(step)s » ne peut pas encore être marquée faite : terminez d'abord %(missing)s.")
                % {
                    "step": progress.step.label,
                    "missing": ", ".join(f"« {label} »" for label in progress.missing_before),
                }
            )
        completion = StepCompletion.objects.create(
            participation=participation,
            step=step,
            completed_by=user if user and user.is_authenticated else None,
            note=note,
        )
        details = {"step": progress.step.label}
        if note:
            details["note"] = note
        audit_log(
            actor=user,
            action=Action.PHASE_STEP_DONE,
            target=participation,
            project_id=participation.project_id,
            **details,
        )
    return completion


def steps_fill_by_module(
    *, participation: Participation, module: str, codes: list[str], user, note: str = ""
) -> list[str]:
    """A module marks the steps it fills (MethodStep.filled_by) as done, in the method's order:
    e.g. the adoption of an action plan marks "plan drafted" and "plan adopted". Steps of this
    territory's method that the module does not fill, or that are already done, are left alone.
    Returns the codes marked now (a step whose earlier steps are not done stays to do)."""
    method = participation.method
    if method is None:
        return []
    marked = []
    for step in method.steps.filter(filled_by=module, code__in=codes).order_by("phase__position", "position"):
        try:
            before = StepCompletion.objects.filter(participation=participation, step=step.code).exists()
            step_complete(participation=participation, step=step.code, user=user, note=note)
        except ValidationError:
            continue
        if not before:
            marked.append(step.code)
    return marked


def step_reopen(*, participation: Participation, step: str, user) -> bool:
    """Mark a done step as to do again, once the later steps of its phase are open again.
    False when it was not done (a resent form)."""
    with transaction.atomic():
        _lock_participation(participation)
        progress = _step_progress(participation, step)
        if not progress.done:
            return False
        if progress.has_done_after:
            raise ValidationError(
                _(
                    "« %(step)s » ne peut pas être rouverte tant qu'une étape suivante de la phase est faite : "
                    "rouvrez d'abord celle-ci."
                )
                % {"step": progress.step.label}
            )
        progress.completion.delete()
        audit_log(
            actor=user,
            action=Action.PHASE_STEP_UNDONE,
            target=participation,
            project_id=participation.project_id,
            step=progress.step.label,
        )
    return True


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


def signature_check_deliberation(values: dict) -> None:
    """The deliberation behind an authority's signature: complete, not in the future, figures adding up
    (deliberations.deliberation_errors), and not before the deliberation that authorises it."""
    errors = deliberation_errors(values, require_presence=True)
    date = values.get("deliberation_date")
    signed_on = values.get("signed_on")
    if date and signed_on and signed_on < date:
        errors.setdefault("signed_on", _("La charte ne peut être signée avant la délibération qui l'autorise."))
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
#
# Permissions are checked by the views (projects.manage_committee, projects.change_decision,
# projects.follow_decision); each service checks the business rules, locks, audits.


def committee_seat_check(*, project: SharedProject, person, organisation: Organisation, kind: str) -> None:
    """A seat's quality must match what the person is at the organisation they sit for."""
    Kind = CommitteeMember.Kind
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choisissez une des qualités proposées.")})
    role = Membership.objects.filter(user=person, organisation=organisation).values_list("role", flat=True).first()
    names = {"user": person.get_full_name() or person.email, "org": organisation, "kind": Kind(kind).label}
    if role is None:
        raise ValidationError(
            {"organisation": _("%(user)s n'appartient pas à %(org)s : choisissez son organisation.") % names}
        )
    names["role"] = Membership.Role(role).label
    if kind == Kind.AGENCY:
        if organisation.pk != project.facilitator_organisation_id:
            raise ValidationError(
                {
                    "kind": _(
                        "La qualité « %(kind)s » revient aux personnes de %(agency)s, l'organisation qui anime le "
                        "projet ; %(user)s siège pour %(org)s."
                    )
                    % {**names, "agency": project.facilitator_organisation}
                }
            )
        return
    if kind == Kind.CONSULTANT:
        if project.consultancy_id is None or organisation.pk != project.consultancy_id:
            raise ValidationError(
                {
                    "kind": (
                        _(
                            "La qualité « %(kind)s » revient aux personnes du prestataire du projet "
                            "(%(consultancy)s) ; %(user)s siège pour %(org)s."
                        )
                        % {**names, "consultancy": project.consultancy}
                        if project.consultancy_id
                        else _("Le projet n'a pas de prestataire : la qualité « %(kind)s » ne peut être donnée.")
                        % names
                    )
                }
            )
        return
    participant_ids = set(
        Participation.objects.filter(project=project).active_participants().values_list("organisation_id", flat=True)
    )
    if organisation.pk not in participant_ids:
        raise ValidationError(
            {
                "kind": _(
                    "La qualité « %(kind)s » revient à une collectivité participante du projet ; %(org)s n'en est pas une."
                )
                % names
            }
        )
    if kind == Kind.ELECTED and role != Membership.Role.ELECTED:
        raise ValidationError(
            {
                "kind": _(
                    "%(user)s est « %(role)s » à %(org)s, pas élu·e : seul·e un·e élu·e de la collectivité "
                    "siège avec la qualité « %(kind)s »."
                )
                % names
            }
        )
    if kind == Kind.CULTURAL_LEAD and role not in (Membership.Role.REFERENT, Membership.Role.AGENT):
        raise ValidationError(
            {
                "kind": _(
                    "%(user)s est « %(role)s » à %(org)s : la qualité « %(kind)s » revient au ou à la référent·e "
                    "ou à un agent de la collectivité."
                )
                % names
            }
        )


def committee_member_add(
    *, committee: Committee, person, organisation: Organisation, kind: str, user
) -> CommitteeMember:
    """Seat a person (again, if they had left); refused if the seat does not match their membership."""
    project = committee.project
    committee_seat_check(project=project, person=person, organisation=organisation, kind=kind)
    with transaction.atomic():
        _lock_project(project)
        member = CommitteeMember.objects.filter(committee=committee, user=person).first()
        if member is not None and member.left_at is None:
            raise ValidationError({"user": _("Cette personne siège déjà au comité.")})
        if member is None:
            member = CommitteeMember(committee=committee, user=person)
        member.organisation, member.kind, member.left_at = organisation, kind, None
        member.save()
        audit_log(
            actor=user,
            action=Action.COMMITTEE_MEMBER_ADDED,
            target=member,
            project_id=project.pk,
            kind=kind,
            organisation=organisation.name,
        )
    return member


def committee_member_remove(*, member: CommitteeMember, user) -> None:
    """The person leaves the committee; the meetings they attended still list them."""
    with transaction.atomic():
        _lock_project(member.committee.project)
        left = CommitteeMember.objects.filter(pk=member.pk, left_at__isnull=True).update(left_at=timezone.now())
        if not left:
            raise ValidationError(_("Cette personne ne siège pas au comité."))
        audit_log(
            actor=user,
            action=Action.COMMITTEE_MEMBER_REMOVED,
            target=member,
            project_id=member.committee.project_id,
            kind=member.kind,
            organisation=member.organisation.name,
        )


MEETING_AUDITED_FIELDS = ("title", "starts_at", "place", "video_link", "agenda", "minutes", "minutes_document")


def meeting_save(
    *,
    meeting: Meeting,
    decisions: list | None = None,
    attendees=None,
    minutes_document=None,
    invite: bool = False,
    user,
) -> Meeting:
    """Create or update a meeting with its attendance, all or nothing, audited.

    `decisions` (texts, or dicts with text/owner/due_on/status) are added after those the meeting
    has; existing decisions are changed one by one (decision_update), never replaced, so their
    owners and follow-up stay. `invite` sends the invitation to the members (meeting_invite).
    """
    if minutes_document is not None:
        try:
            validate_pdf_upload(minutes_document)
        except ValidationError as error:
            raise ValidationError({"minutes_document": error.messages}) from error
    creating = meeting.pk is None
    changed = []
    if not creating:
        before = Meeting.objects.filter(pk=meeting.pk).values(*MEETING_AUDITED_FIELDS).first() or {}
        changed = [
            name
            for name in MEETING_AUDITED_FIELDS
            if name != "minutes_document" and before.get(name) != getattr(meeting, name)
        ]
    stored = []
    try:
        with transaction.atomic():
            _lock_project(meeting.committee.project)
            if minutes_document is not None:
                meeting.minutes_document = minutes_document
                changed.append("minutes_document")
            meeting.save()
            if minutes_document is not None:
                # Written to storage by save(): remember it, to remove it if the rest fails.
                stored.append(meeting.minutes_document)
            if attendees is not None:
                before_ids = set() if creating else set(meeting.attendees.values_list("pk", flat=True))
                meeting.attendees.set(attendees)
                if not creating and before_ids != {a.pk for a in attendees}:
                    changed.append("attendees")
            for entry in decisions or []:
                entry = {"text": entry} if isinstance(entry, str) else dict(entry)
                if entry.get("text", "").strip():
                    decision_record(meeting=meeting, user=user, **entry)
            project_id = meeting.committee.project_id
            if creating:
                audit_log(
                    actor=user,
                    action=Action.MEETING_SCHEDULED,
                    target=meeting,
                    project_id=project_id,
                    starts_at=timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M"),
                    decisions=meeting.decisions.count(),
                )
            elif changed:
                # Stored in the platform's language, as the journal is read by every facilitator.
                with translation.override(settings.LANGUAGE_CODE):
                    changes = ", ".join(str(Meeting._meta.get_field(name).verbose_name) for name in changed)
                audit_log(
                    actor=user,
                    action=Action.MEETING_CHANGED,
                    target=meeting,
                    project_id=project_id,
                    changes=changes,
                )
            if invite and meeting.starts_at > timezone.now():
                # A meeting recorded after it took place invites nobody.
                meeting_invite(meeting=meeting, user=user)
    except BaseException:
        # A refused or failed save leaves no uploaded minutes behind.
        for file in stored:
            file.storage.delete(file.name)
        raise
    return meeting


def _decision_owner_check(meeting: Meeting, owner) -> None:
    if owner is not None and not meeting.committee.members.current().filter(user=owner).exists():
        raise ValidationError({"owner": _("Le ou la responsable d'une décision est un membre du comité.")})


def decision_record(
    *,
    meeting: Meeting,
    text: str,
    user,
    owner=None,
    due_on: datetime.date | None = None,
    status: str = Decision.Status.TODO,
) -> Decision:
    """Add a numbered decision to a meeting (numbers follow the order of recording)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Écrivez la décision.")})
    if status not in Decision.Status.values:
        raise ValidationError({"status": _("Choisissez un des statuts proposés.")})
    _decision_owner_check(meeting, owner)
    with transaction.atomic():
        _lock_project(meeting.committee.project)
        number = (meeting.decisions.aggregate(last=Max("number"))["last"] or 0) + 1
        decision = Decision.objects.create(
            meeting=meeting,
            number=number,
            text=text,
            owner=owner,
            due_on=due_on,
            status=status,
            status_changed_at=timezone.now() if status != Decision.Status.TODO else None,
        )
        audit_log(
            actor=user,
            action=Action.DECISION_RECORDED,
            target=decision,
            project_id=meeting.committee.project_id,
            owner=_person_name(owner) or _("à désigner"),
            due_on=due_on.isoformat() if due_on else _("sans échéance"),
            status=status,
        )
    return decision


def _person_name(person) -> str:
    return (person.get_full_name() or person.email) if person is not None else ""


def decision_update(*, decision: Decision, user, **changes) -> Decision:
    """Change a decision's text, owner, due date or status; each change is audited with its new value."""
    allowed = {"text", "owner", "due_on", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Not a decision field: {', '.join(sorted(unknown))}")
    if "text" in changes and not (changes["text"] or "").strip():
        raise ValidationError({"text": _("Écrivez la décision.")})
    if "status" in changes and changes["status"] not in Decision.Status.values:
        raise ValidationError({"status": _("Choisissez un des statuts proposés.")})
    if "owner" in changes:
        _decision_owner_check(decision.meeting, changes["owner"])
    with transaction.atomic():
        _lock_project(decision.meeting.committee.project)
        current = Decision.objects.select_for_update().get(pk=decision.pk)
        details = {}
        for name, value in changes.items():
            value = value.strip() if name == "text" else value
            if getattr(current, name) == value:
                continue
            setattr(current, name, value)
            if name == "owner":
                details["owner"] = _person_name(value) or _("à désigner")
            elif name == "due_on":
                details["due_on"] = value.isoformat() if value else _("sans échéance")
            elif name == "status":
                details["status"] = value
                current.status_changed_at = timezone.now()
            else:
                details["text"] = value[:200]
        if details:
            current.save()
            audit_log(
                actor=user,
                action=Action.DECISION_CHANGED,
                target=current,
                project_id=current.meeting.committee.project_id,
                **details,
            )
    return current


def meeting_invite(*, meeting: Meeting, user) -> list[int]:
    """Invite the committee's current members not invited yet: one in-app notification each, e-mailed
    after commit by the notifications' task (immediate e-mail, as the person's preference allows).
    Stored once per person (MeetingInvitation), so sending again only reaches new members.
    Returns the ids of the people invited now."""
    from territoires.notifications.services import notify

    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("La réunion a déjà eu lieu : il n'y a plus personne à inviter."))
    with transaction.atomic():
        _lock_project(meeting.committee.project)
        already = set(meeting.invitations.values_list("user_id", flat=True))
        invited = [
            member.user
            for member in meeting.committee.members.current().select_related("user")
            if member.user_id not in already and member.user.is_active
        ]
        if not invited:
            return []
        MeetingInvitation.objects.bulk_create(
            [MeetingInvitation(meeting=meeting, user=person, invited_by=user) for person in invited]
        )
        starts_at = timezone.localtime(meeting.starts_at)
        where = meeting.place or _("en visioconférence")
        with translation.override(settings.LANGUAGE_CODE):
            text = _(
                "Invitation au comité de pilotage « %(title)s » du projet %(project)s : le %(date)s à %(time)s, "
                "%(where)s. L'ordre du jour et le fichier d'agenda (iCalendar) sont sur la page de la réunion."
            ) % {
                "title": meeting.title,
                "project": meeting.committee.project.title,
                "date": date_format(starts_at, "j F Y"),
                "time": starts_at.strftime("%Hh%M"),
                "where": where,
            }
        # The invitation goes to every member, the one who sends it included (they sit too).
        notify(
            recipients=invited,
            verb="meeting_invitation",
            text=text,
            url=meeting.get_absolute_url(),
            target=meeting,
            immediate=True,
        )
        audit_log(
            actor=user,
            action=Action.MEETING_INVITATIONS_SENT,
            target=meeting,
            project_id=meeting.committee.project_id,
            invited=len(invited),
        )
    return [person.pk for person in invited]
