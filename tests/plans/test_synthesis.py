"""The consultancy's synthesis of proposals: written by the consultancy and the facilitators, read by
the members, and by everyone once published; each proposal with its towns and its evidence."""

import pytest
from django.urls import reverse

from territoires.diagnostic import services as directory
from territoires.plans import services
from territoires.plans.models import Proposal
from tests.factories import make_project
from tests.plans.helpers import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    ns = make_project()
    ns.plans = [make_plan(ns, town) for town in (0, 1)]
    return ns


def test_the_consultancy_writes_a_shared_proposal_and_the_public_reads_it_once_published(client, world):
    url = reverse("plans:synthesis", args=[world.project.slug])
    objectives = [plan[3].pk for plan in world.plans]
    client.force_login(world.referents[0])
    assert client.post(url, {"title": "Essai"}).status_code == 403
    client.force_login(world.consultant)
    response = client.post(url, {"title": "Aller vers les non-publics dans les quartiers", "objectives": objectives})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert not proposal.is_published
    page = client.get(url).content.decode()
    assert world.towns[0].name in page and world.towns[1].name in page
    client.logout()
    assert "Aller vers les non-publics" not in client.get(url).content.decode()
    client.force_login(world.facilitator)
    client.post(
        reverse("plans:proposal_edit", args=[world.project.slug, proposal.pk]),
        {"title": proposal.title, "objectives": objectives, "is_published": "on"},
    )
    client.logout()
    assert "Aller vers les non-publics" in client.get(url).content.decode()


def test_evidence_and_objectives_come_from_this_project_only(world):
    other = make_project(title="Autre projet")
    foreign_plan = make_plan(other, 0)
    with pytest.raises(Exception, match="plans de ce projet"):
        services.proposal_save(project=world.project, user=world.consultant, title="X", objectives=[foreign_plan[3]])
    proposal = services.proposal_save(project=world.project, user=world.consultant, title="Y")
    foreign_entry = directory.entry_create(
        territory=other.project.participations.get(organisation=other.towns[0]), kind="place",
        user=other.referents[0], data={"name": "Lieu d'ailleurs"}, publish=True,
    )  # fmt: skip
    with pytest.raises(Exception, match="n'existe pas dans ce projet"):
        services.proposal_evidence_add(
            proposal=proposal, user=world.consultant, kind="diagnostic.entry", target_id=foreign_entry.pk
        )
    assert not proposal.evidence.exists()
