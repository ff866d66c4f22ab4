"""A respondent's pass through a questionnaire: the questionnaire run.

One object owns what the three channels share — the questions asked in a territory, which of them
and which pages are visible given the answers so far, validation, and the submission — so that the
views (views/collect.py) only turn HTTP into calls of a run and its results into pages:

- **online** (a resident, one page per section): `start()`, then for each page sent back
  `resume(state, page=…)` and `answer(form)`, which gives the page to show (the same one with its
  errors, or the next visible one) or None when the questionnaire is complete; then `submit()`.
  Between two pages the run lives in `state`, a token signed by the server (idempotency key,
  answers so far, link): a respondent cannot forge it, nor carry it to another territory's link.
- **field** (a survey group member's device): the device runs the pages itself, on the schema's
  JSON (static/surveys/collect-field.js) and sends the whole run: `from_device(payload)`, then
  `submit(collector=…)`.
- **paper** (an agent types a sheet in): the whole questionnaire on one page; `take_sheet(form)`
  gives every problem of the sheet at once, `fingerprint()` tells a sheet typed twice, `submit()`.

Every channel stores through `collection.response_submit`, once per idempotency key.

The field submission is the platform's hottest write (`make bench ONLY=surveys.submission`): a run
built from a device's payload compiles nothing and evaluates no visibility before `submit`, which
hands the answers to `response_submit` as the view used to. What a page needs (visible questions,
sections) is computed on demand and kept until the answers change.
"""

import datetime
import hashlib
import json
import uuid
from dataclasses import dataclass, field

from django.core import signing
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from territoires.surveys.collection import (
    Submission,
    SubmissionRefused,
    response_submit,
    sheet_number_check,
)
from territoires.surveys.kinds.widgets import fill_references, neighbourhood_options, pick
from territoires.surveys.models import Response
from territoires.surveys.schema import (
    AnswersInvalid,
    CompiledQuestion,
    CompiledSection,
    SurveySchema,
    answers_validate,
    schema_for,
)

STATE_SALT = "surveys.answer.state"
STATE_MAX_AGE = 2 * 24 * 3600  # a questionnaire left open two days starts over
# Read once: an enum attribute costs a few tenths of a microsecond, and a device's run reads them
# on the platform's hottest write. The channels a device may send: the online channel is the
# resident's pages only.
ONLINE, FIELD, PAPER = Response.Channel.ONLINE, Response.Channel.FIELD, Response.Channel.PAPER
DEVICE_CHANNELS = (FIELD, PAPER)


class RunStateInvalid(Exception):
    """The state sent back with a page is forged, expired, or made for another link."""


def state_expired_message() -> str:
    return _("Ce formulaire a expiré ou a été modifié. Vos réponses n'ont pas été enregistrées : recommencez.")


@dataclass(frozen=True, slots=True)
class RunPage:
    """One page of the online questionnaire as the run decides it."""

    index: int  # the section's index in the schema
    section: CompiledSection
    questions: list  # the section's questions asked here, visible or not (the script shows them)
    visible_codes: set
    number: int  # its position among the visible pages, from 1
    count: int
    is_first: bool
    is_last: bool
    errors: dict = field(default_factory=dict)
    notice: str = ""


class QuestionnaireRun:
    """One respondent's pass through the questionnaire of one deployment (see the module doc)."""

    __slots__ = (
        "deployment",
        "language",
        "answers",
        "key",
        "index",
        "channel",
        "collected_at",
        "sheet_number",
        "_schema",
        "_visible",
    )

    def __init__(self, deployment, *, language: str = "fr", answers=None, key=None, channel: str = ONLINE):
        self.deployment = deployment
        self.language = language
        self.answers = {} if answers is None else answers
        self.key = key
        self.index: int | None = None
        self.channel = channel
        self.collected_at: datetime.datetime | None = None
        self.sheet_number = ""
        self._schema: SurveySchema | None = None
        self._visible: list | None = None

    # --- the questionnaire as this territory asks it ------------------------------------------------

    @property
    def schema(self) -> SurveySchema:
        if self._schema is None:
            self._schema = schema_for(self.deployment.survey)
        return self._schema

    @property
    def has_neighbourhoods(self) -> bool:
        return bool(neighbourhood_options(self.deployment))

    @property
    def questions(self) -> list[CompiledQuestion]:
        """The questions asked in this territory: the common ones and its own, those that need a
        list of neighbourhoods only where it has one."""
        questions = self.schema.questions_for(self.deployment.participation_id)
        if not self.has_neighbourhoods:
            questions = [q for q in questions if not q.needs_neighbourhoods]
        return questions

    def _answers_changed(self) -> None:
        self._visible = None

    def visible_questions(self) -> list[CompiledQuestion]:
        """The questions to ask given the answers so far (schema.visible_questions), kept until
        the answers change."""
        if self._visible is None:
            self._visible = self.schema.visible_questions(
                self.answers,
                participation_id=self.deployment.participation_id,
                has_neighbourhoods=self.has_neighbourhoods,
            )
        return self._visible

    def visible_section_indexes(self) -> list[int]:
        """The pages that have a visible question given the answers so far, in order."""
        shown = {question.section_index for question in self.visible_questions()}
        return [section.index for section in self.schema.sections if section.index in shown]

    def first_index(self) -> int | None:
        """The first page of a respondent who has answered nothing; None: nothing to ask."""
        if self.answers:
            visible = self.schema.visible_questions(
                {}, participation_id=self.deployment.participation_id, has_neighbourhoods=self.has_neighbourhoods
            )
        else:
            visible = self.visible_questions()
        return min((q.section_index for q in visible), default=None)

    def _neighbour(self, index: int, *, step: int) -> int | None:
        """The visible page after (step 1) or before (step -1) `index`, or None."""
        indexes = self.visible_section_indexes()
        candidates = [i for i in indexes if (i > index if step > 0 else i < index)]
        if not candidates:
            return None
        return candidates[0] if step > 0 else candidates[-1]

    # --- online: page by page ------------------------------------------------------------------------

    def start(self) -> RunPage | None:
        """A new pass: a new idempotency key, no answers, the first page (None: nothing to ask)."""
        self.answers, self.key = {}, str(uuid.uuid4())
        self._answers_changed()
        self.index = self.first_index()
        return None if self.index is None else self.page()

    @property
    def state(self) -> str:
        """The run between two pages, signed: only this server can have made it."""
        payload = {"k": self.key, "a": self.answers, "d": self.deployment.pk}
        return signing.dumps(payload, salt=STATE_SALT, compress=True)

    def resume(self, state: str, *, page=None) -> None:
        """Take up the run from the state a page sent back, on the page it says it is (`page`, a
        section's index; the first page when it is none). Raises RunStateInvalid.

        The page is not part of what is signed: a respondent who jumps pages skips only that
        page's messages, since `submit` checks every visible question again."""
        try:
            data = signing.loads(state or "", salt=STATE_SALT, max_age=STATE_MAX_AGE)
        except signing.BadSignature:
            raise RunStateInvalid from None
        if not isinstance(data, dict) or not isinstance(data.get("a"), dict) or not isinstance(data.get("k"), str):
            raise RunStateInvalid
        # States signed before they named their link have none ("d"): they expire within two days.
        if data.get("d", self.deployment.pk) != self.deployment.pk:
            raise RunStateInvalid  # made for another territory's link
        self.key, self.answers = data["k"], data["a"]
        self._answers_changed()
        self.index = self._page_index(page)

    def _page_index(self, value) -> int | None:
        """A page of this questionnaire, or its first page (a page number made up, or a structure
        changed since)."""
        try:
            index = int(value)
        except (TypeError, ValueError):
            return self.first_index()
        if not 0 <= index < len(self.schema.sections):
            return self.first_index()
        return index

    def page(self, *, errors: dict | None = None, notice: str = "") -> RunPage:
        """The current page, given the answers so far."""
        index = self.index
        visible_indexes = self.visible_section_indexes()
        position = visible_indexes.index(index) + 1 if index in visible_indexes else 1
        return RunPage(
            index=index,
            section=self.schema.sections[index],
            questions=[q for q in self.questions if q.section_index == index],
            visible_codes={q.code for q in self.visible_questions()},
            number=position,
            count=max(len(visible_indexes), position),
            is_first=self._neighbour(index, step=-1) is None,
            is_last=self._neighbour(index, step=1) is None,
            errors=errors or {},
            notice=notice,
        )

    def answer(self, form, *, previous: bool = False, shown=()) -> RunPage | None:
        """Take the answers of the current page from `form` (an HTML form's data); the page to
        show next — this one again with its errors or a notice, the previous or the next visible
        one — or None when every page is answered and the run can be submitted.

        `shown`: the codes of the questions the page displayed; a question of this page that an
        answer on it made visible, and that the page did not show (no JavaScript), is asked before
        going on."""
        page_questions = [q for q in self.questions if q.section_index == self.index]
        # The answers of this page replace what the state held for it.
        for question in page_questions:
            self.answers.pop(question.code, None)
            self.answers.pop(question.other_field, None)
        self.answers.update(answers_from_post(page_questions, form))
        self._answers_changed()
        if previous:
            before = self._neighbour(self.index, step=-1)
            self.index = before if before is not None else self.index
            return self.page()
        visible = self.visible_questions()
        page_visible = {q.code for q in visible if q.section_index == self.index}
        try:
            answers_validate(self.schema, self.answers, deployment=self.deployment, only=page_visible)
        except AnswersInvalid as invalid:
            return self.page(errors=invalid.errors)
        shown = set(shown)
        if any(q.code in page_visible and q.code not in shown and q.code not in self.answers for q in visible):
            return self.page(notice=_("Selon vos réponses, de nouvelles questions s'affichent sur cette page."))
        following = self._neighbour(self.index, step=1)
        if following is not None:
            self.index = following
            return self.page()
        return None

    def page_with_errors(self, errors: dict) -> RunPage:
        """The first page holding one of the questions in error (a submission refused whole)."""
        by_code = self.schema.by_code
        self.index = min((by_code[code].section_index for code in errors if code in by_code), default=self.index)
        return self.page(errors=errors)

    # --- field: a run made on a device ---------------------------------------------------------------

    @classmethod
    def from_device(cls, deployment, payload: dict) -> "QuestionnaireRun":
        """The run a field device sends whole (its queue): answers, key, channel, when collected,
        and the paper sheet's number when the device typed a sheet in. Raises SubmissionRefused for
        an unknown channel; the answers are checked by `submit`."""
        channel = payload.get("channel") or FIELD
        if channel not in DEVICE_CHANNELS:
            raise SubmissionRefused(_("Canal de collecte inconnu."))
        run = cls(deployment, answers=payload.get("answers"), key=payload.get("idempotency_key"), channel=channel)
        run.collected_at = _device_time(payload.get("collected_at"))
        if channel == PAPER:
            run.sheet_number = str(payload.get("sheet_number") or "")[:100]
        return run

    # --- paper: the whole sheet at once --------------------------------------------------------------

    def take_sheet(self, form, *, key, sheet_number: str) -> dict:
        """Take a paper sheet typed into the paper form; every problem it has, at once ({} when it
        can be submitted): option numbers that mean nothing, a sheet number already entered, and
        then the answers' own errors. Nothing is stored."""
        questions = self.questions
        self.channel = PAPER
        self.answers, self.key, self.sheet_number = answers_from_post(questions, form), key, sheet_number
        self._answers_changed()
        errors = paper_code_errors(questions, form)
        try:
            self.sheet_number = sheet_number_check(
                deployment=self.deployment, sheet_number=sheet_number, idempotency_key=key
            )
        except AnswersInvalid as invalid:
            errors.update(invalid.errors)
        except SubmissionRefused as refused:
            errors["__all__"] = refused.message
        if errors:
            try:
                answers_validate(self.schema, self.answers, deployment=self.deployment)
            except AnswersInvalid as invalid:
                errors = {**invalid.errors, **errors}
        return errors

    def fingerprint(self) -> str:
        """A hash of the cleaned answers and the sheet's number, or "" when they do not validate
        (the submission says why). Two sheets with different numbers are never taken for one."""
        try:
            cleaned = answers_validate(self.schema, self.answers, deployment=self.deployment)
        except AnswersInvalid:
            return ""
        payload = {"answers": cleaned, "sheet": self.sheet_number} if self.sheet_number else cleaned
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    # --- every channel ---------------------------------------------------------------------------------

    def submit(self, *, collector=None) -> Submission:
        """Store the run's answers once (collection.response_submit): a replay of its key gives the
        answer already stored. Raises AnswersInvalid or SubmissionRefused; nothing is stored then."""
        return response_submit(
            deployment=self.deployment,
            answers=self.answers,
            channel=self.channel,
            idempotency_key=self.key,
            collector=collector,
            collected_at=self.collected_at,
            sheet_number=self.sheet_number,
        )

    # --- what the templates draw ---------------------------------------------------------------------

    def question_views(self, questions, errors, *, visible_codes, paper: bool = False) -> list[dict]:
        return question_views(
            questions,
            self.answers,
            errors,
            language=self.language,
            deployment=self.deployment,
            visible_codes=visible_codes,
            paper=paper,
        )

    def sections(self, errors: dict | None = None, *, paper: bool = False) -> list[dict]:
        """Every section with its questions, for the pages that draw the whole questionnaire: the
        field page (visibility from the answers so far; its script follows the answers) and the
        paper form (everything drawn: a sheet holds whatever the respondent wrote; the script hides
        what does not apply, and answers to questions that end up hidden are dropped)."""
        questions = self.questions
        if paper:
            visible_codes = {q.code for q in questions}
            visible_indexes = {section.index for section in self.schema.sections}
        else:
            visible_codes = {q.code for q in self.visible_questions()}
            visible_indexes = set(self.visible_section_indexes())
        views = self.question_views(questions, errors or {}, visible_codes=visible_codes, paper=paper)
        by_section: dict[int, list] = {}
        for view in views:
            by_section.setdefault(view["section_index"], []).append(view)
        return [
            {
                "index": section.index,
                "title": pick(section.title, section.title_en, self.language),
                "description": pick(section.description, section.description_en, self.language),
                "visible": section.index in visible_indexes,
                "questions": by_section[section.index],
            }
            for section in self.schema.sections
            if section.index in by_section
        ]

    def schema_json(self) -> dict:
        return self.schema.as_json(participation_id=self.deployment.participation_id)


def _device_time(value) -> datetime.datetime | None:
    """When a device says it collected the answer (response_submit clamps a clock far off)."""
    if not isinstance(value, str):
        return None
    try:
        collected_at = parse_datetime(value[:40])
    except ValueError:
        return None
    if collected_at is not None and timezone.is_naive(collected_at):
        collected_at = timezone.make_aware(collected_at)
    return collected_at


def answers_from_post(questions, post) -> dict:
    """Answers typed in an HTML form (online or paper) as the validator expects them."""
    answers: dict = {}
    for question in questions:
        value = question.handler.from_post(question, post) if question.handler is not None else None
        if value is not None:
            answers[question.code] = value
        if question.allow_other:
            other = post.get(question.other_field)
            if other:
                answers[question.other_field] = other
    return answers


def paper_code_errors(questions, post) -> dict:
    """Per question, what is wrong with the option numbers typed on the paper form (each kind that
    takes typed numbers says it: kinds/choice.py)."""
    errors = {}
    for question in questions:
        if question.handler is not None and (error := question.handler.paper_codes_error(question, post)):
            errors[question.code] = error
    return errors


def question_views(
    questions, answers, errors, *, language, deployment, visible_codes, paper=False, describe_filters=False
):
    """What the templates need to draw each question (values kept, errors, visibility); each
    question's kind fills in its own part and names its widget template (kinds/)."""
    views = []
    # Paper (and the builder's preview, `describe_filters`): a cascading choice shows each option's
    # condition in the earlier question's words (kinds/choice_filter.py).
    filter_labels = (
        {q.code: (q.label, {o["code"]: o["label"] for o in q.options}) for q in questions}
        if (paper or describe_filters) and any(q.choice_filter for q in questions)
        else None
    )
    for question in questions:
        code = question.code
        value = answers.get(code)
        view = {
            "code": code,
            "kind": question.kind,
            "id": f"q-{code}",
            "label": fill_references(pick(question.label, question.label_en, language), answers),
            "help": fill_references(pick(question.help_text, question.help_text_en, language), answers),
            "required": question.required,
            "error": errors.get(code, ""),
            "visible": code in visible_codes,
            "section_index": question.section_index,
            "value": "" if value is None or isinstance(value, (list, dict)) else str(value),
            "choices": [],
            "rows": [],
            "ranks": [],
            "use_select": False,
            "other": None,
            "max_choices": question.max_choices,
            "template": question.handler.widget_template,
            "choice_filter_labels": filter_labels,
        }
        question.handler.widget(
            question, view, value, answers=answers, language=language, deployment=deployment, paper=paper
        )
        views.append(view)
    return views
