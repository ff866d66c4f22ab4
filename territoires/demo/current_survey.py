"""The current project's resident survey (school catering), open now: what the survey-group demo
logins collect with, in the field and from paper, while the reference survey (2021–2022) is closed.

Deployed in the three towns, with the survey-group volunteers of Niort and Guichen as collectors
(data: surveys.NEW_COLLECTORS) beside each town's referent. It opened `OPENED_DAYS` before the
demo's anchor day (current.py) and carries a few SYNTHETIC answers (`is_synthetic=True`, seeded),
moved forward with the project when it is re-anchored. Its second question is a cascading choice
(kinds/choice_filter.py): what is asked depends on who answers.
"""

import datetime
import uuid

import numpy as np

from territoires.demo import surveys as survey_demo
from territoires.demo.loader import set_fields
from territoires.surveys.models import Collector, Deployment, Question, Response, Section, Survey
from territoires.surveys.schema import answers_validate, schema_for

TITLE = "La cantine de vos enfants : votre avis compte"
OPENED_DAYS = -20
ANSWERS_PER_TOWN = 24
K = Question.Kind
WHO = survey_demo._options(
    ("parent", "Parent d'un enfant qui mange à la cantine"),
    ("eleve", "Élève"),
    ("personnel", "Agent de la restauration ou de l'animation"),
    ("habitant", "Autre habitant"),
)
# A cascading choice: each detail belongs to one answer of "vous_etes"; nothing to ask an "autre habitant".
DETAILS = [
    ("maternelle", "J'ai un enfant en maternelle", "parent"),
    ("elementaire", "J'ai un enfant en élémentaire", "parent"),
    ("plusieurs", "J'ai des enfants en maternelle et en élémentaire", "parent"),
    ("eleve_elementaire", "Je suis en élémentaire", "eleve"),
    ("eleve_college", "Je suis au collège", "eleve"),
    ("cuisine", "Je travaille en cuisine", "personnel"),
    ("service", "Je sers les repas ou j'accompagne les enfants", "personnel"),
]
PRIORITIES = survey_demo._options(
    ("local", "Plus de produits locaux"),
    ("bio", "Plus de produits bio"),
    ("gout", "Des repas plus goûteux"),
    ("gaspillage", "Moins de gaspillage"),
    ("prix", "Un prix plus bas pour les familles"),
    ("enfants", "Associer les enfants aux menus"),
)
QUESTIONNAIRE = [
    (
        "Vous et la cantine",
        "",
        [
            {
                "code": "vous_etes",
                "kind": K.SINGLE,
                "required": True,
                "label": "Vous répondez en tant que…",
                "options": WHO,
            },
            {
                "code": "precision",
                "kind": K.SINGLE,
                "required": True,
                "label": "Précisez",
                "options": [{"code": code, "label": label, "filters": {"profil": who}} for code, label, who in DETAILS],
                "choice_filter": [{"question": "vous_etes", "column": "profil", "op": "eq"}],
            },
            {
                "code": "frequence",
                "kind": K.SINGLE,
                "label": "Combien de fois par semaine mangez-vous (ou votre enfant) à la cantine ?",
                "options": survey_demo._options(
                    ("4_5", "4 ou 5 fois"), ("2_3", "2 ou 3 fois"), ("1", "Une fois"), ("0", "Jamais")
                ),
            },
        ],
    ),
    (
        "Votre avis",
        "",
        [
            {
                "code": "satisfaction",
                "kind": K.RATING,
                "required": True,
                "label": "Les repas servis vous satisfont-ils ?",
                "help_text": "De 1 (pas du tout) à 5 (tout à fait).",
                **survey_demo.SCALE_1_5,
            },
            {
                "code": "priorites",
                "kind": K.MULTIPLE,
                "label": "Qu'est-ce qui devrait changer en premier ?",
                "help_text": "Trois réponses au plus.",
                "options": PRIORITIES,
                "max_choices": 3,
            },
            {
                "code": "commentaire",
                "kind": K.LONG_TEXT,
                "label": "Une idée, une remarque sur la cantine ?",
            },
        ],
    ),
]
COMMENTS = [
    "Les enfants aimeraient goûter les plats avant qu'ils soient au menu.",
    "Trop de pain jeté à la fin du repas.",
    "Merci aux cuisiniers, les repas se sont beaucoup améliorés.",
    "On ne sait pas d'où viennent les légumes.",
    "Le temps du repas est trop court pour les petits.",
]


def load(project, *, anchor_at, participations: dict, users: dict) -> bool:
    """The open survey of the current project; `anchor_at(days, hour)` dates it like the project."""
    opened = anchor_at(OPENED_DAYS, 9)
    survey = Survey.objects.filter(project=project, title=TITLE).first()
    if survey is not None:
        changed = False
        if survey.published_at is not None and survey.published_at != opened:
            # Re-anchored: the answers move forward with the project.
            shift = opened - survey.published_at
            responses = list(Response.objects.filter(survey=survey))
            for response in responses:
                response.submitted_at += shift
                response.collected_at = response.collected_at + shift if response.collected_at else None
            Response.objects.bulk_update(responses, ["submitted_at", "collected_at"])
            changed = True
        return set_fields(survey, status=Survey.Status.PUBLISHED, published_at=opened, closed_at=None) or changed
    survey = Survey.objects.create(
        project=project,
        title=TITLE,
        introduction=(
            "Votre ville repense sa restauration scolaire **avec les familles, les enfants et les agents**. "
            "Ce questionnaire anonyme prend cinq minutes.\n\n"
            "*Démonstration : les réponses affichées sur cette plateforme sont synthétiques.*"
        ),
        thanks_message="Merci ! Vos réponses nourrissent le diagnostic de la restauration collective de votre ville.",
        status=Survey.Status.PUBLISHED,
        created_by=users.get("consultante@prestataire.demo"),
        published_at=opened,
    )
    for position, (title, description, questions) in enumerate(QUESTIONNAIRE):
        section = Section.objects.create(survey=survey, position=position, title=title, description=description)
        Question.objects.bulk_create(
            Question(survey=survey, section=section, position=index, **definition)
            for index, definition in enumerate(questions)
        )
    volunteers = survey_demo._collectors()
    for seed, (town, participation) in enumerate(sorted(participations.items())):
        deployment = Deployment.objects.create(survey=survey, participation=participation)
        collectors = list(dict.fromkeys(user for user in [participation.referent, *volunteers.get(town, [])] if user))
        Collector.objects.bulk_create(
            Collector(deployment=deployment, user=user, added_by=participation.referent) for user in collectors
        )
        _answers(survey, deployment, collectors, np.random.default_rng(2026 + seed), opened)
    return True


def _answers(survey, deployment, collectors, rng, opened) -> None:
    """A few synthetic answers, checked by the survey's own validation before they are stored."""
    schema = schema_for(survey)
    responses = []
    for _index in range(ANSWERS_PER_TOWN):
        who = str(rng.choice(["parent", "eleve", "personnel", "habitant"], p=[0.6, 0.15, 0.15, 0.1]))
        answers = {"vous_etes": who, "satisfaction": int(rng.integers(1, 6))}
        details = [code for code, _label, profile in DETAILS if profile == who]
        if details:
            answers["precision"] = str(rng.choice(details))
        if who != "habitant":
            answers["frequence"] = str(rng.choice(["4_5", "2_3", "1", "0"], p=[0.55, 0.25, 0.1, 0.1]))
        answers["priorites"] = [str(code) for code in rng.choice([p["code"] for p in PRIORITIES], 2, replace=False)]
        if rng.random() < 0.3:
            answers["commentaire"] = str(rng.choice(COMMENTS))
        cleaned = answers_validate(schema, answers, deployment=deployment)
        channel = str(rng.choice(["online", "field", "paper"], p=[0.6, 0.3, 0.1]))
        moment = opened + datetime.timedelta(days=int(rng.integers(0, 19)), minutes=int(rng.integers(0, 600)))
        responses.append(
            Response(
                survey=survey,
                deployment=deployment,
                structure_version=survey.structure_version,
                channel=channel,
                collector=collectors[int(rng.integers(len(collectors)))] if channel != "online" else None,
                idempotency_key=uuid.UUID(bytes=rng.bytes(16), version=4),
                receipt_code=survey_demo._receipt_code(rng),
                collected_at=moment if channel != "online" else None,
                answers=cleaned,
                is_synthetic=True,
            )
        )
        responses[-1].moment = moment
    moments = [response.moment for response in responses]
    Response.objects.bulk_create(responses)
    for response, moment in zip(responses, moments, strict=True):
        response.submitted_at = moment
    Response.objects.bulk_update(responses, ["submitted_at"])
