import datetime

import factory
from django.utils import timezone

from territoires.accounts.models import Membership, Organisation, User
from territoires.projects.models import Participation, Theme

PASSWORD = "mot-de-passe-de-test"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Commune {n}")
    kind = Organisation.Kind.COMMUNE
    insee_code = factory.Sequence(lambda n: f"{10000 + n:05d}")
    population = 12000

    class Params:
        agency = factory.Trait(
            kind=Organisation.Kind.NATIONAL_AGENCY, insee_code="", name=factory.Sequence(lambda n: f"Agence {n}")
        )
        consultancy = factory.Trait(
            kind=Organisation.Kind.CONSULTANCY, insee_code="", name=factory.Sequence(lambda n: f"Cabinet {n}")
        )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.REFERENT


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    title = factory.Sequence(lambda n: f"Thème {n}")
    description = "Une description suffisamment longue pour un thème."
    proposed_by_organisation = factory.SubFactory(OrganisationFactory)


def make_project(*, participants=4, observers=0, public=True, launched=True, title="Projet de test"):
    """A project as the services build it, with its agency, consultancy, territories and users.

    Returns a simple namespace with every object a permission test needs.
    """
    from types import SimpleNamespace

    from territoires.projects import services

    agency = OrganisationFactory(agency=True)
    consultancy = OrganisationFactory(consultancy=True)
    facilitator = MembershipFactory(organisation=agency, role=Membership.Role.FACILITATOR).user
    consultant = MembershipFactory(organisation=consultancy, role=Membership.Role.CONSULTANT).user
    project = services.project_create(
        user=facilitator,
        title=title,
        facilitator_organisation=agency,
        consultancy=consultancy,
        starts_on=datetime.date(2021, 9, 1),
        ends_on=datetime.date(2022, 6, 30),
    )
    towns, referents, agents, electeds = [], [], [], []
    for _index in range(participants):
        town = OrganisationFactory()
        services.participation_add(
            project=project, organisation=town, role=Participation.Role.PARTICIPANT, user=facilitator
        )
        towns.append(town)
        referents.append(MembershipFactory(organisation=town, role=Membership.Role.REFERENT).user)
        agents.append(MembershipFactory(organisation=town, role=Membership.Role.AGENT).user)
        electeds.append(MembershipFactory(organisation=town, role=Membership.Role.ELECTED).user)
    observer_towns, observer_users = [], []
    for _index in range(observers):
        town = OrganisationFactory()
        services.participation_add(
            project=project, organisation=town, role=Participation.Role.OBSERVER, user=facilitator
        )
        observer_towns.append(town)
        observer_users.append(MembershipFactory(organisation=town, role=Membership.Role.REFERENT).user)
    if launched and 3 <= participants <= 5:
        services.project_launch(project=project, user=facilitator)
    if public:
        services.project_set_publication(project=project, is_public=True, user=facilitator)
    project.refresh_from_db()
    return SimpleNamespace(
        project=project,
        agency=agency,
        consultancy=consultancy,
        facilitator=facilitator,
        consultant=consultant,
        towns=towns,
        referents=referents,
        agents=agents,
        electeds=electeds,
        observer_towns=observer_towns,
        observers=observer_users,
        today=timezone.localdate(),
    )


def pdf_bytes(text="Deliberation") -> bytes:
    """A tiny valid PDF document (one blank page, with its cross-reference table)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=300, height=144)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
