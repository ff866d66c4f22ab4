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


def test_the_consultancy_writes_the_introduction_and_a_referent_may_not(client, world):
    from django.urls import reverse

    synthesis = services.synthesis_for(project=world.project, territory=territory_of(world))
    url = reverse("synthesis:introduction_edit", args=[synthesis.pk])
    client.force_login(world.referents[0])
    assert client.post(url, {"introduction": "Pas le mien"}).status_code == 403
    client.force_login(world.consultant)
    assert client.post(url, {"introduction": "Méthode : **quatre sources**."}).status_code == 302
    synthesis.refresh_from_db()
    assert synthesis.introduction == "Méthode : **quatre sources**."
    page = client.get(synthesis.get_absolute_url()).content.decode()
    assert "<strong>quatre sources</strong>" in page


def test_the_synthesis_page_costs_the_same_queries_with_more_evidence(client, world, django_assert_max_num_queries):
    """Notes and texts cited as evidence are loaded in one query per kind, not one per citation."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from territoires.diagnostic.expression import services as expression_services
    from territoires.diagnostic.observation import services as observation_services

    territory = territory_of(world)
    synthesis = services.synthesis_for(project=world.project, territory=territory)
    prompt = expression_services.prompt_set(
        territory=territory, user=world.referents[0], question="Qu'est-ce qui fait de vous un acteur ?", is_open=True
    )

    def add_finding(index):
        finding = services.finding_create(synthesis=synthesis, user=world.consultant, statement=f"Constat {index}")
        text, _ = expression_services.expression_submit(prompt=prompt, text=f"Texte d'habitant numéro {index}")
        note = observation_services.observation_create(
            territory=territory, user=world.consultant,
            data={"public_space": f"Square {index}", "observed_on": datetime.date(2021, 10, 1),
                  "time_slot": "morning", "uses": "Jeux"},
        )  # fmt: skip
        services.evidence_add(
            finding=finding, user=world.consultant, kind="expression", reference={"expression": text.pk}
        )
        services.evidence_add(finding=finding, user=world.consultant, kind="observation", reference={"note": note.pk})

    client.force_login(world.referents[0])
    add_finding(0)
    client.get(synthesis.get_absolute_url())  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(synthesis.get_absolute_url()).status_code == 200
    for index in range(1, 6):
        add_finding(index)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(synthesis.get_absolute_url()).content.decode()
    assert "Square 5" in body and "Constat 5" in body


def test_the_project_page_counts_each_territorys_findings_once(client, world):
    synthesis = services.synthesis_for(project=world.project, territory=territory_of(world))
    for index in range(3):
        services.finding_create(synthesis=synthesis, user=world.consultant, statement=f"Constat {index}")
    from territoires.diagnostic.synthesis.views import _territory_rows

    territories = [p for p in world.project.participations.all() if p.is_participant]
    for user, expected in ((world.consultant, 3), (world.referents[0], 3), (world.referents[1], 0)):
        rows = _territory_rows(fresh(user), world.project, territories)
        mine = next(row for row in rows if row["territory"].pk == synthesis.territory_id)
        assert mine["findings"] == expected


def test_the_referent_sees_what_waits_for_them_in_their_space(client, world):
    synthesis = services.synthesis_for(project=world.project, territory=territory_of(world))
    services.finding_create(synthesis=synthesis, user=world.consultant, statement="À valider")
    client.force_login(world.referents[0])
    body = client.get("/mon-espace/").content.decode()
    assert "1 constat à valider" in body
    client.force_login(world.referents[1])
    assert "constat à valider" not in client.get("/mon-espace/").content.decode()
