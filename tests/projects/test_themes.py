"""Themes from the facilitator's and the referent's side: who proposes, what a refused person reads,
and a theme turned into a project with the interested authorities pre-filled."""

import html
import re
import uuid

import pytest
from django.urls import reverse

from territoires.accounts.models import Membership
from territoires.core.models import AuditEvent
from territoires.projects import services
from territoires.projects.models import Participation, SharedProject, Theme, ThemeInterest
from tests.factories import MembershipFactory, OrganisationFactory, ThemeFactory, UserFactory, make_project

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


def text(response) -> str:
    return html.unescape(response.content.decode())


def checked_radios(body: str) -> dict[str, str]:
    """{field name: checked value} of the radio buttons of a page."""
    checked = {}
    for tag in re.findall(r"<input[^>]*type=\"radio\"[^>]*>", body):
        if " checked" in tag:
            name = re.search(r'name="([^"]+)"', tag).group(1)
            checked[name] = re.search(r'value="([^"]*)"', tag).group(1)
    return checked


@pytest.fixture
def facilitator():
    agency = OrganisationFactory(agency=True, name="ANCT")
    return MembershipFactory(organisation=agency, role=Membership.Role.FACILITATOR).user


# Proposing ---------------------------------------------------------------------------------------


def test_the_facilitator_proposes_a_theme_on_behalf_of_the_agency(client, facilitator):
    client.force_login(facilitator)
    page = client.get(reverse("projects:theme_propose"))
    assert page.status_code == 200 and "ANCT" in text(page)
    agency = facilitator.memberships.get().organisation
    response = client.post(
        reverse("projects:theme_propose"),
        {
            "organisation": agency.pk,
            "title": "Mobilités du quotidien",
            "description": "Repenser les mobilités du quotidien avec les habitants des petites villes.",
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    theme = Theme.objects.get(title="Mobilités du quotidien")
    assert theme.proposed_by_organisation == agency and theme.proposed_by == facilitator
    # The agency is not an authority: it does not count as interested.
    assert not ThemeInterest.objects.filter(theme=theme).exists()
    event = AuditEvent.objects.get(action=Action.THEME_PROPOSED)
    assert event.actor == facilitator and event.details == {"organisation": "ANCT"}


def test_a_referent_still_proposes_for_their_own_authority_only(client):
    town, other = OrganisationFactory(name="Niort"), OrganisationFactory(name="Bourges")
    referent = MembershipFactory(organisation=town, role=Membership.Role.REFERENT).user
    client.force_login(referent)
    response = client.post(
        reverse("projects:theme_propose"),
        {"organisation": other.pk, "title": "Un thème", "description": "x" * 30, "submission_key": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert not Theme.objects.exists()


# What a refused person reads ---------------------------------------------------------------------


def test_the_facilitator_is_never_told_to_contact_the_facilitation(client, facilitator):
    world = make_project()
    theme = ThemeFactory()
    facilitator = world.facilitator
    client.force_login(facilitator)
    refused = [
        client.post(reverse("projects:theme_interest", args=[theme.slug]), {"organisation": world.towns[0].pk}),
        # Signing for an authority is the authority's referent's act.
        client.get(reverse("projects:charter_sign", args=[world.project.slug, world.towns[0].slug])),
    ]
    for response in refused:
        assert response.status_code == 403
        body = text(response)
        assert "contactez l'animation" not in body and "l'animation du projet" not in body
        assert "administrateur·rice de la plateforme" in body
    assert "Les marques d'intérêt viennent des collectivités" in text(refused[0])


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("resident", "Votre compte n'est rattaché à aucune organisation"),
        ("consultant", "proposez votre idée à l'animation du projet que vous accompagnez"),
    ],
)
def test_a_refused_proposal_says_why_and_whom_to_ask(client, who, expected):
    world = make_project()
    user = UserFactory() if who == "resident" else world.consultant
    client.force_login(user)
    response = client.get(reverse("projects:theme_propose"))
    assert response.status_code == 403
    assert expected in text(response)


def test_a_referent_refused_the_conversion_reads_that_the_agency_does_it(client):
    world = make_project()
    client.force_login(world.referents[0])
    response = client.get(reverse("projects:theme_convert", args=[ThemeFactory().slug]))
    assert response.status_code == 403
    body = text(response)
    assert "C'est l'animation ANCT qui fait d'un thème un projet partagé" in body
    assert "contactez l'animation ANCT du projet" in body
    assert "référent·e de votre collectivité" not in body  # they are that referent


# Converting --------------------------------------------------------------------------------------


def interested_theme(count: int):
    theme = ThemeFactory(title="Alimentation durable")
    towns = [OrganisationFactory(name=f"Ville {index}") for index in range(count)]
    for town in towns:
        services.theme_interest_express(theme=theme, organisation=town, user=None)
    return theme, towns


def test_conversion_prefills_the_interested_authorities(client, facilitator):
    theme, towns = interested_theme(6)
    client.force_login(facilitator)
    response = client.get(reverse("projects:theme_convert", args=[theme.slug]))
    assert response.status_code == 200
    checked = checked_radios(response.content.decode())
    assert checked.pop("method_template")  # the default method is preselected too
    assert checked == {
        **{f"place_{town.pk}": "participant" for town in towns[:5]},
        f"place_{towns[5].pk}": "observer",
    }


def test_converting_with_the_prefilled_choice_adds_the_authorities(client, facilitator):
    theme, towns = interested_theme(4)
    agency = facilitator.memberships.get().organisation
    client.force_login(facilitator)
    data = {
        "title": "Alimentation durable avec les habitants",
        "facilitator_organisation": agency.pk,
        **{f"place_{town.pk}": "participant" for town in towns[:3]},
        f"place_{towns[3].pk}": "later",
        "submission_key": str(uuid.uuid4()),
    }
    response = client.post(reverse("projects:theme_convert", args=[theme.slug]), data)
    replay = client.post(reverse("projects:theme_convert", args=[theme.slug]), data)
    project = SharedProject.objects.get()
    assert response.status_code == 302 and replay["Location"] == response["Location"]
    assert response["Location"] == reverse("projects:project_participants", args=[project.slug])
    participations = {p.organisation: p.role for p in project.participations.all()}
    assert participations == dict.fromkeys(towns[:3], Participation.Role.PARTICIPANT)
    theme.refresh_from_db()
    assert theme.status == Theme.Status.PROJECT
    converted = AuditEvent.objects.get(action=Action.THEME_CONVERTED)
    assert converted.project_id == project.pk and converted.details == {"participants": "3"}
    assert AuditEvent.objects.filter(action=Action.PARTICIPANT_ADDED, project_id=project.pk).count() == 3


def test_more_participants_than_allowed_is_refused_and_creates_nothing(client, facilitator):
    theme, towns = interested_theme(6)
    agency = facilitator.memberships.get().organisation
    client.force_login(facilitator)
    response = client.post(
        reverse("projects:theme_convert", args=[theme.slug]),
        {
            "title": "Trop de monde",
            "facilitator_organisation": agency.pk,
            **{f"place_{town.pk}": "participant" for town in towns},
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400
    assert "au plus 5 collectivités participantes" in text(response)
    assert not SharedProject.objects.exists()
    assert Theme.objects.get(pk=theme.pk).status == Theme.Status.PROPOSED


@pytest.mark.parametrize("interested", [2, 0])
def test_a_project_without_any_participating_authority_is_refused_in_french(client, facilitator, interested):
    theme, towns = interested_theme(interested)
    agency = facilitator.memberships.get().organisation
    client.force_login(facilitator)
    response = client.post(
        reverse("projects:theme_convert", args=[theme.slug]),
        {
            "title": "Personne à bord",
            "facilitator_organisation": agency.pk,
            **{f"place_{town.pk}": "later" for town in towns[:1]},
            **{f"place_{town.pk}": "observer" for town in towns[1:]},
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400
    expected = "Choisissez au moins une collectivité participante" if interested else "Aucune collectivité n'a encore"
    assert expected in text(response)
    assert not SharedProject.objects.exists()
    assert Theme.objects.get(pk=theme.pk).status == Theme.Status.PROPOSED


def test_a_forged_place_value_is_refused(client, facilitator):
    theme, towns = interested_theme(1)
    client.force_login(facilitator)
    response = client.post(
        reverse("projects:theme_convert", args=[theme.slug]),
        {
            "title": "X",
            "facilitator_organisation": facilitator.memberships.get().organisation_id,
            f"place_{towns[0].pk}": "owner",
        },
    )
    assert response.status_code == 400
    assert not SharedProject.objects.exists()


def test_the_service_refuses_an_authority_both_participant_and_observer(facilitator):
    from django.core.exceptions import ValidationError

    theme, towns = interested_theme(1)
    with pytest.raises(ValidationError, match="soit participante, soit observatrice"):
        services.theme_convert_to_project(
            theme=theme,
            user=facilitator,
            facilitator_organisation=facilitator.memberships.get().organisation,
            participants=towns,
            observers=towns,
        )
    assert not SharedProject.objects.exists()


# Adding authorities afterwards -------------------------------------------------------------------


def test_the_participants_page_does_not_offer_authorities_already_added(client):
    world = make_project(participants=3, observers=1, launched=False)
    requester = OrganisationFactory(name="Ville qui demande")
    services.observer_request(project=world.project, organisation=requester, user=None)
    newcomer = OrganisationFactory(name="Ville nouvelle")
    client.force_login(world.facilitator)
    response = client.get(reverse("projects:project_participants", args=[world.project.slug]))
    select = re.search(r'<select name="organisation".*?</select>', response.content.decode(), re.S).group(0)
    offered = set(re.findall(r'<option value="(\d+)"', select))
    assert str(newcomer.pk) in offered
    for organisation in (*world.towns, *world.observer_towns, requester):
        assert str(organisation.pk) not in offered


def test_a_commune_created_by_invitation_is_preselected_on_the_participants_page(client):
    world = make_project(participants=3, launched=False)
    commune = OrganisationFactory(name="Guichen")
    client.force_login(world.facilitator)
    url = reverse("projects:project_participants", args=[world.project.slug])
    response = client.get(f"{url}?collectivite={commune.pk}")
    assert re.search(rf'<option value="{commune.pk}" selected', response.content.decode())
    assert client.get(f"{url}?collectivite=abc").status_code == 200


def test_converting_a_theme_offers_the_method_templates_and_copies_the_chosen_one(client, facilitator):
    from territoires.projects.methods import CULTURE_SLUG, template_default, templates

    theme, towns = interested_theme(3)
    agency = facilitator.memberships.get().organisation
    client.force_login(facilitator)
    page = client.get(reverse("projects:theme_convert", args=[theme.slug])).content.decode()
    culture = templates().get(slug=CULTURE_SLUG)
    assert culture != template_default()
    assert 'name="method_template"' in page and culture.name in page
    data = {
        "title": "Culture avec les habitants",
        "facilitator_organisation": agency.pk,
        "method_template": culture.pk,
        **{f"place_{town.pk}": "participant" for town in towns},
        "submission_key": str(uuid.uuid4()),
    }
    assert client.post(reverse("projects:theme_convert", args=[theme.slug]), data).status_code == 302
    project = SharedProject.objects.get()
    assert project.method.template == culture
    assert project.method.lead_role_label == culture.lead_role_label
