"""Indicators measured from a survey: a question of a survey of the plan's project, deployed in the
plan's territory, read from the figures its dashboard computes (surveys/analytics/summary.py:
the same arrays, weights and filters, never a count of our own).

What is read (Indicator.SurveyReading):
- share: the share of the territory's respondents to the question who chose one answer (weighted
  when the territory's answers are weighted, as the dashboard's bars are), in %;
- count: how many of them chose it (respondents, never weighted);
- mean: the mean of a rating (« ne sait pas » left out) or of a number (weighted when weighted).
Filters are the dashboard's simple ones: age band, gender, channel of collection.

A reading is a measurement dated the survey's closing day when it is closed (one per wave), else
the day it is read ("lire maintenant"); the measurement's unique date keeps it from being recorded
twice (plans/services.py: indicator_read_survey).
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from territoires.plans.models import Indicator

Reading = Indicator.SurveyReading
CHOICE_KINDS = ("single", "multiple", "rating")
MEAN_KINDS = ("rating", "number", "integer")
FILTER_NAMES = ("age", "gender", "channel")


@dataclass
class SurveyValue:
    value: Decimal
    measured_on: datetime.date
    answered: int
    weighted: bool
    source: str


def eligible_surveys(plan):
    """Surveys of the plan's project deployed in its territory (the only ones an indicator may read)."""
    from territoires.surveys.models import Survey

    return (
        Survey.objects.filter(project_id=plan.project_id, deployments__participation_id=plan.territory_id)
        .distinct()
        .order_by("-created_at", "pk")
    )


def question_choices(plan) -> list[tuple[str, list[tuple[str, str]]]]:
    """(survey title, [("survey id:question code", question label)]) for the questions that can be read."""
    from territoires.surveys.models import Question

    groups = []
    for survey in eligible_surveys(plan):
        questions = Question.objects.filter(survey=survey, kind__in=set(CHOICE_KINDS + MEAN_KINDS)).order_by(
            "section__position", "position", "pk"
        )
        options = [
            (f"{survey.pk}:{question.code}", f"{question.code} — {question.label}"[:160]) for question in questions
        ]
        if options:
            groups.append((survey.title, options))
    return groups


def option_choices(plan) -> list[tuple[str, list[tuple[str, str]]]]:
    """(question label, [(option code, option label)]) for the answers a share or a count may read."""
    from territoires.surveys.models import Question

    groups = []
    for survey in eligible_surveys(plan):
        for question in Question.objects.filter(survey=survey, kind__in=CHOICE_KINDS).order_by(
            "section__position", "position", "pk"
        ):
            options = [(code, label) for code, label in _options(question)]
            if options:
                groups.append((f"{question.code} — {question.label}"[:120], options))
    return groups


def _options(question) -> list[tuple[str, str]]:
    if question.kind == "rating":
        low, high = question.scale_min or 1, question.scale_max or 5
        return [(str(value), str(value)) for value in range(low, high + 1)]
    return [
        (str(option.get("code", "")), str(option.get("label") or option.get("code", ""))) for option in question.options
    ]


def survey_source_errors(plan, *, survey, question_code: str, reading: str, option_code: str, filters: dict) -> dict:
    """What is wrong with reading this question for this plan, as French messages by field."""
    from territoires.surveys.analytics.arrays import AGE_CODES, CHANNELS, GENDER_CODES
    from territoires.surveys.models import Deployment, Question

    if survey is None:
        return {"survey_question": _("Choisissez la question de l'enquête à lire.")}
    if survey.project_id != plan.project_id:
        return {
            "survey_question": _("Cette enquête appartient à un autre projet : choisissez une enquête de ce projet.")
        }
    if not Deployment.objects.filter(survey=survey, participation_id=plan.territory_id).exists():
        return {
            "survey_question": _(
                "Cette enquête n'est pas menée sur le territoire de ce plan : ses réponses ne le mesurent pas."
            )
        }
    question = Question.objects.filter(survey=survey, code=question_code).first()
    if question is None:
        return {"survey_question": _("Cette question n'existe pas dans l'enquête choisie.")}
    errors = {}
    if reading not in Reading.values:
        errors["survey_reading"] = _("Choisissez ce qui est lu : une part, un nombre ou une moyenne.")
    elif reading == Reading.MEAN:
        if question.kind not in MEAN_KINDS:
            errors["survey_reading"] = _(
                "Une moyenne se lit sur une note ou un nombre ; « %(label)s » est une question de type « %(kind)s »."
            ) % {"label": question.label, "kind": question.get_kind_display()}
    elif question.kind not in CHOICE_KINDS:
        errors["survey_reading"] = _(
            "Une part ou un nombre se lit sur une question à choix ou une note ; « %(label)s » est une question "
            "de type « %(kind)s »."
        ) % {"label": question.label, "kind": question.get_kind_display()}
    elif option_code not in {code for code, _label in _options(question)}:
        errors["survey_option"] = _("Choisissez une réponse de la question « %(label)s ».") % {"label": question.label}
    allowed = {"age": AGE_CODES, "gender": GENDER_CODES, "channel": CHANNELS}
    for name, value in (filters or {}).items():
        if name not in allowed or (value and value not in allowed[name]):
            errors["survey_filters"] = _("Filtre inconnu : seuls l'âge, le genre et le mode de collecte filtrent.")
    return errors


def survey_value(indicator: Indicator, *, today: datetime.date | None = None) -> SurveyValue:
    """The indicator's value as its survey's dashboard computes it now, for the plan's territory.

    Raises ValueError with a French message when there is nothing to read."""
    from territoires.surveys.analytics import summary
    from territoires.surveys.analytics.arrays import survey_arrays
    from territoires.surveys.analytics.weighting import survey_weighting
    from territoires.surveys.models import Deployment, Question

    survey = indicator.survey
    plan = indicator.plan
    errors = survey_source_errors(
        plan,
        survey=survey,
        question_code=indicator.survey_question_code,
        reading=indicator.survey_reading,
        option_code=indicator.survey_option_code,
        filters=indicator.survey_filters,
    )
    if errors:
        raise ValueError(" ".join(str(message) for message in errors.values()))
    deployment = Deployment.objects.filter(survey=survey, participation_id=plan.territory_id).order_by("pk").first()
    question = Question.objects.get(survey=survey, code=indicator.survey_question_code)
    arrays = survey_arrays(survey)
    weighting = survey_weighting(survey, arrays)
    territory_weighting = weighting.territories.get(deployment.pk)
    with_weights = bool(territory_weighting is not None and territory_weighting.weighted)
    chosen = indicator.survey_filters or {}
    filters = summary.Filters(
        territory=deployment.pk,
        age=chosen.get("age", ""),
        gender=chosen.get("gender", ""),
        channel=chosen.get("channel", ""),
    )
    mask = summary.build_mask(arrays, filters, [deployment.pk])
    blocks = summary.question_summaries(arrays, [question], weighting.weights, mask, with_weights)
    block = blocks[0] if blocks else {}
    answered = int(block.get("answered", 0))
    if not answered:
        raise ValueError(_("Personne n'a encore répondu à cette question sur ce territoire : rien à lire."))
    reading = indicator.survey_reading
    if reading == Reading.MEAN:
        number = block.get("weighted_mean") if with_weights and block.get("weighted_mean") is not None else None
        number = number if number is not None else block.get("mean")
        if number is None:
            raise ValueError(_("Aucune réponse chiffrée à cette question : pas de moyenne à lire."))
    else:
        # The rows are in the order of the dashboard's variable (its codes), not of the options.
        variable = next(v for v in arrays.variables if v.question_code == question.code and not v.row_code)
        codes = [str(code) for code in variable.codes]
        if indicator.survey_option_code not in codes:
            raise ValueError(_("Cette réponse n'est plus proposée par la question : rien à lire."))
        row = block["rows"][codes.index(indicator.survey_option_code)]
        if reading == Reading.COUNT:
            number = row["count"]
        else:
            number = row["weighted_share"] if with_weights else row["share"]
    today = today or timezone.localdate()
    closed = survey.closed_at is not None and survey.status == survey.Status.CLOSED
    measured_on = timezone.localdate(survey.closed_at) if closed else today
    source = (
        _(
            "Enquête « %(survey)s », question « %(question)s », tableau de bord (%(when)s, %(answered)d réponses%(weights)s)"
        )
        % {
            "survey": survey.title,
            "question": question.label[:120],
            "when": _("à sa clôture") if closed else _("lu le %(date)s") % {"date": today.strftime("%d/%m/%Y")},
            "answered": answered,
            "weights": _(", redressées") if with_weights else "",
        }
    )[:300]
    return SurveyValue(
        value=Decimal(str(number)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        measured_on=measured_on,
        answered=answered,
        weighted=with_weights,
        source=source,
    )
