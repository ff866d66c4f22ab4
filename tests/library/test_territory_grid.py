"""Which territories a resource may speak for: roles × territories × (offered, accepted by POST, service).

Project P has towns X and Y; project Q (another agency) has town Z. A resource may be attached to a
territory only by the staff of that authority (referent, agent, elected official), the facilitators
of its project and platform admins. The form offers only those territories; a forged POST with any
other id gets a French message and saves nothing, and the service refuses it on its own too.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from territoires.accounts.models import User
from territoires.library.models import Resource
from territoires.library.services import resource_create, resource_update, territories_for_publisher
from tests.factories import UserFactory, make_project
from tests.library.helpers import make_resource

pytestmark = pytest.mark.django_db

Y, N = True, False
TERRITORIES = ("x", "y", "z")

# fmt: off
# role               town X of P   town Y of P   town Z of Q
GRID = {
    "referent_x":    (Y,            N,            N),
    "agent_x":       (Y,            N,            N),
    "elected_x":     (Y,            N,            N),
    "referent_y":    (N,            Y,            N),
    "consultant":    (N,            N,            N),
    "observer":      (N,            N,            N),
    "registered":    (N,            N,            N),
    "facilitator":   (Y,            Y,            N),  # facilitates P, not Q
    "facilitator_q": (N,            N,            Y),
    "admin":         (Y,            Y,            Y),
}
# fmt: on


def make_worlds():
    world = make_project(observers=1)
    other = make_project(title="Autre projet")
    territories = {
        "x": world.project.participations.get(organisation=world.towns[0]),
        "y": world.project.participations.get(organisation=world.towns[1]),
        "z": other.project.participations.get(organisation=other.towns[0]),
    }
    users = {
        "referent_x": world.referents[0],
        "agent_x": world.agents[0],
        "elected_x": world.electeds[0],
        "referent_y": world.referents[1],
        "consultant": world.consultant,
        "observer": world.observers[0],
        "registered": UserFactory(),
        "facilitator": world.facilitator,
        "facilitator_q": other.facilitator,
        "admin": User.objects.create_superuser(email="admin@exemple.fr", password="x"),
    }
    return world, other, territories, users


def post_data(key, territory):
    return {
        "submission_key": key,
        "kind": "method",
        "title": "Guide de la médiathèque",
        "summary": "Un résumé.",
        "body": "Texte",
        "licence": "etalab-2.0",
        "project": territory.project_id,
        "territory": territory.pk,
        "visibility": "public",
        "action": "draft",
    }


@pytest.mark.parametrize("role", list(GRID))
def test_territory_grid(role, client):
    _world, _other, territories, users = make_worlds()
    user = User.objects.get(pk=users[role].pk)
    client.force_login(user)
    offered = {territory.pk for territory in territories_for_publisher(user)}
    page = client.get(reverse("library:resource_create"))
    form_choices = (
        {int(str(value)) for value, _label in page.context["form"].fields["territory"].choices if value}
        if page.status_code == 200
        else set()
    )

    mismatches = []
    for name, allowed in zip(TERRITORIES, GRID[role], strict=True):
        territory = territories[name]
        if (territory.pk in offered) != allowed:
            mismatches.append(f"{name}: territories_for_publisher says {not allowed}")
        if (territory.pk in form_choices) != allowed:
            mismatches.append(f"{name}: the form {'hides' if allowed else 'offers'} it")
        if user.has_perm("library.attach_territory", territory) != allowed:
            mismatches.append(f"{name}: the rule says {not allowed}")
        # The service alone (a view, the API or a task may call it): the territory is refused on its own.
        data = {
            "kind": "method",
            "title": "Guide de la médiathèque",
            "summary": "Un résumé.",
            "licence": "etalab-2.0",
            "visibility": "public",
            "project": territory.project,
            "territory": territory,
        }
        try:
            resource_create(user=user, data=data)
            refused_territory = False
        except ValidationError as error:
            refused_territory = "territory" in error.message_dict
        if refused_territory == allowed:
            mismatches.append(f"{name}: the service {'refuses' if allowed else 'accepts'} it")
        Resource.objects.all().delete()
    assert not mismatches, mismatches


def test_a_mantes_referent_cannot_attach_a_resource_to_niort_with_a_forged_post(client):
    world = make_project()
    referent_x = world.referents[0]
    niort = world.project.participations.get(organisation=world.towns[1])
    client.force_login(referent_x)
    page = client.get(reverse("library:resource_create"))
    assert str(niort.pk) not in [str(value) for value, _label in page.context["form"].fields["territory"].choices]
    key = page.context["form"].initial["submission_key"]
    response = client.post(reverse("library:resource_create"), post_data(key, niort))
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Resource.objects.exists()
    own = world.project.participations.get(organisation=world.towns[0])
    response = client.post(reverse("library:resource_create"), post_data(key, own))
    assert response.status_code == 302
    assert Resource.objects.get().territory == own


def test_the_service_message_is_french_and_nothing_changes_on_edit():
    world = make_project()
    resource = make_resource(world)  # referent X, about town X
    niort = world.project.participations.get(organisation=world.towns[1])
    data = {
        "kind": "method",
        "title": "Titre changé",
        "summary": resource.summary,
        "licence": resource.licence,
        "visibility": "public",
        "project": world.project,
        "territory": niort,
    }
    with pytest.raises(ValidationError) as caught:
        resource_update(resource=resource, user=world.referents[0], data=data)
    assert "territoire de votre collectivité" in caught.value.message_dict["territory"][0]
    resource.refresh_from_db()
    assert resource.title != "Titre changé" and resource.territory.organisation == world.towns[0]


def test_an_editor_keeps_the_territory_a_resource_already_speaks_for(client):
    """Any facilitator may edit a resource; one who does not facilitate its project keeps its
    territory as it is (offered alone among that project's towns), and saving is not refused."""
    world = make_project()
    resource = make_resource(world, author=world.facilitator)
    other_facilitator = make_project(title="Autre projet").facilitator
    client.force_login(other_facilitator)
    page = client.get(reverse("library:resource_edit", args=[resource.slug]))
    assert page.status_code == 200
    choices = [str(value) for value, _label in page.context["form"].fields["territory"].choices if value]
    own_project = {str(p.pk) for p in world.project.participations.all()}
    assert own_project & set(choices) == {str(resource.territory_id)}
    data = {
        "kind": "method",
        "title": "Titre revu",
        "summary": resource.summary,
        "body": resource.body,
        "licence": resource.licence,
        "project": world.project.pk,
        "territory": resource.territory_id,
        "visibility": "public",
    }
    response = client.post(reverse("library:resource_edit", args=[resource.slug]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    resource.refresh_from_db()
    assert resource.title == "Titre revu" and resource.territory.organisation == world.towns[0]
