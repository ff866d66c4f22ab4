"""Scales the directory up for `make bench` (bench/diagnostic_map.py): 20,000 synthetic entries over
the four territories of the reference project, with positions around each town, families, venue
types, neighbourhoods and two sources, most of them published.

Idempotent: the entries made here carry SOURCE, and only the missing ones are added (running it
again with the same figure changes nothing). Rows are written with bulk_create, marked synthetic;
no audit event is written (nobody acted). Product code never calls this.
"""

import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from territoires.core.cache import bump_content_version
from territoires.diagnostic import codes, services
from territoires.diagnostic.models import Entry
from territoires.projects.models import SharedProject

REFERENCE_TITLE = "Concevoir l'action culturelle municipale avec les habitants"
SOURCE = "Banc d'essai — fiches de charge fictives"
OTHER_SOURCE = "Banc d'essai — second fichier fictif"
BATCH = 2000
# A point near each reference town's centre (by INSEE code); elsewhere, the centre of France.
CENTRES = {
    "78361": (48.9906, 1.7169),
    "79191": (46.3237, -0.4588),
    "18033": (47.0810, 2.3988),
    "35126": (47.9669, -1.7951),
}


@dataclass
class DirectoryScaleReport:
    created: int
    total: int
    project_slug: str


def scale_directory(*, entries: int = 20_000, seed: int = 13) -> DirectoryScaleReport:
    project = SharedProject.objects.get(title=REFERENCE_TITLE)
    territories = [p for p in project.participations.select_related("organisation") if p.is_participant]
    families = services.families_for(project=project)
    existing = Entry.objects.filter(project=project, source__in=[SOURCE, OTHER_SOURCE]).count()
    missing = max(0, entries - existing)
    rng = random.Random(seed + existing)  # noqa: S311 (synthetic benchmark data, not a secret)
    basilic = [code for code, _label in codes.BASILIC_TYPES]
    engagement = [code for code, _label in codes.ENGAGEMENT_TYPES]
    now = timezone.now()
    rows = []
    for index in range(existing, existing + missing):
        territory = territories[index % len(territories)]
        latitude, longitude = CENTRES.get(territory.organisation.insee_code, (46.6, 2.4))
        kind = rng.choices(["actor", "place", "engagement"], weights=[50, 35, 15])[0]
        published = rng.random() < 0.8
        rows.append(
            Entry(
                kind=kind, territory=territory, project=project, name=f"Fiche de charge n° {index + 1}",
                neighbourhood=f"Quartier {rng.randint(1, 8)}",
                latitude=Decimal(f"{latitude + rng.uniform(-0.04, 0.04):.6f}"),
                longitude=Decimal(f"{longitude + rng.uniform(-0.06, 0.06):.6f}"),
                status=Entry.Status.PUBLISHED if published else Entry.Status.DRAFT,
                published_at=now if published else None, is_synthetic=True,
                source=SOURCE if rng.random() < 0.7 else OTHER_SOURCE, source_year=2026,
                family=rng.choice(families) if kind == "actor" else None,
                basilic_type=rng.choice(basilic) if kind == "place" else "",
                engagement_type=rng.choice(engagement) if kind == "engagement" else "",
            )
        )  # fmt: skip
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            Entry.objects.bulk_create(rows[start : start + BATCH])
    if rows:
        bump_content_version()
    return DirectoryScaleReport(created=len(rows), total=existing + len(rows), project_slug=project.slug)
