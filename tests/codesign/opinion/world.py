"""A project with an opinion map (its conversation open in town X) and a few residents' votes."""

import numpy as np

from territoires.codesign.opinion import services
from territoires.codesign.opinion.models import OpinionParticipant, OpinionVote
from tests.factories import make_project

STATEMENTS = [f"Affirmation numéro {index} sur la culture" for index in range(8)]


def build_opinion_world(**project_kwargs):
    world = make_project(observers=1, **project_kwargs)
    world.x = world.project.participations.get(organisation=world.towns[0])
    world.y = world.project.participations.get(organisation=world.towns[1])
    world.map = services.opinion_map_create(
        project=world.project, user=world.facilitator, title="Quelle culture voulons-nous ?", statements=STATEMENTS
    )
    world.conversation = world.map.conversations.get(territory=world.x)
    world.other = world.map.conversations.get(territory=world.y)
    world.conversation = services.conversation_change(
        conversation=world.conversation, user=world.facilitator, status="open"
    )
    world.statements = list(world.map.statements.order_by("id"))
    return world


def add_votes(conversation, statements, sizes=(12, 10), seed=0, agreement=0.95):
    """Two clear groups: the first agrees with the first half of the statements and disagrees
    with the second, the other the reverse; everyone agrees with statement 0."""
    rng = np.random.default_rng(seed)
    half = len(statements) // 2
    votes = []
    index = OpinionParticipant.objects.filter(conversation=conversation).count()
    for group, size in enumerate(sizes):
        for _person in range(size):
            participant = OpinionParticipant.objects.create(conversation=conversation, key=f"test-{index}")
            index += 1
            for column, statement in enumerate(statements):
                value = 1 if (column < half) == (group == 0) else -1
                if column == 0:
                    value = 1
                if rng.random() > agreement:
                    value = int(rng.choice([-1, 0, 1]))
                votes.append(
                    OpinionVote(conversation=conversation, participant=participant, statement=statement, value=value)
                )
    OpinionVote.objects.bulk_create(votes)
