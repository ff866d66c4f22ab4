"""The benchmark survey: exactly 30 questions of every kind, deployed in 4 territories, with as many
synthetic responses as asked (100,000 by default), used by every `surveys.*` benchmark.

    scale_surveys()                  # the 100,000-answer survey, created or completed
    scale_surveys(answers=10_000)    # a separate 10,000-answer survey (memory growth checks)
    manage.py scale_surveys --answers 100000

Idempotent: each size has its own survey (its title carries the size) in a dedicated, private
benchmark project; running it again inserts only the missing responses (none when complete). Rows
are generated with numpy from a seeded generator (one seed per batch, so completing an interrupted
run gives the same data) and inserted with bulk_create in batches of a few thousand rows, inside
one transaction per batch so that memory stays flat. Responses are flagged `is_synthetic`.
The answers are uniform-ish random draws, not a realistic model (that is the demo's job,
territoires/demo/surveys.py): the benchmarks only need every question kind at full volume.
"""

import datetime
import uuid

import numpy as np
from django.db import transaction
from django.utils import timezone

from territoires.accounts.models import Organisation
from territoires.projects.models import Participation, SharedProject
from territoires.surveys.models import (
    AGE_BANDS,
    DONT_KNOW,
    GENDERS,
    OTHER,
    Deployment,
    PopulationCell,
    Question,
    Response,
    Section,
    Survey,
)

K = Question.Kind
PROJECT_SLUG = "banc-essai-enquetes"
PROJECT_TITLE = "Banc d'essai des enquêtes (données synthétiques)"
TOWNS = [
    ("Banc d'essai — Aval", "99901"),
    ("Banc d'essai — Amont", "99902"),
    ("Banc d'essai — Rive", "99903"),
    ("Banc d'essai — Plaine", "99904"),
]
BATCH = 5000
QUESTION_COUNT = 30
NEIGHBOURHOODS = [{"code": f"q{i}", "label": f"Quartier {i}"} for i in range(1, 7)]


def _opts(*codes):
    return [{"code": code, "label": code.replace("_", " ").capitalize()} for code in codes]


VENUES = ("mediatheque", "musee", "cinema", "spectacle", "conservatoire", "centre_culturel", "festival", "patrimoine")
OBSTACLES = (
    "prix",
    "temps",
    "horaires",
    "transport",
    "information",
    "pas_pour_moi",
    "interet",
    "enfants",
    "sante",
    "seul",
)
CHANNELS_INFO = ("magazine", "site", "reseaux", "affichage", "bouche_oreille", "presse", "radio", "lettre", "lieux")
PRIORITIES = ("gratuite", "quartiers", "horaires", "jeunesse", "plein_air", "participation")
MATRIX_ROWS = ("lecture", "musique", "spectacle", "cinema", "arts_visuels", "patrimoine")

# (section, code, kind, extra fields) — 30 questions.
QUESTIONS = [
    ("Pratiques", "lieux", K.MULTIPLE, {"options": _opts(*VENUES, "aucun"), "required": True}),
    ("Pratiques", "frequence", K.SINGLE, {"options": _opts("hebdo", "mensuel", "trimestriel", "annuel")}),
    ("Pratiques", "sorties", K.NUMBER, {"min_value": 0, "max_value": 365}),
    ("Pratiques", "pratique", K.SINGLE, {"options": _opts("oui", "non")}),
    ("Pratiques", "derniere_sortie", K.DATE, {}),
    (
        "Satisfaction",
        "satisfaction",
        K.RATING,
        {"scale_min": 1, "scale_max": 5, "allow_dont_know": True, "required": True},
    ),
    (
        "Satisfaction",
        "domaines",
        K.MATRIX,
        {"scale_min": 1, "scale_max": 5, "allow_dont_know": True, "rows": _opts(*MATRIX_ROWS)},
    ),
    *[
        ("Satisfaction", code, K.RATING, {"scale_min": 1, "scale_max": 5, "allow_dont_know": True})
        for code in ("horaires", "tarifs", "information", "accueil", "programmation", "lieux_proches")
    ],
    *[
        ("Représentations", code, K.RATING, {"scale_min": 1, "scale_max": 10, "allow_dont_know": True})
        for code in ("concerne", "accessible", "fierte", "participation_habitants")
    ],
    ("Freins", "freins", K.MULTIPLE, {"options": _opts(*OBSTACLES), "allow_other": True, "max_choices": 3}),
    ("Freins", "envie", K.LONG_TEXT, {}),
    ("Freins", "mot", K.SHORT_TEXT, {}),
    ("Information", "canaux", K.MULTIPLE, {"options": _opts(*CHANNELS_INFO)}),
    ("Information", "canal_prefere", K.SINGLE, {"options": _opts(*CHANNELS_INFO)}),
    ("Information", "priorites", K.RANKING, {"options": _opts(*PRIORITIES)}),
    ("Information", "participer", K.SINGLE, {"options": _opts("oui", "peut_etre", "non")}),
    ("Profil", "quartier", K.NEIGHBOURHOOD, {}),
    ("Profil", "code_postal", K.POSTCODE, {}),
    ("Profil", "age", K.AGE_BAND, {"required": True}),
    ("Profil", "genre", K.GENDER, {"required": True}),
    ("Profil", "occupation", K.SINGLE, {"options": _opts("emploi", "chomage", "etudes", "retraite", "foyer", "autre")}),
    ("Profil", "diplome", K.SINGLE, {"options": _opts("aucun", "cap", "bac", "bac2", "bac3")}),
]
assert len(QUESTIONS) == QUESTION_COUNT

TEXTS = [
    "Des tarifs plus bas pour les familles.",
    "Plus d'informations sur les sorties, je l'apprends trop tard.",
    "Des spectacles dans mon quartier.",
    "Des horaires le soir après le travail.",
    "Des concerts gratuits en plein air.",
    "Être accompagné la première fois.",
    "Des activités pour les adolescents le week-end.",
    "Un bus le soir pour rentrer.",
]
WORDS = ["vivante", "chère", "loin", "riche", "méconnue", "festive", "élitiste", "ouverte"]


def bench_title(answers: int) -> str:
    return f"Enquête de banc d'essai ({answers:,} réponses)".replace(",", " ")


def _bench_project() -> tuple[SharedProject, list[Participation]]:
    agency, _created = Organisation.objects.get_or_create(
        name="Banc d'essai — agence", kind=Organisation.Kind.NATIONAL_AGENCY
    )
    project = SharedProject.objects.filter(slug=PROJECT_SLUG).first()
    if project is None:
        project = SharedProject.objects.create(
            title=PROJECT_TITLE, slug=PROJECT_SLUG, facilitator_organisation=agency, is_public=False
        )
    participations = []
    for name, insee in TOWNS:
        town = Organisation.objects.filter(kind=Organisation.Kind.COMMUNE, insee_code=insee).first()
        if town is None:
            town = Organisation.objects.create(
                name=name, kind=Organisation.Kind.COMMUNE, insee_code=insee, population=40000
            )
        participation, _created = Participation.objects.get_or_create(
            project=project, organisation=town, defaults={"role": Participation.Role.PARTICIPANT}
        )
        participations.append(participation)
    return project, participations


def bench_survey(answers: int = 100_000) -> Survey | None:
    return Survey.objects.filter(project__slug=PROJECT_SLUG, title=bench_title(answers)).first()


@transaction.atomic
def _create_survey(answers: int) -> Survey:
    project, participations = _bench_project()
    survey = Survey.objects.create(
        project=project,
        title=bench_title(answers),
        status=Survey.Status.PUBLISHED,
        published_at=timezone.now(),
        non_audience_question_code="lieux",
        non_audience_option_codes=list(VENUES),
    )
    sections = {}
    for position, (section_title, code, kind, extra) in enumerate(QUESTIONS):
        if section_title not in sections:
            sections[section_title] = Section.objects.create(survey=survey, position=len(sections), title=section_title)
        Question.objects.create(
            survey=survey,
            section=sections[section_title],
            position=position,
            code=code,
            kind=kind,
            label=f"Question {position + 1} : {code.replace('_', ' ')}",
            **extra,
        )
    bands = [band for band, _label in AGE_BANDS]
    for index, participation in enumerate(participations):
        deployment = Deployment.objects.create(
            survey=survey, participation=participation, neighbourhoods=NEIGHBOURHOODS
        )
        PopulationCell.objects.bulk_create(
            PopulationCell(
                deployment=deployment,
                age_band=band,
                gender=gender,
                population=int(3000 + 400 * index + 250 * b - (300 if gender == "m" else 0)),
                source="Valeurs fictives du banc d'essai",
                year=2018,
            )
            for b, band in enumerate(bands)
            for gender in ("f", "m")
        )
    return survey


def _batch_answers(rng: np.random.Generator, n: int) -> list[dict]:
    """n answer objects; every question kind present, optional ones skipped now and then."""
    bands = [band for band, _label in AGE_BANDS]
    genders = [code for code, _label in GENDERS]
    venues = rng.random((n, len(VENUES))) < np.array([0.3, 0.3, 0.6, 0.3, 0.05, 0.15, 0.25, 0.4])
    ratings5 = rng.integers(1, 7, (n, 13))  # 6 = "don't know"
    ratings10 = rng.integers(1, 12, (n, 4))  # 11 = "don't know"
    obstacles = rng.random((n, len(OBSTACLES) + 1)) < 0.2
    channels = rng.random((n, len(CHANNELS_INFO))) < 0.3
    skip = rng.random((n, 8)) < 0.05
    ranks = np.argsort(rng.random((n, len(PRIORITIES))), axis=1)
    ages = rng.integers(0, 6, n)
    gender_idx = rng.choice(3, n, p=[0.55, 0.43, 0.02])
    singles = rng.integers(0, 9, (n, 6))
    days = rng.integers(0, 365, n)
    text_pick = rng.integers(0, 40, (n, 2))
    start = datetime.date(2021, 1, 1)
    rows = []
    for i in range(n):
        chosen = [VENUES[k] for k in np.flatnonzero(venues[i])]
        a = {"lieux": chosen or ["aucun"]}
        if chosen:
            a["frequence"] = ("hebdo", "mensuel", "trimestriel", "annuel")[singles[i, 0] % 4]
            a["sorties"] = int(1 + singles[i, 1] * 3)
            a["derniere_sortie"] = (start + datetime.timedelta(days=int(days[i]))).isoformat()
        a["pratique"] = "oui" if singles[i, 2] < 3 else "non"
        r5 = [DONT_KNOW if v == 6 else int(v) for v in ratings5[i]]
        a["satisfaction"] = r5[0]
        if not skip[i, 0]:
            a["domaines"] = dict(zip(MATRIX_ROWS, r5[1:7], strict=True))
        for code, value in zip(
            ("horaires", "tarifs", "information", "accueil", "programmation", "lieux_proches"), r5[7:], strict=True
        ):
            a[code] = value
        for code, value in zip(
            ("concerne", "accessible", "fierte", "participation_habitants"), ratings10[i], strict=True
        ):
            if not skip[i, 1]:
                a[code] = DONT_KNOW if value == 11 else int(value)
        picked = [code for code, hit in zip((*OBSTACLES, OTHER), obstacles[i], strict=True) if hit][:3]
        if picked:
            a["freins"] = picked
            if OTHER in picked:
                a[f"freins__{OTHER}"] = "Le stationnement"
        if text_pick[i, 0] < len(TEXTS):
            a["envie"] = TEXTS[text_pick[i, 0]]
        if text_pick[i, 1] < len(WORDS):
            a["mot"] = WORDS[text_pick[i, 1]]
        used = [CHANNELS_INFO[k] for k in np.flatnonzero(channels[i])]
        if used:
            a["canaux"] = used
        a["canal_prefere"] = CHANNELS_INFO[singles[i, 3]]
        if not skip[i, 2]:
            a["priorites"] = [PRIORITIES[k] for k in ranks[i]]
        a["participer"] = ("oui", "peut_etre", "non")[singles[i, 4] % 3]
        if not skip[i, 3]:
            a["quartier"] = NEIGHBOURHOODS[singles[i, 5] % 6]["code"]
        if not skip[i, 4]:
            a["code_postal"] = f"{79000 + 10 * (singles[i, 5] % 3)}"
        a["age"] = bands[ages[i]]
        a["genre"] = genders[gender_idx[i]]
        if not skip[i, 5]:
            a["occupation"] = ("emploi", "chomage", "etudes", "retraite", "foyer", "autre")[singles[i, 0] % 6]
        if not skip[i, 6]:
            a["diplome"] = ("aucun", "cap", "bac", "bac2", "bac3")[singles[i, 1] % 5]
        rows.append(a)
    return rows


def scale_surveys(*, answers: int = 100_000, log=None) -> Survey:
    """The benchmark survey with exactly `answers` responses (completes a partial one); returns it."""
    survey = bench_survey(answers) or _create_survey(answers)
    deployments = list(survey.deployments.order_by("pk"))
    existing = survey.responses.count()
    channels = [choice for choice, _label in Response.Channel.choices]
    alphabet = np.array(list("23456789ABCDEFGHJKMNPQRSTUVWXYZ"))
    while existing < answers:
        batch_index = existing // BATCH
        size = min(BATCH - existing % BATCH, answers - existing)
        rng = np.random.default_rng([20211004, answers, batch_index, existing % BATCH])
        rows = _batch_answers(rng, size)
        territory = rng.integers(0, len(deployments), size)
        channel = rng.choice(len(channels), size, p=[0.65, 0.25, 0.10])
        codes = alphabet[rng.integers(0, len(alphabet), (size, 10))]
        keys = rng.bytes(16 * size)
        with transaction.atomic():
            Response.objects.bulk_create(
                (
                    Response(
                        survey=survey,
                        deployment=deployments[territory[i]],
                        structure_version=survey.structure_version,
                        channel=channels[channel[i]],
                        idempotency_key=uuid.UUID(bytes=keys[16 * i : 16 * i + 16], version=4),
                        receipt_code="".join(codes[i]),
                        answers=row,
                        age_band=row["age"],
                        gender=row["genre"],
                        is_synthetic=True,
                    )
                    for i, row in enumerate(rows)
                ),
                batch_size=1000,
            )
        existing += size
        if log:
            log(f"scale_surveys: {existing}/{answers}")
    return survey
