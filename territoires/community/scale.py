"""Scales the discussions up to a national size: thousands of threads of tens of replies, and one
thread of hundreds of replies in the reference project's space (what `bench/community.py` measures).

Idempotent: threads made here carry a title prefix, and only the missing ones are added (running
it again with the same figures changes nothing). Rows are written with bulk_create; each thread is
indexed for search as one document (its title and opening message), replies are not (a few hundred
thousand documents would make the first run take minutes, and search benchmarks measure resources).
"""

import random
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from territoires.accounts.models import Membership
from territoires.community.models import Message, Thread
from territoires.core.cache import bump_content_version
from territoires.core.markdown import render_markdown
from territoires.core.process_caches import process_cached
from territoires.projects.models import Participation, SharedProject, Theme

PREFIX = "Échange n° "
LONG_TITLE = "Suivi au long cours du diagnostic partagé (fil de 500 réponses)"
REFERENCE_TITLE = "Concevoir l'action culturelle municipale avec les habitants"
BATCH = 5000

# fmt: off
OPENINGS = [
    "Comment avez-vous recruté", "Qui a déjà essayé", "Retour d'expérience sur", "Besoin d'aide pour",
    "Vos conseils pour", "Partage de méthode :", "Question pratique sur", "Bilan de",
]
OBJECTS = [
    "le groupe d'enquête mixte", "les entretiens semi-directifs", "l'enquête en ligne", "les ateliers de créativité",
    "la restitution aux habitants", "la médiathèque hors les murs", "le conseil citoyen", "les marches exploratoires",
    "la convention citoyenne", "les indicateurs de suivi", "le questionnaire papier", "la cartographie des acteurs",
]
SENTENCES = [
    "Nous avons commencé par les centres sociaux, qui connaissent bien les familles.",
    "Le plus difficile reste de toucher les personnes qui ne viennent jamais aux réunions publiques.",
    "Les créneaux du samedi matin au marché ont donné les meilleurs résultats.",
    "Nous avons indemnisé le temps passé par les habitants avec des bons d'achat.",
    "La restitution a eu lieu à la médiathèque, avec une exposition des verbatims.",
    "Le prestataire a proposé une grille de codage commune aux quatre villes.",
    "Pensez à prévoir une version en langue facile à lire et à comprendre.",
    "Les élus ont apprécié de participer aux entretiens collectifs.",
    "Nous avons manqué de temps pour la phase de convergence.",
    "Les lycéens du groupe d'enquête ont été les plus efficaces pour aller vers leurs pairs.",
    "Il faut compter trois semaines entre la collecte et la première synthèse.",
    "Les laveries et les arrêts de bus sont des lieux où les gens ont du temps.",
]
# fmt: on


@dataclass
class DiscussionScaleReport:
    created: dict = field(default_factory=dict)
    totals: dict = field(default_factory=dict)
    long_thread_id: int | None = None


@process_cached(
    name="community.scale_bodies",
    bench="",
    reason="manage.py scale_discussions renders each distinct generated message body once",
)
def _rendered(body: str) -> str:
    # Bodies are drawn from a few sentences: each distinct one is rendered once.
    return render_markdown(body)


def _body(rng: random.Random) -> str:
    return " ".join(rng.sample(SENTENCES, rng.randint(2, 4)))


def _bulk_messages(thread_rows, replies_for, author_ids_for, rng, start_at) -> None:
    """Opening message + replies for each thread, written in batches."""
    batch = []
    for thread in thread_rows:
        authors = author_ids_for(thread)
        count = 1 + replies_for(thread)
        for position in range(1, count + 1):
            body = _body(rng)
            batch.append(
                Message(
                    thread_id=thread.pk,
                    position=position,
                    author_id=rng.choice(authors),
                    body=body,
                    body_html=_rendered(body),
                )
            )
            if len(batch) >= BATCH:
                Message.objects.bulk_create(batch)
                batch = []
        thread.message_count = count
        thread.last_message_at = start_at
    if batch:
        Message.objects.bulk_create(batch)
    Thread.objects.bulk_update(thread_rows, ["message_count", "last_message_at"], batch_size=1000)


def _project_people(project_ids) -> dict[int, list[int]]:
    """{project_id: user ids of its participating authorities' staff, consultancy and facilitators}."""
    people: dict[int, list[int]] = {project_id: [] for project_id in project_ids}
    by_organisation: dict[int, list[int]] = {}
    for user_id, organisation_id in Membership.objects.values_list("user_id", "organisation_id"):
        by_organisation.setdefault(organisation_id, []).append(user_id)
    rows = Participation.objects.filter(project_id__in=project_ids, role=Participation.Role.PARTICIPANT).values_list(
        "project_id", "organisation_id"
    )
    for project_id, organisation_id in rows:
        people[project_id] += by_organisation.get(organisation_id, [])
    for project_id, facilitators, consultancy in SharedProject.objects.filter(pk__in=project_ids).values_list(
        "pk", "facilitator_organisation_id", "consultancy_id"
    ):
        people[project_id] += by_organisation.get(facilitators, []) + by_organisation.get(consultancy, [])
    return people


def _index(threads) -> None:
    try:
        from territoires.community.services import index_message
    except ImportError:  # pragma: no cover - the search app is part of the platform
        return
    openings = {m.thread_id: m for m in Message.objects.filter(thread__in=threads, position=1)}
    for thread in threads:
        if thread.pk in openings:
            index_message(openings[thread.pk], thread=thread)


def scale_discussions(*, threads: int = 5000, replies: int = 50, long_replies: int = 500, seed: int = 2021):
    """Bring the scaled discussions up to `threads` threads of `replies` replies, plus one long thread."""
    report = DiscussionScaleReport()
    rng = random.Random(f"{seed}-discussions-{threads}-{replies}")  # noqa: S311 (reproducible demo data)
    now = timezone.now()
    with transaction.atomic():
        existing = Thread.objects.filter(title__startswith=PREFIX).count()
        missing = max(0, threads - existing)
        themes = list(Theme.objects.values_list("pk", flat=True))
        project_ids = list(SharedProject.objects.values_list("pk", flat=True))
        people = _project_people(project_ids)
        project_ids = [project_id for project_id in project_ids if people[project_id]]
        everyone = [user_id for ids in people.values() for user_id in ids] or list(
            Membership.objects.values_list("user_id", flat=True)
        )
        created_threads = []
        if missing and themes and everyone:
            # Half public (by theme), half in projects' spaces; numbered after the existing ones.
            last_number = existing
            rows = []
            for index in range(missing):
                number = last_number + index + 1
                in_project = project_ids and index % 2 == 1
                project_id = rng.choice(project_ids) if in_project else None
                rows.append(
                    Thread(
                        title=f"{PREFIX}{number} — {rng.choice(OPENINGS)} {rng.choice(OBJECTS)} ?",
                        theme_id=None if project_id else rng.choice(themes),
                        project_id=project_id,
                        author_id=rng.choice(people[project_id] if project_id else everyone),
                        shared_with_observers=bool(project_id) and rng.random() < 0.3,
                    )
                )
            for start in range(0, len(rows), 1000):
                created_threads += Thread.objects.bulk_create(rows[start : start + 1000])
            _bulk_messages(
                created_threads,
                lambda thread: replies,
                lambda thread: people[thread.project_id] if thread.project_id else everyone,
                rng,
                now,
            )
            _index(Thread.objects.filter(pk__in=[t.pk for t in created_threads]).select_related("project"))
        report.created["threads"] = len(created_threads)

        long_thread = Thread.objects.filter(title=LONG_TITLE).first()
        report.created["long_thread"] = 0
        reference = SharedProject.objects.filter(title=REFERENCE_TITLE).first()
        if long_thread is None and reference is not None and people.get(reference.pk):
            long_thread = Thread.objects.create(
                title=LONG_TITLE, project=reference, author_id=people[reference.pk][0], shared_with_observers=True
            )
            _bulk_messages([long_thread], lambda thread: long_replies, lambda thread: people[reference.pk], rng, now)
            _index([long_thread])
            report.created["long_thread"] = 1
        report.long_thread_id = long_thread.pk if long_thread else None
        if any(report.created.values()):
            transaction.on_commit(bump_content_version)
    report.totals = {
        "threads": Thread.objects.count(),
        "messages": Message.objects.count(),
        "longest_thread": Thread.objects.aggregate(n=Max("message_count"))["n"] or 0,
    }
    return report
