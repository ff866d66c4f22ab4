"""Not collected (no test_ prefix): run by path to measure, figures printed."""

import datetime
import random
import statistics
import time

import pytest
from django.db import connection
from django.urls import reverse

from territoires.diagnostic.coding import services
from territoires.diagnostic.coding.analysis import code_cooccurrence, code_frequencies
from territoires.diagnostic.coding.models import Code, Coding
from territoires.diagnostic.interviews.models import Interview, InterviewParticipant, Transcript
from tests.diagnostic.coding.helpers import make_codes, make_transcript
from tests.factories import make_project

pytestmark = pytest.mark.django_db


def _ms(samples):
    samples = sorted(samples)
    return f"p50 {statistics.median(samples) * 1000:.1f} ms, p95 {samples[int(len(samples) * 0.95) - 1] * 1000:.1f} ms"


def test_transcript_page_with_200_codings(client):
    world = make_project()
    transcript = make_transcript(world, text="mot " * 12000)
    codes = list(make_codes(world))
    rng = random.Random(1)
    for _n in range(100):
        start = rng.randrange(0, 47000)
        for user in (world.consultant, world.facilitator):
            services.coding_create(
                source=transcript, codes=[rng.choice(codes)], start=start, end=start + rng.randint(3, 300), user=user
            )
    client.force_login(world.consultant)
    url = reverse("coding:transcript", args=[transcript.pk])
    for _n in range(5):
        client.get(url)
    samples = []
    for _n in range(100):
        started = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - started)
    bare = []
    for _n in range(100):
        started = time.perf_counter()
        client.get("/robots.txt")
        bare.append(time.perf_counter() - started)
    print("\nTRANSCRIPT 200 codings:", _ms(samples), "| /robots.txt:", _ms(bare))


def test_analysis_on_20000_codings():
    world = make_project()
    territories = [world.project.participations.get(organisation=t) for t in world.towns]
    codes = [Code.objects.create(project=world.project, name=f"Code {i}") for i in range(120)]
    rng = random.Random(2)
    rows = []
    for index in range(400):
        interview = Interview.objects.create(
            territory=territories[index % 4], title=f"E{index}", held_on=datetime.date(2021, 11, 3)
        )
        InterviewParticipant.objects.create(interview=interview, label="P1", profile="resident")
        transcript = Transcript.objects.create(interview=interview, text="x")
        for _n in range(50):
            start = rng.randrange(0, 48000)
            rows.append(
                Coding(
                    code=rng.choice(codes),
                    project=world.project,
                    territory=territories[index % 4],
                    transcript=transcript,
                    profile=rng.choice(["resident", "elected", "agent", "actor"]),
                    start=start,
                    end=start + rng.randint(20, 800),
                    quote="x",
                    coder=world.consultant,
                )
            )
    Coding.objects.bulk_create(rows, batch_size=2000)
    services.coding_revision_bump(world.project.pk)
    table = Coding._meta.db_table

    def raw_group_by():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT code_id, territory_id, COUNT(*) FROM {table} WHERE project_id = %s GROUP BY 1, 2",
                [world.project.pk],
            )
            return cursor.fetchall()

    def raw_cooccurrence():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT a.code_id, b.code_id, COUNT(*) FROM {table} a JOIN {table} b ON a.transcript_id = b.transcript_id "
                "AND a.code_id < b.code_id AND a.start < b.end AND b.start < a.end WHERE a.project_id = %s "
                "AND NOT a.is_stale AND NOT b.is_stale GROUP BY 1, 2",
                [world.project.pk],
            )
            return cursor.fetchall()

    def timed(function, n=20):
        samples = []
        for _n in range(n):
            started = time.perf_counter()
            function()
            samples.append(time.perf_counter() - started)
        return statistics.median(samples) * 1000

    started = time.perf_counter()
    code_frequencies(world.project)
    cold_freq = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    code_cooccurrence(world.project)
    cold_co = (time.perf_counter() - started) * 1000
    print(
        f"\nANALYSIS 20000 codings ({connection.vendor}): GROUP BY {timed(raw_group_by):.1f} ms; "
        f"code_frequencies cached {timed(lambda: code_frequencies(world.project)):.2f} ms (cold {cold_freq:.1f}); "
        f"by profile filtered {timed(lambda: code_frequencies(world.project, by='profile', territory_ids=[territories[0].pk])):.2f} ms; "
        f"co-occurrence SQL {timed(raw_cooccurrence, 3):.1f} ms; code_cooccurrence cached "
        f"{timed(lambda: code_cooccurrence(world.project)):.2f} ms (cold {cold_co:.1f})"
    )
