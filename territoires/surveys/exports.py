"""Survey exports: CSV, XLSX, SPSS .sav and a codebook, written from a stream of responses.

Layout, the same in every format (one row per response):
- first the response's own columns: id, territoire, canal, recue_le, synthetique, poids,
  feuille_papier (the paper sheet's number, when typed in);
- then one column per question, named by the question code, in questionnaire order:
  single choice (also age band, gender, neighbourhood): the option code (plus `<code>_autre_texte`
  when "other" is allowed); multiple choice: one 0/1 column per option (`<code>_<option>`), plus
  `<code>_autre` and `<code>_autre_texte` when "other" is allowed — empty when the question was not
  answered; rating: the value or "nsp" (don't know); matrix: one column per row (`<code>_<row>`);
  ranking: the rank of each option, 1 = first (`<code>_<option>`); number, date, postcode and texts
  as answered. The codebook lists every column with its question, values and display condition.

What is never exported: the contact addresses left by respondents (`ContactRequest`, stored apart
and never read here), the collector's identity, any IP address (none is stored). The
`synthetique` column flags generated (demo, benchmark) responses. `poids` is the raking weight
computed from the territory's census margins (territoires/surveys/analytics/weighting.py); it is
empty in a territory without margins.

Memory stays flat whatever the number of answers: responses are read with `.iterator()` in chunks
(a server-side cursor on PostgreSQL) and written at once (CSV to a temporary file, XLSX with
XlsxWriter's constant_memory mode, SPSS row by row through ReadStat: territoires/surveys/spss.py),
and the weights are computed per age × gender cell (a GROUP BY of a few dozen rows), not per
respondent — see bench/surveys_exports.py for the figures.

Text cells that a spreadsheet would run as a formula (starting with =, +, -, @) are prefixed with
an apostrophe in CSV and written as plain strings in XLSX.
"""

import csv
import datetime
import logging
import math
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from territoires.accounts.access import memberships_of
from territoires.core.audit import audit_log
from territoires.core.models import AuditEvent
from territoires.core.task_workers import CONNECTION_ERRORS
from territoires.projects.rules import AUTHORITY_ROLES
from territoires.surveys.kinds import kind_of
from territoires.surveys.models import (
    OTHER,
    Deployment,
    Export,
    Question,
    Response,
    Survey,
)

logger = logging.getLogger(__name__)

Kind = Question.Kind
CHUNK = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# SPSS codes: "don't know" is a user-missing value, kept apart from the scale.
SAV_DONT_KNOW = 99
XLSX_MAX_ROWS = 1_048_575
SPSS_EPOCH = datetime.datetime(1582, 10, 14)
RECEIVED_COLUMN = 3  # position of "recue_le" among the response's own columns


class ExportError(Exception):
    """A reason the export cannot be produced, in French, shown to the user."""


@dataclass
class Column:
    name: str
    label: str
    question: str = ""  # question code ("" for the response's own columns)
    kind: str = ""  # label of the question kind, for the codebook
    values: list = field(default_factory=list)  # [(value as written, label)]
    numeric: bool = False  # written as numbers (CSV/XLSX) and as numeric in SPSS
    sav_codes: dict | None = None  # {written value: SPSS numeric code} for coded text values
    sav_missing: list = field(default_factory=list)  # SPSS user-missing codes
    condition: str = ""
    territory: str = ""  # a territory's own question
    required: bool = False
    is_text: bool = False  # free text: formula-like starts neutralised
    ordinal: bool = False  # rating scales (SPSS measure level)
    precise: bool = False  # needs a double in the SPSS table (ids, weights, numbers answered)


@dataclass
class Layout:
    columns: list[Column]
    expanders: list[Callable]  # per question: (answers, out) -> None, appends its columns' values
    deployment_names: dict[int, str]


def variable_name(raw: str, taken: set[str]) -> str:
    """A name every tool accepts (SPSS: letter first, letters, digits, _; ≤ 64; case-insensitive unique)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", raw) or "v"
    if not name[0].isalpha():
        name = f"v{name}"
    name = name[:60]
    candidate, counter = name, 2
    while candidate.lower() in taken:
        candidate = f"{name[:56]}_{counter}"
        counter += 1
    taken.add(candidate.lower())
    return candidate


def safe_text(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _condition_text(condition) -> str:
    clauses = (condition or {}).get("all") or (condition or {}).get("any") or []
    joiner = _(" et ") if (condition or {}).get("all") else _(" ou ")
    parts = []
    for clause in clauses:
        if not isinstance(clause, dict):
            continue
        op, values = clause.get("op"), ", ".join(str(v) for v in clause.get("values") or [])
        code = clause.get("question", "?")
        parts.append(
            {
                "in": f"{code} ∈ {{{values}}}",
                "not_in": f"{code} ∉ {{{values}}}",
                "answered": _("%(code)s répondue") % {"code": code},
                "gte": f"{code} ≥ {values}",
                "lte": f"{code} ≤ {values}",
            }.get(op, f"{code} {op} {values}")
        )
    return joiner.join(parts)


def _labels(items) -> list[tuple[str, str]]:
    return [(str(item.get("code", "")), str(item.get("label") or item.get("code", ""))) for item in items or []]


def _neighbourhood_values(deployments) -> list[tuple[str, str]]:
    labels: dict[str, list[str]] = {}
    for deployment in deployments:
        for code, label in _labels(deployment.neighbourhoods):
            names = labels.setdefault(code, [])
            if label not in names:
                names.append(label)
    return [(code, " / ".join(names)) for code, names in labels.items()]


@dataclass
class _KindLayout:
    """What a kind needs to lay out its columns (kinds/…: export_columns)."""

    taken: set
    common: dict
    deployments: list
    yes_no: list

    def name(self, raw: str) -> str:
        return variable_name(raw, self.taken)


def build_layout(survey: Survey, *, deployment: Deployment | None = None) -> Layout:
    """The columns of an export of the survey (one territory or all) and how to fill them."""
    deployments = list(survey.deployments.select_related("participation__organisation").order_by("pk"))
    if deployment is not None:
        deployments = [d for d in deployments if d.pk == deployment.pk]
    names = {d.pk: d.participation.organisation.name for d in deployments}
    territory_of_participation = {d.participation_id: d.participation.organisation.name for d in deployments}
    questions = list(
        survey.questions.select_related("section").order_by("section__position", "section__pk", "position", "pk")
    )
    taken: set[str] = set()
    kinds = dict(Question.Kind.choices)
    yes_no = [(1, _("Oui")), (0, _("Non"))]

    columns = [
        Column(
            variable_name("id", taken),
            _("Identifiant de la réponse"),
            kind=_("identifiant"),
            numeric=True,
            precise=True,
        ),
        Column(
            variable_name("territoire", taken),
            _("Territoire"),
            kind=_("territoire"),
            values=[(name, name) for name in names.values()],
            sav_codes={name: position + 1 for position, name in enumerate(names.values())},
        ),
        Column(
            variable_name("canal", taken),
            _("Canal de collecte"),
            kind=_("canal"),
            values=[(code, str(label)) for code, label in Response.Channel.choices],
            sav_codes={code: position + 1 for position, (code, _label) in enumerate(Response.Channel.choices)},
        ),
        Column(variable_name("recue_le", taken), _("Reçue le (heure de Paris)"), kind=_("date et heure")),
        Column(
            variable_name("synthetique", taken),
            _("Réponse synthétique (démonstration, banc d'essai)"),
            kind=_("indicateur"),
            values=yes_no,
            numeric=True,
        ),
        Column(
            variable_name("poids", taken),
            _(
                "Poids de redressement (calage âge × genre sur le recensement ; vide si le territoire n'a pas de marges)"
            ),
            kind=_("poids"),
            numeric=True,
            precise=True,
        ),
        Column(variable_name("feuille_papier", taken), _("N° de la feuille papier (saisie papier)"), kind=_("texte")),
    ]
    expanders: list[Callable] = []

    for question in questions:
        if question.participation_id is not None and question.participation_id not in territory_of_participation:
            continue  # another territory's own question
        code, kind = question.code, question.kind
        common = {
            "question": code,
            "kind": str(kinds.get(kind, kind)),
            "condition": " ; ".join(
                text
                for text in (
                    _condition_text(question.section.condition)
                    and _("section : %(c)s") % {"c": _condition_text(question.section.condition)},
                    _condition_text(question.condition),
                )
                if text
            ),
            "territory": territory_of_participation.get(question.participation_id, ""),
            "required": question.required,
        }
        handler = kind_of(kind)
        if handler is None or not handler.has_answer:
            continue  # a note: nothing to export
        question_columns, expander = handler.export_columns(
            question, _KindLayout(taken=taken, common=common, deployments=deployments, yes_no=yes_no)
        )
        columns.extend(question_columns)
        expanders.append(expander)
    return Layout(columns=columns, expanders=expanders, deployment_names=names)


# Expanders: one closure per question, appending exactly its columns' values (None = empty cell).


def _plain(code):
    def expand(answers, out):
        out.append(answers.get(code))

    return expand


def _text(code):
    def expand(answers, out):
        out.append(safe_text(answers.get(code)))

    return expand


def _single_with_other(code, other_key):
    def expand(answers, out):
        out.append(answers.get(code))
        out.append(safe_text(answers.get(other_key)))

    return expand


def _multiple(code, option_codes, other_key):
    blank = [None] * (len(option_codes) + (2 if other_key else 0))

    def expand(answers, out):
        chosen = answers.get(code)
        if not chosen:
            out.extend(blank)
            return
        out.extend([1 if option in chosen else 0 for option in option_codes])
        if other_key:
            out.append(1 if OTHER in chosen else 0)
            out.append(safe_text(answers.get(other_key)))

    return expand


def _matrix(code, row_codes):
    blank = [None] * len(row_codes)

    def expand(answers, out):
        rows = answers.get(code)
        if not rows:
            out.extend(blank)
            return
        out.extend([rows.get(row) for row in row_codes])

    return expand


def _ranking(code, option_codes):
    blank = [None] * len(option_codes)

    def expand(answers, out):
        ranked = answers.get(code)
        if not ranked:
            out.extend(blank)
            return
        position = {option: rank for rank, option in enumerate(ranked, start=1)}
        out.extend([position.get(option) for option in option_codes])

    return expand


# Weights ----------------------------------------------------------------------------------------


class WeightLookup:
    """The raking weight of a response from its territory, age band and gender: the weights are
    per age × gender cell (territoires/surveys/analytics/weighting.py), so this holds a few dozen
    numbers whatever the number of answers."""

    def __init__(self, survey: Survey):
        from territoires.surveys.analytics.arrays import AGE_CODES
        from territoires.surveys.analytics.weighting import (
            AGES,
            GENDERS_WEIGHTED,
            population_by_deployment,
            rake_territory,
        )

        self.age_index = {code: position for position, code in enumerate(AGE_CODES)}
        self.gender_index = {"f": 0, "m": 1}
        self.unknown_age, self.unknown_gender = AGES, GENDERS_WEIGHTED
        population = population_by_deployment(survey)
        counts: dict[int, np.ndarray] = {}
        rows = (
            Response.objects.filter(survey=survey)
            .values_list("deployment_id", "age_band", "gender")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for deployment_id, age_band, gender, n in rows:
            table = counts.setdefault(deployment_id, np.zeros((AGES + 1, GENDERS_WEIGHTED + 1)))
            table[self.age_index.get(age_band, AGES), self.gender_index.get(gender, GENDERS_WEIGHTED)] += n
        self.factors: dict[int, np.ndarray] = {}
        self.cache: dict[tuple, float | None] = {}  # a few dozen (territory, age band, gender) keys
        for deployment_id, table in counts.items():
            margins = population.get(deployment_id)
            if margins is None or margins.sum() <= 0:
                continue  # not weighted: the cell stays empty
            result = rake_territory(table, margins, trim_min=survey.weight_trim_min, trim_max=survey.weight_trim_max)
            self.factors[deployment_id] = result.factors

    @property
    def any(self) -> bool:
        return bool(self.factors)

    def _cell(self, deployment_id: int, age_band: str, gender: str) -> float | None:
        factors = self.factors.get(deployment_id)
        if factors is None:
            return None
        value = float(
            factors[self.age_index.get(age_band, self.unknown_age), self.gender_index.get(gender, self.unknown_gender)]
        )
        # A raking that could not converge (degenerate sample) must not write "inf" or "nan".
        return round(value, 6) if math.isfinite(value) else None

    def weight(self, deployment_id: int, age_band: str, gender: str) -> float | None:
        key = (deployment_id, age_band, gender)
        try:
            return self.cache[key]
        except KeyError:
            value = self.cache[key] = self._cell(deployment_id, age_band, gender)
            return value


def _no_weights(survey):
    class _Empty:
        any = False

        def weight(self, *args):
            return None

    return _Empty()


def weight_lookup(survey: Survey):
    try:
        return WeightLookup(survey)
    except ImportError:  # analytics not installed: the column stays empty, labelled as such
        return _no_weights(survey)


# Rows -------------------------------------------------------------------------------------------


def response_rows(
    survey: Survey, *, deployment: Deployment | None = None, up_to_id: int | None = None
) -> Iterator[tuple]:
    """The responses in id order (up to an id, included), read CHUNK rows per query.

    One short query per chunk (keyset: the ids after the last one read), never one statement kept
    open for the whole export: on SQLite an open read pins its snapshot, and the export's progress
    write on the same connection then fails with "database is locked" as soon as an answer arrives
    (tests/surveys/test_exports_concurrency.py). Rows stored after the export began are left out:
    the last id is fixed at the start unless the caller gives one.
    """
    queryset = Response.objects.filter(survey=survey)
    if deployment is not None:
        queryset = queryset.filter(deployment=deployment)
    if up_to_id is None:
        up_to_id = queryset.order_by("-pk").values_list("pk", flat=True).first() or 0
    queryset = queryset.filter(pk__lte=up_to_id).order_by("pk")
    fields = (
        "pk",
        "deployment_id",
        "channel",
        "sheet_number",
        "submitted_at",
        "is_synthetic",
        "age_band",
        "gender",
        "answers",
    )
    after = 0
    while True:
        chunk = list(queryset.filter(pk__gt=after).values_list(*fields)[:CHUNK])
        yield from chunk
        if len(chunk) < CHUNK:
            return
        after = chunk[-1][0]


def response_count(survey: Survey, *, deployment: Deployment | None = None) -> int:
    queryset = Response.objects.filter(survey=survey)
    if deployment is not None:
        queryset = queryset.filter(deployment=deployment)
    return queryset.count()


def flat_rows(survey: Survey, layout: Layout, *, deployment=None, weights=None, up_to_id=None) -> Iterator[list]:
    """One list of cell values per response, in the layout's column order."""
    weights = weights or weight_lookup(survey)
    names = layout.deployment_names
    expanders = layout.expanders
    local = timezone.get_current_timezone()
    for pk, deployment_id, channel, sheet_number, submitted_at, synthetic, age_band, gender, answers in response_rows(
        survey, deployment=deployment, up_to_id=up_to_id
    ):
        out = [
            pk,
            names.get(deployment_id, ""),
            channel,
            submitted_at.astimezone(local).strftime("%Y-%m-%d %H:%M:%S") if submitted_at else None,
            1 if synthetic else 0,
            weights.weight(deployment_id, age_band, gender),
            sheet_number,
        ]
        if not isinstance(answers, dict):
            answers = {}
        for expand in expanders:
            expand(answers, out)
        yield out


class Progress:
    """Calls `report(done)` about every 1 % (at least every CHUNK rows), never per row."""

    def __init__(self, total: int, report: Callable[[int], None] | None):
        self.total, self.report = total, report
        self.step = max(CHUNK, total // 100)
        self.next = self.step
        self.done = 0

    def tick(self) -> None:
        self.done += 1
        if self.report and self.done >= self.next:
            self.next += self.step
            self.report(self.done)


# Writers ----------------------------------------------------------------------------------------


def write_csv(
    survey: Survey, stream, *, deployment=None, delimiter: str = ",", progress: Callable[[int], None] | None = None
) -> int:
    """Writes the CSV to a text stream (opened with newline=""); returns the number of responses."""
    layout = build_layout(survey, deployment=deployment)
    writer = csv.writer(stream, delimiter=delimiter)
    writer.writerow([column.name for column in layout.columns])
    tracker = Progress(response_count(survey, deployment=deployment), progress)
    batch = []
    for row in flat_rows(survey, layout, deployment=deployment):
        batch.append(row)
        tracker.tick()
        if len(batch) >= CHUNK:
            writer.writerows(batch)
            batch.clear()
    writer.writerows(batch)
    return tracker.done


def codebook_rows(layout: Layout) -> list[list]:
    header = [
        _("variable"),
        _("question"),
        _("libellé"),
        _("type"),
        _("valeurs (code = libellé)"),
        _("condition d'affichage"),
        _("obligatoire"),
        _("question propre au territoire"),
    ]
    rows = [header]
    for column in layout.columns:
        values = " ; ".join(f"{value} = {label}" for value, label in column.values)
        rows.append(
            [
                column.name,
                column.question,
                column.label,
                column.kind,
                values,
                column.condition,
                (_("oui") if column.required else _("non")) if column.question else "",
                column.territory,
            ]
        )
    return rows


def write_codebook(survey: Survey, stream, *, deployment=None, delimiter: str = ",") -> int:
    layout = build_layout(survey, deployment=deployment)
    writer = csv.writer(stream, delimiter=delimiter)
    rows = codebook_rows(layout)
    writer.writerows(rows)
    return len(rows) - 1


def write_xlsx(survey: Survey, path: str, *, deployment=None, progress: Callable[[int], None] | None = None) -> int:
    """XlsxWriter in constant_memory mode: each row is flushed to disk once the next one starts."""
    import xlsxwriter

    total = response_count(survey, deployment=deployment)
    if total > XLSX_MAX_ROWS:
        raise ExportError(
            _("Trop de réponses pour une feuille Excel (%(n)s, au plus %(max)s) : choisissez le format CSV.")
            % {"n": total, "max": XLSX_MAX_ROWS}
        )
    layout = build_layout(survey, deployment=deployment)
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            # Answers are data, never formulas, links or numbers guessed from text.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(_("Réponses")[:31])
    sheet.write_row(0, 0, [column.name for column in layout.columns], bold)
    sheet.freeze_panes(1, 1)
    tracker = Progress(total, progress)
    write_row = sheet.write_row
    row_index = 1
    for row in flat_rows(survey, layout, deployment=deployment):
        write_row(row_index, 0, row)
        row_index += 1
        tracker.tick()
    variables = workbook.add_worksheet(_("Variables")[:31])
    for index, values in enumerate(codebook_rows(layout)):
        variables.write_row(index, 0, values, bold if index == 0 else None)
    workbook.close()
    return tracker.done


def write_sav(survey: Survey, path: str, *, deployment=None, progress: Callable[[int], None] | None = None) -> int:
    """SPSS .sav with variable labels, value labels and "don't know" as a user-missing value.

    Written row by row (territoires/surveys/spss.py), so memory stays flat whatever the number of
    answers. SPSS needs each text variable's width before the first row: the rows are read twice,
    once to measure the texts (and fix the rows the file holds: those stored up to then), once to
    write them. Coded answers are numbers with value labels; dates are seconds since the SPSS epoch
    shown as DATETIME.
    """
    from territoires.surveys.spss import UNAVAILABLE_MESSAGE, SavVariable, SavWriter, text_width, writer_available

    if not writer_available():  # a pyreadstat the writer was not checked against (system check surveys.E010)
        raise ExportError(str(UNAVAILABLE_MESSAGE))
    layout = build_layout(survey, deployment=deployment)
    columns = layout.columns
    total = response_count(survey, deployment=deployment)
    text_positions = [
        position
        for position, column in enumerate(columns)
        if position != RECEIVED_COLUMN and column.sav_codes is None and not column.numeric
    ]
    # Each pass counts for half of the progress bar.
    tracker = Progress(2 * total, (lambda steps: progress(steps // 2)) if progress else None)
    weights = weight_lookup(survey)
    widths = dict.fromkeys(text_positions, 1)
    count, last_id = 0, 0
    for row in flat_rows(survey, layout, deployment=deployment, weights=weights):
        count, last_id = count + 1, row[0]
        for position in text_positions:
            if (width := text_width(row[position])) > widths[position]:
                widths[position] = width
        tracker.tick()

    variables = []
    for position, column in enumerate(columns):
        variable = SavVariable(name=column.name, label=column.label, text_width=widths.get(position, 0))
        if column.sav_codes is not None:
            labels = dict(column.values)
            variable.value_labels = {code: labels.get(value, value) for value, code in column.sav_codes.items()}
            variable.measure = "ordinal" if column.ordinal else "nominal"
        elif column.values and column.numeric:
            variable.value_labels = dict(column.values)
        variable.missing_values = list(column.sav_missing)
        if position == RECEIVED_COLUMN:
            variable.display_format = "DATETIME20"
        variables.append(variable)
    codes = [column.sav_codes for column in columns]
    numeric = [position for position, column in enumerate(columns) if column.numeric and column.sav_codes is None]
    with SavWriter(path, variables, row_count=count, file_label=survey.title) as writer:
        for row in flat_rows(survey, layout, deployment=deployment, weights=weights, up_to_id=last_id):
            for position, mapping in enumerate(codes):
                if mapping is not None and row[position] is not None:
                    row[position] = mapping.get(row[position])
            received = row[RECEIVED_COLUMN]
            if received is not None:
                row[RECEIVED_COLUMN] = (datetime.datetime.fromisoformat(received) - SPSS_EPOCH).total_seconds()
            for position in numeric:
                row[position] = _sav_number(row[position])
            writer.write_row(row)
            tracker.tick()
        if writer.rows_written != count:
            # Answers deleted between the two passes: the file would announce rows it does not hold.
            raise ExportError(_("Des réponses ont été supprimées pendant l'export : relancez-le."))
    return count


def _sav_number(value):
    """A number for SPSS, or None (system-missing) for anything that is not one."""
    if value is None or isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def bare_csv(survey: Survey, stream, *, delimiter: str = ",") -> int:
    """The benchmark's limit: the same responses written by a bare csv.writer fed by one query —
    one cell per question, no expansion, no labels, no weights."""
    import json

    from django.db import connection

    codes = list(survey.questions.order_by("section__position", "position", "pk").values_list("code", flat=True))
    writer = csv.writer(stream, delimiter=delimiter)
    writer.writerow(["id", "deployment", "channel", "submitted_at", "synthetic", *codes])
    table = Response._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, deployment_id, channel, submitted_at, is_synthetic, answers FROM {table} "  # noqa: S608
            "WHERE survey_id = %s ORDER BY id",
            [survey.pk],
        )
        while rows := cursor.fetchmany(CHUNK):
            out = []
            for pk, deployment_id, channel, submitted_at, synthetic, answers in rows:
                if isinstance(answers, str):
                    answers = json.loads(answers)
                out.append(
                    [pk, deployment_id, channel, submitted_at, synthetic, *[answers.get(code) for code in codes]]
                )
            writer.writerows(out)
            count += len(rows)
    return count


def today_stamp() -> str:
    return datetime.datetime.now().strftime("%Y%m%d-%H%M")


# Services ---------------------------------------------------------------------------------------

MAX_RUNNING_PER_USER = 3
STALLED_AFTER = datetime.timedelta(minutes=30)
DELIMITERS = {",": "comma", ";": "semicolon"}
EXTENSIONS = {
    Export.Format.CSV: "csv",
    Export.Format.XLSX: "xlsx",
    Export.Format.SAV: "sav",
    Export.Format.CODEBOOK: "csv",
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}
FORMATS = [Export.Format.CSV, Export.Format.XLSX, Export.Format.SAV, Export.Format.CODEBOOK]


@dataclass
class ExportScope:
    """What one person may export from a survey: every territory (leads) or their own ones."""

    all_territories: bool
    deployments: list  # the territories they may choose, by name

    @property
    def allowed(self) -> bool:
        return self.all_territories or bool(self.deployments)

    def covers(self, deployment_id: int | None) -> bool:
        if deployment_id is None:
            return self.all_territories
        return any(deployment.pk == deployment_id for deployment in self.deployments)


def export_scope(user, survey: Survey) -> ExportScope:
    deployments = sorted(
        survey.deployments.select_related("participation__organisation"),
        key=lambda deployment: deployment.participation.organisation.name,
    )
    if not user.is_authenticated or not user.has_perm("surveys.export", survey):
        return ExportScope(False, [])
    if user.has_perm("surveys.view_all_territories", survey):
        return ExportScope(True, deployments)
    roles = memberships_of(user)
    own = [d for d in deployments if roles.get(d.participation.organisation_id) in AUTHORITY_ROLES]
    return ExportScope(False, own)


def exports_visible_to(scope: ExportScope, survey: Survey):
    """Leads see every export of the survey; a territory's staff the exports of their territory."""
    queryset = Export.objects.filter(survey=survey).select_related(
        "requested_by", "deployment__participation__organisation"
    )
    if scope.all_territories:
        return queryset
    return queryset.filter(deployment__in=[deployment.pk for deployment in scope.deployments])


def export_is_stalled(export: Export) -> bool:
    """Queued or running, and silent for a long time: the worker probably died."""
    if export.status not in (Export.Status.QUEUED, Export.Status.RUNNING):
        return False
    return export.updated_at < timezone.now() - STALLED_AFTER


@transaction.atomic
def export_request(
    *, survey: Survey, user, scope: ExportScope, format: str, deployment_id: int | None, delimiter: str, bom: bool
) -> Export:
    """Records the request and starts the background build after commit."""
    if not scope.allowed:
        raise PermissionDenied
    if format not in FORMATS:
        raise ValidationError({"format": _("Choisissez un format d'export proposé.")})
    if format == Export.Format.SAV:
        from territoires.surveys.spss import UNAVAILABLE_MESSAGE, writer_available

        if not writer_available():
            raise ValidationError({"format": UNAVAILABLE_MESSAGE})
    if delimiter not in DELIMITERS:
        raise ValidationError({"delimiter": _("Choisissez la virgule ou le point-virgule.")})
    if not scope.covers(deployment_id):
        raise ValidationError({"deployment": _("Vous ne pouvez exporter que les réponses de votre territoire.")})
    running = Export.objects.filter(
        survey=survey,
        requested_by=user,
        status__in=[Export.Status.QUEUED, Export.Status.RUNNING],
        updated_at__gte=timezone.now() - STALLED_AFTER,
    ).count()
    if running >= MAX_RUNNING_PER_USER:
        raise ValidationError(
            _("Vous avez déjà %(n)s exports en cours pour cette enquête : attendez qu'ils se terminent.")
            % {"n": running}
        )
    export = Export.objects.create(
        survey=survey,
        requested_by=user,
        format=format,
        deployment_id=deployment_id,
        options={"delimiter": delimiter, "bom": bool(bom)},
    )
    audit_log(
        actor=user,
        action=AuditEvent.Action.SURVEY_EXPORT_REQUESTED,
        target=survey,
        project_id=survey.project_id,
        format=format,
        territory=export.deployment.participation.organisation.name if export.deployment_id else "tous",
    )
    from territoires.surveys.tasks import export_build

    transaction.on_commit(lambda: export_build.enqueue(export.pk))
    return export


def _export_filename(export: Export, extension: str) -> str:
    survey_part = slugify(export.survey.title)[:40] or "enquete"
    territory = slugify(export.deployment.participation.organisation.name)[:30] if export.deployment_id else "tous"
    kind = "dictionnaire" if export.format == Export.Format.CODEBOOK else "reponses"
    stamp = timezone.localtime(export.created_at).strftime("%Y%m%d-%H%M")
    return f"{survey_part}-{territory}-{kind}-{stamp}.{extension}"


def export_download_name(export: Export) -> str:
    return _export_filename(export, EXTENSIONS.get(export.format, "bin"))


def _mark(export_id: int, **fields) -> None:
    # update(), not save(): never overwrites fields another process changed; bumps updated_at by hand.
    Export.objects.filter(pk=export_id).update(updated_at=timezone.now(), **fields)


def export_build_file(*, export_id: int) -> Export | None:
    """Builds the file of a queued export: progress stored as it goes, failure stored with a message."""
    export = (
        Export.objects.select_related("survey", "deployment__participation__organisation").filter(pk=export_id).first()
    )
    if export is None or export.status not in (Export.Status.QUEUED, Export.Status.RUNNING):
        return export
    _mark(export.pk, status=Export.Status.RUNNING, progress=0, error="")
    survey, deployment = export.survey, export.deployment
    options = export.options or {}
    delimiter = options.get("delimiter") if options.get("delimiter") in DELIMITERS else ","
    encoding = "utf-8-sig" if options.get("bom") else "utf-8"
    total = response_count(survey, deployment=deployment)

    def progress(done: int) -> None:
        _mark(export.pk, progress=min(99, done * 100 // max(total, 1)), row_count=done)

    extension = EXTENSIONS.get(export.format, "bin")
    try:
        with tempfile.TemporaryDirectory(prefix="export-") as folder:
            path = Path(folder) / f"export.{extension}"
            if export.format == Export.Format.CSV:
                with open(path, "w", encoding=encoding, newline="") as stream:
                    rows = write_csv(survey, stream, deployment=deployment, delimiter=delimiter, progress=progress)
            elif export.format == Export.Format.CODEBOOK:
                with open(path, "w", encoding=encoding, newline="") as stream:
                    rows = write_codebook(survey, stream, deployment=deployment, delimiter=delimiter)
            elif export.format == Export.Format.XLSX:
                rows = write_xlsx(survey, str(path), deployment=deployment, progress=progress)
            elif export.format == Export.Format.SAV:
                rows = write_sav(survey, str(path), deployment=deployment, progress=progress)
            else:
                raise ExportError(_("Ce format n'est pas produit ici."))
            with open(path, "rb") as stream:
                # A short random stored name (FileField holds 100 characters; the readable name is
                # given at download): even a leaked storage path cannot be guessed.
                stored = export.file.storage.save(
                    f"surveys/exports/{timezone.now():%Y/%m}/{export.pk}-{secrets.token_urlsafe(12)}.{extension}",
                    File(stream),
                )
    except ExportError as error:
        _mark(export.pk, status=Export.Status.FAILED, error=str(error), finished_at=timezone.now())
    except CONNECTION_ERRORS:
        # The database went away (a restart): the export stays running and the worker runs the task
        # again once the database is back (territoires/core/task_workers.py); the build starts over.
        raise
    except Exception:
        logger.exception("Survey export %s failed", export.pk)
        _mark(
            export.pk,
            status=Export.Status.FAILED,
            error=_("Une erreur inattendue a interrompu l'export. Relancez-le ; si l'échec se répète, signalez-le."),
            finished_at=timezone.now(),
        )
    else:
        _mark(
            export.pk,
            status=Export.Status.DONE,
            progress=100,
            row_count=rows,
            file=stored,
            finished_at=timezone.now(),
        )
    export.refresh_from_db()
    return export


def exports_purge(*, older_than_days: int = 30) -> int:
    """Deletes exports (rows and files) older than the given age; returns how many. Export files are
    copies of the answers: they are not kept longer than needed (to call from the daily command)."""
    from territoires.core.storage import delete_with_files

    limit = timezone.now() - datetime.timedelta(days=older_than_days)
    return delete_with_files(Export.objects.filter(created_at__lt=limit))
