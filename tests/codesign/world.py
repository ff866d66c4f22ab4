"""A project with a co-design plan, a place, a published finding, a workshop: the set-up most
co-design tests share."""

import datetime

from django.utils import timezone

from territoires.codesign import services
from territoires.codesign.models import Workshop
from territoires.diagnostic import services as directory
from territoires.diagnostic.synthesis import services as synthesis
from tests.factories import make_project


def build_world(**project_kwargs):
    world = make_project(observers=1, **project_kwargs)
    world.x = world.project.participations.get(organisation=world.towns[0])
    world.y = world.project.participations.get(organisation=world.towns[1])
    world.plan = services.plan_for(territory=world.x)
    world.other_plan = services.plan_for(territory=world.y)
    referent = world.referents[0]
    world.place = directory.entry_create(
        territory=world.x,
        kind="place",
        user=referent,
        data={"name": "Médiathèque des Pierres", "basilic_type": "bibliotheque"},
        publish=True,
    )
    world.finding = finding(world, "Les 15-25 ans ne fréquentent pas la médiathèque", publish=True)
    world.draft_finding = finding(world, "Constat en brouillon secret", publish=False)
    world.workshop = services.workshop_save(
        workshop=Workshop(
            plan=world.plan,
            title="Assises de la culture",
            method="thematic",
            starts_at=timezone.now() + datetime.timedelta(days=10),
            place=world.place,
            capacity=2,
            facilitator=world.agents[2],  # an agent of another town runs it
        ),
        user=referent,
        publish=True,
    )
    return world


def finding(world, statement, *, publish):
    found = synthesis.finding_create(
        synthesis=synthesis.synthesis_for(project=world.project, territory=world.x),
        user=world.consultant,
        statement=statement,
    )
    if publish:
        synthesis.finding_validate(finding=found, user=world.referents[0])
        found = synthesis.finding_publish(finding=found, user=world.referents[0])
    return found
