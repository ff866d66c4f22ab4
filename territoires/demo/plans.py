"""The four towns' action plans in the reference story (all adopted in May–June 2022, as the
closing steering committee's minutes say; dates and deliberations are illustrative).

- Niort: the full plan — three axes, actions with sub-actions, partners and places from its
  directory, origins in the survey and the directory, indicators measured every quarter for a
  year after adoption, and what became of the survey's questions (read with a receipt code).
- Guichen, Bourges, Mantes-la-Jolie: shorter plans, adopted; after the first review of December
  2022, Bourges drafts an amendment and Guichen's amendment is before its council, so that the
  drafting and the vote are shown too.
Deliberations are synthetic, labelled as such in their PDF. Idempotent: a plan is recognised by its
territory; a plan already there is left as it is.
"""

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from territoires.accounts.models import User
from territoires.diagnostic.models import Entry
from territoires.plans import services
from territoires.plans.models import ActionPlan, Indicator, Measurement, PlanVersion
from territoires.projects.models import Participation

SYNTHETIC = "Délibération fictive de démonstration"

# town: (referent e-mail, members in office, deliberation number, date, votes for/against/abstentions)
COUNCILS = {
    "Niort": ("referent.niort@ville.demo", 45, "D-2022-188", datetime.date(2022, 5, 23), (41, 2, 2)),
    "Guichen": ("referent.guichen@ville.demo", 29, "2022-06-07", datetime.date(2022, 6, 13), (25, 0, 4)),
    "Bourges": ("referente.bourges@ville.demo", 49, "22-0616-14", datetime.date(2022, 6, 16), (40, 6, 3)),
    "Mantes-la-Jolie": ("referente.mantes@ville.demo", 39, "2022-06-20-12", datetime.date(2022, 6, 20), (33, 4, 2)),
}

# Each axis: (title, [(objective, [(action, lead, status, progress, sub-actions, partners, places, origin question)])])
NIORT = [
    (
        "Aller vers les habitants qui ne fréquentent aucun lieu culturel",
        [
            (
                "Faire entrer la culture dans les quartiers prioritaires",
                [
                    (
                        "Résidences d'artistes au Clou-Bouchet et au Pontreau",
                        "Direction de la culture",
                        "in_progress",
                        0,
                        [
                            ("Première résidence : théâtre d'objets avec les familles", "done", 100, 2),
                            ("Deuxième résidence : photographie avec les collégiens", "in_progress", 40, 1),
                        ],
                        ["Quartiers en scène (association fictive)"],
                        ["Villa Pérochon"],
                        "freins",
                    ),
                    (
                        "Médiathèque hors les murs dans les marchés de quartier",
                        "Réseau des médiathèques",
                        "in_progress",
                        55,
                        [],
                        [],
                        [],
                        "offre_quartier",
                    ),
                ],
            ),
            (
                "Lever les freins du prix et de l'information",
                [
                    (
                        "Pass culture municipal pour les moins de 25 ans et les minima sociaux",
                        "Direction de la culture",
                        "done",
                        100,
                        [],
                        [],
                        [],
                        "satisfaction_tarifs",
                    ),
                    (
                        "Agenda culturel distribué dans les boîtes aux lettres des quartiers",
                        "Service communication",
                        "delayed",
                        20,
                        [],
                        [],
                        [],
                        "canaux_info",
                    ),
                ],
            ),
        ],
    ),
    (
        "Faire des habitants des acteurs de la vie culturelle",
        [
            (
                "Associer les habitants à la programmation",
                [
                    (
                        "Comité d'habitants programmateurs à Port Boinot",
                        "Direction de la culture",
                        "in_progress",
                        60,
                        [],
                        ["Collectif des jardins de la Sèvre (fictif)"],
                        ["Port Boinot"],
                        "habitants_choix",
                    ),
                ],
            ),
        ],
    ),
    (
        "Coopérer entre acteurs du territoire",
        [
            (
                "Mettre en réseau culture, social et éducation",
                [
                    (
                        "Rencontres trimestrielles des acteurs culturels et sociaux",
                        "Direction de la culture",
                        "planned",
                        0,
                        [],
                        ["Quartiers en scène (association fictive)"],
                        ["Chapelle Saint-Hilaire"],
                        None,
                    ),
                ],
            ),
        ],
    ),
]

SHORT_PLANS = {
    "Guichen": [
        (
            "Une saison culturelle partagée avec les habitants",
            [
                (
                    "Faire de l'Espace Galatée la maison de tous",
                    [
                        (
                            "Ouverture de l'Espace Galatée aux associations en journée",
                            "Service culturel",
                            "in_progress",
                            50,
                            [],
                            [],
                            ["Espace Galatée"],
                            "offre_quartier",
                        ),
                        ("Spectacles dans les hameaux", "Service culturel", "planned", 0, [], [], [], "freins"),
                    ],
                )
            ],
        )
    ],
    "Bourges": [
        (
            "La culture dans tous les quartiers",
            [
                (
                    "Rapprocher l'offre des quartiers nord",
                    [
                        (
                            "Programmation « Les Debouts de la culture » dans les quartiers nord",
                            "Direction de la culture",
                            "in_progress",
                            35,
                            [],
                            [],
                            [],
                            "offre_quartier",
                        )
                    ],
                )
            ],
        )
    ],
    "Mantes-la-Jolie": [
        (
            "La culture au Val Fourré",
            [
                (
                    "Prolonger les Assises de la Culture",
                    [
                        (
                            "Assises de la Culture chaque année au Val Fourré",
                            "Direction des affaires culturelles",
                            "done",
                            100,
                            [],
                            ["Val Fourré en musique (association fictive)"],
                            [],
                            "habitants_choix",
                        ),
                        (
                            "Ateliers de pratique amateur en pied d'immeuble",
                            "Direction des affaires culturelles",
                            "in_progress",
                            45,
                            [],
                            [],
                            [],
                            "pratiques",
                        ),
                    ],
                )
            ],
        )
    ],
}

# A year of follow-up after the adoption: the end of each quarter.
QUARTER_ENDS = [
    datetime.date(2022, 9, 30),
    datetime.date(2022, 12, 31),
    datetime.date(2023, 3, 31),
    datetime.date(2023, 6, 30),
]

NIORT_INDICATORS = [
    # (objective index, name, unit, baseline, target, source, quarterly values from July 2022)
    (
        0,
        "Habitants des quartiers prioritaires touchés par une action culturelle",
        "personnes",
        420,
        1500,
        "Services de la ville, 2021",
        [510, 690, 820, 1010],
    ),
    (
        1,
        "Part des répondants citant le prix comme frein",
        "%",
        Decimal("38"),
        Decimal("25"),
        "Enquête habitants, décembre 2021",
        [Decimal("36"), Decimal("33"), Decimal("31"), Decimal("30")],
    ),
    (
        2,
        "Spectacles programmés par le comité d'habitants",
        "spectacles",
        0,
        8,
        "Direction de la culture, 2021",
        [1, 2, 4, 5],
    ),
]

OUTCOMES = {
    # question code: (status, action title or None, explanation)
    "freins": ("kept", "Résidences d'artistes au Clou-Bouchet et au Pontreau", ""),
    "satisfaction_tarifs": ("kept", "Pass culture municipal pour les moins de 25 ans et les minima sociaux", ""),
    "canaux_info": ("kept", "Agenda culturel distribué dans les boîtes aux lettres des quartiers", ""),
    "habitants_choix": ("kept", "Comité d'habitants programmateurs à Port Boinot", ""),
    "satisfaction_horaires": (
        "not_kept",
        None,
        "Les horaires des équipements relèvent d'une négociation avec les équipes ; elle est inscrite au bilan de décembre 2022.",
    ),
}


def _pdf(town: str, number: str) -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"{SYNTHETIC} — {town} — {number}"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(f"deliberation-{number}.pdf", buffer.getvalue(), content_type="application/pdf")


def _deliberation(town: str) -> dict:
    _email, in_office, number, date, (votes_for, against, abstentions) = COUNCILS[town]
    voters = votes_for + against + abstentions
    present = voters - 3
    return {
        "deliberation_number": number,
        "deliberation_date": date,
        "deliberative_body": "municipal_council",
        "members_in_office": in_office,
        "members_present": present,
        "members_represented": 3,
        "members_absent": in_office - present,
        "votes_for": votes_for,
        "votes_against": against,
        "abstentions": abstentions,
        "not_taking_part": 0,
    }


def _entries(territory, names, kind):
    return list(Entry.objects.filter(territory=territory, kind=kind, name__in=names, merged_into__isnull=True))


def _build(plan, territory, user, axes, questions):
    actions_by_title = {}
    objectives = []
    for axis_title, objective_rows in axes:
        axis = services.axis_save(plan=plan, user=user, title=axis_title)
        for objective_title, action_rows in objective_rows:
            objective = services.objective_save(plan=plan, user=user, axis=axis, title=objective_title)
            objectives.append(objective)
            for title, lead, status, progress, children, partners, places, origin in action_rows:
                action = services.action_save(
                    plan=plan,
                    user=user,
                    objective=objective,
                    data={
                        "title": title,
                        "lead": lead,
                        "audiences": ["non_audiences"],
                        "weight": 1,
                        "starts_on": datetime.date(2022, 9, 1),
                        "ends_on": datetime.date(2024, 6, 30),
                    },
                    partners=_entries(territory, partners, Entry.Kind.ACTOR),
                    places=_entries(territory, places, Entry.Kind.PLACE),
                )
                action.status, action.progress = status, progress
                action.save(update_fields=["status", "progress"])
                actions_by_title[title] = action
                for child_title, child_status, child_progress, weight in children:
                    child = services.action_save(
                        plan=plan, user=user, objective=objective, parent=action,
                        data={"title": child_title, "lead": lead, "weight": weight},
                    )  # fmt: skip
                    child.status, child.progress = child_status, child_progress
                    child.save(update_fields=["status", "progress"])
                if origin and origin in questions:
                    services.origin_add(
                        action=action, user=user, kind="surveys.question", target_id=questions[origin].pk
                    )
                for entry in _entries(territory, places, Entry.Kind.PLACE)[:1]:
                    services.origin_add(action=action, user=user, kind="diagnostic.entry", target_id=entry.pk,
                                        note="Lieu repéré par la cartographie du diagnostic.")  # fmt: skip
    return objectives, actions_by_title


def load(project) -> bool:
    from territoires.surveys.models import Question

    if ActionPlan.objects.filter(project=project).exists():
        return False
    questions = {q.code: q for q in Question.objects.filter(survey__project=project)}
    for town, (email, *_rest) in COUNCILS.items():
        territory = Participation.objects.filter(project=project, organisation__name=town).first()
        user = User.objects.filter(email=email).first()
        if territory is None or user is None:
            continue
        plan = services.plan_create(
            territory=territory,
            user=user,
            title=f"Plan d'action culturelle de {town} 2022-2024",
            summary="Plan issu du diagnostic partagé et de la concertation avec les habitants (démonstration).",
        )
        axes = NIORT if town == "Niort" else SHORT_PLANS[town]
        objectives, actions = _build(plan, territory, user, axes, questions)
        if town == "Niort":
            _indicators(plan, user, objectives)
            _survey_indicator(plan, user, objectives)
            _contribution_outcomes(plan, user, territory, actions)
            for code, (status, action_title, explanation) in OUTCOMES.items():
                if code in questions:
                    services.outcome_set(
                        plan=plan, user=user, kind="surveys.question", target_id=questions[code].pk, status=status,
                        action=actions.get(action_title), explanation=explanation,
                    )  # fmt: skip
        services.plan_submit(plan=plan, user=user)
        number = COUNCILS[town][2]
        adoption = services.plan_adopt(
            plan=plan, user=user, deliberation=_deliberation(town), deliberation_document=_pdf(town, number)
        )
        # The story's dates: submitted a fortnight before the council, recorded the day after.
        date = COUNCILS[town][3]
        PlanVersion.objects.filter(pk=adoption.version_id).update(
            created_at=_aware(date - datetime.timedelta(days=14)), note="Version soumise au vote du conseil municipal"
        )
        type(adoption).objects.filter(pk=adoption.pk).update(created_at=_aware(date + datetime.timedelta(days=1)))
        if town == "Niort":
            plan.refresh_from_db()
            _restitution(plan, user)
        if town in ("Bourges", "Guichen"):
            plan.refresh_from_db()
            services.plan_amend(plan=plan, user=user)
            plan.refresh_from_db()
            objective = objectives[0]
            services.action_save(
                plan=plan, user=user, objective=objective,
                data={"title": "Horaires élargis des équipements le samedi soir (après le bilan de décembre 2022)",
                      "lead": "Direction de la culture", "weight": 1},
            )  # fmt: skip
            if town == "Guichen":
                services.plan_submit(plan=plan, user=user)
    return True


def _indicators(plan, user, objectives):
    for index, name, unit, baseline, target, source, values in NIORT_INDICATORS:
        indicator = services.indicator_save(
            plan=plan,
            user=user,
            data={
                "objective": objectives[index],
                "name": name,
                "unit": unit,
                "baseline_value": Decimal(baseline),
                "baseline_on": datetime.date(2021, 12, 31),
                "baseline_source": source,
                "target_value": Decimal(target),
                "target_on": datetime.date(2024, 6, 30),
                "measurement_source": "Direction de la culture, relevé trimestriel (valeurs de démonstration)",
            },
        )
        for day, value in zip(QUARTER_ENDS, values, strict=True):
            if not Measurement.objects.filter(indicator=indicator, measured_on=day).exists():
                services.measurement_add(indicator=indicator, user=user, measured_on=day, value=Decimal(value),
                                         source="Valeur de démonstration")  # fmt: skip
    return Indicator.objects.filter(plan=plan)


def _survey_indicator(plan, user, objectives):
    """An indicator measured from the resident survey: the share of Niort's respondents who went to
    no cultural venue in twelve months, read from the survey dashboard at the survey's closing (the
    reference survey is the only wave of the story; a follow-up wave would be read the same way)."""
    from territoires.demo.surveys import NONE_OPTION, SURVEY_TITLE
    from territoires.surveys.models import Survey

    survey = Survey.objects.filter(project_id=plan.project_id, title=SURVEY_TITLE).first()
    if survey is None:
        return
    indicator = services.indicator_save(
        plan=plan,
        user=user,
        data={
            "objective": objectives[0],
            "name": "Part des habitants interrogés qui ne fréquentent aucun lieu culturel",
            "unit": "%",
            "baseline_value": Decimal("40"),
            "baseline_on": datetime.date(2021, 9, 30),
            "baseline_source": "Estimation de la direction de la culture avant l'enquête (valeur de démonstration)",
            "target_value": Decimal("30"),
            "target_on": datetime.date(2024, 6, 30),
            "measurement_source": "Enquête habitants, lue sur son tableau de bord à chaque vague",
            "source_kind": Indicator.Source.SURVEY,
            "survey": survey,
            "survey_question_code": survey.non_audience_question_code or "lieux_12m",
            "survey_reading": Indicator.SurveyReading.SHARE,
            "survey_option_code": NONE_OPTION["code"],
        },
    )
    services.indicator_read_survey(indicator=indicator, user=user)


def _restitution(plan, user):
    """Niort's restitution meeting, four weeks ahead of the demo's day: residents see it on the
    feedback page and the poster, and register as for a workshop."""
    from django.utils import timezone

    starts_at = (timezone.localtime() + datetime.timedelta(days=28)).replace(
        hour=18, minute=30, second=0, microsecond=0
    )
    services.restitution_schedule(
        plan=plan,
        user=user,
        data={
            "title": "Réunion de restitution : ce que le plan d'action a fait de votre parole",
            "description": "L'équipe de la direction de la culture et les membres du groupe d'enquête présentent le plan "
            "adopté, ce qu'il a retenu de l'enquête et des idées des habitants, et les premières actions. Ouverte à "
            "toutes et tous, sur inscription.",
            "starts_at": starts_at,
            "ends_at": starts_at + datetime.timedelta(hours=2),
            "place_details": "Salle des fêtes du Clou-Bouchet (lieu de démonstration)",
            "capacity": 80,
        },
    )


def _aware(date):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime(date.year, date.month, date.day, 18, 0))


def _contribution_outcomes(plan, user, territory, actions):
    """What became of Niort's residents' ideas and texts (the co-design's and the diagnostic's demo
    data, when they are loaded): two ideas and one text, read with their receipt codes."""
    from territoires.codesign.models import Idea
    from territoires.diagnostic.expression.models import Expression

    # Ideas that residents left themselves, with a receipt code: those whose fate a resident can read
    # on "Votre parole" (the team's own ideas have no code); the team's when there are none.
    ideas = Idea.objects.filter(plan__territory=territory, merged_into__isnull=True).order_by("pk")
    ideas = list(ideas.filter(receipt_code__isnull=False)[:2]) or list(ideas[:2])
    fates = [
        ("kept", actions.get("Comité d'habitants programmateurs à Port Boinot"), ""),
        ("not_kept", None, "L'idée demande des moyens que le plan 2022-2024 n'a pas ; elle est notée pour le bilan."),
    ]
    for idea, (status, action, explanation) in zip(ideas, fates, strict=False):
        services.outcome_set(
            plan=plan, user=user, kind="codesign.idea", target_id=idea.pk, status=status,
            action=action, explanation=explanation,
        )  # fmt: skip
    text = Expression.objects.filter(territory=territory).order_by("pk").first()
    if text is not None:
        services.outcome_set(
            plan=plan, user=user, kind="diagnostic.expression", target_id=text.pk, status="kept",
            action=actions.get("Médiathèque hors les murs dans les marchés de quartier"),
        )  # fmt: skip
