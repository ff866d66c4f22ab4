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

import dataclasses
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
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from territoires.core.process_caches import register_process_cache
from territoires.surveys.kinds import kind_of
from territoires.surveys.models import AGE_BANDS, GENDERS, Question, Response, Survey

logger = logging.getLogger(__name__)

SNAPSHOT_FORMAT = 5
# A snapshot is rewritten when this many rows were appended since the last one, or when it is
# older than SNAPSHOT_MAX_AGE seconds and rows were appended: a restarted worker then has little
# to catch up on, and a single new answer never pays for writing the whole file.
SNAPSHOT_EVERY_ROWS = 2000
SNAPSHOT_MAX_AGE = 300
CHECKPOINT_SECONDS = 5
MAX_MULTIPLE_OPTIONS = 62  # bits of an int64 mask, the sign bit kept for "not answered"

CHANNELS = [choice for choice, _label in Response.Channel.choices]
AGE_CODES = [code for code, _label in AGE_BANDS]
GENDER_CODES = [code for code, _label in GENDERS]


@dataclass
class Variable:
    """One encoded column and how to read it."""

    key: str  # column name: the question code, "code.row" for a matrix row, "code.option" for a rank
    question_code: str
    kind: str  # "cat", "multi", "num", "rank", "text", "month" (a date: months since year 0)
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
    # Lazy labels: the arrays are shared by every request of the process, whatever its language;
    # the figures turn them into text in the language of the request.
    if questions is None:
        questions = list(Question.objects.filter(survey=survey).select_related("section"))
    variables = []
    for question in questions:
        kind = kind_of(question.kind)
        if kind is not None:
            variables.extend(kind.variables(question))
    return variables


def _scalar(text):
    """The Python value of a JSON text extracted by the database (None when absent)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def _encoder(variable: Variable, vocabulary: dict):
    """A function (JSON text of the answer, as extracted by the database) -> encoded value.

    The hot path is a dict lookup on the JSON text itself ('"a"', '3'); anything else (3.0 for a
    rating, a list where a choice is expected) is decoded and looked up again. Closures: the build
    loop calls these a few million times."""
    if variable.kind == "cat":
        index = {value: position for position, value in enumerate(variable.codes)}
        if variable.dynamic:
            index = vocabulary.setdefault(variable.key, index)

            known = {}  # JSON text -> position: each distinct answer decoded once

            def encode_dynamic(text):
                if text in known:
                    return known[text]
                known[text] = position = _encode_dynamic(text)
                return position

            def _encode_dynamic(text):
                value = _scalar(text)
                if value is None or value == "" or isinstance(value, (list, dict, bool)):
                    return -1
                value = str(value)[:60]
                position = index.get(value)
                if position is None:
                    if len(index) >= 30000:  # int16 columns; a real survey is far below
                        return -1
                    position = index[value] = len(index)
                return position

            return encode_dynamic
        by_text = {json.dumps(value, ensure_ascii=False): position for value, position in index.items()}

        def encode_cat(text):
            if text is None:
                return -1
            position = by_text.get(text)
            if position is None:
                value = _scalar(text)
                if isinstance(value, (list, dict, bool)) or value is None:
                    return -1
                position = index.get(value, -1)
            return position

        return encode_cat
    if variable.kind == "multi":
        bits = {value: 1 << position for position, value in enumerate(variable.codes)}
        masks = {}  # distinct answers are few: each JSON text is decoded once

        def encode_multi(text):
            if text is None:
                return -1
            mask = masks.get(text)
            if mask is None:
                value = _scalar(text)
                if not isinstance(value, list):
                    mask = -1
                else:
                    mask = 0
                    for item in value:
                        mask |= bits.get(item, 0) if isinstance(item, str) else 0
                masks[text] = mask
            return mask

        return encode_multi
    if variable.kind == "num":

        def encode_num(text):
            if text is None or text[:1] in ('"', "[", "{", "n", "t", "f"):
                return np.nan
            try:
                return float(text)
            except ValueError:
                return np.nan

        return encode_num
    if variable.kind == "rank":
        option = variable.option_code
        ranks = {}

        def encode_rank(text):
            if text is None:
                return -1
            rank = ranks.get(text)
            if rank is None:
                value = _scalar(text)
                rank = value.index(option) if isinstance(value, list) and option in value else -1
                ranks[text] = rank
            return rank

        return encode_rank

    if variable.kind == "month":

        def encode_month(text):
            # '"2024-03-05"' -> months since year 0 (2024 * 12 + 2); -1 when not a stored date.
            if text is None or len(text) < 9 or text[0] != '"' or text[5] != "-":
                return -1
            try:
                month = int(text[6:8])
                return int(text[1:5]) * 12 + month - 1 if 1 <= month <= 12 else -1
            except ValueError:
                return -1

        return encode_month

    def encode_text(text):
        return 1 if text not in (None, "null", '""', "[]", "{}") else -1

    return encode_text


DTYPES = {"cat": np.int16, "multi": np.int64, "num": np.float64, "rank": np.int8, "text": np.int8, "month": np.int32}


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
    # Names of the territories' neighbourhoods by code: a dynamic variable's labels (a code not
    # in it, a postcode for instance, is its own label).
    dynamic_labels: dict = field(default_factory=dict)
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


BASE_FIELDS = ("id", "deployment_id", "channel", "age_band", "gender", "submitted_at")


def _json_path(vendor: str, keys: list[str]) -> tuple[str, list]:
    """SQL for the JSON text of answers[keys[0]][keys[1]…], and its parameters: the database
    extracts the few answers the arrays need, so long free texts are never decoded in Python."""
    if vendor == "postgresql":
        return "(answers" + " -> %s::text" * len(keys) + ")::text", list(keys)
    path = "$" + "".join('."' + key.replace('"', "") + '"' for key in keys)
    return "answers -> %s", [path]


def _extractions(variables: list, vendor: str) -> tuple[list[str], list, list[int]]:
    """The SQL expressions to select and, per variable, the index of its expression."""
    expressions, params, by_path, positions = [], [], {}, []
    for variable in variables:
        keys = [variable.question_code] + ([variable.row_code] if variable.row_code else [])
        path = tuple(keys)
        if path not in by_path:
            sql, sql_params = _json_path(vendor, keys)
            by_path[path] = len(expressions)
            expressions.append(sql)
            params.extend(sql_params)
        positions.append(by_path[path])
    return expressions, params, positions


def _encode_rows(arrays: SurveyArrays, rows, positions: list[int]) -> None:
    """Append database rows (BASE_FIELDS then the extracted answers, ordered by id)."""
    if not rows:
        return
    base = len(BASE_FIELDS)
    encoders = [
        (variable.key, base + position, _encoder(variable, arrays.vocabulary))
        for variable, position in zip(arrays.variables, positions, strict=True)
    ]
    channel_index = {code: position for position, code in enumerate(CHANNELS)}
    age_index = {code: position for position, code in enumerate(AGE_CODES)}
    gender_index = {code: position for position, code in enumerate(GENDER_CODES)}
    deployment_positions = {deployment_id: position for position, deployment_id in enumerate(arrays.deployment_ids)}
    local_zone = timezone.get_current_timezone()
    days_of = {}

    def day_of(submitted_at) -> int:
        if isinstance(submitted_at, str):  # SQLite through a raw cursor: UTC text
            hour_key = submitted_at[:13]
            day = days_of.get(hour_key)
            if day is None:
                moment = datetime.datetime.fromisoformat(hour_key + ":00:00").replace(tzinfo=datetime.UTC)
                day = days_of[hour_key] = moment.astimezone(local_zone).toordinal()
            return day
        if timezone.is_aware(submitted_at):
            submitted_at = submitted_at.astimezone(local_zone)
        return submitted_at.toordinal()

    for deployment_id in {row[1] for row in rows}:
        if deployment_id not in deployment_positions:
            deployment_positions[deployment_id] = len(arrays.deployment_ids)
            arrays.deployment_ids.append(deployment_id)
    # Column by column: map() and np.fromiter keep the loop in C around each small encoder.
    columns = list(zip(*rows, strict=True))
    count = len(rows)

    def encoded(function, column, dtype):
        return np.fromiter(map(function, column), dtype=dtype, count=count)

    new = {
        "response_ids": np.array(columns[0], dtype=np.int64),
        "deployment": encoded(deployment_positions.__getitem__, columns[1], np.int16),
        "channel": encoded(lambda value: channel_index.get(value, -1), columns[2], np.int8),
        "age": encoded(lambda value: age_index.get(value, -1), columns[3], np.int8),
        "gender": encoded(lambda value: gender_index.get(value, -1), columns[4], np.int8),
        "day": encoded(day_of, columns[5], np.int32),
    }
    for name, values in new.items():
        setattr(arrays, name, np.concatenate([getattr(arrays, name), values]))
    for variable, (key, column, encode) in zip(arrays.variables, encoders, strict=True):
        values = encoded(encode, columns[column], DTYPES[variable.kind])
        arrays.columns[key] = np.concatenate([arrays.columns[key], values])
    # Dynamic vocabularies grew while encoding: the variables' labels follow them.
    for variable in arrays.variables:
        if variable.dynamic:
            vocabulary = arrays.vocabulary.get(variable.key, {})
            variable.codes = list(vocabulary)
            variable.labels = [arrays.dynamic_labels.get(code, code) for code in variable.codes]
    arrays.rows_since_snapshot += count
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
        dynamic_labels=_neighbourhood_names(survey),
    )


def _neighbourhood_names(survey: Survey) -> dict:
    names = {}
    for neighbourhoods in survey.deployments.values_list("neighbourhoods", flat=True):
        for item in neighbourhoods or []:
            if isinstance(item, dict) and item.get("code") not in (None, ""):
                names.setdefault(str(item["code"]), str(item.get("label") or item["code"]))
    return names


def _catch_up(arrays: SurveyArrays, batch: int = 20000) -> None:
    """Read and encode the rows after the last encoded id, in id order, in batches (bounded
    memory). Raw SQL: the database extracts each answer as JSON text (see _json_path)."""
    vendor = connection.vendor
    expressions, params, positions = _extractions(arrays.variables, vendor)
    table = Response._meta.db_table
    columns = ", ".join([*BASE_FIELDS, *expressions])
    sql = f"SELECT {columns} FROM {table} WHERE survey_id = %s AND id > %s ORDER BY id LIMIT %s"  # noqa: S608
    after_id = arrays.last_id
    saved_at = time.monotonic()
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, arrays.survey_id, after_id, batch])
            rows = cursor.fetchall()
        if not rows:
            return
        _encode_rows(arrays, rows, positions)
        if len(rows) < batch:
            return
        after_id = rows[-1][0]
        if time.monotonic() - saved_at > CHECKPOINT_SECONDS:
            # A long build (100,000 answers on a busy server) keeps what it has encoded: if the
            # worker is stopped by its timeout, the next request resumes from this snapshot.
            save_snapshot(arrays)
            saved_at = time.monotonic()


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
                variable.labels = [arrays.dynamic_labels.get(code, code) for code in variable.codes]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    arrays.snapshot_at = time.monotonic()
    return arrays


# ---------------------------------------------------------------------------------------------
# The per-process cache

_cache: dict[int, SurveyArrays] = register_process_cache(
    {},
    name="surveys.arrays",
    bench="surveys.dashboard",
    reason="each survey's answers as numpy arrays, caught up with new answers instead of re-read",
)
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
        if rebuilt:
            save_snapshot(arrays)
        elif arrays.rows_since_snapshot and (
            arrays.rows_since_snapshot >= SNAPSHOT_EVERY_ROWS
            or time.monotonic() - arrays.snapshot_at > SNAPSHOT_MAX_AGE
        ):
            save_snapshot_in_background(arrays)
        return arrays


def save_snapshot_in_background(arrays: SurveyArrays) -> None:
    """Write the snapshot from a thread, so that the request which happens to be due for it does
    not wait for 10 MB to reach the disk. The thread gets a frozen copy: appending rows replaces
    the arrays (np.concatenate) rather than changing them, and the dicts are copied here, under
    the survey's lock."""
    frozen = dataclasses.replace(
        arrays,
        deployment_ids=list(arrays.deployment_ids),
        columns=dict(arrays.columns),
        vocabulary={key: dict(values) for key, values in arrays.vocabulary.items()},
        weights_cache={},
    )
    arrays.rows_since_snapshot = 0
    arrays.snapshot_at = time.monotonic()
    threading.Thread(target=save_snapshot, args=(frozen,), name="survey-arrays-snapshot", daemon=True).start()


def day_to_date(day: int) -> datetime.date:
    return datetime.date.fromordinal(int(day))
