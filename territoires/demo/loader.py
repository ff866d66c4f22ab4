"""Loads the reference case once: running it again changes nothing (every object has a natural key)."""

import datetime
import importlib
import importlib.util

from django.db import transaction
from django.utils import timezone

from territoires.accounts.models import Membership, Organisation, User
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.demo import data
from territoires.projects import services
from territoires.projects.models import (
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
        "signer la charte, tenir la fiche territoire",
    ),
    (
        "referent.niort@ville.demo",
        "Thomas",
        "Girard",
        "Directeur de la culture",
        "Niort",
        Role.REFERENT,
        "fiche territoire, étapes, retrait",
    ),
    (
        "referente.bourges@ville.demo",
        "Camille",
        "Lefèvre",
        "Directrice de la culture",
        "Bourges",
        Role.REFERENT,
        "signer la charte",
    ),
    (
        "referent.guichen@ville.demo",
        "Yann",
        "Le Gall",
        "Responsable de la vie culturelle",
        "Guichen",
        Role.REFERENT,
        "signer la charte",
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
        "collectivité observatrice",
    ),
    (
        "referent.lorient@ville.demo",
        "Erwan",
        "Caradec",
        "Directeur de la culture",
        "Lorient",
        Role.REFERENT,
        "demande d'observation en attente",
    ),
]


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


# Each module's part of the demo: a module `territoires.demo.<name>` with `load(project) -> bool`,
# idempotent on its own (a database loaded before the module existed gets the module's data).
MODULE_DEMOS = ["library", "community", "sharing", "notifications", "surveys"]


def load_demo() -> bool:
    """Returns False when nothing was missing."""
    created = load_reference_project()
    project = SharedProject.objects.get(title=data.PROJECT["title"])
    for name in MODULE_DEMOS:
        if importlib.util.find_spec(f"territoires.demo.{name}") is None:
            continue
        module = importlib.import_module(f"territoires.demo.{name}")
        with transaction.atomic():
            created = module.load(project) or created
    return created


@transaction.atomic
def load_reference_project() -> bool:
    """The reference project and its towns, users, charter and committee; False when already there."""
    if SharedProject.objects.filter(title=data.PROJECT["title"]).exists():
        return False
    agency = _organisation(data.AGENCY["name"], Kind.NATIONAL_AGENCY)
    consultancy = _organisation(data.CONSULTANCY["name"], Kind.CONSULTANCY)
    towns = _communes(data.TOWNS)
    observers = _communes(data.OBSERVERS)
    organisations = {agency.name: agency, consultancy.name: consultancy, **towns, **observers}
    users = {row[0]: _user(*row[:4], organisations[row[4]], row[5]) for row in DEMO_USERS}
    facilitator = users["animatrice@anct.demo"]

    # The theme the project came from, then the project itself.
    theme = Theme.objects.create(
        title=data.PROJECT["title"],
        description="Repenser la politique culturelle municipale en y associant les habitants, y compris ceux qui ne fréquentent pas les lieux culturels.",
        proposed_by_organisation=towns["Niort"],
        proposed_by=users["referent.niort@ville.demo"],
    )
    for town in towns.values():
        ThemeInterest.objects.get_or_create(theme=theme, organisation=town)
    project = services.theme_convert_to_project(theme=theme, user=facilitator, facilitator_organisation=agency)
    for field, value in data.PROJECT.items():
        setattr(project, field, value)
    project.consultancy = consultancy
    project.save()

    referents = {
        "Mantes-la-Jolie": users["referente.mantes@ville.demo"],
        "Niort": users["referent.niort@ville.demo"],
        "Bourges": users["referente.bourges@ville.demo"],
        "Guichen": users["referent.guichen@ville.demo"],
    }
    for town_data in data.TOWNS:
        participation = services.participation_add(
            project=project,
            organisation=towns[town_data["name"]],
            role=Participation.Role.PARTICIPANT,
            user=facilitator,
        )
        participation.referent = referents[town_data["name"]]
        participation.context = town_data["context"]
        participation.cultural_landscape = town_data["cultural_landscape"]
        participation.points_of_attention = town_data["points_of_attention"]
        participation.save()
        StepCompletion.objects.bulk_create(
            StepCompletion(participation=participation, step=step, completed_by=referents[town_data["name"]])
            for step in data.PROGRESS[town_data["name"]]
        )
    for obs in data.OBSERVERS:
        requester = next(
            (users[row[0]] for row in DEMO_USERS if row[4] == obs["name"] and row[5] == Role.REFERENT), facilitator
        )
        participation = services.observer_request(project=project, organisation=observers[obs["name"]], user=requester)
        if obs["status"] == "accepted":
            services.observer_decide(participation=participation, accept=True, user=facilitator)
    services.project_launch(project=project, user=facilitator)
    project.launched_at = timezone.make_aware(datetime.datetime(2021, 9, 1, 9, 0))
    project.is_public = True
    project.save(update_fields=["launched_at", "is_public"])

    # Signatures that the public record gives: the agency and Niort (D-2021-317).
    charter = services.charter_current(project)
    Signature.objects.create(
        charter=charter,
        organisation=agency,
        signatory_name="Le directeur général délégué",
        signatory_title="Pour l'Agence nationale de la cohésion des territoires",
        signed_on=datetime.date(2021, 9, 1),
        recorded_by=facilitator,
    )
    niort = data.NIORT_SIGNATURE
    Signature.objects.create(
        charter=charter,
        organisation=towns["Niort"],
        signatory_name=niort["signatory_name"],
        signatory_title=niort["signatory_title"],
        signed_on=niort["signed_on"],
        recorded_by=users["referent.niort@ville.demo"],
        **niort["deliberation"],
    )

    # Recorded directly (the demo has no copy of the deliberation PDF), so audited here.
    for signature in Signature.objects.filter(charter=charter):
        audit_log(
            actor=signature.recorded_by,
            action=AuditEvent.Action.CHARTER_SIGNED,
            target=charter,
            project_id=project.pk,
            party=signature.organisation.name,
            deliberation=signature.deliberation_number,
        )

    # The steering committee and its meetings.
    committee = project.committee
    members = [
        CommitteeMember.objects.create(
            committee=committee, user=facilitator, organisation=agency, kind=CommitteeMember.Kind.AGENCY
        ),
        CommitteeMember.objects.create(
            committee=committee,
            user=users["consultante@prestataire.demo"],
            organisation=consultancy,
            kind=CommitteeMember.Kind.CONSULTANT,
        ),
    ]
    for name, referent in referents.items():
        members.append(
            CommitteeMember.objects.create(
                committee=committee, user=referent, organisation=towns[name], kind=CommitteeMember.Kind.CULTURAL_LEAD
            )
        )
    members.append(
        CommitteeMember.objects.create(
            committee=committee,
            user=users["elu.bourges@ville.demo"],
            organisation=towns["Bourges"],
            kind=CommitteeMember.Kind.ELECTED,
        )
    )
    for meeting_data in data.MEETINGS:
        meeting = Meeting(
            committee=committee,
            title=meeting_data["title"],
            starts_at=timezone.make_aware(meeting_data["starts_at"]),
            place=meeting_data["place"],
            video_link=meeting_data["video_link"],
            agenda=meeting_data["agenda"],
            minutes=meeting_data["minutes"],
        )
        services.meeting_save(meeting=meeting, attendees=members, decisions=meeting_data["decisions"], user=facilitator)

    # Other themes, proposed by the towns, with votes of interest.
    for theme_data in data.THEMES:
        proposer = organisations[theme_data["by"]]
        new_theme = services.theme_propose(
            organisation=proposer, user=None, title=theme_data["title"], description=theme_data["description"]
        )
        for name in theme_data["interested"]:
            services.theme_interest_express(theme=new_theme, organisation=organisations[name], user=None)
    return True
