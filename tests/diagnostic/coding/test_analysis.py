"""Frequencies and co-occurrence: equal to a brute-force count, kept in the cache under the
project's coding state (one cheap read), and refreshed by any write."""

import random
from collections import Counter
from itertools import combinations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from territoires.diagnostic.coding import services
from territoires.diagnostic.coding.analysis import code_cooccurrence, code_frequencies
from territoires.diagnostic.coding.models import Coding
from tests.diagnostic.coding.helpers import make_codes, make_transcript
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_project()
    codes = list(make_codes(world))
    rng = random.Random(4)
    for index in range(3):
        transcript = make_transcript(
            world, index=index, text="mot " * 200, participants=(("P1", "resident"), ("P2", "elected"))
        )
        participants = list(transcript.interview.participants.all())
        for _n in range(25):
            start = rng.randrange(0, 700)
            services.coding_create(
                source=transcript, codes=rng.sample(codes, rng.randint(1, 2)), start=start,
                end=start + rng.randint(3, 90), user=world.consultant, participant=rng.choice(participants),
            )  # fmt: skip
    world.codes = codes
    return world


def brute_pairs(codings):
    pairs = Counter()
    for a, b in combinations(codings, 2):
        same_source = (a.transcript_id, a.expression_id) == (b.transcript_id, b.expression_id)
        if same_source and a.code_id != b.code_id and a.start < b.end and b.start < a.end:
            pairs[tuple(sorted((a.code_id, b.code_id)))] += 1
    return pairs


def test_frequencies_equal_a_group_by(world):
    codings = list(Coding.objects.filter(project=world.project))
    expected = Counter((c.code_id, c.territory_id) for c in codings)
    table = code_frequencies(world.project, by="territory")
    assert table.counts == dict(expected)
    by_profile = code_frequencies(world.project, by="profile")
    assert by_profile.counts == dict(Counter((c.code_id, c.profile) for c in codings))
    one = codings[0].territory_id
    filtered = code_frequencies(world.project, by="profile", territory_ids=[one])
    assert filtered.counts == dict(Counter((c.code_id, c.profile) for c in codings if c.territory_id == one))


def test_cooccurrence_equals_a_pairwise_count(world):
    codings = list(Coding.objects.filter(project=world.project))
    assert code_cooccurrence(world.project).pairs == dict(brute_pairs(codings))
    one = codings[0].territory_id
    filtered = code_cooccurrence(world.project, territory_ids=[one]).pairs
    assert filtered == dict(brute_pairs([c for c in codings if c.territory_id == one]))


def test_stale_codings_do_not_co_occur(world):
    Coding.objects.filter(project=world.project).update(is_stale=True)
    services.coding_revision_bump(world.project.pk)
    assert code_cooccurrence(world.project).pairs == {}


def test_a_second_read_costs_no_query_and_a_write_refreshes_it(world):
    code_frequencies(world.project)
    code_cooccurrence(world.project)
    first = world.project.participations.first().pk
    with CaptureQueriesContext(connection) as queries:
        code_frequencies(world.project, by="profile", territory_ids=[first])
        code_cooccurrence(world.project)
    assert len(queries) == 0
    before = code_frequencies(world.project).total
    transcript = Coding.objects.filter(project=world.project).first().transcript
    services.coding_create(source=transcript, codes=[world.codes[0]], start=0, end=3, user=world.facilitator)
    assert code_frequencies(world.project).total == before + 1
    # A merge (an update, same number of codings) refreshes it too.
    services.code_merge(source=world.codes[1], target=world.codes[0], user=world.consultant)
    assert world.codes[1].pk not in {code for code, _t in code_frequencies(world.project).counts}


def test_a_cascade_deletion_refreshes_it_through_the_content_version(world, django_capture_on_commit_callbacks):
    before = code_frequencies(world.project).total
    transcript = Coding.objects.filter(project=world.project).first().transcript
    removed = transcript.codings.count()
    with django_capture_on_commit_callbacks(execute=True):
        transcript.interview.delete()  # no service: the content version moves after the commit
    assert code_frequencies(world.project).total == before - removed
