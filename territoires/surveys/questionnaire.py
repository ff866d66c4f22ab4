"""Building a questionnaire: surveys, sections, questions, deployments and versions.

Keyword-only, atomic services that check the structure (codes, options, scales, bounds, conditions
on earlier answers only) and refuse, with the number of answers affected, any change that would
make answers already received invalid: such a change needs a new version (`survey_new_version`).
Every structural change bumps `Survey.structure_version`, so that compiled forms and analytics
arrays cached per version are rebuilt. Permissions are checked by the views (rules.py).
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.projects.models import Participation
from territoires.surveys.kinds import choice_filter, kind_of
from territoires.surveys.kinds.base import ALLOW_OTHER, BOUNDS, MAX_CHOICES, NO_FUTURE, OPTIONS, ROWS, SCALE
from territoires.surveys.models import (
    DONT_KNOW,
    OTHER,
    Collector,
    Deployment,
    PopulationCell,
    Question,
    Response,
    Section,
    Survey,
)

Kind = Question.Kind

CONDITION_OPERATORS = ("in", "not_in", "answered", "gte", "lte")
CODE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
OPTION_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# Column names that exports and XLSForm use for themselves.
RESERVED_CODES = {
    "id",
    "territory",
    "territoire",
    "channel",
    "canal",
    "weight",
    "poids",
    "submitted_at",
    "collected_at",
    "receipt_code",
    "structure_version",
    "collector",
    "meta",
    "instanceid",
    "start",
    "end",
    "today",
    "deviceid",
}
MAX_OPTIONS = 100
MAX_ROWS = 50
SCALE_BOUNDS = (-10, 100)
MAX_SCALE_POINTS = 21
MAX_CONDITION_CLAUSES = 10

Action = AuditEvent.Action


class BreakingChangeError(ValidationError):
    """A change refused because it would make answers already received invalid.

    `affected` is the number of answers (respondents) concerned; the view offers a new version.
    """

    def __init__(self, message, *, affected: int):
        super().__init__(message)
        self.affected = affected


# Reading ------------------------------------------------------------------------------------------


def ordered_structure(survey: Survey) -> tuple[list[Section], list[Question]]:
    """Sections and questions in the order a respondent meets them (two queries)."""
    sections = list(survey.sections.order_by("position", "pk"))
    rank = {section.pk: index for index, section in enumerate(sections)}
    questions = sorted(
        survey.questions.select_related("participation__organisation"),
        key=lambda q: (rank.get(q.section_id, 0), q.position, q.pk),
    )
    return sections, questions


def has_answers(survey: Survey) -> bool:
    return Response.objects.filter(survey=survey).exists()


def answer_count(survey: Survey, code: str) -> int:
    return Response.objects.filter(survey=survey, answers__has_key=code).count()


def stored_answers(survey: Survey, code: str, *, deployment: Deployment | None = None) -> Iterator:
    """Every stored answer to one question (decoded JSON values), streamed."""
    responses = Response.objects.filter(survey=survey, answers__has_key=code)
    if deployment is not None:
        responses = responses.filter(deployment=deployment)
    return (
        responses.annotate(value=KeyTransform(code, "answers"))
        .values_list("value", flat=True)
        .iterator(chunk_size=5000)
    )


# Checking one question ----------------------------------------------------------------------------


def parse_coded_lines(text: str, *, what: str) -> list[dict]:
    """`code | libellé | libellé (seconde langue)` per line, as typed in the builder.

    Raises ValidationError naming the line; leaves deeper checks (duplicates…) to check_question."""
    items, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            errors.append(
                _(
                    "Ligne %(line)d : indiquez un code puis le libellé, séparés par « | » (par exemple « a | %(example)s »)."
                )
                % {"line": number, "example": what}
            )
            continue
        if len(parts) > 3:
            errors.append(_("Ligne %(line)d : trois parties au plus (code | libellé | traduction).") % {"line": number})
            continue
        item = {"code": parts[0], "label": parts[1]}
        if len(parts) == 3 and parts[2]:
            item["label_en"] = parts[2]
        items.append(item)
    if errors:
        raise ValidationError(errors)
    return items


def format_coded_lines(items: Iterable[dict]) -> str:
    lines = []
    for item in items:
        parts = [item.get("code", ""), item.get("label", "")]
        if item.get("label_en"):
            parts.append(item["label_en"])
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def _check_coded_items(items, *, field_name: str, noun: str, maximum: int, reserved=()) -> list[str]:
    errors = []
    if len(items) > maximum:
        errors.append(_("%(max)d %(noun)s au plus.") % {"max": maximum, "noun": noun})
    seen = set()
    for index, item in enumerate(items, start=1):
        code = str(item.get("code", "")).strip()
        label = str(item.get("label", "")).strip()
        if not code:
            errors.append(_("%(noun)s n° %(n)d : le code manque.") % {"noun": noun.capitalize(), "n": index})
        elif not OPTION_CODE_PATTERN.match(code) or len(code) > 40:
            errors.append(
                _(
                    "« %(code)s » : un code s'écrit avec des lettres sans accent, des chiffres, « _ » ou « - » (40 caractères au plus)."
                )
                % {"code": code[:50]}
            )
        elif code.lower() in seen:
            errors.append(_("Le code « %(code)s » est utilisé deux fois.") % {"code": code})
        elif code in reserved:
            errors.append(_("Le code « %(code)s » est réservé.") % {"code": code})
        seen.add(code.lower())
        if not label:
            errors.append(_("%(noun)s « %(code)s » : le libellé manque.") % {"noun": noun.capitalize(), "code": code})
        elif len(label) > 300 or len(str(item.get("label_en", ""))) > 300:
            errors.append(
                _("%(noun)s « %(code)s » : 300 caractères au plus.") % {"noun": noun.capitalize(), "code": code}
            )
    return errors


def _choice_filter_errors(question: Question, settings) -> list[str]:
    """A cascading choice (kinds/choice_filter.py): well-formed criteria on a single or multiple
    choice without "other" (the questions it cites are checked with the structure)."""
    criteria = question.choice_filter
    if question.kind not in (Kind.SINGLE, Kind.MULTIPLE):
        return [_("Un filtre de choix ne s'applique qu'aux choix uniques et multiples.")]
    if not isinstance(criteria, list) or len(criteria) != len(choice_filter.normalise(criteria)):
        return [_("Filtre de choix mal formé.")]
    if any(not re.fullmatch(choice_filter.COLUMN, str(c["column"])) for c in criteria):
        return [_("Filtre de choix mal formé.")]
    if question.allow_other:
        return [
            _("« Autre, précisez » ne peut pas accompagner un filtre de choix : la liste filtrée garde ses options.")
        ]
    return []


def check_question(question: Question, *, other_codes: Iterable[str]) -> dict[str, list[str]]:
    """The question's own settings, kind by kind; {field: [messages]} (empty: valid).

    `other_codes` are the codes of the survey's other questions (codes are unique, case aside,
    because SPSS and XLSForm variable names are)."""
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    code = question.code or ""
    if not code:
        add("code", _("Indiquez un code (le nom de la variable dans les exports)."))
    elif len(code) > 60 or not CODE_PATTERN.match(code) or "__" in code:
        add(
            "code",
            _(
                "Le code commence par une lettre, puis des lettres sans accent, des chiffres ou « _ » "
                "(pas de « __ », 60 caractères au plus)."
            ),
        )
    elif code.lower() in RESERVED_CODES:
        add("code", _("« %(code)s » est un nom réservé aux exports ; choisissez-en un autre.") % {"code": code})
    elif code.lower() in {other.lower() for other in other_codes}:
        add("code", _("Le code « %(code)s » est déjà utilisé par une autre question.") % {"code": code})
    kind = kind_of(question.kind)
    if kind is None or question.kind not in Kind.values:
        add("kind", _("Type de question inconnu."))
        return errors
    if not (question.label or "").strip():
        add("label", _("Indiquez l'intitulé de la question."))

    # What applies to a kind is the list of its settings (kinds/): the checks below are per setting.
    settings = kind.settings
    if OPTIONS in settings:
        options = question.options or []
        minimum = 1 if question.allow_other and ALLOW_OTHER in settings else 2
        if len(options) < minimum:
            add("options", _("Indiquez au moins deux options (une ligne « code | libellé » par option)."))
        for message in _check_coded_items(
            options, field_name="options", noun=_("options"), maximum=MAX_OPTIONS, reserved=(OTHER, DONT_KNOW)
        ):
            add("options", message)
    elif question.options:
        question.options = []
    if question.allow_other and ALLOW_OTHER not in settings:
        add("allow_other", _("« Autre, précisez » ne s'applique qu'aux choix uniques et multiples."))
    if question.choice_filter:
        for message in _choice_filter_errors(question, settings):
            add("options", message)
    if question.max_choices is not None:
        if MAX_CHOICES not in settings:
            add("max_choices", _("Le nombre maximal de choix ne s'applique qu'aux choix multiples et classements."))
        else:
            available = len(question.options or []) + (1 if question.allow_other else 0)
            if question.max_choices < 1:
                add("max_choices", _("Le nombre maximal de choix est au moins 1."))
            elif available and question.max_choices > available:
                add(
                    "max_choices",
                    _("Le nombre maximal de choix (%(max)d) dépasse le nombre d'options (%(n)d).")
                    % {"max": question.max_choices, "n": available},
                )

    if SCALE in settings:
        low, high = question.scale_min, question.scale_max
        if low is None or high is None:
            add("scale_max", _("Indiquez le minimum et le maximum de l'échelle (par exemple 1 et 5)."))
        elif low >= high:
            add("scale_max", _("Le maximum de l'échelle doit être supérieur au minimum."))
        elif low < SCALE_BOUNDS[0] or high > SCALE_BOUNDS[1]:
            add(
                "scale_max",
                _("L'échelle va de %(low)d à %(high)d au plus.") % {"low": SCALE_BOUNDS[0], "high": SCALE_BOUNDS[1]},
            )
        elif high - low + 1 > MAX_SCALE_POINTS:
            add("scale_max", _("Une échelle compte %(n)d points au plus.") % {"n": MAX_SCALE_POINTS})
    else:
        if question.scale_min is not None or question.scale_max is not None:
            add("scale_max", _("Le minimum et le maximum d'échelle ne s'appliquent qu'aux échelles et tableaux."))
        if question.allow_dont_know:
            add("allow_dont_know", _("« Ne sait pas » ne s'applique qu'aux échelles et tableaux."))

    if BOUNDS in settings:
        for name in ("min_value", "max_value"):
            value = getattr(question, name)
            if value is not None and (math.isnan(value) or math.isinf(value) or abs(value) > 1e12):
                add(name, _("Indiquez un nombre fini (moins de mille milliards)."))
        if (
            question.min_value is not None
            and question.max_value is not None
            and not errors.get("min_value")
            and not errors.get("max_value")
            and question.min_value >= question.max_value
        ):
            add("max_value", _("La valeur maximale doit être supérieure à la valeur minimale."))
    elif question.min_value is not None or question.max_value is not None:
        add("max_value", _("Les bornes ne s'appliquent qu'aux questions de type nombre."))

    if ROWS in settings:
        rows = question.rows or []
        if not rows:
            add("rows", _("Indiquez au moins une ligne (une ligne « code | libellé » par ligne du tableau)."))
        for message in _check_coded_items(rows, field_name="rows", noun=_("lignes"), maximum=MAX_ROWS):
            add("rows", message)
    elif question.rows:
        add("rows", _("Les lignes ne s'appliquent qu'aux tableaux."))
    if getattr(question, "no_future", False) and NO_FUTURE not in settings:
        add("no_future", _("« Pas de date dans le futur » ne s'applique qu'aux dates."))
    _check_constraint(question, kind, add)
    kind.check(question, add)
    return errors


def _check_constraint(question: Question, kind, add) -> None:
    constraint = question.constraint if isinstance(getattr(question, "constraint", None), dict) else {}
    unknown = set(constraint) - {"pattern", "also", "message"}
    if unknown:
        add("constraint", _("Contrainte inconnue : %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    pattern = constraint.get("pattern")
    if pattern is not None:
        if not kind.free_text:
            add("constraint", _("Une expression régulière ne s'applique qu'aux textes."))
        elif not isinstance(pattern, str) or not pattern or len(pattern) > 500:
            add("constraint", _("L'expression régulière est vide ou trop longue (500 caractères au plus)."))
        else:
            try:
                re.compile(pattern)
            except re.error as error:
                add("constraint", _("Expression régulière invalide : %(error)s.") % {"error": error.msg})
    also = constraint.get("also")
    if also is not None:
        if BOUNDS not in kind.settings:
            add("constraint", _("Les codes acceptés hors bornes ne s'appliquent qu'aux nombres."))
        elif (
            not isinstance(also, list)
            or len(also) > 20
            or not all(
                isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                for value in also
            )
        ):
            add("constraint", _("Les codes acceptés hors bornes sont une liste de 20 nombres au plus."))
    message = constraint.get("message")
    if message is not None and (not isinstance(message, str) or len(message) > 500):
        add("constraint", _("Le message de la contrainte est un texte de 500 caractères au plus."))


def answer_codes(question: Question) -> list | None:
    """The codes a condition may test for this question (None: any value, e.g. neighbourhoods)."""
    kind = kind_of(question.kind)
    return kind.answer_codes(question) if kind is not None else None


# Conditions -----------------------------------------------------------------------------------------


def clauses_of(condition) -> list[dict]:
    """The criteria of a condition, whether all ("all") or one of them ("any") must match."""
    if not isinstance(condition, dict):
        return []
    clauses = condition.get("all", condition.get("any", []))
    return clauses if isinstance(clauses, list) else []


def normalise_condition(condition) -> dict:
    """The stored form of a condition ({} for none); raises ValidationError on a malformed one."""
    if not condition:
        return {}
    key = "any" if isinstance(condition, dict) and "any" in condition and "all" not in condition else "all"
    if not isinstance(condition, dict) or not isinstance(condition.get(key), list):
        raise ValidationError(_("Condition d'affichage mal formée."))
    clauses = []
    for clause in condition[key]:
        if not isinstance(clause, dict) or not isinstance(clause.get("question"), str):
            raise ValidationError(_("Condition d'affichage mal formée."))
        op = clause.get("op")
        if op not in CONDITION_OPERATORS:
            raise ValidationError(_("Opérateur de condition inconnu : %(op)s.") % {"op": str(op)[:20]})
        values = clause.get("values") or []
        if not isinstance(values, list):
            values = [values]
        values = [
            value if isinstance(value, int | float) and not isinstance(value, bool) else str(value).strip()
            for value in values
        ]
        values = [value for value in values if value != ""]
        if op in ("gte", "lte"):
            values = [_as_number(value) for value in values]
        clauses.append({"question": clause["question"], "op": op, "values": [] if op == "answered" else values})
    if len(clauses) > MAX_CONDITION_CLAUSES:
        raise ValidationError(_("Une condition compte %(n)d critères au plus.") % {"n": MAX_CONDITION_CLAUSES})
    return {key: clauses} if clauses else {}


def _as_number(value):
    """A number typed in a condition ("2", "2.5"), stored as a number; anything else as typed."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    if math.isnan(number) or math.isinf(number):
        return value
    return int(number) if number.is_integer() else number


def _kind_is(question: Question, trait: str) -> bool:
    kind = kind_of(question.kind)
    return kind is not None and getattr(kind, trait)


def _clause_errors(clause: dict, target: Question, subject: str) -> list[str]:
    op, values = clause["op"], clause["values"]
    label = {"subject": subject, "code": target.code}
    if op == "answered":
        return []
    if op in ("gte", "lte"):
        if not _kind_is(target, "numeric"):
            return [
                _(
                    "%(subject)s : « au moins » et « au plus » ne s'appliquent qu'aux échelles et nombres (« %(code)s »)."
                )
                % label
            ]
        if len(values) != 1:
            return [_("%(subject)s : indiquez une seule valeur pour « %(code)s ».") % label]
        try:
            number = float(values[0])
        except (TypeError, ValueError):
            return [_("%(subject)s : la valeur comparée à « %(code)s » doit être un nombre.") % label]
        if math.isnan(number) or math.isinf(number):
            return [_("%(subject)s : la valeur comparée à « %(code)s » doit être un nombre.") % label]
        clause["values"] = [int(number) if number.is_integer() else number]
        return []
    # in / not_in
    if not _kind_is(target, "coded"):
        return [
            _(
                "%(subject)s : « est parmi » ne s'applique qu'aux questions à choix, échelles, quartier, âge ou genre (« %(code)s »)."
            )
            % label
        ]
    if not values:
        return [_("%(subject)s : choisissez au moins une réponse de « %(code)s ».") % label]
    codes = answer_codes(target)
    clause["values"] = [str(value) for value in values]
    if codes is not None:
        unknown = [value for value in clause["values"] if value not in codes]
        if unknown:
            return [
                _("%(subject)s : « %(code)s » n'a pas de réponse %(values)s (réponses possibles : %(codes)s).")
                % {
                    **label,
                    "values": ", ".join(f"« {value[:40]} »" for value in unknown[:5]),
                    "codes": ", ".join(codes),
                }
            ]
    return []


def structure_errors(sections: list[Section], questions: list[Question]) -> list[str]:
    """Conditions across the questionnaire: each may test only questions shown before it (which
    also rules out cycles), with operators and values that fit the tested question; a question
    asked in every territory may not depend on one territory's own question."""
    errors = []
    section_rank = {section.pk: index for index, section in enumerate(sections)}
    position = {}
    for index, question in enumerate(questions):
        position[question.code] = (index, section_rank.get(question.section_id, 0), question)
    first_index_of_section = {}
    for index, question in enumerate(questions):
        first_index_of_section.setdefault(section_rank.get(question.section_id, 0), index)

    def check(condition, *, subject, before_index, before_section, participation_id, own_code=None):
        for clause in clauses_of(condition):
            code = clause["question"]
            found = position.get(code)
            if found is None:
                errors.append(
                    _("%(subject)s dépend de la question « %(code)s », qui n'existe pas.")
                    % {"subject": subject, "code": code}
                )
                continue
            index, rank, target = found
            if code == own_code:
                errors.append(_("%(subject)s ne peut pas dépendre d'elle-même.") % {"subject": subject})
            elif before_section is not None and rank >= before_section:
                errors.append(
                    _(
                        "%(subject)s ne peut dépendre que d'une question d'une section précédente (« %(code)s » n'en est pas)."
                    )
                    % {"subject": subject, "code": code}
                )
            elif before_index is not None and index >= before_index:
                errors.append(
                    _(
                        "%(subject)s dépend de « %(code)s », qui vient après elle : une condition ne porte que sur une question posée avant."
                    )
                    % {"subject": subject, "code": code}
                )
            elif target.participation_id is not None and target.participation_id != participation_id:
                errors.append(
                    _("%(subject)s ne peut pas dépendre de « %(code)s », question propre à un seul territoire.")
                    % {"subject": subject, "code": code}
                )
            else:
                errors.extend(_clause_errors(clause, target, subject))

    for section in sections:
        check(
            section.condition,
            subject=_("La section « %(title)s »") % {"title": section.title},
            before_index=None,
            before_section=section_rank[section.pk],
            participation_id=None,
        )
    for index, question in enumerate(questions):
        # A cascading choice reads earlier answers as a condition does (kinds/choice_filter.py).
        filter_criteria = [
            {"question": q, "op": "answered", "values": []}
            for q, _c, _o in choice_filter.normalise(question.choice_filter)
        ]
        if filter_criteria:
            check(
                {"all": filter_criteria},
                subject=_("Le filtre des choix de « %(code)s »") % {"code": question.code},
                before_index=index,
                before_section=None,
                participation_id=question.participation_id,
                own_code=question.code,
            )
        check(
            question.condition,
            subject=_("La question « %(code)s »") % {"code": question.code},
            before_index=index,
            before_section=None,
            participation_id=question.participation_id,
            own_code=question.code,
        )
    return errors


def _check_structure(survey: Survey) -> None:
    errors = structure_errors(*ordered_structure(survey))
    if errors:
        raise ValidationError(errors)


def _bump(survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk).update(structure_version=F("structure_version") + 1, updated_at=timezone.now())
    survey.refresh_from_db(fields=["structure_version", "updated_at"])
    survey_id = survey.pk
    transaction.on_commit(lambda: _refresh_analytics(survey_id))


def _refresh_analytics(survey_id: int) -> None:
    """Dashboards are computed from arrays kept per structure version: rebuild them in the
    background after a change, so that the next dashboard request does not decode every answer."""
    if not Response.objects.filter(survey_id=survey_id).exists():
        return
    try:
        from territoires.surveys.analytics.tasks import refresh_survey_arrays
    except ImportError:  # the analytics part of the module is optional for the builder
        return
    refresh_survey_arrays.enqueue(survey_id)


# Breaking changes -------------------------------------------------------------------------------------


@dataclass
class Impact:
    affected: int = 0
    reasons: list[str] = field(default_factory=list)


def _count(values: Iterable, predicate) -> int:
    return sum(1 for value in values if predicate(value))


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _outside(low, high, allow_dont_know):
    def predicate(value):
        if value == DONT_KNOW:
            return not allow_dont_know
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        return (low is not None and value < low) or (high is not None and value > high)

    return predicate


def change_impact(old: Question, new: Question, survey: Survey) -> Impact:
    """How many stored answers the change from `old` to `new` would make invalid, and why."""
    impact = Impact()
    if not Response.objects.filter(survey=survey, answers__has_key=old.code).exists():
        return impact
    if old.code != new.code:
        impact.reasons.append(
            _("changement de code de « %(old)s » en « %(new)s »") % {"old": old.code, "new": new.code}
        )
    if old.kind != new.kind:
        impact.reasons.append(
            _("changement de type (%(old)s → %(new)s)") % {"old": Kind(old.kind).label, "new": Kind(new.kind).label}
        )
    if impact.reasons:
        impact.affected = answer_count(survey, old.code)
        return impact
    kind = kind_of(old.kind)
    settings = kind.settings if kind is not None else frozenset()
    predicates = []
    if OPTIONS in settings:
        removed = {option["code"] for option in old.options} - {option["code"] for option in new.options}
        if old.allow_other and not new.allow_other:
            removed.add(OTHER)
        if OTHER in removed:
            impact.reasons.append(_("retrait de « Autre, précisez »"))
        if removed - {OTHER}:
            impact.reasons.append(
                _("suppression des options %(codes)s")
                % {"codes": ", ".join(f"«\u00a0{code}\u00a0»" for code in sorted(removed - {OTHER}))}
            )
        if removed:
            predicates.append(lambda value, removed=removed: bool(set(map(str, _as_list(value))) & removed))
        if MAX_CHOICES in settings and new.max_choices and (old.max_choices or 10**6) > new.max_choices:
            impact.reasons.append(_("nombre maximal de choix ramené à %(n)d") % {"n": new.max_choices})
            predicates.append(lambda value, limit=new.max_choices: len(_as_list(value)) > limit)
    if SCALE in settings and (
        (new.scale_min or 0) > (old.scale_min or 0)
        or (new.scale_max or 0) < (old.scale_max or 0)
        or (old.allow_dont_know and not new.allow_dont_know)
    ):
        impact.reasons.append(_("échelle réduite"))
        outside = _outside(new.scale_min, new.scale_max, new.allow_dont_know)
        if ROWS not in settings:
            predicates.append(outside)
        else:
            predicates.append(lambda value: isinstance(value, dict) and any(outside(v) for v in value.values()))
    if ROWS in settings:
        removed_rows = {row["code"] for row in old.rows} - {row["code"] for row in new.rows}
        if removed_rows:
            impact.reasons.append(
                _("suppression des lignes %(codes)s")
                % {"codes": ", ".join(f"«\u00a0{code}\u00a0»" for code in sorted(removed_rows))}
            )
            predicates.append(
                lambda value, removed=removed_rows: isinstance(value, dict) and bool(set(value) & removed)
            )
    if BOUNDS in settings and (
        (new.min_value is not None and (old.min_value is None or new.min_value > old.min_value))
        or (new.max_value is not None and (old.max_value is None or new.max_value < old.max_value))
    ):
        impact.reasons.append(_("bornes resserrées"))
        predicates.append(_outside(new.min_value, new.max_value, False))
    if NO_FUTURE in settings and new.no_future and not old.no_future:
        today = timezone.localdate().isoformat()
        impact.reasons.append(_("dates dans le futur refusées"))
        predicates.append(lambda value, today=today: isinstance(value, str) and value[:10] > today)
    if predicates:
        impact.affected = _count(stored_answers(survey, old.code), lambda value: any(p(value) for p in predicates))
        if not impact.affected:
            impact.reasons = []
    return impact


def _refuse_breaking(impact: Impact, *, action: str) -> None:
    if impact.affected:
        message = ngettext(
            "%(action)s rendrait invalide %(n)s réponse déjà reçue (%(reasons)s). Pour la faire, créez une "
            "nouvelle version du questionnaire : les réponses reçues restent attachées à la version actuelle.",
            "%(action)s rendrait invalides %(n)s réponses déjà reçues (%(reasons)s). Pour la faire, créez une "
            "nouvelle version du questionnaire : les réponses reçues restent attachées à la version actuelle.",
            impact.affected,
        ) % {
            "action": action,
            "n": number_format(impact.affected, force_grouping=True),
            "reasons": " ; ".join(impact.reasons),
        }
        raise BreakingChangeError(message, affected=impact.affected)


# Surveys ---------------------------------------------------------------------------------------------


def _active_participations(project) -> list[Participation]:
    return list(Participation.objects.filter(project=project).active_participants().select_related("organisation"))


@transaction.atomic
def survey_create(
    *, project, user, title: str, title_en: str = "", second_language: str = "", introduction: str = ""
) -> Survey:
    """A draft questionnaire with a first section, deployed in each active participating territory."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Indiquez le titre de l'enquête.")})
    survey = Survey.objects.create(
        project=project,
        title=title[:200],
        title_en=(title_en or "")[:200],
        second_language=second_language or "",
        introduction=introduction or "",
        created_by=user if user is not None and user.is_authenticated else None,
    )
    Section.objects.create(survey=survey, position=0, title=_("Première partie"))
    for participation in _active_participations(project):
        Deployment.objects.create(survey=survey, participation=participation)
    audit_log(actor=user, action=Action.SURVEY_CREATED, target=survey, project_id=project.pk)
    return survey


SURVEY_SETTINGS = ("title", "title_en", "introduction", "introduction_en", "thanks_message", "second_language")


@transaction.atomic
def survey_update(*, survey: Survey, user, **values) -> Survey:
    """Titles, introduction, thanks message and second language (no answer depends on them)."""
    for name, value in values.items():
        if name not in SURVEY_SETTINGS:
            raise TypeError(name)
        setattr(survey, name, value or "")
    if not survey.title.strip():
        raise ValidationError({"title": _("Indiquez le titre de l'enquête.")})
    survey.full_clean(exclude=["project", "created_by", "previous_version"])
    survey.save()
    _bump(survey)
    return survey


def survey_deploy_missing(*, survey: Survey) -> list[Deployment]:
    """Deploy in participating territories that joined after the survey was created."""
    deployed = set(survey.deployments.values_list("participation_id", flat=True))
    return [
        Deployment.objects.create(survey=survey, participation=participation)
        for participation in _active_participations(survey.project)
        if participation.pk not in deployed
    ]


@transaction.atomic
def survey_publish(*, survey: Survey, user) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.DRAFT:
        raise ValidationError(_("Seul un brouillon peut être publié."))
    sections, questions = ordered_structure(survey)
    if not questions:
        raise ValidationError(_("Ajoutez au moins une question avant de publier l'enquête."))
    errors = []
    codes = [q.code for q in questions]
    for question in questions:
        problems = check_question(question, other_codes=[c for c in codes if c != question.code])
        errors.extend(f"« {question.code} » : {message}" for messages in problems.values() for message in messages)
    errors.extend(structure_errors(sections, questions))
    if errors:
        raise ValidationError(errors)
    survey_deploy_missing(survey=survey)
    if not survey.deployments.exists():
        raise ValidationError(_("Aucun territoire participant : l'enquête ne peut être déployée nulle part."))
    survey.status = Survey.Status.PUBLISHED
    survey.published_at = timezone.now()
    survey.closed_at = None
    survey.save(update_fields=["status", "published_at", "closed_at", "updated_at"])
    # A new version replaces the previous one: residents follow one link per territory.
    previous = survey.previous_version
    if previous is not None and previous.status == Survey.Status.PUBLISHED:
        survey_close(survey=previous, user=user)
    audit_log(actor=user, action=Action.SURVEY_PUBLISHED, target=survey, project_id=survey.project_id)
    return survey


@transaction.atomic
def survey_close(*, survey: Survey, user) -> Survey:
    if survey.status != Survey.Status.PUBLISHED:
        raise ValidationError(_("Seule une enquête en cours de collecte peut être close."))
    survey.status = Survey.Status.CLOSED
    survey.closed_at = timezone.now()
    survey.save(update_fields=["status", "closed_at", "updated_at"])
    audit_log(actor=user, action=Action.SURVEY_CLOSED, target=survey, project_id=survey.project_id)
    return survey


@transaction.atomic
def survey_reopen(*, survey: Survey, user) -> Survey:
    if survey.status != Survey.Status.CLOSED:
        raise ValidationError(_("Seule une enquête close peut être rouverte."))
    if survey.next_versions.exclude(status=Survey.Status.DRAFT).exists():
        raise ValidationError(
            _("Une version plus récente de ce questionnaire est déjà publiée : rouvrez plutôt celle-ci.")
        )
    survey.status = Survey.Status.PUBLISHED
    survey.closed_at = None
    survey.save(update_fields=["status", "closed_at", "updated_at"])
    audit_log(actor=user, action=Action.SURVEY_REOPENED, target=survey, project_id=survey.project_id)
    return survey


@transaction.atomic
def survey_delete(*, survey: Survey, user) -> None:
    """A draft that never received an answer (a false start, a mistaken import) can go."""
    if survey.status != Survey.Status.DRAFT:
        raise ValidationError(_("Seul un brouillon peut être supprimé ; une enquête publiée se clôt."))
    if has_answers(survey):
        raise ValidationError(_("Ce brouillon a déjà des réponses : il ne peut pas être supprimé."))
    survey.delete()


@transaction.atomic
def survey_new_version(*, survey: Survey, user) -> Survey:
    """A draft copy of the questionnaire (sections, questions, deployments with their neighbourhoods,
    collectors and census margins), linked to it by `previous_version`. Answers stay with the old one."""
    if survey.next_versions.filter(status=Survey.Status.DRAFT).exists():
        raise ValidationError(_("Une nouvelle version de ce questionnaire est déjà en préparation."))
    copy = Survey.objects.create(
        project=survey.project,
        title=survey.title,
        title_en=survey.title_en,
        introduction=survey.introduction,
        introduction_en=survey.introduction_en,
        thanks_message=survey.thanks_message,
        second_language=survey.second_language,
        previous_version=survey,
        non_audience_question_code=survey.non_audience_question_code,
        non_audience_option_codes=survey.non_audience_option_codes,
        weight_trim_min=survey.weight_trim_min,
        weight_trim_max=survey.weight_trim_max,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    sections, questions = ordered_structure(survey)
    new_sections = {}
    for section in sections:
        old_pk = section.pk
        section.pk = None
        section.survey = copy
        section.save()
        new_sections[old_pk] = section
    for question in questions:
        question.pk = None
        question.survey = copy
        question.section = new_sections[question.section_id]
    Question.objects.bulk_create(questions)
    for deployment in survey.deployments.prefetch_related("collectors", "population_cells"):
        new = Deployment.objects.create(
            survey=copy, participation_id=deployment.participation_id, neighbourhoods=deployment.neighbourhoods
        )
        Collector.objects.bulk_create(
            Collector(deployment=new, user_id=c.user_id, added_by_id=c.added_by_id) for c in deployment.collectors.all()
        )
        PopulationCell.objects.bulk_create(
            PopulationCell(
                deployment=new,
                age_band=p.age_band,
                gender=p.gender,
                population=p.population,
                source=p.source,
                year=p.year,
            )
            for p in deployment.population_cells.all()
        )
    survey_deploy_missing(survey=copy)
    audit_log(actor=user, action=Action.SURVEY_NEW_VERSION, target=copy, project_id=survey.project_id)
    return copy


# Sections ---------------------------------------------------------------------------------------------


@transaction.atomic
def section_save(
    *,
    survey: Survey,
    user,
    title: str,
    title_en: str = "",
    description: str = "",
    description_en: str = "",
    condition=None,
    section: Section | None = None,
) -> Section:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Indiquez le titre de la section.")})
    if section is None:
        last = survey.sections.aggregate(last=Max("position"))["last"]
        section = Section(survey=survey, position=0 if last is None else last + 1)
    elif section.survey_id != survey.pk:
        raise ValidationError(_("Cette section n'appartient pas à cette enquête."))
    section.title = title[:200]
    section.title_en = (title_en or "")[:200]
    section.description = description or ""
    section.description_en = description_en or ""
    section.condition = normalise_condition(condition)
    section.save()
    _check_structure(survey)
    _bump(survey)
    return section


@transaction.atomic
def section_delete(*, section: Section, user) -> None:
    survey = section.survey
    if survey.sections.count() <= 1:
        raise ValidationError(_("Un questionnaire garde au moins une section."))
    questions = list(section.questions.all())
    impact = Impact()
    for question in questions:
        count = answer_count(survey, question.code)
        if count:
            impact.affected = max(impact.affected, count)
            impact.reasons.append(_("réponses à « %(code)s »") % {"code": question.code})
    _refuse_breaking(impact, action=_("Supprimer cette section"))
    _refuse_if_needed(survey, {q.code for q in questions}, exclude_section=section.pk)
    section.delete()
    _renumber_sections(survey)
    _check_structure(survey)
    _bump(survey)


def _renumber_sections(survey: Survey) -> None:
    sections = list(survey.sections.order_by("position", "pk"))
    for index, section in enumerate(sections):
        section.position = index
    Section.objects.bulk_update(sections, ["position"])


@transaction.atomic
def section_move(*, section: Section, direction: str, user) -> None:
    survey = section.survey
    sections = list(survey.sections.order_by("position", "pk"))
    index = next(i for i, s in enumerate(sections) if s.pk == section.pk)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(sections):
        raise ValidationError(_("Cette section ne peut pas aller plus loin."))
    sections[index], sections[target] = sections[target], sections[index]
    for position, item in enumerate(sections):
        item.position = position
    Section.objects.bulk_update(sections, ["position"])
    _check_structure(survey)
    _bump(survey)


# Questions ----------------------------------------------------------------------------------------------

QUESTION_FIELDS = (
    "code",
    "kind",
    "label",
    "label_en",
    "help_text",
    "help_text_en",
    "required",
    "options",
    "allow_other",
    "max_choices",
    "scale_min",
    "scale_max",
    "allow_dont_know",
    "min_value",
    "max_value",
    "rows",
    "no_future",
    "constraint",
    "condition",
)


def _dependents(survey: Survey, codes: set[str], *, exclude_section=None, exclude_question=None) -> list[str]:
    """Questions and sections whose condition tests one of `codes`."""
    names = []
    for section in survey.sections.exclude(pk=exclude_section):
        if any(clause.get("question") in codes for clause in clauses_of(section.condition)):
            names.append(_("la section « %(title)s »") % {"title": section.title})
    for question in survey.questions.exclude(pk=exclude_question).exclude(section_id=exclude_section):
        if question.code in codes:
            continue
        if any(clause.get("question") in codes for clause in clauses_of(question.condition)) or any(
            criterion[0] in codes for criterion in choice_filter.normalise(question.choice_filter)
        ):
            names.append(_("la question « %(code)s »") % {"code": question.code})
    return names


def _refuse_if_needed(survey: Survey, codes: set[str], **exclude) -> None:
    dependents = _dependents(survey, codes, **exclude)
    if dependents:
        raise ValidationError(
            _("%(names)s dépend de cette question : modifiez d'abord sa condition d'affichage.")
            % {"names": ", ".join(dependents).capitalize()}
        )
    if survey.non_audience_question_code in codes:
        raise ValidationError(_("Cette question sert à l'indicateur des non-publics : changez d'abord sa définition."))


def _rename_references(survey: Survey, old: str, new: str) -> None:
    """A question's code changed (no answers yet): conditions that test it follow."""
    for model in (Section, Question):
        changed = []
        for item in model.objects.filter(survey=survey):
            clauses = clauses_of(item.condition)
            if any(clause.get("question") == old for clause in clauses):
                for clause in clauses:
                    if clause.get("question") == old:
                        clause["question"] = new
                changed.append(item)
        model.objects.bulk_update(changed, ["condition"])
    filtered = []
    for question in Question.objects.filter(survey=survey).exclude(choice_filter=[]):
        if any(criterion.get("question") == old for criterion in question.choice_filter):
            question.choice_filter = [
                {**c, "question": new if c.get("question") == old else c.get("question")}
                for c in question.choice_filter
            ]
            filtered.append(question)
    Question.objects.bulk_update(filtered, ["choice_filter"])
    if survey.non_audience_question_code == old:
        Survey.objects.filter(pk=survey.pk).update(non_audience_question_code=new)
        survey.non_audience_question_code = new


@transaction.atomic
def question_save(
    *,
    survey: Survey,
    section: Section,
    user,
    values: dict,
    question: Question | None = None,
    participation: Participation | None = None,
) -> Question:
    """Create or change a question. `participation`: a territory's own question (new ones only).

    Raises ValidationError {field: messages} for the question's settings, a plain one for its
    condition, and BreakingChangeError when answers already received would no longer fit."""
    if section.survey_id != survey.pk:
        raise ValidationError({"section": _("Cette section n'appartient pas à cette enquête.")})
    unknown = set(values) - set(QUESTION_FIELDS)
    if unknown:
        raise TypeError(sorted(unknown))
    creating = question is None
    old = None
    if creating:
        last = section.questions.aggregate(last=Max("position"))["last"]
        question = Question(
            survey=survey, section=section, position=0 if last is None else last + 1, participation=participation
        )
    else:
        if question.survey_id != survey.pk:
            raise ValidationError(_("Cette question n'appartient pas à cette enquête."))
        old = Question.objects.get(pk=question.pk)
        if section.pk != old.section_id:
            last = section.questions.aggregate(last=Max("position"))["last"]
            question.position = 0 if last is None else last + 1
        question.section = section
    for name, value in values.items():
        if name == "condition":
            value = normalise_condition(value)
        elif name in ("label", "label_en", "code"):
            value = (value or "").strip()
        elif name in ("help_text", "help_text_en"):
            value = value or ""
        elif name in ("options", "rows"):
            value = [
                {k: str(v).strip() for k, v in item.items() if k in ("code", "label", "label_en")}
                for item in value or []
            ]
        setattr(question, name, value)
    kind = kind_of(question.kind)
    if kind is not None and OPTIONS not in kind.settings:
        question.options = []
        question.choice_filter = []
    if question.choice_filter and old is not None and "options" in values:
        # The builder edits codes and labels: an option kept keeps its filter cells.
        cells = {o.get("code"): o.get("filters") for o in old.options or [] if isinstance(o, dict)}
        for option in question.options:
            if isinstance(cells.get(option["code"]), dict):
                option["filters"] = cells[option["code"]]
    other_codes = survey.questions.exclude(pk=question.pk).values_list("code", flat=True)
    errors = check_question(question, other_codes=list(other_codes))
    if errors:
        raise ValidationError(errors)
    if old is not None:
        _refuse_breaking(change_impact(old, question, survey), action=_("Cette modification"))
        if old.code != question.code:
            _rename_references(survey, old.code, question.code)
    try:
        with transaction.atomic():
            question.save()
    except IntegrityError as error:
        # Two people saving the same code at the same moment: the database keeps codes unique.
        raise ValidationError(
            {"code": _("Le code « %(code)s » est déjà utilisé par une autre question.") % {"code": question.code}}
        ) from error
    _check_structure(survey)
    _bump(survey)
    return question


@transaction.atomic
def question_delete(*, question: Question, user) -> None:
    survey = question.survey
    count = answer_count(survey, question.code)
    _refuse_breaking(
        Impact(count, [_("réponses à « %(code)s »") % {"code": question.code}] if count else []),
        action=_("Supprimer cette question"),
    )
    _refuse_if_needed(survey, {question.code}, exclude_question=question.pk)
    question.delete()
    _check_structure(survey)
    _bump(survey)


@transaction.atomic
def question_move(*, question: Question, direction: str, user) -> None:
    """One step up or down; past the first or last question of its section, into the section before
    or after. Refused when a condition would then test a question shown after it."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Direction inconnue."))
    survey = question.survey
    sections, questions = ordered_structure(survey)
    by_section = {section.pk: [q for q in questions if q.section_id == section.pk] for section in sections}
    section_index = next(i for i, s in enumerate(sections) if s.pk == question.section_id)
    siblings = by_section[question.section_id]
    index = next(i for i, q in enumerate(siblings) if q.pk == question.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    else:
        next_section = section_index - 1 if direction == "up" else section_index + 1
        if not 0 <= next_section < len(sections):
            raise ValidationError(_("Cette question ne peut pas aller plus loin."))
        siblings.pop(index)
        destination = sections[next_section]
        question.section = destination
        if direction == "up":
            by_section[destination.pk].append(question)
        else:
            by_section[destination.pk].insert(0, question)
    changed = []
    for items in by_section.values():
        for position, item in enumerate(items):
            item.position = position
            changed.append(item)
    Question.objects.bulk_update(changed, ["position", "section"])
    _check_structure(survey)
    _bump(survey)


# Deployments -------------------------------------------------------------------------------------------


@transaction.atomic
def deployment_update(
    *, deployment: Deployment, user, neighbourhoods: list[dict] | None = None, is_open: bool | None = None
) -> Deployment:
    """A territory's neighbourhood list and whether it collects answers."""
    if neighbourhoods is not None:
        errors = _check_coded_items(neighbourhoods, field_name="neighbourhoods", noun=_("quartiers"), maximum=200)
        if errors:
            raise ValidationError({"neighbourhoods": errors})
        removed = {n["code"] for n in deployment.neighbourhoods} - {n["code"] for n in neighbourhoods}
        if removed:
            codes = deployment.survey.questions.filter(kind=Kind.NEIGHBOURHOOD).values_list("code", flat=True)
            cited = Counter(
                value
                for code in codes
                for value in stored_answers(deployment.survey, code, deployment=deployment)
                if value in removed
            )
            affected = sum(cited.values())
            if affected:
                raise ValidationError(
                    {
                        "neighbourhoods": ngettext(
                            "%(n)d réponse reçue cite un quartier que vous retirez (%(codes)s) : gardez-le dans la liste.",
                            "%(n)d réponses reçues citent des quartiers que vous retirez (%(codes)s) : gardez-les dans la liste.",
                            affected,
                        )
                        % {"n": affected, "codes": ", ".join(sorted(cited))}
                    }
                )
        deployment.neighbourhoods = [
            {k: str(v).strip() for k, v in item.items() if k in ("code", "label", "label_en")}
            for item in neighbourhoods
        ]
    if is_open is not None:
        deployment.is_open = is_open
    deployment.save()
    return deployment


def collector_candidates(deployment: Deployment):
    """Members of the territory's organisation who are not collecting yet."""
    from territoires.accounts.models import User

    return (
        User.objects.filter(memberships__organisation_id=deployment.participation.organisation_id, is_active=True)
        .exclude(survey_collections__deployment=deployment)
        .order_by("last_name", "first_name", "email")
        .distinct()
    )


@transaction.atomic
def collector_add(*, deployment: Deployment, member, user) -> Collector:
    if not collector_candidates(deployment).filter(pk=member.pk).exists():
        if Collector.objects.filter(deployment=deployment, user=member).exists():
            raise ValidationError(_("Cette personne fait déjà partie du groupe d'enquête."))
        raise ValidationError(_("Seuls les membres de la collectivité peuvent rejoindre son groupe d'enquête."))
    return Collector.objects.create(deployment=deployment, user=member, added_by=user)


def collector_remove(*, deployment: Deployment, collector_id: int | None, user) -> bool:
    deleted, _details = Collector.objects.filter(deployment=deployment, pk=collector_id).delete()
    return bool(deleted)
