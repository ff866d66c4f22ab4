"""The finding's life cycle: written by the consultancy, validated by the referent, published; and
who reads it at each stage (Finding.objects.visible_to, the query other modules use)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from territoires.accounts.models import User
from territoires.diagnostic.synthesis import services
from territoires.diagnostic.synthesis.models import Finding, Synthesis
from tests.diagnostic.helpers import territory_of
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_project(observers=1)


def fresh(user):
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


def visible(user, finding) -> bool:
    return Finding.objects.visible_to(fresh(user)).filter(pk=finding.pk).exists()


def test_one_synthesis_per_territory_and_one_for_the_project(world):
    territory = territory_of(world)
    first = services.synthesis_for(project=world.project, territory=territory)
    assert services.synthesis_for(project=world.project, territory=territory) == first
    cross = services.synthesis_for(project=world.project)
    assert cross != first and cross.is_cross_territory
    assert services.synthesis_for(project=world.project) == cross
    assert Synthesis.objects.filter(project=world.project).count() == 2


def test_life_cycle_draft_validated_published(world):
    territory = territory_of(world)
    synthesis = services.synthesis_for(project=world.project, territory=territory)
    finding = services.finding_create(
        synthesis=synthesis, user=world.consultant, statement="  Les jeunes  fréquentent peu la médiathèque ",
        strength="strong",
    )  # fmt: skip
    assert finding.statement == "Les jeunes fréquentent peu la médiathèque"
    assert (finding.project, finding.territory, finding.status) == (world.project, territory, "draft")
    with pytest.raises(ValidationError):
        services.finding_publish(finding=finding, user=world.referents[0])
    finding = services.finding_validate(finding=finding, user=world.referents[0])
    assert finding.status == "validated" and finding.validated_by == world.referents[0]
    again = services.finding_validate(finding=finding, user=world.referents[0])
    assert again.validated_at == finding.validated_at
    finding = services.finding_publish(finding=finding, user=world.referents[0])
    assert finding.status == "published" and finding.published_at


def test_a_new_wording_sends_a_validated_finding_back_to_draft(world):
    synthesis = services.synthesis_for(project=world.project, territory=territory_of(world))
    finding = services.finding_create(synthesis=synthesis, user=world.consultant, statement="Constat A")
    services.finding_validate(finding=finding, user=world.referents[0])
    finding = services.finding_update(finding=finding, user=world.consultant, statement="Constat B", strength="weak")
    assert finding.status == "draft" and finding.validated_by is None


@pytest.mark.parametrize("statement", ["", "   ", "x" * 401])
def test_a_bad_statement_is_refused_and_nothing_is_stored(world, statement):
    synthesis = services.synthesis_for(project=world.project, territory=territory_of(world))
    with pytest.raises(ValidationError):
        services.finding_create(synthesis=synthesis, user=world.consultant, statement=statement)
    assert not Finding.objects.exists()


def test_who_reads_a_finding_at_each_stage(world):
    synthesis = services.synthesis_for(project=world.project, territory=territory_of(world))
    finding = services.finding_create(synthesis=synthesis, user=world.consultant, statement="Constat")
    team = [world.consultant, world.facilitator, world.referents[0], world.agents[0], world.electeds[0]]
    outsiders = [None, world.observers[0], world.referents[1]]
    for user in team:
        assert visible(user, finding) and fresh(user).has_perm("diagnostic.view_finding", finding)
    for user in outsiders:
        assert not visible(user, finding) and not fresh(user).has_perm("diagnostic.view_finding", finding)
    services.finding_validate(finding=finding, user=world.referents[0])
    finding = services.finding_publish(finding=finding, user=world.referents[0])
    for user in team + outsiders:
        assert visible(user, finding) and fresh(user).has_perm("diagnostic.view_finding", finding)
