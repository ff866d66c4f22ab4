"""The opinion map of the reference project: one map, the same twelve statements in the four
towns, each town with synthetic votes (generated with a fixed seed and labelled as synthetic on
every page), three opinion groups of different sizes from town to town, computed and published, so
that a town's map and the comparison of the towns can be read from the demo. Guichen's vote stays
open, with a resident's statement waiting for moderation."""

import numpy as np
from django.utils import timezone

from territoires.accounts.models import User
from territoires.codesign.opinion import services
from territoires.codesign.opinion.models import (
    OpinionConversation,
    OpinionMap,
    OpinionParticipant,
    OpinionResult,
    OpinionVote,
)

CONSULTANT = "consultante@prestataire.demo"
TITLE = "Quelle place pour la culture dans notre commune ?"
STATEMENTS = [
    # Shared by everyone (a consensus in every town).
    "Les équipements culturels devraient être ouverts le soir et le dimanche.",
    "La culture doit aller dans les quartiers, pas seulement au centre-ville.",
    # Group A: heritage and large venues.
    "La priorité est d'entretenir le patrimoine de la ville.",
    "Un grand festival chaque été ferait connaître la commune.",
    "Les spectacles payants sont le meilleur moyen de financer la culture.",
    "Le théâtre municipal doit garder une programmation exigeante.",
    # Group B: participation and amateurs.
    "Les habitants devraient choisir une partie de la programmation.",
    "Les pratiques amateurs méritent autant de soutien que les artistes professionnels.",
    "Les associations de quartier devraient disposer de salles gratuites.",
    # Group C: young people and digital.
    "La médiathèque devrait prêter des jeux vidéo et du matériel numérique.",
    "Les jeunes devraient avoir un budget culturel qu'ils gèrent eux-mêmes.",
    "Les réseaux sociaux sont le meilleur moyen de faire connaître l'offre culturelle.",
]
# (group sizes A, B, C) per town: the towns differ, so the comparison says something.
TOWNS = {"Mantes-la-Jolie": (40, 70, 50), "Niort": (80, 45, 30), "Bourges": (60, 60, 40), "Guichen": (25, 35, 15)}
AGREEMENT = 0.88  # a member votes their group's way this often
PARTICIPATION = 0.85  # share of statements each person votes on
SEED = 2022


def _preferences() -> np.ndarray:
    """Each group's vote (1 agree, -1 disagree) on each statement."""
    prefs = np.full((3, len(STATEMENTS)), -1)
    prefs[:, 0:2] = 1
    prefs[0, 2:6] = 1
    prefs[1, 6:9] = 1
    prefs[2, 9:12] = 1
    prefs[2, 7] = 1
    prefs[1, 3] = 1
    return prefs


def load(project) -> bool:
    if OpinionMap.objects.filter(project=project, title=TITLE).exists():
        return False
    consultant = User.objects.filter(email=CONSULTANT).first()
    opinion_map = services.opinion_map_create(
        project=project, user=consultant, title=TITLE, synthetic=True,
        description="Démonstration : les votes de cette carte sont générés (synthétiques).",
        statements=STATEMENTS,
    )  # fmt: skip
    statement_ids = list(opinion_map.statements.order_by("id").values_list("id", flat=True))
    rng = np.random.default_rng(SEED)
    prefs = _preferences()
    now = timezone.now()
    for conversation in opinion_map.conversations.select_related("territory__organisation"):
        sizes = TOWNS.get(conversation.territory.organisation.name)
        if sizes is None:
            continue
        _votes(conversation, sizes, statement_ids, prefs, rng)
        OpinionConversation.objects.filter(pk=conversation.pk).update(
            status=OpinionConversation.Status.CLOSED, configuration=OpinionConversation.Configuration.AUTO
        )
        result = OpinionResult.objects.create(conversation=conversation, requested_by=consultant)
        services.result_run(result_id=result.pk)
        OpinionConversation.objects.filter(pk=conversation.pk).update(results_public=True)
    # Guichen's vote stays open (its map computed from the votes so far), with a resident's
    # statement waiting for moderation.
    guichen = opinion_map.conversations.filter(territory__organisation__name="Guichen").first()
    if guichen is not None:
        OpinionConversation.objects.filter(pk=guichen.pk).update(status=OpinionConversation.Status.OPEN)
        guichen.status = OpinionConversation.Status.OPEN
        services.statement_propose(
            conversation=guichen,
            participant=guichen.participants.order_by("id").first(),
            text="Un ciné-club itinérant dans les hameaux de la commune.",
        )
    OpinionVote.objects.filter(conversation__opinion_map=opinion_map).update(created_at=now)
    return True


def _votes(conversation, sizes, statement_ids, prefs, rng) -> None:
    groups = np.repeat(np.arange(3), sizes)
    participants = OpinionParticipant.objects.bulk_create(
        [
            OpinionParticipant(conversation=conversation, key=f"demo-synthetic-{conversation.pk}-{index}")
            for index in range(len(groups))
        ]
    )
    votes = []
    for participant, group in zip(participants, groups, strict=True):
        for column, statement_id in enumerate(statement_ids):
            if rng.random() > PARTICIPATION:
                continue
            value = int(prefs[group, column]) if rng.random() < AGREEMENT else int(rng.choice([-1, 0, 1]))
            votes.append(
                OpinionVote(conversation=conversation, participant=participant, statement_id=statement_id, value=value)
            )
    OpinionVote.objects.bulk_create(votes, batch_size=2000)
