"""The votes in pol.is's export layout, so that a conversation can be re-analysed with pol.is's
own tools or red-dwarf:

- votes.csv: timestamp,datetime,comment-id,voter-id,vote — one row per vote, timestamp in
  seconds since 1970 (UTC), datetime in the JavaScript Date text form pol.is writes, vote 1 agree,
  -1 disagree, 0 pass;
- participant-votes.csv: participant,group-id,n-comments,n-votes,n-agree,n-disagree, then one
  column per statement id holding 1, -1, 0 or nothing — one row per participant, group-id from
  the latest computation (empty when the participant is in no group).

voter-id / participant is the participant's rank in the conversation (0, 1, …), comment-id the
statement's id, shared by the towns' conversations of the same map. n-comments counts the
statements the participant proposed.
"""

import csv
import datetime

from django.db.models import Count

from territoires.codesign.opinion.models import OpinionParticipant, OpinionVote, Statement
from territoires.codesign.opinion.services import latest_result

VOTES_HEADER = ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
PARTICIPANT_HEADER = ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]


class _Echo:
    def write(self, value):
        return value


def polis_datetime(moment: datetime.datetime) -> str:
    moment = moment.astimezone(datetime.UTC)
    return moment.strftime("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)")


def _participant_ranks(conversation) -> dict[int, int]:
    ids = OpinionParticipant.objects.filter(conversation=conversation).order_by("id").values_list("id", flat=True)
    return {pk: rank for rank, pk in enumerate(ids)}


def votes_csv_rows(conversation):
    writer = csv.writer(_Echo())
    ranks = _participant_ranks(conversation)
    yield writer.writerow(VOTES_HEADER)
    votes = (
        OpinionVote.objects.filter(conversation=conversation)
        .order_by("created_at", "id")
        .values_list("created_at", "statement_id", "participant_id", "value")
    )
    for created_at, statement_id, participant_id, value in votes.iterator(chunk_size=5000):
        yield writer.writerow(
            [int(created_at.timestamp()), polis_datetime(created_at), statement_id, ranks[participant_id], value]
        )


def participant_votes_csv_rows(conversation):
    writer = csv.writer(_Echo())
    statement_ids = list(
        Statement.objects.filter(opinion_map_id=conversation.opinion_map_id, votes__conversation=conversation)
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)
    )
    column = {pk: index for index, pk in enumerate(statement_ids)}
    result = latest_result(conversation)
    groups = {}
    if result is not None:
        for pk, point in zip(result.data.get("participant_ids", []), result.data.get("participants", []), strict=False):
            if point[2] >= 0:
                groups[pk] = point[2]
    proposed = dict(
        Statement.objects.filter(proposed_in=conversation, proposed_by__isnull=False)
        .values_list("proposed_by")
        .annotate(n=Count("id"))
    )
    yield writer.writerow(PARTICIPANT_HEADER + [str(pk) for pk in statement_ids])
    votes = (
        OpinionVote.objects.filter(conversation=conversation)
        .order_by("participant_id", "statement_id")
        .values_list("participant_id", "statement_id", "value")
    )
    ranks = _participant_ranks(conversation)
    current, cells = None, None

    def row():
        values = [cell for cell in cells if cell != ""]
        return writer.writerow(
            [ranks[current], groups.get(current, ""), proposed.get(current, 0), len(values),
             sum(1 for v in values if v == 1), sum(1 for v in values if v == -1), *cells]
        )  # fmt: skip

    for participant_id, statement_id, value in votes.iterator(chunk_size=5000):
        if participant_id != current:
            if current is not None:
                yield row()
            current, cells = participant_id, [""] * len(statement_ids)
        cells[column[statement_id]] = value
    if current is not None:
        yield row()
