"""A survey's answers encoded as numpy arrays, kept in memory and on disk, kept fresh incrementally.

Why: counting 3 million answers in SQL takes 170–270 ms (a weighted count seconds); numpy counts
the same arrays in a few milliseconds (shared/LIMITS.md). Loading them from the database takes
about 2 s, so the arrays are never reloaded per request.

How the figures stay fresh (every request calls `survey_arrays(survey)`):

1. One query reads `MAX(id)` of the survey's responses: an index seek on (survey, id).
2. Rows with an id above the last id already encoded are read and appended (ids only grow; a
   response is never edited once stored). A new answer is therefore in the very next request.
3. Deletions (rare: an administrator removing a response) are found by counting the rows, which
   scans the index (tens of milliseconds at 100,000 rows on a loaded SQLite): done when arrays are
   loaded and then at most every SURVEY_ARRAYS_RECOUNT_SECONDS (30 s) per process. A count that
   differs from the encoded rows, or a maximum id below the last encoded one, rebuilds the arrays
   from scratch. A change of `Survey.structure_version` (questions, options) rebuilds them too,
   since columns follow the questions.
4. Each worker process keeps the arrays in memory; a snapshot (raw arrays behind a JSON header) is written to
   settings.SURVEY_ARRAYS_DIR after a rebuild and when enough rows were appended since the last
   one, so that a restarted worker loads it in milliseconds and only catches up on the rows stored
   after it (step 2) instead of decoding every answer again.

Encoding, one column per variable, one row per respondent:
- choices (single, rating, matrix row, age band, gender, neighbourhood, postcode): int16 category
  index, -1 when not answered; rating "don't know" is the last category;
- multiple choice: int64 bit mask of the chosen options, -1 when not answered;
- number: float64, NaN when not answered;
- ranking: one int8 column per option with its rank (0 = first), -1 when not ranked;
- texts: int8 1 when answered (the texts themselves stay in the database: free-text page);
- per respondent: response id, deployment index, channel, age band, gender, day of submission.
"""

import datetime
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from territoires.surveys.models import AGE_BANDS, DONT_KNOW, GENDERS, OTHER, Question, Response, Survey

logger = logging.getLogger(__name__)

SNAPSHOT_FORMAT = 4
# A snapshot is rewritten when this many rows were appended since the last one, or when it is
# older than SNAPSHOT_MAX_AGE seconds and rows were appended: a restarted worker then has little
# to catch up on, and a single new answer never pays for writing the whole file.
SNAPSHOT_EVERY_ROWS = 2000
SNAPSHOT_MAX_AGE = 300
MAX_MULTIPLE_OPTIONS = 62  # bits of an int64 mask, the sign bit kept for "not answered"

CHANNELS = [choice for choice, _label in Response.Channel.choices]
AGE_CODES = [code for code, _label in AGE_BANDS]
GENDER_CODES = [code for code, _label in GENDERS]


@dataclass
class Variable:
    """One encoded column and how to read it."""

    key: str  # column name: the question code, "code.row" for a matrix row, "code.option" for a rank
    question_code: str
    kind: str  # "cat", "multi", "num", "rank", "text"
    codes: list = field(default_factory=list)  # answer values, in category order
    labels: list = field(default_factory=list)
    dynamic: bool = False  # categories discovered in the answers (postcodes, free neighbourhoods)
    row_code: str = ""
    option_code: str = ""


def _labelled(options) -> tuple[list, list]:
    codes = [str(option.get("code", "")) for option in options]
    labels = [str(option.get("label") or option.get("code", "")) for option in options]
    return codes, labels


def compile_variables(survey: Survey, questions=None) -> list[Variable]:
    """The columns for the survey's current structure, in questionnaire order."""
    from django.utils.translation import gettext as _

    if questions is None:
        questions = list(Question.objects.filter(survey=survey).select_related("section"))
    variables = []
    for question in questions:
        kind, code = question.kind, question.code
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            codes, labels = _labelled(question.options or [])
            if question.allow_other:
                codes.append(OTHER)
                labels.append(_("Autre"))
            if kind == Question.Kind.SINGLE:
                variables.append(Variable(code, code, "cat", codes, labels))
            else:
                variables.append(Variable(code, code, "multi", codes[:MAX_MULTIPLE_OPTIONS], labels))
        elif kind in (Question.Kind.RATING, Question.Kind.MATRIX):
            low = question.scale_min if question.scale_min is not None else 1
            high = question.scale_max if question.scale_max is not None else 5
            codes = list(range(low, high + 1))
            labels = [str(value) for value in codes]
            if question.allow_dont_know:
                codes.append(DONT_KNOW)
                labels.append(_("Ne sait pas"))
            if kind == Question.Kind.RATING:
                variables.append(Variable(code, code, "cat", codes, labels))
            else:
                for row in question.rows or []:
                    row_code = str(row.get("code", ""))
                    variables.append(
                        Variable(f"{code}.{row_code}", code, "cat", list(codes), list(labels), row_code=row_code)
                    )
        elif kind == Question.Kind.NUMBER:
            variables.append(Variable(code, code, "num"))
        elif kind == Question.Kind.RANKING:
            for option_code, label in zip(*_labelled(question.options or []), strict=True):
                variables.append(
                    Variable(f"{code}.{option_code}", code, "rank", [option_code], [label], option_code=option_code)
                )
        elif kind == Question.Kind.AGE_BAND:
            variables.append(Variable(code, code, "cat", AGE_CODES, [str(label) for _c, label in AGE_BANDS]))
        elif kind == Question.Kind.GENDER:
            variables.append(Variable(code, code, "cat", GENDER_CODES, [str(label) for _c, label in GENDERS]))
        elif kind in (Question.Kind.NEIGHBOURHOOD, Question.Kind.POSTCODE):
            variables.append(Variable(code, code, "cat", [], [], dynamic=True))
        elif kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT, Question.Kind.DATE):
            variables.append(Variable(code, code, "text", [1], [_("Répondu")]))
    return variables


def _encoder(variable: Variable, vocabulary: dict):
    """A function answers -> encoded value for one variable (closures: the build loop is hot)."""
    code = variable.question_code
    if variable.kind == "cat":
        index = {value: position for position, value in enumerate(variable.codes)}
        if variable.dynamic:
            index = vocabulary.setdefault(variable.key, index)

            def encode_dynamic(answers):
                value = answers.get(code)
                if value is None or value == "" or isinstance(value, (list, dict)):
                    return -1
                value = str(value)[:60]
                position = index.get(value)
                if position is None:
                    if len(index) >= 30000:  # int16 columns; a real survey is far below
                        return -1
                    position = index[value] = len(index)
                return position

            return encode_dynamic
        row = variable.row_code
        if row:

            def encode_row(answers):
                value = answers.get(code)
                if not isinstance(value, dict):
                    return -1
                return index.get(value.get(row), -1)

            return encode_row

        def encode_cat(answers):
            value = answers.get(code)
            if value is None or isinstance(value, (list, dict)):
                return -1
            return index.get(value, -1)

        return encode_cat
    if variable.kind == "multi":
        bits = {value: 1 << position for position, value in enumerate(variable.codes)}

        def encode_multi(answers):
            value = answers.get(code)
            if not isinstance(value, list):
                return -1
            mask = 0
            for item in value:
                mask |= bits.get(item, 0)
            return mask

        return encode_multi
    if variable.kind == "num":

        def encode_num(answers):
            value = answers.get(code)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return np.nan
            return float(value)

        return encode_num
    if variable.kind == "rank":
        option = variable.option_code

        def encode_rank(answers):
            value = answers.get(code)
            if not isinstance(value, list):
                return -1
            try:
                return value.index(option)
            except ValueError:
                return -1

        return encode_rank

    def encode_text(answers):
        value = answers.get(code)
        return 1 if value not in (None, "", [], {}) else -1

    return encode_text


DTYPES = {"cat": np.int16, "multi": np.int64, "num": np.float64, "rank": np.int8, "text": np.int8}


@dataclass
class SurveyArrays:
    survey_id: int
    structure_version: int
    variables: list
    deployment_ids: list  # deployment index -> Deployment id
    response_ids: np.ndarray
    deployment: np.ndarray  # int16 index into deployment_ids
    channel: np.ndarray  # int8 index into CHANNELS
    age: np.ndarray  # int8 index into AGE_CODES, -1 unknown
    gender: np.ndarray  # int8 index into GENDER_CODES, -1 unknown
    day: np.ndarray  # int32 proleptic ordinal of the local submission date
    columns: dict
    vocabulary: dict = field(default_factory=dict)
    rows_since_snapshot: int = 0
    snapshot_at: float = 0.0
    counted_at: float = 0.0  # when the rows were last counted (deletions), time.monotonic()
    # Weights cached by weighting.weights_with_report, keyed by (row count, margins signature).
    weights_cache: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.response_ids.shape[0])

    @property
    def last_id(self) -> int:
        return int(self.response_ids[-1]) if self.size else 0

    def variable(self, key: str) -> Variable | None:
        for variable in self.variables:
            if variable.key == key:
                return variable
        return None

    def deployment_index(self, deployment_id: int) -> int:
        try:
            return self.deployment_ids.index(deployment_id)
        except ValueError:
            return -1


ROW_FIELDS = ("id", "deployment_id", "channel", "age_band", "gender", "submitted_at", "answers")


def _encode_rows(arrays: SurveyArrays, rows) -> None:
    """Append database rows (ROW_FIELDS tuples, ordered by id) to the arrays."""
    if not rows:
        return
    encoders = [(variable.key, _encoder(variable, arrays.vocabulary)) for variable in arrays.variables]
    channel_index = {code: position for position, code in enumerate(CHANNELS)}
    age_index = {code: position for position, code in enumerate(AGE_CODES)}
    gender_index = {code: position for position, code in enumerate(GENDER_CODES)}
    deployment_positions = {deployment_id: position for position, deployment_id in enumerate(arrays.deployment_ids)}
    local_zone = timezone.get_current_timezone()
    ids, deployments, channels, ages, genders, days = [], [], [], [], [], []
    values = {key: [] for key, _encode in encoders}
    for response_id, deployment_id, channel, age_band, gender, submitted_at, answers in rows:
        if isinstance(answers, (str, bytes)):
            answers = json.loads(answers)
        if not isinstance(answers, dict):
            answers = {}
        position = deployment_positions.get(deployment_id)
        if position is None:
            position = deployment_positions[deployment_id] = len(arrays.deployment_ids)
            arrays.deployment_ids.append(deployment_id)
        ids.append(response_id)
        deployments.append(position)
        channels.append(channel_index.get(channel, -1))
        ages.append(age_index.get(age_band, -1))
        genders.append(gender_index.get(gender, -1))
        if timezone.is_aware(submitted_at):
            submitted_at = submitted_at.astimezone(local_zone)
        days.append(submitted_at.toordinal())
        for key, encode in encoders:
            values[key].append(encode(answers))
    arrays.response_ids = np.concatenate([arrays.response_ids, np.array(ids, dtype=np.int64)])
    arrays.deployment = np.concatenate([arrays.deployment, np.array(deployments, dtype=np.int16)])
    arrays.channel = np.concatenate([arrays.channel, np.array(channels, dtype=np.int8)])
    arrays.age = np.concatenate([arrays.age, np.array(ages, dtype=np.int8)])
    arrays.gender = np.concatenate([arrays.gender, np.array(genders, dtype=np.int8)])
    arrays.day = np.concatenate([arrays.day, np.array(days, dtype=np.int32)])
    for variable in arrays.variables:
        new = np.array(values[variable.key], dtype=DTYPES[variable.kind])
        arrays.columns[variable.key] = np.concatenate([arrays.columns[variable.key], new])
    # Dynamic vocabularies grew while encoding: the variables' labels follow them.
    for variable in arrays.variables:
        if variable.dynamic:
            vocabulary = arrays.vocabulary.get(variable.key, {})
            variable.codes = list(vocabulary)
            variable.labels = list(vocabulary)
    arrays.rows_since_snapshot += len(ids)
    arrays.weights_cache.clear()


def _empty(survey: Survey, variables: list) -> SurveyArrays:
    return SurveyArrays(
        survey_id=survey.pk,
        structure_version=survey.structure_version,
        variables=variables,
        deployment_ids=[],
        response_ids=np.zeros(0, dtype=np.int64),
        deployment=np.zeros(0, dtype=np.int16),
        channel=np.zeros(0, dtype=np.int8),
        age=np.zeros(0, dtype=np.int8),
        gender=np.zeros(0, dtype=np.int8),
        day=np.zeros(0, dtype=np.int32),
        columns={variable.key: np.zeros(0, dtype=DTYPES[variable.kind]) for variable in variables},
    )


def _read_rows(survey_id: int, after_id: int, batch: int = 20000):
    """Rows after an id, in id order, read in batches so that memory stays bounded."""
    while True:
        rows = list(
            Response.objects.filter(survey_id=survey_id, id__gt=after_id)
            .order_by("id")
            .values_list(*ROW_FIELDS)[:batch]
        )
        if not rows:
            return
        yield rows
        if len(rows) < batch:
            return
        after_id = rows[-1][0]


def _catch_up(arrays: SurveyArrays) -> None:
    for rows in _read_rows(arrays.survey_id, arrays.last_id):
        _encode_rows(arrays, rows)


# ---------------------------------------------------------------------------------------------
# Snapshots on disk


def snapshot_dir() -> Path:
    return Path(getattr(settings, "SURVEY_ARRAYS_DIR", Path(settings.BASE_DIR) / "var" / "arrays"))


def snapshot_path(survey_id: int) -> Path:
    # Named after the database too: a laptop switching DATABASE_URL (demo, bench) never reads the
    # arrays of another database's survey that happens to have the same id.
    database = settings.DATABASES["default"]
    label = f"{database.get('ENGINE')}|{database.get('HOST')}|{database.get('PORT')}|{database.get('NAME')}"
    digest = hashlib.sha1(label.encode(), usedforsecurity=False).hexdigest()[:10]
    return snapshot_dir() / f"survey-{survey_id}-{digest}.arrays"


# Snapshot file: 8 bytes (header length, little endian), a JSON header (metadata and, per array,
# its name, dtype and byte offset), then the arrays' raw bytes. Loading is one read and zero-copy
# numpy views on it: a few milliseconds for 100,000 respondents, where .npz (a zip member per
# column) costs ten times more.
PER_RESPONDENT = ("response_ids", "deployment", "channel", "age", "gender", "day")


def save_snapshot(arrays: SurveyArrays) -> None:
    """Written to a temporary file then renamed: a worker reading it never sees half a file."""
    directory = snapshot_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        named = [(name, getattr(arrays, name)) for name in PER_RESPONDENT]
        named += [(f"col{position}", arrays.columns[v.key]) for position, v in enumerate(arrays.variables)]
        layout, offset = [], 0
        for name, array in named:
            layout.append([name, array.dtype.str, offset, int(array.shape[0])])
            offset += array.nbytes
        header = json.dumps(
            {
                "format": SNAPSHOT_FORMAT,
                "survey_id": arrays.survey_id,
                "structure_version": arrays.structure_version,
                "deployment_ids": arrays.deployment_ids,
                "vocabulary": {key: list(values) for key, values in arrays.vocabulary.items()},
                "keys": [variable.key for variable in arrays.variables],
                "arrays": layout,
            }
        ).encode()
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(len(header).to_bytes(8, "little"))
            stream.write(header)
            for _name, array in named:
                stream.write(np.ascontiguousarray(array).tobytes())
        os.replace(temporary, snapshot_path(arrays.survey_id))
        arrays.rows_since_snapshot = 0
        arrays.snapshot_at = time.monotonic()
    except OSError:
        # A read-only or full disk only costs the next restart a rebuild.
        logger.warning("Could not write the survey arrays snapshot of survey %s", arrays.survey_id, exc_info=True)


def load_snapshot(survey: Survey, variables: list) -> SurveyArrays | None:
    try:
        data = snapshot_path(survey.pk).read_bytes()
        header_length = int.from_bytes(data[:8], "little")
        meta = json.loads(data[8 : 8 + header_length])
        keys = [variable.key for variable in variables]
        if (
            meta.get("format") != SNAPSHOT_FORMAT
            or meta.get("survey_id") != survey.pk
            or meta.get("structure_version") != survey.structure_version
            or meta.get("keys") != keys
        ):
            return None
        base = 8 + header_length
        loaded = {
            name: np.frombuffer(data, dtype=np.dtype(dtype), count=count, offset=base + offset)
            for name, dtype, offset, count in meta["arrays"]
        }
        arrays = _empty(survey, variables)
        arrays.deployment_ids = list(meta["deployment_ids"])
        arrays.vocabulary = {
            key: {value: position for position, value in enumerate(values)}
            for key, values in meta["vocabulary"].items()
        }
        for name in PER_RESPONDENT:
            setattr(arrays, name, loaded[name])
        for position, variable in enumerate(variables):
            column = loaded[f"col{position}"]
            if column.dtype != DTYPES[variable.kind] or column.shape[0] != arrays.size:
                return None
            arrays.columns[variable.key] = column
            if variable.dynamic:
                variable.codes = list(arrays.vocabulary.get(variable.key, {}))
                variable.labels = list(variable.codes)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    arrays.snapshot_at = time.monotonic()
    return arrays


# ---------------------------------------------------------------------------------------------
# The per-process cache

_cache: dict[int, SurveyArrays] = {}
_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(survey_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(survey_id, threading.Lock())


def recount_seconds() -> float:
    return float(getattr(settings, "SURVEY_ARRAYS_RECOUNT_SECONDS", 30))


def forget(survey_id: int | None = None) -> None:
    """Drop the in-memory arrays (tests, or a worker that wants to simulate a restart)."""
    if survey_id is None:
        _cache.clear()
    else:
        _cache.pop(survey_id, None)


def _rebuild(survey: Survey, variables: list) -> SurveyArrays:
    arrays = _empty(survey, variables)
    _catch_up(arrays)
    arrays.counted_at = time.monotonic()
    return arrays


def survey_arrays(survey: Survey) -> SurveyArrays:
    """The survey's arrays, up to date with the database (see the module docstring)."""
    with _lock_for(survey.pk):
        arrays = _cache.get(survey.pk)
        if arrays is not None and arrays.structure_version != survey.structure_version:
            arrays = None
        rebuilt = False
        if arrays is None:
            variables = compile_variables(survey)
            arrays = load_snapshot(survey, variables)
            if arrays is None:
                arrays, rebuilt = _rebuild(survey, variables), True
            # A loaded snapshot is counted at the next recount like arrays kept in memory, so that
            # the first request after a restart does not pay for the count.
            arrays.counted_at = time.monotonic()
        if not rebuilt:
            responses = Response.objects.filter(survey_id=survey.pk)
            recount = time.monotonic() - arrays.counted_at >= recount_seconds()
            if recount:
                stats = responses.aggregate(count=Count("id"), last=Max("id"))
            else:
                stats = responses.aggregate(last=Max("id"))  # an index seek, whatever the size
            last = stats["last"] or 0
            if last > arrays.last_id:
                _catch_up(arrays)
            if arrays.last_id != last or (recount and arrays.size != stats["count"]):
                # A response was deleted (or the snapshot is from another database): start again.
                arrays, rebuilt = _rebuild(survey, compile_variables(survey)), True
            elif recount:
                arrays.counted_at = time.monotonic()
        _cache[survey.pk] = arrays
        if rebuilt or (
            arrays.rows_since_snapshot
            and (
                arrays.rows_since_snapshot >= SNAPSHOT_EVERY_ROWS
                or time.monotonic() - arrays.snapshot_at > SNAPSHOT_MAX_AGE
            )
        ):
            save_snapshot(arrays)
        return arrays


def day_to_date(day: int) -> datetime.date:
    return datetime.date.fromordinal(int(day))
