"""Loads the demo: the reference case as it happened (2021–2022) and a current shared project.

Every object has a natural key (a title, an e-mail, a name), so running it again duplicates nothing.
It also converges: on a database loaded by an older demo, what is missing is added and the dates and
states of the story (themes, signatures, steps, meetings, events) are set to those of `data.py` and
`current_data.py`; what a user added through the platform is left alone. Objects are found by their
title: renaming one in the data files adds a new one beside the old (delete the old one by hand).
"""

import datetime
import importlib
import importlib.util

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from territoires.accounts.models import Membership, Organisation, User
from territoires.core.audit import audit_log
from territoires.core.cache import bump_content_version
from territoires.core.models import AuditEvent
from territoires.demo import data
from territoires.projects import services
from territoires.projects.methods import CULTURE_SLUG, template_by_slug
from territoires.projects.models import (
    Charter,
    Committee,
    CommitteeMember,
    Meeting,
    Participation,
    SharedProject,
    Signature,
    StepCompletion,
    Theme,
    ThemeInterest,
)

Role = Membership.Role
Kind = Organisation.Kind
Action = AuditEvent.Action

# (e-mail, first name, last name, job title, organisation name, role, what they can try)
DEMO_USERS = [
    (
        "admin@territoires.demo",
        "Alex",
        "Martin",
        "Administratrice de la plateforme",
        data.AGENCY["name"],
        Role.PLATFORM_ADMIN,
        "administration, tout voir",
    ),
    (
        "animatrice@anct.demo",
        "Claire",
        "Dubois",
        "Chargée de mission projets partagés",
        data.AGENCY["name"],
        Role.FACILITATOR,
        "animer le projet, le COPIL, accepter les observateurs, le journal",
    ),
    (
        "consultante@prestataire.demo",
        "Inès",
        "Moreau",
        "Consultante",
        data.CONSULTANCY["name"],
        Role.CONSULTANT,
        "espace du projet, COPIL",
    ),
    (
        "referente.mantes@ville.demo",
        "Sarah",
        "Benali",
        "Directrice des affaires culturelles",
        "Mantes-la-Jolie",
        Role.REFERENT,
        "fiche territoire, discussions du projet",
    ),
    (
        "referent.niort@ville.demo",
        "Thomas",
        "Girard",
        "Directeur de la culture",
        "Niort",
        Role.REFERENT,
        "fiche territoire, étapes, COPIL",
    ),
    (
        "referente.bourges@ville.demo",
        "Camille",
        "Lefèvre",
        "Directrice de la culture",
        "Bourges",
        Role.REFERENT,
        "fiche territoire, actualités du projet",
    ),
    (
        "referent.guichen@ville.demo",
        "Yann",
        "Le Gall",
        "Responsable de la vie culturelle",
        "Guichen",
        Role.REFERENT,
        "fiche territoire, rencontres entre pairs",
    ),
    (
        "agent.niort@ville.demo",
        "Léa",
        "Fontaine",
        "Médiatrice culturelle",
        "Niort",
        Role.AGENT,
        "proposer un thème, marquer l'intérêt",
    ),
    ("elu.bourges@ville.demo", "Marc", "Rousseau", "Adjoint à la culture", "Bourges", Role.ELECTED, "espace du projet"),
    (
        "referente.poitiers@ville.demo",
        "Nadia",
        "Perrin",
        "Directrice de la culture",
        "Poitiers",
        Role.REFERENT,
        "collectivité observatrice ; demande d'observation en attente sur le projet en cours",
    ),
    (
        "referent.lorient@ville.demo",
        "Erwan",
        "Caradec",
        "Directeur de la culture",
        "Lorient",
        Role.REFERENT,
        "collectivité observatrice",
    ),
    # The second, current project (see current_data.py).
    (
        "restauration.niort@ville.demo",
        "Élodie",
        "Marchand",
        "Responsable de la restauration scolaire",
        "Niort",
        Role.REFERENT,
        "projet en cours (restauration collective) : diagnostic, discussions",
    ),
    (
        "restauration.guichen@ville.demo",
        "Gaëlle",
        "Le Roux",
        "Coordinatrice enfance et restauration",
        "Guichen",
        Role.REFERENT,
        "projet en cours : étapes du diagnostic",
    ),
    (
        "restauration.lorient@ville.demo",
        "Maël",
        "Jégou",
        "Directeur de la restauration municipale",
        "Lorient",
        Role.REFERENT,
        "projet en cours : rencontre à venir",
    ),
]


def aware(moment: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _organisation(name, kind, **fields):
    organisation, _created = Organisation.objects.get_or_create(name=name, kind=kind, defaults=fields)
    return organisation


def _communes(rows) -> dict[str, Organisation]:
    return {
        row["name"]: _organisation(
            row["name"],
            Kind.COMMUNE,
            insee_code=row["insee_code"],
            population=row["population"],
            department_code=row["department_code"],
        )
        for row in rows
    }


def _user(email, first_name, last_name, job_title, organisation, role):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=data.DEMO_PASSWORD, first_name=first_name, last_name=last_name, job_title=job_title
        )
        if role == Role.PLATFORM_ADMIN:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
    Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": role})
    return user


def demo_world():
    """The organisations and the demo accounts, created when missing: (organisations, users)."""
    agency = _organisation(data.AGENCY["name"], Kind.NATIONAL_AGENCY)
    consultancy = _organisation(data.CONSULTANCY["name"], Kind.CONSULTANCY)
    organisations = {agency.name: agency, consultancy.name: consultancy}
    organisations.update(_communes(data.TOWNS))
    organisations.update(_communes(data.OBSERVERS))
    users = {row[0]: _user(*row[:4], organisations[row[4]], row[5]) for row in DEMO_USERS}
    return organisations, users


def set_fields(obj, **values) -> bool:
    """Give a stored object the values of the story (QuerySet.update: no auto_now, no signal); True if
    something changed."""
    changed = {field: value for field, value in values.items() if getattr(obj, field) != value}
    if changed:
        type(obj).objects.filter(pk=obj.pk).update(**changed)
        for field, value in changed.items():
            setattr(obj, field, value)
    return bool(changed)


# Each module's part of the demo: a module `territoires.demo.<name>` with `load(project) -> bool`,
# idempotent on its own (a database loaded before the module existed gets the module's data).
MODULE_DEMOS = [
    "library",
    "community",
    "sharing",
    "notifications",
    "surveys",
    "diagnostic",
    "network",
    "qualitative",
    "interviews",
    "codesign",
    "opinion",
    "panels",
    "plans",
]


def load_demo() -> bool:
    """Returns False when nothing was missing or out of step with the story."""
    started = timezone.now()
    created = load_reference_project()
    project = SharedProject.objects.get(title=data.PROJECT["title"])
    for name in MODULE_DEMOS:
        if importlib.util.find_spec(f"territoires.demo.{name}") is None:
            continue
        module = importlib.import_module(f"territoires.demo.{name}")
        with transaction.atomic():
            created = module.load(project) or created
    from territoires.demo import current

    with transaction.atomic():
        created = current.load() or created
        # What the loading itself wrote in the audit journal happened on the story's dates.
        backdate_audit(project, since=started)
        backdate_audit(current.project(), since=started)
        backdate_notifications(since=started)
    if created:
        # Dates were set with QuerySet.update, which cached public pages do not hear of.
        bump_content_version()
    return created


@transaction.atomic
def load_reference_project() -> bool:
    """The reference project and its towns, users, charter and committee; False when already there."""
    organisations, users = demo_world()
    agency = organisations[data.AGENCY["name"]]
    consultancy = organisations[data.CONSULTANCY["name"]]
    towns = {town["name"]: organisations[town["name"]] for town in data.TOWNS}
    facilitator = users["animatrice@anct.demo"]
    changed = False

    # The theme the project came from (spring 2021), then the project itself (June 2021).
    theme = Theme.objects.filter(title=data.PROJECT["title"]).first()
    if theme is None:
        theme = Theme.objects.create(
            title=data.PROJECT["title"],
            description=data.REFERENCE_THEME["description"],
            proposed_by_organisation=towns[data.REFERENCE_THEME["proposed_by"]],
            proposed_by=users["referent.niort@ville.demo"],
        )
        changed = True
    changed |= set_fields(theme, created_at=aware(data.REFERENCE_THEME["proposed_at"]))
    for name, moment in data.REFERENCE_THEME["interests"].items():
        interest, created = ThemeInterest.objects.get_or_create(theme=theme, organisation=towns[name])
        changed |= created | set_fields(interest, created_at=aware(moment))

    project = SharedProject.objects.filter(title=data.PROJECT["title"]).first()
    if project is None:
        project = services.theme_convert_to_project(
            theme=theme,
            user=facilitator,
            facilitator_organisation=agency,
            method_template=template_by_slug(CULTURE_SLUG),
        )
        changed = True
    converted_at = aware(data.REFERENCE_THEME["converted_at"])
    changed |= set_fields(project, **data.PROJECT, consultancy_id=consultancy.pk, created_at=converted_at)
    Charter.objects.filter(project=project, version=1).update(created_at=converted_at)

    referents = {
        "Mantes-la-Jolie": users["referente.mantes@ville.demo"],
        "Niort": users["referent.niort@ville.demo"],
        "Bourges": users["referente.bourges@ville.demo"],
        "Guichen": users["referent.guichen@ville.demo"],
    }
    for town_data in data.TOWNS:
        name = town_data["name"]
        participation = Participation.objects.filter(project=project, organisation=towns[name]).first()
        if participation is None:
            participation = services.participation_add(
                project=project, organisation=towns[name], role=Participation.Role.PARTICIPANT, user=facilitator
            )
            participation.referent = referents[name]
            participation.context = town_data["context"]
            participation.cultural_landscape = town_data["cultural_landscape"]
            participation.points_of_attention = town_data["points_of_attention"]
            participation.save()
            changed = True
        changed |= set_fields(participation, created_at=converted_at)
        changed |= steps_converge(participation, data.PROGRESS[name], user=referents[name])

    for obs in data.OBSERVERS:
        organisation = organisations[obs["name"]]
        participation = Participation.objects.filter(project=project, organisation=organisation).first()
        if participation is None:
            requester = next(
                (users[row[0]] for row in DEMO_USERS if row[4] == obs["name"] and row[5] == Role.REFERENT),
                facilitator,
            )
            participation = services.observer_request(project=project, organisation=organisation, user=requester)
            changed = True
        if obs["status"] == "accepted" and participation.observer_status == Participation.ObserverStatus.REQUESTED:
            # An older demo left Lorient's request pending on a project over since 2022.
            services.observer_decide(participation=participation, accept=True, user=facilitator)
            changed = True
        requested_at, _decided_at = data.OBSERVER_DATES[obs["name"]]
        changed |= set_fields(participation, created_at=aware(requested_at))

    if project.status == SharedProject.Status.DRAFT:
        services.project_launch(project=project, user=facilitator)
        project.refresh_from_db()
        changed = True
    changed |= set_fields(
        project,
        launched_at=aware(data.LAUNCHED_AT),
        is_public=True,
        status=SharedProject.Status.CLOSED if data.CLOSED else SharedProject.Status.LAUNCHED,
    )

    charter = services.charter_current(project)
    changed |= signatures_converge(
        project,
        charter,
        data.SIGNATURES,
        organisations=organisations,
        users=users,
        in_force_on=data.CHARTER_IN_FORCE_ON,
    )

    # The steering committee and its meetings.
    committee = project.committee
    seats = [
        (facilitator, agency, CommitteeMember.Kind.AGENCY),
        (users["consultante@prestataire.demo"], consultancy, CommitteeMember.Kind.CONSULTANT),
        *((referent, towns[name], CommitteeMember.Kind.CULTURAL_LEAD) for name, referent in referents.items()),
        (users["elu.bourges@ville.demo"], towns["Bourges"], CommitteeMember.Kind.ELECTED),
    ]
    members = []
    for user, organisation, kind in seats:
        member, created = CommitteeMember.objects.get_or_create(
            committee=committee, user=user, defaults={"organisation": organisation, "kind": kind}
        )
        members.append(member)
        changed |= created
    changed |= meetings_converge(committee, data.MEETINGS, attendees=members, user=facilitator)

    # Other themes, proposed lately by the towns, with votes of interest.
    today = timezone.localdate()
    for theme_data in data.THEMES:
        proposed_at = aware(
            datetime.datetime.combine(
                today - datetime.timedelta(days=theme_data["proposed_days_ago"]), datetime.time(10)
            )
        )
        theme = Theme.objects.filter(title=theme_data["title"]).first()
        if theme is not None and theme.created_at <= proposed_at:
            continue  # dated by an earlier run: it stays as old as it has become
        if theme is None:
            proposer = organisations[theme_data["by"]]
            theme = services.theme_propose(
                organisation=proposer, user=None, title=theme_data["title"], description=theme_data["description"]
            )
            for name in theme_data["interested"]:
                services.theme_interest_express(theme=theme, organisation=organisations[name], user=None)
        # Proposed so many days ago (an older demo dated it the day it was loaded).
        set_fields(theme, created_at=proposed_at)
        for index, interest in enumerate(theme.interests.order_by("id")):
            set_fields(interest, created_at=proposed_at + datetime.timedelta(days=3 * index, hours=index))
        changed = True
    return changed


def steps_converge(participation, dated_steps: dict, *, user) -> bool:
    """The steps of the story are done, on their dates (other steps a user ticked stay as they are)."""
    changed = False
    existing = {completion.step: completion for completion in participation.step_completions.all()}
    for step, moment in dated_steps.items():
        completion = existing.get(step)
        if completion is None:
            completion = StepCompletion.objects.create(participation=participation, step=step, completed_by=user)
            changed = True
        changed |= set_fields(completion, completed_at=aware(moment))
    return changed


def signatures_converge(project, charter, signatures, *, organisations, users, in_force_on) -> bool:
    """Every party's signature as the story has it, and the charter in force on the last one's day.

    Recorded directly rather than through `charter_sign`: the demo holds no copy of the
    deliberations' PDFs. Audited here, as the service would."""
    changed = False
    for entry in signatures:
        organisation = organisations[entry["party"]]
        values = {
            "signatory_name": entry["signatory_name"],
            "signatory_title": entry["signatory_title"],
            "signed_on": entry["signed_on"],
            **entry["deliberation"],
        }
        signature = Signature.objects.filter(charter=charter, organisation=organisation).first()
        if signature is None:
            signature = Signature.objects.create(
                charter=charter, organisation=organisation, recorded_by=users.get(entry["recorded_by"]), **values
            )
            audit_log(
                actor=signature.recorded_by,
                action=Action.CHARTER_SIGNED,
                target=charter,
                project_id=project.pk,
                party=organisation.name,
                deliberation=signature.deliberation_number,
            )
            changed = True
        else:
            changed |= set_fields(signature, **values)
    if not charter.is_in_force:
        audit_log(actor=None, action=Action.CHARTER_IN_FORCE, target=charter, project_id=project.pk)
    changed |= set_fields(charter, in_force_on=in_force_on)
    return changed


def meetings_converge(committee: Committee, meetings, *, attendees, user) -> bool:
    """The committee's meetings, found by title within the committee, with their texts and decisions."""
    changed = False
    for entry in meetings:
        values = {
            "starts_at": aware(entry["starts_at"]),
            "place": entry["place"],
            "video_link": entry["video_link"],
            "agenda": entry["agenda"],
            "minutes": entry["minutes"],
        }
        meeting = Meeting.objects.filter(committee=committee, title=entry["title"]).first()
        if meeting is None:
            meeting = Meeting(committee=committee, title=entry["title"], **values)
            services.meeting_save(meeting=meeting, attendees=attendees, decisions=entry["decisions"], user=user)
            changed = True
            continue
        changed |= set_fields(meeting, **values)
        if list(meeting.decisions.order_by("number").values_list("text", flat=True)) != entry["decisions"]:
            services.meeting_save(meeting=meeting, decisions=entry["decisions"], user=user)
            changed = True
    return changed


def _story_moment(event: AuditEvent, project: SharedProject, *, since: datetime.datetime):
    """When the loaded event happened in the project's story, read from what the story stored."""
    action, details = event.action, event.details
    model = event.target_type.model_class() if event.target_type_id else None
    target = model.objects.filter(pk=event.target_id).first() if model else None
    if action == Action.CHARTER_SIGNED:
        signature = Signature.objects.filter(
            charter_id=event.target_id, organisation__name=details.get("party")
        ).first()
        return aware(datetime.datetime.combine(signature.signed_on, datetime.time(18))) if signature else None
    if action == Action.CHARTER_IN_FORCE:
        in_force_on = getattr(target, "in_force_on", None)
        return aware(datetime.datetime.combine(in_force_on, datetime.time(18, 5))) if in_force_on else None
    if action == Action.PROJECT_LAUNCHED:
        return project.launched_at
    if action in (Action.PARTICIPANT_ADDED, Action.CHARTER_VERSION_PUBLISHED):
        return project.created_at
    if action in (Action.OBSERVER_REQUESTED, Action.OBSERVER_ACCEPTED, Action.OBSERVER_REFUSED):
        dates = (
            data.OBSERVER_DATES.get(target.organisation.name)
            if target and project.title == data.PROJECT["title"]
            else None
        )
        if dates is not None:
            return aware(dates[0] if action == Action.OBSERVER_REQUESTED else (dates[1] or dates[0]))
        return target.created_at if target else None
    for field in ("published_at", "created_at"):
        moment = getattr(target, field, None)
        if isinstance(moment, datetime.datetime) and moment < since:
            return moment
    # Settings of the project's spaces, made as it was launched.
    return project.launched_at


def backdate_audit(project: SharedProject, *, since: datetime.datetime) -> None:
    """The journal lines that loading the demo wrote for a project take the story's dates; lines a
    person wrote by using the platform keep theirs.

    The lines of this run are those written since it started; on a database loaded by an older demo,
    the lines that demo wrote are those of the minutes around its launch of the project."""
    project.refresh_from_db()
    lines = AuditEvent.objects.filter(project_id=project.pk)
    windows = Q(occurred_at__gte=since)
    old_launch = lines.filter(action=Action.PROJECT_LAUNCHED, occurred_at__lt=since).order_by("occurred_at").first()
    if old_launch is not None and old_launch.occurred_at > project.launched_at + datetime.timedelta(days=1):
        windows |= Q(
            occurred_at__gte=old_launch.occurred_at - datetime.timedelta(minutes=5),
            occurred_at__lte=old_launch.occurred_at + datetime.timedelta(minutes=15),
        )
    for event in lines.filter(windows).select_related("target_type"):
        moment = _story_moment(event, project, since=since)
        if moment is not None:
            set_fields(event, occurred_at=moment)


# The reference story ends with the first review of the plans, in December 2022.
STORY_ENDS = datetime.date(2022, 12, 31)


def backdate_notifications(*, since: datetime.datetime) -> None:
    """The notifications that loading the demo raised take the date of what they speak of; those of
    the reference story are read already (nobody is e-mailed in 2026 about a reply of 2021)."""
    from territoires.notifications.models import Notification

    for notification in Notification.objects.filter(created_at__gte=since).select_related("target_type"):
        target = _notified_object(notification)
        moment = next(
            (
                value
                for value in (getattr(target, "published_at", None), getattr(target, "created_at", None))
                if isinstance(value, datetime.datetime) and value < since
            ),
            None,
        )
        if moment is None:
            continue
        if timezone.localdate(moment) <= STORY_ENDS:
            set_fields(notification, created_at=moment, read_at=moment, emailed_at=moment)
        else:
            set_fields(notification, created_at=moment)


def _notified_object(notification):
    """What the notification links to (a project's news, event or thread when it is about the project)."""
    from django.urls import Resolver404, resolve

    from territoires.community.models import Thread
    from territoires.sharing.models import Lesson, NewsPost, PeerEvent

    try:
        kwargs = resolve(notification.url.split("?")[0].split("#")[0]).kwargs
    except Resolver404:
        kwargs = {}
    for key, model in (("post_id", NewsPost), ("event_id", PeerEvent), ("lesson_id", Lesson), ("pk", Thread)):
        if key in kwargs:
            return model.objects.filter(pk=kwargs[key]).first()
    model = notification.target_type.model_class() if notification.target_type_id else None
    return model.objects.filter(pk=notification.target_id).first() if model else None
