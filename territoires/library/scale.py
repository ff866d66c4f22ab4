"""Scales the resource base to a national size (20,000 resources by default) for benchmarks.

Resources are spread over the existing shared projects and their territories, with French titles
and bodies drawn from a vocabulary of the field (some words common, most rare, as in real text),
every kind, licence and visibility, publication dates over five years, and their search documents.
Rows are written in bulk (no signals, no per-row services): the search documents and the SQLite
full-text rows are built here the way search.services would. Idempotent: scaled resources have
slugs `ressource-echelle-<n>` and only the missing ones are created; each one is generated from its
own seed, so extending the data set gives the same rows as building it at once.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from territoires.core.cache import bump_content_version
from territoires.library.models import Resource
from territoires.projects.models import Participation, SharedProject
from territoires.search import backends
from territoires.search.models import SearchDocument

SLUG_PREFIX = "ressource-echelle-"
BATCH = 1000

# fmt: off
COMMON = [
    "culture", "habitants", "ville", "projet", "quartier", "action", "politique", "territoire", "publics",
    "atelier", "lieux", "acteurs", "enquête", "diagnostic", "association", "participation",
]
TOPICS = [
    "médiathèque", "bibliothèque", "lecture publique", "théâtre", "musique", "festival", "patrimoine",
    "musée", "exposition", "danse", "cinéma", "arts plastiques", "conservatoire", "éducation artistique",
    "jeunesse", "seniors", "écoles", "collèges", "familles", "quartiers prioritaires", "ruralité",
    "numérique", "tiers-lieu", "jardins partagés", "fête de quartier", "résidence d'artistes",
    "programmation partagée", "droits culturels", "non-publics", "horaires d'ouverture", "gratuité",
    "mobilité", "accessibilité", "handicap", "bénévolat", "coopération intercommunale", "budget participatif",
    "convention citoyenne", "conférence de consensus", "prototypage", "créativité", "entretien collectif",
    "observation", "cartographie", "questionnaire", "indicateurs", "évaluation", "plan d'action",
    "comité de pilotage", "délibération", "restitution", "concertation", "street art", "lecture à voix haute",
    "radio associative", "cirque", "marionnettes", "chorale", "fanfare", "photographie", "bande dessinée",
    "jeux vidéo", "langues régionales", "mémoire ouvrière", "archives", "friche industrielle", "bibliobus",
]
NOUNS = ["Guide", "Fiche", "Retour", "Synthèse", "Cartographie", "Protocole", "Bilan", "Méthode", "Carnet", "Tableau de bord"]
LINKS = ["pour", "sur", "autour de", "avec", "dans"]
SENTENCES = [
    "Les {a} et les {b} ont été au cœur des échanges avec les habitants du {place}.",
    "Cette ressource présente une démarche de {a} menée avec les acteurs du {place}.",
    "Le groupe d'enquête a recueilli la parole des habitants sur la {a} et les {b}.",
    "Un atelier a permis de croiser les regards sur {a}, {b} et la vie du {place}.",
    "Les agents de la ville ont documenté les freins liés à {a} pour les publics éloignés.",
    "La restitution aux habitants a porté sur {a} et sur les suites données à leurs propositions.",
    "Les associations du {place} souhaitent développer {a} en lien avec {b}.",
]
SUMMARIES = [
    "{title} : ce que les habitants et les acteurs ont dit de {other}.",
    "{title}, avec un retour sur {other}.",
    "{title} : une démarche conduite sur deux ans, en lien avec {other}.",
    "{title}. Points d'attention sur {other}.",
    "{title} : méthode, calendrier et moyens mobilisés.",
]
PLACES = ["centre-ville", "quartier nord", "quartier de la gare", "bourg", "quartier des Chênes", "village", "quartier prioritaire"]
# fmt: on

KINDS = [choice for choice, _label in Resource.Kind.choices]
LICENCES = [choice for choice, _label in Resource.Licence.choices]
PHASES = [code for code, _label in Resource.PHASE_CHOICES]


@dataclass
class ScaleReport:
    created: int
    total: int


def _text_for(rng: random.Random) -> tuple[str, str, str]:
    topic, other = rng.sample(TOPICS, 2)
    common = rng.choice(COMMON)
    title = f"{rng.choice(NOUNS)} {rng.choice(LINKS)} {topic} et {common}"
    summary = rng.choice(SUMMARIES).format(title=title, other=other)
    sentences = [
        rng.choice(SENTENCES).format(a=rng.choice(TOPICS), b=rng.choice(TOPICS), place=rng.choice(PLACES))
        for _ in range(rng.randint(4, 14))
    ]
    return title[:200], summary[:500], " ".join(sentences)


def _projects():
    projects = list(SharedProject.objects.order_by("pk").values_list("pk", "theme_id", "facilitator_organisation_id"))
    participations = {}
    for pk, project_id, organisation_id in Participation.objects.participants().values_list(
        "pk", "project_id", "organisation_id"
    ):
        participations.setdefault(project_id, []).append((pk, organisation_id))
    return [(pk, theme_id, facilitator, participations.get(pk, [])) for pk, theme_id, facilitator in projects]


def scale_library(resources: int = 20_000, log=None) -> ScaleReport:
    existing = Resource.objects.filter(slug__startswith=SLUG_PREFIX).count()
    if existing >= resources:
        return ScaleReport(created=0, total=existing)
    projects = _projects()
    if not projects:
        raise RuntimeError("No shared project to attach resources to: load the demo first.")
    source_type = ContentType.objects.get_for_model(Resource)
    start = datetime.datetime(2020, 1, 1, 9, 0, tzinfo=datetime.UTC)
    created = 0
    for batch_start in range(existing, resources, BATCH):
        rows, themes = [], []
        for index in range(batch_start, min(batch_start + BATCH, resources)):
            rng = random.Random(index)  # noqa: S311  (reproducible test data, not secrets)
            project_id, theme_id, facilitator_org, territories = projects[index % len(projects)]
            title, summary, body = _text_for(rng)
            draw = rng.random()
            territory = rng.choice(territories) if territories else None
            visibility = "public" if draw < 0.7 or territory is None else ("project" if draw < 0.9 else "territory")
            published_at = start + datetime.timedelta(days=rng.randint(0, 5 * 365), minutes=index % 600)
            rows.append(
                Resource(
                    kind=rng.choice(KINDS),
                    title=title,
                    slug=f"{SLUG_PREFIX}{index}",
                    summary=summary,
                    body=body,
                    licence=rng.choice(LICENCES),
                    project_id=project_id,
                    territory_id=territory[0]
                    if territory and (visibility == "territory" or rng.random() < 0.5)
                    else None,
                    phase=rng.choice(PHASES),
                    visibility=visibility,
                    status=Resource.Status.PUBLISHED,
                    published_at=published_at,
                    published_year=published_at.year,
                    team_organisation_id=territory[1] if visibility == "territory" else None,
                    publishing_organisation_id=territory[1] if territory else facilitator_org,
                )
            )
            themes.append(theme_id)
        with transaction.atomic():
            Resource.objects.bulk_create(rows)
            saved = {
                r.slug: r for r in Resource.objects.filter(slug__in=[r.slug for r in rows]).select_related("territory")
            }
            through = Resource.themes.through
            through.objects.bulk_create(
                [through(resource_id=saved[r.slug].pk, theme_id=t) for r, t in zip(rows, themes, strict=True) if t]
            )
            documents = []
            for row, theme_id in zip(rows, themes, strict=True):
                resource = saved[row.slug]
                documents.append(
                    SearchDocument(
                        source_type=source_type,
                        source_id=resource.pk,
                        category="resource",
                        title=resource.title,
                        text=f"{resource.summary}\n\n{resource.body}",
                        url=resource.get_absolute_url(),
                        audience=resource.visibility,
                        project_id=resource.project_id,
                        organisation_id=resource.territory.organisation_id if resource.territory else None,
                        territory_id=resource.territory_id,
                        theme_ids=f" {theme_id} " if theme_id else "",
                        kind=resource.kind,
                        licence=resource.licence,
                        year=resource.published_year,
                    )
                )
            SearchDocument.objects.bulk_create(documents)
            if not backends.is_postgresql():
                stored = SearchDocument.objects.filter(
                    source_type=source_type, source_id__in=[r.pk for r in saved.values()]
                )
                with connection.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO search_fts (rowid, title, body, meta) VALUES (%s, %s, %s, %s)",
                        [backends.fts_row(document) for document in stored],
                    )
        created += len(rows)
        if log:
            log(f"  scale_library: {existing + created}/{resources} resources")
    bump_content_version()
    return ScaleReport(created=created, total=existing + created)
